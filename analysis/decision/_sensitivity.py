"""Sensitivity: how firmly the data and the weights pick the winner.

Four checks, all about the winner among a set of allowed (feasible) candidates:

* **Weight stability interval** (exact, for additive methods: ``score_i = sum_j w_j x_ij``).
  Weight ``k`` moves to ``t`` in [0, 1] while the other weights are rescaled proportionally,
  ``w_j(t) = w_j (1 - t) / (1 - w_k)``. Each score is then linear in ``t``:
  ``S_i(t) = R_i + t (x_ik - R_i)`` with ``R_i = sum_{j != k} w_j x_ij / (1 - w_k)``. The winner
  ``a`` stays first against rival ``b`` up to ``t_b = -(R_a - R_b) / ((x_ak - R_a) - (x_bk - R_b))``
  (a lower bound when the denominator is positive, an upper bound when negative); the interval
  is the intersection over rivals, clipped to [0, 1], and the rival binding at each end is who
  takes over beyond it (O'Shea et al., Expert Systems with Applications 296, 2026,
  doi:10.1016/j.eswa.2025.128460). Not defined for an objective holding all the weight (nothing
  to rescale) or for TOPSIS/VIKOR, whose scores are not linear in the weights.
* **Rank acceptability** (SMAA, Lahdelma & Salminen 2001): ``n_samples`` draws in which the
  weights are sampled from ``Dirichlet(concentration * w)`` around the chosen weights ``w`` (mean
  ``w``, standard deviation ``sqrt(w (1 - w) / (concentration + 1))``: about 0.07 for w = 0.5 with
  the default concentration 50; zero weights stay zero) and every value with a confidence
  interval is resampled — ``"normal"``: normal around the value with sd = (hi - lo) / 3.92 (a 95 %
  interval), ``"uniform"``: uniform in [lo, hi], ``"none"``: fixed. Each draw re-scores the whole
  table with the same method and ranks the allowed candidates; the result is the share of draws
  in which each candidate takes each rank (a tie for first splits the credit). Feasibility is not
  re-evaluated per draw. Seeded by ``random_state``.
* **Leave one out**: remove each other candidate in turn (allowed or not) and re-score; report
  every removal that changes the winner. With fixed bounds (``wsm`` with every weighted objective
  bounded) this can never happen — the normalisation does not look at the other candidates — so
  any change flags a pool-dependent normalisation (the Dynascore/min-max trap). Exact and cheap:
  a removal that leaves every other utility unchanged cannot change the best of the rest, so only
  the removals that can move a utility are re-scored (none with fixed bounds; the holders of a
  weighted objective's minimum or maximum under min-max normalisation; all of them for methods
  whose normalisation reads every candidate), see
  :func:`~analysis.decision._rescoring.utility_changes_without`.
* **Statistical ties**: a candidate is *tied* with the winner when, on every weighted objective,
  their difference is not significant: the scorecard's paired-bootstrap comparison
  (``Scorecard.comparisons``) between the two when one of them is that objective's best
  candidate, otherwise overlapping confidence intervals. If some objective has neither, the
  candidate is *undetermined* (reported separately, not as a tie).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis._errors import InputError
from analysis.decision._rescoring import Rescorer, utility_changes_without
from analysis.decision._scoring import ADDITIVE_METHODS, check_weights, rank_utilities, score_table
from analysis.decision._table import DecisionTable

DEFAULT_CONCENTRATION = 50.0
#: Rank acceptabilities are kept for ranks 1..DEFAULT_TOP_RANKS (first-rank shares for everyone).
DEFAULT_TOP_RANKS = 10
VALUE_NOISE: tuple[str, ...] = ("normal", "uniform", "none")
TIES_RULE = (
    "tied = on every weighted objective the difference from the winner is not significant (the "
    "scorecard's paired-bootstrap comparison when one of the two is that objective's best, else "
    "overlapping confidence intervals); undetermined = no uncertainty information for some objective."
)


@dataclass(frozen=True)
class WeightInterval:
    """How far one weight can move (others rescaled proportionally) before the winner changes.

    ``low``/``high`` bound the weight itself (in [0, 1]); ``below``/``above`` name who takes over
    beyond each end (None when the end is 0 or 1 and nobody does). ``low``/``high`` are None when
    the interval is not defined (see ``note``).
    """

    objective: str
    weight: float
    low: float | None
    high: float | None
    below: str | None
    above: str | None
    note: str = ""


@dataclass(frozen=True)
class WeightStability:
    """Stability intervals of every weight for one winner."""

    winner: str
    intervals: tuple[WeightInterval, ...]

    def interval(self, objective: str) -> WeightInterval:
        """The interval of ``objective``."""
        for i in self.intervals:
            if i.objective == objective:
                return i
        raise KeyError(objective)


@dataclass(frozen=True)
class RankAcceptability:
    """SMAA rank acceptability: ``ranks[i][r]`` = share of draws where candidate i took rank r+1.

    Only ranks ``1..top_ranks`` are kept (``top_ranks`` columns; all of them up to
    :data:`DEFAULT_TOP_RANKS` candidates), so the record grows with ``n * top_ranks``, not
    ``n * n``. ``first`` is the share of draws in which each candidate is first (a tie for first
    splits the credit).
    """

    candidates: tuple[str, ...]
    first: tuple[float, ...]
    ranks: tuple[tuple[float, ...], ...]
    n_samples: int
    concentration: float
    value_noise: str
    top_ranks: int | None = None


@dataclass(frozen=True)
class LeaveOneOut:
    """Removals of another candidate that change the winner: ``(removed, new winner)`` pairs."""

    winner: str | None
    changes: tuple[tuple[str, str | None], ...]
    pool_independent: bool
    note: str


@dataclass(frozen=True)
class Sensitivity:
    """All sensitivity checks for one winner (see the module docstring)."""

    winner: str | None
    stability: WeightStability | None
    stability_note: str
    acceptability: RankAcceptability | None
    leave_one_out: LeaveOneOut
    ties: tuple[str, ...]
    undetermined: tuple[str, ...]
    ties_rule: str
    warnings: tuple[str, ...]


# ---- weight stability ---------------------------------------------------------------------------
def compute_weight_intervals(
    normalised,
    weights,
    candidates: Sequence[str],
    *,
    objectives: Sequence[str] | None = None,
    winner: str | None = None,
) -> WeightStability:
    """Exact stability interval of every weight for an additive score ``normalised @ weights``.

    Parameters
    ----------
    normalised : array-like of shape (n, m)
        Per-candidate normalised values (rows of the allowed candidates only).
    weights : array-like of shape (m,)
        Non-negative, summing to 1.
    candidates : sequence of str
        Row labels.
    objectives : sequence of str, optional
        Column labels (default ``objective_0``, ...).
    winner : str, optional
        Default: the best row (ties broken by name).

    Examples
    --------
    >>> s = compute_weight_intervals([[1.0, 0.0], [0.0, 1.0]], [0.6, 0.4], ["a", "b"])
    >>> s.winner, s.intervals[0].low, s.intervals[0].high, s.intervals[0].below
    ('a', 0.5, 1.0, 'b')
    """
    x = np.asarray(normalised, dtype=float)
    w = np.asarray(weights, dtype=float)
    names = list(candidates)
    n, m = x.shape
    labels = list(objectives) if objectives is not None else [f"objective_{k}" for k in range(m)]
    if winner is None:
        active = w > 0
        scores = np.where(np.isnan(x[:, active]).any(axis=1), np.nan, np.nan_to_num(x[:, active]) @ w[active])
        _, order = rank_utilities(scores, names)
        winner = names[order[0]]
    a = names.index(winner)
    out = []
    for k in range(m):
        wk = float(w[k])
        others = [j for j in range(m) if j != k and w[j] > 0]
        if 1.0 - wk <= 1e-15 or not others:
            out.append(
                WeightInterval(labels[k], wk, None, None, None, None, "holds all the weight: nothing to rescale")
            )
            continue
        rows = ~np.isnan(x[:, k]) & ~np.isnan(x[:, others]).any(axis=1)
        if not rows[a]:
            out.append(WeightInterval(labels[k], wk, None, None, None, None, "the winner has no value here"))
            continue
        r = (x[:, others] @ w[others]) / (1.0 - wk)
        slope = x[:, k] - r
        # every rival at once, with the per-rival arithmetic of the loop it replaces
        bs = np.flatnonzero(rows)
        bs = bs[bs != a]
        den = slope[a] - slope[bs]
        bs, den = bs[den != 0], den[den != 0]
        tb = -(r[a] - r[bs]) / den
        lower = den > 0
        lo, below = _binding_arrays(tb[lower], np.abs(den[lower]), bs[lower], names, 0.0, max)
        hi, above = _binding_arrays(tb[~lower], np.abs(den[~lower]), bs[~lower], names, 1.0, min)
        lo, hi = min(lo, wk), max(hi, wk)  # rounding at an exact tie must not exclude the current weight
        out.append(WeightInterval(labels[k], wk, lo, hi, below, above))
    return WeightStability(winner, tuple(out))


def _binding_arrays(tb, steep, rows, names, edge: float, pick) -> tuple[float, str | None]:
    """:func:`_binding` over arrays of bounds (``t_b``, steepness, row): only the rivals at the bound are listed."""
    inside = tb > edge + 1e-12 if pick is max else tb < edge - 1e-12
    if not inside.any():
        return edge, None
    t = float(tb[inside].max() if pick is max else tb[inside].min())
    at = np.flatnonzero(inside & (np.abs(tb - t) <= 1e-12))
    return _binding([(float(tb[i]), float(steep[i]), names[rows[i]]) for i in at], edge, pick)


def _binding(bounds: list[tuple[float, float, str]], edge: float, pick) -> tuple[float, str | None]:
    """The tightest bound inside [0, 1] and the rival that takes over beyond it.

    Several rivals can cross at the same point; the steepest one leads just beyond it.
    """
    inside = [b for b in bounds if (b[0] > edge + 1e-12 if pick is max else b[0] < edge - 1e-12)]
    if not inside:
        return edge, None
    t = pick(b[0] for b in inside)
    at = [b for b in inside if abs(b[0] - t) <= 1e-12]
    at.sort(key=lambda b: (-b[1], b[2]))
    return t, at[0][2]


def compute_weight_stability(
    table: DecisionTable,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    *,
    method: str = "wsm",
    bounds: Mapping[str, tuple[float, float]] | None = None,
    perf: str | None = None,
    among: Sequence[str] | None = None,
    missing: str = "exclude",
    min_weight_share: float = 0.5,
) -> WeightStability | None:
    """Stability interval of every weight for the winner of an additive method (None otherwise)."""
    if method not in ADDITIVE_METHODS:
        return None
    res = score_table(
        table, weights, method=method, bounds=bounds, perf=perf, missing=missing, min_weight_share=min_weight_share
    )
    if res.normalised is None:
        return None
    x = np.array(res.normalised, dtype=float)
    w = np.array(res.weights)
    if np.isnan(x[~np.isnan(np.array(res.scores))][:, w > 0]).any():
        return None  # weights renormalised per candidate over its available objectives (HELM, or rescale)
    allowed = _allowed(table, among)
    rows = [i for i in range(table.n_candidates) if allowed[i] and table.candidates[i] not in res.unscored]
    if not rows:
        return None
    return compute_weight_intervals(x[rows], w, [table.candidates[i] for i in rows], objectives=table.objective_names)


# ---- helpers ------------------------------------------------------------------------------------
def _allowed(table: DecisionTable, among: Sequence[str] | None) -> np.ndarray:
    if among is None:
        return np.ones(table.n_candidates, dtype=bool)
    s = set(among)
    return np.array([c in s for c in table.candidates], dtype=bool)


def _winner(utilities: np.ndarray, names: Sequence[str], allowed: np.ndarray) -> str | None:
    u = np.where(allowed, utilities, np.nan)
    if np.isnan(u).all():
        return None
    _, order = rank_utilities(u, names)
    return names[order[0]]


# ---- SMAA ---------------------------------------------------------------------------------------
def sample_values(table: DecisionTable, rng: np.random.Generator, value_noise: str) -> np.ndarray:
    """One draw of the values within their confidence intervals (see the module docstring)."""
    v = np.array(table.values, dtype=float)
    if value_noise == "none" or table.ci_low is None or table.ci_high is None:
        return v
    lo, hi = table.ci_low, table.ci_high
    ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(v) & (hi >= lo)
    if value_noise == "normal":
        sd = np.where(ok, (hi - lo) / 3.92, 0.0)
        v = np.where(ok, v + rng.standard_normal(v.shape) * sd, v)
    elif value_noise == "uniform":
        v = np.where(ok, np.where(ok, lo, 0) + rng.random(v.shape) * np.where(ok, hi - lo, 0), v)
    else:
        raise InputError(f"value_noise must be one of {', '.join(VALUE_NOISE)}, got {value_noise!r}.")
    return v


def value_sampler(table: DecisionTable, value_noise: str):
    """``rng -> values``: :func:`sample_values` with what does not change between draws computed once.

    The same random calls in the same order, so the same draws.
    """
    if value_noise not in VALUE_NOISE:
        raise InputError(f"value_noise must be one of {', '.join(VALUE_NOISE)}, got {value_noise!r}.")
    v = np.array(table.values, dtype=float)
    if value_noise == "none" or table.ci_low is None or table.ci_high is None:
        return lambda rng: v.copy()
    lo, hi = table.ci_low, table.ci_high
    ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(v) & (hi >= lo)
    if value_noise == "normal":
        sd = np.where(ok, (hi - lo) / 3.92, 0.0)
        return lambda rng: np.where(ok, v + rng.standard_normal(v.shape) * sd, v)
    base, span = np.where(ok, lo, 0), np.where(ok, hi - lo, 0)
    return lambda rng: np.where(ok, base + rng.random(v.shape) * span, v)


class ValueDraws:
    """:func:`value_sampler` for a batch of draws: the random numbers per draw, the arithmetic once.

    ``draw(rng, s)`` makes draw ``s``'s random call (the same call, so the same numbers, written
    into a buffer); ``values()`` then applies ``v + z * sd`` (or ``lo + z * (hi - lo)``) and the
    mask to the whole batch, the same elementwise operations :func:`value_sampler` applies per draw.
    """

    def __init__(self, table: DecisionTable, value_noise: str, size: int) -> None:
        if value_noise not in VALUE_NOISE:
            raise InputError(f"value_noise must be one of {', '.join(VALUE_NOISE)}, got {value_noise!r}.")
        v = np.array(table.values, dtype=float)
        self.v = v
        self.noise = "none" if table.ci_low is None or table.ci_high is None else value_noise
        self.z = np.empty((size,) + v.shape) if self.noise != "none" else None
        if self.noise != "none":
            lo, hi = table.ci_low, table.ci_high
            self.ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(v) & (hi >= lo)
            if self.noise == "normal":
                self.sd = np.where(self.ok, (hi - lo) / 3.92, 0.0)
            else:
                self.base, self.span = np.where(self.ok, lo, 0), np.where(self.ok, hi - lo, 0)

    def draw(self, rng: np.random.Generator, s: int) -> None:
        """Draw ``s``'s random numbers (none for ``"none"``)."""
        if self.noise == "normal":
            rng.standard_normal(out=self.z[s])
        elif self.noise == "uniform":
            rng.random(out=self.z[s])

    def values(self, size: int) -> np.ndarray:
        """The first ``size`` draws' values, ``(size, n, m)``."""
        if self.noise == "none":
            return np.broadcast_to(self.v, (size,) + self.v.shape).copy()
        z = self.z[:size]
        out = np.empty(z.shape)  # C order, as the per-draw buffer it replaces
        if self.noise == "normal":
            np.multiply(z, self.sd, out=out)
            np.add(self.v, out, out=out)  # v + z * sd
        else:
            np.multiply(z, self.span, out=out)
            np.add(self.base, out, out=out)  # lo + z * (hi - lo)
        np.copyto(out, self.v, where=~self.ok)  # np.where(ok, ..., v)
        return out


