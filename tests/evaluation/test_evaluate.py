"""End-to-end evaluation on a small synthetic dataset: intervals, pairing, slices, windows, value."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sklearn import metrics as skm

from analysis.evaluation import (
    EvalSettings,
    Predictions,
    ValueSpec,
    evaluate_candidates,
    evaluate_predictions,
    prepare_data,
)
from analysis.loading import load_model

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def scorecard(binary_frame, fitted_models):
    data = prepare_data(
        binary_frame,
        source="synthetic",
        target="label",
        sensitive=["region", "age_band"],
        time="when",
        id_column="row_id",
        value=ValueSpec(("basket",), {"tp": "0.1*basket + 1", "fp": "-0.5"}),
    )
    models = [load_model(p) for p in fitted_models.values()]
    return evaluate_candidates(data, models, now=NOW, settings=EvalSettings(n_bootstrap=200, random_state=3))


def test_point_values_match_sklearn(scorecard, binary_frame, fitted_models):
    model = load_model(fitted_models["logreg"]).model
    X = binary_frame[["x1", "x2", "colour"]]
    y = binary_frame["label"]
    prob = model.predict_proba(X)[:, 1]
    assert scorecard.value("logreg", "roc_auc") == pytest.approx(skm.roc_auc_score(y, prob), abs=1e-12)
    assert scorecard.value("logreg", "accuracy") == pytest.approx(skm.accuracy_score(y, model.predict(X)))


def test_intervals_bracket_point_values(scorecard):
    for m in scorecard.metrics:
        if m.ci_low is not None:
            assert m.ci_low <= m.value + 1e-12 <= m.ci_high + 2e-12 or m.ci_low <= m.ci_high


def test_comparisons_name_the_best_and_significance(scorecard):
    comp = {(c.objective, c.candidate): c for c in scorecard.comparisons}
    auc = comp[("roc_auc", "logreg")]
    assert auc.best == "boosting"  # the label has a quadratic term logistic regression cannot fit
    assert auc.diff < 0 and auc.significant is True
    assert auc.diff_ci_low <= auc.diff <= auc.diff_ci_high


def test_identical_candidates_are_tied(binary_frame):
    """Paired resamples: a candidate compared with its own copy differs by exactly zero."""
    data = prepare_data(binary_frame, source="s", target="label")
    y = data.y
    pred = (binary_frame.x1 > 0).astype(int).to_numpy()
    prob = 1 / (1 + np.exp(-binary_frame.x1.to_numpy()))
    preds = [Predictions(n, pred, prob, prob, "probability") for n in ("a", "b")]
    sc = evaluate_predictions(data, preds, now=NOW, settings=EvalSettings(n_bootstrap=50))
    for c in sc.comparisons:
        assert c.diff == 0 and c.significant is False
    assert len(y) == 2000


def test_slices_and_small_group_flag(scorecard):
    slices = scorecard.slices_frame()
    assert set(slices.attribute) == {"region", "age_band", "region & age_band"}
    assert slices.groupby(["candidate", "attribute"]).n.sum().eq(2000).all()
    assert slices.columns.str.contains("_ci_low").any()
    assert not slices.small.any()  # every group here has >= 30 rows


def test_fairness_objective_is_worst_attribute(scorecard):
    section = scorecard.sections["fairness"]["by_attribute"]
    worst = max(section[a]["logreg"]["demographic_parity_difference"] for a in ("region", "age_band"))
    assert scorecard.value("logreg", "demographic_parity_difference") == pytest.approx(worst)


def test_value_objectives_by_hand(scorecard, binary_frame, fitted_models):
    model = load_model(fitted_models["boosting"]).model
    pred = model.predict(binary_frame[["x1", "x2", "colour"]])
    y = binary_frame["label"].to_numpy()
    basket = binary_frame["basket"].to_numpy()
    tp = (pred == 1) & (y == 1)
    fp = (pred == 1) & (y == 0)
    n = len(y)
    assert scorecard.value("boosting", "basket_captured_per_1k") == pytest.approx(1000 * basket[tp].sum() / n)
    net = (0.1 * basket[tp] + 1).sum() - 0.5 * fp.sum()
    assert scorecard.value("boosting", "net_value_per_1k") == pytest.approx(1000 * net / n)


def test_windows_cover_every_month_and_sum_to_rows(scorecard):
    windows = scorecard.windows_frame()
    per = windows[windows.candidate == "logreg"]
    assert per.n.sum() == 2000
    assert list(per.window) == sorted(per.window)
    assert per.window.iloc[0] == "2025-01"
    assert scorecard.sections["trend"]["metric"] == "roc_auc"
    assert set(scorecard.sections["trend"]["slope"]) == {"logreg", "boosting"}


def test_decision_function_only_marks_probability_metrics_missing(binary_frame):
    data = prepare_data(binary_frame, source="s", target="label")
    score = binary_frame.x1.to_numpy()
    pred = (score > 0).astype(int)
    sc = evaluate_predictions(
        data,
        [Predictions("svm", pred, None, score, "decision_function")],
        now=NOW,
        settings=EvalSettings(n_bootstrap=0),
    )
    assert sc.value("svm", "roc_auc") is not None
    assert "log_loss" not in sc.objective_names
    assert any("probability metrics missing" in n for n in sc.candidates[0].notes)


def test_multiclass_and_regression_tasks(binary_frame):
    frame = binary_frame.assign(kind=np.where(binary_frame.x1 > 0.5, "a", np.where(binary_frame.x1 < -0.5, "b", "c")))
    data = prepare_data(frame, source="s", target="kind", sensitive=["region"])
    assert data.task == "multiclass"
    P = np.full((len(frame), 3), 1 / 3)
    sc = evaluate_predictions(
        data,
        [Predictions("uniform", np.zeros(len(frame), int), P, None, "probability")],
        now=NOW,
        settings=EvalSettings(n_bootstrap=20),
    )
    assert sc.value("uniform", "log_loss") == pytest.approx(np.log(3))
    assert "worst_group_accuracy" in sc.objective_names

    data = prepare_data(frame, source="s", target="basket", sensitive=["region"])
    assert data.task == "regression"
    mean = np.full(len(frame), frame.basket.mean())
    sc = evaluate_predictions(data, [Predictions("mean", mean)], now=NOW, settings=EvalSettings(n_bootstrap=20))
    assert sc.value("mean", "r2") == pytest.approx(0.0, abs=1e-12)
    assert sc.value("mean", "mae") == pytest.approx(np.abs(frame.basket - frame.basket.mean()).mean())
    assert "worst_group_mae" in sc.objective_names


def test_curves_are_stored_compactly(scorecard, binary_frame, fitted_models):
    curves = scorecard.sections["curves"]["boosting"]
    assert len(curves["roc"]["fpr"]) <= 101 and curves["roc"]["fpr"][0] == 0 and curves["roc"]["tpr"][-1] == 1
    (tn, fp), (fn, tp) = curves["confusion_matrix"]
    assert tn + fp + fn + tp == len(binary_frame)
    model = load_model(fitted_models["boosting"]).model
    pred = model.predict(binary_frame[["x1", "x2", "colour"]])
    assert tp == int(((pred == 1) & (binary_frame.label == 1)).sum())
    assert sum(curves["calibration"]["bin_count"]) == len(binary_frame)
