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
from analysis.decision._group import _TOL, GroupResult, _copeland_rows, _counts, rule_winner
from analysis.decision._inputs import merged_bounds, scoring_inputs
from analysis.decision._profiles import StakeholderProfile
from analysis.decision._rescoring import Rescorer
from analysis.decision._scoring import name_ranks
from analysis.decision._sensitivity import (
    TIES_RULE,
    LeaveOneOut,
    ValueDraws,
    compute_ties,
    sample_weights,
)
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
    for k, (_, _, sc) in enumerate(_rescorers(table, profiles, method=method, bounds=bounds, perf=perf)):
        w = sc.raw_w if weights is None else np.array([weights[k][c] for c in sc.table.objective_names])
        rows.append(sc.utilities(None, w[None, :])[0])
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
    """The chosen rule's winner on ``table`` (every profile re-scored): what :func:`compute_group_decision` picks."""
    u = _utilities(table, profiles, method=method, bounds=bounds, perf=perf, weights=weights)
    infl = np.array([p.influence for p in profiles], dtype=float)
    return _winners(u[None], _mask(table, considered), infl, rule, table.candidates)[0]


def _rescorers(table, profiles, *, method, bounds, perf):
    """Per profile: its columns in ``table``, its base weights (summing to 1) and a :class:`Rescorer`."""
    out = []
    for p in profiles:
        _, _, cols, w = scoring_inputs(table, p, method, perf)
        sub = table.select(cols)
        scorer = Rescorer(
            sub,
            w,
            method=method,
            bounds=merged_bounds(sub, p, bounds),
            perf=perf,
            missing=p.missing,
            min_weight_share=p.min_weight_share,
        )
        w0 = np.array([w[c] for c in cols]) / sum(w.values())
        out.append((np.array([table.column(c) for c in cols], dtype=int), w0, scorer))
    return out


def _winners(u: np.ndarray, allowed: np.ndarray, infl: np.ndarray, rule: str, names) -> list[str | None]:
    """The rule's winner for each draw of ``u`` (``draws x p x n``), as :func:`compute_group_decision` picks it."""
    name_rank = np.argsort(np.argsort(np.array(names, dtype=object)))
    out: list[str | None] = []
    for ud in u:
        idx = np.flatnonzero(allowed & ~np.isnan(ud).any(axis=0))
        if not len(idx):
            out.append(None)
            continue
        k = rule_winner(ud[:, idx], infl, rule, name_rank[idx])
        out.append(None if k is None else names[idx[k]])
    return out


def _mask(table: DecisionTable, names: Sequence[str]) -> np.ndarray:
    allowed = set(names)
    return np.array([c in allowed for c in table.candidates], dtype=bool)


