"""Compact curves for the quality view: ROC, precision-recall, calibration and confusion counts.

Stored in the scorecard (``sections["curves"]``) so a dashboard or report can draw them without
the per-row predictions. Curves are thinned to at most ``max_points`` points, keeping the first
and last, so the scorecard grows with the number of candidates, not with the rows.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve

from analysis.evaluation._metrics import ECE_BINS


def _thin(*arrays: np.ndarray, max_points: int) -> list[list[float]]:
    n = len(arrays[0])
    if n > max_points:
        idx = np.unique(np.linspace(0, n - 1, max_points).round().astype(int))
        arrays = tuple(a[idx] for a in arrays)
    return [[round(float(v), 6) for v in a] for a in arrays]


def binary_curves(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    y_score: np.ndarray | None,
    y_prob: np.ndarray | None,
    *,
    max_points: int = 101,
) -> dict:
    """ROC and PR curves (from the score), calibration bins (from the probability) and the confusion matrix."""
    out: dict = {"confusion_matrix": confusion_matrix(y_true, y_pred, labels=[0, 1]).tolist(), "labels": [0, 1]}
    if y_score is not None:
        fpr, tpr, _ = roc_curve(y_true, y_score)
        out["roc"] = dict(zip(("fpr", "tpr"), _thin(fpr, tpr, max_points=max_points), strict=True))
        precision, recall, _ = precision_recall_curve(y_true, y_score)
        out["pr"] = dict(zip(("recall", "precision"), _thin(recall, precision, max_points=max_points), strict=True))
    if y_prob is not None:
        bins = np.clip((y_prob * ECE_BINS).astype(int), 0, ECE_BINS - 1)
        count = np.bincount(bins, minlength=ECE_BINS)
        mean_pred = np.bincount(bins, weights=y_prob, minlength=ECE_BINS)
        observed = np.bincount(bins, weights=y_true.astype(float), minlength=ECE_BINS)
        keep = count > 0
        out["calibration"] = {
            "bin_mean_predicted": [round(float(v), 6) for v in (mean_pred[keep] / count[keep])],
            "bin_observed_rate": [round(float(v), 6) for v in (observed[keep] / count[keep])],
            "bin_count": [int(c) for c in count[keep]],
            "bins": ECE_BINS,
        }
    return out


def multiclass_curves(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict:
    """The confusion matrix (curves per class are left to the binary case)."""
    return {"confusion_matrix": confusion_matrix(y_true, y_pred, labels=list(range(n_classes))).tolist()}


def regression_curves(y_true: np.ndarray, y_pred: np.ndarray, *, bins: int = 20) -> dict:
    """Mean prediction vs mean target per quantile bin of the prediction, and residual quantiles."""
    order = np.argsort(y_pred, kind="mergesort")
    chunks = np.array_split(order, min(bins, len(order)))
    resid = y_pred - y_true
    return {
        "binned": {
            "mean_predicted": [round(float(y_pred[c].mean()), 6) for c in chunks if len(c)],
            "mean_actual": [round(float(y_true[c].mean()), 6) for c in chunks if len(c)],
            "count": [int(len(c)) for c in chunks if len(c)],
        },
        "residual_quantiles": {
            str(q): round(float(np.quantile(resid, q)), 6) for q in (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
        },
    }
