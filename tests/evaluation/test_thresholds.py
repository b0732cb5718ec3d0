"""Every threshold at once equals thresholding and counting at each one (issue 14, item 1).

References: scikit-learn's metrics on the thresholded predictions, fairlearn's ``MetricFrame`` per
group, and a brute-force weighted count at every threshold.
"""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from analysis.evaluation._thresholds import threshold_counts, threshold_grid, threshold_rates


def _data(n: int = 3000, seed: int = 0):
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 3, n)
    y = (rng.random(n) < 0.3 + 0.1 * groups).astype(int)
    scores = np.round(0.4 * y + 0.15 * groups + rng.normal(0, 0.3, n), 2)  # rounded: many ties
    return y, scores, groups


def test_overall_metrics_at_any_threshold_equal_scikit_learn():
    y, s, _ = _data()
    grid = threshold_grid(s, size=200)
    rates = threshold_rates(threshold_counts(y, s, grid))
    for j in (0, 1, 37, 100, len(grid) - 2, len(grid) - 1):
        pred = (s >= grid[j]).astype(int)
        assert rates["precision"][0, j] == pytest.approx(precision_score(y, pred, zero_division=np.nan), abs=1e-12)
        assert rates["recall"][0, j] == pytest.approx(recall_score(y, pred), abs=1e-12)
        assert rates["accuracy"][0, j] == pytest.approx(accuracy_score(y, pred), abs=1e-12)
        assert rates["f1"][0, j] == pytest.approx(f1_score(y, pred), abs=1e-12)
        assert rates["selection_rate"][0, j] == pytest.approx(pred.mean(), abs=1e-12)
    assert rates["selection_rate"][0, 0] == 1.0  # the lowest threshold is the lowest score: every row positive


def test_per_group_rates_equal_metricframe():
    y, s, g = _data()
    labels = ("a", "b", "c")
    grid = threshold_grid(s, size=50)
    counts = threshold_counts(y, s, grid, groups=g, labels=labels)
    rates = threshold_rates(counts)
    for j in (3, 25, 49):
        pred = (s >= grid[j]).astype(int)
        frame = MetricFrame(
            metrics={"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate},
            y_true=y,
            y_pred=pred,
            sensitive_features=np.array(labels)[g],
        )
        for ours, theirs in (("selection_rate", "selection_rate"), ("recall", "tpr"), ("fpr", "fpr")):
            np.testing.assert_allclose(rates[ours][:, j], frame.by_group[theirs].to_numpy(), atol=1e-12)
    overall = threshold_rates(counts.overall())
    np.testing.assert_allclose(overall["recall"][0], threshold_rates(threshold_counts(y, s, grid))["recall"][0])


def test_weighted_counts_and_value_equal_counting_at_each_threshold():
    y, s, g = _data(n=400, seed=1)
    s[5] = np.nan  # a row without a score is never predicted positive
    rng = np.random.default_rng(2)
    w = rng.poisson(1.0, size=(4, len(y))).astype(float)  # four bootstrap resamples
    v_tp, v_fp, v_fn, v_tn = rng.normal(5, 1, len(y)), -1.5, rng.normal(-2, 1, len(y)), 0.0
    if_pos = np.where(y == 1, v_tp, v_fp)
    if_neg = np.where(y == 1, v_fn, v_tn)
    grid = threshold_grid(s, size=40)
    c = threshold_counts(y, s, grid, groups=g, weights=w, value_if_positive=if_pos, value_if_negative=if_neg)
    assert c.tp.shape == (4, 3, len(grid)) and c.n.shape == (4, 3)
    for b in range(4):
        for k in range(3):
            rows = g == k
            for j, t in enumerate(grid):
                pred = (s >= t) & rows  # NaN >= t is False
                assert c.pred_pos[b, k, j] == pytest.approx((w[b] * pred).sum())
                assert c.tp[b, k, j] == pytest.approx((w[b] * pred * y).sum())
                value = np.where(s >= t, if_pos, if_neg)
                assert c.value[b, k, j] == pytest.approx((w[b] * value * rows).sum())
            assert c.n[b, k] == pytest.approx(w[b][rows].sum())
    np.testing.assert_allclose(c.tn + c.fp + c.fn + c.tp, np.broadcast_to(c.n[..., None], c.tp.shape))


def test_one_threshold_per_group():
    y, s, g = _data(n=500)
    grid = threshold_grid(s, size=30)
    counts = threshold_counts(y, s, grid, groups=g, labels=("a", "b", "c"))
    picked = counts.at(np.array([2, 10, 20]))
    for k, j in enumerate((2, 10, 20)):
        assert picked.tp[k, 0] == counts.tp[k, j] and picked.thresholds[k] == grid[j]
    one = counts.at(10)
    assert one.tp.shape == (3, 1) and one.thresholds.tolist() == [grid[10]]


def test_bad_inputs_are_refused():
    y, s, _ = _data(n=50)
    with pytest.raises(ValueError, match="ascending"):
        threshold_counts(y, s, np.array([0.5, 0.1]))
    with pytest.raises(ValueError, match="both"):
        threshold_counts(y, s, np.array([0.1]), value_if_positive=np.ones(50))
    assert threshold_grid(np.array([np.nan])).size == 0
    assert len(threshold_grid(np.arange(10_000.0), size=100)) == 100
