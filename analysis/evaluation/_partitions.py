"""Scoring a Parquet dataset partition by partition, in this process or on a Dask cluster.

A partition is one row group of one Parquet file. Its rows' global positions come from the
files' footers (read once, before any data), so every partition knows the positions of its rows
and therefore their Poisson bootstrap weights (:mod:`analysis.evaluation._bootstrap`) without
talking to any other partition. Three passes, each a map over partitions whose results are small:

1. **scan**: read only the target, sensitive and time columns; return the target's distinct
   values and counts, each attribute's group labels (and their intersection's), the time
   windows present and any missing values. The client fixes the task, the classes, the groups
   and the windows from the union, exactly as :func:`~analysis.evaluation.prepare_data`,
   :func:`~analysis.evaluation.build_group_indexes` and the window codes would on the whole table.
2. **prepare**: read the partition's columns, encode the target with the global classes, code
   its groups and windows against the global labels, and predict with every model. The prepared
   rows (labels, codes, predictions) stay where they were made (on a worker, as a Dask future);
   only a sketch of each candidate's scores comes back, from which the client chooses the score
   bins of the ranking metrics (:func:`merge_sketches`).
3. **accumulate**: add the prepared rows, a chunk at a time, into a
   :class:`~analysis.evaluation._accumulate.ScoreAccumulator`; accumulators are merged pairwise
   (on the workers, for Dask) and only the merged sums come back.

So predictions and sufficient statistics are computed where the data is; the client holds
O(candidates x bins x resamples) numbers. With the same plan, the result equals scoring the
same rows in memory (:func:`~analysis.evaluation._score.score_predictions`) up to the order of
floating-point additions: the weights, the codes and the bins are the same.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analysis._errors import InputError, plain, plain_list
from analysis.evaluation._accumulate import (
    MAX_BINS,
    CandidatePlan,
    CandidateScores,
    ChunkPredictions,
    RowChunk,
    ScoreAccumulator,
    ScoreBins,
    ScorePlan,
)
from analysis.evaluation._data import TASK_CHOICES, infer_task, parse_time, prepare_data
from analysis.evaluation._fairness import INTERSECTION_SEP, build_group_indexes
from analysis.evaluation._metrics import ECE_BINS
from analysis.evaluation._predict import TargetSpec, predict_model, resolve_features
from analysis.evaluation._thresholds import STORED_GROUPS, STORED_THRESHOLDS, ThresholdSums, threshold_grid
from analysis.evaluation._value import ValueSpec, value_row_columns
from analysis.loading._datasets import load_parquet_footer
from analysis.loading._limits import DEFAULT_LIMITS, Limits, check_parquet_row_groups
from analysis.loading._models import LoadedModel

#: Rows added to an accumulator at a time inside a partition (bounds the weights' memory).
CHUNK_ROWS = 16_384
#: Target values kept per partition when scanning (more means "many": a regression target).
MAX_TARGET_VALUES = 1_000
#: Scores kept per partition and candidate in a sketch when they are not few enough to be bins.
SKETCH_POINTS = 4 * MAX_BINS


# ---------------------------------------------------------------------------------------
# Partitions
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Partition:
    """Row group ``row_group`` of the Parquet file ``path``: rows ``start .. start + n_rows - 1``."""

    path: str
    row_group: int
    start: int
    n_rows: int


def empty_frame(source: str | os.PathLike, *, limits: Limits = DEFAULT_LIMITS) -> pd.DataFrame:
    """No rows, but the dataset's columns with their types (from the first file's schema): for checks before work.

    Every file's footer is checked first (:func:`dataset_columns`), so a bad file is refused before any work.
    """
    dataset_columns(source, limits=limits)  # every file has the same columns, and passes the limits
    return load_parquet_footer(parquet_files(source)[0]).schema_arrow.empty_table().to_pandas()


def parquet_files(source: str | os.PathLike) -> list[str]:
    """The files of a Parquet dataset, sorted: a file, every ``*.parquet`` under a directory, or a glob's matches."""
    text = str(source)
    path = Path(text)
    if path.is_dir():
        files = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".parquet", ".pq"))
        where = f"directory {text}"
    elif any(ch in text for ch in "*?["):
        files = sorted(p for p in glob.glob(text, recursive=True) if Path(p).is_file())
        where = f"pattern {text!r}"
    elif path.is_file():
        files = [text]
        where = text
    else:
        raise InputError(f"data file {text} does not exist; check the path.", source=text)
    if not files:
        raise InputError(f"{where} matches no Parquet file; give a .parquet file, a directory of them, or a glob.")
    return files


