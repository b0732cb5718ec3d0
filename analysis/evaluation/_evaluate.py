"""From predictions to a scorecard.

Point values, paired bootstrap intervals, comparisons with the best candidate, fairness
slices, business value and per-window series, all from one pass of shared code.

Fairness objectives (see :mod:`analysis.evaluation._fairness`): for each single sensitive
attribute ``A``, ``<base>[A]`` (``equalized_odds_difference[sex]``) over the groups of ``A``
with at least ``min_group_size`` rows (default 30), and the unsuffixed ``<base>``, the worst of
those over the attributes. Smaller groups stay in the slice table (``small``,
``excluded_from_scoring``); an attribute with fewer than two eligible groups has missing
figures and a note in the ``fairness`` section. Intersections are reported, never scored.
Per-group rates carry Wilson intervals (``ci_method = "wilson"``).
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata

import numpy as np
import pandas as pd

from analysis._errors import InputError
from analysis.evaluation._bootstrap import bootstrap_weights, percentile_interval
from analysis.evaluation._curves import binary_curves, multiclass_curves, regression_curves
from analysis.evaluation._data import EvalData
from analysis.evaluation._fairness import (
    BINARY_RATES,
    CI_METHOD,
    build_group_indexes,
    count_groups,
    eligible_groups,
    group_rate_intervals,
    group_rates,
    group_sizes,
    scored_fairness,
    small_group_rule,
)
from analysis.evaluation._predict import Predictions
from analysis.evaluation._quality import candidate_terms, metrics_for
from analysis.evaluation._ranking import transposed
from analysis.evaluation._value import value_row_columns
from analysis.objectives import (
    CLASSIFICATION_METRICS,
    FAIRNESS_BASES,
    PROBABILITY_METRICS,
    REGRESSION_METRICS,
    SCORE_METRICS,
    attribute_objective,
    get_objective,
)
from analysis.scorecard import (
    Candidate,
    Comparison,
    MetricValue,
    Scorecard,
    _clean,
    _freeze,
)

Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class EvalSettings:
    """How to evaluate.

    Parameters
    ----------
    n_bootstrap : int
        Paired bootstrap resamples for intervals and significance (0 disables them).
    confidence : float
        Confidence level of the intervals.
    random_state : int
        Seed of the resamples (the same resamples serve every candidate).
    min_group_size : int
        Groups with fewer rows are flagged as too small to trust and left out of every scored
        disparity and worst-group figure (they stay in the slice table). 30 by default: below
        that a group's rates move by chance more than the gaps being judged.
    window : str
        pandas period alias of the time windows (``"M"`` = calendar month).
    intersections : bool
        Also report the intersection of all sensitive attributes.
    """

    n_bootstrap: int = 1000
    confidence: float = 0.95
    random_state: int = 0
    min_group_size: int = 30
    window: str = "M"
    intersections: bool = True

    def to_dict(self) -> dict:
        """The settings as recorded in the scorecard, with the small-group rule and interval method spelled out."""
        return {
            **self.__dict__,
            "small_group_rule": small_group_rule(self.min_group_size),
            "group_ci_method": CI_METHOD,
        }


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape the numbers."""
    out = {"python": sys.version.split()[0]}
    for pkg in ("tradeoffs", "numpy", "pandas", "scikit-learn", "fairlearn", "shap", "skops", "pyarrow", "onnxruntime"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return out


def machine_record() -> dict:
    """Where the evaluation ran."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
    }


def _quality_names(task: str) -> tuple[str, ...]:
    return REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS


def _fairness_names(task: str, attributes: Sequence[str] = ()) -> tuple[str, ...]:
    """The overall fairness objectives of ``task``, then each one per attribute."""
    bases = FAIRNESS_BASES[task]
    return tuple(bases) + tuple(attribute_objective(b, a).name for a in attributes for b in bases)


def _group_inputs(g: dict, groups, task: str) -> dict[str, dict[str, np.ndarray]]:
    """``{attribute: {rate: array}}`` from :func:`metrics_for`'s per-group output."""
    rates = {"binary": ("selection_rate", "accuracy", "tpr", "fpr"), "multiclass": ("accuracy",)}.get(task, ("mae",))
    return {grp.attribute: {r: g[(grp.attribute, r)] for r in rates} for grp in groups}


def main_metric(task: str, available: Sequence[str]) -> str:
    """The headline quality metric for trends: ROC AUC, else accuracy; RMSE for regression."""
    if task == "regression":
        return "rmse"
    return "roc_auc" if "roc_auc" in available else "accuracy"


def _window_matrix(data: EvalData, window: str) -> tuple[list[str], np.ndarray]:
    periods = pd.PeriodIndex(data.frame[data.time], freq=window) if data.time else None
    if periods is None:
        return [], np.zeros((0, data.n_rows))
    labels = sorted(set(periods.astype(str)))
    codes = pd.Categorical(periods.astype(str), categories=labels).codes
    W = np.zeros((len(labels), data.n_rows))
    W[codes, np.arange(data.n_rows)] = 1.0
    return labels, W


def evaluate_predictions(
    data: EvalData,
    predictions: Sequence[Predictions],
    *,
    settings: EvalSettings | None = None,
    now: datetime,
    failed: Sequence[tuple[str, dict, str]] = (),
    progress: Progress | None = None,
) -> Scorecard:
    """Score every candidate's predictions on the same rows into a :class:`Scorecard`.

    Parameters
    ----------
    data : EvalData
        The checked evaluation dataset.
    predictions : sequence of Predictions
        One per candidate, aligned with ``data``'s rows.
    settings : EvalSettings
        Bootstrap, slices and windows.
    now : datetime
        The timestamp recorded in the scorecard (passed in, so results are reproducible).
    failed : sequence of (name, source, message)
        Candidates that could not be predicted; they appear with status "failed" and every
        value missing.
    progress : callable, optional
        Called as ``progress(candidate, stage)`` when a candidate's stage finishes.
    """
    if not predictions and not failed:
        raise InputError("no candidates to evaluate; pass at least one --model or --predictions.")
    names = [p.name for p in predictions] + [f[0] for f in failed]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(
            f"candidate name(s) {', '.join(dupes)} appear more than once; rename the files so each is unique."
        )
    settings = settings or EvalSettings()
    if isinstance(settings.min_group_size, bool) or not isinstance(settings.min_group_size, (int, np.integer)):
        raise InputError(f"min_group_size must be a whole number of rows, got {settings.min_group_size!r}.")
    if settings.min_group_size < 1:
        raise InputError(f"min_group_size must be at least 1 row, got {settings.min_group_size}.")
    task = data.task
    n_classes = len(data.spec.classes)
    groups = build_group_indexes(data.frame, data.sensitive, intersections=settings.intersections)
    scored_attrs = [a for a in data.sensitive if any(g.attribute == a for g in groups)]
    eligible = {g.attribute: eligible_groups(group_sizes(g), min_group_size=settings.min_group_size) for g in groups}
    value_rows = value_row_columns(data.frame, data.value) if task == "binary" else {}
    cts = [candidate_terms(data, p, groups, value_rows) for p in predictions]

    # Point estimates.
    ones = np.ones((1, data.n_rows))
    point: list[dict] = []
    point_groups: list[dict] = []
    point_fair: list[dict] = []
    for ct in cts:
        o, g = metrics_for(ct, ones, task, n_classes)
        fair, per_attr = scored_fairness(_group_inputs(g, groups, task), eligible, task=task, scored=scored_attrs)
        o.update(fair)  # scored figures: eligible groups only
        point.append({k: float(v[0]) for k, v in o.items()})
        point_groups.append({k: v[0] for k, v in g.items()})
        point_fair.append({a: {k: float(v[0]) for k, v in d.items()} for a, d in per_attr.items()})

    # Paired bootstrap: the same resamples for every candidate.
    boot: list[dict[str, list]] = [dict() for _ in cts]
    boot_groups: list[dict] = [dict() for _ in cts]
    if settings.n_bootstrap > 0:
        for W in bootstrap_weights(data.n_rows, settings.n_bootstrap, random_state=settings.random_state):
            Wt = transposed(W)  # shared by every candidate's ranking metrics
            for i, ct in enumerate(cts):
                o, g = metrics_for(ct, W, task, n_classes, Wt=Wt)
                fair, _ = scored_fairness(_group_inputs(g, groups, task), eligible, task=task, scored=scored_attrs)
                o.update(fair)  # the same eligible groups in every resample
                for k, v in o.items():
                    boot[i].setdefault(k, []).append(v)
                for k, v in g.items():
                    if k[1] == "mae":  # classification rates get Wilson intervals instead
                        boot_groups[i].setdefault(k, []).append(v)
        boot = [{k: np.concatenate(v) for k, v in b.items()} for b in boot]
        boot_groups = [{k: np.concatenate(v) for k, v in b.items()} for b in boot_groups]
    for p in predictions:
        if progress:
            progress(p.name, "metrics")

    # Objectives: every metric some candidate has.
    wanted = list(_quality_names(task)) + list(_fairness_names(task, scored_attrs) if groups else ())
    if task == "binary":
        wanted += [o.name for o in data.value.objectives()]
    present = [m for m in wanted if any(m in pt and np.isfinite(pt[m]) for pt in point)]
    if not predictions:
        present = [m for m in wanted if m not in SCORE_METRICS]
    objectives = tuple(get_objective(m) for m in present)

    metrics: list[MetricValue] = []
    for i, p in enumerate(predictions):
        for m in present:
            v = point[i].get(m, np.nan)
            lo, hi = percentile_interval(boot[i][m], settings.confidence) if m in boot[i] else (None, None)
            metrics.append(MetricValue(p.name, m, _clean(v), lo, hi))
    for name, _, _ in failed:
        metrics.extend(MetricValue(name, m, None) for m in present)

    comparisons = _comparisons(predictions, point, boot, objectives, settings)
    slices = _slice_rows(data, predictions, groups, point_groups, boot_groups, settings, scored_attrs)
    fairness_section = _fairness_section(predictions, groups, point_fair, eligible, settings, scored_attrs)
    windows, trend = _windows(data, cts, settings, task, n_classes, present)

    candidates = [
        Candidate(
            name=p.name,
            source=_freeze(_clean(p.source)),
            status="ok",
            notes=tuple(p.notes) + _missing_notes(p, task),
        )
        for p in predictions
    ] + [Candidate(name=n, source=_freeze(_clean(src)), status="failed", errors=(msg,)) for n, src, msg in failed]
    sections = {"fairness": fairness_section, "curves": _curves(data, predictions)}
    if trend:
        sections["trend"] = trend
    return Scorecard(
        task=task,
        objectives=objectives,
        candidates=tuple(candidates),
        metrics=tuple(metrics),
        comparisons=tuple(comparisons),
        slices=tuple(_freeze(_clean(s)) for s in slices),
        windows=tuple(_freeze(_clean(w)) for w in windows),
        sections=_freeze(_clean(sections)),
        dataset=_freeze(_clean(data.describe())),
        settings=_freeze(_clean(settings.to_dict())),
        provenance=_freeze(
            _clean({"versions": library_versions(), "machine": machine_record(), "evaluated_at": now.isoformat()})
        ),
        created_at=now.isoformat(),
    )


def _curves(data: EvalData, predictions: Sequence[Predictions]) -> dict:
    out = {}
    for p in predictions:
        if data.task == "binary":
            out[p.name] = binary_curves(data.y, p.y_pred, p.y_score, p.y_prob)
        elif data.task == "multiclass":
            out[p.name] = multiclass_curves(data.y, p.y_pred, len(data.spec.classes))
        else:
            out[p.name] = regression_curves(data.y, p.y_pred)
    if data.task != "regression":
        out["_classes"] = [str(c) for c in data.spec.classes]
    return out


def _missing_notes(p: Predictions, task: str) -> tuple[str, ...]:
    if task == "regression":
        return ()
    if p.score_kind == "none":
        return ("ranking and probability metrics are missing (no scores)",)
    if p.score_kind == "decision_function":
        return (f"probability metrics missing: {', '.join(sorted(PROBABILITY_METRICS))}",)
    return ()


def _comparisons(predictions, point, boot, objectives, settings) -> list[Comparison]:
    out = []
    if len(predictions) < 2:
        return out
    for obj in objectives:
        vals = np.array([pt.get(obj.name, np.nan) for pt in point], dtype=float)
        if not np.isfinite(vals).any():
            continue
        key = np.where(np.isfinite(vals), vals if obj.direction == "max" else -vals, -np.inf)
        b = int(np.argmax(key))
        best = predictions[b].name
        for i, p in enumerate(predictions):
            if i == b or not np.isfinite(vals[i]):
                continue
            diff = float(vals[i] - vals[b])
            lo = hi = None
            significant = None
            if obj.name in boot[i] and obj.name in boot[b]:
                d = boot[i][obj.name] - boot[b][obj.name]
                lo, hi = percentile_interval(d, settings.confidence)
                if lo is not None:
                    significant = bool(lo > 0 or hi < 0)
            out.append(Comparison(obj.name, p.name, best, diff, lo, hi, significant))
    return out


def _slice_rows(data, predictions, groups, point_groups, boot_groups, settings, scored_attrs) -> list[dict]:
    """One row per candidate x attribute x group: size, flags, rates and their intervals."""
    task = data.task
    rows = []
    Y = np.vstack([p.y_pred for p in predictions]) if predictions else np.zeros((0, data.n_rows))
    for g in groups:
        n = group_sizes(g)
        scored = g.attribute in scored_attrs
        if task == "regression":
            rates, intervals, method = None, None, "bootstrap_percentile"
        else:
            correct = (Y == np.asarray(data.y)[None, :]) if task == "multiclass" else None
            counts = count_groups(data.y, Y, g, correct=correct)
            rates = group_rates(counts)
            intervals = group_rate_intervals(counts, confidence=settings.confidence)
            method = CI_METHOD
            if task == "multiclass":
                rates = {"accuracy": rates["accuracy"]}
        for i, p in enumerate(predictions):
            for j, label in enumerate(g.labels):
                small = bool(n[j] < settings.min_group_size)
                row = {
                    "candidate": p.name,
                    "attribute": g.attribute,
                    "group": label,
                    "n": int(n[j]),
                    "small": small,
                    "excluded_from_scoring": bool(small or not scored),
                }
                if task == "binary":
                    row["positives"] = int(counts.pos[i, j])
                if rates is not None:
                    for r in BINARY_RATES if task == "binary" else ("accuracy",):
                        row[r] = rates[r][i, j]
                        row[f"{r}_ci_low"], row[f"{r}_ci_high"] = intervals[r][0][i, j], intervals[r][1][i, j]
                else:
                    row["mae"] = point_groups[i][(g.attribute, "mae")][j]
                    samples = boot_groups[i].get((g.attribute, "mae"))
                    lo, hi = (
                        percentile_interval(samples[:, j], settings.confidence) if samples is not None else (None, None)
                    )
                    row["mae_ci_low"], row["mae_ci_high"] = lo, hi
                row["ci_method"] = method
                rows.append(row)
    return rows


def _fairness_section(predictions, groups, point_fair, eligible, settings, scored_attrs) -> dict:
    """Per-attribute disparities (eligible groups only), which groups count, and notes on what is missing."""
    per = {g.attribute: {p.name: point_fair[i].get(g.attribute, {}) for i, p in enumerate(predictions)} for g in groups}
    notes: dict[str, list[str]] = {}
    excluded = {}
    for g in groups:
        ok = eligible[g.attribute]
        small = [label for label, e in zip(g.labels, ok, strict=True) if not e]
        excluded[g.attribute] = small
        what = "scored" if g.attribute in scored_attrs else "reported"
        if ok.sum() < 2:
            notes.setdefault(g.attribute, []).append(
                f"{g.attribute}: {int(ok.sum())} group(s) with at least {settings.min_group_size} rows, so its "
                f"disparities and worst-group figures are missing (not {what})."
            )
        elif small:
            notes.setdefault(g.attribute, []).append(
                f"{g.attribute}: {len(small)} group(s) with fewer than {settings.min_group_size} rows "
                f"({', '.join(small)}) are in the slices but left out of its {what} disparities."
            )
    return {
        "attributes": [g.attribute for g in groups],
        "scored_attributes": list(scored_attrs),
        "objective_rule": (
            "per attribute over groups of at least the minimum size; the unsuffixed objective is the worst value "
            "over the single sensitive attributes; intersections are reported only"
        ),
        "small_group_rule": small_group_rule(settings.min_group_size),
        "min_group_size": settings.min_group_size,
        "ci_method": CI_METHOD,
        "eligible_groups": {
            g.attribute: [label for label, e in zip(g.labels, eligible[g.attribute], strict=True) if e] for g in groups
        },
        "excluded_groups": excluded,
        "notes": notes,
        "by_attribute": per,
    }


def _windows(data, cts, settings, task, n_classes, present) -> tuple[list[dict], dict]:
    labels, W = _window_matrix(data, settings.window)
    if not labels:
        return [], {}
    rows = []
    series: dict[str, dict[str, list]] = {}
    counts = W.sum(axis=1)
    keep = [m for m in present if get_objective(m).group in ("quality", "value")]
    for ct in cts:
        o, _ = metrics_for(ct, W, task, n_classes)
        for w, label in enumerate(labels):
            row = {"candidate": ct.name, "window": label, "n": int(counts[w])}
            row.update({m: float(o[m][w]) for m in keep if m in o})
            rows.append(row)
        series[ct.name] = {m: [float(x) for x in o[m]] for m in keep if m in o}
    main = main_metric(task, present)
    x = np.arange(len(labels), dtype=float)
    trend = {"metric": main, "unit": "per window", "window": settings.window, "windows": labels, "slope": {}}
    for name, s in series.items():
        y = np.asarray(s.get(main, []), dtype=float)
        ok = np.isfinite(y)
        trend["slope"][name] = float(np.polyfit(x[ok], y[ok], 1)[0]) if ok.sum() >= 2 else None
    return rows, trend
