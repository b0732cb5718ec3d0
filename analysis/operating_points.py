"""Operating points read from a scorecard's stored threshold curves (issue 14, item 4).

``tradeoffs evaluate`` stores every scored binary candidate's counts at up to 200 thresholds
(``sections.curves.NAME.thresholds``, :func:`analysis.evaluation._thresholds.threshold_section`).
This module works from those counts alone, without the rows, the models or the evaluation stack,
so the dashboard can move a threshold (or one per group) and show what it does at once:

- :func:`load_curves` reads the stored curves of a scorecard;
- :func:`point_figures` gives an :class:`OperatingPoint`'s rates, value, cost of errors and
  per-group rates;
- :func:`point_objectives` gives the scorecard objectives an operating point has (the threshold's
  own quality, value and fairness figures; the parent's threshold-free ones);
- :func:`with_operating_points` adds operating points to a scorecard as candidates, which the
  decision engine, the pages and the report then treat like any other;
- :func:`operating_point_cloud` gives every stored operating point of every candidate on two
  objectives, with the ones on their Pareto front marked;
- :func:`encode_point` / :func:`decode_point` write a point into a shareable link and back.

What an operating point set this way is, and is not. Its threshold-dependent figures are exact
at the stored thresholds (rows with score ``>= t`` decided positive, the convention of the stored
curve and of scikit-learn's curves) but measured on the same rows the threshold was chosen on,
so the best-looking one is somewhat flattered, and they have no interval (the stored counts keep
no resamples). ``tradeoffs evaluate --operating-points`` gives cross-fitted figures with
bootstrap intervals for rules (``value``, ``recall>=0.8``, ``dp``...). Thresholds set per group
of one attribute show every other attribute's groups only when the curve stored the
combinations of groups (``cells``); otherwise those figures are missing, not guessed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, unquote

import numpy as np

from analysis._errors import InputError
from analysis._group_rates import disparities, ratio
from analysis.objectives import (
    CAPTURED_SUFFIX,
    FAIRNESS_BASES,
    SCORE_METRICS,
    split_attribute_objective,
)
from analysis.scorecard import Candidate, FrozenDict, MetricValue, Scorecard, _freeze

#: The rule an operating point set in the dashboard records.
HAND_RULE = "set by hand"
#: Objective groups whose figures do not depend on the threshold (the parent's are inherited).
INHERITED_GROUPS = frozenset({"serving", "cost", "explainability"})
#: Fairness objectives computed from explanations, not decisions (inherited from the parent).
INHERITED_FAIRNESS = frozenset({"sensitive_attribution_share", "proxy_attribution_share"})
#: Figures of a threshold computed from the stored counts (besides the value and fairness ones).
RATE_OBJECTIVES = ("accuracy", "balanced_accuracy", "precision", "recall", "f1")


# ---- stored curves --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Counts:
    """Rows, positives, predicted positives, true positives and money sums of some groups."""

    groups: tuple[str, ...]
    n: np.ndarray
    pos: np.ndarray
    pred_pos: np.ndarray
    tp: np.ndarray
    #: Money sums (``value``, ``fp_cost``, ``fn_cost``, ``captured:<column>``).
    money: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupCounts(_Counts):
    """Counts of some groups at every stored threshold: ``n``, ``pos`` by group, the rest by group and threshold."""

    def at(self, index: int | np.ndarray) -> PointCounts:
        """The counts at one threshold index, or at one index per group."""
        idx = np.asarray(index, dtype=np.int64)
        rows = np.arange(len(self.groups))
        pick = (lambda a: a[:, int(idx)]) if idx.ndim == 0 else (lambda a: a[rows, idx])  # noqa: E731
        return PointCounts(
            self.groups,
            self.n,
            self.pos,
            pick(self.pred_pos),
            pick(self.tp),
            {k: pick(v) for k, v in self.money.items()},
        )


@dataclass(frozen=True)
class PointCounts(_Counts):
    """Counts per group at one operating point: every array is ``(groups,)``."""

    def total(self) -> PointCounts:
        """All groups together."""
        return PointCounts(
            ("all",),
            self.n.sum(keepdims=True),
            self.pos.sum(keepdims=True),
            self.pred_pos.sum(keepdims=True),
            self.tp.sum(keepdims=True),
            {k: v.sum(keepdims=True) for k, v in self.money.items()},
        )

    def regroup(self, codes: np.ndarray, labels: tuple[str, ...]) -> PointCounts:
        """These groups (cells) summed into ``labels`` (``codes[i]``: the label of group ``i``)."""
        k = len(labels)

        def add(a):
            return np.bincount(codes, weights=a, minlength=k)

        return PointCounts(
            labels,
            add(self.n),
            add(self.pos),
            add(self.pred_pos),
            add(self.tp),
            {key: add(v) for key, v in self.money.items()},
        )


def _group_counts(block: Mapping, groups: Sequence[str], n_thresholds: int) -> GroupCounts:
    def table(a) -> np.ndarray:
        return np.asarray(a, dtype=float).reshape(len(groups), n_thresholds)

    money = {k: table(block[k]) for k in ("value", "fp_cost") if block.get(k) is not None}
    if "value" in money and "fp_cost" in money and block.get("perfect_value") is not None:
        perfect = np.asarray(block["perfect_value"], dtype=float).reshape(len(groups), 1)
        money["fn_cost"] = perfect - money["value"] - money["fp_cost"]
    for column, values in (block.get("captured") or {}).items():
        money[f"captured:{column}"] = table(values)
    return GroupCounts(
        tuple(str(g) for g in groups),
        np.asarray(block["n"], dtype=float).reshape(len(groups)),
        np.asarray(block["pos"], dtype=float).reshape(len(groups)),
        table(block["pred_pos"]),
        table(block["tp"]),
        money,
    )


@dataclass(frozen=True)
class Curve:
    """One candidate's stored threshold curve."""

    parent: str
    thresholds: np.ndarray
    overall: GroupCounts
    by_attribute: Mapping[str, GroupCounts]
    #: Counts per combination of the attributes' groups (``None`` when not stored).
    cells: GroupCounts | None
    #: For each attribute, each cell's group code in ``by_attribute[attribute].groups``.
    cell_codes: Mapping[str, np.ndarray]
    #: ``"y_score"`` or ``"y_prob"`` when recorded.
    score: str | None
    #: ``"probability"`` or ``"decision_function"`` when recorded.
    score_kind: str | None = None
    left_out: tuple[str, ...] = ()

    @property
    def has_value(self) -> bool:
        """Whether the curve stored the decisions' value (the scorecard had a value matrix)."""
        return "value" in self.overall.money

    def nearest(self, threshold: float) -> int:
        """The index of the stored threshold closest to ``threshold``."""
        return int(np.argmin(np.abs(self.thresholds - float(threshold))))

    def index_of(self, threshold: float) -> int | None:
        """The index of a stored threshold equal to ``threshold`` (to 1e-9 relative), else None."""
        i = self.nearest(threshold)
        return i if math.isclose(float(self.thresholds[i]), float(threshold), rel_tol=1e-9, abs_tol=1e-12) else None

    def default_index(self) -> int:
        """Where to start a slider: the stored threshold nearest 0.5 for probabilities, 0 for other scores."""
        t = self.thresholds
        known = self.score_kind in ("probability", "decision_function")
        probability = self.score_kind == "probability" if known else bool(t.min() >= 0 and t.max() <= 1)
        return self.nearest(0.5 if probability else 0.0)


