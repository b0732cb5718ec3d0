"""Local accuracy of every explanation path, checked against the model's own outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _explain_pipelines import make_pipeline
from scipy.special import logit

from analysis.explain import ExplainSettings, explain_candidates

SETTINGS = ExplainSettings(
    sample_size=60,
    local_rows=3,
    agnostic_background_size=8,
    n_permutations=2,
    budget_seconds=1e6,
    total_budget_seconds=1e6,
    random_state=1,
)


@pytest.fixture(scope="module")
def report(fitted, mixed):
    X, _ = mixed
    return explain_candidates(fitted, X, settings=SETTINGS)


def _rows(report, X):
    return X.iloc[list(report.sample_positions)]


@pytest.mark.parametrize(
    ("name", "explainer", "space"),
    [
        ("hgb", "tree_path_dependent", "log_odds"),
        ("forest", "tree_path_dependent", "probability"),
        ("tree", "tree_path_dependent", "probability"),
        ("logreg", "linear", "log_odds"),
        ("knn", "permutation", "probability"),
        ("baseline", "constant", "probability"),
    ],
)
def test_attributions_add_up_to_the_model_output(report, fitted, mixed, name, explainer, space):
    X, _ = mixed
    c = report[name]
    assert c.status == "ok" and c.explainer == explainer and c.output_space == space
    assert c.sample_size == SETTINGS.sample_size and c.values.shape == (60, 4, 1)
    # The model's output, recomputed here from the whole pipeline on the original rows.
    rows = _rows(report, X)
    proba = fitted[name].predict_proba(rows)[:, 1]
    expected = logit(proba) if space == "log_odds" else proba
    if name == "hgb":
        expected = fitted[name].decision_function(rows)
    np.testing.assert_allclose(c.outputs[:, 0], expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(c.values.sum(axis=1)[:, 0] + c.base_value[0], expected, atol=1e-8)
    assert c.additivity_max_error < 1e-8


def test_attributions_are_in_the_original_columns(report):
    for c in report.candidates:
        assert c.features == ("x1", "x2", "count", "colour")
        assert {f.feature for f in c.importance} == set(c.features)


def test_hgb_is_explained_path_dependently_and_says_why(report):
    c = report["hgb"]
    assert "tree_path_dependent" in c.explainer_detail
    assert any("interventional" in note for note in c.notes)
    assert c.background_size is None


def test_linear_explainer_uses_a_background_and_is_exact(report, fitted, mixed):
    c = report["logreg"]
    assert c.background_size == SETTINGS.background_size and c.exact_explainer is True
    assert report["knn"].exact_explainer is False
    assert report["knn"].background_size == SETTINGS.agnostic_background_size


def test_local_rows_explain_why(report, mixed):
    X, _ = mixed
    c = report["forest"]
    assert len(c.local) == 3
    for i, row in enumerate(c.local):
        assert row.position == report.sample_positions[i]
        assert row.row == X.index[row.position]
        assert dict(row.values)["colour"] == X["colour"].iloc[row.position]
        assert row.base_value + sum(v for _, v in row.attributions) == pytest.approx(row.output, abs=1e-9)


def test_the_positive_label_can_be_the_first_class(fitted, mixed):
    X, _ = mixed
    settings = ExplainSettings(sample_size=20, positive_label=0, budget_seconds=1e6, total_budget_seconds=1e6)
    models = {k: fitted[k] for k in ("hgb", "forest", "logreg")}
    report = explain_candidates(models, X, settings=settings)
    rows = _rows(report, X)
    np.testing.assert_allclose(report["forest"].outputs[:, 0], fitted["forest"].predict_proba(rows)[:, 0])
    np.testing.assert_allclose(report["hgb"].outputs[:, 0], -fitted["hgb"].decision_function(rows))
    np.testing.assert_allclose(report["logreg"].outputs[:, 0], -fitted["logreg"].decision_function(rows))
    for c in report.candidates:
        assert c.output_names == ("0",)
        assert c.additivity_max_error < 1e-8


def test_multiclass_and_regression_models(mixed):
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
    from sklearn.linear_model import LogisticRegression

    X, _ = mixed
    y3 = pd.cut(X.x1, [-np.inf, -0.5, 0.5, np.inf], labels=["lo", "mid", "hi"]).astype(str).to_numpy()
    models = {
        "hgb3": make_pipeline(HistGradientBoostingClassifier(max_iter=10, random_state=0), scale=False).fit(X, y3),
        "lr3": make_pipeline(LogisticRegression()).fit(X, y3),
        "rf_reg": make_pipeline(RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0)).fit(X, X.x2 * 3),
    }
    report = explain_candidates(models, X, settings=ExplainSettings(sample_size=25, budget_seconds=1e6))
    rows = _rows(report, X)
    hgb3, lr3, reg = report["hgb3"], report["lr3"], report["rf_reg"]
    assert hgb3.output_space == "logits" and hgb3.values.shape == (25, 4, 3)
    np.testing.assert_allclose(hgb3.outputs, models["hgb3"].decision_function(rows), atol=1e-9)
    np.testing.assert_allclose(lr3.outputs, models["lr3"].decision_function(rows), atol=1e-9)
    assert reg.output_space == "prediction"
    np.testing.assert_allclose(reg.outputs[:, 0], models["rf_reg"].predict(rows), atol=1e-9)
    for c in (hgb3, lr3, reg):
        np.testing.assert_allclose(c.values.sum(axis=1) + np.array(c.base_value), c.outputs, atol=1e-8)
    # local rows of a multiclass model explain the predicted class
    top = hgb3.outputs[0].argmax()
    assert hgb3.local[0].output_name == hgb3.output_names[top]


def test_a_bare_estimator_on_numeric_arrays(mixed):
    from sklearn.ensemble import RandomForestClassifier

    X, y = mixed
    numeric = X[["x1", "x2", "count"]]
    model = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(numeric.to_numpy(), y)
    report = explain_candidates(
        {"rf": model},
        numeric,
        settings=ExplainSettings(sample_size=20),
        features_by_model={"rf": list(numeric.columns)},
    )
    c = report["rf"]
    assert c.explainer == "tree_path_dependent" and c.features == ("x1", "x2", "count")
    rows = numeric.iloc[list(report.sample_positions)].to_numpy()
    np.testing.assert_allclose(c.outputs[:, 0], model.predict_proba(rows)[:, 1])


def test_other_tree_and_linear_families(mixed):
    from sklearn.ensemble import ExtraTreesClassifier, GradientBoostingClassifier
    from sklearn.svm import LinearSVC

    X, y = mixed
    models = {
        "extra": make_pipeline(ExtraTreesClassifier(n_estimators=5, max_depth=4, random_state=0), scale=False),
        "gb": make_pipeline(GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0), scale=False),
        "svm": make_pipeline(LinearSVC()),
    }
    models = {k: m.fit(X, y) for k, m in models.items()}
    report = explain_candidates(models, X, settings=ExplainSettings(sample_size=25))
    rows = _rows(report, X)
    expected = {
        "extra": ("tree_path_dependent", "probability", models["extra"].predict_proba(rows)[:, 1]),
        "gb": ("tree_path_dependent", "log_odds", models["gb"].decision_function(rows)),
        "svm": ("linear", "margin", models["svm"].decision_function(rows)),
    }
    for name, (explainer, space, output) in expected.items():
        c = report[name]
        assert (c.explainer, c.output_space) == (explainer, space)
        np.testing.assert_allclose(c.outputs[:, 0], output, atol=1e-9)
        np.testing.assert_allclose(c.values.sum(axis=1)[:, 0] + c.base_value[0], output, atol=1e-8)
