"""Group rules by hand, weight stability against a brute-force sweep, SMAA, leave-one-out, ties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from analysis._errors import InputError
from analysis.decision import (
    GROUP_RULES,
    compute_group_decision,
    compute_leave_one_out,
    compute_rank_acceptability,
    compute_sensitivity,
    compute_ties,
    compute_weight_intervals,
    compute_weight_stability,
    table_from_arrays,
)
from analysis.scorecard import Comparison


# ---- group rules ----------------------------------------------------------------------------------------
def test_rules_disagree_on_a_hand_made_table():
    # utilities (rows: stakeholders) for candidates a, b, c
    u = [[1.0, 0.7, 0.0], [1.0, 0.7, 0.4], [0.0, 0.5, 1.0]]
    g = compute_group_decision(["a", "b", "c"], ["p", "q", "r"], u)
    # utilitarian: a 2/3, b 1.9/3, c 1.4/3 -> a
    assert g.rule_result("utilitarian").winner == "a"
    assert g.rule_result("utilitarian").scores == pytest.approx((2 / 3, 1.9 / 3, 1.4 / 3))
    # Borda (n - rank): p: a2 b1 c0; q: a2 b1 c0; r: c2 b1 a0 -> a4 b3 c2
    assert g.rule_result("borda").scores == (4.0, 3.0, 2.0)
    # Copeland: a beats b (2:1), a beats c (2:1), b beats c (2:1) -> a is the Condorcet winner
    assert g.rule_result("copeland").scores == (2.0, 0.0, -2.0)
    assert g.condorcet_winner == "a"
    # regret: a (0, 0, 1) -> 1; b (0.3, 0.3, 0.5) -> 0.5; c (1, 0.6, 0) -> 1
    assert g.regret[2] == pytest.approx((1.0, 0.5, 0.0))
    assert g.rule_result("minimax-regret").scores == pytest.approx((1.0, 0.5, 1.0))
    assert g.rule_result("minimax-regret").winner == "b"
    # maximin: a 0, b 0.5, c 0 -> b
    assert g.rule_result("maximin").winner == "b"
    assert g.winner == "b" and g.rule == "minimax-regret"
    assert g.disagree


def test_considered_candidates_influence_and_ties():
    u = [[1.0, 0.9, 0.0], [0.0, 0.9, 1.0]]
    g = compute_group_decision(["a", "b", "c"], ["p", "q"], u, considered=[True, False, True], rule="utilitarian")
    assert g.candidates == ("a", "c")
    assert g.rule_result("utilitarian").winners == ("a", "c")  # tie, broken by name
    assert g.winner == "a"
    g = compute_group_decision(
        ["a", "b", "c"], ["p", "q"], u, influence=[1, 3], rule="utilitarian", considered=[True, False, True]
    )
    assert g.winner == "c"
    with pytest.raises(InputError, match="unknown group rule"):
        compute_group_decision(["a"], ["p"], [[1.0]], rule="dictator")
    assert set(GROUP_RULES) == {r.rule for r in g.rules}


def test_unscored_candidates_are_left_out_of_group_rules():
    g = compute_group_decision(["a", "b"], ["p", "q"], [[1.0, np.nan], [0.0, 0.5]])
    assert g.candidates == ("a",) and "left out" in g.warnings[0]


# ---- weight stability: exact intervals vs a brute-force sweep --------------------------------------------
def _winner_at(x, w, k, t, names):
    wt = w * (1 - t) / (1 - w[k])
    wt[k] = t
    s = x @ wt
    best = s.max()
    return min(n for n, v in zip(names, s, strict=True) if v >= best - 1e-12)


def _sweep(x, w, names):
    st_ = compute_weight_intervals(x, w, names)
    grid = np.linspace(0, 1, 4001)
    for k, iv in enumerate(st_.intervals):
        if iv.low is None:
            continue
        inside = [t for t in grid if _winner_at(x, w, k, t, names) == st_.winner]
        # the winner wins on the computed interval, and only there (up to the grid step)
        assert min(inside) == pytest.approx(iv.low, abs=3e-4)
        assert max(inside) == pytest.approx(iv.high, abs=3e-4)
        for t in grid:
            if iv.low + 1e-3 < t < iv.high - 1e-3:
                assert _winner_at(x, w, k, t, names) == st_.winner
        if iv.above is not None and iv.high < 1 - 1e-6:
            assert _winner_at(x, w, k, iv.high + 1e-7, names) == iv.above
        if iv.below is not None and iv.low > 1e-6:
            assert _winner_at(x, w, k, iv.low - 1e-7, names) == iv.below
    return st_


def test_weight_interval_worked_example_matches_brute_force():
    # Formula of O'Shea et al. 2026 (ESWA 296, doi:10.1016/j.eswa.2025.128460), by hand:
    # x = [[0.9, 0.2, 0.5], [0.4, 0.9, 0.5], [0.6, 0.6, 0.9]], w = (0.5, 0.3, 0.2).
    # Scores 0.61, 0.57, 0.66 -> c wins. For k = 0: R_c = (0.3*0.6 + 0.2*0.9)/0.5 = 0.72,
    # R_a = 0.32, R_b = 0.74; c vs a: t = -(0.72-0.32)/((0.6-0.72)-(0.9-0.32)) = 0.5714;
    # c vs b: t = -(0.72-0.74)/((0.6-0.72)-(0.4-0.74)) = 0.0909 (a lower bound).
    x = np.array([[0.9, 0.2, 0.5], [0.4, 0.9, 0.5], [0.6, 0.6, 0.9]])
    st_ = _sweep(x, np.array([0.5, 0.3, 0.2]), ["a", "b", "c"])
    iv = st_.intervals[0]
    assert st_.winner == "c"
    assert iv.low == pytest.approx(0.02 / 0.22) and iv.below == "b"
    assert iv.high == pytest.approx(0.4 / 0.7) and iv.above == "a"


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda n: arrays(np.float64, (n, 3), elements=st.floats(0, 1).map(lambda v: round(v, 2)))
    ),
    st.lists(st.integers(1, 9), min_size=3, max_size=3),
)
def test_weight_intervals_match_a_brute_force_sweep(x, w):
    w = np.array(w, dtype=float) / sum(w)
    s = x @ w
    top = np.sort(s)[::-1]
    if top[0] - top[1] < 1e-6:
        return  # a tie for first: no interval to speak of
    _sweep(x, w, [f"c{i}" for i in range(len(x))])


def test_stability_not_defined_for_non_additive_methods_or_a_single_weight():
    t = table_from_arrays(["a", "b"], [("roc_auc", "max"), ("log_loss", "min")], [[0.9, 0.4], [0.8, 0.2]])
    assert compute_weight_stability(t, method="topsis") is None
    st_ = compute_weight_stability(t, {"roc_auc": 1})
    assert st_.interval("roc_auc").low is None and "all the weight" in st_.interval("roc_auc").note
    assert st_.interval("log_loss").low is not None  # raising a zero weight is meaningful


# ---- SMAA -----------------------------------------------------------------------------------------------
def _ci_table():
    return table_from_arrays(
        ["a", "b", "c"],
        [("roc_auc", "max"), ("log_loss", "min")],
        [[0.85, 0.40], [0.84, 0.39], [0.70, 0.60]],
        ci_low=[[0.83, 0.38], [0.82, 0.37], [0.68, 0.58]],
        ci_high=[[0.87, 0.42], [0.86, 0.41], [0.72, 0.62]],
    )


def test_rank_acceptability_is_seeded_and_sums_to_one():
    t = _ci_table()
    r1 = compute_rank_acceptability(t, n_samples=300, random_state=7)
    r2 = compute_rank_acceptability(t, n_samples=300, random_state=7)
    assert r1 == r2
    assert sum(r1.first) == pytest.approx(1.0)
    np.testing.assert_allclose(np.sum(r1.ranks, axis=0), 1.0)
    np.testing.assert_allclose(np.sum(r1.ranks, axis=1), 1.0)
    assert r1.first[2] == 0.0  # c is far behind
    assert 0.1 < r1.first[0] < 0.9  # a and b swap places under noise
    u = compute_rank_acceptability(t, n_samples=200, value_noise="uniform", random_state=1)
    assert sum(u.first) == pytest.approx(1.0)
    fixed = compute_rank_acceptability(t, n_samples=50, value_noise="none", concentration=1e6, random_state=1)
    assert fixed.first[0] in (0.0, 1.0)
    with pytest.raises(InputError):
        compute_rank_acceptability(t, value_noise="gaussian")


def test_rank_acceptability_respects_allowed_candidates():
    r = compute_rank_acceptability(_ci_table(), among=["b", "c"], n_samples=50, random_state=0)
    assert r.candidates == ("b", "c") and r.first == (1.0, 0.0)


# ---- leave one out -----------------------------------------------------------------------------------
def test_leave_one_out_fixed_bounds_never_changes_minmax_can():
    objs = [("roc_auc", "max"), ("worst_group_accuracy", "max")]
    t = table_from_arrays(["A", "B", "C", "dominated"], objs, [[0.86, 0.78], [0.86, 0.69], [0.88, 0.73], [0.75, 0.65]])
    fixed = compute_leave_one_out(t)
    assert fixed.changes == () and fixed.pool_independent
    mm = compute_leave_one_out(t, method="wsm-minmax")
    assert ("dominated", "C") in mm.changes and not mm.pool_independent


# ---- ties -----------------------------------------------------------------------------------------------
def test_ties_use_comparisons_then_intervals():
    t = _ci_table()
    ties, undet = compute_ties(t, "a", ["roc_auc", "log_loss"])
    assert ties == ("b",) and undet == ()  # overlapping intervals on both objectives
    # a paired comparison that says "significant" beats overlapping intervals
    t2 = table_from_arrays(t.candidates, t.objectives, t.values, ci_low=t.ci_low, ci_high=t.ci_high)
    from dataclasses import replace

    t2 = replace(t2, comparisons=(Comparison("roc_auc", "b", "a", -0.01, -0.015, -0.005, True),))
    assert compute_ties(t2, "a", ["roc_auc", "log_loss"]) == ((), ())
    # no uncertainty information: undetermined, not tied
    t3 = table_from_arrays(t.candidates, t.objectives, t.values)
    assert compute_ties(t3, "a", ["roc_auc"]) == ((), ("b", "c"))


def test_compute_sensitivity_bundles_everything():
    s = compute_sensitivity(_ci_table(), n_samples=100, random_state=0)
    assert s.winner == "a"
    assert s.stability is not None and s.stability.winner == "a"
    assert s.acceptability.n_samples == 100
    assert s.ties == ("b",) and any("tied" in w for w in s.warnings)
    s2 = compute_sensitivity(_ci_table(), method="vikor", n_samples=0)
    assert s2.stability is None and "not linear" in s2.stability_note and s2.acceptability is None
