"""How firmly the group rule picks its winner: resampled weights and values, leave-one-out, ties.

The group-level counterpart of :mod:`analysis.decision._sensitivity` (which does the same for one
profile): every taking-part profile's weights are resampled around its own and every value within
its confidence interval (SMAA), and the chosen rule is re-run on each draw; each other candidate is
removed in turn; statistical ties with the winner come from the paired comparisons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis._errors import InputError
from analysis.decision._group import GroupResult, compute_group_decision
from analysis.decision._inputs import merged_bounds, scoring_inputs
from analysis.decision._profiles import StakeholderProfile
from analysis.decision._scoring import score_table
from analysis.decision._sensitivity import TIES_RULE, LeaveOneOut, compute_ties, sample_values, sample_weights
from analysis.decision._table import DecisionTable


@dataclass(frozen=True)
class GroupSensitivity:
    """How firmly the group rule picks its winner.

    ``win_share`` is the share of ``n_samples`` draws (every profile's weights resampled around
    its own, and values within their confidence intervals, as in SMAA) in which each considered
    candidate wins under the chosen rule.
    """

    winner: str | None
    win_share: tuple[tuple[str, float], ...]
    n_samples: int
    leave_one_out: LeaveOneOut
    ties: tuple[str, ...]
    undetermined: tuple[str, ...]
    ties_rule: str
    warnings: tuple[str, ...]


def _utilities(
    table: DecisionTable,
    profiles: Sequence[StakeholderProfile],
    *,
    method: str,
    bounds,
    perf,
    weights: Sequence[dict[str, float]] | None = None,
) -> np.ndarray:
    rows = []
    for k, p in enumerate(profiles):
        _, _, cols, w = scoring_inputs(table, p, method, perf)
        if weights is not None:
            w = weights[k]
        sub = table.select(cols)
        rows.append(
            score_table(
                sub,
                w,
                method=method,
                bounds=merged_bounds(sub, p, bounds),
                perf=perf,
                missing=p.missing,
                min_weight_share=p.min_weight_share,
            ).utilities
        )
    return np.array(rows).reshape(len(profiles), table.n_candidates)


def _group_winner(
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
    u = _utilities(table, profiles, method=method, bounds=bounds, perf=perf, weights=weights)
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


def compute_group_sensitivity(
    table: DecisionTable,
    profiles: Sequence[StakeholderProfile],
    group: GroupResult,
    chosen: str | None,
    objectives: Sequence[str],
    *,
    rule: str,
    method: str,
    bounds: Mapping[str, tuple[float, float]] | None,
    perf: str | None,
    pool_free: bool,
    n_samples: int,
    concentration: float,
    value_noise: str,
    random_state: np.random.Generator,
) -> GroupSensitivity:
    """Win shares over resampled draws, leave-one-out and ties for the group's ``chosen`` candidate.

    ``profiles`` are the taking-part profiles (already resolved); ``objectives`` the union they
    weigh (for ties); ``pool_free`` whether every weighted objective has fixed bounds (so a removal
    cannot change any other utility).
    """
    rprofiles, group_samples, rng = list(profiles), n_samples, random_state
    share: dict[str, float] = {c: 0.0 for c in group.candidates}
    if group_samples > 0 and chosen is not None and rprofiles:
        base = []
        for p in rprofiles:
            _, _, cols, w = scoring_inputs(table, p, method, perf)
            base.append((cols, np.array([w[c] for c in cols]) / sum(w.values())))
        for _ in range(group_samples):
            vd = table.with_values(sample_values(table, rng, value_noise))
            wd = [dict(zip(cols, sample_weights(w0, rng, concentration), strict=True)) for cols, w0 in base]
            win = _group_winner(
                vd,
                rprofiles,
                group.candidates,
                rule=rule,
                method=method,
                bounds=bounds,
                perf=perf,
                weights=wd,
            )
            if win in share:
                share[win] += 1.0 / group_samples
    changes = []
    if chosen is not None and rprofiles:
        for c in table.candidates:
            if c == chosen:
                continue
            t2 = table.drop(c)
            try:
                rest = [x for x in group.candidates if x != c]
                w2 = _group_winner(t2, rprofiles, rest, rule=rule, method=method, bounds=bounds, perf=perf)
            except InputError:
                w2 = None
            if w2 != chosen:
                changes.append((c, w2))
    loo_note = (
        "fixed bounds for every weighted objective: removing a candidate cannot change any utility of the others."
        if pool_free
        else f"{method} (or a bound fallback) normalises with the candidate pool, so removals can change the winner."
    )
    loo = LeaveOneOut(chosen, tuple(changes), pool_free, loo_note)
    gwarn = []
    if changes:
        gwarn.append(
            "removing another candidate changes the group winner: "
            + "; ".join(f"without {c} it is {w}" for c, w in changes)
            + "."
        )
    union = list(objectives)
    ties: tuple[str, ...] = ()
    undet: tuple[str, ...] = ()
    if chosen is not None and union:
        ties, undet = compute_ties(table, chosen, union, among=group.candidates)
        if ties:
            gwarn.append(f"{', '.join(ties)} is/are statistically tied with the chosen {chosen}.")
    return GroupSensitivity(
        winner=chosen,
        win_share=tuple((c, float(share[c])) for c in group.candidates),
        n_samples=int(group_samples) if chosen is not None else 0,
        leave_one_out=loo,
        ties=ties,
        undetermined=undet,
        ties_rule=TIES_RULE,
        warnings=tuple(gwarn),
    )