def _checked_footer(path: str, limits: Limits):  # noqa: ANN202 - pyarrow.parquet.ParquetFile
    """One file's footer, refused if unreadable, naming a column twice, or with a row group past ``limits``.

    A partition holds one row group in memory at a time, so the limits apply to each row group
    (:func:`analysis.loading.check_parquet_row_groups`), not to the file.
    """
    parquet = load_parquet_footer(path, what="data file")
    check_parquet_row_groups(Path(path), parquet.metadata, parquet.schema_arrow, limits=limits, what="data file")
    return parquet


def list_partitions(source: str | os.PathLike, *, limits: Limits = DEFAULT_LIMITS) -> list[Partition]:
    """Every row group of the dataset's files with its rows' global positions (footers only, no data read).

    Each file is refused, in one sentence naming it, if its footer is unreadable, names a column
    twice, or has a row group with more rows or a larger estimated size in memory than ``limits``.
    """
    out: list[Partition] = []
    start = 0
    for f in parquet_files(source):
        meta = _checked_footer(f, limits).metadata
        for rg in range(meta.num_row_groups):
            n = meta.row_group(rg).num_rows
            if n:
                out.append(Partition(f, rg, start, n))
                start += n
    if not out:
        raise InputError(f"the Parquet dataset {source} has no rows.")
    return out


