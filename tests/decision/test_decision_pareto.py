"""Pareto front: properties against a naive reference, ties, duplicates, missing values, explanations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from analysis._errors import InputError
from analysis.decision import (
    compute_dominance,
    compute_front_ranks,
    compute_nondominated,
    compute_pareto,
    compute_trade_ratios,
    naive_nondominated,
    table_from_arrays,
)


def _dominates(a, b):
    return bool((a <= b).all() and (a < b).any())


# Small integer ranges make ties and exact duplicates common.
small_int_costs = st.integers(1, 40).flatmap(
    lambda n: st.integers(1, 6).flatmap(lambda k: arrays(np.float64, (n, k), elements=st.integers(0, 4).map(float)))
)


@settings(max_examples=300, deadline=None)
@given(small_int_costs)
def test_fast_front_equals_naive_reference(costs):
    mask, dominator = compute_nondominated(costs)
    assert mask.tolist() == naive_nondominated(costs).tolist()
    for i in np.flatnonzero(~mask):
        assert _dominates(costs[dominator[i]], costs[i])
    assert (dominator[mask] == -1).all()


@settings(max_examples=150, deadline=None)
@given(small_int_costs)
def test_no_member_dominated_and_every_other_dominated(costs):
    mask, _ = compute_nondominated(costs)
    front = costs[mask]
    for i in range(len(costs)):
        dominated = any(_dominates(costs[j], costs[i]) for j in range(len(costs)))
        assert dominated == (not mask[i])
    # duplicates share their fate
    for i in range(len(costs)):
        same = (costs == costs[i]).all(axis=1)
        assert len(set(mask[same].tolist())) == 1
    assert len(front) >= 1


@settings(max_examples=100, deadline=None)
@given(small_int_costs, st.randoms(use_true_random=False))
def test_front_is_invariant_to_row_order(costs, rnd):
    perm = list(range(len(costs)))
    rnd.shuffle(perm)
    mask, _ = compute_nondominated(costs)
    mask_p, _ = compute_nondominated(costs[perm])
    assert mask_p.tolist() == mask[perm].tolist()


@settings(max_examples=100, deadline=None)
@given(small_int_costs, st.data())
def test_adding_a_dominated_candidate_does_not_change_the_front(costs, data):
    mask, _ = compute_nondominated(costs)
    i = data.draw(st.integers(0, len(costs) - 1))
    worse = costs[i] + data.draw(arrays(np.float64, costs.shape[1], elements=st.integers(0, 3).map(float)))
    if not (worse > costs[i]).any():
        worse[0] += 1.0
    mask2, _ = compute_nondominated(np.vstack([costs, worse]))
    assert mask2[:-1].tolist() == mask.tolist()
    assert not mask2[-1]


def test_real_valued_random_matches_naive_in_many_dimensions():
    rng = np.random.default_rng(0)
    for k in (2, 3, 6, 9):
        x = rng.random((700, k))
        assert compute_nondominated(x)[0].tolist() == naive_nondominated(x).tolist()
    # a large front (anti-correlated points) also matches
    x = rng.random((400, 3))
    x[:, 2] = 3 - x[:, 0] - x[:, 1]
    assert compute_nondominated(x)[0].tolist() == naive_nondominated(x).tolist()


def test_infinite_values_are_ordinary_extremes():
    x = np.array([[np.inf, 0.0], [0.0, np.inf], [1.0, 1.0], [np.inf, np.inf]])
    assert compute_nondominated(x)[0].tolist() == [True, True, True, False]
    with pytest.raises(InputError):
        compute_nondominated(np.array([[np.nan, 1.0]]))


def test_front_ranks_peel_successive_fronts():
    x = np.array([[1, 1], [2, 2], [3, 3], [1, 3], [3, 1], [2, 2]], dtype=float)
    assert compute_front_ranks(x).tolist() == [1, 2, 3, 2, 2, 2]
    assert compute_front_ranks(x, max_fronts=1).tolist() == [1, 0, 0, 0, 0, 0]


def _table():
    return table_from_arrays(
        ["fast", "balanced", "accurate", "slow_and_bad", "incomplete", "twin"],
        [("roc_auc", "max"), ("latency_ms_p99", "min")],
        [[0.80, 10.0], [0.84, 13.0], [0.86, 40.0], [0.79, 50.0], [0.99, np.nan], [0.84, 13.0]],
    )


def test_compute_pareto_is_direction_aware_and_explains_domination():
    r = compute_pareto(_table())
    assert r.front == ("fast", "balanced", "accurate", "twin")
    assert r.excluded == ("incomplete",)
    assert r.is_optimal[4] is False and r.front_rank[4] is None
    assert r.dominated_by[3] in {"fast", "balanced", "accurate", "twin"}
    assert r.dominator_count == (0, 0, 0, 4, None, 0)
    d = compute_dominance(_table(), "slow_and_bad")
    assert set(d.dominators) == {"fast", "balanced", "accurate", "twin"}
    assert d.better_on[d.dominators.index("fast")] == ("roc_auc", "latency_ms_p99")
    assert compute_dominance(_table(), "incomplete").dominators == ()


def test_knee_and_trade_ratios():
    r = compute_pareto(_table())
    assert r.knees == ("balanced", "twin")  # duplicates: both are the knee
    steps = compute_trade_ratios(_table(), "latency_ms_p99", "roc_auc")
    assert [(s.from_candidate, s.to_candidate) for s in steps] == [
        ("fast", "balanced"),
        ("balanced", "accurate"),
    ]
    assert steps[0].delta_x == pytest.approx(3.0)
    assert steps[0].delta_y == pytest.approx(0.04)
    assert steps[0].ratio == pytest.approx(0.04 / 3)
    assert steps[0].text == "+4 points of ROC AUC for +3 ms of Latency p99"


def test_subset_of_objectives_and_bad_names():
    r = compute_pareto(_table(), ["roc_auc"])
    assert r.front == ("incomplete",)
    with pytest.raises(InputError, match="unknown objective 'nope'"):
        compute_pareto(_table(), ["nope"])