def _curve(parent: str, stored: Mapping) -> Curve:
    t = np.asarray(stored["thresholds"], dtype=float)
    overall = _group_counts(stored, ("all",), len(t))
    by_attribute = {
        str(a): _group_counts(block, block["groups"], len(t)) for a, block in (stored.get("by_attribute") or {}).items()
    }
    cells = codes = None
    stored_cells = stored.get("cells")
    if stored_cells and all(a in by_attribute for a in stored_cells["attributes"]):
        names = [tuple(str(g) for g in cell) for cell in stored_cells["groups"]]
        cells = _group_counts(stored_cells, [" & ".join(n) for n in names], len(t))
        codes = {}
        for j, a in enumerate(stored_cells["attributes"]):
            position = {g: i for i, g in enumerate(by_attribute[a].groups)}
            codes[str(a)] = np.array([position[n[j]] for n in names], dtype=np.int64)
    return Curve(
        parent,
        t,
        overall,
        by_attribute,
        cells,
        codes or {},
        stored.get("score"),
        stored.get("score_kind"),
        tuple(stored.get("attributes_left_out") or ()),
    )


def load_curves(scorecard: Scorecard) -> Mapping[str, Curve]:
    """Every candidate's stored threshold curve, by candidate name (empty when the scorecard has none).

    Read once per scorecard and kept on it (a frozen record's sections never change): the page, the
    cloud and :func:`with_operating_points` share one reading. Read-only.
    """
    memo = scorecard.__dict__.get("_curves")
    if memo is not None:
        return memo
    curves = scorecard.sections.get("curves") or {}
    out = {}
    for name in scorecard.candidate_names:
        stored = (curves.get(name) or {}).get("thresholds") if isinstance(curves.get(name), Mapping) else None
        if stored and len(stored.get("thresholds") or ()) > 0:
            out[name] = _curve(name, stored)
    object.__setattr__(scorecard, "_curves", out)  # a plain dict: a scorecard still pickles
    return out


