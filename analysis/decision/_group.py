"""Group decision rules: one choice from several stakeholders' utilities, side by side.

Input: ``U[s, i]``, stakeholder ``s``'s utility for candidate ``i`` (higher is better, in that
stakeholder's own units: with the default fixed-bounds weighted sum, the share of the way from
"worst acceptable" to "ideal"). Rules, over the *considered* candidates only (the group-feasible
ones when any exist):

* ``utilitarian`` — maximise the influence-weighted mean utility.
* ``borda`` — each stakeholder gives a candidate one point per considered candidate it beats
  (half a point per candidate it neither beats nor loses to), i.e. ``n - rank``; points are
  weighted by influence. Computed with one sort per stakeholder.
* ``copeland`` — ``i`` beats ``k`` when the influence-weighted number of stakeholders preferring
  ``i`` exceeds that preferring ``k``; score = wins - losses. A candidate beating every other is
  the Condorcet winner (reported when it exists). Pairwise majorities are counted in chunks of
  candidates (``O(p n²)`` work once, bounded memory); re-deciding under resampling only scores the
  candidates that can win (see :func:`rule_winner`).
* ``minimax-regret`` (default) — ``regret_s(i) = max_k U_s(k) - U_s(i)``; choose the candidate
  whose largest regret over stakeholders is smallest: nobody loses much against their own
  favourite. Unweighted (influence does not apply).
* ``maximin`` (egalitarian) — choose the candidate whose smallest utility is largest. Unweighted.

Ties under a rule are all listed in ``winners``; the reported ``winner`` breaks them by the
utilitarian score, then by name. When the rules' winners differ, ``disagree`` is True: show the
rules side by side, since each is defensible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis._errors import InputError

GROUP_RULES: tuple[str, ...] = ("utilitarian", "borda", "copeland", "minimax-regret", "maximin")
DEFAULT_RULE = "minimax-regret"
_RULE_TEXT = {
    "utilitarian": "largest influence-weighted mean utility",
    "borda": "most Borda points (one per candidate beaten in each stakeholder's ranking)",
    "copeland": "most pairwise majority wins minus losses",
    "minimax-regret": "smallest largest regret (no stakeholder loses much against their own favourite)",
    "maximin": "largest smallest utility (the worst-off stakeholder is as well off as possible)",
}
_TOL = 1e-12


@dataclass(frozen=True)
class RuleResult:
    """One group rule's verdict.

    ``scores`` follow :attr:`GroupResult.candidates`; for ``minimax-regret`` lower is better
    (``higher_is_better`` False).
    """

    rule: str
    description: str
    scores: tuple[float, ...]
    higher_is_better: bool
    winners: tuple[str, ...]
    winner: str | None
    order: tuple[str, ...]


@dataclass(frozen=True)
class GroupResult:
    """Every group rule over the considered candidates, and the regret table.

    Attributes
    ----------
    profiles : tuple of str
        Stakeholders taking part (rows of ``utilities`` and ``regret``).
    candidates : tuple of str
        The considered candidates (columns).
    basis : str
        Why these candidates: ``"group-feasible"`` or ``"all (no candidate satisfies every
        profile)"``.
    utilities, regret : tuple of tuple of float
        ``[profile][candidate]``; regret = the profile's best considered utility minus this one.
    rules : tuple of RuleResult
        Every rule, in :data:`GROUP_RULES` order.
    rule : str
        The chosen rule.
    winner : str or None
        The chosen rule's winner.
    disagree : bool
        Whether the rules' winners differ.
    condorcet_winner : str or None
    warnings : tuple of str
    """

    profiles: tuple[str, ...]
    candidates: tuple[str, ...]
    basis: str
    utilities: tuple[tuple[float, ...], ...]
    regret: tuple[tuple[float, ...], ...]
    rules: tuple[RuleResult, ...]
    rule: str
    winner: str | None
    disagree: bool
    condorcet_winner: str | None
    warnings: tuple[str, ...]

    def rule_result(self, rule: str) -> RuleResult:
        """The result of ``rule``."""
        for r in self.rules:
            if r.rule == rule:
                return r
        raise KeyError(rule)

    @property
    def winners_by_rule(self) -> dict[str, str | None]:
        """``{rule: winner}``."""
        return {r.rule: r.winner for r in self.rules}


def check_rule(rule: str) -> str:
    """Validate a rule name (InputError listing the choices)."""
    if rule not in GROUP_RULES:
        raise InputError(f"unknown group rule {rule!r}; use one of {', '.join(GROUP_RULES)}.", source="rule")
    return rule


def _counts(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per stakeholder and candidate: how many candidates it beats and loses to (by more than the tolerance).

    One sort per stakeholder (``O(p n log n)``): ``s`` sorted, ``i`` beats ``k`` when
    ``u_i > u_k + tol``, i.e. ``u_i`` exceeds the ``(s + tol)`` entries to its left; it loses to
    ``k`` when ``u_k > u_i + tol``.
    """
    p, n = u.shape
    better = np.empty((p, n), dtype=np.int64)
    worse = np.empty((p, n), dtype=np.int64)
    for s in range(p):
        srt = np.sort(u[s])
        better[s] = np.searchsorted(srt + _TOL, u[s], side="left")
        worse[s] = n - np.searchsorted(srt, u[s] + _TOL, side="right")
    return better, worse


