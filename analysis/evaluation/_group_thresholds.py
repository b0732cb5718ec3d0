"""Thresholds per group under a parity constraint, as fairlearn's ``ThresholdOptimizer`` picks them (issue 14).

Hardt, Price & Srebro (2016) post-process a score with group-specific thresholds. fairlearn's
``ThresholdOptimizer`` (``flip=False``, ``objective="accuracy_score"``) does it this way, and so does
:func:`fit_group_thresholds`, step for step, so that its expected predictions equal fairlearn's to
1e-9 (tested on the same data):

1. For each group, every threshold between two distinct scores (and ``+inf``) gives a point
   ``(x, y)``: ``x`` the constrained rate (selection rate for demographic parity, true positive
   rate for equal opportunity, false positive rate for equalized odds), ``y`` the objective
   (accuracy; the true positive rate for equalized odds). A row is positive when its score is
   strictly above the threshold (fairlearn's ``>``), thresholds sitting halfway between scores.
2. The points sorted by ``(x, y)`` (ties in their order of decreasing threshold), the upper convex
   hull by Andrew's monotone chain, interpolated on ``x`` = ``linspace(0, 1, grid_size + 1)``:
   each grid point mixes two hull thresholds with probabilities ``p0`` and ``p1``.
3. Demographic parity and equal opportunity: the grid point with the largest group-size-weighted
   objective (the first one when several tie), the same ``x`` for every group. Equalized odds: the
   lowest of the groups' ROC hulls at each false positive rate, the grid point where overall
   accuracy is largest; each group mixes its hull point with the constant prediction ``x_best``
   (probability ``p_ignore``) to come down to the common true positive rate.

The result is randomised: a row's decision is positive with probability :meth:`GroupThresholds.positive_probability`.
To measure it as a candidate, :meth:`GroupThresholds.decide` draws the decisions with a seed, as
fairlearn's ``predict(..., random_state=...)`` does; the draw is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Constraint name -> (x metric, y metric) of the tradeoff curve, as fairlearn names them.
CONSTRAINTS = {
    "demographic_parity": ("selection_rate", "accuracy_score"),
    "true_positive_rate_parity": ("true_positive_rate", "accuracy_score"),
    "equalized_odds": ("false_positive_rate", "true_positive_rate"),
}


def _json_threshold(t: float) -> float | str:
    return float(t) if np.isfinite(t) else ("inf" if t > 0 else "-inf")


@dataclass(frozen=True)
class GroupMix:
    """One group's randomised rule: positive with probability ``p0 * [s > t0] + p1 * [s > t1]``.

    For equalized odds it is mixed with a constant: ``p_ignore`` of the time, positive with
    probability ``constant``.
    """

    p0: float
    t0: float
    p1: float
    t1: float
    p_ignore: float = 0.0
    constant: float = 0.0

    def positive_probability(self, scores: np.ndarray) -> np.ndarray:
        s = np.asarray(scores, dtype=float)
        p = self.p0 * (s > self.t0) + self.p1 * (s > self.t1)
        return self.p_ignore * self.constant + (1.0 - self.p_ignore) * p if self.p_ignore else p

    def to_dict(self) -> dict:
        """Plain JSON: an infinite threshold (no row, or every row, above it) is written ``"inf"``/``"-inf"``."""
        out = {"p0": self.p0, "t0": _json_threshold(self.t0), "p1": self.p1, "t1": _json_threshold(self.t1)}
        if self.p_ignore:
            out.update(p_ignore=self.p_ignore, constant=self.constant)
        return out


@dataclass(frozen=True)
class GroupThresholds:
    """The rule per group (group codes index ``labels``) and the constraint it satisfies."""

    constraint: str
    labels: tuple[str, ...]
    mixes: tuple[GroupMix, ...]
    x_best: float

    def positive_probability(self, scores: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Each row's probability of a positive decision (fairlearn's ``_pmf_predict(...)[:, 1]``)."""
        s = np.asarray(scores, dtype=float)
        g = np.asarray(groups)
        out = np.zeros(len(s))
        for k, mix in enumerate(self.mixes):
            rows = g == k
            out[rows] = mix.positive_probability(s[rows])
        return out

    def decide(self, scores: np.ndarray, groups: np.ndarray, *, seed: int) -> np.ndarray:
        """Decisions drawn from :meth:`positive_probability` with ``seed`` (positive when ``p >= u``, ``u`` uniform)."""
        p = self.positive_probability(scores, groups)
        return p >= np.random.default_rng(seed).random(len(p))

    def to_dict(self) -> dict:
        return {
            "constraint": self.constraint,
            "x_best": self.x_best,
            "groups": {label: mix.to_dict() for label, mix in zip(self.labels, self.mixes, strict=True)},
        }