def candidate_values(scorecard: Scorecard, name: str) -> dict[str, float]:
    """``{objective: value}`` of one candidate (NaN where missing), found through a name index kept on the scorecard."""
    positions = scorecard.__dict__.get("_positions")
    if positions is None or len(positions) != len(scorecard.candidate_names):
        positions = {n: i for i, n in enumerate(scorecard.candidate_names)}
        object.__setattr__(scorecard, "_positions", positions)
    row = scorecard.dense_arrays()["value"][positions[name]]
    return dict(zip(scorecard.objective_names, row.tolist(), strict=True))


# ---- operating points ------------------------------------------------------------------------------
@dataclass(frozen=True)
class OperatingPoint:
    """A threshold for ``parent``'s score, or one threshold per group of ``attribute``."""

    parent: str
    threshold: float | None = None
    attribute: str | None = None
    by_group: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if (self.threshold is None) == (not self.by_group):
            raise ValueError("an operating point has one threshold, or thresholds per group with an attribute")
        if self.by_group and not self.attribute:
            raise ValueError("thresholds per group need the attribute whose groups they are")
        values = [self.threshold] if self.threshold is not None else [t for _, t in self.by_group]
        if not all(isinstance(t, int | float) and math.isfinite(t) for t in values):
            raise ValueError("thresholds must be finite numbers")

    @property
    def per_group(self) -> bool:
        """Whether the point has one threshold per group (rather than one for all rows)."""
        return bool(self.by_group)

    def label(self, digits: int = 3) -> str:
        """The point in words: ``"0.284"`` or ``"income_band: high 0.31, low 0.25"``."""
        if not self.per_group:
            return f"{self.threshold:.{digits}g}"
        if len(self.by_group) > 4:
            return f"{len(self.by_group)} thresholds per {self.attribute}"
        return f"{self.attribute}: " + ", ".join(f"{g} {t:.{digits}g}" for g, t in self.by_group)

    @property
    def name(self) -> str:
        """The candidate's name: ``"hgb @ 0.284 (set by hand)"``; long per-group points end with a short hash."""
        text = f"{self.parent} @ {self.label()} ({HAND_RULE})"
        if self.per_group and len(self.by_group) > 4:
            text = f"{self.parent} @ {self.label()} ({HAND_RULE}, {self.key[:6]})"
        return text

    @property
    def key(self) -> str:
        """A stable identifier (the link's text hashed)."""
        return hashlib.sha256(encode_point(self).encode()).hexdigest()

    def thresholds_for(self, curve: Curve) -> tuple[int | None, dict[str, int] | None]:
        """Stored threshold indices: one, or one per group (``None`` where the curve lacks it)."""
        if not self.per_group:
            return curve.index_of(self.threshold), None
        return None, {g: curve.index_of(t) for g, t in self.by_group}

    def source(self, curve: Curve) -> dict:
        """The candidate's ``source``: what to deploy, in the form the decision and the report read."""
        out: dict[str, Any] = {"kind": "operating_point", "parent": self.parent, "rule": HAND_RULE}
        if self.per_group:
            out["threshold"] = None
            out["attribute"] = self.attribute
            out["by_group"] = {"constraint": None, "groups": {g: {"threshold": t} for g, t in self.by_group}}
        else:
            out["threshold"] = float(self.threshold)
        out["score"] = curve.score
        out["split"] = None  # chosen and measured on the same rows
        out["set_in"] = "dashboard"
        return out


