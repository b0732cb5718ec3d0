"""Fairness per slice, with fairlearn's definitions and a vectorised counting path.

fairlearn's ``MetricFrame`` recomputes every metric per group with pandas group-bys (about
0.65 s per model on 50k rows). Every group metric we need is a ratio of a few counts per
group (rows, positives, predicted positives, true positives), and the counts for many
candidates at once are one matrix product of the predictions with a group-indicator matrix.
The results equal ``MetricFrame`` to floating-point precision (see the tests) and take
milliseconds.

Definitions (fairlearn):

* ``selection_rate`` = predicted positives / rows; ``demographic_parity_difference`` =
  max - min over groups; ``demographic_parity_ratio`` = min / max.
* ``tpr`` = TP / positives, ``fpr`` = FP / negatives; ``equalized_odds_difference`` =
  max(TPR difference, FPR difference).
* ``fnr`` = FN / positives (= 1 - TPR), ``fdr`` = FP / predicted positives (= 1 - precision).
* ``worst_group_accuracy`` = the smallest per-group accuracy.

A rate whose denominator is zero in a group (a group with no positives has no TPR) is NaN
and that group is left out of the disparity for that rate; the slice table says so.

Small groups. A disparity is a max - min over groups, so the noisiest group sets it: a group
of 2 rows has rates of 0, 0.5 or 1, and a handful of such groups gives every candidate an
equalized odds difference of 1 and a parity ratio of 0, which tells stakeholders nothing.
Scored figures (the disparities and worst-group figures that become scorecard objectives,
and their bootstrap intervals) therefore use only the groups with at least
``min_group_size`` rows (default 30: the usual rule of thumb for a normal approximation, and
at n = 30 a 95% Wilson interval for a rate near 0.5 is still about +-0.17 wide, the size of
the gaps being judged). Smaller groups stay in the slice table, flagged ``small`` and
``excluded_from_scoring``. An attribute with fewer than two eligible groups has no
comparison to make, so its scored figures are missing (NaN), never 0.

Per-group rate intervals are Wilson score intervals (:func:`wilson_interval`; ``ci_method =
"wilson"``), which stay honest at small n: 2 of 2 at 95% gives [0.342, 1.000], where a
bootstrap gives the degenerate [1, 1]. Regression's per-group MAE keeps a bootstrap
percentile interval (it is not a proportion).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from analysis._group_rates import disparities, group_extremes, keep_eligible
from analysis.evaluation._metrics import ratio
from analysis.objectives import FAIRNESS_BASES, attribute_objective, get_objective

MISSING_GROUP = "(missing)"
INTERSECTION_SEP = " & "
#: How per-group rate intervals are computed (recorded in slices and settings).
CI_METHOD = "wilson"
#: Per-group rates of a binary task, in slice-table order.
BINARY_RATES: tuple[str, ...] = ("selection_rate", "accuracy", "tpr", "fpr", "fnr", "fdr")
#: Each binary rate as (numerator count, denominator count) of :class:`GroupCounts` fields and
#: their derived counts (``neg``, ``fp``, ``fn``).
RATE_COUNTS: dict[str, tuple[str, str]] = {
    "selection_rate": ("pred_pos", "n"),
    "accuracy": ("correct", "n"),
    "tpr": ("tp", "pos"),
    "fpr": ("fp", "neg"),
    "fnr": ("fn", "pos"),
    "fdr": ("fp", "pred_pos"),
}


@dataclass(frozen=True)
class GroupIndex:
    """Rows coded by the groups of one sensitive attribute (or an intersection of several)."""

    attribute: str
    labels: tuple[str, ...]
    codes: np.ndarray  # int per row, index into labels

    @property
    def n_groups(self) -> int:
        return len(self.labels)

    def indicator(self, dtype=np.float64) -> np.ndarray:
        """Rows x groups one-hot matrix."""
        out = np.zeros((len(self.codes), self.n_groups), dtype=dtype)
        out[np.arange(len(self.codes)), self.codes] = 1
        return out


def _sorted_groups(labels: Sequence[str], codes: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """Labels in sorted order (equal labels merged) and the codes renumbered to match."""
    labels = [str(x) for x in labels]
    ordered = sorted(set(labels))
    where = {label: i for i, label in enumerate(ordered)}
    remap = np.array([where[label] for label in labels], dtype=np.int64)
    return tuple(ordered), remap[codes] if len(remap) else codes.astype(np.int64)


def _column_groups(series: pd.Series) -> tuple[tuple[str, ...], np.ndarray]:
    """A column's groups: its values as text (missing as :data:`MISSING_GROUP`), sorted, and each row's code.

    Factorises the column first and converts only the distinct values to text, so a column of
    millions of rows is never turned into Python strings.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = pd.Series(uniques).astype("string").fillna(MISSING_GROUP).astype(str).tolist()
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(text), codes)
        text.append(MISSING_GROUP)
    return _sorted_groups(text, codes)


