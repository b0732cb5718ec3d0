"""Operating points: a scored binary classifier at every threshold at once (issue 14, item 1).

A row is predicted positive at threshold ``t`` when its score is ``>= t`` (the convention of
scikit-learn's ``roc_curve`` and ``precision_recall_curve``). :func:`threshold_counts` gives, for
every threshold of a grid and every group, the weighted confusion counts (rows, positives,
predicted positives, true positives) and the summed value of the decisions, in one pass over the
rows: each row falls in the bin of the highest threshold it reaches (one ``searchsorted`` on the
ascending grid), the rows are summed per (group, bin) with ``bincount``, and a cumulative sum from
the highest threshold down turns "in this bin" into "at or above this threshold". The cost is
``O(n log T + G T)`` per weighting instead of ``O(n T)`` for a loop that thresholds and counts at
each ``t`` (or calls scikit-learn and fairlearn per threshold, as ``bench/bench_thresholds.py``
measures next to it).

Weights make the bootstrap: pass the resamples' row weights (``(resamples, rows)``, the Poisson
weights of :mod:`analysis.evaluation._bootstrap`) and every count gains a leading resamples axis,
so an interval at any threshold comes from the same resamples as the rest of the scorecard.

Every rate is a ratio of these counts (:func:`threshold_rates`), NaN where its denominator is 0,
so metrics at any threshold equal scikit-learn's on the thresholded predictions, and per-group
rates equal fairlearn's ``MetricFrame`` (both tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.evaluation._metrics import ratio

#: Thresholds a default grid has at most (quantiles of the scores, duplicates merged).
DEFAULT_THRESHOLDS = 1000


def threshold_grid(scores: np.ndarray, *, size: int = DEFAULT_THRESHOLDS) -> np.ndarray:
    """Ascending thresholds at quantiles of ``scores`` (at most ``size``, distinct), from the lowest score up.

    The lowest threshold predicts every row positive; every threshold is a score, so each step of
    the grid changes at least one decision. Non-finite scores are ignored.

    Examples
    --------
    >>> threshold_grid(np.array([0.9, 0.1, 0.5, 0.5]), size=10).tolist()
    [0.1, 0.5, 0.9]
    """
    s = np.asarray(scores, dtype=float)
    s = s[np.isfinite(s)]
    if not len(s):
        return np.empty(0)
    u = np.unique(s)
    if len(u) <= size:
        return u
    return np.unique(np.quantile(u, np.linspace(0.0, 1.0, size), method="nearest"))


@dataclass(frozen=True)
class ThresholdCounts:
    """Weighted confusion counts at every threshold, per group.

    Arrays are ``(..., groups, thresholds)`` for the counts that depend on the threshold and
    ``(..., groups)`` for those that do not; the leading axes are the weightings (resamples) when
    weights were given. ``groups`` names the groups (``("all",)`` without a grouping).
    """

    thresholds: np.ndarray
    groups: tuple[str, ...]
    n: np.ndarray
    pos: np.ndarray
    pred_pos: np.ndarray
    tp: np.ndarray
    #: Summed value of the decisions (``None`` without values): every row's value if predicted
    #: negative, plus, for the rows at or above the threshold, what predicting them positive adds.
    value: np.ndarray | None = None

    @property
    def neg(self) -> np.ndarray:
        return self.n - self.pos

    @property
    def fp(self) -> np.ndarray:
        return self.pred_pos - self.tp

    @property
    def fn(self) -> np.ndarray:
        return self.pos[..., None] - self.tp

    @property
    def tn(self) -> np.ndarray:
        return self.neg[..., None] - self.fp

    def overall(self) -> ThresholdCounts:
        """The counts of all rows together (the groups summed)."""
        return ThresholdCounts(
            thresholds=self.thresholds,
            groups=("all",),
            n=self.n.sum(axis=-1, keepdims=True),
            pos=self.pos.sum(axis=-1, keepdims=True),
            pred_pos=self.pred_pos.sum(axis=-2, keepdims=True),
            tp=self.tp.sum(axis=-2, keepdims=True),
            value=None if self.value is None else self.value.sum(axis=-2, keepdims=True),
        )

    def at(self, index: int | np.ndarray) -> ThresholdCounts:
        """The counts at one threshold (an index into ``thresholds``), or at one per group (an array of indices)."""
        idx = np.asarray(index)
        if idx.ndim == 0:
            pick = lambda a: a[..., [int(idx)]]  # noqa: E731 - keeps a thresholds axis of length 1
        else:
            rows = np.arange(len(self.groups))
            pick = lambda a: a[..., rows, idx][..., None]  # noqa: E731
        return ThresholdCounts(
            thresholds=self.thresholds[np.atleast_1d(idx)] if idx.ndim == 0 else self.thresholds[idx],
            groups=self.groups,
            n=self.n,
            pos=self.pos,
            pred_pos=pick(self.pred_pos),
            tp=pick(self.tp),
            value=None if self.value is None else pick(self.value),
        )


def threshold_counts(
    y_true: np.ndarray,
    scores: np.ndarray,
    thresholds: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    labels: tuple[str, ...] | None = None,
    weights: np.ndarray | None = None,
    value_if_positive: np.ndarray | None = None,
    value_if_negative: np.ndarray | None = None,
) -> ThresholdCounts:
    """Confusion counts (and value) of ``scores >= t`` for every ``t`` in ``thresholds``, per group.

    Parameters
    ----------
    y_true : array of shape (n_rows,)
        0/1 labels.
    scores : array of shape (n_rows,)
        The candidate's score per row (a probability, a decision function: any order).
    thresholds : array of shape (n_thresholds,)
        Ascending, distinct (:func:`threshold_grid` makes one).
    groups : array of shape (n_rows,), optional
        Each row's group code, ``0 .. len(labels) - 1``; without it, one group ``"all"``.
    labels : tuple of str, optional
        The groups' names (default: their codes as text).
    weights : array of shape (n_rows,) or (n_weightings, n_rows), optional
        Row weights (bootstrap resamples); each weighting adds a leading axis to every count.
    value_if_positive, value_if_negative : arrays of shape (n_rows,), optional
        What deciding the row positive or negative is worth (from the value matrix: the true-positive
        or false-positive value, the false-negative or true-negative one). Both or neither.
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(scores, dtype=float)
    t = np.asarray(thresholds, dtype=float)
    n_rows = len(y)
    if s.shape != (n_rows,):
        raise ValueError(f"scores have shape {s.shape}, expected ({n_rows},)")
    if t.ndim != 1 or (len(t) > 1 and not (np.diff(t) > 0).all()):
        raise ValueError("thresholds must be one-dimensional, ascending and distinct")
    if (value_if_positive is None) != (value_if_negative is None):
        raise ValueError("give both value_if_positive and value_if_negative, or neither")
    codes = np.zeros(n_rows, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    n_groups = (int(codes.max()) + 1 if n_rows else 1) if labels is None else len(labels)
    names = ("all",) if groups is None and labels is None else (labels or tuple(str(i) for i in range(n_groups)))
    n_t = len(t)
    # rows reach thresholds[0 .. k-1] where k = searchsorted(t, s, "right"); bin k-1 is the highest reached
    # (-1: none, scores below every threshold or NaN, kept in an extra bin that no threshold counts)
    reached = np.searchsorted(t, np.where(np.isnan(s), -np.inf, s), side="right")
    cell = codes * (n_t + 1) + reached  # bin 0: below every threshold
    size = n_groups * (n_t + 1)

    def per_threshold(row_values: np.ndarray) -> np.ndarray:
        """(..., groups, thresholds): the sum of ``row_values`` over the rows at or above each threshold."""
        lead = row_values.shape[:-1]
        flat = row_values.reshape(-1, n_rows)
        out = np.empty((flat.shape[0], n_groups, n_t))
        for i, v in enumerate(flat):
            binned = np.bincount(cell, weights=v, minlength=size).reshape(n_groups, n_t + 1)
            # at or above threshold j: bins j+1 .. n_t (a reversed cumulative sum, bin 0 left out)
            out[i] = np.cumsum(binned[:, :0:-1], axis=1)[:, ::-1]
        return out.reshape(*lead, n_groups, n_t)

    def per_group(row_values: np.ndarray) -> np.ndarray:
        lead = row_values.shape[:-1]
        flat = row_values.reshape(-1, n_rows)
        out = np.stack([np.bincount(codes, weights=v, minlength=n_groups) for v in flat])
        return out.reshape(*lead, n_groups)

    w = np.ones(n_rows) if weights is None else np.asarray(weights, dtype=float)
    value = None
    if value_if_positive is not None:
        gain = np.asarray(value_if_positive, dtype=float) - np.asarray(value_if_negative, dtype=float)
        value = per_group(w * np.asarray(value_if_negative, dtype=float))[..., None] + per_threshold(w * gain)
    return ThresholdCounts(
        thresholds=t,
        groups=tuple(names),
        n=per_group(w),
        pos=per_group(w * y),
        pred_pos=per_threshold(w),
        tp=per_threshold(w * y),
        value=value,
    )


def threshold_rates(c: ThresholdCounts) -> dict[str, np.ndarray]:
    """Per group and threshold: selection rate, precision, recall (TPR), FPR, FNR, TNR, accuracy, F1.

    NaN where a rate's denominator is 0 (no positives for recall, nothing selected for precision).
    """
    pos = np.broadcast_to(c.pos[..., None], c.tp.shape)
    n = np.broadcast_to(c.n[..., None], c.tp.shape)
    neg = n - pos
    return {
        "selection_rate": ratio(c.pred_pos, n),
        "precision": ratio(c.tp, c.pred_pos),
        "recall": ratio(c.tp, pos),
        "fpr": ratio(c.fp, neg),
        "fnr": ratio(pos - c.tp, pos),
        "tnr": ratio(neg - c.fp, neg),
        "accuracy": ratio(c.tp + neg - c.fp, n),
        "f1": ratio(2 * c.tp, c.pred_pos + pos),
    }


#: Thresholds a stored curve keeps (a page or report reads any of them without the per-row scores).
STORED_THRESHOLDS = 200
#: Attributes with more groups than this are left out of a stored curve (their names are listed instead):
#: 1,000 groups x 200 thresholds would be megabytes per candidate for a view nobody reads group by group.
STORED_GROUPS = 50


def threshold_sums(
    scores: np.ndarray,
    thresholds: np.ndarray,
    row_values: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    n_groups: int = 1,
) -> np.ndarray:
    """``(k, groups, thresholds)``: each of ``row_values``' ``k`` rows summed over the rows at or above each threshold.

    The same binning as :func:`threshold_counts` (one ``searchsorted``, a ``bincount`` per row of
    ``row_values``, a reversed cumulative sum), for sums it does not keep (money columns, error costs).
    """
    s = np.asarray(scores, dtype=float)
    t = np.asarray(thresholds, dtype=float)
    values = np.atleast_2d(np.asarray(row_values, dtype=float))
    codes = np.zeros(len(s), dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    reached = np.searchsorted(t, np.where(np.isnan(s), -np.inf, s), side="right")
    cell = codes * (len(t) + 1) + reached
    out = np.empty((len(values), n_groups, len(t)))
    for i, v in enumerate(values):
        binned = np.bincount(cell, weights=v, minlength=n_groups * (len(t) + 1)).reshape(n_groups, len(t) + 1)
        out[i] = np.cumsum(binned[:, :0:-1], axis=1)[:, ::-1]
    return out


def _ints(a) -> list:
    return np.rint(np.asarray(a, dtype=float)).astype(np.int64).tolist()


def _money(a) -> list:
    """Sums of money to 10 significant digits (a rounding far below any amount a decision turns on)."""
    return [float(f"{float(v):.10g}") for v in np.asarray(a).ravel()]


@dataclass
class ThresholdSums:
    """Mergeable sums behind a stored threshold curve: rows added chunk by chunk (or partition by partition).

    For all rows, each grouping (a sensitive attribute) and, when given, the combinations of the
    groupings' groups (``cells``): per group and per threshold bin (the highest threshold a row
    reaches, ``0`` for none), the rows, the positives, and with a value matrix the decisions' gain
    (value if positive minus value if negative) and the false positives' cost; per group, the value
    of every row decided negative and of every row decided right; the money columns over the
    positives. :meth:`section` turns them into the stored curve (cumulated from the highest
    threshold). Sums over other rows :meth:`merge` in: the same curve from partitions as from all rows.
    """

    grid: np.ndarray
    group_sizes: tuple[int, ...]
    money: bool
    captured: tuple[str, ...]
    cells: bool
    #: block ("all", grouping index as text, "cells") -> (stats, groups, thresholds + 1) bin sums
    bins: dict[str, np.ndarray]
    #: block -> (stats, groups): sums that do not depend on the threshold (pos, value if all negative, perfect)
    totals: dict[str, np.ndarray]

    @staticmethod
    def empty(
        grid: np.ndarray, group_sizes: tuple[int, ...] = (), *, money: bool = False, captured: tuple[str, ...] = ()
    ) -> ThresholdSums:
        """No rows yet.

        Combinations are kept when there are two groupings or more and at most :data:`STORED_GROUPS`
        combinations of their groups.
        """
        grid = np.asarray(grid, dtype=float)
        cells = len(group_sizes) >= 2 and int(np.prod(group_sizes)) <= STORED_GROUPS
        sizes = {"all": 1, **{str(k): n for k, n in enumerate(group_sizes)}}
        if cells:
            sizes["cells"] = int(np.prod(group_sizes))
        stats = 2 + (2 if money else 0) + len(captured)
        return ThresholdSums(
            grid,
            tuple(group_sizes),
            money,
            tuple(captured),
            cells,
            {b: np.zeros((stats, n, len(grid) + 1)) for b, n in sizes.items()},
            {b: np.zeros((3, n)) for b, n in sizes.items()},
        )

    def add(
        self,
        y_true: np.ndarray,
        scores: np.ndarray,
        codes: tuple[np.ndarray, ...] = (),
        *,
        value_if_positive: np.ndarray | None = None,
        value_if_negative: np.ndarray | None = None,
        captured: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Add rows: labels, scores, each grouping's group codes, and the money of each row."""
        y = np.asarray(y_true, dtype=float)
        s = np.asarray(scores, dtype=float)
        n = len(y)
        rows = [np.ones(n), y]
        totals = [y, np.zeros(n), np.zeros(n)]
        if self.money:
            v_pos = np.asarray(value_if_positive, dtype=float)
            v_neg = np.asarray(value_if_negative, dtype=float)
            gain = v_pos - v_neg
            rows += [gain, -(1.0 - y) * gain]
            totals = [y, v_neg, np.where(y == 1, v_pos, v_neg)]
        for column in self.captured:
            rows.append(np.asarray(captured[column], dtype=float) * y)
        stacked = np.stack(rows)
        reached = np.searchsorted(self.grid, np.where(np.isnan(s), -np.inf, s), side="right")
        width = len(self.grid) + 1
        blocks = {"all": np.zeros(n, dtype=np.int64)}
        for k, c in enumerate(codes):
            blocks[str(k)] = np.asarray(c, dtype=np.int64)
        if self.cells:
            joint = np.zeros(n, dtype=np.int64)
            for c, size in zip(codes, self.group_sizes, strict=True):
                joint = joint * size + np.asarray(c, dtype=np.int64)
            blocks["cells"] = joint
        for name, c in blocks.items():
            k = self.bins[name].shape[1]
            cell = c * width + reached
            for i, v in enumerate(stacked):
                self.bins[name][i] += np.bincount(cell, weights=v, minlength=k * width).reshape(k, width)
            for i, v in enumerate(totals):
                self.totals[name][i] += np.bincount(c, weights=v, minlength=k)

    def merge(self, other: ThresholdSums) -> ThresholdSums:
        """Add ``other``'s sums (same grid and groupings, other rows); returns self."""
        if not np.array_equal(self.grid, other.grid) or self.group_sizes != other.group_sizes:
            raise ValueError("cannot merge threshold sums of different grids or groupings")
        for name in self.bins:
            self.bins[name] += other.bins[name]
            self.totals[name] += other.totals[name]
        return self

    def section(self, groupings: dict[str, tuple[str, ...]], *, left_out: tuple[str, ...] = ()) -> dict:
        """The stored curve (the format :func:`threshold_section` documents).

        ``groupings``: each grouping's attribute and group names, in the order of the codes added.
        """

        def block(name: str, index) -> dict:
            b = self.bins[name][:, index, :]
            at_or_above = np.cumsum(b[..., :0:-1], axis=-1)[..., ::-1]  # bins j+1 .. T: rows reaching threshold j
            tot = self.totals[name][:, index]
            out = {
                "n": _ints(b[0].sum(axis=-1)),
                "pos": _ints(tot[0]),
                "pred_pos": _ints(at_or_above[0]),
                "tp": _ints(at_or_above[1]),
            }
            one = isinstance(index, int)

            def money(a):
                return _money(a) if one else [_money(r) for r in a]

            k = 2
            if self.money:
                out["value"] = money(tot[1][..., None] + at_or_above[2])
                out["fp_cost"] = money(at_or_above[3])
                out["perfect_value"] = _money([tot[2]])[0] if one else _money(tot[2])
                k = 4
            if self.captured:
                out["captured"] = {c: money(at_or_above[k + i]) for i, c in enumerate(self.captured)}
            return out

        out = {"thresholds": [float(t) for t in self.grid], **block("all", 0)}
        out.setdefault("value", None)
        out["by_attribute"] = {}
        if left_out:
            out["attributes_left_out"] = list(left_out)
        names = list(groupings)
        for k, attribute in enumerate(names):
            out["by_attribute"][attribute] = {"groups": list(groupings[attribute]), **block(str(k), slice(None))}
        if self.cells:
            sizes = self.bins["cells"][0].sum(axis=-1)
            present = np.flatnonzero(sizes > 0)
            labels = []
            for j in present:
                parts, rest = [], int(j)
                for attribute, size in zip(reversed(names), reversed(self.group_sizes), strict=True):
                    parts.append(groupings[attribute][rest % size])
                    rest //= size
                labels.append(parts[::-1])
            out["cells"] = {"attributes": names, "groups": labels, **block("cells", present)}
        return out


def threshold_section(
    y_true: np.ndarray,
    scores: np.ndarray,
    groupings: dict[str, tuple[tuple[str, ...], np.ndarray]],
    *,
    value_if_positive: np.ndarray | None = None,
    value_if_negative: np.ndarray | None = None,
    captured: dict[str, np.ndarray] | None = None,
    size: int = STORED_THRESHOLDS,
    grid: np.ndarray | None = None,
) -> dict:
    """A candidate's threshold curve as stored in the scorecard (``sections["curves"][name]["thresholds"]``).

    At up to ``size`` thresholds (:func:`threshold_grid`, or the given ``grid``), plain counts of all
    rows: ``n``, ``pos``, ``pred_pos[j]`` (rows with score ``>= thresholds[j]``) and ``tp[j]``. With a
    value matrix (``value_if_positive``/``value_if_negative``): ``value[j]``, the summed value of the
    decisions; ``perfect_value``, the value of deciding every row right; and ``fp_cost[j]``, what the
    negative rows selected cost (their true-negative minus false-positive value). The false negatives
    cost the rest: ``fn_cost = perfect_value - value - fp_cost`` (positive rows left out: their
    true-positive minus false-negative value). ``captured[column][j]``: a money column summed over the
    true positives (the ``<column>_captured_per_1k`` objectives).

    ``by_attribute[attribute]`` has the same per group of each sensitive attribute (``groups``, ``n``,
    ``pos``, ``pred_pos``, ``tp`` and the money sums). When there are two or more attributes and at most
    :data:`STORED_GROUPS` combinations of their groups, ``cells`` has the same per combination that
    occurs (``attributes``, ``groups``: one list of group names per cell): with it, thresholds set per
    group of one attribute give every other attribute's group rates too (:mod:`analysis.operating_points`).

    Every rate at a stored threshold follows from these (:func:`threshold_rates`); no interval (the
    derived candidates of ``--operating-points`` have bootstrap intervals). Attributes with more than
    :data:`STORED_GROUPS` groups are named in ``"attributes_left_out"`` instead. The sums are
    :class:`ThresholdSums`, which a partitioned evaluation adds up partition by partition.
    """
    s = np.asarray(scores, dtype=float)
    if (value_if_positive is None) != (value_if_negative is None):
        raise ValueError("give both value_if_positive and value_if_negative, or neither")
    grid = threshold_grid(s, size=size) if grid is None else np.asarray(grid, dtype=float)
    kept = {a: g for a, g in groupings.items() if len(g[0]) <= STORED_GROUPS}
    left_out = tuple(a for a in groupings if a not in kept)
    sums = ThresholdSums.empty(
        grid,
        tuple(len(labels) for labels, _ in kept.values()),
        money=value_if_positive is not None,
        captured=tuple(captured or ()),
    )
    sums.add(
        y_true,
        s,
        tuple(codes for _, codes in kept.values()),
        value_if_positive=value_if_positive,
        value_if_negative=value_if_negative,
        captured=captured,
    )
    return sums.section({a: labels for a, (labels, _) in kept.items()}, left_out=left_out)


def counts_from_section(section: dict, attribute: str | None = None) -> ThresholdCounts:
    """The :class:`ThresholdCounts` a stored curve holds: all rows, or per group of ``attribute``."""
    t = np.asarray(section["thresholds"], dtype=float)
    if attribute is None:
        value = section.get("value")
        return ThresholdCounts(
            thresholds=t,
            groups=("all",),
            n=np.array([section["n"]], dtype=float),
            pos=np.array([section["pos"]], dtype=float),
            pred_pos=np.array([section["pred_pos"]], dtype=float),
            tp=np.array([section["tp"]], dtype=float),
            value=None if value is None else np.array([value], dtype=float),
        )
    a = section["by_attribute"][attribute]
    return ThresholdCounts(
        thresholds=t,
        groups=tuple(a["groups"]),
        n=np.asarray(a["n"], dtype=float),
        pos=np.asarray(a["pos"], dtype=float),
        pred_pos=np.asarray(a["pred_pos"], dtype=float),
        tp=np.asarray(a["tp"], dtype=float),
    )