def check_point(point: OperatingPoint, curves: Mapping[str, Curve]) -> str | None:
    """Why ``point`` cannot be used with these curves (one sentence), or None when it can."""
    curve = curves.get(point.parent)
    if curve is None:
        return (
            f"{point.parent!r} has no stored threshold curve (a binary candidate with scores, evaluated by tradeoffs)"
        )
    if not point.per_group:
        if curve.index_of(point.threshold) is None:
            return f"{point.threshold:g} is not one of {point.parent}'s {len(curve.thresholds)} stored thresholds"
        return None
    groups = curve.by_attribute.get(point.attribute)
    if groups is None:
        return f"{point.parent}'s stored curve has no groups of {point.attribute!r}"
    given = [g for g, _ in point.by_group]
    if sorted(given) != sorted(groups.groups):
        have = ", ".join(groups.groups)
        return f"thresholds are given for {', '.join(given)}; {point.attribute} has the groups {have}"
    bad = [f"{g} {t:g}" for g, t in point.by_group if curve.index_of(t) is None]
    if bad:
        return f"{', '.join(bad)}: not among {point.parent}'s stored thresholds"
    return None


@dataclass(frozen=True)
class PointFigures:
    """What an operating point does: all rows, and per group of each attribute (None where unknown)."""

    point: OperatingPoint
    overall: PointCounts
    by_attribute: Mapping[str, PointCounts | None]

    def rates(self, counts: PointCounts | None = None) -> dict[str, np.ndarray]:
        """:func:`rates_of` all rows (or of ``counts``)."""
        return rates_of(counts or self.overall)

    def per_1k(self, key: str) -> float | None:
        """A money sum of all rows per 1,000 rows (``value``, ``fp_cost``, ``fn_cost``, ``captured:<column>``)."""
        a = self.overall.money.get(key)
        n = float(self.overall.n[0])
        return None if a is None or n == 0 else 1000.0 * float(a[0]) / n


def rates_of(c: PointCounts) -> dict[str, np.ndarray]:
    """Selection rate, precision, recall (TPR), FPR, accuracy, balanced accuracy, F1 per group (NaN: no denominator)."""
    neg = c.n - c.pos
    fp = c.pred_pos - c.tp
    recall = ratio(c.tp, c.pos)
    return {
        "selection_rate": ratio(c.pred_pos, c.n),
        "precision": ratio(c.tp, c.pred_pos),
        "recall": recall,
        "fpr": ratio(fp, neg),
        "accuracy": ratio(c.tp + neg - fp, c.n),
        "balanced_accuracy": (recall + ratio(neg - fp, neg)) / 2.0,
        "f1": ratio(2 * c.tp, c.pred_pos + c.pos),
    }


def point_figures(curve: Curve, point: OperatingPoint) -> PointFigures:
    """Counts of all rows and of each attribute's groups at ``point`` (checked with :func:`check_point`)."""
    problem = check_point(point, {curve.parent: curve})
    if problem:
        raise InputError(problem + ".")
    by_attribute: dict[str, PointCounts | None] = {}
    if not point.per_group:
        i = curve.index_of(point.threshold)
        overall = curve.overall.at(i)
        for a, g in curve.by_attribute.items():
            by_attribute[a] = g.at(i)
        return PointFigures(point, overall, by_attribute)
    groups = curve.by_attribute[point.attribute]
    wanted = dict(point.by_group)
    idx = np.array([curve.index_of(wanted[g]) for g in groups.groups], dtype=np.int64)
    if curve.cells is not None and point.attribute in curve.cell_codes:
        cell_idx = idx[curve.cell_codes[point.attribute]]
        cells = curve.cells.at(cell_idx)
        for a, g in curve.by_attribute.items():
            by_attribute[a] = cells.regroup(curve.cell_codes[a], g.groups) if a in curve.cell_codes else None
        return PointFigures(point, cells.total(), by_attribute)
    own = groups.at(idx)
    for a in curve.by_attribute:
        by_attribute[a] = own if a == point.attribute else None
    return PointFigures(point, own.total(), by_attribute)


# ---- fairness from group rates ---------------------------------------------------------------------
def group_disparities(rates: Mapping[str, np.ndarray], n: np.ndarray, *, min_group_size: int) -> dict[str, np.ndarray]:
    """Fairlearn's between-group figures of :func:`rates_of` rates (last axis = groups).

    Over the groups of at least ``min_group_size`` rows: the evaluation's own definitions and small-group
    rule (:func:`analysis._group_rates.disparities`, the same function).
    """
    renamed = {"selection_rate": rates["selection_rate"], "tpr": rates["recall"], "fpr": rates["fpr"]}
    renamed["accuracy"] = rates["accuracy"]
    return disparities(renamed, binary=True, eligible=np.asarray(n) >= min_group_size)