def sample_weights(w: np.ndarray, rng: np.random.Generator, concentration: float) -> np.ndarray:
    """One Dirichlet draw around ``w`` (zero weights stay zero)."""
    pos = w > 0
    out = np.zeros_like(w)
    if pos.sum() <= 1:
        out[pos] = 1.0
        return out
    out[pos] = rng.dirichlet(concentration * w[pos])
    return out


def compute_rank_acceptability(
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
    top_ranks: int = DEFAULT_TOP_RANKS,
) -> RankAcceptability:
    """SMAA rank acceptability of the allowed candidates (see the module docstring).

    The draws are made one at a time in the documented order (weights, then values), and scored
    in batches with one vectorised re-scoring (:class:`~analysis.decision._rescoring.Rescorer`);
    each draw's order comes from one ``lexsort`` over the batch. Only the acceptability of ranks
    ``1..top_ranks`` is kept (``ranks`` has ``min(top_ranks, allowed)`` columns; the first-rank
    shares are exact for every candidate).

    Returns
    -------
    RankAcceptability
        Over the allowed candidates only (``among``), in table order.
    """
    if value_noise not in VALUE_NOISE:
        raise InputError(f"value_noise must be one of {', '.join(VALUE_NOISE)}, got {value_noise!r}.")
    if not concentration > 0:
        raise InputError(f"concentration must be > 0, got {concentration!r}.")
    if n_samples < 1:
        raise InputError(f"n_samples must be >= 1, got {n_samples!r}.")
    if top_ranks < 1:
        raise InputError(f"top_ranks must be >= 1, got {top_ranks!r}.")
    rng = np.random.default_rng(random_state)
    w = check_weights(table, weights)
    allowed = _allowed(table, among)
    idx = np.flatnonzero(allowed)
    names = [table.candidates[i] for i in idx]
    k = len(idx)
    kk = min(k, top_ranks)
    counts = np.zeros((k, kk))
    first = np.zeros(k)
    scorer = Rescorer(
        table, w, method=method, bounds=bounds, perf=perf, missing=missing, min_weight_share=min_weight_share
    )
    name_rank = np.argsort(np.argsort(np.array(names, dtype=object))) if k else np.zeros(0, dtype=np.int64)
    batch = _batch_size(table)
    draws = ValueDraws(table, value_noise, min(batch, n_samples))
    done = 0
    while done < n_samples:
        size = min(batch, n_samples - done)
        wds = np.empty((size, len(w)))
        for s in range(size):
            wds[s] = sample_weights(w, rng, concentration)
            draws.draw(rng, s)
        vds = draws.values(size)
        done += size
        if k == 0:
            continue
        u = scorer.utilities_of(vds, wds, idx)
        live = ~np.isnan(u).all(axis=1)
        if not live.any():
            continue
        u = u[live]
        key = np.where(np.isnan(u), np.inf, -u)
        top = _top_order(key, name_rank, kk)
        np.add.at(counts, (top.ravel(), np.tile(np.arange(kk), len(top))), 1.0)
        best = key.min(axis=1, keepdims=True)
        at_top = key == best
        first += (at_top / at_top.sum(axis=1, keepdims=True)).sum(axis=0)
    return RankAcceptability(
        candidates=tuple(names),
        first=tuple(float(x) for x in first / n_samples),
        ranks=tuple(tuple(float(x) for x in row) for row in counts / n_samples),
        n_samples=int(n_samples),
        concentration=float(concentration),
        value_noise=value_noise,
        top_ranks=kk,
    )


