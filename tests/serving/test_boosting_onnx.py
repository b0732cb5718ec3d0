"""Native XGBoost, LightGBM and CatBoost models served as loaded, and as ONNX variants."""

from __future__ import annotations

import numpy as np
import pytest
from _boosting_fixtures import make_frame, train

from analysis.loading import load_model
from analysis.serving import OnnxModel, ServingSettings, convert_to_onnx, measure_serving

LIBRARIES = ("xgboost", "lightgbm", "catboost")
NUMERIC = ["x1", "x2", "x3"]
CONVERTER = {
    "xgboost": "onnxmltools.convert_xgboost",
    "lightgbm": "onnxmltools.convert_lightgbm",
    "catboost": "catboost save_model(format='onnx')",
}
SMALL = dict(n_calls=30, warmup=5, rounds=2, batch_sizes=(1, 64), throughput_budget_s=0.05, min_repeats=2)


@pytest.fixture(scope="module")
def data():
    return make_frame(n=300, seed=5)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("boosters")


@pytest.fixture(autouse=True)
def onnx_runtime():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("library", LIBRARIES)
def test_numeric_boosters_convert_and_match(library, task, data, folder):
    if library != "catboost":
        pytest.importorskip("onnxmltools")
    X, targets = data
    _, path = train(library, task, X[NUMERIC], targets[task], folder, name=f"{library}_{task}_onnx")
    model = load_model(path).model
    conversion = convert_to_onnx(model, X)  # extra columns: the model's own are taken, in its order
    assert conversion.error is None
    assert conversion.converter == CONVERTER[library]
    assert conversion.input_form == "tensor" and conversion.compared_rows == len(X)
    assert conversion.matches and conversion.max_abs_diff <= 1e-4
    assert conversion.to_dict()["converter"] == CONVERTER[library]
    onnx_model = conversion.model
    assert isinstance(onnx_model, OnnxModel) and onnx_model.feature_names_in_ is None
    rows = X[NUMERIC].to_numpy()
    if task == "regression":
        np.testing.assert_allclose(onnx_model.predict(rows), model.predict(X), atol=1e-4)
    else:
        np.testing.assert_array_equal(onnx_model.classes_, model.classes_)
        np.testing.assert_allclose(onnx_model.predict_proba(rows), model.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("library", LIBRARIES)
def test_categorical_boosters_are_not_converted_and_say_why(library, data, folder):
    X, targets = data
    _, path = train(library, "binary", X, targets["binary"], folder, name=f"{library}_cat_onnx")
    conversion = convert_to_onnx(load_model(path).model, X)
    assert conversion.model is None and conversion.matches is None
    assert "categorical feature(s) colour" in conversion.error
    assert "numeric features only" in conversion.error
    assert conversion.converter == CONVERTER[library]


def test_boosters_are_served_with_their_variants(data, folder):
    pytest.importorskip("onnxmltools")
    X, targets = data
    models, files = {}, {}
    for library in LIBRARIES:
        _, path = train(library, "binary", X[NUMERIC], targets["binary"], folder, name=f"{library}_served")
        models[library] = load_model(path).model
        files[library] = path
    _, array_path = train("xgboost", "binary", X[NUMERIC].to_numpy(), targets["binary"], folder, name="xgb_arr")
    models["array"] = load_model(array_path).model  # no feature names: served NumPy rows
    _, cat_path = train("lightgbm", "binary", X, targets["binary"], folder, name="lgb_cat_served")
    models["categorical"] = load_model(cat_path).model
    report = measure_serving(
        models,
        X[NUMERIC + ["colour"]],
        model_files=files,
        features_by_model={"array": NUMERIC},  # an array-fitted model is sent these columns by position
        settings=ServingSettings(variants=("onnx",), **SMALL),
    )
    for name in LIBRARIES:
        entry = report.candidate(name)
        assert entry.ok, entry.errors
        assert entry.method == "predict_proba" and entry.latency.input_kind == "DataFrame"
        assert (entry.model_size_bytes, entry.size_method) == (files[name].stat().st_size, "file")
        variant = report.candidate(f"{name}[onnx]")
        assert variant.ok, variant.errors
        assert variant.latency.input_kind == "ndarray" and variant.conversion.matches
        assert any(f"converted with {CONVERTER[name]}" in note for note in variant.notes)
    array = report.candidate("array")
    assert array.ok and array.latency.input_kind == "ndarray"
    assert array.size_method == "native"  # no file given: the bytes XGBoost saves, never a pickle
    assert report.candidate("array[onnx]").ok
    categorical = report.candidate("categorical")
    assert categorical.ok and categorical.latency.input_kind == "DataFrame"
    failed = report.candidate("categorical[onnx]")
    assert not failed.ok and "categorical feature(s) colour" in failed.errors[0]