def _min_group_size(scorecard: Scorecard) -> int:
    value = scorecard.settings.get("min_group_size")
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 30


def _scored_attributes(scorecard: Scorecard) -> tuple[str, ...]:
    """The single sensitive attributes the scorecard's unsuffixed fairness objectives are the worst of."""
    return tuple(str(a) for a in scorecard.dataset.get("sensitive") or ())


# ---- the objectives of an operating point ----------------------------------------------------------
def threshold_dependent(objective: str) -> bool:
    """Whether an objective of a binary candidate changes with its threshold."""
    base, _ = split_attribute_objective(objective)
    return (
        objective in RATE_OBJECTIVES
        or objective == "net_value_per_1k"
        or objective.endswith(CAPTURED_SUFFIX)
        or base in FAIRNESS_BASES["binary"]
    )


def inherited(scorecard: Scorecard, objective: str) -> bool:
    """Whether an operating point takes its parent's value of ``objective`` (it does not depend on the threshold)."""
    if objective in SCORE_METRICS or objective in INHERITED_FAIRNESS or objective.startswith("auc_"):
        return True
    try:
        group = scorecard.objective(objective).group
    except InputError:
        return False
    return group in INHERITED_GROUPS


def point_objectives(scorecard: Scorecard, curve: Curve, point: OperatingPoint) -> dict[str, float | None]:
    """Every objective of ``scorecard`` for ``point``, ``None`` where missing.

    Its own threshold-dependent figures, the parent's threshold-free ones, and ``None`` where neither
    applies or the stored curve cannot tell (another attribute's groups under per-group thresholds).
    """
    fig = point_figures(curve, point)
    rates = fig.rates()
    min_size = _min_group_size(scorecard)
    per_attribute = {
        a: (group_disparities(fig.rates(c), c.n, min_group_size=min_size) if c is not None else None)
        for a, c in fig.by_attribute.items()
    }
    scored = _scored_attributes(scorecard)
    parent = candidate_values(scorecard, point.parent)
    out: dict[str, float | None] = {}
    for name in scorecard.objective_names:
        value: float | None = None
        base, attribute = split_attribute_objective(name)
        if name in RATE_OBJECTIVES:
            value = float(rates[name][0])
        elif name == "net_value_per_1k":
            value = fig.per_1k("value")
        elif name.endswith(CAPTURED_SUFFIX):
            value = fig.per_1k(f"captured:{name[: -len(CAPTURED_SUFFIX)]}")
        elif base in FAIRNESS_BASES["binary"] and attribute is not None:
            d = per_attribute.get(attribute)
            value = None if d is None else float(d[base])
        elif base in FAIRNESS_BASES["binary"]:
            values = [per_attribute.get(a) for a in scored]
            if scored and all(v is not None for v in values):
                numbers = np.array([float(v[base]) for v in values])
                worst = np.nanmin if base in ("demographic_parity_ratio", "worst_group_accuracy") else np.nanmax
                value = None if np.isnan(numbers).all() else float(worst(numbers))
        elif inherited(scorecard, name):
            v = parent.get(name)
            value = None if v is None or math.isnan(v) else float(v)
        out[name] = None if value is None or not math.isfinite(value) else value
    return out


def _note(point: OperatingPoint, curve: Curve, missing_attributes: Sequence[str]) -> str:
    what = "probability" if curve.score_kind == "probability" else "score"
    where = (
        f"threshold {point.threshold:.6g}"
        if not point.per_group
        else "thresholds per group of "
        + f"{point.attribute} ("
        + ", ".join(f"{g} {t:.6g}" for g, t in point.by_group)
        + ")"
    )
    text = (
        f"{where} on {point.parent}'s {what}, set by hand in the dashboard on its stored curve: quality, value and "
        "fairness figures measured on the same rows the threshold was chosen on, without intervals; threshold-free "
        f"figures (ROC AUC, PR AUC, log loss, Brier score, calibration, drift), serving, cost and explanations "
        f"inherited from {point.parent}"
    )
    if missing_attributes:
        text += (
            f"; figures of {', '.join(missing_attributes)} missing (the stored curve has no combinations of its groups "
            f"with {point.attribute}'s)"
        )
    return text