def dataset_columns(source: str | os.PathLike, *, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Column names of the dataset (from the first file's schema); every file must have them.

    Every file's footer is checked as in :func:`list_partitions` (readable, each column named
    once, each row group within ``limits``).
    """
    files = parquet_files(source)
    names = list(_checked_footer(files[0], limits).schema_arrow.names)
    for f in files[1:]:
        other = _checked_footer(f, limits).schema_arrow.names
        missing = [c for c in names if c not in other]
        if missing:
            raise InputError(
                f"{f} lacks column(s) {plain_list(missing, limit=8)} that {files[0]} has; every file of a dataset "
                "needs the same columns."
            )
    return names


def read_partition(part: Partition, columns: Sequence[str]) -> pd.DataFrame:
    """The partition's rows, only ``columns`` (in that order)."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(part.path).read_row_group(part.row_group, columns=list(dict.fromkeys(columns)))
    return table.to_pandas()


# ---------------------------------------------------------------------------------------
# What the whole dataset is: pass 1
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Roles:
    """The columns' roles and the evaluation settings every partition needs."""

    source: str
    target: str
    task: str = "auto"
    positive_label: object = None
    sensitive: tuple[str, ...] = ()
    time: str | None = None
    window: str = "M"
    intersections: bool = True
    value: ValueSpec = field(default_factory=ValueSpec)


@dataclass
class Scan:
    """What one partition (or the union of several) contains, in a few distinct values."""

    rows: int = 0
    target_values: pd.Series | None = None  # distinct target values -> rows (index dtype kept)
    many_targets: bool = False
    missing_target: list[tuple[str, int]] = field(default_factory=list)  # (file, rows)
    labels: dict[str, set[str]] = field(default_factory=dict)  # attribute -> group labels
    windows: set = field(default_factory=set)  # pandas Periods
    missing_time: list[tuple[str, int]] = field(default_factory=list)

    def merge(self, other: Scan) -> Scan:
        self.rows += other.rows
        if other.target_values is not None:
            if self.target_values is None:
                self.target_values = other.target_values
            else:
                self.target_values = self.target_values.add(other.target_values, fill_value=0)
            if len(self.target_values) > MAX_TARGET_VALUES:
                self.many_targets = True
                self.target_values = self.target_values.iloc[: MAX_TARGET_VALUES + 1]
        self.many_targets |= other.many_targets
        self.missing_target += other.missing_target
        for a, s in other.labels.items():
            self.labels.setdefault(a, set()).update(s)
        self.windows |= other.windows
        self.missing_time += other.missing_time
        return self


def scan_partition(part: Partition, roles: Roles) -> Scan:
    """Pass 1 on one partition: distinct target values, group labels and windows."""
    cols = [roles.target, *roles.sensitive] + ([roles.time] if roles.time else [])
    frame = read_partition(part, cols)
    y = frame[roles.target]
    out = Scan(rows=len(frame))
    n_missing = int(y.isna().sum())
    if n_missing:
        out.missing_target.append((part.path, n_missing))
    counts = y.value_counts(dropna=True)
    out.many_targets = len(counts) > MAX_TARGET_VALUES
    out.target_values = counts.iloc[: MAX_TARGET_VALUES + 1]
    for g in build_group_indexes(frame, roles.sensitive, intersections=roles.intersections):
        out.labels[g.attribute] = set(g.labels)
    if roles.time:
        periods = _periods(frame[roles.time], roles.window, source=part.path, column=roles.time)
        n_bad = int(periods.isna().sum())
        if n_bad:
            out.missing_time.append((part.path, n_bad))
        out.windows = set(periods.dropna().unique())
    return out


def _periods(series: pd.Series, window: str, *, source: str, column: str) -> pd.Series:
    return parse_time(series, source=source, column=column).dt.to_period(window)


@dataclass(frozen=True)
class DatasetPlan:
    """What the client fixed from the scan: the task and classes, the groups and the windows."""

    roles: Roles
    spec: TargetSpec
    rows: int
    class_counts: dict[str, int]
    group_labels: tuple[tuple[str, tuple[str, ...]], ...]  # (attribute, sorted labels), build_group_indexes' order
    windows: tuple[str, ...]

    @property
    def attributes(self) -> list[str]:
        return [a for a, _ in self.group_labels]


def plan_dataset(scan: Scan, roles: Roles) -> DatasetPlan:
    """Fix the task, classes, groups and windows from the union of the partitions' scans.

    The same checks and choices as :func:`~analysis.evaluation.prepare_data` on the whole
    table: they run on one row per distinct target value, which gives the same classes.
    """
    if scan.missing_target:
        where = ", ".join(f"{Path(f).name}: {n}" for f, n in scan.missing_target[:5])
        total = sum(n for _, n in scan.missing_target)
        raise InputError(
            f"target column {roles.target!r} in {roles.source} has {total} missing values ({where}); drop or fill "
            "those rows.",
            source=roles.target,
        )
    if scan.missing_time:
        where = ", ".join(f"{Path(f).name}: {n}" for f, n in scan.missing_time[:5])
        total = sum(n for _, n in scan.missing_time)
        raise InputError(
            f"time column {roles.time!r} in {roles.source} has {total} empty values ({where}).", source=roles.time
        )
    values = scan.target_values if scan.target_values is not None else pd.Series(dtype=float)
    distinct = pd.Series(values.index, dtype=values.index.dtype, name=roles.target)
    if roles.task not in TASK_CHOICES:
        raise InputError(f"task {roles.task!r} is not one of {', '.join(TASK_CHOICES)}.")
    task = roles.task
    if task == "auto":
        task = "regression" if scan.many_targets and pd.api.types.is_numeric_dtype(distinct) else infer_task(distinct)
    # One row per distinct value: prepare_data's checks and class choice, on a few rows.
    small = prepare_data(
        pd.DataFrame({roles.target: distinct}),
        source=roles.source,
        target=roles.target,
        task=task,
        positive_label=roles.positive_label,
    )
    spec = small.spec
    counts: dict[str, int] = {}
    if spec.task != "regression":
        codes = spec.encode(distinct.to_numpy(), source=f"target column {roles.target!r}")
        for code, n in zip(codes, values.to_numpy(), strict=True):
            key = str(plain(spec.classes[code]))
            counts[key] = counts.get(key, 0) + int(n)
    groups = []
    attrs = list(roles.sensitive)
    if roles.intersections and len(attrs) > 1:
        attrs.append(INTERSECTION_SEP.join(roles.sensitive))
    for a in attrs:
        if a in scan.labels:
            groups.append((a, tuple(sorted(scan.labels[a]))))
    windows = tuple(str(p) for p in sorted(scan.windows))
    return DatasetPlan(roles, spec, scan.rows, counts, tuple(groups), windows)


# ---------------------------------------------------------------------------------------
# Prepared rows: pass 2
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prepared:
    """A partition's rows ready to accumulate, and what the client needs to know of its predictions."""

    chunk: RowChunk
    kinds: tuple[str, ...]  # score kind per candidate
    notes: tuple[tuple[str, ...], ...]
    seconds: tuple[float | None, ...]


def partition_columns(dplan: DatasetPlan, models: Sequence[LoadedModel], features: Sequence[str] | None) -> list[str]:
    """Every column pass 2 reads: roles, value columns and each model's features."""
    r = dplan.roles
    cols = [r.target, *r.sensitive] + ([r.time] if r.time else []) + list(r.value.columns)
    for m in models:
        own = list(m.feature_names) if m.feature_names is not None else list(features or ())
        cols += own
    return list(dict.fromkeys(cols))


def prepare_partition(
    part: Partition,
    dplan: DatasetPlan,
    models: Sequence[LoadedModel],
    features: Sequence[str] | None,
    columns: Sequence[str],
) -> Prepared:
    """Pass 2 on one partition: labels, group and window codes against the global plan, and predictions."""
    r = dplan.roles
    frame = read_partition(part, columns)
    source = f"{r.source} ({Path(part.path).name}, row group {part.row_group})"
    y = dplan.spec.encode(frame[r.target].to_numpy(), source=f"target column {r.target!r}")
    if dplan.spec.task == "regression":
        y = np.asarray(y, dtype=float)
    index = {a: {label: i for i, label in enumerate(labels)} for a, labels in dplan.group_labels}
    codes = []
    for g in build_group_indexes(frame, r.sensitive, intersections=r.intersections):
        where = index[g.attribute]
        remap = np.array([where[label] for label in g.labels], dtype=np.int64)
        codes.append(remap[g.codes] if len(remap) else g.codes)
    window_codes = None
    if r.time and dplan.windows:
        periods = _periods(frame[r.time], r.window, source=source, column=r.time).astype(str)
        window_codes = pd.Categorical(periods, categories=list(dplan.windows)).codes.astype(np.int64)
    value_rows = {}
    if dplan.spec.task == "binary":
        r.value.check(frame, source=source)
        value_rows = value_row_columns(frame, r.value)
    preds, kinds, notes, seconds = [], [], [], []
    for m in models:
        cols = resolve_features(m, frame, features, data_source=source)
        p = predict_model(m, frame, cols, dplan.spec, data_source=source)
        preds.append(ChunkPredictions(p.y_pred, p.y_prob, p.y_score))
        kinds.append(p.score_kind)
        notes.append(p.notes)
        seconds.append(p.seconds)
    chunk = RowChunk(
        start=part.start,
        y=y,
        predictions=tuple(preds),
        group_codes=tuple(codes),
        window_codes=window_codes,
        value_rows=value_rows,
    )
    return Prepared(chunk, tuple(kinds), tuple(notes), tuple(seconds))


# ---------------------------------------------------------------------------------------
# Score bins from sketches
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sketch:
    """One score column of one partition: its distinct values if few, else evenly spaced order statistics."""

    values: np.ndarray
    exact: bool
    n: int


def sketch_scores(score: np.ndarray, *, max_bins: int = MAX_BINS) -> Sketch:
    """A partition's sketch of one score column (exact distinct values when at most ``max_bins``)."""
    score = np.asarray(score, dtype=float).ravel()
    distinct = np.unique(score)
    if len(distinct) <= max_bins:
        return Sketch(distinct, True, len(score))
    q = np.quantile(score, np.linspace(0, 1, SKETCH_POINTS))
    return Sketch(q, False, len(score))


def merge_sketches(sketches: Sequence[Sketch], *, max_bins: int = MAX_BINS) -> ScoreBins:
    """Score bins from every partition's sketch of one column.

    When every partition gave its distinct scores and their union has at most ``max_bins``
    values, the bins are those values (exact, as in memory). Otherwise the cut points are
    quantiles of the pooled sketches, each point weighted by its partition's rows: approximate
    quantiles, which change only how tight the stated bound is, never whether it holds.
    """
    if all(s.exact for s in sketches):
        union = np.unique(np.concatenate([s.values for s in sketches]))
        if len(union) <= max_bins:
            return ScoreBins(union, exact=True)
    values = np.concatenate([s.values for s in sketches])
    weights = np.concatenate([np.full(len(s.values), s.n / max(len(s.values), 1)) for s in sketches])
    order = np.argsort(values, kind="stable")
    values, cum = values[order], np.cumsum(weights[order])
    targets = np.linspace(0, 1, max_bins + 1)[1:-1] * cum[-1]
    cuts = np.unique(values[np.minimum(np.searchsorted(cum, targets), len(values) - 1)])
    return ScoreBins(cuts, exact=False)


def partition_sketches(prep: Prepared, task: str, *, max_bins: int = MAX_BINS) -> list[list[Sketch]]:
    """Per candidate, the sketches of its ranking columns (binary: the score; multiclass: each class)."""
    out = []
    for p in prep.chunk.predictions:
        if task == "binary" and p.y_score is not None:
            out.append([sketch_scores(p.y_score, max_bins=max_bins)])
        elif task == "multiclass" and p.y_prob is not None:
            out.append([sketch_scores(p.y_prob[:, c], max_bins=max_bins) for c in range(p.y_prob.shape[1])])
        else:
            out.append([])
    return out


# ---------------------------------------------------------------------------------------
# Accumulation: pass 3
# ---------------------------------------------------------------------------------------
def _slice(chunk: RowChunk, a: int, b: int) -> RowChunk:
    def cut(x):
        return None if x is None else x[a:b]

    return RowChunk(
        start=chunk.start + a,
        y=chunk.y[a:b],
        predictions=tuple(ChunkPredictions(p.y_pred[a:b], cut(p.y_prob), cut(p.y_score)) for p in chunk.predictions),
        group_codes=tuple(c[a:b] for c in chunk.group_codes),
        window_codes=cut(chunk.window_codes),
        value_rows={k: v[a:b] for k, v in chunk.value_rows.items()},
    )


def accumulate_partition(prep: Prepared, plan: ScorePlan, *, chunk_rows: int = CHUNK_ROWS) -> CurveAccumulator:
    """Pass 3 on one partition: its sums, added ``chunk_rows`` rows at a time, and its curve counts."""
    acc = CurveAccumulator(ScoreAccumulator(plan), _CurveSums.empty(plan))
    n = prep.chunk.n_rows
    for a in range(0, n, chunk_rows):
        part = _slice(prep.chunk, a, min(n, a + chunk_rows))
        acc.scores.add(part)
        acc.curves.add(plan, part)
    return acc


def merge_accumulators(a: CurveAccumulator, b: CurveAccumulator) -> CurveAccumulator:
    """``a`` plus ``b`` (partial sums over different rows)."""
    a.scores.merge(b.scores)
    a.curves.merge(b.curves)
    return a


@dataclass
class _CurveSums:
    """Mergeable counts for the stored curves: confusion matrices and calibration bins per candidate."""

    confusion: list[np.ndarray]
    calib: list[np.ndarray | None]  # (3, ECE_BINS): count, sum of predicted, sum of observed
    #: Binary candidates with scores: the stored threshold curve's sums, at thresholds from the score bins.
    thresholds: list[ThresholdSums | None] = field(default_factory=list)

    @staticmethod
    def empty(plan: ScorePlan) -> _CurveSums:
        k = max(plan.n_classes, 2) if plan.task != "regression" else 0
        sizes = tuple(plan.groups[g][1] for g in plan.curve_groups)
        money = bool(plan.value.matrix)
        return _CurveSums(
            [np.zeros((k, k), dtype=np.int64) for _ in plan.candidates],
            [np.zeros((3, ECE_BINS)) if (plan.task == "binary" and c.has_prob) else None for c in plan.candidates],
            [
                ThresholdSums.empty(
                    threshold_grid(c.bins[0].edges, size=STORED_THRESHOLDS),
                    sizes,
                    money=money,
                    captured=tuple(plan.value.columns),
                )
                if plan.task == "binary" and c.bins
                else None
                for c in plan.candidates
            ],
        )

    def add(self, plan: ScorePlan, chunk: RowChunk) -> None:
        if plan.task == "regression":
            return
        k = self.confusion[0].shape[0] if self.confusion else 0
        y = np.asarray(chunk.y, dtype=np.int64)
        money = {}
        if plan.task == "binary" and plan.value.matrix:
            rows = chunk.value_rows
            pos = y == 1
            money = {
                "value_if_positive": np.where(pos, rows["matrix:tp"], rows["matrix:fp"]),
                "value_if_negative": np.where(pos, rows["matrix:fn"], rows["matrix:tn"]),
            }
        captured = {c: chunk.value_rows[f"col:{c}"] for c in plan.value.columns} if plan.task == "binary" else {}
        codes = tuple(chunk.group_codes[g] for g in plan.curve_groups)
        for i, p in enumerate(chunk.predictions):
            pred = np.asarray(p.y_pred, dtype=np.int64)
            self.confusion[i] += np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
            if self.thresholds and self.thresholds[i] is not None and p.y_score is not None:
                self.thresholds[i].add(y, p.y_score, codes, captured=captured, **money)
            if self.calib[i] is not None and p.y_prob is not None:
                prob = np.asarray(p.y_prob, dtype=float)
                bins = np.clip((prob * ECE_BINS).astype(int), 0, ECE_BINS - 1)
                self.calib[i][0] += np.bincount(bins, minlength=ECE_BINS)
                self.calib[i][1] += np.bincount(bins, weights=prob, minlength=ECE_BINS)
                self.calib[i][2] += np.bincount(bins, weights=y.astype(float), minlength=ECE_BINS)

    def merge(self, other: _CurveSums) -> None:
        for mine, theirs in zip(self.confusion, other.confusion, strict=True):
            mine += theirs
        for mine, theirs in zip(self.calib, other.calib, strict=True):
            if mine is not None and theirs is not None:
                mine += theirs
        for mine, theirs in zip(self.thresholds, other.thresholds, strict=True):
            if mine is not None and theirs is not None:
                mine.merge(theirs)


@dataclass
class CurveAccumulator:
    """A partition's (or several merged partitions') score sums and curve counts."""

    scores: ScoreAccumulator
    curves: _CurveSums


def curves_from_sums(
    plan: ScorePlan,
    acc: CurveAccumulator,
    classes: Sequence,
    group_labels: Sequence[tuple[str, tuple[str, ...]]] = (),
    kinds: Sequence[str] = (),
    left_out: Sequence[str] = (),
) -> dict:
    """The scorecard's ``curves`` section from accumulated counts (ROC/PR from the point estimate's score bins).

    Binary candidates with scores also get their stored threshold curve (``thresholds``), at up to
    ``STORED_THRESHOLDS`` of their score bins' edges, per group of the attributes in ``plan.curve_groups``
    (``group_labels`` names their groups; ``left_out``: attributes with too many groups to keep).
    """
    from analysis.evaluation._curves import _thin

    out: dict = {}
    for i, cand in enumerate(plan.candidates):
        if plan.task == "regression":
            out[cand.name] = {}
            continue
        entry: dict = {"confusion_matrix": acc.curves.confusion[i].tolist()}
        if plan.task == "binary":
            entry["labels"] = [0, 1]
            if cand.bins:
                pos, neg = acc.scores.hist[i][0]
                p, n = pos[::-1, 0], neg[::-1, 0]  # highest score first
                tp, fp = np.cumsum(p), np.cumsum(n)
                P, N = tp[-1], fp[-1]
                tpr = np.concatenate([[0.0], tp / P]) if P else np.zeros(len(tp) + 1)
                fpr = np.concatenate([[0.0], fp / N]) if N else np.zeros(len(fp) + 1)
                entry["roc"] = dict(zip(("fpr", "tpr"), _thin(fpr, tpr, max_points=101), strict=True))
                prec = np.divide(tp, tp + fp, out=np.ones_like(tp), where=(tp + fp) > 0)
                rec = tp / P if P else np.zeros_like(tp)
                entry["pr"] = dict(
                    zip(
                        ("recall", "precision"),
                        _thin(np.concatenate([rec[::-1], [0.0]]), np.concatenate([prec[::-1], [1.0]]), max_points=101),
                        strict=True,
                    )
                )
                entry["curve_method"] = "exact" if cand.bins[0].exact else f"binned ({cand.bins[0].n_bins} score bins)"
            sums = acc.curves.thresholds[i] if acc.curves.thresholds else None
            if sums is not None:
                names = {group_labels[g][0]: tuple(group_labels[g][1]) for g in plan.curve_groups}
                entry["thresholds"] = sums.section(names, left_out=tuple(left_out))
                entry["thresholds"]["score"] = "y_score"
                entry["thresholds"]["score_kind"] = kinds[i] if i < len(kinds) else None
            calib = acc.curves.calib[i]
            if calib is not None:
                keep = calib[0] > 0
                entry["calibration"] = {
                    "bin_mean_predicted": [round(float(v), 6) for v in calib[1][keep] / calib[0][keep]],
                    "bin_observed_rate": [round(float(v), 6) for v in calib[2][keep] / calib[0][keep]],
                    "bin_count": [int(c) for c in calib[0][keep]],
                    "bins": ECE_BINS,
                }
        out[cand.name] = entry
    if plan.task != "regression":
        out["_classes"] = [str(c) for c in classes]
    return out


# ---------------------------------------------------------------------------------------
# Running the passes
# ---------------------------------------------------------------------------------------
class Executor:
    """Where the passes run: this process (:class:`LocalExecutor`) or a Dask cluster (:class:`DaskExecutor`)."""

    def map(self, fn: Callable, items: Sequence, *args, **kwargs) -> list:  # handles, not values
        raise NotImplementedError

    def gather(self, handles: Sequence) -> list:
        raise NotImplementedError

    def reduce(self, fn: Callable, handles: Sequence):
        raise NotImplementedError

    def release(self, handles: Iterable) -> None:
        """Drop ``handles`` (frees the prepared rows)."""


class LocalExecutor(Executor):
    """Every pass in this process, one partition at a time; handles are the values themselves."""

    def map(self, fn, items, *args, **kwargs):
        return [fn(item, *args, **kwargs) for item in items]

    def gather(self, handles):
        return list(handles)

    def reduce(self, fn, handles):
        it: Iterator = iter(handles)
        out = next(it)
        for h in it:
            out = fn(out, h)
        return out


class DaskExecutor(Executor):
    """Every pass on a Dask cluster: one task per partition; prepared rows stay on the workers as futures."""

    def __init__(self, client) -> None:
        self.client = client

    def map(self, fn, items, *args, **kwargs):
        # Large shared arguments (models, plans) are scattered once rather than embedded in every task.
        shared = [self.client.scatter(a, broadcast=True) if _is_large(a) else a for a in args]
        return self.client.map(fn, list(items), *[[s] * len(items) for s in shared], pure=False, **kwargs)

    def gather(self, handles):
        return self.client.gather(list(handles))

    def reduce(self, fn, handles):
        level = list(handles)
        while len(level) > 1:
            nxt = [self.client.submit(fn, level[i], level[i + 1], pure=False) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                nxt.append(level[-1])
            level = nxt
        return self.client.gather(level[0])

    def release(self, handles):
        for h in handles:
            h.release()


def _is_large(obj) -> bool:
    return isinstance(obj, (list, tuple)) and any(isinstance(x, LoadedModel) for x in obj)


@dataclass(frozen=True)
class PartitionedScores:
    """What scoring a partitioned dataset gives back to the client."""

    dataset: DatasetPlan
    plan: ScorePlan
    scores: list[CandidateScores]
    curves: dict
    kinds: tuple[str, ...]
    notes: tuple[tuple[str, ...], ...]
    seconds: tuple[float | None, ...]
    partitions: int


def score_partitions(
    partitions: Sequence[Partition],
    roles: Roles,
    models: Sequence[LoadedModel],
    *,
    features: Sequence[str] | None = None,
    n_resamples: int,
    random_state: int,
    max_bins: int = MAX_BINS,
    executor: Executor | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[str], None] | None = None,
) -> PartitionedScores:
    """Scan, predict and accumulate every partition; merge; return every candidate's scores.

    Nothing but scans, sketches and accumulators (O(candidates x bins x resamples) numbers)
    reaches the caller; with a :class:`DaskExecutor` every pass runs on the workers, which read
    the partitions' files themselves.
    """
    ex = executor or LocalExecutor()
    if not models:
        raise InputError("no models to evaluate on the Parquet dataset; pass at least one --model.")
    scans = ex.gather(ex.map(scan_partition, partitions, roles))
    total = Scan()
    for s in scans:
        total.merge(s)
    dplan = plan_dataset(total, roles)
    if progress:
        progress(f"scanned {len(partitions)} partition(s), {dplan.rows:,} rows")
    columns = partition_columns(dplan, models, features)
    prepared = ex.map(prepare_partition, partitions, dplan, list(models), features, columns)
    try:
        meta = ex.gather(ex.map(_meta, prepared, dplan.spec.task, max_bins=max_bins))
        if progress:
            progress(f"predicted with {len(models)} model(s) on {len(partitions)} partition(s)")
        candidates = []
        for i, m in enumerate(models):
            sk = [s[0][i] for s in meta]
            bins = tuple(merge_sketches([p[j] for p in sk], max_bins=max_bins) for j in range(len(sk[0])))
            candidates.append(CandidatePlan(m.name, meta[0][1][i] == "probability", bins))
        plan = ScorePlan(
            task=dplan.spec.task,
            n_classes=len(dplan.spec.classes),
            n_resamples=n_resamples,
            random_state=random_state,
            groups=tuple((a, len(labels)) for a, labels in dplan.group_labels),
            n_windows=len(dplan.windows),
            value=roles.value if dplan.spec.task == "binary" else ValueSpec(),
            candidates=tuple(candidates),
            curve_groups=tuple(
                k
                for k, (a, labels) in enumerate(dplan.group_labels)
                if dplan.spec.task == "binary" and a in roles.sensitive and len(labels) <= STORED_GROUPS
            ),
        )
        left_out = [a for a, labels in dplan.group_labels if a in roles.sensitive and len(labels) > STORED_GROUPS]
        accs = ex.map(accumulate_partition, prepared, plan, chunk_rows=chunk_rows)
        total_acc = ex.reduce(merge_accumulators, accs)
    finally:
        ex.release(prepared)
    if progress:
        progress("accumulated and merged")
    scores = total_acc.scores.finish()
    seconds = tuple(
        None if any(m[3][i] is None for m in meta) else float(sum(m[3][i] for m in meta)) for i in range(len(models))
    )
    return PartitionedScores(
        dataset=dplan,
        plan=plan,
        scores=scores,
        curves=curves_from_sums(plan, total_acc, dplan.spec.classes, dplan.group_labels, meta[0][1], left_out),
        kinds=meta[0][1],
        notes=meta[0][2],
        seconds=seconds,
        partitions=len(partitions),
    )


def _meta(prep: Prepared, task: str, *, max_bins: int) -> tuple:
    return partition_sketches(prep, task, max_bins=max_bins), prep.kinds, prep.notes, prep.seconds


def with_value(roles: Roles, value: ValueSpec) -> Roles:
    """``roles`` with another value specification."""
    return replace(roles, value=value)


# ---------------------------------------------------------------------------------------
# The scorecard
# ---------------------------------------------------------------------------------------
def dataset_record(source: str | os.PathLike, partitions: Sequence[Partition], dplan: DatasetPlan) -> dict:
    """The scorecard's ``dataset`` entry for a partitioned dataset, with a manifest fingerprint."""
    import hashlib

    r = dplan.roles
    files = sorted({p.path for p in partitions})
    rows_by_file: dict[str, int] = {}
    for p in partitions:
        rows_by_file[p.path] = rows_by_file.get(p.path, 0) + p.n_rows
    manifest = [(Path(f).name, Path(f).stat().st_size, rows_by_file[f]) for f in files]
    digest = hashlib.sha256(repr(manifest).encode()).hexdigest()
    out = {
        "source": r.source,
        "target": r.target,
        "task": dplan.spec.task,
        "classes": [plain(c) for c in dplan.spec.classes],
        "positive_label": plain(dplan.spec.positive_label),
        "sensitive": list(r.sensitive),
        "time": r.time,
        "id": None,
        "value_columns": list(r.value.columns),
        "value_matrix": dict(r.value.matrix) if r.value.matrix else None,
        "rows": dplan.rows,
        "partitioned": {"files": len(files), "partitions": len(partitions), "unit": "Parquet row group"},
        "fingerprint": {
            "path": str(source),
            "manifest_sha256": digest,
            "what": "sha256 of the files' names, sizes and row counts (not of their contents)",
            "size_bytes": int(sum(m[1] for m in manifest)),
            "rows": dplan.rows,
        },
    }
    if dplan.spec.task != "regression":
        out["class_counts"] = dict(dplan.class_counts)
    return out


def _ranking_section(res: PartitionedScores, max_bins: int) -> dict:
    by_candidate = {}
    any_binned = False
    for cs in res.scores:
        if not cs.bins:
            continue
        binned = not all(b.exact for b in cs.bins)
        any_binned |= binned
        entry: dict = {"method": "binned" if binned else "exact", "bins": int(max(b.n_bins for b in cs.bins))}
        if binned:
            for k, v in cs.bounds.items():
                finite = v[np.isfinite(v)]  # the point value's bound and every resample's
                entry[f"{k}_bound"] = float(finite.max()) if finite.size else None
        by_candidate[cs.name] = entry
    if not by_candidate:
        return {}
    return {
        "method": "binned" if any_binned else "exact",
        "max_bins": int(max_bins),
        "points_binned": True,
        "applies_to": (
            "the dataset was scored partition by partition, so point values, windows and resamples of ROC AUC and PR "
            "AUC all come from score bins where a candidate has more distinct scores than max_bins"
        ),
        "bound_rule": (
            "|AUC - AUC_binned| <= 0.5 * sum_k p_k n_k / (W_pos W_neg); |AP - AP_binned| <= sum_k p_k/W_pos * "
            "(hi_k - lo_k); *_bound is the largest over the point value and the resamples"
        ),
        "by_candidate": by_candidate,
    }


def evaluate_partitions(
    source: str | os.PathLike,
    roles: Roles,
    models: Sequence[LoadedModel],
    *,
    settings,
    now,
    features: Sequence[str] | None = None,
    executor: Executor | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[str, str], None] | None = None,
    partitions: Sequence[Partition] | None = None,
):
    """Score a Parquet dataset partition by partition into a :class:`~analysis.scorecard.Scorecard`.

    The same scorecard as :func:`~analysis.evaluation.evaluate_predictions` on the whole table
    (same weights, codes and formulas), except ROC AUC and average precision, whose point values
    and windows also come from score bins when a candidate has more distinct scores than
    ``settings.ranking_bins`` (the bound is in ``sections.ranking``), and the ROC/PR curves, drawn
    from the same bins.
    """
    from types import SimpleNamespace

    from analysis.evaluation._evaluate import (
        GroupMeta,
        _missing_notes,
        check_names,
        check_settings,
        reducer,
        scorecard_from_scores,
    )
    from analysis.scorecard import Candidate, _clean, _freeze

    check_names([m.name for m in models])
    check_settings(settings)
    roles = replace(roles, window=settings.window, intersections=settings.intersections)
    parts = list(partitions) if partitions is not None else list_partitions(source)
    res = score_partitions(
        parts,
        roles,
        models,
        features=features,
        n_resamples=settings.n_bootstrap,
        random_state=settings.random_state,
        max_bins=settings.ranking_bins,
        executor=executor,
        chunk_rows=chunk_rows,
    )
    if progress:
        for m in models:
            progress(m.name, "predict")
    task = res.dataset.spec.task
    first = res.scores[0]
    groups = tuple(
        GroupMeta(a, labels, np.rint(first.groups[(a, "n")][0]).astype(np.int64))
        for a, labels in res.dataset.group_labels
    )
    reduce = reducer(task, groups, roles.sensitive, settings)
    reduced = [reduce(cs) for cs in res.scores]
    candidates = [
        Candidate(
            name=m.name,
            source=_freeze(_clean(m.source_dict())),
            status="ok",
            notes=tuple(res.notes[i]) + _missing_notes(SimpleNamespace(score_kind=res.kinds[i]), task),
        )
        for i, m in enumerate(models)
    ]
    n = len(models)
    return scorecard_from_scores(
        task=task,
        scores=reduced,
        ranking={"point": [{}] * n, "windows": [{}] * n, "section": _ranking_section(res, settings.ranking_bins)},
        groups=groups,
        sensitive=roles.sensitive,
        window_labels=res.dataset.windows,
        candidates=candidates,
        failed=(),
        value_objectives=tuple(o.name for o in roles.value.objectives()) if task == "binary" else (),
        curves=res.curves,
        dataset=dataset_record(source, parts, res.dataset),
        settings=settings,
        now=now,
        progress=progress,
    )
