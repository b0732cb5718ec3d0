"""Scoring invariants (Hypothesis) and the pool-normalisation trap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from analysis.decision import METHODS, compute_nondominated, score_table, table_from_arrays
from analysis.decision._table import DecisionTable
from analysis.objectives import Objective

MONOTONE = [m for m in METHODS if m != "dynascore"]  # dynascore needs --perf; tested separately


def _objectives(k: int, directions) -> tuple[Objective, ...]:
    out = []
    for j in range(k):
        d = directions[j]
        worst, ideal = (0.0, 10.0) if d == "max" else (10.0, 0.0)
        out.append(Objective(f"o{j}", f"o{j}", direction=d, worst=worst, ideal=ideal))
    return tuple(out)


@st.composite
def tables(draw, min_rows=2, max_rows=9):
    n = draw(st.integers(min_rows, max_rows))
    k = draw(st.integers(1, 4))
    values = draw(arrays(np.float64, (n, k), elements=st.integers(0, 6).map(float)))
    directions = draw(st.lists(st.sampled_from(["max", "min"]), min_size=k, max_size=k))
    weights = draw(st.lists(st.integers(1, 9).map(float), min_size=k, max_size=k))
    return DecisionTable(tuple(f"c{i}" for i in range(n)), _objectives(k, directions), values), np.array(weights)


def _close_orders(r1, r2):
    """Same ranking up to exact-tie floating noise: equal scores may swap names, nothing else."""
    u1 = dict(zip(r1.candidates, r1.utilities, strict=True))
    u2 = dict(zip(r2.candidates, r2.utilities, strict=True))
    for a in u1:
        for b in u1:
            if u1[a] > u1[b] + 1e-9:
                assert u2[a] > u2[b] - 1e-9


@settings(max_examples=60, deadline=None)
@given(tables(), st.sampled_from(MONOTONE), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(tw, method, rnd):
    table, w = tw
    perm = list(range(table.n_candidates))
    rnd.shuffle(perm)
    r1 = score_table(table, w, method=method)
    r2 = score_table(table.subset(perm), w, method=method)
    s1 = dict(zip(r1.candidates, r1.scores, strict=True))
    s2 = dict(zip(r2.candidates, r2.scores, strict=True))
    for c in s1:
        assert s1[c] == pytest.approx(s2[c], abs=1e-12, nan_ok=True)
    if all(np.diff(sorted(r1.utilities)) > 1e-9):
        assert r1.order == r2.order


@settings(max_examples=60, deadline=None)
@given(tables(), st.sampled_from(MONOTONE), st.floats(0.01, 1000))
def test_scaling_all_weights_does_not_matter(tw, method, scale):
    table, w = tw
    r1 = score_table(table, w, method=method)
    r2 = score_table(table, w * scale, method=method)
    np.testing.assert_allclose(r1.scores, r2.scores, rtol=1e-9, atol=1e-12)
    _close_orders(r1, r2)


@settings(max_examples=80, deadline=None)
@given(tables(), st.sampled_from(MONOTONE))
def test_with_positive_weights_the_top_candidate_is_on_the_front(tw, method):
    table, w = tw
    r = score_table(table, w, method=method)
    mask, _ = compute_nondominated(table.costs())
    assert mask[table.candidates.index(r.order[0])]
    # and nobody dominated scores as well as its dominator
    u = r.utilities
    for i in np.flatnonzero(~mask):
        c = table.costs()
        doms = [j for j in range(len(c)) if (c[j] <= c[i]).all() and (c[j] < c[i]).any()]
        assert all(u[j] > u[i] for j in doms)


@settings(max_examples=80, deadline=None)
@given(tables(), st.data())
def test_fixed_bounds_adding_a_dominated_candidate_keeps_the_others_ranking(tw, data):
    table, w = tw
    i = data.draw(st.integers(0, table.n_candidates - 1))
    worse = table.costs()[i] + data.draw(arrays(np.float64, len(w), elements=st.integers(0, 3).map(float)))
    if not (worse > table.costs()[i]).any():
        worse[0] += 1.0
    values = np.vstack([table.values, worse * table.signs])
    bigger = DecisionTable(table.candidates + ("dominated",), table.objectives, values)
    r1 = score_table(table, w)
    r2 = score_table(bigger, w)
    assert r2.scores[:-1] == r1.scores  # exactly the same numbers: pool-independent
    assert tuple(c for c in r2.order if c != "dominated") == r1.order
    # and the front is unchanged
    assert compute_nondominated(bigger.costs())[0][:-1].tolist() == compute_nondominated(table.costs())[0].tolist()


def test_contributions_sum_to_scores_for_additive_methods():
    rng = np.random.default_rng(0)
    t = table_from_arrays(
        [f"c{i}" for i in range(12)],
        [("roc_auc", "max"), ("log_loss", "min"), ("x", "max")],
        rng.random((12, 3)),
    )
    for method in ("wsm", "wsm-minmax", "promethee", "winrate"):
        r = score_table(t, [3, 2, 1], method=method)
        np.testing.assert_allclose(np.sum(r.contributions, axis=1), r.scores)
    r = score_table(t, [3, 2, 1], method="dynascore", perf="roc_auc")
    np.testing.assert_allclose(np.sum(r.contributions, axis=1), r.scores)


def test_pool_normalisation_trap_minmax_winner_changes_fixed_bounds_ranking_does_not():
    # Three real candidates; "dominated" is worse than every one of them on both objectives.
    objs = [("roc_auc", "max"), ("worst_group_accuracy", "max")]
    base = [[0.86, 0.78], [0.86, 0.69], [0.88, 0.73]]
    small = table_from_arrays(["A", "B", "C"], objs, base)
    large = table_from_arrays(["A", "B", "C", "dominated"], objs, base + [[0.75, 0.65]])
    assert not compute_nondominated(large.costs())[0][-1]
    # Min-max over the pool: the dominated candidate stretches the ranges and flips the winner.
    assert score_table(small, method="wsm-minmax").order[0] == "C"
    assert score_table(large, method="wsm-minmax").order[0] == "A"
    # Fixed bounds (registered on the objectives): the others keep their scores and order.
    r_small, r_large = score_table(small), score_table(large)
    assert r_small.order == ("A", "C", "B")
    assert r_large.order[:3] == r_small.order
    assert r_large.scores[:3] == r_small.scores