def with_operating_points(
    scorecard: Scorecard, points: Iterable[OperatingPoint]
) -> tuple[Scorecard, tuple[str, ...], tuple[str, ...]]:
    """``scorecard`` with each usable point added as a candidate.

    Returns
    -------
    scorecard, added, warnings
        The enlarged scorecard (the same object when nothing was added), the names of the added
        candidates in order, and one sentence per point left out (no curve, an unknown threshold or
        group, a name already taken by another candidate).
    """
    curves = load_curves(scorecard)
    names = set(scorecard.candidate_names)
    new_candidates, rows, added, warnings = [], [], [], []
    for point in dict.fromkeys(points):
        problem = check_point(point, curves)
        if problem:
            warnings.append(f"operating point {point.name}: {problem}; left out.")
            continue
        if point.name in names:
            warnings.append(f"{point.name!r} is already a candidate; not added twice.")
            continue
        curve = curves[point.parent]
        figures = point_objectives(scorecard, curve, point)
        missing = [a for a, c in point_figures(curve, point).by_attribute.items() if c is None]
        new_candidates.append(
            Candidate(point.name, FrozenDict(_freeze(point.source(curve))), notes=(_note(point, curve, missing),))
        )
        rows.append([np.nan if figures[o] is None else figures[o] for o in scorecard.objective_names])
        names.add(point.name)
        added.append(point.name)
    if not added:
        return scorecard, (), tuple(warnings)
    metrics = tuple(
        MetricValue(c.name, o, float(v))
        for c, row in zip(new_candidates, rows, strict=True)
        for o, v in zip(scorecard.objective_names, row, strict=True)
        if not math.isnan(v)
    )
    out = replace(
        scorecard, candidates=scorecard.candidates + tuple(new_candidates), metrics=scorecard.metrics + metrics
    )
    # the dense arrays: the parent's rows stacked with the new ones (no pass over every metric again)
    old = scorecard.dense_arrays()
    extra = np.asarray(rows, dtype=float)
    blank = np.full_like(extra, np.nan)
    dense = {
        "value": np.vstack([old["value"], extra]),
        "ci_low": np.vstack([old["ci_low"], blank]),
        "ci_high": np.vstack([old["ci_high"], blank]),
    }
    for a in dense.values():
        a.flags.writeable = False
    object.__setattr__(out, "_dense", (out.candidate_names, tuple(scorecard.objective_names), dense))
    return out, tuple(added), tuple(warnings)


# ---- every operating point on two objectives -------------------------------------------------------
def curve_objectives(scorecard: Scorecard) -> tuple[str, ...]:
    """The scorecard's objectives an operating point's position can be drawn on (in scorecard order)."""
    curves = load_curves(scorecard)
    if not curves:
        return ()
    return tuple(o for o in scorecard.objective_names if threshold_dependent(o) or inherited(scorecard, o))


def _curve_series(scorecard: Scorecard, curve: Curve, objective: str, parent_row: Mapping[str, float]) -> np.ndarray:
    """``objective`` at every stored threshold of ``curve`` (NaN where it cannot be told)."""
    t = len(curve.thresholds)
    o = curve.overall
    n = float(o.n[0])
    base, attribute = split_attribute_objective(objective)
    if objective in RATE_OBJECTIVES:
        return rates_of(_at_every(o, np.arange(t)))[objective]
    if objective == "net_value_per_1k" or objective.endswith(CAPTURED_SUFFIX):
        key = "value" if objective == "net_value_per_1k" else f"captured:{objective[: -len(CAPTURED_SUFFIX)]}"
        a = o.money.get(key)
        return np.full(t, np.nan) if a is None or n == 0 else 1000.0 * a[0] / n
    if base in FAIRNESS_BASES["binary"]:
        attributes = [attribute] if attribute else list(_scored_attributes(scorecard))
        series = []
        for a in attributes:
            g = curve.by_attribute.get(a)
            if g is None:
                return np.full(t, np.nan)
            counts = PointCounts(g.groups, g.n[:, None], g.pos[:, None], g.pred_pos, g.tp)
            rates = {k: v.T for k, v in rates_of(counts).items()}
            series.append(group_disparities(rates, g.n, min_group_size=_min_group_size(scorecard))[base])
        if not series:
            return np.full(t, np.nan)
        worst = np.fmin if base in ("demographic_parity_ratio", "worst_group_accuracy") else np.fmax
        return worst.reduce(np.vstack(series), axis=0)
    if inherited(scorecard, objective):
        return np.full(t, parent_row.get(objective, np.nan))
    return np.full(t, np.nan)


