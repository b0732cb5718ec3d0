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


def transposed(W: np.ndarray) -> np.ndarray:
    """Rows x weightings, C-contiguous: the layout the sparse group sums want."""
    return np.ascontiguousarray(W.T)


def _group_sums(Wt: np.ndarray, so: ScoreOrder) -> tuple[np.ndarray, np.ndarray]:
    """Weighted positives and negatives per score group: (groups x weightings) each."""
    return so.positives @ Wt, so.negatives @ Wt


def _auc(pos: np.ndarray, neg: np.ndarray, cneg: np.ndarray) -> np.ndarray:
    """Mann-Whitney form: each positive beats the negatives scored below it, ties count half."""
    num = np.einsum("gb,gb->b", pos, cneg - 0.5 * neg)
    den = cneg[-1] * pos.sum(axis=0)
    return ratio_or_nan(num, den)


def _average_precision(pos: np.ndarray, neg: np.ndarray, cpos: np.ndarray, cneg: np.ndarray) -> np.ndarray:
    """Step-wise area under the PR curve, thresholds from the highest score down."""
    # Predicted positive at threshold g: every row scored at or above group g.
    tp = cpos[-1] - cpos + pos
    predicted = tp + (cneg[-1] - cneg + neg)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    return ratio_or_nan(np.einsum("gb,gb->b", pos, precision), cpos[-1])


def ratio_or_nan(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, NaN where ``den`` is zero (a weighting with one class only)."""
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=den > 0)


def weighted_roc_auc(W: np.ndarray, so: ScoreOrder, *, Wt: np.ndarray | None = None) -> np.ndarray:
    """ROC AUC for each row of weights ``W`` (NaN where a weighting has one class only)."""
    return weighted_ranking_metrics(W, so, Wt=Wt)[0]


def weighted_average_precision(W: np.ndarray, so: ScoreOrder, *, Wt: np.ndarray | None = None) -> np.ndarray:
    """Average precision (step-wise area under the PR curve) for each row of weights ``W``."""
    return weighted_ranking_metrics(W, so, Wt=Wt)[1]


def weighted_ranking_metrics(
    W: np.ndarray, so: ScoreOrder, *, Wt: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """ROC AUC and average precision for each row of ``W``, sharing one pass over the rows.

    ``Wt``, the transpose of ``W`` in C order, may be passed when several candidates share
    the same weights, so it is built once.
    """
    pos, neg = _group_sums(transposed(W) if Wt is None else Wt, so)
    cpos = np.cumsum(pos, axis=0)
    cneg = np.cumsum(neg, axis=0)
    return _auc(pos, neg, cneg), _average_precision(pos, neg, cpos, cneg)