def build_group_indexes(
    frame: pd.DataFrame, sensitive: Sequence[str], *, intersections: bool = True
) -> list[GroupIndex]:
    """One :class:`GroupIndex` per sensitive column, plus their intersection when there are several.

    Labels are the column values as text, sorted; an intersection's labels join the values with
    :data:`INTERSECTION_SEP`, and it has only the combinations that occur.
    """
    indexes = [GroupIndex(col, *_column_groups(frame[col])) for col in sensitive]
    if intersections and len(sensitive) > 1:
        labels, codes = list(indexes[0].labels), indexes[0].codes
        for g in indexes[1:]:
            combo, inverse = np.unique(codes * g.n_groups + g.codes, return_inverse=True)
            labels = [labels[c // g.n_groups] + INTERSECTION_SEP + g.labels[c % g.n_groups] for c in combo]
            codes = inverse.ravel().astype(np.int64)
        indexes.append(GroupIndex(INTERSECTION_SEP.join(sensitive), *_sorted_groups(labels, codes)))
    return indexes


@dataclass(frozen=True)
class GroupCounts:
    """Per-group counts; arrays are (..., groups), leading axes = candidates or resamples."""

    n: np.ndarray
    pos: np.ndarray
    pred_pos: np.ndarray
    tp: np.ndarray
    correct: np.ndarray

    @property
    def neg(self) -> np.ndarray:
        return self.n - self.pos

    @property
    def fp(self) -> np.ndarray:
        return self.pred_pos - self.tp

    @property
    def fn(self) -> np.ndarray:
        return self.pos - self.tp


def count_groups(
    y_true: np.ndarray,
    Y_pred: np.ndarray,
    group: GroupIndex,
    *,
    correct: np.ndarray | None = None,
) -> GroupCounts:
    """Per-group counts for many candidates' binary predictions at once.

    Parameters
    ----------
    y_true : array of shape (n_rows,)
        0/1 labels.
    Y_pred : array of shape (n_candidates, n_rows)
        0/1 predictions of each candidate.
    group : GroupIndex
        The grouping of the rows.
    correct : array of shape (n_candidates, n_rows), optional
        Whether each prediction is right, for multiclass tasks; derived from ``Y_pred`` when
        omitted.
    """
    y = np.asarray(y_true, dtype=np.float64)
    P = np.asarray(Y_pred)
    sizes = np.bincount(group.codes, minlength=group.n_groups).astype(np.float64)
    positives = np.bincount(group.codes, weights=y, minlength=group.n_groups)
    n = np.broadcast_to(sizes, (P.shape[0], group.n_groups))
    pos = np.broadcast_to(positives, (P.shape[0], group.n_groups))
    sum_by_group = _group_summer(group, many=P.shape[0] > 64)
    pred_pos = sum_by_group(P)
    tp = sum_by_group(P, y)
    if correct is None:
        right = n - pos - pred_pos + 2 * tp
    else:
        right = sum_by_group(np.asarray(correct))
    return GroupCounts(n=n, pos=pos, pred_pos=pred_pos, tp=tp, correct=right)


#: Largest dense rows x groups indicator :func:`count_groups` builds (beyond it, rows are sorted by group).
DENSE_INDICATOR_BYTES = 64 * 2**20


def _group_summer(group: GroupIndex, *, many: bool):
    """``summed(V, rows=None)``: per group, the sum over its rows of ``V * rows`` (candidates x groups).

    A BLAS product with the dense one-hot indicator while it is small (float32 for many
    candidates, as before); otherwise a sum over the rows sorted by group, so memory stays at the
    size of ``V`` whatever the number of groups.
    """
    dtype = np.float32 if many else np.float64
    n_rows = len(group.codes)
    if n_rows * group.n_groups * np.dtype(dtype).itemsize <= DENSE_INDICATOR_BYTES:
        M = group.indicator(dtype)

        def dense(V, rows=None):
            weights = M if rows is None else M * np.asarray(rows, dtype=dtype)[:, None]
            return (np.asarray(V, dtype=dtype) @ weights).astype(np.float64)

        return dense
    order = np.argsort(group.codes, kind="stable")
    sizes = np.bincount(group.codes, minlength=group.n_groups)
    present = np.flatnonzero(sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)])[present]

    def by_sorting(V, rows=None):
        sorted_v = np.asarray(V, dtype=dtype)[:, order]
        if rows is not None:
            sorted_v *= np.asarray(rows, dtype=dtype)[order]
        out = np.zeros((sorted_v.shape[0], group.n_groups))
        if len(order):
            out[:, present] = np.add.reduceat(sorted_v, starts, axis=1, dtype=np.float64)
        return out

    return by_sorting


