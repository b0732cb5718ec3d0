"""Pareto front: who is not beaten on every objective at once, and what moving along it costs.

Definitions (on values converted once to "lower is better", :meth:`DecisionTable.costs`):

* ``a`` *dominates* ``b`` when ``a`` is at least as good on every front objective and strictly
  better on at least one. Identical candidates do not dominate each other, so duplicates are
  either all on the front or all off it.
* The *front* is the set of candidates no other candidate dominates. Non-dominated sorting
  peels fronts: front 1, then the front of the rest, and so on.
* **Missing values.** A candidate with a missing (NaN) value on any front objective cannot be
  compared on that objective, so it is *excluded* from the front computation and listed in
  :attr:`ParetoResult.excluded` (``is_optimal`` False, ``front_rank`` None). It is never treated
  as 0 or as the worst value. ``+inf``/``-inf`` are ordinary (extreme) values.
* **Knee.** The front member farthest below the hyperplane ``sum(z) = 1`` in the objective space
  normalised to the front's own range (``z = 0`` best, ``1`` worst member on each objective); for
  two objectives this is the classic "farthest from the line joining the two extremes" (Das
  1999; Deb & Gupta 2011). Needs three or more distinct front members.
* **Trade ratios.** For two objectives ``x`` and ``y``: the two-objective front sorted from best
  ``x`` to best ``y``; each step between neighbours says what you gain on ``y`` for what you pay on
  ``x`` ("+0.4 points of ROC AUC for +3 ms of p99 latency") and the ratio of the two changes.

Algorithm. Values are replaced by per-column dense integer ranks (dominance only depends on the
order within each column), rows are sorted by rank sum then lexicographically — so a dominator
always comes before the candidates it dominates — and the sorted rows are swept in blocks:
each block is filtered internally, its survivors are front members, and everything they dominate
is removed from the rest in one vectorised pass. Two objectives use an ``O(n log n)`` sweep. 100k x
6 random candidates take well under a second (see ``bench/bench_decision.py``); adversarial inputs
where most candidates are on the front cost ``O(n * front)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis._errors import InputError
from analysis.decision._table import DecisionTable

#: Above this many candidates the full dominator counts are not computed (``None``).
COUNT_LIMIT = 5000
_CHUNK_ELEMENTS = 4_000_000


# ---- array kernels ---------------------------------------------------------------------------
def _dense_ranks(costs: np.ndarray) -> np.ndarray:
    out = np.empty(costs.shape, dtype=np.int64)
    for j in range(costs.shape[1]):
        _, inv = np.unique(costs[:, j], return_inverse=True)
        out[:, j] = inv.reshape(-1)
    return out


def _nondominated_2d(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = costs.shape[0]
    x, y = costs[:, 0], costs[:, 1]
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = xs[1:] != xs[:-1]
    starts = np.flatnonzero(new_group)
    group_id = np.cumsum(new_group) - 1
    group_min = ys[starts]  # sorted by y within a group, so the first row holds the minimum
    # best y over every group with a strictly smaller x (inf for the first group)
    prev_min = np.empty_like(group_min)
    prev_min[0] = np.inf
    if len(group_min) > 1:
        prev_min[1:] = np.minimum.accumulate(group_min)[:-1]
    prev_arg = np.zeros(len(group_min), dtype=np.int64)
    if len(group_min) > 1:
        running = np.minimum.accumulate(group_min)
        # index of the group holding the running minimum
        is_new_min = np.r_[True, running[1:] < running[:-1]]
        holder = np.maximum.accumulate(np.where(is_new_min, np.arange(len(group_min)), 0))
        prev_arg[1:] = holder[:-1]
    gmin = group_min[group_id]
    pmin = prev_min[group_id]
    first_group = group_id == 0
    nd_sorted = (ys == gmin) & (first_group | (ys < pmin))
    dominator_sorted = np.full(n, -1, dtype=np.int64)
    by_prev = ~nd_sorted & ~first_group & (pmin <= ys)
    dominator_sorted[by_prev] = order[starts[prev_arg[group_id[by_prev]]]]
    by_group = ~nd_sorted & ~by_prev
    dominator_sorted[by_group] = order[starts[group_id[by_group]]]
    mask = np.zeros(n, dtype=bool)
    mask[order] = nd_sorted
    dominator = np.empty(n, dtype=np.int64)
    dominator[order] = dominator_sorted
    return mask, dominator


def _nondominated_nd(costs: np.ndarray, block: int = 64) -> tuple[np.ndarray, np.ndarray]:
    n, k = costs.shape
    ranks = _dense_ranks(costs)
    total = ranks.sum(axis=1)
    keys = [ranks[:, j] for j in range(k - 1, -1, -1)] + [total]
    order = np.lexsort(keys)
    r = ranks[order]
    s = total[order]
    mask = np.zeros(n, dtype=bool)  # in sorted positions
    dominator = np.full(n, -1, dtype=np.int64)  # sorted position of one dominator
    remaining = np.arange(n)
    while remaining.size:
        blk = remaining[:block]
        rest = remaining[block:]
        rb, sb = r[blk], s[blk]
        le = np.ones((len(blk), len(blk)), dtype=bool)
        for j in range(k):
            le &= rb[:, None, j] <= rb[None, :, j]
        dom = le & (sb[:, None] < sb[None, :])
        hit = dom.any(axis=0)
        dominator[blk[hit]] = blk[dom[:, hit].argmax(axis=0)]
        survivors = blk[~hit]
        mask[survivors] = True
        if rest.size:
            rs, ss = r[survivors], s[survivors]
            keep = np.ones(rest.size, dtype=bool)
            step = max(1, _CHUNK_ELEMENTS // max(1, len(survivors)))
            for a in range(0, rest.size, step):
                part = rest[a : a + step]
                le = rs[:, None, 0] <= r[None, part, 0]
                for j in range(1, k):
                    le &= rs[:, None, j] <= r[None, part, j]
                d = le & (ss[:, None] < s[None, part])
                hit = d.any(axis=0)
                if hit.any():
                    dominator[part[hit]] = survivors[d[:, hit].argmax(axis=0)]
                    keep[a : a + step] = ~hit
            rest = rest[keep]
        remaining = rest
        block = min(block * 2, 1024)
    out_mask = np.empty(n, dtype=bool)
    out_mask[order] = mask
    out_dom = np.full(n, -1, dtype=np.int64)
    has = dominator >= 0
    out_dom[order[has]] = order[dominator[has]]
    return out_mask, out_dom


def compute_nondominated(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fast non-dominated filter on a finite "lower is better" matrix.

    Parameters
    ----------
    costs : ndarray of shape (n, k)
        Finite values, lower is better in every column.

    Returns
    -------
    mask : ndarray of bool, shape (n,)
        True for non-dominated rows (identical rows are all kept when none is dominated).
    dominator : ndarray of int, shape (n,)
        For a dominated row, the index of one row that dominates it; -1 for front rows.

    Examples
    --------
    >>> m, d = compute_nondominated(np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0]]))
    >>> m.tolist(), d.tolist()
    ([True, True, False, True], [-1, -1, 0, -1])
    """
    costs = np.asarray(costs, dtype=float)
    if costs.ndim != 2:
        raise InputError(f"costs must be a 2-D array, got shape {costs.shape}.")
    n, k = costs.shape
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    if np.isnan(costs).any():
        raise InputError("costs contain NaN; drop candidates with missing values first.")
    if k == 0:
        return np.ones(n, dtype=bool), np.full(n, -1, dtype=np.int64)
    if k == 1:
        best = costs[:, 0].min()
        mask = costs[:, 0] == best
        dom = np.where(mask, -1, int(np.argmin(costs[:, 0])))
        return mask, dom.astype(np.int64)
    if k == 2:
        return _nondominated_2d(costs)
    return _nondominated_nd(costs)


