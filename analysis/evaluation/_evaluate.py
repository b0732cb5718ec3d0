"""From predictions to a scorecard.

Point values, paired bootstrap intervals, comparisons with the best candidate, fairness
slices, business value and per-window series, all from one pass of shared code: the rows are
scored a chunk at a time into per-resample sums (:mod:`analysis.evaluation._accumulate`) with
Poisson bootstrap weights (:mod:`analysis.evaluation._bootstrap`), so memory does not grow with
rows x resamples.

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
from analysis.evaluation._accumulate import MAX_BINS, CandidateScores
from analysis.evaluation._bootstrap import BOOTSTRAP_METHOD, percentile_interval
from analysis.evaluation._curves import binary_curves, multiclass_curves, regression_curves
from analysis.evaluation._data import EvalData
from analysis.evaluation._fairness import (
    BINARY_RATES,
    CI_METHOD,
    GroupCounts,
    build_group_indexes,
    eligible_groups,
    group_rate_intervals,
    group_rates,
    group_sizes,
    scored_fairness,
    small_group_rule,
)
from analysis.evaluation._outputs import check_finite, check_probabilities, check_rows
from analysis.evaluation._predict import Predictions
from analysis.evaluation._ranking import make_score_order, weighted_ranking_metrics
from analysis.evaluation._score import CHUNK_ROWS, score_predictions
from analysis.evaluation._support import duplicate_id_warning, support_warnings
from analysis.evaluation._thresholds import threshold_section
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
    ranking_bins : int
        Score bins for the bootstrap resamples of ROC AUC and PR AUC: a candidate with at most
        this many distinct scores is exact; above it, the resamples use this many quantile bins
        and the scorecard's ``ranking`` section states the largest error that can cause.
    """

    n_bootstrap: int = 1000
    confidence: float = 0.95
    random_state: int = 0
    min_group_size: int = 30
    window: str = "M"
    intersections: bool = True
    ranking_bins: int = MAX_BINS

    def to_dict(self) -> dict:
        """The settings as recorded in the scorecard, with the small-group rule and interval method spelled out."""
        return {
            **self.__dict__,
            "small_group_rule": small_group_rule(self.min_group_size),
            "group_ci_method": CI_METHOD,
            "bootstrap_method": BOOTSTRAP_METHOD,
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


def _window_codes(data: EvalData, window: str) -> tuple[list[str], np.ndarray | None]:
    """Sorted window labels and each row's window (an index into them); no time column: ``([], None)``."""
    if not data.time:
        return [], None
    periods = pd.PeriodIndex(data.frame[data.time], freq=window)
    codes, uniques = pd.factorize(periods, sort=True)
    return [str(u) for u in uniques], codes.astype(np.int64)


def evaluate_predictions(
    data: EvalData,
    predictions: Sequence[Predictions],
    *,
    settings: EvalSettings | None = None,
    now: datetime,
    failed: Sequence[tuple[str, dict, str]] = (),
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
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
    chunk_rows : int
        Rows scored at a time (:mod:`analysis.evaluation._accumulate`); any value gives the same
        scorecard up to floating-point summation order.
    """
    if not predictions and not failed:
        raise InputError("no candidates to evaluate; pass at least one --model or --predictions.")
    check_names([p.name for p in predictions] + [f[0] for f in failed])
    settings = settings or EvalSettings()
    check_settings(settings)
    for p in predictions:
        check_prediction_rows(p, data)
    task = data.task
    indexes = build_group_indexes(data.frame, data.sensitive, intersections=settings.intersections)
    groups = tuple(GroupMeta(g.attribute, g.labels, group_sizes(g)) for g in indexes)
    labels, window_codes = _window_codes(data, settings.window)
    scores = score_predictions(
        data,
        predictions,
        groups=indexes,
        window_codes=window_codes,
        n_windows=len(labels),
        n_resamples=settings.n_bootstrap,
        random_state=settings.random_state,
        max_bins=settings.ranking_bins,
        chunk_rows=chunk_rows,
        reduce=reducer(task, groups, data.sensitive, settings),
    )
    del indexes
    ranking = _exact_ranking(data, predictions, scores, window_codes, len(labels), settings.ranking_bins)
    return scorecard_from_scores(
        task=task,
        scores=scores,
        ranking=ranking,
        groups=groups,
        sensitive=data.sensitive,
        window_labels=labels,
        candidates=[
            Candidate(
                name=p.name,
                source=_freeze(_clean(p.source)),
                status="ok",
                notes=tuple(p.notes) + _missing_notes(p, task),
            )
            for p in predictions
        ],
        failed=failed,
        value_objectives=tuple(o.name for o in data.value.objectives()) if task == "binary" else (),
        curves=_curves(data, predictions),
        dataset=_with_warnings(data.describe(), [duplicate_id_warning(data.frame, data.id_column, source=data.source)]),
        settings=settings,
        now=now,
        progress=progress,
    )


def check_prediction_rows(p: Predictions, data: EvalData) -> None:
    """:class:`InputError` naming the candidate when its predictions do not fit ``data``'s rows.

    One label (and probability row, and score) per row, finite, probabilities in [0, 1]. Models and
    predictions files are checked where they are read (:mod:`analysis.evaluation._outputs`); this
    catches :class:`Predictions` built by hand before they reach the metrics.
    """
    who = f"candidate {p.name!r}"
    where = f"rows of {data.source}"
    n_classes = len(data.spec.classes)
    check_rows(p.y_pred, n_rows=data.n_rows, who=who, what="predictions", columns=None)
    if data.task == "regression":
        check_finite(p.y_pred, who=who, what="predictions", where=where)
    if p.y_prob is not None:
        columns = n_classes if data.task == "multiclass" else None
        prob = check_rows(p.y_prob, n_rows=data.n_rows, who=who, what="probabilities", columns=columns)
        if prob.size and not (0 <= prob.min() and prob.max() <= 1):  # NaN fails both comparisons
            check_probabilities(prob, who=who, where=where)  # raises, naming the rows
    if p.y_score is not None and p.y_score is not p.y_prob:
        score = check_rows(p.y_score, n_rows=data.n_rows, who=who, what="scores")
        if score.size and not (np.isfinite(score.min()) and np.isfinite(score.max())):
            check_finite(score, who=who, what="scores", where=where)


def _with_warnings(dataset: dict, warnings: Sequence[str | None]) -> dict:
    """``dataset`` with ``warnings`` appended to its ``"warnings"`` list (no key when there are none)."""
    shown = [*dataset.get("warnings", ()), *(w for w in warnings if w)]
    return {**dataset, "warnings": list(dict.fromkeys(shown))} if shown else dataset


def check_names(names: Sequence[str]) -> None:
    """:class:`InputError` when two candidates share a name."""
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(
            f"candidate name(s) {', '.join(dupes)} appear more than once; rename the files so each is unique."
        )


def check_settings(settings: EvalSettings) -> None:
    """:class:`InputError` for a minimum group size that is not a positive whole number."""
    if isinstance(settings.min_group_size, bool) or not isinstance(settings.min_group_size, (int, np.integer)):
        raise InputError(f"min_group_size must be a whole number of rows, got {settings.min_group_size!r}.")
    if settings.min_group_size < 1:
        raise InputError(f"min_group_size must be at least 1 row, got {settings.min_group_size}.")


@dataclass(frozen=True)
class GroupMeta:
    """One sensitive attribute (or intersection) as the scorecard needs it: its groups and their sizes."""

    attribute: str
    labels: tuple[str, ...]
    sizes: np.ndarray

    @property
    def n_groups(self) -> int:
        return len(self.labels)


def _scored(groups: Sequence[GroupMeta], sensitive: Sequence[str], settings: EvalSettings) -> tuple[list, dict]:
    scored_attrs = [a for a in sensitive if any(g.attribute == a for g in groups)]
    eligible = {g.attribute: eligible_groups(g.sizes, min_group_size=settings.min_group_size) for g in groups}
    return scored_attrs, eligible


def reducer(
    task: str, groups: Sequence[GroupMeta], sensitive: Sequence[str], settings: EvalSettings
) -> Callable[[CandidateScores], _Reduced]:
    """What is kept of each candidate's :class:`CandidateScores` as it finishes (per-group resamples are dropped)."""
    scored_attrs, eligible = _scored(groups, sensitive, settings)

    def reduce(cs: CandidateScores) -> _Reduced:
        o = dict(cs.metrics)
        fair, per_attr = scored_fairness(
            _group_inputs(cs.groups, groups, task), eligible, task=task, scored=scored_attrs
        )
        o.update(fair)  # scored figures: eligible groups only, the same groups in every resample
        boot = {k: v[1:] for k, v in o.items()} if settings.n_bootstrap > 0 else {}
        # classification rates get Wilson intervals instead of resamples
        boot_groups = {k: v[1:] for k, v in cs.groups.items() if k[1] == "mae"} if settings.n_bootstrap > 0 else {}
        bounds = {}
        for k, v in cs.bounds.items():
            finite = v[1:][np.isfinite(v[1:])]
            bounds[k] = float(finite.max()) if finite.size else None
        return _Reduced(
            name=cs.name,
            point={k: float(v[0]) for k, v in o.items()},
            boot=boot,
            point_groups={k: v[0] for k, v in cs.groups.items()},
            boot_groups=boot_groups,
            point_fair={a: {k: float(v[0]) for k, v in d.items()} for a, d in per_attr.items()},
            windows=cs.windows,
            window_n=cs.window_n,
            bins=tuple((b.exact, b.n_bins) for b in cs.bins),
            bounds=bounds,
        )

    return reduce


def scorecard_from_scores(
    *,
    task: str,
    scores: Sequence[_Reduced],
    ranking: dict,
    groups: Sequence[GroupMeta],
    sensitive: Sequence[str],
    window_labels: Sequence[str],
    candidates: Sequence[Candidate],
    failed: Sequence[tuple[str, dict, str]],
    value_objectives: Sequence[str],
    curves: dict,
    dataset: dict,
    settings: EvalSettings,
    now: datetime,
    progress: Progress | None = None,
) -> Scorecard:
    """The scorecard from every candidate's reduced scores: the part shared by in-memory and partitioned scoring.

    ``ranking`` is ``{"point": [dict per candidate], "windows": [dict per candidate], "section": dict}``:
    exact ranking figures that replace the binned ones, and the ``ranking`` section.
    """
    scored_attrs, eligible = _scored(groups, sensitive, settings)
    point = [r.point for r in scores]
    boot = [r.boot for r in scores]
    point_groups = [r.point_groups for r in scores]
    boot_groups = [r.boot_groups for r in scores]
    point_fair = [r.point_fair for r in scores]
    for i, exact in enumerate(ranking["point"]):
        point[i].update(exact)
    for c in candidates:
        if progress:
            progress(c.name, "metrics")

    # Objectives: every metric some candidate has.
    wanted = list(_quality_names(task)) + list(_fairness_names(task, scored_attrs) if groups else ())
    wanted += list(value_objectives)
    present = [m for m in wanted if any(m in pt and np.isfinite(pt[m]) for pt in point)]
    if not candidates:
        present = [m for m in wanted if m not in SCORE_METRICS]
    objectives = tuple(get_objective(m) for m in present)

    metrics: list[MetricValue] = []
    for i, c in enumerate(candidates):
        for m in present:
            v = point[i].get(m, np.nan)
            lo, hi = percentile_interval(boot[i][m], settings.confidence) if m in boot[i] else (None, None)
            metrics.append(MetricValue(c.name, m, _clean(v), lo, hi))
    for name, _, _ in failed:
        metrics.extend(MetricValue(name, m, None) for m in present)

    comparisons = _comparisons(candidates, point, boot, objectives, settings)
    slices = _slice_rows(task, candidates, groups, point_groups, boot_groups, settings, scored_attrs)
    fairness_section = _fairness_section(candidates, groups, point_fair, eligible, settings, scored_attrs)
    windows, trend = _windows(scores, ranking["windows"], list(window_labels), settings, task, present)

    dataset = _with_warnings(
        dict(dataset), support_warnings(dataset, groups, sensitive, min_group_size=settings.min_group_size)
    )
    everyone = list(candidates) + [
        Candidate(name=n, source=_freeze(_clean(src)), status="failed", errors=(msg,)) for n, src, msg in failed
    ]
    sections = {"fairness": fairness_section, "curves": curves}
    if ranking["section"]:
        sections["ranking"] = ranking["section"]
    if trend:
        sections["trend"] = trend
    return Scorecard(
        task=task,
        objectives=objectives,
        candidates=tuple(everyone),
        metrics=tuple(metrics),
        comparisons=tuple(comparisons),
        slices=tuple(_freeze(_clean(s)) for s in slices),
        windows=tuple(_freeze(_clean(w)) for w in windows),
        sections=_freeze(_clean(sections)),
        dataset=_freeze(_clean(dataset)),
        settings=_freeze(_clean(settings.to_dict())),
        provenance=_freeze(
            _clean({"versions": library_versions(), "machine": machine_record(), "evaluated_at": now.isoformat()})
        ),
        created_at=now.isoformat(),
    )


@dataclass(frozen=True)
class _Reduced:
    """One candidate's figures as the scorecard needs them: points, resamples of objectives, point group counts."""

    name: str
    point: dict
    boot: dict
    point_groups: dict
    boot_groups: dict
    point_fair: dict
    windows: dict
    window_n: np.ndarray
    bins: tuple  # (exact, n_bins) per ranking column
    bounds: dict  # largest binning bound over the resamples


def _exact_ranking(data, predictions, scores, window_codes, n_windows, max_bins) -> dict:
    """Exact ROC AUC / average precision where the bins were not the distinct scores.

    The predictions are in memory here, so the point estimate and each window are computed
    exactly (sorting the whole column); only the bootstrap resamples keep the binned figures,
    with the bound recorded in the ``ranking`` section.
    """
    point: list[dict] = []
    windows: list[dict] = []
    by_candidate = {}
    any_binned = False
    for p, cs in zip(predictions, scores, strict=True):
        exact_point: dict = {}
        exact_windows: dict = {}
        binned = bool(cs.bins) and not all(exact for exact, _ in cs.bins)
        if binned:
            any_binned = True
            columns = _score_columns(data, p)
            exact_point = _ranking_on(columns, None)
            if window_codes is not None:
                per = [_ranking_on(columns, window_codes == w) for w in range(n_windows)]
                exact_windows = {k: np.array([d[k] for d in per]) for k in ("roc_auc", "pr_auc")}
        if cs.bins:
            entry = {
                "method": "binned" if binned else "exact",
                "bins": int(max(n for _, n in cs.bins)),
            }
            if binned:
                entry.update({f"{k}_bound": v for k, v in cs.bounds.items()})
            by_candidate[p.name] = entry
        point.append(exact_point)
        windows.append(exact_windows)
    section = {}
    if by_candidate:
        section = {
            "method": "binned" if any_binned else "exact",
            "max_bins": int(max_bins),
            "applies_to": (
                "point values and windows are exact (whole columns in memory); bootstrap resamples of ROC AUC and "
                "PR AUC use score bins where a candidate has more distinct scores than max_bins"
            ),
            "bound_rule": (
                "|AUC - AUC_binned| <= 0.5 * sum_k p_k n_k / (W_pos W_neg); |AP - AP_binned| <= sum_k p_k/W_pos * "
                "(hi_k - lo_k); *_bound is the largest over the resamples"
            ),
            "by_candidate": by_candidate,
        }
    return {"point": point, "windows": windows, "section": section}


def _score_columns(data: EvalData, p: Predictions) -> list[tuple[np.ndarray, np.ndarray]]:
    if data.task == "binary":
        return [(data.y == 1, p.y_score)]
    return [(data.y == c, p.y_prob[:, c]) for c in range(p.y_prob.shape[1])]


def _ranking_on(columns, mask) -> dict:
    aucs, aps = [], []
    for is_pos, score in columns:
        pos, sc = (is_pos, score) if mask is None else (is_pos[mask], score[mask])
        W = np.ones((1, len(sc)))
        auc, ap = weighted_ranking_metrics(W, make_score_order(pos, sc))
        aucs.append(auc[0])
        aps.append(ap[0])
    return {"roc_auc": float(np.mean(aucs)), "pr_auc": float(np.mean(aps))}


def _curves(data: EvalData, predictions: Sequence[Predictions]) -> dict:
    out = {}
    stored = _threshold_inputs(data) if data.task == "binary" else None
    for p in predictions:
        if data.task == "binary":
            out[p.name] = binary_curves(data.y, p.y_pred, p.y_score, p.y_prob)
            score = p.y_score if p.y_score is not None else p.y_prob
            if score is not None and p.source.get("kind") != "operating_point":  # a derived one has its parent's
                groupings, if_pos, if_neg, captured = stored
                out[p.name]["thresholds"] = threshold_section(
                    data.y, score, groupings, value_if_positive=if_pos, value_if_negative=if_neg, captured=captured
                )
                out[p.name]["thresholds"]["score"] = "y_score" if p.y_score is not None else "y_prob"
                out[p.name]["thresholds"]["score_kind"] = p.score_kind
        elif data.task == "multiclass":
            out[p.name] = multiclass_curves(data.y, p.y_pred, len(data.spec.classes))
        else:
            out[p.name] = regression_curves(data.y, p.y_pred)
    if data.task != "regression":
        out["_classes"] = [str(c) for c in data.spec.classes]
    return out


def _threshold_inputs(data: EvalData):
    """What a stored threshold curve needs besides the scores.

    Per sensitive attribute its groups, each row's value if decided positive / negative (value
    matrix), and the money columns whose sums over the true positives are the
    ``<column>_captured_per_1k`` objectives.
    """
    from analysis.evaluation._fairness import _column_groups
    from analysis.evaluation._value import decision_values

    groupings = {a: _column_groups(data.frame[a]) for a in data.sensitive}
    if_pos, if_neg = decision_values(data.frame, data.value, data.y) or (None, None)
    captured = {c: data.frame[c].to_numpy(dtype=float) for c in data.value.columns}
    return groupings, if_pos, if_neg, captured


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


def _slice_rows(task, predictions, groups, point_groups, boot_groups, settings, scored_attrs) -> list[dict]:
    """One row per candidate x attribute x group: size, flags, rates and their intervals."""
    rows = []
    for g in groups:
        n = g.sizes
        scored = g.attribute in scored_attrs
        if task == "regression":
            rates, intervals, method = None, None, "bootstrap_percentile"
        else:
            counts = _point_counts(point_groups, g, task)
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


def _point_counts(point_groups, g, task) -> GroupCounts:
    """Per-group counts of every candidate (candidates x groups) from the point-estimate sums."""

    def stack(name):
        return (
            np.vstack([pg[(g.attribute, name)] for pg in point_groups]) if point_groups else np.zeros((0, g.n_groups))
        )

    n = stack("n")
    if task == "binary":
        pos, pred, tp = stack("pos"), stack("pred_pos"), stack("tp")
        return GroupCounts(n=n, pos=pos, pred_pos=pred, tp=tp, correct=n - pos - pred + 2 * tp)
    zero = np.zeros_like(n)
    return GroupCounts(n=n, pos=zero, pred_pos=zero, tp=zero, correct=stack("correct"))


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
        if g.n_groups == 1:
            notes.setdefault(g.attribute, []).append(
                f"{g.attribute}: every row is in one group ({g.labels[0]}), so fairness between groups is not "
                "defined and its disparities and worst-group figures are missing."
            )
        elif ok.sum() < 2:
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


def _windows(scores, exact_windows, labels, settings, task, present) -> tuple[list[dict], dict]:
    if not labels:
        return [], {}
    rows = []
    series: dict[str, dict[str, list]] = {}
    keep = [m for m in present if get_objective(m).group in ("quality", "value")]
    for cs, exact in zip(scores, exact_windows, strict=True):
        o = {**cs.windows, **exact}
        for w, label in enumerate(labels):
            row = {"candidate": cs.name, "window": label, "n": int(cs.window_n[w])}
            row.update({m: float(o[m][w]) for m in keep if m in o})
            rows.append(row)
        series[cs.name] = {m: [float(x) for x in o[m]] for m in keep if m in o}
    main = main_metric(task, present)
    x = np.arange(len(labels), dtype=float)
    trend = {"metric": main, "unit": "per window", "window": settings.window, "windows": labels, "slope": {}}
    for name, s in series.items():
        y = np.asarray(s.get(main, []), dtype=float)
        ok = np.isfinite(y)
        trend["slope"][name] = float(np.polyfit(x[ok], y[ok], 1)[0]) if ok.sum() >= 2 else None
    return rows, trend
