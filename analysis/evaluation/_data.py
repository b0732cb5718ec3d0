"""The evaluation dataset: checked once where it enters, then trusted downstream."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis._errors import InputError, plain, plain_list
from analysis._labels import label_key
from analysis._time import read_time
from analysis.evaluation._predict import TargetSpec
from analysis.evaluation._value import ValueSpec
from analysis.loading._datasets import DatasetFingerprint, require_columns, rows_with_missing

TASK_CHOICES = ("auto", "binary", "multiclass", "regression")
_POSITIVE_WORDS = ("1", "true", "yes", "y", "pos", "positive")


@dataclass(frozen=True)
class EvalData:
    """A checked evaluation dataset and the roles of its columns."""

    frame: pd.DataFrame
    source: str
    target: str
    spec: TargetSpec
    y: np.ndarray
    sensitive: tuple[str, ...] = ()
    time: str | None = None
    id_column: str | None = None
    value: ValueSpec = field(default_factory=ValueSpec)
    fingerprint: DatasetFingerprint | None = None

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    def describe(self) -> dict:
        """The dataset record stored in the scorecard."""
        out = {
            "source": self.source,
            "target": self.target,
            "task": self.spec.task,
            "classes": [plain(c) for c in self.spec.classes],
            "positive_label": plain(self.spec.positive_label),
            "sensitive": list(self.sensitive),
            "time": self.time,
            "id": self.id_column,
            "value_columns": list(self.value.columns),
            "value_matrix": dict(self.value.matrix) if self.value.matrix else None,
            "rows": self.n_rows,
        }
        if self.task != "regression":
            out["class_counts"] = {str(plain(c)): int((self.y == i).sum()) for i, c in enumerate(self.spec.classes)}
        if self.fingerprint is not None:
            out["fingerprint"] = self.fingerprint.to_dict()
        return out

    @property
    def task(self) -> str:
        return self.spec.task


def infer_task(series: pd.Series) -> str:
    """``binary`` for two values, ``regression`` for many float values, else ``multiclass``."""
    n_unique = series.nunique(dropna=True)
    if n_unique <= 2:
        return "binary"
    if pd.api.types.is_float_dtype(series) and n_unique > 20:
        return "regression"
    if pd.api.types.is_integer_dtype(series) and n_unique > 50:
        return "regression"
    return "multiclass"


def _choose_positive(values: Sequence, positive_label) -> tuple:
    uniques = sorted(values, key=label_key)
    if positive_label is not None:
        match = [v for v in uniques if label_key(v) == label_key(positive_label)]
        if not match:
            raise InputError(
                f"positive label {plain(positive_label)!r} is not a value of the target (values: "
                f"{plain_list(uniques)}); pass one of them with --positive-label."
            )
        pos = match[0]
    else:
        named = [v for v in uniques if label_key(v).lower() in _POSITIVE_WORDS]
        pos = named[0] if named else uniques[-1]
    neg = [v for v in uniques if label_key(v) != label_key(pos)][0]
    return (neg, pos)


def check_role_columns(
    frame: pd.DataFrame,
    *,
    source: str,
    target: str,
    sensitive: Sequence[str] = (),
    time: str | None = None,
    id_column: str | None = None,
    value: ValueSpec | None = None,
) -> None:
    """:class:`InputError` naming the first role column ``frame`` lacks (or a value column that is not numeric)."""
    require_columns(frame, [target], role="target", source=source)
    require_columns(frame, list(sensitive), role="sensitive", source=source)
    if time:
        require_columns(frame, [time], role="time", source=source)
    if id_column:
        require_columns(frame, [id_column], role="id", source=source)
    (value or ValueSpec()).check(frame, source=source)


def parse_time(series: pd.Series, *, source: str, column: str) -> pd.Series:
    """The time column as datetimes (:func:`analysis._time.read_time`: numbers that are dates too)."""
    return read_time(series, source=source, column=column)


def prepare_data(
    frame: pd.DataFrame,
    *,
    source: str,
    target: str,
    task: str = "auto",
    positive_label=None,
    sensitive: Sequence[str] = (),
    time: str | None = None,
    id_column: str | None = None,
    value: ValueSpec | None = None,
    fingerprint: DatasetFingerprint | None = None,
) -> EvalData:
    """Check a dataset's roles and encode its target.

    Raises :class:`InputError` naming the column and how to fix it for: a missing target,
    sensitive, time, id or value column; a target with missing (or, for regression, infinite)
    values or a single class; an unparseable time column.
    """
    if task not in TASK_CHOICES:
        raise InputError(f"task {task!r} is not one of {', '.join(TASK_CHOICES)}.")
    value = value or ValueSpec()
    check_role_columns(
        frame, source=source, target=target, sensitive=sensitive, time=time, id_column=id_column, value=value
    )
    y_raw = frame[target]
    if y_raw.isna().any():
        raise InputError(
            f"target column {target!r} in {source} has {int(y_raw.isna().sum())} missing values "
            f"(rows {rows_with_missing(y_raw)}); drop or fill those rows.",
            source=target,
        )
    if task == "auto":
        task = infer_task(y_raw)
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(y_raw):
            raise InputError(f"target column {target!r} in {source} is not numeric, so it cannot be regressed.")
        spec = TargetSpec("regression")
        y = y_raw.to_numpy(dtype=float)
        infinite = ~np.isfinite(y)
        if infinite.any():
            raise InputError(
                f"target column {target!r} in {source} has {int(infinite.sum())} infinite values "
                f"(rows {rows_with_missing(pd.Series(np.where(infinite, np.nan, 0.0)))}); drop or fix those rows.",
                source=target,
            )
    else:
        uniques = list(pd.unique(y_raw))
        if len(uniques) < 2:
            raise InputError(
                f"target column {target!r} in {source} has only one class ({plain(uniques[0])!r}); "
                "classification metrics need both classes. Evaluate on a sample that contains both.",
                source=target,
            )
        if task == "binary":
            if len(uniques) > 2:
                raise InputError(
                    f"target column {target!r} in {source} has {len(uniques)} classes "
                    f"({plain_list(sorted(uniques, key=label_key), limit=10)}) but the task is binary; "
                    "use --task multiclass.",
                    source=target,
                )
            classes = _choose_positive(uniques, positive_label)
        else:
            classes = tuple(sorted(uniques, key=label_key))
        spec = TargetSpec(task, tuple(plain(c) for c in classes))
        y = spec.encode(y_raw.to_numpy(), source=f"target column {target!r}")
    if time:
        parsed = parse_time(frame[time], source=source, column=time)
        if parsed.isna().any():
            raise InputError(
                f"time column {time!r} in {source} has {int(parsed.isna().sum())} empty values "
                f"(rows {rows_with_missing(parsed)}).",
                source=time,
            )
        frame = frame.assign(**{time: parsed})
    return EvalData(
        frame=frame,
        source=source,
        target=target,
        spec=spec,
        y=y,
        sensitive=tuple(sensitive),
        time=time,
        id_column=id_column,
        value=value,
        fingerprint=fingerprint,
    )