def naive_nondominated(costs: np.ndarray) -> np.ndarray:
    """Reference: pairwise O(n² k) non-dominated mask (for tests and benchmarks)."""
    costs = np.asarray(costs, dtype=float)
    n = costs.shape[0]
    mask = np.ones(n, dtype=bool)
    step = max(1, _CHUNK_ELEMENTS // max(1, n * max(1, costs.shape[1])))
    for a in range(0, n, step):
        part = costs[a : a + step]
        le = (costs[:, None, :] <= part[None, :, :]).all(axis=2)
        lt = (costs[:, None, :] < part[None, :, :]).any(axis=2)
        mask[a : a + step] = ~(le & lt).any(axis=0)
    return mask


def compute_front_ranks(costs: np.ndarray, *, max_fronts: int | None = None) -> np.ndarray:
    """Non-dominated sorting: 1 for the first front, 2 for the front of the rest, ...

    Rows beyond ``max_fronts`` fronts get 0 (not ranked). Peels fronts with
    :func:`compute_nondominated`, so it costs one filter per front.
    """
    costs = np.asarray(costs, dtype=float)
    n = costs.shape[0]
    ranks = np.zeros(n, dtype=np.int64)
    left = np.arange(n)
    level = 1
    while left.size and (max_fronts is None or level <= max_fronts):
        mask, _ = compute_nondominated(costs[left])
        ranks[left[mask]] = level
        left = left[~mask]
        level += 1
    return ranks


def _dominator_counts(costs: np.ndarray) -> np.ndarray:
    n = costs.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    step = max(1, _CHUNK_ELEMENTS // max(1, n * costs.shape[1]))
    for a in range(0, n, step):
        part = costs[a : a + step]
        le = (costs[:, None, :] <= part[None, :, :]).all(axis=2)
        lt = (costs[:, None, :] < part[None, :, :]).any(axis=2)
        counts[a : a + step] = (le & lt).sum(axis=0)
    return counts


# ---- records ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TradeStep:
    """One step between neighbouring members of a two-objective front.

    Moving from ``from_candidate`` to ``to_candidate`` changes objective ``y`` by ``delta_y``
    (an improvement) at the price of changing ``x`` by ``delta_x`` (a loss), both in natural
    units; ``ratio = delta_y / delta_x``.
    """

    from_candidate: str
    to_candidate: str
    x: str
    y: str
    delta_x: float
    delta_y: float
    ratio: float
    text: str


@dataclass(frozen=True)
class Dominance:
    """Why a candidate is dominated: each dominator and the objectives where it is strictly better."""

    candidate: str
    dominators: tuple[str, ...]
    better_on: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ParetoResult:
    """The front over a set of objectives, with enough to explain it.

    Attributes
    ----------
    objectives : tuple of str
        The front objectives.
    candidates : tuple of str
        Every candidate, in table order; the per-candidate tuples below follow this order.
    is_optimal : tuple of bool
        On the first front (False for excluded candidates).
    front_rank : tuple of int or None
        1 for the first front, 2 for the next...; None when excluded; 0 beyond ``max_fronts``.
    dominated_by : tuple of str or None
        One candidate that dominates this one (None on the front or when excluded).
    dominator_count : tuple of int or None, or None
        How many candidates dominate each one; None when there are more than
        :data:`COUNT_LIMIT` candidates (use :func:`compute_dominance` for a subset).
    excluded : tuple of str
        Candidates with a missing value on a front objective.
    knees : tuple of str
        Knee point(s) of the first front (empty with fewer than three distinct members).
    trades : tuple of TradeStep
        Trade ratios between neighbours on the two-objective front of the first two objectives.
    """

    objectives: tuple[str, ...]
    candidates: tuple[str, ...]
    is_optimal: tuple[bool, ...]
    front_rank: tuple[int | None, ...]
    dominated_by: tuple[str | None, ...]
    dominator_count: tuple[int | None, ...] | None
    excluded: tuple[str, ...]
    knees: tuple[str, ...]
    trades: tuple[TradeStep, ...]

    @property
    def front(self) -> tuple[str, ...]:
        """The first-front candidates, in table order."""
        return tuple(c for c, ok in zip(self.candidates, self.is_optimal, strict=True) if ok)

    def fronts(self) -> tuple[tuple[str, ...], ...]:
        """The successive fronts (front 1 first), each in table order."""
        by: dict[int, list[str]] = {}
        for c, r in zip(self.candidates, self.front_rank, strict=True):
            if r:
                by.setdefault(r, []).append(c)
        return tuple(tuple(by[lv]) for lv in sorted(by))


# ---- public functions ------------------------------------------------------------------------
def _front_objectives(table: DecisionTable, objectives: Sequence[str] | None) -> DecisionTable:
    if objectives is None:
        return table
    objectives = list(objectives)
    if not objectives:
        raise InputError("the Pareto front needs at least one objective; name one or more.")
    return table.select(objectives)


def compute_knees(costs: np.ndarray) -> np.ndarray:
    """Indices (into ``costs``) of the knee point(s) of a front, see the module docstring."""
    costs = np.asarray(costs, dtype=float)
    uniq = np.unique(costs, axis=0)
    if len(uniq) < 3 or costs.shape[1] < 2:
        return np.zeros(0, dtype=np.int64)
    lo, hi = costs.min(axis=0), costs.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    z = (costs - lo) / span
    dist = 1.0 - z.sum(axis=1)
    best = dist.max()
    if best <= 1e-12:  # a flat or convex-inward front has no knee
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.isclose(dist, best, rtol=0, atol=1e-12))


def _fmt_delta(value: float, objective) -> str:
    bounded = (
        objective.unit == ""
        and objective.worst is not None
        and objective.ideal is not None
        and 0.0 <= min(objective.worst, objective.ideal)
        and max(objective.worst, objective.ideal) <= 1.0
    )
    if bounded:
        return f"{value * 100:+.3g} points of {objective.label}"
    unit = f" {objective.unit}" if objective.unit else ""
    return f"{value:+.4g}{unit} of {objective.label}"


def compute_trade_ratios(table: DecisionTable, x: str, y: str) -> tuple[TradeStep, ...]:
    """Trade ratios between neighbours on the two-objective front of ``x`` and ``y``.

    The front is sorted from the best ``x`` to the best ``y``; duplicates on both objectives
    are collapsed to the first in table order. Candidates missing either value are skipped.

    Examples
    --------
    >>> from analysis.decision._table import table_from_arrays
    >>> t = table_from_arrays(["fast", "accurate"], [("latency", "min"), ("score", "max")],
    ...                       [[10.0, 0.80], [13.0, 0.84]])
    >>> compute_trade_ratios(t, "latency", "score")[0].text
    '+0.04 of score for +3 of latency'
    """
    sub = table.select([x, y])
    costs = sub.costs()
    ok = np.isfinite(costs).all(axis=1)
    idx = np.flatnonzero(ok)
    if idx.size < 2:
        return ()
    mask, _ = compute_nondominated(costs[idx])
    members = idx[mask]
    _, first = np.unique(costs[members], axis=0, return_index=True)
    members = members[np.sort(first)]
    members = members[np.lexsort((costs[members, 1], costs[members, 0]))]
    ox, oy = sub.objectives
    steps = []
    for a, b in zip(members[:-1], members[1:], strict=True):
        dx = float(sub.values[b, 0] - sub.values[a, 0])
        dy = float(sub.values[b, 1] - sub.values[a, 1])
        ratio = dy / dx if dx != 0 else float("inf")
        text = f"{_fmt_delta(dy, oy)} for {_fmt_delta(dx, ox)}"
        steps.append(TradeStep(sub.candidates[a], sub.candidates[b], x, y, dx, dy, ratio, text))
    return tuple(steps)


def compute_pareto(
    table: DecisionTable,
    objectives: Sequence[str] | None = None,
    *,
    max_fronts: int | None = None,
    count_dominators: bool | None = None,
) -> ParetoResult:
    """The Pareto front (and successive fronts) of ``table`` over ``objectives``.

    Parameters
    ----------
    table : DecisionTable
        Candidates x objectives.
    objectives : sequence of str, optional
        Front objectives (default: every column). Direction comes from each objective.
    max_fronts : int, optional
        Stop non-dominated sorting after this many fronts (later rows get rank 0). Default: all
        fronts up to :data:`COUNT_LIMIT` candidates, only the first beyond (peeling costs one
        filter per front).
    count_dominators : bool, optional
        Whether to count every candidate's dominators (``O(n²)``). Default: when there are at
        most :data:`COUNT_LIMIT` candidates.

    Returns
    -------
    ParetoResult

    Examples
    --------
    >>> from analysis.decision._table import table_from_arrays
    >>> t = table_from_arrays(["a", "b", "c"], [("auc", "max"), ("ms", "min")],
    ...                       [[0.9, 30.0], [0.8, 10.0], [0.8, 40.0]])
    >>> r = compute_pareto(t)
    >>> r.front, r.dominated_by
    (('a', 'b'), (None, None, 'a'))
    """
    sub = _front_objectives(table, objectives)
    costs = sub.costs()
    n = sub.n_candidates
    ok = ~np.isnan(costs).any(axis=1)
    idx = np.flatnonzero(ok)
    c = costs[idx]
    if max_fronts is None and n > COUNT_LIMIT:
        max_fronts = 1
    mask, dom = compute_nondominated(c) if idx.size else (np.zeros(0, bool), np.zeros(0, np.int64))
    ranks = np.where(mask, 1, 0)
    if (max_fronts is None or max_fronts > 1) and (~mask).any():
        deeper = compute_front_ranks(c[~mask], max_fronts=None if max_fronts is None else max_fronts - 1)
        ranks[~mask] = np.where(deeper > 0, deeper + 1, 0)
    is_opt = np.zeros(n, dtype=bool)
    is_opt[idx] = mask
    front_rank: list[int | None] = [None] * n
    dominated_by: list[str | None] = [None] * n
    for pos, i in enumerate(idx):
        front_rank[i] = int(ranks[pos])
        if dom[pos] >= 0:
            dominated_by[i] = sub.candidates[idx[dom[pos]]]
    if count_dominators is None:
        count_dominators = n <= COUNT_LIMIT
    counts: tuple[int | None, ...] | None = None
    if count_dominators:
        cnt = _dominator_counts(c) if idx.size else np.zeros(0, dtype=np.int64)
        full: list[int | None] = [None] * n
        for pos, i in enumerate(idx):
            full[i] = int(cnt[pos])
        counts = tuple(full)
    front_idx = idx[mask]
    knees = tuple(sub.candidates[front_idx[k]] for k in compute_knees(c[mask])) if front_idx.size else ()
    trades: tuple[TradeStep, ...] = ()
    if len(sub.objectives) >= 2:
        trades = compute_trade_ratios(sub, sub.objective_names[0], sub.objective_names[1])
    return ParetoResult(
        objectives=sub.objective_names,
        candidates=sub.candidates,
        is_optimal=tuple(bool(v) for v in is_opt),
        front_rank=tuple(front_rank),
        dominated_by=tuple(dominated_by),
        dominator_count=counts,
        excluded=tuple(sub.candidates[i] for i in np.flatnonzero(~ok)),
        knees=knees,
        trades=trades,
    )


def compute_dominance(table: DecisionTable, candidate: str, objectives: Sequence[str] | None = None) -> Dominance:
    """Every candidate that dominates ``candidate`` and the objectives where each is strictly better.

    Computed on demand in ``O(n k)``, for the candidates a page wants to explain.
    """
    sub = _front_objectives(table, objectives)
    i = sub.row(candidate)
    costs = sub.costs()
    me = costs[i]
    if np.isnan(me).any():
        return Dominance(candidate, (), ())
    others = ~np.isnan(costs).any(axis=1)
    le = (costs <= me).all(axis=1)
    lt = (costs < me).any(axis=1)
    doms = np.flatnonzero(le & lt & others)
    names = sub.objective_names
    better = tuple(tuple(names[j] for j in np.flatnonzero(costs[d] < me)) for d in doms)
    return Dominance(candidate, tuple(sub.candidates[d] for d in doms), better)
