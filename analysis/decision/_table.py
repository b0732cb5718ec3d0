"""The decision table: candidates x objectives values, the engine's only input format.

A :class:`DecisionTable` is a small frozen record built once where data enters
(:func:`table_from_scorecard`, :func:`table_from_arrays`) and read by every other module. Values
keep their natural units and directions; :meth:`DecisionTable.costs` is the single place where
"max" objectives are negated so that every algorithm can work on "lower is better".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis._errors import InputError
from analysis.objectives import Objective, get_objective, parse_direction
from analysis.scorecard import Comparison, Scorecard

#: Largest size of a value a decision compares: twice it (a difference) stays a finite float.
MAX_ABS_VALUE = 1e300


def _frozen_array(a, shape: tuple[int, int], what: str) -> np.ndarray:
    arr = np.array(a, dtype=float, copy=True)
    if arr.shape != shape:
        raise InputError(f"{what} has shape {arr.shape}, expected {shape} (candidates x objectives).")
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class DecisionTable:
    """Candidates x objectives, in natural units, NaN where a value is missing.

    Parameters
    ----------
    candidates : tuple of str
        Unique candidate names, one per row.
    objectives : tuple of Objective
        One per column; ``direction`` says whether larger or smaller is better.
    values : ndarray of shape (n_candidates, n_objectives)
        Point values; NaN means "not measured" (never zero).
    ci_low, ci_high : ndarray or None
        Confidence bounds of the same shape (NaN where unknown), or None.
    comparisons : tuple of Comparison
        Paired-bootstrap differences from the scorecard (used to call statistical ties).

    Notes
    -----
    Arrays are copied and made read-only, so a page cannot change a table it was handed.
    Equality is identity (arrays do not compare as booleans).
    """

    candidates: tuple[str, ...]
    objectives: tuple[Objective, ...]
    values: np.ndarray
    ci_low: np.ndarray | None = None
    ci_high: np.ndarray | None = None
    comparisons: tuple[Comparison, ...] = field(default=())

    def __post_init__(self) -> None:
        cands = tuple(str(c) for c in self.candidates)
        objs = tuple(self.objectives)
        seen: set[str] = set()
        dupes = sorted({c for c in cands if c in seen or seen.add(c)})
        if dupes:
            raise InputError(f"candidate name(s) {', '.join(dupes)} appear more than once; names must be unique.")
        onames = [o.name for o in objs]
        if len(set(onames)) != len(onames):
            seen_o: set[str] = set()
            twice = sorted({n for n in onames if n in seen_o or seen_o.add(n)})
            raise InputError(f"objective names must be unique; {', '.join(twice)} appear(s) more than once.")
        shape = (len(cands), len(objs))
        object.__setattr__(self, "candidates", cands)
        object.__setattr__(self, "objectives", objs)
        object.__setattr__(self, "values", _frozen_array(self.values, shape, "values"))
        for name in ("ci_low", "ci_high"):
            a = getattr(self, name)
            if a is not None:
                object.__setattr__(self, name, _frozen_array(a, shape, name))
        object.__setattr__(self, "comparisons", tuple(self.comparisons))

    # ---- views -------------------------------------------------------------------------
    @property
    def n_candidates(self) -> int:
        """Number of rows."""
        return len(self.candidates)

    @property
    def objective_names(self) -> tuple[str, ...]:
        """Objective names in column order."""
        return tuple(o.name for o in self.objectives)

    @property
    def signs(self) -> np.ndarray:
        """+1 for "min" objectives and -1 for "max" ones: ``values * signs`` is lower-is-better."""
        return np.array([1.0 if o.direction == "min" else -1.0 for o in self.objectives])

    def costs(self) -> np.ndarray:
        """The values converted once to "lower is better" (max objectives negated)."""
        return self.values * self.signs

    def column(self, name: str) -> int:
        """Column index of objective ``name`` (InputError when absent)."""
        try:
            return self.objective_names.index(name)
        except ValueError:
            raise InputError(f"unknown objective {name!r}; the table has: {', '.join(self.objective_names)}.") from None

    def row(self, candidate: str) -> int:
        """Row index of ``candidate`` (InputError when absent)."""
        rows = self.__dict__.get("_rows")
        if rows is None:  # built once: row() is asked per candidate in loops
            rows = {c: i for i, c in enumerate(self.candidates)}
            object.__setattr__(self, "_rows", rows)
        try:
            return rows[candidate]
        except KeyError:
            raise InputError(f"unknown candidate {candidate!r}; the table has: {', '.join(self.candidates)}.") from None

    def objective(self, name: str) -> Objective:
        """The objective called ``name``."""
        return self.objectives[self.column(name)]

    # ---- derived tables ------------------------------------------------------------------
    def select(self, names: Sequence[str]) -> DecisionTable:
        """A table with only the objectives ``names`` (in that order).

        Tables are immutable, so the same selection returns the same table (kept per table).
        """
        key = tuple(names)
        cache = self.__dict__.get("_select_cache")
        if cache is not None and key in cache:
            return cache[key]
        idx = [self.column(n) for n in key]
        out = self._take(rows=np.arange(self.n_candidates), cols=np.array(idx, dtype=int))
        if cache is None:
            cache = {}
            object.__setattr__(self, "_select_cache", cache)
        if len(cache) >= 64:
            cache.clear()
        cache[key] = out
        return out

    def subset(self, rows: Sequence[int] | np.ndarray) -> DecisionTable:
        """A table with only the candidate rows ``rows`` (indices or a boolean mask)."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        return self._take(rows=rows.astype(int), cols=np.arange(len(self.objectives)))

    def drop(self, candidate: str) -> DecisionTable:
        """A table without ``candidate``."""
        keep = np.ones(self.n_candidates, dtype=bool)
        keep[self.row(candidate)] = False
        return self.subset(keep)

    def with_values(self, values: np.ndarray) -> DecisionTable:
        """The same table with other point values (used by resampling)."""
        return DecisionTable(self.candidates, self.objectives, values, self.ci_low, self.ci_high, self.comparisons)

    def _comparison_index(self) -> dict:
        """Lazily built grouping of :attr:`comparisons` by objective, shared by tables with the same comparisons."""
        shared = self.__dict__.get("_comparison_shared")
        if shared is None:
            shared = {}
            object.__setattr__(self, "_comparison_shared", shared)
        return shared

    def _comparisons_on(self, names: set[str]) -> tuple[Comparison, ...]:
        """The comparisons on objectives ``names``, in their order (grouped by objective once per table)."""
        if not names:
            return ()
        shared = self._comparison_index()
        by = shared.get("by")
        if by is None:
            lists: dict[str, list[int]] = {}
            for k, c in enumerate(self.comparisons):
                lists.setdefault(c.objective, []).append(k)
            by = {name: np.array(ks, dtype=np.intp) for name, ks in lists.items()}
            shared["by"] = by
        key = frozenset(names)
        cache = shared.setdefault("cache", {})
        if key not in cache:
            parts = [by[n] for n in key if n in by]
            idx = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.intp)
            comps = self.comparisons
            picked = tuple([comps[k] for k in idx.tolist()])
            # the grouping of the picked comparisons by objective, for a table holding exactly them
            sub_by = {n: np.searchsorted(idx, by[n]).astype(np.intp) for n in key if n in by}
            cache[key] = picked
            shared.setdefault("sub_by", {})[key] = (picked, sub_by)
        return cache[key]

    def _take(self, *, rows: np.ndarray, cols: np.ndarray) -> DecisionTable:
        """Rows ``rows`` and columns ``cols`` of this (already validated) table.

        Distinct rows and columns of a valid table give a valid table, so the result is built
        without re-validating its names (an ``O(n)`` Python pass per call at 10,000 candidates);
        repeated indices take the validating constructor (which raises on duplicate names).
        """
        rows = np.asarray(rows, dtype=np.intp)
        cols = np.asarray(cols, dtype=np.intp)
        objs = tuple(self.objectives[j] for j in cols)
        names = {o.name for o in objs}
        if len(names) == len(self.objectives):
            comps = self.comparisons
        else:
            comps = self._comparisons_on(names)
        all_rows = len(rows) == self.n_candidates and bool((rows == np.arange(len(rows))).all())
        if all_rows:
            cands = self.candidates
        else:
            cands = tuple(np.asarray(self.candidates, dtype=object)[rows].tolist()) if len(rows) else ()
        distinct = all_rows or (
            (len(rows) == 0 or int(rows.min()) >= 0)
            and (len(rows) < 2 or bool((np.diff(rows) > 0).all()) or len(np.unique(rows)) == len(rows))
        )
        if not distinct or len(names) != len(objs):
            out = DecisionTable(
                cands,
                objs,
                self._pick(self.values, rows, cols),
                self._pick(self.ci_low, rows, cols),
                self._pick(self.ci_high, rows, cols),
                comps,
            )
        else:
            out = object.__new__(DecisionTable)
            for name, value in (
                ("candidates", cands),
                ("objectives", objs),
                ("values", self._pick(self.values, rows, cols)),
                ("ci_low", self._pick(self.ci_low, rows, cols)),
                ("ci_high", self._pick(self.ci_high, rows, cols)),
                ("comparisons", comps),
            ):
                object.__setattr__(out, name, value)
            if all_rows and "_rows" in self.__dict__:
                object.__setattr__(out, "_rows", self.__dict__["_rows"])
        if comps is self.comparisons:  # same comparisons: share their grouping by objective
            object.__setattr__(out, "_comparison_shared", self._comparison_index())
        else:
            known = self._comparison_index().get("sub_by", {}).get(frozenset(names))
            if known is not None and known[0] is comps:  # their grouping, from this table's
                object.__setattr__(out, "_comparison_shared", {"by": known[1]})
        return out

    @staticmethod
    def _pick(a: np.ndarray | None, rows: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
        if a is None:
            return None
        if len(rows) == a.shape[0] and (rows == np.arange(len(rows))).all():
            out = np.take(a, cols, axis=1)  # the same C-ordered array as a[np.ix_(rows, cols)], sooner
        else:
            out = a[np.ix_(rows, cols)]  # a new C-ordered array, as the constructor's copy of it would be
        out.flags.writeable = False
        return out


def table_from_arrays(
    candidates: Iterable[str],
    objectives: Iterable[Objective | tuple[str, str]],
    values,
    *,
    ci_low=None,
    ci_high=None,
) -> DecisionTable:
    """Build a table from plain arrays.

    Parameters
    ----------
    candidates : iterable of str
        Unique names, one per row.
    objectives : iterable of Objective or (name, direction) pairs
        A pair becomes an unbounded :class:`Objective` (registered names keep their bounds).
    values : array-like of shape (n_candidates, n_objectives)
        NaN where missing.
    ci_low, ci_high : array-like, optional
        Confidence bounds of the same shape.

    Examples
    --------
    >>> t = table_from_arrays(["a", "b"], [("roc_auc", "max"), ("latency", "min")], [[0.8, 20], [0.9, 30]])
    >>> t.costs().tolist()
    [[-0.8, 20.0], [-0.9, 30.0]]
    """
    objs = []
    for o in objectives:
        if isinstance(o, Objective):
            objs.append(o)
            continue
        name, direction = o
        direction = parse_direction(direction, name=name)
        try:
            objs.append(get_objective(name).with_direction(direction))
        except InputError:
            objs.append(Objective(name=name, label=name, direction=direction))  # type: ignore[arg-type]
    return DecisionTable(tuple(candidates), tuple(objs), values, ci_low, ci_high)


def table_from_scorecard(scorecard: Scorecard, objectives: Iterable[str | Objective] | None = None) -> DecisionTable:
    """Build the decision table of a scorecard.

    Parameters
    ----------
    scorecard : Scorecard
        Candidates whose status is not ``"ok"`` are kept (their values are usually missing).
    objectives : iterable of str or Objective, optional
        Which columns, in which order. A name must be one of the scorecard's objectives; an
        :class:`Objective` replaces the scorecard's (to override a direction or bounds).
        Default: every scorecard objective.

    Returns
    -------
    DecisionTable
        Values and intervals from ``scorecard.dense_arrays()`` (the arrays of ``to_frame()`` and
        ``interval_frames()``; intervals None when the scorecard has none at all), and
        ``scorecard.comparisons``.
    """
    dense = scorecard.dense_arrays()  # numpy only: ranking a scorecard does not import pandas
    known = {n: j for j, n in enumerate(scorecard.objective_names)}
    if objectives is None:
        objs = tuple(scorecard.objectives)
    else:
        objs = []
        for o in objectives:
            if isinstance(o, Objective):
                if o.name not in known:
                    scorecard.objective(o.name)  # raises InputError naming the known ones
                objs.append(o)
            else:
                objs.append(scorecard.objective(str(o)))
        objs = tuple(objs)
    idx = [known[o.name] for o in objs]
    n = len(scorecard.candidate_names)
    values = dense["value"][:, idx] if idx else np.empty((n, 0))
    lo_a = dense["ci_low"][:, idx] if idx else np.empty((n, 0))
    hi_a = dense["ci_high"][:, idx] if idx else np.empty((n, 0))
    cols = {o.name for o in objs}
    for what, arr in (("", values), ("ci_low ", lo_a), ("ci_high ", hi_a)):
        huge = np.abs(arr) > MAX_ABS_VALUE  # NaN (missing) compares False, without a warning
        if huge.any():
            i, j = np.argwhere(huge)[0]
            raise InputError(
                f"{objs[j].name} {what}of {scorecard.candidate_names[i]} is {arr[i, j]:g}; values beyond "
                "±1e300 cannot be compared (their differences overflow): check the scorecard.",
                source=objs[j].name,
            )
    has_ci = bool(np.isfinite(lo_a).any() or np.isfinite(hi_a).any())
    return DecisionTable(
        tuple(str(c) for c in scorecard.candidate_names),
        objs,
        values,
        lo_a if has_ci else None,
        hi_a if has_ci else None,
        tuple(c for c in scorecard.comparisons if c.objective in cols),
    )
