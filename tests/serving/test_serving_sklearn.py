"""scikit-learn candidates: DataFrame requests, sizes, memory, and their ONNX variants."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.neighbors import KNeighborsClassifier

from analysis.serving import SERVING_OBJECTIVE_NAMES, ServingSettings, measure_serving

SMALL = dict(n_calls=40, warmup=5, rounds=2, batch_sizes=(1, 64, 1024), throughput_budget_s=0.1, min_repeats=2)


@pytest.fixture(scope="module")
def report(mixed_frame, fitted_models):
    X, _ = mixed_frame
    pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    return measure_serving(fitted_models, X, settings=ServingSettings(variants=("onnx",), **SMALL))


def test_sklearn_models_are_measured_with_dataframe_rows(mixed_frame, fitted_models):
    X, _ = mixed_frame
    report = measure_serving(fitted_models, X, settings=ServingSettings(**SMALL))
    assert report.names == ("lr", "pipe")
    for name in ("lr", "pipe"):
        entry = report.candidate(name)
        assert entry.ok, entry.errors
        assert entry.method == "predict_proba"
        assert entry.latency.input_kind == "DataFrame"
        figures = entry.figures()
        assert all(figures[n] is not None and figures[n] > 0 for n in SERVING_OBJECTIVE_NAMES), figures
        assert entry.size_method == "skops"
        assert entry.memory_batch_size == 1024
        assert entry.throughput[-1].with_replacement  # 1024 > 600 rows
    frame = report.to_frame()
    assert list(frame.columns) == list(SERVING_OBJECTIVE_NAMES)
    assert not frame.isna().any().any()


def test_model_size_comes_from_the_file_when_given(mixed_frame, fitted_models, tmp_path):
    X, _ = mixed_frame
    path = tmp_path / "lr.skops"
    path.write_bytes(b"x" * 12345)
    report = measure_serving(
        {"lr": fitted_models["lr"]}, X, model_files={"lr": path}, settings=ServingSettings(**SMALL)
    )
    entry = report.candidate("lr")
    assert (entry.model_size_bytes, entry.size_method) == (12345, "file")
    assert entry.figures()["model_size_mb"] == pytest.approx(0.012345)


def test_model_size_of_a_file_no_longer_on_disk_is_the_size_given(mixed_frame, fitted_models):
    X, _ = mixed_frame  # a model downloaded from MLflow, loaded, and its temporary file deleted
    settings = ServingSettings(**SMALL)
    report = measure_serving({"lr": fitted_models["lr"]}, X, model_files={"lr": 6504}, settings=settings)
    entry = report.candidate("lr")
    assert (entry.model_size_bytes, entry.size_method) == (6504, "file")


def test_n_jobs_is_noted(mixed_frame):
    X, y = mixed_frame
    model = KNeighborsClassifier(n_neighbors=3, n_jobs=2).fit(X[["x1", "x2"]], y)
    report = measure_serving({"knn": model}, X, settings=ServingSettings(**SMALL))
    assert any("n_jobs=2" in note for note in report.candidate("knn").notes)


def test_onnx_variants_convert_match_and_are_measured(report):
    assert report.names == ("lr", "lr[onnx]", "pipe", "pipe[onnx]")
    assert report.variants == ("lr[onnx]", "pipe[onnx]")
    for name, form, kind in (("lr[onnx]", "tensor", "ndarray"), ("pipe[onnx]", "columns", "DataFrame")):
        entry = report.candidate(name)
        assert entry.ok, entry.errors
        assert (entry.kind, entry.runtime, entry.base, entry.variant) == ("variant", "onnxruntime", name[:-6], "onnx")
        assert entry.conversion.input_form == form
        assert entry.conversion.matches
        assert entry.conversion.max_abs_diff <= 1e-4
        assert entry.latency.input_kind == kind
        assert entry.size_method == "onnx"
        assert entry.figures()["latency_ms_p50"] > 0
        assert any("differ" in note for note in entry.notes)


def test_onnx_model_reproduces_the_pipeline(mixed_frame, fitted_models, report, tmp_path):
    from analysis.serving import OnnxModel

    X, _ = mixed_frame
    pipe = fitted_models["pipe"]
    converted = report.candidate("pipe[onnx]").conversion.model
    path = tmp_path / "pipe.onnx"
    path.write_bytes(converted.model_bytes)
    for model in (OnnxModel(path), OnnxModel(converted.model_bytes, threads=1)):
        assert list(model.feature_names_in_) == list(X.columns)
        assert model.n_features_in_ == 4
        np.testing.assert_array_equal(model.classes_, pipe.classes_)
        np.testing.assert_allclose(model.predict_proba(X), pipe.predict_proba(X), atol=1e-4)
        np.testing.assert_array_equal(model.predict(X), pipe.predict(X))
    tensor = report.candidate("lr[onnx]").conversion.model
    assert tensor.feature_names_in_ is None and tensor.n_features_in_ == 3
    lr = fitted_models["lr"]
    numeric = X[list(lr.feature_names_in_)]
    np.testing.assert_allclose(tensor.predict_proba(numeric.to_numpy()), lr.predict_proba(numeric), atol=1e-4)
    np.testing.assert_allclose(tensor.predict_proba(numeric), lr.predict_proba(numeric), atol=1e-4)


class _Unconvertible(ClassifierMixin, BaseEstimator):
    """A scikit-learn classifier skl2onnx has never heard of."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X):
        return np.full((len(X), 2), 0.5)

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


def test_failed_conversion_is_reported_not_raised(mixed_frame):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    X, y = mixed_frame
    numeric = X[["x1", "x2"]].to_numpy()
    model = _Unconvertible().fit(numeric, y)
    report = measure_serving({"odd": model}, X[["x1", "x2"]], settings=ServingSettings(variants=("onnx",), **SMALL))
    assert report.candidate("odd").ok  # the original is still measured
    failed = report.candidate("odd[onnx]")
    assert not failed.ok
    assert failed.errors[0].startswith("conversion failed: ")
    assert failed.conversion.matches is None
    assert all(v is None for v in failed.figures().values())
    assert failed.to_dict()["status"] == "failed"
