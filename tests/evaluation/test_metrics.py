"""Quality metrics against scikit-learn, for point values and weighted (bootstrap) values."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from analysis.evaluation._metrics import (
    BinaryInputs,
    MulticlassInputs,
    binary_metrics,
    binary_terms,
    make_score_order,
    multiclass_metrics,
    multiclass_orders,
    multiclass_terms,
    regression_metrics,
    regression_terms,
)
from analysis.evaluation._ranking import weighted_ranking_metrics


def _ece(y, p, bins=15):
    idx = np.clip((p * bins).astype(int), 0, bins - 1)
    return sum(abs((y[idx == b] - p[idx == b]).sum()) for b in range(bins)) / len(y)


@pytest.fixture
def binary_case():
    rng = np.random.default_rng(0)
    n = 600
    y = rng.integers(0, 2, n)
    prob = np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1).round(2)  # rounding makes ties
    pred = (prob >= 0.5).astype(int)
    return y, pred, prob


def test_binary_point_metrics_equal_sklearn(binary_case):
    y, pred, prob = binary_case
    terms = binary_terms(BinaryInputs(y, pred, prob, prob))
    W = np.ones((1, len(y)))
    got = {k: v[0] for k, v in binary_metrics(terms.sums(W), make_score_order(y, prob), W).items()}
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    assert got["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred), abs=1e-12)
    assert got["precision"] == pytest.approx(skm.precision_score(y, pred), abs=1e-12)
    assert got["recall"] == pytest.approx(skm.recall_score(y, pred), abs=1e-12)
    assert got["f1"] == pytest.approx(skm.f1_score(y, pred), abs=1e-12)
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y, prob), abs=1e-12)
    assert got["pr_auc"] == pytest.approx(skm.average_precision_score(y, prob), abs=1e-12)
    assert got["log_loss"] == pytest.approx(skm.log_loss(y, prob), abs=1e-12)
    assert got["brier_score"] == pytest.approx(skm.brier_score_loss(y, prob), abs=1e-12)
    assert got["expected_calibration_error"] == pytest.approx(_ece(y, prob), abs=1e-12)


def test_weighted_binary_metrics_equal_sklearn_sample_weight(binary_case):
    """A bootstrap resample is a vector of counts: each row of W must match sample_weight."""
    y, pred, prob = binary_case
    rng = np.random.default_rng(1)
    W = rng.integers(0, 4, size=(4, len(y))).astype(float)
    terms = binary_terms(BinaryInputs(y, pred, prob, prob))
    got = binary_metrics(terms.sums(W), make_score_order(y, prob), W)
    for i, w in enumerate(W):
        assert got["accuracy"][i] == pytest.approx(skm.accuracy_score(y, pred, sample_weight=w), abs=1e-12)
        assert got["f1"][i] == pytest.approx(skm.f1_score(y, pred, sample_weight=w), abs=1e-12)
        assert got["roc_auc"][i] == pytest.approx(skm.roc_auc_score(y, prob, sample_weight=w), abs=1e-12)
        assert got["pr_auc"][i] == pytest.approx(skm.average_precision_score(y, prob, sample_weight=w), abs=1e-12)
        assert got["log_loss"][i] == pytest.approx(skm.log_loss(y, prob, sample_weight=w), abs=1e-12)
        assert got["balanced_accuracy"][i] == pytest.approx(
            skm.balanced_accuracy_score(y, pred, sample_weight=w), abs=1e-12
        )


def test_ranking_metrics_single_class_weighting_is_missing():
    y = np.array([0, 0, 1, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8])
    W = np.array([[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    auc, ap = weighted_ranking_metrics(W, make_score_order(y, s))
    assert np.isnan(auc[0]) and np.isnan(ap[0])
    assert auc[1] == pytest.approx(skm.roc_auc_score(y, s))


def test_multiclass_metrics_equal_sklearn():
    rng = np.random.default_rng(3)
    n, C = 500, 3
    y = rng.integers(0, C, n)
    logits = rng.normal(size=(n, C)) + np.eye(C)[y] * 1.5
    P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = P.argmax(axis=1)
    terms = multiclass_terms(MulticlassInputs(y, pred, P, C))
    W = np.ones((1, n))
    got = {k: v[0] for k, v in multiclass_metrics(terms.sums(W), multiclass_orders(y, P), W, C).items()}
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert got["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert got["precision"] == pytest.approx(skm.precision_score(y, pred, average="macro"))
    assert got["recall"] == pytest.approx(skm.recall_score(y, pred, average="macro"))
    assert got["f1"] == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y, P, multi_class="ovr", average="macro"))
    assert got["log_loss"] == pytest.approx(skm.log_loss(y, P))
    onehot = np.eye(C)[y]
    assert got["brier_score"] == pytest.approx(((P - onehot) ** 2).sum(axis=1).mean())


def test_regression_metrics_equal_sklearn():
    rng = np.random.default_rng(4)
    y = rng.normal(size=300)
    pred = y + rng.normal(scale=0.5, size=300)
    W = np.vstack([np.ones(300), rng.integers(0, 3, 300)]).astype(float)
    got = regression_metrics(regression_terms(y, pred).sums(W))
    for i, w in enumerate(W):
        assert got["mae"][i] == pytest.approx(skm.mean_absolute_error(y, pred, sample_weight=w))
        assert got["rmse"][i] == pytest.approx(np.sqrt(skm.mean_squared_error(y, pred, sample_weight=w)))
        assert got["r2"][i] == pytest.approx(skm.r2_score(y, pred, sample_weight=w))