def _at_every(g: GroupCounts, every: np.ndarray) -> PointCounts:
    return PointCounts(g.groups, np.full(len(every), g.n[0]), np.full(len(every), g.pos[0]), g.pred_pos[0], g.tp[0])


def pareto_2d(x: np.ndarray, y: np.ndarray, *, x_max: bool, y_max: bool) -> np.ndarray:
    """Which points no other point beats on both ``x`` and ``y`` (NaN points are never on the front).

    One sort and a running best: ``O(n log n)``. Of identical points only the first is kept.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    front = np.zeros(len(x), dtype=bool)
    ok = np.flatnonzero(~(np.isnan(x) | np.isnan(y)))
    if not len(ok):
        return front
    xs = -x[ok] if x_max else x[ok]  # smaller is better from here on
    ys = -y[ok] if y_max else y[ok]
    order = np.lexsort((ys, xs))
    best_before = np.minimum.accumulate(np.concatenate([[np.inf], ys[order]]))[:-1]
    front[ok[order[ys[order] < best_before]]] = True
    return front


def operating_point_cloud(scorecard: Scorecard, x: str, y: str) -> dict[str, np.ndarray]:
    """Every stored operating point of every candidate on objectives ``x`` and ``y``.

    Returns ``{"candidate", "threshold", "x", "y", "front"}`` arrays (one entry per candidate and
    stored threshold; ``candidate`` holds indices into ``scorecard.candidate_names``), ``front``
    marking the points on the Pareto front of all of them over ``x`` and ``y`` (directions from the
    scorecard's objectives).
    """
    curves = load_curves(scorecard)
    dense = scorecard.dense_arrays()["value"]
    names = scorecard.objective_names
    cand, thr, xs, ys = [], [], [], []
    for i, name in enumerate(scorecard.candidate_names):
        curve = curves.get(name)
        if curve is None:
            continue
        row = dict(zip(names, dense[i].tolist(), strict=True))
        cand.append(np.full(len(curve.thresholds), i, dtype=np.int64))
        thr.append(curve.thresholds)
        xs.append(_curve_series(scorecard, curve, x, row))
        ys.append(_curve_series(scorecard, curve, y, row))
    if not cand:
        empty = np.empty(0)
        return {"candidate": np.empty(0, dtype=np.int64), "threshold": empty, "x": empty, "y": empty, "front": empty}
    out = {"candidate": np.concatenate(cand), "threshold": np.concatenate(thr), "x": np.concatenate(xs)}
    out["y"] = np.concatenate(ys)
    out["front"] = pareto_2d(
        out["x"],
        out["y"],
        x_max=scorecard.objective(x).direction == "max",
        y_max=scorecard.objective(y).direction == "max",
    )
    return out


# ---- links ---------------------------------------------------------------------------------------
def _q(text: str) -> str:
    return quote(str(text), safe="_-.~() ")


def encode_point(point: OperatingPoint) -> str:
    """The point as link text: ``"hgb@0.284"`` or ``"hgb@income_band:high=0.31,low=0.25"`` (names %-quoted)."""
    if not point.per_group:
        return f"{_q(point.parent)}@{point.threshold!r}"
    groups = ",".join(f"{_q(g)}={t!r}" for g, t in point.by_group)
    return f"{_q(point.parent)}@{_q(point.attribute)}:{groups}"


def decode_point(text: str) -> OperatingPoint:
    """Inverse of :func:`encode_point`; :class:`InputError` naming the part that cannot be read."""
    parent, at, rest = str(text).partition("@")
    if not at or not parent or not rest:
        raise InputError(f"the link's operating point {text!r} is not NAME@THRESHOLD.", source="link")
    try:
        if ":" not in rest:
            return OperatingPoint(unquote(parent), float(rest))
        attribute, _, groups = rest.partition(":")
        pairs = []
        for part in groups.split(","):
            g, eq, t = part.partition("=")
            if not eq:
                raise ValueError(part)
            pairs.append((unquote(g), float(t)))
        return OperatingPoint(unquote(parent), attribute=unquote(attribute), by_group=tuple(pairs))
    except ValueError:
        raise InputError(
            f"the link's operating point {text!r} is not NAME@THRESHOLD or NAME@ATTRIBUTE:GROUP=THRESHOLD,...",
            source="link",
        ) from None
