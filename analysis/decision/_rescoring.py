"""Re-scoring one table many times (sensitivity draws, leave-one-out): utilities only, in batches.

The sensitivity checks score the same table hundreds of times with resampled weights and values.
:func:`~analysis.decision._scoring.score_table` builds a full, explainable :class:`ScoreResult`
(tuples of every normalised value and contribution) each time; here only the utilities are
computed, for a whole batch of draws at once:

* ``wsm`` (the default) is vectorised: values ``V`` of shape ``(draws, n, m)`` and weights ``W``
  of shape ``(draws, m)`` give utilities ``(draws, n)`` with exactly the arithmetic of
  :func:`score_table` (same operations in the same order, so the same floating-point results):
  fixed bounds ``u = (x - worst) / (ideal - worst)``, pool bounds min-max over the draw's scored
  candidates, weights renormalised per candidate over what it has (``missing="rescale"``).
* Every other method falls back to :func:`score_table` per draw (the straightforward way), so
  results never depend on which path ran.

:func:`utility_changes_without` says, for leave-one-out, which removals can change any other
candidate's utility: with fixed bounds none can; with min-max normalisation (``wsm`` pool
fallback, ``wsm-minmax``, ``topsis-minmax``) only a scored candidate that alone holds a weighted
objective's minimum or maximum; for the other methods (whose normalisation reads every candidate)
all of them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from analysis.decision._scoring import check_weights, resolve_bounds, score_table
from analysis.decision._table import DecisionTable

#: Methods whose normalisation only reads each objective's minimum and maximum over the scored
#: candidates (so only a removal of the holder of a minimum or maximum can change it).
MINMAX_METHODS: frozenset[str] = frozenset({"wsm-minmax", "topsis-minmax"})


class Rescorer:
    """Utilities of ``table``'s candidates under other weights and values, as :func:`score_table` gives them.

    Parameters
    ----------
    table : DecisionTable
        The candidates and objectives (its values are the defaults of :meth:`utilities`).
    weights : mapping or sequence, optional
        The base weights (their zero pattern is kept by every draw).
    method, bounds, perf, missing, min_weight_share
        As for :func:`score_table`.
    """

    def __init__(
        self,
        table: DecisionTable,
        weights: Mapping[str, float] | np.ndarray | None = None,
        *,
        method: str = "wsm",
        bounds: Mapping[str, tuple[float, float]] | None = None,
        perf: str | None = None,
        missing: str = "exclude",
        min_weight_share: float = 0.5,
    ) -> None:
        self.table = table
        self.method = method
        self.bounds = bounds
        self.perf = perf
        self.missing = missing
        self.min_weight_share = min_weight_share
        self.w = check_weights(table, weights)
        #: The weights as given (unnormalised): :meth:`utilities` of these equals :func:`score_table`'s.
        self.raw_w = (
            np.array([float(weights.get(n, 0.0)) for n in table.objective_names])
            if isinstance(weights, Mapping)
            else self.w
            if weights is None
            else np.asarray(weights, dtype=float)
        )
        self.signs = table.signs
        self.fast = method == "wsm"
        if self.fast:
            fixed = resolve_bounds(table, bounds)
            m = len(table.objectives)
            self.pooled = np.array([fb is None for fb in fixed], dtype=bool)
            lo = np.zeros(m)
            hi = np.ones(m)
            for j, fb in enumerate(fixed):
                if fb is not None:
                    sign = -1.0 if table.objectives[j].direction == "min" else 1.0
                    lo[j], hi[j] = sign * fb.worst, sign * fb.ideal
            self.lo, self.hi = lo, hi

    # ---- utilities ---------------------------------------------------------------------------
    def utilities(self, values: np.ndarray | None, weights: np.ndarray) -> np.ndarray:
        """Utilities ``(draws, n)`` for values ``(draws, n, m)`` (None: the table's) and weights ``(draws, m)``.

        Weights are normalised to sum to 1 per draw, as :func:`score_table` does.
        """
        weights = np.asarray(weights, dtype=float)
        s = weights.shape[0]
        if values is None:
            values = np.broadcast_to(self.table.values, (s,) + self.table.values.shape)
        active = self.w > 0
        same_pattern = ((weights > 0) == active).all(axis=1)
        if not self.fast or not same_pattern.all():
            out = np.empty((s, self.table.n_candidates))
            for k in range(s):
                if self.fast and same_pattern[k]:
                    out[k] = self._wsm(values[k : k + 1], weights[k : k + 1])[0]
                else:
                    out[k] = self._slow(values[k], weights[k])
            return out
        return self._wsm(values, weights)

    def utilities_of(self, values: np.ndarray, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``utilities(values, weights)[:, rows]``, normalising only those rows when that is exact.

        For ``wsm`` with every objective weighted and C-ordered values without NaN, each row's
        utility only reads its own values and (for pool-bounded objectives) each draw's column
        minimum and maximum, which are taken over every row as before; the rows are then
        normalised, weighted and summed with the same operations on an array of the same layout.
        Anything else (including an infinite pool span, which can make NaN) takes the full way.
        """
        weights = np.asarray(weights, dtype=float)
        active = self.w > 0
        if (
            self.fast
            and active.all()
            and values.ndim == 3
            and values.flags.c_contiguous
            and ((weights > 0) == active).all()
            and not np.isnan(values).any()
        ):
            out = self._wsm_rows(values, weights, np.asarray(rows, dtype=np.intp))
            if out is not None:
                return out
        return self.utilities(values, weights)[:, rows]

    def _wsm_rows(self, values: np.ndarray, weights: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
        w = weights / weights.sum(axis=1, keepdims=True)
        b = np.ascontiguousarray(values[:, rows, :]) * self.signs
        np.negative(b, out=b)
        u = np.empty_like(b)
        with np.errstate(invalid="ignore", divide="ignore"):
            for j in range(b.shape[2]):
                col = b[:, :, j]
                if self.pooled[j]:
                    full = values[:, :, j] * self.signs[j]
                    np.negative(full, out=full)
                    lo, hi = full.min(axis=1), full.max(axis=1)
                    span = hi - lo
                    if np.isinf(span).any():
                        return None
                    uj = (col - lo[:, None]) / span[:, None]
                    u[:, :, j] = np.where((span > 0)[:, None], uj, 1.0)
                else:
                    np.subtract(col, self.lo[j], out=u[:, :, j])
                    np.divide(u[:, :, j], self.hi[j] - self.lo[j], out=u[:, :, j])
        wsum = w.sum(axis=1)  # every objective is weighted: np.where(active, w, 0.0) is w
        with np.errstate(invalid="ignore", divide="ignore"):
            u *= w[:, None, :]
            u /= np.where(wsum > 0, wsum, np.nan)[:, None, None]
        return u.sum(axis=2)

    def _slow(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        t = self.table.with_values(values)
        return score_table(
            t,
            weights,
            method=self.method,
            bounds=self.bounds,
            perf=self.perf,
            missing=self.missing,
            min_weight_share=self.min_weight_share,
        ).utilities

    def _wsm(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """``wsm`` for a batch, with :func:`score_table`'s arithmetic (see the module docstring)."""
        w = weights / weights.sum(axis=1, keepdims=True)
        benefit = values * self.signs  # the layout -(values * signs) has; negated in place (exact)
        np.negative(benefit, out=benefit)
        active = self.w > 0
        weighted = benefit if active.all() else benefit[:, :, active]
        if not np.isnan(weighted).any():
            return self._wsm_complete(benefit, w, active)
        return self._wsm_general(benefit, w, active)

    def _wsm_general(self, benefit: np.ndarray, w: np.ndarray, active: np.ndarray) -> np.ndarray:
        nan = np.isnan(benefit)
        rows = ~nan[:, :, active].any(axis=2)  # (draws, n)
        if self.missing == "rescale" and not rows.all():
            have = ~nan & active
            act_sum = np.maximum(np.where(active, w, 0.0).sum(axis=1), 1e-300)
            share = np.where(have, w[:, None, :], 0.0).sum(axis=2) / act_sum[:, None]
            ok = ~rows & (share >= self.min_weight_share - 1e-12) & have.any(axis=2)
            rows = rows | ok
        u = np.empty_like(benefit)
        for j in range(benefit.shape[2]):
            col = benefit[:, :, j]
            if self.pooled[j]:
                scored = np.where(rows & ~nan[:, :, j], col, np.nan)
                with np.errstate(invalid="ignore"):
                    has = ~np.isnan(scored).all(axis=1)
                    lo = np.where(has, np.nanmin(np.where(has[:, None], scored, 0.0), axis=1), np.nan)
                    hi = np.where(has, np.nanmax(np.where(has[:, None], scored, 0.0), axis=1), np.nan)
                span = hi - lo
                with np.errstate(invalid="ignore", divide="ignore"):
                    uj = (col - lo[:, None]) / span[:, None]
                u[:, :, j] = np.where((span > 0)[:, None], uj, np.where(np.isnan(col), np.nan, 1.0))
            else:
                u[:, :, j] = (col - self.lo[j]) / (self.hi[j] - self.lo[j])
        avail = active & ~np.isnan(u)
        wsum = np.where(avail, w[:, None, :], 0.0).sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            contrib = np.where(avail, u, 0.0) * w[:, None, :] / np.where(wsum > 0, wsum, np.nan)[:, :, None]
        scores = contrib.sum(axis=2)
        return np.where(rows, scores, np.nan)

    def _wsm_complete(self, benefit: np.ndarray, w: np.ndarray, active: np.ndarray) -> np.ndarray:
        """:meth:`_wsm` when no weighted value is missing: every row scored, fewer passes, same numbers."""
        everything = bool(active.all())
        u = np.empty_like(benefit) if everything else np.zeros_like(benefit)  # same layout either way
        with np.errstate(invalid="ignore", divide="ignore"):
            for j in np.flatnonzero(active):
                col = benefit[:, :, j]
                if self.pooled[j]:
                    lo, hi = col.min(axis=1), col.max(axis=1)
                    span = hi - lo
                    uj = (col - lo[:, None]) / span[:, None]
                    u[:, :, j] = np.where((span > 0)[:, None], uj, 1.0)
                else:  # (col - lo) / (hi - lo), written in place
                    np.subtract(col, self.lo[j], out=u[:, :, j])
                    np.divide(u[:, :, j], self.hi[j] - self.lo[j], out=u[:, :, j])
        if np.isnan(u if everything else u[:, :, active]).any():  # infinite values: take the general path
            return self._wsm_general(benefit, w, active)
        wsum = np.where(active, w, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            u *= w[:, None, :]
            u /= np.where(wsum > 0, wsum, np.nan)[:, None, None]
        return u.sum(axis=2)

    # ---- leave one out -----------------------------------------------------------------------
    def changes_without(self) -> np.ndarray:
        """Boolean mask: removing this candidate can change some other candidate's utility.

        See :func:`utility_changes_without`.
        """
        return utility_changes_without(
            self.table,
            self.w,
            method=self.method,
            bounds=self.bounds,
            missing=self.missing,
            min_weight_share=self.min_weight_share,
        )


def utility_changes_without(
    table: DecisionTable,
    weights: np.ndarray,
    *,
    method: str,
    bounds: Mapping[str, tuple[float, float]] | None,
    missing: str = "exclude",
    min_weight_share: float = 0.5,
) -> np.ndarray:
    """Which removals can change another candidate's utility (True: re-score without it).

    * ``wsm``: an objective with fixed bounds is normalised without looking at the other
      candidates; an objective without them is min-max normalised over the scored candidates, so
      only a scored candidate holding that (weighted) objective's minimum or maximum moves the
      others. An unscored candidate is in no pool.
    * ``wsm-minmax`` and ``topsis-minmax``: the same min-max argument for every weighted
      objective (TOPSIS's ideal and anti-ideal points are the normalised maxima and minima).
    * Every other method reads every candidate (vector norms, AMRS between neighbours, pairwise
      flows, win rates, VIKOR's S/R extremes): every removal is re-scored.
    """
    n = table.n_candidates
    w = np.asarray(weights, dtype=float)
    active = w > 0
    if method == "wsm":
        fixed = resolve_bounds(table, bounds)
        pooled = np.array([fb is None for fb in fixed], dtype=bool) & active
    elif method in MINMAX_METHODS:
        pooled = active.copy()
    else:
        return np.ones(n, dtype=bool)
    if not pooled.any():
        return np.zeros(n, dtype=bool)
    res = score_table(table, w, method=method, bounds=bounds, missing=missing, min_weight_share=min_weight_share)
    scored = ~np.isnan(np.array(res.scores, dtype=float))
    benefit = -table.costs()
    out = np.zeros(n, dtype=bool)
    for j in np.flatnonzero(pooled):
        col = np.where(scored, benefit[:, j], np.nan)
        if np.isnan(col).all():
            continue
        for edge in (np.nanmin(col), np.nanmax(col)):
            holders = col == edge
            if holders.sum() == 1:  # a shared minimum or maximum stays when one holder leaves
                out |= holders
    return out