def group_leave_one_out(
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
    """Removals of another candidate that change the group winner: ``(removed, new winner)`` pairs.

    Exact, re-deciding only the removals that can change the winner:

    * A removal that can change some profile's utilities of the others (min-max normalisation
      with the removed candidate holding a minimum or maximum, or a method whose normalisation
      reads every candidate; see :func:`~analysis.decision._rescoring.utility_changes_without`)
      is re-decided in full, as before.
    * Otherwise every remaining utility is unchanged. A candidate the rules did not consider
      leaves the considered set as it was: no change. Removing a considered one: utilitarian and
      maximin scores are per-candidate, so the winner (still present) stays first; minimax-regret
      changes only if the removed candidate is some profile's best (its regrets are measured from
      that best), and is then re-decided on the utilities without it; Borda and Copeland scores
      count pairwise comparisons with the removed candidate, so they are re-decided on the
      utilities without it (no re-scoring), by :class:`_RemovalWinner`: only the candidates whose
      score can still reach the top are re-counted.
    """
    parts = _rescorers(table, profiles, method=method, bounds=bounds, perf=perf)
    infl = np.array([p.influence for p in profiles], dtype=float)
    u = np.stack([sc.utilities(None, sc.raw_w[None, :])[0] for _, _, sc in parts])
    rescore = np.zeros(table.n_candidates, dtype=bool)
    for _, _, sc in parts:
        rescore |= sc.changes_without()
    allowed = _mask(table, group.candidates)
    live = allowed & ~np.isnan(u).any(axis=0)
    best_of = np.zeros(table.n_candidates, dtype=bool)
    if live.any():
        top = np.nanmax(np.where(live, u, np.nan), axis=1)
        best_of = live & (u == top[:, None]).any(axis=0)
    names = table.candidates
    fast = _RemovalWinner.make(u, live, infl, rule, names, group)
    out: list[tuple[str, str | None]] = []
    for i, c in enumerate(names):
        if c == chosen:
            continue
        if rescore[i]:
            try:
                rest = [x for x in group.candidates if x != c]
                new = _group_winner(table.drop(c), profiles, rest, rule=rule, method=method, bounds=bounds, perf=perf)
            except InputError:
                new = None
        elif not live[i] or rule in ("utilitarian", "maximin") or (rule == "minimax-regret" and not best_of[i]):
            continue
        elif fast is not None and fast.covers(i):
            new = fast.winner_without(i)
        else:
            keep = live.copy()
            keep[i] = False
            new = _winners(u[None], keep, infl, rule, names)[0]
        if new != chosen:
            out.append((c, new))
    return out


class _RemovalWinner:
    """The Borda or Copeland winner among the live candidates without one of them, re-counting only contenders.

    Exactly what :func:`_winners` returns for the live candidates minus ``i`` (same integer counts,
    same floating-point sums, same tie-breaks), without re-sorting or re-counting every candidate:

    * **Borda.** Removing ``i`` changes stakeholder ``s``'s points for ``j`` (``better + neither / 2``,
      half-integers, exact) by -1 when ``j`` beats ``i``, -1/2 when neither beats the other and 0 when
      ``i`` beats ``j``: never upwards. Rounding is monotone and influences are non-negative, so
      every new score is at most the old one. Candidates are visited by old score, best first;
      new scores are computed exactly (the counts adjusted by the comparisons with ``i``, then the
      same expression as :func:`~analysis.decision._group._rule_scores`) until the next old score
      is below the best new score found: nobody further down can reach it, not even as a tie.
    * **Copeland.** A pairwise majority between ``j`` and ``k`` does not depend on the other
      candidates, so removing ``i`` changes ``j``'s integer score ``wins - losses`` by
      ``-1`` (``j`` beat ``i``), ``+1`` (``i`` beat ``j``) or 0. With ``M`` the best old score among
      the others, the new best is at least ``M - 1`` and a candidate with an old score below
      ``M - 2`` ends at most at ``M - 2``; only the others are re-counted, against ``i`` alone, with
      :func:`~analysis.decision._group._copeland_rows`'s arithmetic.

    Ties are broken as :func:`~analysis.decision._group._first` does (utilitarian mean, then name).
    """

    def __init__(self, u, live, infl, rule, names, base_scores):
        self.idx = np.flatnonzero(live)
        self.ul = np.ascontiguousarray(u[:, self.idx])
        self.infl = infl
        self.rule = rule
        self.names = names
        self.pos = np.full(len(names), -1, dtype=np.int64)
        self.pos[self.idx] = np.arange(len(self.idx))
        self.wmean = (infl[:, None] * self.ul).sum(axis=0) / infl.sum()
        self.name_rank = name_ranks(names)[self.idx]
        n = len(self.idx)
        if rule == "borda":
            self.better, self.worse = _counts(self.ul)
            self.score = (infl[:, None] * (self.better + (n - 1 - self.better - self.worse) / 2)).sum(axis=0)
        else:
            self.score = base_scores
        self.by_score = np.argsort(-self.score, kind="stable")

    @classmethod
    def make(cls, u, live, infl, rule, names, group) -> _RemovalWinner | None:
        """The helper for ``rule`` (None when the straightforward way applies)."""
        if rule not in ("borda", "copeland") or live.sum() < 3 or not (infl >= 0).all() or not infl.sum() > 0:
            return None
        if rule == "copeland":
            live_names = tuple(names[i] for i in np.flatnonzero(live))
            ul = u[:, live]
            if live_names == tuple(group.candidates) and np.array_equal(ul, np.array(group.utilities, dtype=float)):
                sc = np.array(group.rule_result("copeland").scores, dtype=float)
            else:
                w, lo = _copeland_rows(ul, infl, np.arange(ul.shape[1]))
                sc = (w - lo).astype(float)
            return cls(u, live, infl, rule, names, sc)
        return cls(u, live, infl, rule, names, None)

    def covers(self, i: int) -> bool:
        """Whether ``i`` is a live candidate (the others are handled by the caller)."""
        return self.pos[i] >= 0

    def winner_without(self, i: int) -> str | None:
        """The rule's winner among the live candidates other than ``i`` (a table row)."""
        r = int(self.pos[i])
        order = self.by_score[self.by_score != r]
        if self.rule == "copeland":
            top = self.score[order[0]]
            cols = order[self.score[order] >= top - 2]
            new = self._copeland_new(cols, r)
        else:
            k = 8
            while True:
                cols = order[:k]
                new = self._borda_new(cols, r)
                if k >= len(order) or self.score[order[k]] < new.max():
                    break
                k *= 4
        best = cols[new == new.max()]
        if len(best) > 1:
            w = self.wmean[best]
            best = best[w == w.max()]
        if len(best) > 1:
            best = best[[int(np.argmin(self.name_rank[best]))]]
        return self.names[self.idx[int(best[0])]]

    def _borda_new(self, cols: np.ndarray, r: int) -> np.ndarray:
        ul, n = self.ul, self.ul.shape[1] - 1
        uc, ur = ul[:, cols], ul[:, r : r + 1]
        better = self.better[:, cols] - ((ur + _TOL) < uc)
        worse = self.worse[:, cols] - (ur > (uc + _TOL))
        neither = n - 1 - better - worse
        if len(cols) == 1:  # two columns, so the sum over stakeholders runs as it does for the full table
            x = np.repeat(better + neither / 2, 2, axis=1)
            return (self.infl[:, None] * x).sum(axis=0)[:1]
        return (self.infl[:, None] * (better + neither / 2)).sum(axis=0)

    def _copeland_new(self, cols: np.ndarray, r: int) -> np.ndarray:
        ul = self.ul
        fwd = np.zeros(len(cols))
        bwd = np.zeros(len(cols))
        for s in range(ul.shape[0]):
            uj = ul[s, cols]
            ui = ul[s, r]
            fwd += self.infl[s] * (uj > ui + _TOL)
            bwd += self.infl[s] * (ui > uj + _TOL)
        return self.score[cols] - (fwd > bwd + _TOL) + (bwd > fwd + _TOL)


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

    Resampling: each draw resamples the values (whole table) and then every profile's weights, in
    that order; the draws are re-scored in batches (:class:`~analysis.decision._rescoring.Rescorer`)
    and only the chosen rule is re-decided (:func:`~analysis.decision._group.rule_winner`).

    Leave-one-out re-decides only the removals that can change the winner (exact, see
    :func:`group_leave_one_out`).
    """
    rprofiles, group_samples, rng = list(profiles), n_samples, random_state
    share: dict[str, float] = {c: 0.0 for c in group.candidates}
    infl = np.array([p.influence for p in rprofiles], dtype=float)
    allowed = _mask(table, group.candidates)
    if group_samples > 0 and chosen is not None and rprofiles:
        parts = _rescorers(table, rprofiles, method=method, bounds=bounds, perf=perf)
        batch = int(max(1, min(256, 4_000_000 // max(1, table.values.size))))
        draws = ValueDraws(table, value_noise, min(batch, group_samples))
        done = 0
        while done < group_samples:
            size = min(batch, group_samples - done)
            wds = [np.empty((size, len(w0))) for _, w0, _ in parts]
            for s in range(size):
                draws.draw(rng, s)
                for k, (_, w0, _) in enumerate(parts):
                    wds[k][s] = sample_weights(w0, rng, concentration)
            vds = draws.values(size)
            done += size
            u = np.stack([sc.utilities(vds[:, :, cols], wds[k]) for k, (cols, _, sc) in enumerate(parts)], axis=1)
            for win in _winners(u, allowed, infl, rule, table.candidates):
                if win in share:
                    share[win] += 1.0 / group_samples
    changes = (
        group_leave_one_out(table, rprofiles, group, chosen, rule=rule, method=method, bounds=bounds, perf=perf)
        if chosen is not None and rprofiles
        else []
    )
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
