"""Predictive-quality metrics computed from weighted sums, for many weightings at once.

Almost every metric is a ratio of weighted sums of per-row terms: accuracy is
``sum(w * correct) / sum(w)``, precision ``sum(w * tp) / sum(w * predicted_positive)``. We
build the per-row terms once per candidate as the columns of a matrix ``T`` (rows x terms);
for a matrix of weightings ``W`` (bootstrap resamples, time windows, or a single row of ones
for the point estimate) ``W @ T`` gives every sum in one BLAS call, and each metric is a
cheap formula on those sums. Ranking metrics, which need a sort, come from
:mod:`analysis.evaluation._ranking`.

Definitions follow scikit-learn (checked against it in the tests): ``precision``, ``recall``
and ``f1`` are for the positive class in binary tasks and macro averages in multiclass;
``roc_auc``/``pr_auc`` are one-vs-rest macro averages in multiclass; ``log_loss`` clips
probabilities to ``[eps, 1 - eps]``; the ``brier_score`` of a multiclass task sums the squared
error over classes. ``expected_calibration_error`` uses 15 equal-width bins of the predicted
probability of the positive class (binary) or of the predicted class (multiclass).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis._group_rates import ratio
from analysis.evaluation._ranking import (
    ScoreOrder,
    make_score_order,
    weighted_ranking_metrics,
)

ECE_BINS = 15


@dataclass
class Terms:
    """Named columns of per-row terms; ``sums(W)`` gives their weighted sums.

    Columns that are zero on most rows (group indicators, calibration bins) are added with
    ``sparse=True`` and summed with a sparse product, which costs the number of non-zeros
    instead of rows x columns.
    """

    n_rows: int
    names: list[str] = field(default_factory=list)
    columns: list[np.ndarray] = field(default_factory=list)
    sparse_names: list[str] = field(default_factory=list)
    sparse_columns: list[np.ndarray] = field(default_factory=list)
    _built: tuple | None = None

    def add(self, name: str, column: np.ndarray, *, sparse: bool = False) -> None:
        """Add a per-row column; ``sparse`` for columns that are mostly zero."""
        target = (self.sparse_names, self.sparse_columns) if sparse else (self.names, self.columns)
        target[0].append(name)
        target[1].append(np.asarray(column, dtype=np.float64))
        self._built = None

    @property
    def all_names(self) -> list[str]:
        """Every column name, dense first."""
        return self.names + self.sparse_names

    def _build(self) -> tuple:
        if self._built is None:
            from scipy import sparse as sp

            dense = np.column_stack(self.columns) if self.columns else np.zeros((self.n_rows, 0))
            if self.sparse_columns:
                stacked = np.vstack(self.sparse_columns)
                csr = sp.csr_matrix(stacked)
            else:
                csr = None
            index = {n: i for i, n in enumerate(self.all_names)}
            self._built = (dense, csr, index)
        return self._built

    def sums(self, W: np.ndarray, *, Wt: np.ndarray | None = None) -> Sums:
        """Weighted sums for each row of ``W`` (``Wt``: its C-order transpose, if at hand)."""
        dense, csr, index = self._build()
        values = W @ dense
        if csr is not None:
            Wt = np.ascontiguousarray(W.T) if Wt is None else Wt
            values = np.hstack([values, (csr @ Wt).T])
        return Sums(values, index, W.sum(axis=1))


@dataclass(frozen=True)
class Sums:
    """Weighted sums of :class:`Terms` for each weighting (rows of ``W``)."""

    values: np.ndarray
    index: dict[str, int]
    weight: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[:, self.index[name]]


# ---------------------------------------------------------------------------------------
# Binary classification
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BinaryInputs:
    """One candidate's predictions on a binary task (positive class = 1)."""

    y_true: np.ndarray  # 0/1
    y_pred: np.ndarray  # 0/1
    y_prob: np.ndarray | None  # probability of the positive class
    y_score: np.ndarray | None  # ranking score (probability or decision function)


def binary_terms(inp: BinaryInputs) -> Terms:
    """Per-row terms for every binary metric."""
    y = inp.y_true.astype(float)
    p = inp.y_pred.astype(float)
    t = Terms(len(y))
    t.add("pos", y)
    t.add("pred_pos", p)
    t.add("tp", y * p)
    t.add("correct", (y == p).astype(float))
    if inp.y_prob is not None:
        eps = np.finfo(np.float64).eps
        q = np.clip(inp.y_prob, eps, 1 - eps)
        t.add("nll", -(y * np.log(q) + (1 - y) * np.log(1 - q)))
        t.add("sq", (inp.y_prob - y) ** 2)
        bins = np.clip((inp.y_prob * ECE_BINS).astype(int), 0, ECE_BINS - 1)
        for b in range(ECE_BINS):
            t.add(f"ece{b}", np.where(bins == b, y - inp.y_prob, 0.0), sparse=True)
    return t


