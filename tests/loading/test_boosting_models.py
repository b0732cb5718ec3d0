"""Native XGBoost, LightGBM and CatBoost model files: loaded by their own libraries, never unpickled."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pandas as pd
import pytest
from _boosting_fixtures import make_frame, own_outputs, train

from analysis._errors import InputError
from analysis.evaluation import TargetSpec, predict_model, resolve_features
from analysis.loading import BoosterModel, Limits, check_model_file, load_model

LIBRARIES = ("xgboost", "lightgbm", "catboost")
TASKS = ("binary", "multiclass", "regression")
NUMERIC = ["x1", "x2", "x3"]
KIND = {"xgboost": "XGBoost Booster", "lightgbm": "LightGBM Booster", "catboost": "CatBoost model"}
OBJECTIVE = {
    ("xgboost", "binary"): "binary:logistic",
    ("xgboost", "multiclass"): "multi:softprob",
    ("xgboost", "regression"): "reg:squarederror",
    ("lightgbm", "binary"): "binary",
    ("lightgbm", "multiclass"): "multiclass",
    ("lightgbm", "regression"): "regression",
    ("catboost", "binary"): "Logloss",
    ("catboost", "multiclass"): "MultiClass",
    ("catboost", "regression"): "RMSE",
}


@pytest.fixture(scope="module")
def data():
    return make_frame()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("boosters")


def one_line(excinfo, *fragments):
    message = str(excinfo.value)
    assert "\n" not in message and "Traceback" not in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("library", LIBRARIES)
def test_each_format_loads_and_predicts_like_the_library(library, task, data, folder):
    X, targets = data
    model, path = train(library, task, X[NUMERIC], targets[task], folder)
    loaded = load_model(path)
    m = loaded.model
    assert isinstance(m, BoosterModel)
    assert (loaded.format, m.library, m.task) == (library, library, task)
    assert loaded.model_type == f"{KIND[library]} ({OBJECTIVE[library, task]}, {m.n_trees} trees)"
    assert m.n_trees == (15 * 3 if task == "multiclass" and library != "catboost" else 15)
    assert loaded.feature_names == tuple(NUMERIC) and list(m.feature_names_in_) == NUMERIC
    assert m.n_features_in_ == 3
    assert loaded.source_dict()["format"] == library
    expected = own_outputs(library, model, X[NUMERIC], task)
    if task == "regression":
        assert m.classes_ is None and not hasattr(m, "predict_proba") and not hasattr(m, "decision_function")
        np.testing.assert_allclose(m.predict(X[NUMERIC]), expected, rtol=0, atol=1e-6)
        return
    k = 2 if task == "binary" else 3
    np.testing.assert_array_equal(m.classes_, np.arange(k))
    proba = m.predict_proba(X[NUMERIC])
    assert proba.shape == (len(X), k)
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(m.predict(X[NUMERIC]), model.predict(X[NUMERIC]).ravel())
    margin = m.decision_function(X[NUMERIC])
    assert margin.shape == ((len(X),) if task == "binary" else (len(X), k))
    if task == "binary":  # the margin is the log-odds of the probability
        np.testing.assert_allclose(1 / (1 + np.exp(-margin)), proba[:, 1], atol=1e-6)


@pytest.mark.parametrize("library", LIBRARIES)
def test_columns_are_taken_by_name_and_arrays_by_position(library, data, folder):
    X, targets = data
    model, path = train(library, "binary", X[NUMERIC], targets["binary"], folder, name=f"{library}_order")
    m = load_model(path).model
    expected = m.predict_proba(X[NUMERIC])
    shuffled = X[["x3", "colour", "x1", "x2"]]  # extra column, other order
    np.testing.assert_array_equal(m.predict_proba(shuffled), expected)
    np.testing.assert_array_equal(m.predict_proba(X[NUMERIC].to_numpy()), expected)
    np.testing.assert_allclose(m.predict_proba(X[NUMERIC].iloc[[7]]), expected[[7]])  # one-row request
    with pytest.raises(ValueError, match="x2"):
        m.predict_proba(X[["x1", "x3"]])


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_model_fitted_on_an_array_records_no_feature_names(library, data, folder):
    X, targets = data
    model, path = train(library, "binary", X[NUMERIC].to_numpy(), targets["binary"], folder, name=f"{library}_array")
    loaded = load_model(path)
    assert loaded.feature_names is None and loaded.model.feature_names_in_ is None
    expected = own_outputs(library, model, X[NUMERIC].to_numpy(), "binary")
    np.testing.assert_allclose(loaded.model.predict_proba(X[NUMERIC].to_numpy()), expected, atol=1e-6)
    # the evaluation passes the --features columns, by position
    cols = resolve_features(loaded, X, ["x1", "x2", "x3"], data_source="data.csv")
    assert cols == NUMERIC
    with pytest.raises(InputError, match="--features"):
        resolve_features(loaded, X, None, data_source="data.csv")


@pytest.mark.parametrize("library", LIBRARIES)
def test_categorical_columns_as_read_from_a_csv(library, data, folder):
    X, targets = data
    model, path = train(library, "binary", X, targets["binary"], folder, name=f"{library}_categorical")
    m = load_model(path).model
    assert m.categorical_features == ("colour",)
    expected = own_outputs(library, model, X, "binary")
    csv = folder / f"{library}_rows.csv"
    X.to_csv(csv, index=False)
    as_read = pd.read_csv(csv)  # text as object/str columns, as the evaluation reads them
    np.testing.assert_allclose(m.predict_proba(as_read), expected, atol=1e-6)
    # one row at a time (as served): a one-row frame has one category, mapped to the model's own codes
    for i in (0, 1, 2, 3, 11):
        np.testing.assert_allclose(m.predict_proba(as_read.iloc[[i]]), expected[[i]], atol=1e-6)
    np.testing.assert_allclose(m.predict_proba(as_read[list(X.columns)].to_numpy()[:5]), expected[:5], atol=1e-6)


def test_catboost_keeps_its_own_class_names(data, folder):
    pytest.importorskip("catboost")
    X, targets = data
    labels = np.where(targets["binary"] == 1, "yes", "no")
    model, path = train("catboost", "binary", X, labels, folder, name="catboost_named")
    m = load_model(path).model
    assert list(m.classes_) == ["no", "yes"]
    np.testing.assert_array_equal(m.predict(X), model.predict(X))
    np.testing.assert_allclose(m.predict_proba(X), model.predict_proba(X), atol=1e-9)


@pytest.mark.parametrize(
    ("library", "suffix"), [("xgboost", ".ubj"), ("xgboost", ".xgb"), ("lightgbm", ".lgb"), ("catboost", ".cb")]
)
def test_other_suffixes_and_mlflow_names(library, suffix, data, folder):
    X, targets = data
    model, _ = train(library, "binary", X[NUMERIC], targets["binary"], folder, name=f"{library}_suffix")
    path = folder / f"model_{library}{suffix}"
    if library == "xgboost":
        model.get_booster().save_model(str(path.with_suffix(".ubj")))  # MLflow's .xgb is UBJSON too
        if suffix != ".ubj":
            shutil.move(path.with_suffix(".ubj"), path)
    elif library == "lightgbm":
        model.booster_.save_model(str(path))
    else:
        model.save_model(str(path), format="cbm")
    check_model_file(path)
    loaded = load_model(path)
    assert loaded.format == library
    np.testing.assert_allclose(
        loaded.model.predict_proba(X[NUMERIC]), own_outputs(library, model, X[NUMERIC], "binary"), atol=1e-6
    )


@pytest.mark.parametrize("library", LIBRARIES)
def test_library_forces_the_loader_whatever_the_suffix(library, data, folder):
    X, targets = data
    _, path = train(library, "binary", X[NUMERIC], targets["binary"], folder, name=f"{library}_forced")
    renamed = folder / f"{library}_model.bin"
    shutil.copy(path, renamed)
    with pytest.raises(InputError) as excinfo:
        load_model(renamed)
    one_line(excinfo, "suffix '.bin'", ".json", ".txt", ".cbm")
    check_model_file(renamed, library=library)
    loaded = load_model(renamed, name="forced", library=library.upper())
    assert (loaded.name, loaded.format) == ("forced", library)
    other = "lightgbm" if library != "lightgbm" else "catboost"
    with pytest.raises(InputError) as excinfo:
        load_model(renamed, library=other)
    one_line(excinfo, str(renamed), f"not a {'LightGBM' if other == 'lightgbm' else 'CatBoost'} model")
    with pytest.raises(InputError) as excinfo:
        load_model(renamed, library="sklearn")
    one_line(excinfo, "'sklearn'", "xgboost, lightgbm, catboost")


def test_files_of_other_kinds_are_refused_with_one_sentence(tmp_path):
    cases = {
        "config.json": (b'{"name": "not a model", "values": [1, 2]}', "not an XGBoost model", "'learner'"),
        "list.json": (b"[1, 2, 3]", "not an XGBoost model", "start with '{'"),
        "data.txt": (b"a,b\n1,2\n", "not a LightGBM model", "'tree'"),
        "notes.cbm": (b"hello world", "not a CatBoost model", "CBM1"),
        "model.ubj": (b"\x00\x01binary", "not an XGBoost model", "save it with xgboost"),
    }
    for name, (content, *fragments) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        for check in (load_model, check_model_file):  # refused before any library sees the file
            with pytest.raises(InputError) as excinfo:
                check(path)
            one_line(excinfo, str(path), *fragments)


@pytest.mark.parametrize("library", LIBRARIES)
def test_damaged_files_name_the_file_without_a_stack_trace(library, data, folder, tmp_path):
    X, targets = data
    _, path = train(library, "binary", X[NUMERIC], targets["binary"], folder, name=f"{library}_damaged")
    data_bytes = path.read_bytes()
    cut = tmp_path / path.name
    cut.write_bytes(data_bytes[: len(data_bytes) // 2] if library != "lightgbm" else b"tree\nversion=v4\n")
    with pytest.raises(InputError) as excinfo:
        load_model(cut)
    name = {"xgboost": "XGBoost", "lightgbm": "LightGBM", "catboost": "CatBoost"}[library]
    message = one_line(excinfo, str(cut), f"not a valid {name} model")
    assert "Stack trace" not in message and "[bt]" not in message


def test_missing_empty_and_oversized_files(data, folder, tmp_path):
    X, targets = data
    _, path = train("xgboost", "binary", X[NUMERIC], targets["binary"], folder, name="xgboost_limits")
    with pytest.raises(InputError) as excinfo:
        load_model(tmp_path / "none.json")
    one_line(excinfo, "none.json", "does not exist")
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(InputError) as excinfo:
        load_model(tmp_path / "empty.txt")
    one_line(excinfo, "empty.txt", "empty")
    for check in (load_model, check_model_file):
        with pytest.raises(InputError) as excinfo:
            check(path, limits=Limits(max_model_file_bytes=100))
        one_line(excinfo, str(path), "over the limit", "TRADEOFFS_MAX_MODEL_FILE_BYTES")


def test_a_missing_library_asks_for_the_boosting_extra(data, folder, monkeypatch):
    X, targets = data
    _, path = train("xgboost", "binary", X[NUMERIC], targets["binary"], folder, name="xgboost_extra")
    monkeypatch.setitem(sys.modules, "xgboost", None)  # `import xgboost` now raises ImportError
    with pytest.raises(InputError) as excinfo:
        load_model(path)
    one_line(excinfo, str(path), "is an XGBoost model, which needs the boosting extra", "tradeoffs[boosting]")


def test_nothing_is_unpickled(data, folder, monkeypatch, tmp_path):
    """Every format loads with pickle's and joblib's loaders disabled; another JSON named .json is refused."""
    import pickle

    import joblib

    def refuse(*args, **kwargs):
        raise AssertionError("a model file was unpickled")

    X, targets = data
    paths = [train(lib, "binary", X[NUMERIC], targets["binary"], folder, name=f"{lib}_np")[1] for lib in LIBRARIES]
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(joblib, "load", refuse)
    for path in paths:
        assert load_model(path).model.predict_proba(X[NUMERIC]).shape == (len(X), 2)
    other = tmp_path / "model.json"
    other.write_text('{"py/object": "sklearn.linear_model.LogisticRegression"}')  # e.g. a jsonpickle file
    with pytest.raises(InputError) as excinfo:
        load_model(other, trust_pickle=True)
    one_line(excinfo, "not an XGBoost model")


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_evaluation_scores_a_booster_like_any_model(library, data, folder):
    X, targets = data
    model, path = train(library, "multiclass", X, targets["multiclass"], folder, name=f"{library}_evaluated")
    loaded = load_model(path)
    cols = resolve_features(loaded, X, None, data_source="data.csv")
    assert cols == list(X.columns)
    # the target's classes in another order than the model's: probability columns follow the target's
    target = TargetSpec("multiclass", (2, 0, 1))
    preds = predict_model(loaded, X, cols, target, data_source="data.csv")
    own = own_outputs(library, model, X, "multiclass")
    np.testing.assert_allclose(preds.y_prob, own[:, [2, 0, 1]], atol=1e-6)
    np.testing.assert_array_equal(preds.y_pred, target.encode(np.argmax(own, axis=1), source="test"))
    assert preds.score_kind == "probability" and preds.source["format"] == library
