"""Native XGBoost, LightGBM and CatBoost models: shap's TreeExplainer on the booster itself, exact and additive."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _boosting_fixtures import N_TREES, make_frame, train

from analysis.explain import ExplainSettings, explain_candidates
from analysis.explain._families import describe_estimator
from analysis.loading import load_model

LIBRARIES = ("xgboost", "lightgbm", "catboost")
NUMERIC = ["x1", "x2", "x3"]
SETTINGS = ExplainSettings(sample_size=60, random_state=0)
#: XGBoost computes in float32: its attributions add up to about 1e-7 of the margin.
ADDITIVE = 1e-5


@pytest.fixture(scope="module")
def data():
    return make_frame(n=300, seed=3)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("boosters")


def expected_nodes(library: str, model) -> int:
    """Tree nodes counted independently of the wrapper: the libraries' own trees tables, CatBoost's depth."""
    if library == "xgboost":
        return len(model.get_booster().trees_to_dataframe())
    if library == "lightgbm":
        return len(model.booster_.trees_to_dataframe())
    depth = model.get_all_params()["depth"]  # symmetric trees: 2^depth leaves, 2^depth - 1 splits
    return model.tree_count_ * (2 ** (depth + 1) - 1)


def check_exact(c, booster, X: pd.DataFrame, features: list[str], *, space: str) -> None:
    assert c.status == "ok", c.reason
    assert (c.explainer, c.exact_explainer, c.family) == ("tree_path_dependent", True, "boosting")
    assert c.output_space == space
    assert c.notes == ()
    assert c.additivity_max_error < ADDITIVE
    rows = X.iloc[list(c.sample_positions)][features]
    if space in ("log_odds", "logits"):  # the explained outputs are the wrapper's raw margins
        margin = booster.decision_function(rows)
        np.testing.assert_allclose(c.outputs, margin.reshape(len(rows), -1), atol=1e-9)
    np.testing.assert_allclose(c.values.sum(axis=1) + np.asarray(c.base_value), c.outputs, atol=ADDITIVE)


@pytest.mark.parametrize("library", LIBRARIES)
def test_binary_boosters_are_explained_exactly_in_log_odds(library, data, folder):
    X, targets = data
    model, path = train(library, "binary", X[NUMERIC], targets["binary"], folder, name=f"{library}_explain")
    loaded = load_model(path)
    report = explain_candidates({"m": loaded}, X, settings=SETTINGS)
    c = report["m"]
    check_exact(c, loaded.model, X, NUMERIC, space="log_odds")
    assert c.features == tuple(NUMERIC)  # the booster's own features, not every column of X
    assert c.model_complexity == expected_nodes(library, model) and c.complexity_unit == "tree nodes"
    assert c.estimator_type == {"xgboost": "XGBoost Booster", "lightgbm": "LightGBM Booster"}.get(
        library, "CatBoost model"
    )
    assert "itself" in c.explainer_detail
    # x1 drives the label most (coefficient 1.2), x3 least
    assert c.importance[0].feature == "x1"


@pytest.mark.parametrize(("library", "task"), [("xgboost", "multiclass"), ("lightgbm", "regression")])
def test_multiclass_logits_and_regression_predictions(library, task, data, folder):
    X, targets = data
    _, path = train(library, task, X[NUMERIC], targets[task], folder, name=f"{library}_{task}_explain")
    loaded = load_model(path)
    c = explain_candidates({"m": loaded}, X, settings=SETTINGS)["m"]
    check_exact(c, loaded.model, X, NUMERIC, space="logits" if task == "multiclass" else "prediction")
    if task == "regression":
        rows = X.iloc[list(c.sample_positions)][NUMERIC]
        np.testing.assert_allclose(c.outputs[:, 0], loaded.model.predict(rows), atol=1e-9)
    else:
        assert c.values.shape[2] == 3 and c.output_names == ("0", "1", "2")


@pytest.mark.parametrize("library", LIBRARIES)
def test_categorical_features_are_explained_by_the_library(library, data, folder):
    X, targets = data
    _, path = train(library, "binary", X, targets["binary"], folder, name=f"{library}_cat_explain")
    loaded = load_model(path)
    c = explain_candidates({"m": loaded}, X.astype({"colour": object}), settings=SETTINGS)["m"]
    check_exact(c, loaded.model, X, list(X.columns), space="log_odds")
    assert "colour" in {f.feature for f in c.importance}


def test_a_booster_shap_cannot_read_falls_back_to_the_permutation_explainer(data, tmp_path):
    """XGBoost's linear booster (gblinear) is a native model file TreeExplainer refuses."""
    xgb = pytest.importorskip("xgboost")
    X, targets = data
    train_set = xgb.DMatrix(X[NUMERIC], label=targets["binary"])
    booster = xgb.train({"booster": "gblinear", "objective": "binary:logistic", "nthread": 1}, train_set, N_TREES)
    path = tmp_path / "linear.json"
    booster.save_model(str(path))
    loaded = load_model(path)
    assert loaded.model_type == "XGBoost Booster (binary:logistic, linear booster)"
    facts = describe_estimator(loaded.model)
    assert (facts.family, facts.explainer, facts.complexity) == ("boosting", "tree_path_dependent", None)
    c = explain_candidates({"lin": loaded}, X, settings=SETTINGS)["lin"]
    assert c.status == "ok", c.reason
    assert (c.explainer, c.exact_explainer, c.output_space) == ("permutation", False, "probability")
    assert len(c.notes) == 1 and "exact tree_path_dependent explainer failed" in c.notes[0]
    assert "explained model-agnostically instead" in c.notes[0]
    rows = X.iloc[list(c.sample_positions)][NUMERIC]
    np.testing.assert_allclose(c.outputs[:, 0], loaded.model.predict_proba(rows)[:, 1], atol=1e-9)