def binary_metrics(
    s: Sums, order: ScoreOrder | None, W: np.ndarray, *, Wt: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Every binary quality metric for each weighting."""
    n, pos, pp, tp, correct = s.weight, s["pos"], s["pred_pos"], s["tp"], s["correct"]
    neg = n - pos
    tn = correct - tp
    recall = ratio(tp, pos, empty=0.0)
    specificity = ratio(tn, neg, empty=0.0)
    precision = ratio(tp, pp, empty=0.0)
    out = {
        "accuracy": ratio(correct, n),
        "balanced_accuracy": (recall + specificity) / 2,
        "precision": precision,
        "recall": recall,
        "f1": ratio(2 * tp, pos + pp, empty=0.0),
    }
    if order is not None:
        out["roc_auc"], out["pr_auc"] = weighted_ranking_metrics(W, order, Wt=Wt)
    if "nll" in s.index:
        out["log_loss"] = ratio(s["nll"], n)
        out["brier_score"] = ratio(s["sq"], n)
        gaps = np.column_stack([np.abs(s[f"ece{b}"]) for b in range(ECE_BINS)])
        out["expected_calibration_error"] = ratio(gaps.sum(axis=1), n)
    return out


# ---------------------------------------------------------------------------------------
# Multiclass classification
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MulticlassInputs:
    """One candidate's predictions on a multiclass task (labels coded 0..C-1)."""

    y_true: np.ndarray
    y_pred: np.ndarray
    y_prob: np.ndarray | None  # rows x classes
    n_classes: int


def multiclass_terms(inp: MulticlassInputs) -> Terms:
    """Per-row terms for every multiclass metric."""
    y, p, C = inp.y_true, inp.y_pred, inp.n_classes
    t = Terms(len(y))
    t.add("correct", (y == p).astype(float))
    for c in range(C):
        t.add(f"true{c}", (y == c).astype(float))
        t.add(f"pred{c}", (p == c).astype(float))
        t.add(f"tp{c}", ((y == c) & (p == c)).astype(float))
    if inp.y_prob is not None:
        P = inp.y_prob
        eps = np.finfo(np.float64).eps
        # scikit-learn renormalises rows after clipping.
        Q = np.clip(P, eps, 1 - eps)
        Q = Q / Q.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        t.add("nll", -np.log(Q[rows, y]))
        onehot = np.zeros_like(P)
        onehot[rows, y] = 1.0
        t.add("sq", ((P - onehot) ** 2).sum(axis=1))
        conf = P.max(axis=1)
        top = P.argmax(axis=1)
        bins = np.clip((conf * ECE_BINS).astype(int), 0, ECE_BINS - 1)
        for b in range(ECE_BINS):
            t.add(f"ece{b}", np.where(bins == b, (top == y) - conf, 0.0), sparse=True)
    return t


def multiclass_metrics(
    s: Sums, orders: list[ScoreOrder] | None, W: np.ndarray, n_classes: int, *, Wt: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Every multiclass quality metric (macro averages) for each weighting."""
    n = s.weight
    recalls, precisions, f1s = [], [], []
    present = []
    for c in range(n_classes):
        tp, true, pred = s[f"tp{c}"], s[f"true{c}"], s[f"pred{c}"]
        recalls.append(ratio(tp, true, empty=0.0))
        precisions.append(ratio(tp, pred, empty=0.0))
        f1s.append(ratio(2 * tp, true + pred, empty=0.0))
        present.append(true > 0)
    R, Pm, F = (np.column_stack(x) for x in (recalls, precisions, f1s))
    present_m = np.column_stack(present)
    out = {
        "accuracy": ratio(s["correct"], n),
        # balanced accuracy averages recall over the classes present in y_true
        "balanced_accuracy": ratio((R * present_m).sum(axis=1), present_m.sum(axis=1)),
        "precision": Pm.mean(axis=1),
        "recall": R.mean(axis=1),
        "f1": F.mean(axis=1),
    }
    if orders is not None:
        per_class = [weighted_ranking_metrics(W, o, Wt=Wt) for o in orders]
        out["roc_auc"] = np.column_stack([a for a, _ in per_class]).mean(axis=1)
        out["pr_auc"] = np.column_stack([p for _, p in per_class]).mean(axis=1)
    if "nll" in s.index:
        out["log_loss"] = ratio(s["nll"], n)
        out["brier_score"] = ratio(s["sq"], n)
        gaps = np.column_stack([np.abs(s[f"ece{b}"]) for b in range(ECE_BINS)])
        out["expected_calibration_error"] = ratio(gaps.sum(axis=1), n)
    return out


def multiclass_orders(y_true: np.ndarray, y_prob: np.ndarray) -> list[ScoreOrder]:
    """One-vs-rest score orders, one per class."""
    return [make_score_order(y_true == c, y_prob[:, c]) for c in range(y_prob.shape[1])]


# ---------------------------------------------------------------------------------------
# Regression
# ---------------------------------------------------------------------------------------
def regression_terms(y_true: np.ndarray, y_pred: np.ndarray) -> Terms:
    """Per-row terms for MAE, RMSE and R²."""
    y = y_true.astype(float)
    e = y_pred.astype(float) - y
    t = Terms(len(y))
    t.add("abs_err", np.abs(e))
    t.add("sq_err", e**2)
    t.add("y", y)
    t.add("y2", y**2)
    return t


def regression_metrics(s: Sums) -> dict[str, np.ndarray]:
    """MAE, RMSE and R² for each weighting."""
    n = s.weight
    ss_tot = s["y2"] - ratio(s["y"] ** 2, n)
    return {
        "mae": ratio(s["abs_err"], n),
        "rmse": np.sqrt(ratio(s["sq_err"], n)),
        "r2": 1 - ratio(s["sq_err"], ss_tot),
    }


__all__ = [
    "BinaryInputs",
    "MulticlassInputs",
    "Sums",
    "Terms",
    "binary_metrics",
    "binary_terms",
    "make_score_order",
    "multiclass_metrics",
    "multiclass_orders",
    "multiclass_terms",
    "regression_metrics",
    "regression_terms",
]
