"""Fairlearn's between-group disparities from group rates, numpy only.

Reading a stored curve (:mod:`analysis.operating_points`) uses them without importing the evaluation
stack; :mod:`analysis.evaluation._fairness` documents the definitions and the small-group rule.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def ratio(num: np.ndarray, den: np.ndarray, *, empty: float = np.nan) -> np.ndarray:
    """``num / den`` with ``empty`` where ``den`` is zero."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, empty, dtype=float)
    np.divide(num, den, out=out, where=den != 0)
    return out


def group_extremes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest value over the groups (last axis), ignoring NaN; NaN if all are NaN."""
    ok = ~np.isnan(x)
    lo = np.where(ok, x, np.inf).min(axis=-1)
    hi = np.where(ok, x, -np.inf).max(axis=-1)
    empty = ~ok.any(axis=-1)
    return np.where(empty, np.nan, lo), np.where(empty, np.nan, hi)


def spread(x: np.ndarray) -> np.ndarray:
    lo, hi = group_extremes(x)
    return hi - lo


def keep_eligible(x: np.ndarray, eligible: np.ndarray | None) -> np.ndarray:
    """``x`` with the groups outside ``eligible`` set to NaN; all NaN if fewer than two are eligible."""
    x = np.asarray(x, dtype=float)
    if eligible is None:
        eligible = np.ones(x.shape[-1], dtype=bool)
    eligible = np.asarray(eligible, dtype=bool)
    if eligible.sum() < 2:
        return np.full_like(x, np.nan)
    return np.where(eligible, x, np.nan)


def disparities(
    rates: Mapping[str, np.ndarray], *, binary: bool, eligible: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Fairlearn's between-group disparities from per-group rates (last axis = groups).

    Only the ``eligible`` groups count (all when omitted); with fewer than two, every figure is
    NaN: there is nothing to compare.
    """
    acc_lo, acc_hi = group_extremes(keep_eligible(rates["accuracy"], eligible))
    out = {"worst_group_accuracy": acc_lo}
    if not binary:
        out["group_accuracy_difference"] = acc_hi - acc_lo
    if binary:
        lo, hi = group_extremes(keep_eligible(rates["selection_rate"], eligible))
        out["demographic_parity_difference"] = hi - lo
        out["demographic_parity_ratio"] = ratio(lo, hi, empty=np.nan)
        out["equalized_odds_difference"] = np.fmax(
            spread(keep_eligible(rates["tpr"], eligible)), spread(keep_eligible(rates["fpr"], eligible))
        )
    return out
