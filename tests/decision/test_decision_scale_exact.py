"""The paths that make a 10,000-candidate decision fast give exactly what the straightforward ones give.

Each fast path is compared with the way it replaced, with ``==`` on the results (never a
tolerance), on small random cases built to contain exact ties:

* group leave-one-out under Borda and Copeland (:class:`_RemovalWinner` re-counts only the
  candidates that can still win) against re-deciding every removal with :func:`_winners`;
* sub-tables built without re-validation (``DecisionTable._take``) against the validating
  constructor;
* ``score_table`` results kept per table against a fresh table's;
* cached candidate-name ranks against sorting the names.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis._errors import InputError
from analysis.decision._group import compute_group_decision
from analysis.decision._group_sensitivity import _RemovalWinner, _winners
from analysis.decision._scoring import name_ranks, score_table
from analysis.decision._table import DecisionTable, table_from_arrays

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def _utilities(draw):
    p = draw(st.integers(1, 5))
    n = draw(st.integers(3, 14))
    levels = draw(st.sampled_from([3, 5, 1000]))  # few levels: many exact ties
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    u = rng.integers(0, levels, size=(p, n)) / (levels - 1)
    if draw(st.booleans()):
        u = u + rng.choice([0.0, 1e-13, 3e-12], size=(p, n))  # differences around the tolerance
    infl = rng.choice([1.0, 0.5, 2.0, 0.1], size=p) if draw(st.booleans()) else np.ones(p)
    live = rng.random(n) < 0.85
    live[:3] = True
    return u, infl, live


@_SETTINGS
@given(case=_utilities(), rule=st.sampled_from(["borda", "copeland"]))
def test_removal_winner_equals_redeciding_every_removal(case, rule):
    u, infl, live = case
    names = tuple(f"c{k:02d}" for k in range(u.shape[1]))[::-1]  # names not in row order
    group = compute_group_decision(names, [f"p{s}" for s in range(u.shape[0])], u, influence=infl, considered=live)
    fast = _RemovalWinner.make(u, live, infl, rule, names, group)
    assert fast is not None
    for i in np.flatnonzero(live):
        keep = live.copy()
        keep[i] = False
        assert fast.winner_without(int(i)) == _winners(u[None], keep, infl, rule, names)[0]


def test_removal_winner_copeland_counts_its_own_scores_when_the_group_differs():
    rng = np.random.default_rng(3)
    u = rng.integers(0, 4, size=(3, 9)) / 3.0
    names = tuple(f"c{k}" for k in range(9))
    infl = np.ones(3)
    other = compute_group_decision(names, ["a", "b", "c"], u[:, ::-1], influence=infl)  # other utilities
    live = np.ones(9, dtype=bool)
    fast = _RemovalWinner.make(u, live, infl, "copeland", names, other)
    for i in range(9):
        keep = live.copy()
        keep[i] = False
        assert fast.winner_without(i) == _winners(u[None], keep, infl, "copeland", names)[0]


@st.composite
def _tables(draw):
    n = draw(st.integers(1, 12))
    m = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    v = rng.integers(0, 4, size=(n, m)).astype(float)
    v[rng.random((n, m)) < 0.1] = np.nan
    lo = v - rng.random((n, m))
    hi = v + rng.random((n, m))
    t = table_from_arrays(
        [f"m{k}" for k in range(n)],
        [(f"o{j}", "max" if j % 2 else "min") for j in range(m)],
        v,
        ci_low=lo,
        ci_high=hi,
    )
    return t, rng


def _same(a: DecisionTable, b: DecisionTable) -> None:
    assert a.candidates == b.candidates
    assert a.objectives == b.objectives
    assert a.comparisons == b.comparisons
    for x, y in ((a.values, b.values), (a.ci_low, b.ci_low), (a.ci_high, b.ci_high)):
        assert (x is None) == (y is None)
        if x is not None:
            assert x.shape == y.shape and x.dtype == y.dtype and not x.flags.writeable
            np.testing.assert_array_equal(x, y)
            assert x.flags.c_contiguous == y.flags.c_contiguous


@_SETTINGS
@given(case=_tables())
def test_take_equals_the_validating_constructor(case):
    t, rng = case
    n, m = t.values.shape
    rows = np.flatnonzero(rng.random(n) < 0.7)
    cols = rng.permutation(m)[: rng.integers(1, m + 1)]
    got = t._take(rows=rows, cols=cols)
    want = DecisionTable(
        tuple(t.candidates[i] for i in rows),
        tuple(t.objectives[j] for j in cols),
        t.values[np.ix_(rows, cols)],
        t.ci_low[np.ix_(rows, cols)],
        t.ci_high[np.ix_(rows, cols)],
        t._comparisons_on({t.objectives[j].name for j in cols}) if len(cols) < m else t.comparisons,
    )
    _same(got, want)
    assert t.select([o.name for o in got.objectives]) is t.select(tuple(o.name for o in got.objectives))
    if n:
        _same(t.drop(t.candidates[0]), t.subset(np.arange(1, n)))


def test_take_with_repeated_rows_still_refuses_duplicate_names():
    t = table_from_arrays(["a", "b"], [("x", "min")], [[1.0], [2.0]])
    with pytest.raises(InputError):
        t.subset([0, 0])
    with pytest.raises(InputError):
        t.subset([1, -1])
    with pytest.raises(InputError):
        t.select(["x", "x"])


@_SETTINGS
@given(case=_tables(), method=st.sampled_from(["wsm", "wsm-minmax", "topsis", "vikor", "promethee", "winrate"]))
def test_kept_score_equals_a_fresh_one(case, method):
    t, rng = case
    w = rng.random(t.values.shape[1]) + 0.1
    try:
        first = score_table(t, w, method=method)
    except InputError:
        return
    fresh = DecisionTable(t.candidates, t.objectives, t.values, t.ci_low, t.ci_high)
    again = score_table(t, list(w), method=method)
    assert again is first
    other = score_table(fresh, w, method=method)
    assert repr(other) == repr(first)
    assert score_table(t, w * 2, method=method) is first  # the same normalised weights


@given(names=st.lists(st.text(min_size=1, max_size=4), unique=True, max_size=20))
def test_name_ranks_equal_sorting(names):
    want = np.argsort(np.argsort(np.array(names, dtype=object))) if names else np.zeros(0, dtype=np.int64)
    np.testing.assert_array_equal(name_ranks(names), want)
    np.testing.assert_array_equal(name_ranks(tuple(names)), want)


def test_decision_without_sensitivity_has_the_same_choice_and_is_not_exported():
    from analysis.decision import build_decision, decision_to_dict, default_profiles
    from analysis.decision._decide import SKIPPED_SENSITIVITY
    from analysis.scorecard import load_scorecard

    sc = load_scorecard("sample_data/scorecard.json")
    for rule in ("minimax-regret", "borda", "copeland"):
        full = build_decision(sc, default_profiles(), rule=rule, random_state=0, n_samples=20, group_samples=10)
        quick = build_decision(sc, default_profiles(), rule=rule, random_state=0, sensitivity=False)
        assert full.sensitivity_computed and not quick.sensitivity_computed
        assert (quick.chosen, quick.runners_up, quick.group, quick.pareto) == (
            full.chosen,
            full.runners_up,
            full.group,
            full.pareto,
        )
        for a, b in zip(quick.profiles, full.profiles, strict=True):
            assert a.sensitivity is None
            assert (a.score, a.favourite, a.feasibility, a.pareto) == (b.score, b.favourite, b.feasibility, b.pareto)
        assert quick.sensitivity.n_samples == 0 and quick.sensitivity.leave_one_out.changes == ()
        assert SKIPPED_SENSITIVITY in quick.warnings
        decision_to_dict(full)
        with pytest.raises(ValueError, match="sensitivity=False"):
            decision_to_dict(quick)


@_SETTINGS
@given(case=_utilities(), p_extra=st.integers(0, 3))
def test_copeland_by_pattern_equals_summing_influences(case, p_extra):
    from analysis.decision._group import _TOL, _copeland_rows_by_pattern

    u, infl, live = case
    rng = np.random.default_rng(u.shape[1])
    u = np.vstack([u, rng.integers(0, 3, size=(p_extra, u.shape[1])) / 2.0])  # up to 8 stakeholders
    infl = np.concatenate([infl, rng.choice([1.0, 1 / 3, 0.7], size=p_extra)])
    rows = np.flatnonzero(live)
    fwd = np.zeros((len(rows), u.shape[1]))
    bwd = np.zeros((len(rows), u.shape[1]))
    for s in range(u.shape[0]):  # the chunked float sums _copeland_rows makes for more stakeholders
        ui, uk = u[s, rows][:, None], u[s][None, :]
        fwd += infl[s] * (ui > uk + _TOL)
        bwd += infl[s] * (uk > ui + _TOL)
    wins, losses = _copeland_rows_by_pattern(u, infl, rows)
    np.testing.assert_array_equal(wins, (fwd > bwd + _TOL).sum(axis=1))
    np.testing.assert_array_equal(losses, (bwd > fwd + _TOL).sum(axis=1))


@_SETTINGS
@given(case=_tables(), noise=st.sampled_from(["normal", "uniform", "none"]), size=st.integers(1, 5))
def test_value_draws_equal_drawing_one_at_a_time(case, noise, size):
    from analysis.decision._sensitivity import ValueDraws, sample_weights, value_sampler

    t, rng = case
    seed = int(rng.integers(0, 2**31))
    one, batch = np.random.default_rng(seed), np.random.default_rng(seed)
    sampler = value_sampler(t, noise)
    draws = ValueDraws(t, noise, size)
    w = np.full(t.values.shape[1], 1.0 / t.values.shape[1])
    want = np.empty((size,) + t.values.shape)
    for s in range(size):  # interleaved with other draws, as the sensitivity loops do
        want[s] = sampler(one)
        sample_weights(w, one, 50.0)
        draws.draw(batch, s)
        sample_weights(w, batch, 50.0)
    got = draws.values(size)
    assert got.flags.c_contiguous and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    assert one.random() == batch.random()


@_SETTINGS
@given(case=_tables(), n_draws=st.integers(1, 4), with_inf=st.booleans(), bounded=st.booleans())
def test_utilities_of_rows_equal_all_utilities_then_rows(case, n_draws, with_inf, bounded):
    from analysis.decision._rescoring import Rescorer

    t, rng = case
    n, m = t.values.shape
    bounds = {o.name: ((5.0, -1.0) if o.direction == "min" else (-1.0, 5.0)) for o in t.objectives[::2]}
    scorer = Rescorer(t, rng.random(m) + 0.1, bounds=bounds if bounded else None)
    values = rng.integers(0, 4, size=(n_draws, n, m)).astype(float)
    values[rng.random(values.shape) < 0.05] = np.nan if rng.random() < 0.5 else np.inf
    if with_inf:
        values[0, 0, 0] = -np.inf
    weights = rng.random((n_draws, m)) + 0.01
    rows = np.flatnonzero(rng.random(n) < 0.6)
    with np.errstate(invalid="ignore"):  # inf - inf in a utility sum (both ways warn alike)
        want = scorer.utilities(values, weights)[:, rows]
        got = scorer.utilities_of(values, weights, rows)
    np.testing.assert_array_equal(got, want)
    assert got.tobytes() == want.tobytes()  # the same bits (signed zeros included)


def test_sub_table_comparisons_grouped_as_building_them_afresh():
    from analysis.decision import table_from_scorecard
    from analysis.scorecard import load_scorecard

    t = table_from_scorecard(load_scorecard("sample_data/scorecard.json"))
    names = [o.name for o in t.objectives if any(c.objective == o.name for c in t.comparisons)][:4]
    assert len(names) >= 2
    sub = t.select(names[:3])
    fresh = DecisionTable(sub.candidates, sub.objectives, sub.values, sub.ci_low, sub.ci_high, sub.comparisons)
    for pick in (names[:1], names[1:3], names[:3][::-1]):
        assert sub._comparisons_on(set(pick)) == fresh._comparisons_on(set(pick))
        assert sub.select(pick).comparisons == fresh.select(pick).comparisons
    assert sub.values.flags.c_contiguous and t.subset([0, 2]).values.flags.c_contiguous


def _intervals_by_loop(x, w, names, a):
    """The per-rival loop compute_weight_intervals ran before it was vectorised (reference)."""
    from analysis.decision._sensitivity import _binding

    out = []
    m = x.shape[1]
    for k in range(m):
        wk = float(w[k])
        others = [j for j in range(m) if j != k and w[j] > 0]
        if 1.0 - wk <= 1e-15 or not others:
            out.append(None)
            continue
        rows = ~np.isnan(x[:, k]) & ~np.isnan(x[:, others]).any(axis=1)
        if not rows[a]:
            out.append(None)
            continue
        r = (x[:, others] @ w[others]) / (1.0 - wk)
        slope = x[:, k] - r
        lowers, uppers = [], []
        for b in np.flatnonzero(rows):
            den = slope[a] - slope[b]
            if b == a or den == 0:
                continue
            tb = -(r[a] - r[b]) / den
            (lowers if den > 0 else uppers).append((float(tb), abs(float(den)), names[b]))
        lo, below = _binding(lowers, 0.0, max)
        hi, above = _binding(uppers, 1.0, min)
        out.append((min(lo, wk), max(hi, wk), below, above))
    return out


@_SETTINGS
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 15), m=st.integers(2, 4), levels=st.sampled_from([2, 3, 50]))
def test_weight_intervals_equal_the_per_rival_loop(seed, n, m, levels):
    from analysis.decision._sensitivity import compute_weight_intervals

    rng = np.random.default_rng(seed)
    x = rng.integers(0, levels, size=(n, m)) / (levels - 1)
    w = rng.integers(0, 4, size=m).astype(float)
    w[0] += 1
    w /= w.sum()
    names = [f"c{i:02d}" for i in range(n)][::-1]
    got = compute_weight_intervals(x, w, names)
    want = _intervals_by_loop(x, w, names, names.index(got.winner))
    for iv, ref in zip(got.intervals, want, strict=True):
        assert (iv.low is None) == (ref is None)
        if ref is not None:
            assert (iv.low, iv.high, iv.below, iv.above) == ref