def _rates(tp, fp, n_pos, n_neg) -> dict[str, np.ndarray]:
    n = n_pos + n_neg
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "selection_rate": (tp + fp) / n,
            "true_positive_rate": tp / n_pos,
            "false_positive_rate": fp / n_neg,
            "accuracy_score": (tp + n_neg - fp) / n,
        }


def _points(y: np.ndarray, s: np.ndarray, x_metric: str, y_metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every threshold's ``(x, y)`` for one group, in fairlearn's order (``+inf`` first, then decreasing)."""
    order = np.argsort(-s, kind="stable")
    s_desc, y_desc = s[order], y[order]
    n_pos = float(y.sum())
    n_neg = float(len(y) - n_pos)
    if n_pos == 0 or n_neg == 0:
        raise ValueError("a group has only one label: no trade-off curve")
    distinct, starts = np.unique(-s_desc, return_index=True)  # ascending in -s: decreasing scores
    ends = np.append(starts[1:], len(s_desc))
    tp = np.concatenate([[0.0], np.cumsum(y_desc)[ends - 1]])
    fp = np.concatenate([[0.0], ends - tp[1:]])
    values = -distinct
    below = np.append(values[1:], -np.inf)
    thresholds = np.concatenate([[np.inf], (values + below) / 2])
    r = _rates(tp, fp, n_pos, n_neg)
    return r[x_metric], r[y_metric], thresholds


def _upper_hull(x: np.ndarray, y: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((y, x))  # by x, then y; ties keep their order (stable)
    keep: list[int] = []
    for i in order:
        while len(keep) >= 2:
            r0, r1 = keep[-2], keep[-1]
            if (y[r1] - y[r0]) * (x[i] - x[r0]) <= (y[i] - y[r0]) * (x[r1] - x[r0]):
                keep.pop()
            else:
                break
        keep.append(int(i))
    k = np.array(keep)
    return x[k], y[k], t[k]


def _interpolate(x: np.ndarray, y: np.ndarray, t: np.ndarray, grid: np.ndarray):
    idx = np.searchsorted(x, grid, side="right") - 1
    idx[1:] = np.where(grid[1:] == x[idx[1:]], idx[1:] - 1, idx[1:])
    nxt = idx + 1
    p0 = (x[nxt] - grid) / (x[nxt] - x[idx])
    p1 = 1 - p0
    return p0 * y[idx] + p1 * y[nxt], p0, t[idx], p1, t[nxt]


def fit_group_thresholds(
    y_true: np.ndarray,
    scores: np.ndarray,
    groups: np.ndarray,
    labels: tuple[str, ...],
    *,
    constraint: str,
    grid_size: int = 1000,
) -> GroupThresholds:
    """Per-group randomised thresholds under ``constraint`` (a key of :data:`CONSTRAINTS`); module docstring.

    Raises ValueError when a group has rows of one label only (fairlearn refuses it too).
    """
    if constraint not in CONSTRAINTS:
        raise ValueError(f"unknown constraint {constraint!r}; one of {', '.join(CONSTRAINTS)}")
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(scores, dtype=float)
    g = np.asarray(groups)
    x_metric, y_metric = CONSTRAINTS[constraint]
    grid = np.linspace(0, 1, grid_size + 1)
    curves = []
    for k in range(len(labels)):
        rows = g == k
        if not rows.any():
            raise ValueError(f"group {labels[k]!r} has no rows")
        hull = _upper_hull(*_points(y[rows], s[rows], x_metric, y_metric))
        curves.append(_interpolate(*hull, grid))
    if constraint == "equalized_odds":
        n_pos = float(y.sum())
        n_neg = float(len(y) - n_pos)
        y_min = np.min([c[0] for c in curves], axis=0)
        accuracy = np.around((n_pos * y_min + n_neg * (1.0 - grid)) / (n_pos + n_neg), 15)
        best = int(np.nanargmax(accuracy))
        x_best, y_best = float(grid[best]), float(y_min[best])
        mixes = []
        for yy, p0, t0, p1, t1 in curves:
            roc_y, roc_x = float(yy[best]), x_best
            p_ignore = 0.0 if roc_y == roc_x else (roc_y - y_best) / (roc_y - roc_x)
            mixes.append(GroupMix(float(p0[best]), float(t0[best]), float(p1[best]), float(t1[best]), p_ignore, x_best))
        return GroupThresholds(constraint, tuple(labels), tuple(mixes), x_best)
    share = np.array([np.mean(g == k) for k in range(len(labels))])
    overall = np.sum([w * c[0] for w, c in zip(share, curves, strict=True)], axis=0)
    best = int(np.nanargmax(overall))
    mixes = tuple(
        GroupMix(float(p0[best]), float(t0[best]), float(p1[best]), float(t1[best])) for _, p0, t0, p1, t1 in curves
    )
    return GroupThresholds(constraint, tuple(labels), mixes, float(grid[best]))
