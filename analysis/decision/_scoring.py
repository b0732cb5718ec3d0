"""Scoring methods: one number per candidate from several objectives and a weight for each.

Every method first turns each objective into a "benefit" form (direction converted once), then
aggregates with the weights (normalised to sum to 1; an objective with weight 0 is ignored).
The normalisation is part of the method and is reported with every result, because the same
table can crown different winners under different normalisations.

========================  =======================================================  ==============
method                    normalisation of objective j                             pool-dependent
========================  =======================================================  ==============
``wsm`` (default)         fixed bounds: ``u = (x - worst) / (ideal - worst)``        no (*)
``wsm-minmax``            min-max over the candidates: worst -> 0, best -> 1         yes
``dynascore``             ``x / AMRS_j``: performance-equivalent units (Ma et al.)   yes
``topsis``                vector: ``x / sqrt(sum x²)``; closeness to ideal           yes
``topsis-minmax``         min-max, then closeness to ideal (pymcdm's default)        yes
``vikor``                 ``(best - x) / (best - worst)``; compromise index Q        yes
``promethee``             usual preference: pairwise "is better", net flow           yes
``winrate``               HELM mean win rate: share of others beaten (ties half)     yes
========================  =======================================================  ==============

(*) ``wsm`` bounds come, in this order, from the caller (``--bound`` beats the profile's
``bounds``), from the objective's registered ``worst``/``ideal``, and only when none exist from
min-max over the pool *for that objective*, which the result's ``warnings`` says (that objective
then makes the ranking pool-dependent). Scores are in 0..1 while values lie within the bounds; a
value beyond a bound extrapolates linearly (better than ``ideal`` scores above 1 on that
objective, worse than ``worst`` below 0) and the result's warnings name each such value and how to
widen the bounds. Nothing is clipped or widened behind the user's back: clipping would let a
dominated candidate tie its dominator, and widening to the observed values would make the scores
depend on the pool, which is what fixed bounds are for.

Details:

* ``dynascore`` (Ma et al. 2021, "Dynaboard", NeurIPS; as implemented in Dynabench): sort the
  candidates by the performance objective ``perf``; for each pair of neighbours whose ``perf``
  differs by more than ``1e-4 * max|perf|``, the marginal rate of substitution of objective j is
  ``|Δx_j| / Δperf``; ``AMRS_j`` is its mean. Each objective becomes ``±x_j / AMRS_j`` (minus for
  "min" objectives), i.e. "how much performance is this worth", and the Dynascore is the weighted
  sum. ``perf`` keeps its units (``AMRS = 1``).
* ``topsis``: weighted normalised matrix ``v = w r``; ideal/anti-ideal are the best/worst ``v``
  per objective; closeness ``d- / (d+ + d-)`` (Hwang & Yoon 1981). Not additive.
* ``vikor`` (Opricovic & Tzeng 2004), ``v = 0.5``: ``S = sum_j w_j d_j``, ``R = max_j w_j d_j``,
  ``Q = v (S - S*) / (S- - S*) + (1 - v) (R - R*) / (R- - R*)``; *lower* Q is better
  (``higher_is_better`` False, :attr:`ScoreResult.utilities` is ``1 - Q``). Not additive.
* ``promethee`` (PROMETHEE II, usual preference function): ``phi_j(a) = (#worse - #better) / (n-1)``
  on objective j, net flow ``phi = sum_j w_j phi_j``. Computed with a sort per objective
  (``O(m n log n)``), exactly equal to the pairwise definition.
* ``winrate`` (HELM, Liang et al. 2022): on each objective with two or more values, a candidate's
  win rate is (#strictly worse + (#equal - 1) / 2) / (N - 1); the score is the weighted mean over
  the objectives where it has a value (HELM's mean win rate with equal weights).

**Missing values.** A candidate missing a value on a weighted objective is *unscored* (score NaN,
ranked after every scored candidate, listed in ``unscored`` and in the warnings) — never scored as
if the value were 0 or the worst — except for ``winrate``, which (like HELM) averages over the
objectives where the candidate has a value. Pool-dependent normalisations use the scored
candidates only.

**Contributions.** For additive methods (``wsm``, ``wsm-minmax``, ``dynascore``, ``promethee``,
``winrate``) ``contributions[i][j]`` is objective j's share of candidate i's score and the row
sums to the score; ``normalised`` holds the per-objective values the weights multiply. TOPSIS and
VIKOR are not additive: ``contributions`` is None and ``contributions_note`` says why.

**Ranks.** Rank 1 is best; equal scores share a rank ("1, 2, 2, 4"); the order lists equal
scores by candidate name, so the result does not depend on row order.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis._errors import InputError
from analysis.decision._table import DecisionTable

METHODS: tuple[str, ...] = (
    "wsm",
    "wsm-minmax",
    "dynascore",
    "topsis",
    "topsis-minmax",
    "vikor",
    "promethee",
    "winrate",
)
#: Methods whose score is sum_j w_j * normalised_j with normalised independent of the weights.
ADDITIVE_METHODS: frozenset[str] = frozenset({"wsm", "wsm-minmax", "dynascore", "promethee", "winrate"})
#: Methods whose normalisation does not depend on which other candidates are in the table.
POOL_INDEPENDENT_METHODS: frozenset[str] = frozenset({"wsm"})

NORMALISATION: dict[str, str] = {
    "wsm": "fixed bounds: (x - worst) / (ideal - worst) per objective; independent of the other candidates",
    "wsm-minmax": "min-max over the scored candidates: worst -> 0, best -> 1 (depends on the pool)",
    "dynascore": "performance-equivalent units: x / AMRS, the average marginal rate of substitution "
    "between candidates adjacent in performance (Ma et al. 2021; depends on the pool)",
    "topsis": "vector normalisation x / sqrt(sum x^2), then closeness to the ideal (depends on the pool)",
    "topsis-minmax": "min-max over the candidates, then closeness to the ideal (depends on the pool)",
    "vikor": "(best - x) / (best - worst) over the candidates; Q with v = 0.5, lower is better (depends on the pool)",
    "promethee": "PROMETHEE II with the usual preference function: pairwise better/worse counts, "
    "net flow (depends on the pool)",
    "winrate": "HELM mean win rate: share of the other candidates beaten on each objective, ties "
    "count half (depends on the pool)",
}

_NOT_ADDITIVE = {
    "topsis": "TOPSIS closeness is a ratio of Euclidean distances, so it has no per-objective decomposition; "
    "the normalised, weighted values are shown instead.",
    "topsis-minmax": "TOPSIS closeness is a ratio of Euclidean distances, so it has no per-objective "
    "decomposition; the normalised, weighted values are shown instead.",
    "vikor": "VIKOR's Q mixes the weighted sum of regrets S (additive) with the largest single regret R "
    "(a maximum), so Q has no per-objective decomposition; S and R are given in details.",
}


@dataclass(frozen=True)
class ObjectiveBounds:
    """The worst and ideal value an objective is normalised with, and where they came from.

    ``source`` is ``"given"`` (an option or a profile), ``"objective"`` (registered on the
    objective) or ``"pool"`` (min-max over the candidates: the fallback, with a warning).
    """

    objective: str
    worst: float
    ideal: float
    source: str


@dataclass(frozen=True)
class ScoreResult:
    """One method's scores of every candidate, with what is needed to explain them.

    Attributes
    ----------
    method : str
    candidates, objectives : tuple of str
        Row and column labels (table order).
    weights : tuple of float
        Weights per objective, normalised to sum to 1.
    scores : tuple of float
        The method's own score (NaN when unscored); see ``higher_is_better``.
    higher_is_better : bool
        False only for VIKOR's Q.
    ranks : tuple of int
        1 is best; ties share a rank; unscored candidates come last.
    order : tuple of str
        Candidates from best to worst (ties by name).
    normalised : tuple of tuple of float, or None
        Per candidate and objective, the normalised value the method aggregates (benefit form).
    contributions : tuple of tuple of float, or None
        Per candidate and objective, that objective's part of the score (rows sum to the score);
        None for non-additive methods, see ``contributions_note``.
    contributions_note : str
    normalisation : str
        How each objective was normalised (see the module docstring).
    bounds : tuple of ObjectiveBounds
        For ``wsm``: the bounds actually used per objective (empty for other methods).
    details : tuple of (str, tuple of float)
        Method-specific per-candidate values (VIKOR's S and R; PROMETHEE's flows; Dynascore's AMRS
        per objective under the key ``"amrs"``).
    unscored : tuple of str
        Candidates that could not be scored (a missing value on a weighted objective).
    warnings : tuple of str
    partial : tuple of (str, tuple of str)
        Candidates scored on part of the weighted objectives (``missing="rescale"``), with the
        objectives they lack.
    """

    method: str
    candidates: tuple[str, ...]
    objectives: tuple[str, ...]
    weights: tuple[float, ...]
    scores: tuple[float, ...]
    higher_is_better: bool
    ranks: tuple[int, ...]
    order: tuple[str, ...]
    normalised: tuple[tuple[float, ...], ...] | None
    contributions: tuple[tuple[float, ...], ...] | None
    contributions_note: str
    normalisation: str
    bounds: tuple[ObjectiveBounds, ...]
    details: tuple[tuple[str, tuple[float, ...]], ...]
    unscored: tuple[str, ...]
    warnings: tuple[str, ...]
    partial: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def utilities(self) -> np.ndarray:
        """Scores as "higher is better" (``1 - Q`` for VIKOR), NaN when unscored."""
        s = np.array(self.scores, dtype=float)
        return s if self.higher_is_better else 1.0 - s

    @property
    def winner(self) -> str | None:
        """The first candidate of :attr:`order` (None when nobody could be scored)."""
        if not self.order or self.order[0] in self.unscored:
            return None
        return self.order[0]

    @property
    def outside_unit_interval(self) -> tuple[str, ...]:
        """Candidates whose ``wsm`` score leaves 0..1 (a value beyond the fixed bounds; see the warnings)."""
        if self.method != "wsm":
            return ()
        return tuple(
            c for c, x in zip(self.candidates, self.scores, strict=True) if x == x and not -1e-9 <= x <= 1 + 1e-9
        )

    def score_of(self, candidate: str) -> float:
        """The score of ``candidate``."""
        rows = self.__dict__.get("_rows")
        if rows is None:  # built once: asked per candidate in loops
            rows = {c: i for i, c in enumerate(self.candidates)}
            object.__setattr__(self, "_rows", rows)
        if candidate not in rows:
            raise ValueError(f"{candidate!r} is not in tuple")  # what tuple.index said
        return self.scores[rows[candidate]]

    def detail(self, name: str) -> tuple[float, ...]:
        """A method-specific vector from :attr:`details`."""
        for k, v in self.details:
            if k == name:
                return v
        raise KeyError(name)


# ---- inputs ----------------------------------------------------------------------------------
MISSING_POLICIES: tuple[str, ...] = ("exclude", "rescale")


def check_missing_policy(missing: str) -> str:
    """Validate a missing-value policy (InputError listing the choices)."""
    if missing not in MISSING_POLICIES:
        raise InputError(f"unknown missing-value policy {missing!r}; use one of {', '.join(MISSING_POLICIES)}.")
    return missing


def check_method(method: str) -> str:
    """Validate a method name (InputError listing the choices)."""
    if method not in METHODS:
        raise InputError(f"unknown scoring method {method!r}; use one of {', '.join(METHODS)}.", source="method")
    return method


def check_weights(table: DecisionTable, weights: Mapping[str, float] | Sequence[float] | None) -> np.ndarray:
    """Weights as an array over the table's objectives, normalised to sum to 1.

    ``None`` means equal weights; a mapping may omit objectives (weight 0). Negative, non-finite
    or all-zero weights and names that are not objectives of the table raise :class:`InputError`.
    """
    m = len(table.objectives)
    if weights is None:
        w = np.ones(m)
    elif isinstance(weights, Mapping):
        unknown = [k for k in weights if k not in table.objective_names]
        if unknown:
            raise InputError(
                f"weight given for unknown objective(s) {', '.join(map(repr, unknown))}; "
                f"objectives are: {', '.join(table.objective_names)}.",
                source="weights",
            )
        w = np.array([float(weights.get(n, 0.0)) for n in table.objective_names])
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (m,):
            raise InputError(f"expected {m} weights (one per objective), got {w.size}.", source="weights")
    if not np.isfinite(w).all() or (w < 0).any():
        bad = [f"{n}={v}" for n, v in zip(table.objective_names, w, strict=True) if not (np.isfinite(v) and v >= 0)]
        raise InputError(f"weights must be finite and >= 0; got {', '.join(bad)}.", source="weights")
    total = w.sum()
    if m and total <= 0:
        raise InputError("every weight is 0; give at least one objective a positive weight.", source="weights")
    return w / total if m else w


def resolve_bounds(
    table: DecisionTable, bounds: Mapping[str, tuple[float, float]] | None = None
) -> tuple[ObjectiveBounds | None, ...]:
    """Fixed bounds per objective: given > registered on the objective > None (pool fallback).

    Returns one entry per objective, None where no fixed bounds exist (``wsm`` then uses the
    pool and warns). A bound whose worst equals its ideal, or whose order contradicts the
    objective's direction, raises :class:`InputError`.
    """
    bounds = dict(bounds or {})
    unknown = [k for k in bounds if k not in table.objective_names]
    if unknown:
        raise InputError(
            f"bounds given for unknown objective(s) {', '.join(map(repr, unknown))}; "
            f"objectives are: {', '.join(table.objective_names)}.",
            source="bounds",
        )
    out: list[ObjectiveBounds | None] = []
    for o in table.objectives:
        if o.name in bounds:
            worst, ideal = (float(v) for v in bounds[o.name])
            source = "given"
        elif o.worst is not None and o.ideal is not None:
            worst, ideal, source = float(o.worst), float(o.ideal), "objective"
        else:
            out.append(None)
            continue
        if not (np.isfinite(worst) and np.isfinite(ideal)) or worst == ideal:
            raise InputError(
                f"bounds for {o.name} must be two different finite numbers, got worst={worst}, best={ideal}.",
                source="bounds",
            )
        if (o.direction == "max") != (ideal > worst):
            want = "below" if o.direction == "max" else "above"
            raise InputError(
                f"bounds for {o.name} ({o.direction}) have worst={worst:g} and best={ideal:g}; for a "
                f"'{o.direction}' objective the worst value must be {want} the best: write "
                f"{o.name}=WORST:BEST.",
                source="bounds",
            )
        out.append(ObjectiveBounds(o.name, worst, ideal, source))
    return tuple(out)


# ---- kernels (arrays in benefit form: higher is better) ----------------------------------------
def _minmax(b: np.ndarray) -> np.ndarray:
    lo, hi = b.min(axis=0), b.max(axis=0)
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        u = (b - lo) / np.where(span > 0, span, 1.0)
    u[:, span <= 0] = 1.0
    return u


def _weighted_sum(normalised: np.ndarray, w: np.ndarray) -> np.ndarray:
    contrib = normalised * w
    return contrib.sum(axis=1)


def _topsis(r: np.ndarray, w: np.ndarray) -> np.ndarray:
    v = r * w
    best, worst = v.max(axis=0), v.min(axis=0)
    dp = np.sqrt(((v - best) ** 2).sum(axis=1))
    dm = np.sqrt(((v - worst) ** 2).sum(axis=1))
    tot = dp + dm
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, dm / np.where(tot > 0, tot, 1.0), 0.5)


def _vikor(b: np.ndarray, w: np.ndarray, v: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    best, worst = b.max(axis=0), b.min(axis=0)
    span = best - worst
    d = np.where(span > 0, (best - b) / np.where(span > 0, span, 1.0), 0.0)
    wd = d * w
    s = wd.sum(axis=1)
    r = wd.max(axis=1) if wd.shape[1] else np.zeros(len(b))

    def part(x):
        # A span within rounding of zero (weights that sum to 1 only up to float error) is zero:
        # otherwise rescaling the weights could turn equal candidates into 0 and 1.
        lo, hi = x.min(), x.max()
        return (x - lo) / (hi - lo) if hi - lo > 1e-12 * max(1.0, abs(hi)) else np.zeros_like(x)

    q = v * part(s) + (1 - v) * part(r)
    return q, s, r, d


def promethee_flows(b: np.ndarray) -> np.ndarray:
    """Single-objective net flows under the usual preference function, by sorting.

    ``phi_j(a) = (#{b: x_bj < x_aj} - #{b: x_bj > x_aj}) / (n - 1)`` in benefit form.
    """
    n = b.shape[0]
    if n < 2:
        return np.zeros_like(b)
    out = np.empty_like(b)
    for j in range(b.shape[1]):
        srt = np.sort(b[:, j])
        worse = np.searchsorted(srt, b[:, j], side="left")
        better = n - np.searchsorted(srt, b[:, j], side="right")
        out[:, j] = (worse - better) / (n - 1)
    return out


def promethee_flows_pairwise(b: np.ndarray, *, chunk: int = 512) -> np.ndarray:
    """The same flows from the pairwise definition, vectorised in chunks (``O(n² m)``)."""
    n = b.shape[0]
    if n < 2:
        return np.zeros_like(b)
    out = np.zeros_like(b)
    for a in range(0, n, chunk):
        part = b[a : a + chunk]
        out[a : a + chunk] = (
            (part[:, None, :] > b[None, :, :]).sum(axis=1) - (part[:, None, :] < b[None, :, :]).sum(axis=1)
        ) / (n - 1)
    return out


def _winrate(b: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HELM win rates per objective (NaN where missing/incomparable) and the weighted mean."""
    n, m = b.shape
    rates = np.full((n, m), np.nan)
    for j in range(m):
        ok = ~np.isnan(b[:, j])
        cnt = int(ok.sum())
        if cnt < 2 or w[j] <= 0:
            continue
        col = b[ok, j]
        srt = np.sort(col)
        worse = np.searchsorted(srt, col, side="left")
        equal = np.searchsorted(srt, col, side="right") - worse
        rates[ok, j] = (worse + (equal - 1) / 2) / (cnt - 1)
    avail = ~np.isnan(rates)
    wsum = (avail * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        contrib = np.where(avail, np.nan_to_num(rates) * w, 0.0) / np.where(wsum > 0, wsum, np.nan)[:, None]
    score = contrib.sum(axis=1)
    score[wsum <= 0] = np.nan
    contrib[wsum <= 0] = np.nan
    return score, rates, contrib


def _dynascore_amrs(b: np.ndarray, perf: np.ndarray) -> np.ndarray:
    order = np.argsort(perf, kind="stable")
    p = perf[order]
    dp = np.diff(p)
    thr = 1e-4 * np.max(np.abs(p)) if p.size else 0.0
    use = dp > thr
    if not use.any():
        raise InputError(
            "dynascore needs at least two scored candidates whose performance objective differs; "
            "choose another --perf objective or another method."
        )
    dx = np.abs(np.diff(b[order], axis=0))[use]
    return (dx / dp[use][:, None]).mean(axis=0)


# ---- ranking helpers --------------------------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _name_ranks(names: tuple[str, ...]) -> np.ndarray:
    r = np.argsort(np.argsort(np.array(names, dtype=object)))
    r.flags.writeable = False
    return r


def name_ranks(names: Sequence[str]) -> np.ndarray:
    """Each name's position in sorted order (``argsort(argsort(names))``), read-only.

    Sorting 10,000 Python strings costs milliseconds and the same candidate names are ranked
    dozens of times per decision, so the ranks of the last few name tuples are kept.
    """
    return _name_ranks(tuple(names))


def rank_utilities(utilities: np.ndarray, names: Sequence[str]) -> tuple[np.ndarray, list[int]]:
    """Competition ranks (1 best, ties share, NaN last) and the best-first order (ties by name)."""
    u = np.asarray(utilities, dtype=float)
    n = len(u)
    scored = ~np.isnan(u)
    key = np.where(scored, -u, np.inf)
    name_rank = name_ranks(names)
    order = list(np.lexsort((name_rank, key)))
    ranks = np.empty(n, dtype=np.int64)
    su = np.sort(key[scored])
    ranks[scored] = np.searchsorted(su, key[scored], side="left") + 1
    ranks[~scored] = int(scored.sum()) + 1
    return ranks, order


def _tuple2(a: np.ndarray | None) -> tuple[tuple[float, ...], ...] | None:
    """Rows of ``a`` as tuples of floats, made with the garbage collector paused.

    Hundreds of thousands of new tuples trigger full collections that walk every object the
    process holds: at 100,000 x 6 that was three quarters of the time (0.29 s vs 0.07 s, twice).
    Tuples of floats form no cycles, so nothing is left for the collector to find.
    """
    if a is None:
        return None
    rows = np.asarray(a, dtype=float).tolist()
    enabled = gc.isenabled()
    gc.disable()
    try:
        return tuple(map(tuple, rows))
    finally:
        if enabled:
            gc.enable()


# ---- public ------------------------------------------------------------------------------------
# ---- one kernel per method (benefit-form rows of the scored candidates in, scores out) -----------------
@dataclass(frozen=True)
class _Context:
    """What every scoring kernel may read: the scored rows in benefit form and the options."""

    table: DecisionTable
    b: np.ndarray  # scored candidates x objectives, higher is better (NaN where missing)
    w: np.ndarray  # weights, normalised
    active: np.ndarray  # w > 0
    rows: np.ndarray  # which candidates of the table are scored
    perf_j: int | None
    bounds: Mapping[str, tuple[float, float]] | None
    vikor_v: float
    perf: str | None


@dataclass
class _Scored:
    """A kernel's result for the scored rows; ``details`` are (name, values, one per candidate?)."""

    scores: np.ndarray
    normalised: np.ndarray
    contributions: np.ndarray | None
    details: list = field(default_factory=list)
    bounds: tuple[ObjectiveBounds, ...] = ()
    higher: bool = True
    warnings: list[str] = field(default_factory=list)


def _additive(u: np.ndarray, ctx: _Context, **kw) -> _Scored:
    """Weighted sum of normalised values ``u``; weights rescaled per row over what it has."""
    avail = ctx.active & ~np.isnan(u)
    wsum = np.where(avail, ctx.w, 0.0).sum(axis=1)
    contrib = np.where(avail, u, 0.0) * ctx.w / np.where(wsum > 0, wsum, np.nan)[:, None]
    return _Scored(contrib.sum(axis=1), u, contrib, **kw)


def _score_wsm(ctx: _Context) -> _Scored:
    table, b, active = ctx.table, ctx.b, ctx.active
    fixed = resolve_bounds(table, ctx.bounds)
    u = np.empty_like(b)
    used: list[ObjectiveBounds] = []
    pooled: list[str] = []
    outside: list[str] = []
    n_outside = 0
    scored = np.flatnonzero(ctx.rows)
    for j, fb in enumerate(fixed):
        o = table.objectives[j]
        sign = -1.0 if o.direction == "min" else 1.0
        col = b[:, j]
        if fb is None:
            finite = col[~np.isnan(col)]
            if finite.size:
                lo, hi = finite.min(), finite.max()
                u[:, j] = (col - lo) / (hi - lo) if hi > lo else np.where(np.isnan(col), np.nan, 1.0)
                used.append(ObjectiveBounds(o.name, float(sign * lo), float(sign * hi), "pool"))
            else:
                u[:, j] = np.nan
            if active[j]:
                pooled.append(o.name)
            continue
        lo, hi = sign * fb.worst, sign * fb.ideal  # benefit form: lo < hi
        u[:, j] = (col - lo) / (hi - lo)
        if active[j]:
            beyond = np.flatnonzero((col < lo) | (col > hi))
            n_outside += len(beyond)
            for i in beyond[: max(0, 8 - len(outside))]:  # the warning names the first 8
                side = "better than ideal" if col[i] > hi else "worse than worst"
                outside.append(
                    f"{table.candidates[scored[i]]} has {o.name} = {sign * col[i]:.4g}, {side} "
                    f"({fb.ideal if col[i] > hi else fb.worst:g})"
                )
        used.append(fb)
    warnings = []
    if outside:
        warnings.append(
            "some scores leave 0..1 because values fall outside the fixed bounds ("
            + "; ".join(outside[:8])
            + (f"; and {n_outside - 8} more" if n_outside > 8 else "")
            + "): beyond a bound the score extrapolates linearly, so a candidate better on every objective "
            "always scores higher and adding or removing candidates never changes the others' scores; give "
            "bounds that span the values (--bound NAME=WORST:BEST, or the profile's bounds) to bring scores "
            "back into 0..1."
        )
    if pooled:
        warnings.append(
            f"no fixed bounds (worst/ideal) for {', '.join(pooled)}: normalised by min-max over the "
            f"{b.shape[0]} scored candidates instead, so adding or removing a candidate can change "
            "this ranking; set bounds with --bound NAME=WORST:BEST or in the profile's bounds."
        )
    return _additive(u, ctx, bounds=tuple(used), warnings=warnings)


def _score_wsm_minmax(ctx: _Context) -> _Scored:
    return _additive(_minmax(ctx.b), ctx)


def _score_dynascore(ctx: _Context) -> _Scored:
    b, active = ctx.b, ctx.active
    amrs = _dynascore_amrs(b, b[:, ctx.perf_j])
    warnings = []
    flat = [ctx.table.objective_names[j] for j in np.flatnonzero(active & (amrs == 0))]
    if flat:
        warnings.append(
            f"{', '.join(flat)} do(es) not change between candidates adjacent in {ctx.perf}: AMRS is 0, so "
            "it contributes nothing to the Dynascore."
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        conv = np.where(amrs > 0, b / np.where(amrs > 0, amrs, 1.0), 0.0)
    out = _additive(conv, ctx, details=[("amrs", amrs, False)], warnings=warnings)
    return out


def _score_topsis(ctx: _Context, *, minmax: bool) -> _Scored:
    b, active, w = ctx.b, ctx.active, ctx.w
    ba = b[:, active]
    warnings = []
    if not minmax:
        norm = np.sqrt((ba**2).sum(axis=0))
        zero = norm == 0
        if zero.any():
            names = [n for n, z in zip(np.array(ctx.table.objective_names)[active], zero, strict=True) if z]
            warnings.append(
                f"{', '.join(names)} is 0 for every candidate: it cannot discriminate and counts as 0 in TOPSIS."
            )
        r = ba / np.where(zero, 1.0, norm)
    else:
        r = _minmax(ba)
    # vector normalisation keeps signs: for a "min" objective the benefit is -x, whose
    # normalised value is -x/||x||, so ideal = max(-x/||x||) = min(x)/||x||, as in the
    # classic cost-criterion rule.
    full = np.full(b.shape, np.nan)
    full[:, active] = r
    return _Scored(_topsis(r, w[active]), full, None, warnings=warnings)


def _score_vikor(ctx: _Context) -> _Scored:
    b, active = ctx.b, ctx.active
    q, s, rr, d = _vikor(b[:, active], ctx.w[active], ctx.vikor_v)
    full = np.full(b.shape, np.nan)
    full[:, active] = d
    return _Scored(q, full, None, details=[("S", s, True), ("R", rr, True)], higher=False)


def _score_promethee(ctx: _Context) -> _Scored:
    b, active, w = ctx.b, ctx.active, ctx.w
    phi = promethee_flows(b)
    contrib = np.where(active, phi, 0.0) * w
    scores = contrib.sum(axis=1)
    details = []
    n_s = b.shape[0]
    if n_s > 1:
        # phi+ and phi- from the same counts: phi+ = sum_j w_j #worse_j / (n-1)
        plus = np.zeros(n_s)
        for j in np.flatnonzero(active):
            srt = np.sort(b[:, j])
            plus += w[j] * np.searchsorted(srt, b[:, j], side="left") / (n_s - 1)
        details = [("phi_plus", plus, True), ("phi_minus", plus - scores, True)]
    return _Scored(scores, phi, contrib, details=details)


def _score_winrate(ctx: _Context) -> _Scored:
    sc, rates, contrib = _winrate(ctx.b, ctx.w)
    return _Scored(sc, rates, contrib)


#: The scoring kernels, one per method (the module docstring says what each normalises).
_KERNELS: dict[str, Callable[[_Context], _Scored]] = {
    "wsm": _score_wsm,
    "wsm-minmax": _score_wsm_minmax,
    "dynascore": _score_dynascore,
    "topsis": lambda ctx: _score_topsis(ctx, minmax=False),
    "topsis-minmax": lambda ctx: _score_topsis(ctx, minmax=True),
    "vikor": _score_vikor,
    "promethee": _score_promethee,
    "winrate": _score_winrate,
}


def score_table(
    table: DecisionTable,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    *,
    method: str = "wsm",
    bounds: Mapping[str, tuple[float, float]] | None = None,
    perf: str | None = None,
    vikor_v: float = 0.5,
    missing: str = "exclude",
    min_weight_share: float = 0.5,
) -> ScoreResult:
    """Score every candidate of ``table`` with one method.

    Parameters
    ----------
    table : DecisionTable
        Candidates x objectives; every candidate is scored (the pool of pool-dependent methods).
    weights : mapping or sequence, optional
        Weight per objective (see :func:`check_weights`); default equal weights.
    method : str
        One of :data:`METHODS` (module docstring explains each normalisation).
    bounds : mapping, optional
        ``{objective: (worst, ideal)}`` for ``wsm``, overriding the objective's own bounds.
    perf : str, optional
        The performance objective that ``dynascore`` converts into (required for it).
    vikor_v : float
        VIKOR's weight of the group utility versus the individual regret (0.5).
    missing : {"exclude", "rescale"}
        What to do with a candidate missing some weighted objectives: leave it unscored
        (``"exclude"``, the default) or, for ``wsm``, score it on the objectives it has with the
        weights rescaled over them when they carry at least ``min_weight_share`` of the weight
        (``"rescale"``; listed in ``partial``). Other methods treat ``"rescale"`` as ``"exclude"``
        and say so (their normalisations compare candidates objective by objective).
    min_weight_share : float
        The least share of the weight a candidate's measured objectives must carry to be scored
        under ``"rescale"``.

    Returns
    -------
    ScoreResult
        Frozen; the same call on the same (immutable) table returns the same object (the last
        results are kept on the table: the sensitivity checks score each profile's table several
        times with the same weights).

    Examples
    --------
    >>> from analysis.decision._table import table_from_arrays
    >>> t = table_from_arrays(["a", "b"], [("roc_auc", "max"), ("log_loss", "min")], [[0.9, 0.4], [0.8, 0.1]])
    >>> r = score_table(t, {"roc_auc": 1, "log_loss": 1})
    >>> [round(s, 3) for s in r.scores], r.order
    ([0.7, 0.75], ('b', 'a'))
    """
    check_method(method)
    check_missing_policy(missing)
    w = check_weights(table, weights)
    key = _cache_key(w, method, bounds, perf, vikor_v, missing, min_weight_share)
    cache = table.__dict__.get("_score_cache")
    if key is not None and cache is not None and key in cache:
        return cache[key]
    res = _score_table(table, w, method, bounds, perf, vikor_v, missing, min_weight_share)
    if key is not None:
        if cache is None:
            cache = {}
            object.__setattr__(table, "_score_cache", cache)
        if len(cache) >= 32:
            cache.clear()
        cache[key] = res
    return res


def _cache_key(w: np.ndarray, method, bounds, perf, vikor_v, missing, min_weight_share) -> tuple | None:
    """What a :func:`score_table` result depends on besides the (immutable) table; None: do not cache."""
    try:
        b = None if bounds is None else tuple((str(k), tuple(float(x) for x in v)) for k, v in bounds.items())
        return (w.tobytes(), method, b, perf, float(vikor_v), missing, float(min_weight_share))
    except (TypeError, ValueError, AttributeError):
        return None


def _score_table(table, w, method, bounds, perf, vikor_v, missing, min_weight_share) -> ScoreResult:
    n, m = table.values.shape
    benefit = -table.costs()  # higher is better, direction applied once
    active = w > 0
    needed = active.copy()
    warnings: list[str] = []
    perf_j = None
    if method == "dynascore":
        if perf is None:
            raise InputError(
                "dynascore needs the performance objective its units are expressed in; name it "
                "with --perf NAME (e.g. --perf roc_auc).",
                source="perf",
            )
        perf_j = table.column(perf)
        needed[perf_j] = True
    partial: list[tuple[str, tuple[str, ...]]] = []
    if method == "winrate":
        rows = np.ones(n, dtype=bool)
    else:
        rows = ~np.isnan(benefit[:, needed]).any(axis=1)
        if missing == "rescale" and method == "wsm" and not rows.all():
            have = ~np.isnan(benefit) & active
            share = (np.where(have, w, 0.0)).sum(axis=1) / max(float(w[active].sum()), 1e-300)
            ok = ~rows & (share >= min_weight_share - 1e-12) & have.any(axis=1)
            for i in np.flatnonzero(ok):
                gone = tuple(table.objective_names[j] for j in np.flatnonzero(active & np.isnan(benefit[i])))
                partial.append((table.candidates[i], gone))
            rows = rows | ok
        elif missing == "rescale" and method != "wsm" and not rows.all():
            warnings.append(
                f"rescaling over missing values applies to wsm and winrate only; under {method} a candidate "
                "missing a weighted objective is left unscored."
            )
    unscored = [table.candidates[i] for i in np.flatnonzero(~rows)]
    if unscored and method != "winrate":
        missing_on = {
            table.candidates[i]: [table.objective_names[j] for j in np.flatnonzero(needed & np.isnan(benefit[i]))]
            for i in np.flatnonzero(~rows)
        }
        warnings.append(
            "not scored because of missing values (never counted as 0): "
            + "; ".join(f"{c} (missing {', '.join(o)})" for c, o in missing_on.items())
            + "."
        )
    b = benefit[rows]
    scores = np.full(n, np.nan)
    normalised = np.full((n, m), np.nan)
    contributions: np.ndarray | None = np.full((n, m), np.nan)
    details: list[tuple[str, tuple[float, ...]]] = []
    used_bounds: tuple[ObjectiveBounds, ...] = ()
    higher = True
    if b.shape[0] == 0:
        warnings.append("no candidate could be scored.")
        if method in _NOT_ADDITIVE:
            contributions = None
    else:
        ctx = _Context(table, b, w, active, rows, perf_j, bounds, vikor_v, perf)
        out = _KERNELS[method](ctx)
        scores[rows] = out.scores
        normalised[rows] = out.normalised
        if out.contributions is None:
            contributions = None
        else:
            contributions[rows] = out.contributions
        for name, values, per_candidate in out.details:
            if per_candidate:
                full = np.full(n, np.nan)
                full[rows] = values
                values = full
            details.append((name, tuple(float(x) for x in values)))
        used_bounds, higher = out.bounds, out.higher
        warnings += out.warnings
        if method == "winrate":
            nos = [table.candidates[i] for i in np.flatnonzero(np.isnan(scores))]
            if nos:
                unscored = nos
                warnings.append(f"no comparable objective for {', '.join(nos)} (win rate missing).")
        if partial:
            warnings.append(
                "scored on the objectives they have, weights rescaled over them (missing never counted as 0): "
                + "; ".join(f"{c} (no {', '.join(g)})" for c, g in partial)
                + "."
            )
    util = scores if higher else 1.0 - scores
    ranks, order = rank_utilities(util, table.candidates)
    note = _NOT_ADDITIVE.get(method, "contributions sum to the score.")
    if method == "winrate" and np.isnan(normalised[~np.isnan(scores)][:, active]).any():
        note = "contributions sum to the score; weights were renormalised per candidate over the objectives it has."
    if partial:
        note = "contributions sum to the score; weights were rescaled for the candidates scored on part of them."
    return ScoreResult(
        method=method,
        candidates=table.candidates,
        objectives=table.objective_names,
        weights=tuple(float(x) for x in w),
        scores=tuple(np.asarray(scores, dtype=float).tolist()),
        higher_is_better=higher,
        ranks=tuple(np.asarray(ranks, dtype=np.int64).tolist()),
        order=tuple(table.candidates[i] for i in order),
        normalised=_tuple2(normalised),
        contributions=_tuple2(contributions),
        contributions_note=note,
        normalisation=NORMALISATION[method],
        bounds=used_bounds,
        details=tuple(details),
        unscored=tuple(unscored),
        warnings=tuple(warnings),
        partial=tuple(partial),
    )