def _top_order(key: np.ndarray, name_rank: np.ndarray, kk: int) -> np.ndarray:
    """Per row of ``key`` (lower first, ties by ``name_rank``), the first ``kk`` columns in order.

    The first ``kk`` of the full ``lexsort`` order are exactly the ``lexsort`` order of the columns
    whose key is at most the row's ``kk``-th smallest key (found by ``np.partition`` in ``O(n)``), so
    only those are sorted.
    """
    s, k = key.shape
    if kk >= k:
        return np.lexsort((np.broadcast_to(name_rank, key.shape), key), axis=-1)[:, :kk]
    kth = np.partition(key, kk - 1, axis=1)[:, kk - 1 : kk]
    within = key <= kth
    out = np.empty((s, kk), dtype=np.int64)
    for r in range(s):
        idx = np.flatnonzero(within[r])
        out[r] = idx[np.lexsort((name_rank[idx], key[r, idx]))[:kk]]
    return out


def _batch_size(table: DecisionTable) -> int:
    """Draws per batch: about 4 million values at a time."""
    return int(max(1, min(256, 4_000_000 // max(1, table.values.size))))


# ---- leave one out ------------------------------------------------------------------------------
def compute_leave_one_out(
    table: DecisionTable,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    *,
    method: str = "wsm",
    bounds: Mapping[str, tuple[float, float]] | None = None,
    perf: str | None = None,
    among: Sequence[str] | None = None,
    missing: str = "exclude",
    min_weight_share: float = 0.5,
) -> LeaveOneOut:
    """Every removal of another candidate that changes the winner (see the module docstring).

    Only removals that can change a utility are re-scored: the winner is the best allowed
    candidate by utility (ties by name), so when removing ``c`` leaves every other utility as it
    was, the best of the remaining allowed candidates is still the winner. Which removals can
    change utilities is :func:`~analysis.decision._rescoring.utility_changes_without`: none with
    fixed bounds, only the holders of a weighted objective's minimum or maximum under min-max
    normalisation, every one for methods whose normalisation reads every candidate.
    """
    w = check_weights(table, weights)
    res = score_table(
        table, w, method=method, bounds=bounds, perf=perf, missing=missing, min_weight_share=min_weight_share
    )
    allowed = _allowed(table, among)
    winner = _winner(res.utilities, table.candidates, allowed)
    pool_free = method == "wsm" and all(
        b.source not in ("pool", "extended") for b, wk in zip(res.bounds, w, strict=False) if wk > 0
    )
    changes = []
    if winner is not None:
        may_change = utility_changes_without(
            table, w, method=method, bounds=bounds, missing=missing, min_weight_share=min_weight_share
        )
        for i in np.flatnonzero(may_change):
            c = table.candidates[i]
            if c == winner:
                continue
            new = _winner_without(table, i, w, method, bounds, perf, among, missing, min_weight_share)
            if new != winner:
                changes.append((c, new))
    if pool_free:
        note = "fixed bounds: the normalisation ignores the other candidates, so no removal can change the winner."
    else:
        note = (
            f"{method} normalises with the candidate pool, so removing even a dominated or infeasible "
            "candidate can change the winner; changes are listed."
        )
    return LeaveOneOut(winner, tuple(changes), pool_free, note)


def _winner_without(table, i, w, method, bounds, perf, among, missing, min_weight_share) -> str | None:
    keep = np.ones(table.n_candidates, dtype=bool)
    keep[i] = False
    t2 = table.subset(keep)
    try:
        u2 = Rescorer(
            t2, w, method=method, bounds=bounds, perf=perf, missing=missing, min_weight_share=min_weight_share
        ).utilities(None, np.asarray(w, dtype=float)[None, :])[0]
    except InputError:
        return None
    return _winner(u2, t2.candidates, _allowed(t2, among))


# ---- statistical ties ---------------------------------------------------------------------------
def compute_ties(
    table: DecisionTable, winner: str, objectives: Sequence[str], *, among: Sequence[str] | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Candidates statistically tied with ``winner`` and those undetermined (see :data:`TIES_RULE`).

    One vectorised pass per objective over every candidate.
    """
    a = table.row(winner)
    allowed = _allowed(table, among)
    n = table.n_candidates
    wanted = set(objectives)
    comps = {}
    for c in table.comparisons:
        if c.objective in wanted and winner in (c.candidate, c.best):
            comps[(c.objective, c.candidate, c.best)] = c
    row = {c: i for i, c in enumerate(table.candidates)}
    same = np.ones(n, dtype=bool)  # every status so far "same"
    different = np.zeros(n, dtype=bool)
    unknown = np.zeros(n, dtype=bool)
    for name in objectives:
        j = table.column(name)
        # the paired comparison: (name, candidate, winner) first, else (name, winner, candidate)
        sig = np.full(n, -1, dtype=np.int8)  # -1 none, 0 not significant, 1 significant, 2 undecided
        for first in (False, True):
            for (o, cand, best), comp in comps.items():
                if o != name:
                    continue
                other = cand if best == winner and first else best if cand == winner and not first else None
                if other is None or other not in row:
                    continue
                sig[row[other]] = 2 if comp.significant is None else int(bool(comp.significant))
        v = table.values[:, j]
        status = np.full(n, 2, dtype=np.int8)  # 0 same, 1 different, 2 unknown
        if table.ci_low is not None and table.ci_high is not None:
            lo, hi = table.ci_low[:, j], table.ci_high[:, j]
            ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(lo[a]) & np.isfinite(hi[a])
            overlap = np.maximum(lo, lo[a]) <= np.minimum(hi, hi[a])
            status = np.where(ok, np.where(overlap, 0, 1), status).astype(np.int8)
        status = np.where(v == v[a], 0, status)
        status = np.where(sig >= 0, np.where(sig == 2, status, sig), status)
        different |= status == 1
        unknown |= status == 2
        same &= status == 0
    keep = allowed.copy()
    keep[a] = False
    if not objectives:
        return (), ()
    ties = [table.candidates[i] for i in np.flatnonzero(keep & ~different & ~unknown)]
    undetermined = [table.candidates[i] for i in np.flatnonzero(keep & ~different & unknown)]
    return tuple(ties), tuple(undetermined)


def compute_sensitivity(
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
) -> Sensitivity:
    """Every sensitivity check for the winner among ``among`` (default: every candidate).

    ``n_samples = 0`` skips the SMAA draws.
    """
    w = check_weights(table, weights)
    scoring = {
        "method": method,
        "bounds": bounds,
        "perf": perf,
        "missing": missing,
        "min_weight_share": min_weight_share,
    }
    res = score_table(table, w, **scoring)
    allowed = _allowed(table, among)
    winner = _winner(res.utilities, table.candidates, allowed)
    warnings: list[str] = []
    stability = None
    note = ""
    if method in ADDITIVE_METHODS:
        stability = compute_weight_stability(table, w, among=among, **scoring)
        if stability is None:
            note = (
                "not computed: no candidate could be scored, or some were scored on part of the objectives "
                "(weights renormalised over missing values)."
            )
    else:
        note = f"not computed: {method} scores are not linear in the weights."
    acc = None
    if n_samples > 0 and winner is not None:
        acc = compute_rank_acceptability(
            table,
            w,
            among=among,
            **scoring,
            n_samples=n_samples,
            concentration=concentration,
            value_noise=value_noise,
            random_state=random_state,
        )
    loo = compute_leave_one_out(table, w, among=among, **scoring)
    if loo.changes:
        warnings.append(
            "removing another candidate changes the winner: "
            + "; ".join(f"without {c} the winner is {nw}" for c, nw in loo.changes)
            + f" ({loo.note})"
        )
    ties: tuple[str, ...] = ()
    undet: tuple[str, ...] = ()
    if winner is not None:
        weighted = [n for n, wk in zip(table.objective_names, w, strict=True) if wk > 0]
        ties, undet = compute_ties(table, winner, weighted, among=among)
        if ties:
            warnings.append(f"{', '.join(ties)} is/are statistically tied with {winner} on every weighted objective.")
    return Sensitivity(winner, stability, note, acc, loo, ties, undet, TIES_RULE, tuple(warnings))