def _copeland_rows(u: np.ndarray, infl: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-majority wins and losses of the candidates ``rows`` against every candidate.

    ``votes[i, k]`` is the influence-weighted number of stakeholders preferring ``i`` to ``k``;
    ``i`` beats ``k`` when ``votes[i, k] > votes[k, i] + tol``. Computed ``chunk x n`` at a time, so
    memory stays bounded; ``O(p * len(rows) * n)`` work.
    """
    p, n = u.shape
    if 0 < p <= 8:
        return _copeland_rows_by_pattern(u, infl, rows)
    wins = np.zeros(len(rows), dtype=np.int64)
    losses = np.zeros(len(rows), dtype=np.int64)
    step = max(1, 2_000_000 // max(1, n))
    for a in range(0, len(rows), step):
        part = rows[a : a + step]
        fwd = np.zeros((len(part), n))
        bwd = np.zeros((len(part), n))
        for s in range(p):
            ui = u[s, part][:, None]
            uk = u[s][None, :]
            fwd += infl[s] * (ui > uk + _TOL)
            bwd += infl[s] * (uk > ui + _TOL)
        wins[a : a + step] = (fwd > bwd + _TOL).sum(axis=1)
        losses[a : a + step] = (bwd > fwd + _TOL).sum(axis=1)
    return wins, losses


def _copeland_rows_by_pattern(u: np.ndarray, infl: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_copeland_rows` for up to 8 stakeholders, from who-prefers-whom bit patterns.

    ``votes[i, k]`` only depends on which stakeholders prefer ``i`` to ``k`` (a bit pattern ``f``)
    and which prefer ``k`` to ``i`` (``b``): it is ``T[f]``, the influences of the set bits added
    in stakeholder order from 0.0, the very additions :func:`_copeland_rows` makes (adding
    ``infl[s] * 0.0`` leaves a sum unchanged). So "``i`` beats ``k``" is a lookup
    ``T[f] > T[b] + tol`` in a table over the ``4**p`` pattern pairs, computed once; per pair of
    candidates only one byte per stakeholder is compared and combined.
    """
    p, n = u.shape
    t = np.zeros(1 << p)
    for m in range(1 << p):
        acc = 0.0
        for s in range(p):
            acc += float(infl[s]) * float((m >> s) & 1)
        t[m] = acc
    # index f | (b << p): i beats k when T[f] > T[b] + tol, loses when T[b] > T[f] + tol
    beats = (t[None, :] > t[:, None] + _TOL).astype(np.int8).ravel()  # [b, f] -> f + (b << p)
    loses = (t[:, None] > t[None, :] + _TOL).astype(np.int8).ravel()
    dt = np.uint16
    thr = u + _TOL
    wins = np.zeros(len(rows), dtype=np.int64)
    losses = np.zeros(len(rows), dtype=np.int64)
    step = max(1, 2_000_000 // max(1, n))
    for a in range(0, len(rows), step):
        part = rows[a : a + step]
        code = np.zeros((len(part), n), dtype=dt)
        for s in range(p):
            code |= (u[s, part][:, None] > thr[s][None, :]).astype(dt) << dt(s)
            code |= (u[s][None, :] > thr[s, part][:, None]).astype(dt) << dt(s + p)
        wins[a : a + step] = beats[code].sum(axis=1, dtype=np.int64)
        losses[a : a + step] = loses[code].sum(axis=1, dtype=np.int64)
    return wins, losses


def _rule_scores(u: np.ndarray, infl: np.ndarray, rules=GROUP_RULES) -> dict[str, tuple[np.ndarray, bool]]:
    """Every rule's score per candidate of ``u`` (``p x n``), without any ``n x n`` or ``p x n x n`` tensor.

    Borda from one sort per stakeholder; Copeland from pairwise majorities computed in chunks.
    """
    p, n = u.shape
    out: dict[str, tuple[np.ndarray, bool]] = {}
    wmean = (infl[:, None] * u).sum(axis=0) / infl.sum()
    out["utilitarian"] = (wmean, True)
    if "borda" in rules:
        better, worse = _counts(u)
        neither = n - 1 - better - worse
        out["borda"] = ((infl[:, None] * (better + neither / 2)).sum(axis=0), True)
    if "copeland" in rules:
        wins, losses = _copeland_rows(u, infl, np.arange(n))
        out["copeland"] = ((wins - losses).astype(float), True)
        out["_wins"] = (wins, True)
    regret = u.max(axis=1, keepdims=True) - u
    out["minimax-regret"] = (regret.max(axis=0), False)
    out["maximin"] = (u.min(axis=0), True)
    return out


def naive_rule_scores(u: np.ndarray, infl: np.ndarray) -> dict[str, tuple[np.ndarray, bool]]:
    """Reference for tests and benchmarks: the rules from ``p x n x n`` comparison tensors."""
    u = np.asarray(u, dtype=float)
    infl = np.asarray(infl, dtype=float)
    wmean = (infl[:, None] * u).sum(axis=0) / infl.sum()
    prefer = u[:, :, None] > u[:, None, :] + _TOL  # [s, i, k]: s prefers i to k
    better = prefer.sum(axis=2)
    worse = prefer.sum(axis=1)
    neither = u.shape[1] - 1 - better - worse
    borda = (infl[:, None] * (better + neither / 2)).sum(axis=0)
    votes = (infl[:, None, None] * prefer.astype(float)).sum(axis=0)
    wins = (votes > votes.T + _TOL).sum(axis=1)
    losses = (votes.T > votes + _TOL).sum(axis=1)
    regret = u.max(axis=1, keepdims=True) - u
    return {
        "utilitarian": (wmean, True),
        "borda": (borda, True),
        "copeland": ((wins - losses).astype(float), True),
        "minimax-regret": (regret.max(axis=0), False),
        "maximin": (u.min(axis=0), True),
    }


def _first(key: np.ndarray, wmean: np.ndarray, name_rank: np.ndarray) -> int:
    """Index of the first of ``lexsort((name_rank, -wmean, key))`` without sorting."""
    cand = np.flatnonzero(key == key.min())
    if len(cand) > 1:
        w = -wmean[cand]
        cand = cand[w == w.min()]
    if len(cand) > 1:
        cand = cand[np.argmin(name_rank[cand])]
        return int(cand)
    return int(cand[0])


def rule_winner(u: np.ndarray, infl: np.ndarray, rule: str, name_rank: np.ndarray) -> int | None:
    """Column of ``u`` (``p x n``, the considered candidates) that ``rule`` picks, ties broken as usual.

    The same scores and tie-breaks as :func:`compute_group_decision`, for one rule only. Copeland
    is computed only for the candidates that can win: ``j`` cannot be first when some ``i`` is
    at least as good for every stakeholder, has at least the same utilitarian mean and an earlier
    name (one of them strictly), because then ``i`` beats every candidate ``j`` beats, loses only
    to candidates that also beat ``j``, and ``j`` does not beat ``i``; so ``copeland_i >=
    copeland_j`` and ``i`` comes first on each tie-break. The remaining candidates are the
    non-dominated ones of (utilities, mean, name), found with the fast non-dominated filter.
    """
    p, n = u.shape
    if p == 0 or n == 0:
        return None
    wmean = (infl[:, None] * u).sum(axis=0) / infl.sum()
    if rule == "copeland":
        from analysis.decision._pareto import compute_nondominated

        costs = np.column_stack([-u.T, -wmean, name_rank.astype(float)])
        rows = np.flatnonzero(compute_nondominated(costs)[0])
        wins, losses = _copeland_rows(u, infl, rows)
        key = np.full(n, np.inf)
        key[rows] = -(wins - losses).astype(float)
        return _first(key, wmean, name_rank)
    s, higher = _rule_scores(u, infl, rules=(rule,))[rule]
    return _first(-s if higher else s, wmean, name_rank)


def compute_group_decision(
    candidates: Sequence[str],
    profiles: Sequence[str],
    utilities,
    *,
    influence: Sequence[float] | None = None,
    considered: Sequence[bool] | None = None,
    rule: str = DEFAULT_RULE,
    basis: str = "given",
) -> GroupResult:
    """Apply every group rule to a profiles x candidates utility matrix.

    Parameters
    ----------
    candidates : sequence of str
        Column labels of ``utilities``.
    profiles : sequence of str
        Row labels of ``utilities``.
    utilities : array-like of shape (n_profiles, n_candidates)
        Higher is better; NaN marks a candidate a profile could not score (such candidates are
        left out, with a warning).
    influence : sequence of float, optional
        Per-profile influence (default 1 each).
    considered : sequence of bool, optional
        Which candidates the rules may choose (default all).
    rule : str
        The rule whose winner is reported as ``winner``.
    basis : str
        Recorded in the result (why these candidates are considered).

    Returns
    -------
    GroupResult

    Examples
    --------
    >>> g = compute_group_decision(["a", "b", "c"], ["p", "q"], [[1.0, 0.6, 0.0], [0.0, 0.6, 1.0]])
    >>> g.winners_by_rule["utilitarian"], g.winner
    ('b', 'b')
    """
    check_rule(rule)
    u = np.asarray(utilities, dtype=float)
    cands = list(candidates)
    if u.shape != (len(profiles), len(cands)):
        raise InputError(f"utilities have shape {u.shape}, expected ({len(profiles)}, {len(cands)}).")
    infl = np.ones(len(profiles)) if influence is None else np.asarray(influence, dtype=float)
    mask = np.ones(len(cands), dtype=bool) if considered is None else np.asarray(considered, dtype=bool)
    warnings: list[str] = []
    if u.size:
        unscored = mask & np.isnan(u).any(axis=0)
        if unscored.any():
            warnings.append(
                "left out of the group rules because some profile could not score them: "
                + ", ".join(cands[i] for i in np.flatnonzero(unscored))
                + "."
            )
            mask &= ~unscored
    idx = np.flatnonzero(mask)
    names = tuple(cands[i] for i in idx)
    uu = u[:, idx] if len(profiles) else np.zeros((0, len(idx)))
    if len(profiles) == 0 or len(idx) == 0:
        warnings.append("no stakeholder utilities or no candidate to choose from; no group winner.")
        rules = tuple(RuleResult(r, _RULE_TEXT[r], (), r != "minimax-regret", (), None, ()) for r in GROUP_RULES)
        return GroupResult(tuple(profiles), names, basis, (), (), rules, rule, None, False, None, tuple(warnings))
    scores = _rule_scores(uu, infl)
    util_mean = scores["utilitarian"][0]
    name_rank = np.argsort(np.argsort(np.array(names, dtype=object)))
    results = []
    for r in GROUP_RULES:
        s, higher = scores[r]
        key = -s if higher else s
        order = np.lexsort((name_rank, -util_mean, key))
        best = key.min()
        winners = tuple(names[i] for i in np.flatnonzero(key <= best + _TOL))
        results.append(
            RuleResult(
                r,
                _RULE_TEXT[r],
                tuple(float(x) for x in s),
                higher,
                tuple(sorted(winners)),
                names[order[0]],
                tuple(names[i] for i in order),
            )
        )
    regret = uu.max(axis=1, keepdims=True) - uu
    cw = [names[i] for i in np.flatnonzero(scores["_wins"][0] == len(names) - 1)]
    chosen = next(x for x in results if x.rule == rule)
    winners = {x.winner for x in results}
    return GroupResult(
        profiles=tuple(profiles),
        candidates=names,
        basis=basis,
        utilities=tuple(tuple(float(x) for x in row) for row in uu),
        regret=tuple(tuple(float(x) for x in row) for row in regret),
        rules=tuple(results),
        rule=rule,
        winner=chosen.winner,
        disagree=len(winners) > 1,
        condorcet_winner=cw[0] if len(cw) == 1 else None,
        warnings=tuple(warnings),
    )
