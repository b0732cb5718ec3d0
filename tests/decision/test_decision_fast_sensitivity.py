"""The fast sensitivity paths equal the straightforward computations they replaced (Hypothesis).

Batched SMAA re-scoring, leave-one-out that re-decides only removals that can change a result,
group rules by sorting and chunked majorities, Copeland winners from the candidates that can win:
each is compared with its reference (one ``score_table`` per draw or removal, ``p x n x n``
tensors) on small random tables, including exact ties and missing values. Also: the decision
record stores O(n * top_ranks) rank acceptabilities, not n x n.
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from analysis.decision import build_decision, decision_to_dict
from analysis.decision._group import _rule_scores, compute_group_decision, naive_rule_scores, rule_winner
from analysis.decision._group_sensitivity import compute_group_sensitivity, group_leave_one_out
from analysis.decision._profiles import make_profile
from analysis.decision._reference import (
    naive_group_leave_one_out,
    naive_group_win_share,
    naive_leave_one_out,
    naive_rank_acceptability,
)
from analysis.decision._rescoring import Rescorer
from analysis.decision._sensitivity import DEFAULT_TOP_RANKS, compute_leave_one_out, compute_rank_acceptability
from analysis.decision._table import DecisionTable
from analysis.objectives import Objective
from analysis.scorecard import scorecard_from_metrics_table

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RULES = ("utilitarian", "borda", "copeland", "minimax-regret", "maximin")


@st.composite
def tables(draw, min_rows=2, max_rows=8):
    """Small tables on a grid (many exact ties), some values missing, intervals, mixed bounds."""
    n = draw(st.integers(min_rows, max_rows))
    k = draw(st.integers(1, 4))
    values = draw(arrays(np.float64, (n, k), elements=st.integers(0, 4).map(float)))
    holes = np.zeros((n, k), dtype=bool)
    if draw(st.booleans()):
        holes[draw(st.integers(0, n - 1)), draw(st.integers(0, k - 1))] = True
    values = np.where(holes, np.nan, values)
    width = draw(arrays(np.float64, (n, k), elements=st.integers(0, 2).map(lambda x: x / 4)))
    objs = []
    for j in range(k):
        d = draw(st.sampled_from(["max", "min"]))
        bounded = draw(st.booleans())
        worst, ideal = ((0.0, 4.0) if d == "max" else (4.0, 0.0)) if bounded else (None, None)
        objs.append(Objective(f"o{j}", f"o{j}", direction=d, worst=worst, ideal=ideal))
    names = tuple(draw(st.permutations([f"c{i}" for i in range(n)])))
    return DecisionTable(names, tuple(objs), values, values - width, values + width)


weights_st = st.lists(st.integers(0, 3).map(float), min_size=4, max_size=4).filter(lambda w: w[0] > 0)


@FAST
@given(tables(), weights_st, st.sampled_from(["wsm", "wsm-minmax", "topsis"]), st.sampled_from(["exclude", "rescale"]))
def test_rank_acceptability_equals_one_score_table_per_draw(table, w, method, missing):
    w = np.array(w[: len(table.objectives)])
    if not (w > 0).any():
        w[0] = 1.0
    among = [c for i, c in enumerate(table.candidates) if i % 3]
    kw = {"method": method, "missing": missing, "n_samples": 25, "random_state": 3, "among": among}
    fast = compute_rank_acceptability(table, w, **kw, top_ranks=3)
    first, ranks = naive_rank_acceptability(table, w, **kw)
    assert fast.first == first
    assert fast.ranks == tuple(r[: fast.top_ranks] for r in ranks)
    assert fast.top_ranks == min(3, len(among))


@FAST
@given(tables(), weights_st)
def test_batched_wsm_utilities_equal_score_table(table, w):
    from analysis.decision import score_table

    w = np.array(w[: len(table.objectives)])
    if not (w > 0).any():
        w[0] = 1.0
    for missing in ("exclude", "rescale"):
        expected = score_table(table, w, missing=missing).utilities
        got = Rescorer(table, w, missing=missing).utilities(None, w[None, :])[0]
        np.testing.assert_array_equal(got, expected)  # the same arithmetic, bit for bit


@FAST
@given(tables(min_rows=2, max_rows=9), weights_st, st.sampled_from(["wsm", "wsm-minmax", "topsis-minmax", "vikor"]))
def test_leave_one_out_equals_re_scoring_every_removal(table, w, method):
    w = np.array(w[: len(table.objectives)])
    if not (w > 0).any():
        w[0] = 1.0
    among = [c for i, c in enumerate(table.candidates) if i != 1]
    fast = compute_leave_one_out(table, w, method=method, among=among)
    assert fast.changes == naive_leave_one_out(table, w, method=method, among=among)


@FAST
@given(
    arrays(
        np.float64, st.tuples(st.integers(1, 4), st.integers(1, 9)), elements=st.integers(0, 5).map(lambda x: x / 5)
    ),
    st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=4, max_size=4),
)
def test_group_rules_by_sorting_equal_the_tensor_definitions(u, infl):
    infl = np.array(infl[: u.shape[0]])
    fast, slow = _rule_scores(u, infl), naive_rule_scores(u, infl)
    for r in RULES:
        np.testing.assert_array_equal(fast[r][0], slow[r][0])
    names = [f"c{i}" for i in range(u.shape[1])]
    name_rank = np.arange(u.shape[1])
    for r in RULES:
        g = compute_group_decision(names, [f"p{s}" for s in range(u.shape[0])], u, influence=infl, rule=r)
        assert names[rule_winner(u, infl, r, name_rank)] == g.winner  # Copeland from the possible winners only


def _profiles(draw, k):
    out = []
    for s in range(draw(st.integers(1, 3))):
        w = {f"o{j}": float(draw(st.integers(0, 3))) for j in range(k)}
        if not any(w.values()):
            w["o0"] = 1.0
        infl = draw(st.sampled_from([0.5, 1.0, 2.0]))
        missing = draw(st.sampled_from(["exclude", "rescale"]))
        out.append(make_profile(f"p{s}", w, influence=infl, missing=missing))
    return out


@FAST
@given(st.data(), tables(min_rows=2, max_rows=8), st.sampled_from(RULES), st.sampled_from(["wsm", "wsm-minmax"]))
def test_group_leave_one_out_and_smaa_equal_re_deciding_everything(data, table, rule, method):
    profiles = _profiles(data.draw, len(table.objectives))
    from analysis.decision._group_sensitivity import _utilities

    u = _utilities(table, profiles, method=method, bounds=None, perf=None)
    considered = [i % 4 != 3 for i in range(table.n_candidates)]
    g = compute_group_decision(
        table.candidates,
        [p.name for p in profiles],
        u,
        influence=[p.influence for p in profiles],
        considered=considered,
        rule=rule,
    )
    if g.winner is None:
        return
    kw = {"rule": rule, "method": method, "bounds": None, "perf": None}
    assert group_leave_one_out(table, profiles, g, g.winner, **kw) == naive_group_leave_one_out(
        table, profiles, g, g.winner, **kw
    )
    draws = {"n_samples": 15, "concentration": 50.0, "value_noise": "normal"}
    fast = compute_group_sensitivity(
        table, profiles, g, g.winner, [], pool_free=False, random_state=np.random.default_rng(1), **kw, **draws
    )
    slow = naive_group_win_share(table, profiles, g, random_state=np.random.default_rng(1), **kw, **draws)
    assert dict(fast.win_share) == slow


def test_record_stores_top_rank_acceptabilities_not_n_by_n():
    rng = np.random.default_rng(0)
    n = 40
    rows = {
        f"m{i:02d}": {
            "roc_auc": float(rng.uniform(0.6, 0.9)),
            "log_loss": float(rng.uniform(0.3, 0.6)),
            "latency_ms_p99": float(rng.uniform(5, 90)),
        }
        for i in range(n)
    }
    import pandas as pd

    frame = pd.DataFrame([{"candidate": c, **v} for c, v in rows.items()])
    sc = scorecard_from_metrics_table(frame, directions={}, source="test table")
    profiles = [
        make_profile("quality", {"roc_auc": 3, "log_loss": 1}),
        make_profile("speed", {"latency_ms_p99": 3, "roc_auc": 1}),
    ]
    record = decision_to_dict(build_decision(sc, profiles, n_samples=60, group_samples=10, random_state=0))
    for p in record["profiles"]:
        acc = p["sensitivity"]["rank_acceptability"]
        assert acc["top_ranks"] == DEFAULT_TOP_RANKS
        assert len(acc["first"]) == n
        assert all(len(r) == DEFAULT_TOP_RANKS for r in acc["ranks"].values())
        stored = sum(len(r) for r in acc["ranks"].values())
        assert stored <= n * DEFAULT_TOP_RANKS < n * n
        # every stored row has some share among the top ranks; every rank column sums to 1
        assert all(any(r) for r in acc["ranks"].values())
        sums = np.array(list(acc["ranks"].values())).sum(axis=0)
        np.testing.assert_allclose(sums, 1.0)
    json.dumps(record)
