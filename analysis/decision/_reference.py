"""The straightforward sensitivity computations: references for tests and benchmarks, not the production path.

Each function here computes what a fast path in :mod:`analysis.decision._sensitivity` or
:mod:`analysis.decision._group_sensitivity` computes, the way it was first written: one
:func:`score_table` per draw or removal, every group rule from ``p x n x n`` tensors. The tests
(``tests/decision/test_decision_fast_sensitivity.py``) check the fast paths against them on small
random cases; ``bench/bench_cli_decision.py`` times both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from analysis._errors import InputError
from analysis.decision._group import GroupResult, compute_group_decision
from analysis.decision._inputs import merged_bounds, scoring_inputs
from analysis.decision._profiles import StakeholderProfile
from analysis.decision._scoring import check_weights, rank_utilities, score_table
from analysis.decision._sensitivity import (
    DEFAULT_CONCENTRATION,
    _allowed,
    _winner,
    sample_values,
    sample_weights,
)
from analysis.decision._table import DecisionTable


def naive_rank_acceptability(
    table: DecisionTable,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    *,
    method: str = "wsm",
    bounds: Mapping[str, tuple[float, float]] | None = None,
    perf: str | None = None,
    among: Sequence[str] | None = None,
    missing: str = "exclude",
    min_weight_share: float = 0.5,
    n_samples: int = 1000,
    concentration: float = DEFAULT_CONCENTRATION,
    value_noise: str = "normal",
    random_state: int | np.random.Generator | None = None,
) -> tuple[tuple[float, ...], tuple[tuple[float, ...], ...]]:
    """Reference for tests and benchmarks: one :func:`score_table` per draw; ``(first, ranks)`` with every rank."""
    rng = np.random.default_rng(random_state)
    w = check_weights(table, weights)
    idx = np.flatnonzero(_allowed(table, among))
    names = [table.candidates[i] for i in idx]
    k = len(idx)
    counts = np.zeros((k, k))
    first = np.zeros(k)
    for _ in range(n_samples):
        wd = sample_weights(w, rng, concentration)
        vd = sample_values(table, rng, value_noise)
        res = score_table(
            table.with_values(vd),
            wd,
            method=method,
            bounds=bounds,
            perf=perf,
            missing=missing,
            min_weight_share=min_weight_share,
        )
        u = res.utilities[idx]
        if k == 0 or np.isnan(u).all():
            continue
        ranks, order = rank_utilities(u, names)
        counts[order, np.arange(k)] += 1
        top = np.flatnonzero(ranks == 1)
        first[top] += 1.0 / len(top)
    return tuple((first / n_samples).tolist()), tuple(map(tuple, (counts / n_samples).tolist()))


def naive_leave_one_out(
    table: DecisionTable,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    *,
    method: str = "wsm",
    bounds: Mapping[str, tuple[float, float]] | None = None,
    perf: str | None = None,
    among: Sequence[str] | None = None,
    missing: str = "exclude",
    min_weight_share: float = 0.5,
) -> tuple[tuple[str, str | None], ...]:
    """Reference for tests and benchmarks: re-score every removal (``n`` calls of :func:`score_table`)."""
    w = check_weights(table, weights)
    res = score_table(
        table, w, method=method, bounds=bounds, perf=perf, missing=missing, min_weight_share=min_weight_share
    )
    winner = _winner(res.utilities, table.candidates, _allowed(table, among))
    if winner is None:
        return ()
    out: list[tuple[str, str | None]] = []
    for c in table.candidates:
        if c == winner:
            continue
        t2 = table.drop(c)
        try:
            r2 = score_table(
                t2, w, method=method, bounds=bounds, perf=perf, missing=missing, min_weight_share=min_weight_share
            )
        except InputError:
            out.append((c, None))
            continue
        new = _winner(r2.utilities, t2.candidates, _allowed(t2, among))
        if new != winner:
            out.append((c, new))
    return tuple(out)


def naive_group_winner(
    table: DecisionTable,
    profiles: Sequence[StakeholderProfile],
    considered: Sequence[str],
    *,
    rule: str,
    method: str,
    bounds,
    perf,
    weights=None,
) -> str | None:
    """Reference for tests and benchmarks: every profile through :func:`score_table`, every rule computed."""
    rows = []
    for k, p in enumerate(profiles):
        _, _, cols, w = scoring_inputs(table, p, method, perf)
        sub = table.select(cols)
        rows.append(
            score_table(
                sub,
                w if weights is None else weights[k],
                method=method,
                bounds=merged_bounds(sub, p, bounds),
                perf=perf,
                missing=p.missing,
                min_weight_share=p.min_weight_share,
            ).utilities
        )
    u = np.array(rows).reshape(len(profiles), table.n_candidates)
    allowed = set(considered)
    g = compute_group_decision(
        table.candidates,
        [p.name for p in profiles],
        u,
        influence=[p.influence for p in profiles],
        considered=[c in allowed for c in table.candidates],
        rule=rule,
    )
    return g.winner


def naive_group_leave_one_out(
    table: DecisionTable,
    profiles: Sequence[StakeholderProfile],
    group: GroupResult,
    chosen: str,
    *,
    rule: str,
    method: str,
    bounds,
    perf,
) -> list[tuple[str, str | None]]:
    """Reference for tests and benchmarks: re-score every profile and re-decide every removal."""
    out: list[tuple[str, str | None]] = []
    for c in table.candidates:
        if c == chosen:
            continue
        try:
            rest = [x for x in group.candidates if x != c]
            new = naive_group_winner(table.drop(c), profiles, rest, rule=rule, method=method, bounds=bounds, perf=perf)
        except InputError:
            new = None
        if new != chosen:
            out.append((c, new))
    return out


def naive_group_win_share(
    table: DecisionTable,
    profiles: Sequence[StakeholderProfile],
    group: GroupResult,
    *,
    rule: str,
    method: str,
    bounds,
    perf,
    n_samples: int,
    concentration: float,
    value_noise: str,
    random_state: np.random.Generator,
) -> dict[str, float]:
    """Reference for tests and benchmarks: every draw through :func:`score_table` and every group rule."""
    rng = random_state
    share = {c: 0.0 for c in group.candidates}
    base = []
    for p in profiles:
        _, _, cols, w = scoring_inputs(table, p, method, perf)
        base.append((cols, np.array([w[c] for c in cols]) / sum(w.values())))
    for _ in range(n_samples):
        vd = table.with_values(sample_values(table, rng, value_noise))
        wd = [dict(zip(cols, sample_weights(w0, rng, concentration), strict=True)) for cols, w0 in base]
        win = naive_group_winner(
            vd, profiles, group.candidates, rule=rule, method=method, bounds=bounds, perf=perf, weights=wd
        )
        if win in share:
            share[win] += 1.0 / n_samples
    return share