def group_rates(c: GroupCounts) -> dict[str, np.ndarray]:
    """Per-group selection rate, accuracy, TPR, FPR, FNR and FDR (NaN where undefined)."""
    return {r: ratio(getattr(c, num), getattr(c, den)) for r, (num, den) in RATE_COUNTS.items()}


def wilson_interval(successes: np.ndarray, trials: np.ndarray, *, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion, elementwise; NaN where ``trials`` is 0.

    Valid at small n, unlike the normal (Wald) interval or a bootstrap (Wilson 1927). ``z`` is
    the exact normal quantile (1.95996 at 95%; worked examples that round it to 1.96 can differ
    in the fourth decimal):

    >>> lo, hi = wilson_interval(np.array([2, 0]), np.array([2, 3]), confidence=0.95)
    >>> np.round(lo, 4).tolist(), np.round(hi, 4).tolist()
    ([0.3424, 0.0], [1.0, 0.5615])
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = ratio(k, n)
    safe_n = np.where(n > 0, n, np.nan)
    z2n = z * z / safe_n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * np.sqrt(np.maximum(p * (1 - p), 0) / safe_n + z2n / (4 * safe_n))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def group_rate_intervals(c: GroupCounts, *, confidence: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Wilson intervals of every rate of :func:`group_rates`, ``{rate: (low, high)}``."""
    return {
        r: wilson_interval(getattr(c, num), getattr(c, den), confidence=confidence)
        for r, (num, den) in RATE_COUNTS.items()
    }


def group_sizes(group: GroupIndex) -> np.ndarray:
    """Rows per group."""
    return np.bincount(group.codes, minlength=group.n_groups)


def eligible_groups(sizes: np.ndarray, *, min_group_size: int) -> np.ndarray:
    """Groups large enough to set a scored disparity (``n >= min_group_size``)."""
    return np.asarray(sizes) >= min_group_size


def small_group_rule(min_group_size: int) -> str:
    """The small-group rule in one sentence (recorded in the scorecard)."""
    return (
        f"Disparities and worst-group figures are scored over groups of at least {min_group_size} rows; "
        "smaller groups are reported and flagged but excluded, and an attribute with fewer than two such "
        "groups has no scored disparity (missing, not 0)."
    )


def regression_disparities(mae: np.ndarray, *, eligible: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Worst-group MAE and the MAE gap between groups, over the ``eligible`` groups."""
    lo, hi = group_extremes(keep_eligible(mae, eligible))
    return {"worst_group_mae": hi, "group_mae_difference": hi - lo}


def attribute_disparities(
    rates: Mapping[str, np.ndarray], *, task: str, eligible: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The fairness objectives of one attribute for ``task`` (:data:`FAIRNESS_BASES`)."""
    if task == "regression":
        return regression_disparities(rates["mae"], eligible=eligible)
    return disparities(rates, binary=task == "binary", eligible=eligible)


def scored_fairness(
    by_attribute: Mapping[str, Mapping[str, np.ndarray]],
    eligible: Mapping[str, np.ndarray],
    *,
    task: str,
    scored: Sequence[str],
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """Scored fairness objectives from per-group rates, over eligible groups only.

    Parameters
    ----------
    by_attribute : mapping
        ``{attribute: {rate: array (..., groups)}}`` (``mae`` for regression).
    eligible : mapping
        ``{attribute: bool array (groups,)}`` from :func:`eligible_groups`.
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    scored : sequence of str
        The attributes that are scored (the single sensitive attributes, not intersections).

    Returns
    -------
    objectives : dict
        ``base`` (the worst over the scored attributes, ignoring missing ones) and
        ``base[attribute]`` for each scored attribute.
    per_attribute : dict
        ``{attribute: {base: array}}`` for every attribute, intersections included.
    """
    per = {a: attribute_disparities(r, task=task, eligible=eligible.get(a)) for a, r in by_attribute.items()}
    objectives: dict[str, np.ndarray] = {}
    for base in FAIRNESS_BASES[task]:
        vals = [per[a][base] for a in scored if a in per]
        if not vals:
            continue
        stacked = np.vstack([np.atleast_1d(v) for v in vals])
        worst = np.fmin if get_objective(base).direction == "max" else np.fmax
        objectives[base] = worst.reduce(stacked, axis=0)
        for a in scored:
            if a in per:
                objectives[attribute_objective(base, a).name] = per[a][base]
    return objectives, per
