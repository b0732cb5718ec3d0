"""Ranking metrics (ROC AUC, average precision) for many weightings of the same rows at once.

A bootstrap resample is a vector of row counts, so a whole batch of resamples is a weight
matrix ``W`` (resamples x rows). Sorting the scores once and reducing the weights over tied
score groups gives every resample's ROC AUC and average precision in a few vectorised passes,
with the same tie handling as scikit-learn's ``roc_auc_score`` / ``average_precision_score``
called with ``sample_weight``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class ScoreOrder:
    """Rows grouped by tied score, ascending: sparse (groups x rows) maps of positives/negatives."""

    positives: sparse.csr_matrix
    negatives: sparse.csr_matrix


def make_score_order(y_true: np.ndarray, y_score: np.ndarray) -> ScoreOrder:
    """Group rows by distinct score once, for :func:`weighted_roc_auc` and :func:`weighted_average_precision`."""
    _, group = np.unique(np.asarray(y_score, dtype=float), return_inverse=True)
    group = group.ravel()
    n_groups = int(group.max()) + 1 if group.size else 0
    pos = np.asarray(y_true, bool)
    rows = np.arange(pos.size)

    def _map(mask: np.ndarray) -> sparse.csr_matrix:
        return sparse.csr_matrix((np.ones(int(mask.sum())), (group[mask], rows[mask])), shape=(n_groups, pos.size))

    return ScoreOrder(positives=_map(pos), negatives=_map(~pos))


def _group_sums(W: np.ndarray, so: ScoreOrder) -> tuple[np.ndarray, np.ndarray]:
    """Weighted positives and negatives per score group: (weightings x groups) each."""
    Wt = np.ascontiguousarray(W.T)
    return (so.positives @ Wt).T, (so.negatives @ Wt).T


def weighted_roc_auc(W: np.ndarray, so: ScoreOrder, sums=None) -> np.ndarray:
    """ROC AUC for each row of weights ``W`` (NaN where a weighting has one class only)."""
    pos, neg = sums if sums is not None else _group_sums(W, so)
    neg_below = np.cumsum(neg, axis=1) - neg
    num = (pos * (neg_below + 0.5 * neg)).sum(axis=1)
    den = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def weighted_average_precision(W: np.ndarray, so: ScoreOrder, sums=None) -> np.ndarray:
    """Average precision (step-wise area under the PR curve) for each row of weights ``W``."""
    pos, neg = sums if sums is not None else _group_sums(W, so)
    # Thresholds go from the highest score down: reverse the groups.
    pos = pos[:, ::-1]
    neg = neg[:, ::-1]
    tp = np.cumsum(pos, axis=1)
    fp = np.cumsum(neg, axis=1)
    total_pos = tp[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / np.where(tp + fp > 0, tp + fp, 1.0), 0.0)
        ap = (pos * precision).sum(axis=1) / total_pos[:, 0]
    return np.where(total_pos[:, 0] > 0, ap, np.nan)


def weighted_ranking_metrics(W: np.ndarray, so: ScoreOrder) -> tuple[np.ndarray, np.ndarray]:
    """ROC AUC and average precision for each row of ``W``, sharing one pass over the rows."""
    sums = _group_sums(W, so)
    return weighted_roc_auc(W, so, sums), weighted_average_precision(W, so, sums)
