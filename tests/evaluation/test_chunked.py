"""Chunked scoring: Poisson weights by position, mergeable sums, binned ranking metrics with a bound.

The oracles are independent: scikit-learn with ``sample_weight`` for weighted metrics, numpy
bincounts on masks for group counts, and the same evaluation run in one chunk.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from analysis.evaluation import EvalSettings, Predictions, ValueSpec, evaluate_predictions, prepare_data
from analysis.evaluation._accumulate import (
    CandidatePlan,
    ChunkPredictions,
    RowChunk,
    ScoreAccumulator,
    ScorePlan,
    make_score_bins,
    ranking_from_bins,
)
from analysis.evaluation._bootstrap import BLOCK, poisson_weights

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------
# Poisson weights
# ---------------------------------------------------------------------------------------
def test_weights_are_a_function_of_position_not_of_chunking():
    whole = poisson_weights(0, 3 * BLOCK + 17, 5, random_state=11)
    cuts = [0, 1, 100, BLOCK - 1, BLOCK + 3, 2 * BLOCK, 3 * BLOCK + 17]
    parts = [poisson_weights(a, b - a, 5, random_state=11) for a, b in zip(cuts, cuts[1:], strict=False)]
    np.testing.assert_array_equal(np.hstack(parts), whole)


def test_fewer_resamples_are_a_prefix_and_seeds_differ():
    many = poisson_weights(123, 5000, 8, random_state=3)
    np.testing.assert_array_equal(poisson_weights(123, 5000, 3, random_state=3), many[:3])
    assert (poisson_weights(123, 5000, 3, random_state=4) != many[:3]).any()


def test_weights_follow_poisson_one():
    w = poisson_weights(0, 200_000, 5, random_state=0).astype(float)
    assert w.mean() == pytest.approx(1.0, abs=0.005)
    assert w.var() == pytest.approx(1.0, abs=0.01)
    freq = np.bincount(w.astype(int).ravel(), minlength=4)[:4] / w.size
    np.testing.assert_allclose(freq, [np.exp(-1), np.exp(-1), np.exp(-1) / 2, np.exp(-1) / 6], atol=0.002)


# ---------------------------------------------------------------------------------------
# Binned ranking metrics
# ---------------------------------------------------------------------------------------
def _hist(y, score, weights, bins):
    codes = bins.codes(score)
    pos = np.bincount(codes, weights=weights * (y == 1), minlength=bins.n_bins)
    neg = np.bincount(codes, weights=weights * (y == 0), minlength=bins.n_bins)
    return pos[:, None], neg[:, None]


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(2)
    n = 5000
    y = rng.integers(0, 2, n)
    score = 1 / (1 + np.exp(-(1.2 * y + rng.normal(size=n))))
    w = rng.poisson(1.0, n).astype(float)
    return y, score, w


def test_bins_equal_to_distinct_scores_are_exact(scores):
    y, score, w = scores
    rounded = score.round(2)  # ~100 distinct values, many ties
    bins = make_score_bins(rounded, max_bins=512)
    assert bins.exact
    r = ranking_from_bins(*_hist(y, rounded, w, bins))
    assert r["roc_auc"][0] == pytest.approx(skm.roc_auc_score(y, rounded, sample_weight=w), abs=1e-12)
    assert r["pr_auc"][0] == pytest.approx(skm.average_precision_score(y, rounded, sample_weight=w), abs=1e-12)
    assert r["roc_auc_bound"][0] > 0  # ties are real here; the bound says how far untying could move it


@pytest.mark.parametrize("k", [8, 64, 1024])
def test_binned_auc_and_ap_are_within_their_stated_bounds(scores, k):
    y, score, w = scores
    bins = make_score_bins(score, max_bins=k)
    assert not bins.exact and bins.n_bins <= k
    r = ranking_from_bins(*_hist(y, score, w, bins))
    exact_auc = skm.roc_auc_score(y, score, sample_weight=w)
    exact_ap = skm.average_precision_score(y, score, sample_weight=w)
    assert abs(r["roc_auc"][0] - exact_auc) <= r["roc_auc_bound"][0] + 1e-12
    assert abs(r["pr_auc"][0] - exact_ap) <= r["pr_auc_bound"][0] + 1e-12
    if k == 1024:
        assert r["roc_auc_bound"][0] < 1e-3


# ---------------------------------------------------------------------------------------
# The accumulator
# ---------------------------------------------------------------------------------------
def test_accumulator_merge_equals_one_pass_and_groups_equal_masks():
    rng = np.random.default_rng(4)
    n, G = 3000, 1000
    y = rng.integers(0, 2, n)
    pred = rng.integers(0, 2, n)
    prob = rng.random(n)
    codes = rng.integers(0, G, n)
    plan = ScorePlan(
        "binary",
        2,
        n_resamples=7,
        random_state=5,
        groups=(("g", G),),
        candidates=(CandidatePlan("c", True, (make_score_bins(prob, max_bins=64),)),),
    )

    def chunk(a, b):
        return RowChunk(a, y[a:b], (ChunkPredictions(pred[a:b], prob[a:b], prob[a:b]),), (codes[a:b],))

    one = ScoreAccumulator(plan)
    one.add(chunk(0, n))
    left, right = ScoreAccumulator(plan), ScoreAccumulator(plan)
    for a in range(0, 1700, 500):
        left.add(chunk(a, min(a + 500, 1700)))
    right.add(chunk(1700, n))
    merged = left.merge(right).finish()[0]
    whole = one.finish()[0]
    for k, v in whole.metrics.items():
        np.testing.assert_allclose(merged.metrics[k], v, rtol=1e-12, atol=1e-12, err_msg=k)
    # Point-estimate group counts against masks; resample counts against the weights.
    W = poisson_weights(0, n, 7, random_state=5).astype(float)
    np.testing.assert_array_equal(whole.groups[("g", "n")][0], np.bincount(codes, minlength=G))
    np.testing.assert_allclose(
        whole.groups[("g", "tp")][1:], np.stack([np.bincount(codes, w * y * pred, G) for w in W])
    )
    # A resample's accuracy equals scikit-learn's with those weights.
    assert whole.metrics["accuracy"][3] == pytest.approx(skm.accuracy_score(y, pred, sample_weight=W[2]), abs=1e-12)


# ---------------------------------------------------------------------------------------
# The scorecard does not depend on the chunk size
# ---------------------------------------------------------------------------------------
def _scorecard(binary_frame, chunk_rows, ranking_bins=2048):
    data = prepare_data(
        binary_frame,
        source="synthetic",
        target="label",
        sensitive=["region", "age_band"],
        time="when",
        value=ValueSpec(("basket",), {"tp": "0.1*basket + 1", "fp": "-0.5"}),
    )
    rng = np.random.default_rng(9)
    score = 1 / (1 + np.exp(-(binary_frame.x1.to_numpy() + rng.normal(size=len(binary_frame)))))
    preds = [
        Predictions("smooth", (score > 0.5).astype(int), score, score, "probability"),
        Predictions("coarse", (score > 0.4).astype(int), score.round(1), score.round(1), "probability"),
    ]
    settings = EvalSettings(n_bootstrap=40, random_state=1, ranking_bins=ranking_bins)
    return evaluate_predictions(data, preds, settings=settings, now=NOW, chunk_rows=chunk_rows)


def _numbers(sc):
    metrics = {(m.candidate, m.objective): (m.value, m.ci_low, m.ci_high) for m in sc.metrics}
    comps = {(c.objective, c.candidate): (c.diff, c.diff_ci_low, c.diff_ci_high) for c in sc.comparisons}
    return metrics, comps, pd.DataFrame(list(sc.slices)), pd.DataFrame(list(sc.windows))


@pytest.mark.parametrize("chunk_rows", [97, 1000])
def test_chunk_size_does_not_change_the_scorecard(binary_frame, chunk_rows):
    base = _numbers(_scorecard(binary_frame, 10**6))
    other = _numbers(_scorecard(binary_frame, chunk_rows))
    for a, b in zip(base[:2], other[:2], strict=True):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_allclose(
                np.array(b[key], dtype=float), np.array(a[key], dtype=float), rtol=1e-9, atol=1e-9, err_msg=str(key)
            )
    for a, b in zip(base[2:], other[2:], strict=True):
        pd.testing.assert_frame_equal(a, b, rtol=1e-9, atol=1e-9)


def test_binned_resamples_are_recorded_with_their_bound_and_points_stay_exact(binary_frame):
    sc = _scorecard(binary_frame, 500, ranking_bins=64)
    ranking = sc.sections["ranking"]
    assert ranking["method"] == "binned" and ranking["max_bins"] == 64
    smooth, coarse = ranking["by_candidate"]["smooth"], ranking["by_candidate"]["coarse"]
    assert smooth["method"] == "binned" and 0 < smooth["roc_auc_bound"] < 0.05
    assert coarse["method"] == "exact" and "roc_auc_bound" not in coarse
    y = binary_frame.label.to_numpy()
    rng = np.random.default_rng(9)
    score = 1 / (1 + np.exp(-(binary_frame.x1.to_numpy() + rng.normal(size=len(binary_frame)))))
    assert sc.value("smooth", "roc_auc") == pytest.approx(skm.roc_auc_score(y, score), abs=1e-12)
    exact = _scorecard(binary_frame, 500)
    lo = {(m.candidate, m.objective): m.ci_low for m in exact.metrics}
    for m in sc.metrics:
        if m.candidate == "smooth" and m.objective == "roc_auc":
            assert abs(m.ci_low - lo[("smooth", "roc_auc")]) <= smooth["roc_auc_bound"] + 1e-12
    assert exact.settings["bootstrap_method"] == "poisson"


# ---------------------------------------------------------------------------------------
# Each model predicted once
# ---------------------------------------------------------------------------------------
class _Counting:
    """Wraps a fitted classifier and counts calls of each prediction method."""

    def __init__(self, model):
        self.model, self.calls = model, {"predict": 0, "predict_proba": 0}
        self.classes_ = model.classes_
        self.steps = [("model", model)]

    def predict(self, X):
        self.calls["predict"] += 1
        return self.model.predict(X)

    def predict_proba(self, X):
        self.calls["predict_proba"] += 1
        return self.model.predict_proba(X)


def test_an_argmax_classifier_is_predicted_once_in_row_batches(binary_frame):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.svm import SVC

    from analysis.evaluation import TargetSpec, predict_model
    from analysis.loading import LoadedModel

    X, y = binary_frame[["x1", "x2"]], binary_frame.label
    spec = TargetSpec("binary", (0, 1))
    for est, once in [(HistGradientBoostingClassifier(max_iter=20), True), (SVC(probability=True), False)]:
        fitted = est.fit(X, y)
        counting = _Counting(fitted)
        loaded = LoadedModel("m", "m.skops", counting, "skops", "", 0, type(est).__name__, ("x1", "x2"))
        pred = predict_model(loaded, binary_frame, ["x1", "x2"], spec, data_source="d", predict_rows=300)
        batches = -(-len(binary_frame) // 300)
        assert counting.calls == {"predict": 0 if once else batches, "predict_proba": batches}
        np.testing.assert_array_equal(pred.y_pred, fitted.predict(X))
        np.testing.assert_allclose(pred.y_prob, fitted.predict_proba(X)[:, 1])


def test_the_cli_says_when_ranking_resamples_were_binned(binary_frame):
    from analysis.cli._evaluate import ranking_lines

    binned = _scorecard(binary_frame, 500, ranking_bins=64)
    (line,) = ranking_lines(binned)
    bound = binned.sections["ranking"]["by_candidate"]["smooth"]["roc_auc_bound"]
    assert "1 candidate(s)" in line and "64 score bins" in line and f"smooth ROC AUC ±{bound:.2g}" in line
    assert "coarse" not in line
    assert ranking_lines(_scorecard(binary_frame, 500)) == []


def test_group_counts_without_a_dense_indicator_equal_masks(monkeypatch):
    """Past DENSE_INDICATOR_BYTES, count_groups sums over rows sorted by group; same counts as masks."""
    import analysis.evaluation._fairness as fairness

    rng = np.random.default_rng(8)
    n, G = 3000, 400
    group = fairness.GroupIndex("a", tuple(f"g{i}" for i in range(G)), rng.integers(0, G, n))
    y, P = rng.integers(0, 2, n), rng.integers(0, 2, (3, n))
    monkeypatch.setattr(fairness, "DENSE_INDICATOR_BYTES", 0)
    c = fairness.count_groups(y, P, group)
    for j in (0, 17, G - 1):
        m = group.codes == j
        assert c.n[1, j] == m.sum() and c.pos[2, j] == y[m].sum()
        assert c.pred_pos[1, j] == P[1, m].sum() and c.tp[2, j] == (P[2, m] * y[m]).sum()
