"""The scorecard: every candidate measured on the same data, in one versioned record.

Everything downstream (the decision engine, the dashboard, the reports) reads a
:class:`Scorecard`. It is a frozen record; evaluation builds it, nothing mutates it.

File format (JSON, ``schema = "tradeoffs.scorecard"``, ``schema_version = 1``)::

    {
      "schema": "tradeoffs.scorecard", "schema_version": 1,
      "task": "binary" | "multiclass" | "regression" | "table",
      "created_at": ISO-8601 string,
      "objectives": [Objective.to_dict(), ...],
      "candidates": [{"name": str, "source": {...}, "status": "ok" | "failed",
                      "errors": [str], "notes": [str]}, ...],
      "metrics": [{"candidate", "objective", "value", "ci_low", "ci_high"}, ...],
      "comparisons": [{"objective", "candidate", "best", "diff", "diff_ci_low",
                       "diff_ci_high", "significant"}, ...],
      "slices": [{"candidate", "attribute", "group", "n", ...}, ...],
      "windows": [{"candidate", "window", "n", <metric>: value, ...}, ...],
      "sections": {name: any JSON},     # serving, explanations, drift...: added by later stages
      "dataset": {...}, "settings": {...}, "provenance": {...}
    }

A missing measurement is ``null`` in JSON and ``None``/NaN in Python, never zero. Floats are
written with Python's shortest round-trip representation, so ``load(save(x)) == x`` exactly.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import re
import reprlib
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from json.encoder import encode_basestring as _encode_str
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported where a frame is made: reading a scorecard does not need it
    import pandas as pd

from analysis._errors import InputError
from analysis._scorecard_columns import (
    NUMBER_TYPES,
    RecordColumns,
    dense_from_columns,
    has_nonfinite_float,
    records_from_dicts,
)
from analysis.objectives import Objective, parse_direction

SCHEMA = "tradeoffs.scorecard"
SCHEMA_VERSION = 1
TASKS = ("binary", "multiclass", "regression", "table")
_SHA256_LOCK = threading.Lock()  # one hash computed at a time, so two threads never compute the same one


def _clean(value: Any) -> Any:
    """Convert numpy scalars/NaN to plain JSON values (NaN and inf become ``None``)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if value is None or isinstance(value, str):
        return value
    pd = sys.modules.get("pandas")  # a pandas value can only exist once pandas is imported
    if pd is not None:
        if isinstance(value, (pd.Timestamp,)):
            return value.isoformat()
        if value is pd.NA or value is pd.NaT:
            return None
    return str(value)


#: Values :func:`_freeze` and :func:`_thaw` leave as they are: a list of only these is copied in one step
#: (the stored threshold curves are lists of thousands of numbers; one call per number cost 0.2 s a load).
_LEAF_TYPES = frozenset({int, float, str, bool, type(None)})


#: Deepest nesting a scorecard's fields may have (they have at most ten levels). Deeper is refused as
#: damaged with a ``RecursionError``, whatever the interpreter's recursion limit (which some imports
#: raise: jedi, through IPython, sets 3,000).
MAX_NESTING = 100


def _freeze(value: Any, _depth: int = 0) -> Any:
    """Deep-convert lists to tuples and dicts to sorted tuples of pairs (hashable, immutable)."""
    if isinstance(value, dict):
        if _depth > MAX_NESTING:
            raise RecursionError(f"nested more than {MAX_NESTING} levels deep")
        return FrozenDict({k: _freeze(v, _depth + 1) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        leaf = _LEAF_TYPES
        if all(type(v) in leaf for v in value):
            return tuple(value)
        if _depth > MAX_NESTING:
            raise RecursionError(f"nested more than {MAX_NESTING} levels deep")
        return tuple(_freeze(v, _depth + 1) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        leaf = _LEAF_TYPES
        if all(type(v) in leaf for v in value):
            return list(value)
        return [_thaw(v) for v in value]
    return value


class FrozenDict(Mapping):
    """A read-only mapping (so pages cannot mutate a scorecard's nested records)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._data.items(), key=lambda kv: str(kv[0]))))

    def __repr__(self) -> str:
        return f"FrozenDict({self._data!r})"


@dataclass(frozen=True)
class MetricValue:
    """A candidate's value on one objective, with its confidence interval when known."""

    candidate: str
    objective: str
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class Comparison:
    """A candidate's paired-bootstrap difference from the best candidate on one objective.

    ``diff = value(candidate) - value(best)``; ``significant`` is True when the confidence
    interval of the difference excludes zero (the two are not tied).
    """

    objective: str
    candidate: str
    best: str
    diff: float | None
    diff_ci_low: float | None
    diff_ci_high: float | None
    significant: bool | None


@dataclass(frozen=True)
class Candidate:
    """One candidate model as the scorecard knows it."""

    name: str
    source: FrozenDict = field(default_factory=FrozenDict)
    status: str = "ok"
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scorecard:
    """Every candidate measured on the same data.

    Use :func:`save_scorecard` / :func:`load_scorecard` for files, :meth:`to_frame` for a
    candidates x objectives table, and :meth:`with_section` to add a later stage's results.
    """

    task: str
    objectives: tuple[Objective, ...]
    candidates: tuple[Candidate, ...]
    metrics: tuple[MetricValue, ...]
    comparisons: tuple[Comparison, ...] = ()
    slices: tuple[FrozenDict, ...] = ()
    windows: tuple[FrozenDict, ...] = ()
    sections: FrozenDict = field(default_factory=FrozenDict)
    dataset: FrozenDict = field(default_factory=FrozenDict)
    settings: FrozenDict = field(default_factory=FrozenDict)
    provenance: FrozenDict = field(default_factory=FrozenDict)
    created_at: str = ""
    schema_version: int = SCHEMA_VERSION

    # ---- views -------------------------------------------------------------------------
    @property
    def candidate_names(self) -> tuple[str, ...]:
        """Candidate names in scorecard order."""
        names = self.__dict__.get("_candidate_names")
        if names is None:  # computed once: a frozen record's candidates never change
            names = tuple(c.name for c in self.candidates)
            object.__setattr__(self, "_candidate_names", names)
        return names

    @property
    def objective_names(self) -> tuple[str, ...]:
        """Objective names in scorecard order."""
        return tuple(o.name for o in self.objectives)

    def objective(self, name: str) -> Objective:
        """The objective called ``name``."""
        for o in self.objectives:
            if o.name == name:
                return o
        raise InputError(f"the scorecard has no objective {name!r}; it has: {', '.join(self.objective_names)}.")

    @property
    def sha256(self) -> str:
        """SHA-256 of the scorecard's JSON (as :func:`save_scorecard` writes it), computed once per object.

        A decision records it to pin what it was made on; the dashboard makes many decisions on
        one scorecard, and at 10,000 candidates the JSON takes seconds to build. Threads asking at
        the same time wait for one computation (the dashboard starts it in the background).
        """
        digest = self.__dict__.get("_sha256")
        if digest is None:
            with _SHA256_LOCK:
                digest = self.__dict__.get("_sha256")
                if digest is None:
                    digest = _sha256_of(self)
                    object.__setattr__(self, "_sha256", digest)  # a frozen record's JSON never changes
        return digest

    def dense_arrays(self) -> dict[str, np.ndarray]:
        """``{"value", "ci_low", "ci_high"}``: candidates x objectives arrays (NaN where missing).

        Rows follow :attr:`candidate_names`, columns :attr:`objective_names`; the arrays of
        :meth:`to_frame` and :meth:`interval_frames` without pandas. Computed once (read-only).
        """
        columns = list(self.objective_names)
        dense = self.__dict__.get("_dense")
        if dense is None or dense[0] != self.candidate_names or dense[1] != tuple(columns):
            arrays = self._dense_arrays(self.candidate_names, columns)
            for a in arrays.values():
                a.flags.writeable = False
            dense = (self.candidate_names, tuple(columns), arrays)
            object.__setattr__(self, "_dense", dense)  # computed once: a frozen record never changes
        return dense[2]

    def _pivot(self, attr: str) -> pd.DataFrame:
        import pandas as pd

        index = pd.Index(self.candidate_names, name="candidate")
        return pd.DataFrame(self.dense_arrays()[attr].copy(), index=index, columns=list(self.objective_names))

    def _dense_arrays(self, index, columns) -> dict[str, np.ndarray]:
        """Values and interval bounds as candidates x objectives arrays, in one pass over the metrics."""
        shape = (len(index), len(columns))
        val, low, high = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
        row = {n: i for i, n in enumerate(index)}
        col = {n: j for j, n in enumerate(columns)}
        for m in self.metrics:
            i, j = row.get(m.candidate), col.get(m.objective)
            if i is None or j is None:
                continue
            if m.value is not None:
                val[i, j] = m.value
            if m.ci_low is not None:
                low[i, j] = m.ci_low
            if m.ci_high is not None:
                high[i, j] = m.ci_high
        return {"value": val, "ci_low": low, "ci_high": high}

    def to_frame(self) -> pd.DataFrame:
        """Candidates x objectives point values (NaN where missing)."""
        return self._pivot("value")

    def interval_frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Candidates x objectives lower and upper confidence bounds (NaN where unknown)."""
        return self._pivot("ci_low"), self._pivot("ci_high")

    def value(self, candidate: str, objective: str) -> float | None:
        """One value, ``None`` when missing."""
        for m in self.metrics:
            if m.candidate == candidate and m.objective == objective:
                return m.value
        return None

    def slices_frame(self) -> pd.DataFrame:
        """The fairness slice table as a DataFrame (one row per candidate x attribute x group)."""
        import pandas as pd

        return pd.DataFrame([dict(s) for s in self.slices])

    def windows_frame(self) -> pd.DataFrame:
        """The per-time-window metric table as a DataFrame."""
        import pandas as pd

        return pd.DataFrame([dict(w) for w in self.windows])

    def comparisons_frame(self) -> pd.DataFrame:
        """Paired differences from the best candidate, one row per candidate x objective."""
        import pandas as pd

        return pd.DataFrame([c.__dict__ for c in self.comparisons])

    def with_section(self, name: str, content: Any) -> Scorecard:
        """A copy with section ``name`` set (serving, explanations, drift...)."""
        sections = dict(self.sections)
        sections[name] = _freeze(_clean(content))
        return replace(self, sections=FrozenDict(sections))

    def with_objectives(self, objectives: Iterable[Objective], metrics: Iterable[MetricValue]) -> Scorecard:
        """A copy with more objectives and their values (replacing same-named ones)."""
        objectives = tuple(objectives)
        new_names = {o.name for o in objectives}
        kept_obj = tuple(o for o in self.objectives if o.name not in new_names)
        kept_metrics = tuple(m for m in self.metrics if m.objective not in new_names)
        return replace(self, objectives=kept_obj + objectives, metrics=kept_metrics + tuple(metrics))

    def with_figures(
        self, objectives: Iterable[Objective], figures: Mapping[str, Mapping[str, float | None]]
    ) -> Scorecard:
        """A copy with ``objectives`` added, valued from ``figures[candidate][objective]``.

        Every scorecard candidate gets a value for every objective; one without a figure (not
        measured, or failed) gets ``None``: missing, never zero.
        """
        objectives = tuple(objectives)
        metrics = []
        for name in self.candidate_names:
            own = figures.get(name, {})
            for objective in objectives:
                value = own.get(objective.name)
                metrics.append(MetricValue(name, objective.name, None if value is None else float(value)))
        return self.with_objectives(objectives, metrics)

    # ---- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain-JSON form (see the module docstring)."""
        self._check_records()
        return self._to_dict([_clean(m.__dict__) for m in self.metrics], [_clean(c.__dict__) for c in self.comparisons])

    def _check_records(self) -> None:
        if self.__dict__.get("_records_left_out") and not self.metrics and self.candidates and self.objectives:
            raise ValueError("this scorecard was read without per-cell records (records=False) and cannot be saved")

    def _to_dict(self, metrics: Any, comparisons: Any, sections: Any = None) -> dict:
        return {
            "schema": SCHEMA,
            "schema_version": self.schema_version,
            "task": self.task,
            "created_at": self.created_at,
            "objectives": [o.to_dict() for o in self.objectives],
            "candidates": [
                {
                    "name": c.name,
                    "source": _thaw(c.source),
                    "status": c.status,
                    "errors": list(c.errors),
                    "notes": list(c.notes),
                }
                for c in self.candidates
            ],
            "metrics": metrics,
            "comparisons": comparisons,
            "slices": [_thaw(s) for s in self.slices],
            "windows": [_thaw(w) for w in self.windows],
            "sections": _thaw(self.sections) if sections is None else sections,
            "dataset": _thaw(self.dataset),
            "settings": _thaw(self.settings),
            "provenance": _thaw(self.provenance),
        }

    @classmethod
    def from_dict(cls, data: Mapping, *, source: str = "scorecard") -> Scorecard:
        """Inverse of :meth:`to_dict`; refuses files from another schema or a newer version."""
        return _scorecard_from_data(data, source=source, columns=None, adopt=False)


def _scorecard_from_data(
    data: Mapping, *, source: str, columns: dict[str, RecordColumns | None] | None, adopt: bool
) -> Scorecard:
    """:meth:`Scorecard.from_dict`, given the flat records' columns when the caller has them.

    ``adopt``: the metric and comparison dicts of ``data`` become the records' own (the caller
    parsed them and keeps no reference), instead of being copied.
    """
    if not isinstance(data, Mapping) or data.get("schema") != SCHEMA:
        raise InputError(
            f'{source} is not a Tradeoffs scorecard (no "schema": "{SCHEMA}" field); '
            "make one with `tradeoffs evaluate`, or pass a metrics table (CSV/Parquet).",
            source=source,
        )
    version = data.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
        raise InputError(
            f"{source} has scorecard schema version {version!r}, but this Tradeoffs reads "
            f"version {SCHEMA_VERSION} and older; upgrade Tradeoffs or re-run `tradeoffs evaluate`.",
            source=source,
        )
    if columns is None:
        columns = _record_columns(data)
    _check_fields(data, source, columns)
    try:
        sc = Scorecard(
            task=str(data["task"]),
            objectives=tuple(Objective.from_dict(o) for o in data["objectives"]),
            candidates=tuple(
                Candidate(
                    name=str(c["name"]),
                    source=_freeze(c.get("source", {})),
                    status=str(c.get("status", "ok")),
                    errors=tuple(c.get("errors", ())),
                    notes=tuple(c.get("notes", ())),
                )
                for c in data["candidates"]
            ),
            metrics=_records(MetricValue, data["metrics"], columns.get("metrics"), adopt=adopt),
            comparisons=_records(Comparison, data.get("comparisons", ()), columns.get("comparisons"), adopt=adopt),
            slices=tuple(_freeze(s) for s in data.get("slices", ())),
            windows=tuple(_freeze(w) for w in data.get("windows", ())),
            sections=_freeze(data.get("sections", {})),
            dataset=_freeze(data.get("dataset", {})),
            settings=_freeze(data.get("settings", {})),
            provenance=_freeze(data.get("provenance", {})),
            created_at=str(data.get("created_at", "")),
            schema_version=version,
        )
    except RecursionError:
        raise InputError(
            f"{source} is a damaged scorecard: a field is nested too deeply to read; "
            "re-create it with `tradeoffs evaluate`.",
            source=source,
        ) from None
    except (KeyError, TypeError) as exc:
        raise InputError(
            f"{source} is a damaged scorecard (field {exc} is missing or malformed); "
            "re-create it with `tradeoffs evaluate`.",
            source=source,
        ) from None
    metrics = columns.get("metrics")
    if metrics is not None:
        dense = dense_from_columns(sc.candidate_names, sc.objective_names, metrics)
        if dense is not None:  # what dense_arrays() would pivot from the records, read-only
            for a in dense.values():
                a.flags.writeable = False
            object.__setattr__(sc, "_dense", (sc.candidate_names, sc.objective_names, dense))
    return sc


def _record_columns(data: Any) -> dict[str, RecordColumns | None]:
    """The columns of the metrics and comparisons (``None`` for a list that is not plain flat records)."""
    out: dict[str, RecordColumns | None] = {}
    if isinstance(data, Mapping):
        for key, cls in (("metrics", MetricValue), ("comparisons", Comparison)):
            items = data.get(key)
            if isinstance(items, list):
                out[key] = RecordColumns.of(items, tuple(cls.__dataclass_fields__))
    return out


_LISTS = ("objectives", "candidates", "metrics", "comparisons", "slices", "windows")
_MAPPINGS = ("sections", "dataset", "settings", "provenance")
_NUMBER_TYPES = tuple(NUMBER_TYPES)


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 60, 60


def short_repr(value: Any) -> str:
    """A value for a message: at most three levels deep and about 60 characters per item.

    Safe on anything a JSON or YAML file can hold (nesting thousands deep, an integer of
    thousands of digits).

    >>> short_repr([[[[1]]]]), short_repr("x" * 100)
    ('[[[[...]]]]', "'xxxxxxxxxxxxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxxxxxxxxxxxx'")
    """
    try:
        return _REPR.repr(value)
    except (ValueError, RecursionError):  # an integer past Python's 4,300-digit conversion limit
        return f"a {type(value).__name__} too large to show"


def _damaged(source: str, field: str, value: Any, want: str) -> InputError:
    shown = short_repr(value)
    return InputError(
        f"{source} is a damaged scorecard: {field} is {shown}, not {want}; re-create it with `tradeoffs evaluate`.",
        source=source,
    )


def _check_number(value: Any, source: str, field: str) -> None:
    if type(value) not in _NUMBER_TYPES:
        raise _damaged(source, field, value, "a number or null")
    if value is not None and not (-sys.float_info.max <= value <= sys.float_info.max):  # NaN fails too
        raise _damaged(source, field, value, "a finite number or null")


def _check_columns(
    items: list,
    source: str,
    name: str,
    text: tuple[str, ...],
    numbers: tuple[str, ...],
    columns: RecordColumns | None = None,
) -> None:
    """Each record of ``items`` is a mapping whose ``text`` fields are strings and ``numbers`` numbers or null.

    Field by field (a scorecard of 10,000 candidates has hundreds of thousands of metric records):
    a set of types per field, the numbers in one numpy pass; ``columns`` are the fields when the
    caller has them. A record is looked at one by one only to name the first bad field.
    """
    if columns is None:
        if not all(type(d) is dict for d in items):
            i = next(i for i, d in enumerate(items) if type(d) is not dict)
            raise _damaged(source, f"{name}[{i}]", items[i], "a record")
        columns = RecordColumns({key: [d.get(key) for d in items] for key in text + numbers})
    for key in text + numbers:
        kinds = columns.kinds[key]
        if key in text:
            ok = kinds <= {str}
        else:
            ok = kinds <= NUMBER_TYPES and columns.in_float_range(key)
        if not ok:
            for i, v in enumerate(columns.values[key]):
                if key in text and type(v) is not str:
                    raise _damaged(source, f"{name}[{i}].{key}", v, "text")
                if key in numbers:
                    _check_number(v, source, f"{name}[{i}].{key}")


def _check_fields(data: Mapping, source: str, columns: Mapping[str, RecordColumns | None] | None = None) -> None:
    """Refuse a scorecard whose fields have the wrong types, naming the first such field.

    ``columns``: :func:`_record_columns` of ``data``, when the caller has them.
    """
    columns = _record_columns(data) if columns is None else columns
    task = data.get("task")
    if task not in TASKS:
        raise _damaged(source, "task", task, f"one of {', '.join(TASKS)}")
    for key in _LISTS:
        if key in data and not isinstance(data[key], list):
            raise _damaged(source, key, data[key], "a list")
    for key in _MAPPINGS:
        if key in data and not isinstance(data[key], Mapping):
            raise _damaged(source, key, data[key], "a mapping")
    for i, o in enumerate(data.get("objectives", ())):
        if not isinstance(o, Mapping) or not isinstance(o.get("name"), str):
            raise _damaged(source, f"objectives[{i}]", o, "an objective with a name")
        for key in ("label", "unit", "direction", "group", "description"):
            if key in o and not isinstance(o[key], str):
                raise _damaged(source, f"objectives[{i}].{key}", o[key], "text")
        for key in ("worst", "target", "ideal"):
            _check_number(o.get(key), source, f"objectives[{i}].{key}")
    for i, c in enumerate(data.get("candidates", ())):
        if not isinstance(c, Mapping) or not isinstance(c.get("name"), str):
            raise _damaged(source, f"candidates[{i}]", c, "a candidate with a name")
        if "status" in c and not isinstance(c["status"], str):
            raise _damaged(source, f"candidates[{i}].status", c["status"], "text")
        for key in ("errors", "notes"):
            if key in c and not (isinstance(c[key], list) and all(isinstance(x, str) for x in c[key])):
                raise _damaged(source, f"candidates[{i}].{key}", c[key], "a list of text")
        if "source" in c and not isinstance(c["source"], Mapping):
            raise _damaged(source, f"candidates[{i}].source", c["source"], "a mapping")
    _check_columns(
        data.get("metrics", []),
        source,
        "metrics",
        ("candidate", "objective"),
        ("value", "ci_low", "ci_high"),
        columns.get("metrics"),
    )
    comparisons = data.get("comparisons", [])
    by_field = columns.get("comparisons")
    _check_columns(
        comparisons,
        source,
        "comparisons",
        ("objective", "candidate", "best"),
        ("diff", "diff_ci_low", "diff_ci_high"),
        by_field,
    )
    if by_field is None or not by_field.kinds["significant"] <= {bool, type(None)}:
        for i, c in enumerate(comparisons):  # (1 and 0.0 pass too: they equal True and False)
            if c.get("significant") not in (True, False, None):
                raise _damaged(source, f"comparisons[{i}].significant", c.get("significant"), "true, false or null")
    for key in ("slices", "windows"):
        for i, record in enumerate(data.get(key, ())):
            if not isinstance(record, Mapping):
                raise _damaged(source, f"{key}[{i}]", record, "a record")
    dataset = data.get("dataset", {})
    rows = dataset.get("rows")
    if rows is not None and (type(rows) is not int or rows < 0):
        raise _damaged(source, "dataset.rows", rows, "a count of rows")
    counts = dataset.get("class_counts")
    if counts is not None and not (
        isinstance(counts, Mapping) and all(type(v) is int and v >= 0 for v in counts.values())
    ):
        raise _damaged(source, "dataset.class_counts", counts, "a mapping of class to count")
    incumbent = data.get("settings", {}).get("incumbent")
    if incumbent is not None and not isinstance(incumbent, str):
        raise _damaged(source, "settings.incumbent", incumbent, "a candidate's name")


def _records(cls, items, columns: RecordColumns | None = None, *, adopt: bool = False) -> tuple:
    """``tuple(cls(**d) for d in items)``, without the frozen dataclass's per-field ``__setattr__``.

    A dict with exactly the record's fields is copied in directly (hundreds of thousands of
    metrics at 10,000 candidates), or taken as it is when ``adopt`` and its keys are in field order
    (``columns`` given: every item has exactly the fields); anything else goes through
    ``cls(**d)``, which raises the usual ``TypeError`` for a missing or unknown field.
    """
    if columns is not None:
        built = records_from_dicts(cls, items, columns, adopt=adopt)
        if built is not None:
            return built
    fields = tuple(cls.__dataclass_fields__)
    keys = set(fields)
    new, setattr_ = object.__new__, object.__setattr__
    out = []
    for d in items:
        if isinstance(d, dict) and d.keys() == keys:
            r = new(cls)
            setattr_(r, "__dict__", {k: d[k] for k in fields})
            out.append(r)
        else:
            out.append(cls(**d))
    return tuple(out)


def scorecard_to_json(scorecard: Scorecard) -> str:
    """Serialise to JSON text (stable key order, shortest round-trip floats).

    The text is ``json.dumps(scorecard.to_dict(), indent=1, ensure_ascii=False)``; the two long
    flat lists (metrics and comparisons: one record per candidate and objective) are written
    record by record from a fixed template instead of by the generic encoder, byte for byte the
    same (tested), about ten times faster at 10,000 candidates.
    """
    scorecard._check_records()
    marks = {k: f"\x00{k}-{id(scorecard)}\x00" for k in ("metrics", "comparisons")}
    lists: list[list[str]] = []
    sections = _mark_number_lists(scorecard.sections, lists)
    data = scorecard._to_dict(marks["metrics"], marks["comparisons"], sections)
    text = json.dumps(data, indent=1, allow_nan=False, ensure_ascii=False)
    for key, records in (("metrics", scorecard.metrics), ("comparisons", scorecard.comparisons)):
        token = json.dumps(marks[key], ensure_ascii=False)
        text = text.replace(token, _flat_records_json(records), 1)
    if lists:
        text = _unmark_number_lists(text, lists)
    return text + "\n"


#: Lists of at least this many plain numbers in the sections (the stored curves) are written by
#: :func:`_mark_number_lists` rather than by the generic indenting encoder (one Python call per value).
_NUMBER_LIST_MIN = 16
_NUMBER_LIST_MARK = re.compile(r'"\\u0000L(\d+)\\u0000"')


def _mark_number_lists(value: Any, store: list[list[str]]) -> Any:
    """``_thaw(value)`` with each long list of finite ints and floats replaced by a marker.

    The lists' JSON items go to ``store``; :func:`_unmark_number_lists` puts them back.
    """
    if isinstance(value, Mapping):
        return {k: _mark_number_lists(v, store) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if len(value) >= _NUMBER_LIST_MIN and set(map(type, value)) <= {int, float}:
            floats = [v for v in value if type(v) is float]
            if not floats or np.isfinite(np.array(floats, dtype=float)).all():
                store.append(json.dumps(value)[1:-1].split(", "))
                return f"\x00L{len(store) - 1}\x00"
        return [_mark_number_lists(v, store) for v in value]
    return value


def _unmark_number_lists(text: str, store: list[list[str]]) -> str:
    """Put the marked lists back as ``json.dumps(..., indent=1)`` writes them: one item per line, one space deeper."""

    def put(m: re.Match) -> str:
        start = end = text.rfind("\n", 0, m.start()) + 1
        while text[end] == " ":  # the line's indentation: the list's depth
            end += 1
        depth = end - start
        inner = "\n" + " " * (depth + 1)
        return "[" + inner + ("," + inner).join(store[int(m.group(1))]) + "\n" + " " * depth + "]"

    return _NUMBER_LIST_MARK.sub(put, text)


def _sha256_of(scorecard: Scorecard) -> str:
    """SHA-256 (hex) of :func:`scorecard_to_json`'s text in UTF-8, computed afresh."""
    return hashlib.sha256(scorecard_to_json(scorecard).encode("utf-8")).hexdigest()


def _json_scalar(value: Any) -> str:
    """One scalar as ``json.dumps(_clean(value))`` writes it."""
    if type(value) is float:
        return float.__repr__(value) if math.isfinite(value) else "null"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is str:
        return _encode_str(value)
    return json.dumps(_clean(value), ensure_ascii=False, allow_nan=False)


#: Exact types whose JSON text the C encoder writes as :func:`_json_scalar` does (floats when finite).
_SCALAR_TYPES = frozenset({float, int, bool, type(None)})
#: Records written per step. Each step's loops run in C and hold the interpreter lock throughout:
#: small steps let another thread (a page, while the hash is computed in the background) run between them.
_ENCODE_CHUNK = 5_000


def _column_json(values: list) -> list[str]:
    """``list(map(_json_scalar, values))``, a whole column at a time when its types allow it.

    ``json.dumps`` of a list of finite floats, ints, bools and nulls writes each value as
    ``_json_scalar`` does (``float.__repr__``, ``int.__repr__``, ``true``/``false``, ``null``),
    separated by ``", "``, which none of them contains.
    """
    types = set(map(type, values))
    if types == {str}:
        return list(map(_encode_str, values))
    if types <= _SCALAR_TYPES:
        floats = values if types == {float} else [v for v in values if type(v) is float]
        if not floats or np.isfinite(np.array(floats, dtype=float)).all():
            return json.dumps(values, allow_nan=False)[1:-1].split(", ")
    return list(map(_json_scalar, values))


def _flat_records_json(records: tuple) -> str:
    """A list of flat dataclass records as ``json.dumps(..., indent=1)`` writes it at depth 1.

    :data:`_ENCODE_CHUNK` records at a time, field by field: the values of one field are encoded
    together (the C encoders over the whole column when its types allow it, :func:`_column_json`),
    then each record is one ``%`` of a fixed template.
    """
    if not records:
        return "[]"
    keys = tuple(vars(records[0]))
    template = "{\n   " + ",\n   ".join(_encode_str(k).replace("%", "%%") + ": %s" for k in keys) + "\n  }"
    parts = []
    for start in range(0, len(records), _ENCODE_CHUNK):
        dicts = list(map(vars, records[start : start + _ENCODE_CHUNK]))
        if not all(map(keys.__eq__, map(tuple, dicts))):  # fields in another order: the generic encoder
            rows = [_clean(vars(r)) for r in records]
            return json.dumps(rows, indent=1, allow_nan=False, ensure_ascii=False).replace("\n", "\n ")
        columns = [_column_json(list(map(itemgetter(k), dicts))) for k in keys]
        parts.append(",\n  ".join(map(template.__mod__, zip(*columns, strict=True))))
    return "[\n  " + ",\n  ".join(parts) + "\n ]"


def write_text_atomic(path: str | Path, text: str | bytes) -> Path:
    """Write a file so that readers see the old file or the whole new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_scorecard(scorecard: Scorecard, path: str | Path) -> Path:
    """Write ``scorecard`` to ``path`` atomically."""
    return write_text_atomic(path, scorecard_to_json(scorecard))


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is out of range")
    return value


def _no_constant(text: str) -> float:
    raise ValueError(f"{text} is not a JSON value")


def parse_json_text(text: str, *, source: str, hint: str) -> Any:
    """Parse JSON strictly, as this package writes it (InputError naming ``source`` otherwise).

    Refused, each with one sentence ending in ``hint`` (what the user should pass instead):
    invalid JSON, ``NaN``/``Infinity`` and numbers out of float range (JSON has no such values; a
    missing value is ``null``), integers too long to convert, and nesting too deep to read.

    Examples
    --------
    >>> parse_json_text('{"value": 0.5}', source="x.json", hint="fix it")
    {'value': 0.5}
    >>> parse_json_text('{"value": 1e999}', source="x.json", hint="write null instead")
    Traceback (most recent call last):
    analysis._errors.InputError: x.json is not valid JSON (the number 1e999 is out of range); write null instead.
    """
    try:
        return json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
    except RecursionError:
        raise InputError(f"{source} is nested too deeply to read; {hint}.", source=source) from None
    except ValueError as exc:  # JSONDecodeError, a non-finite number, an integer of thousands of digits
        reason = " ".join(str(exc).split())[:200]
        raise InputError(f"{source} is not valid JSON ({reason}); {hint}.", source=source) from None


def _read_text(path: Path, *, hint: str) -> str:
    """A file's text; a UTF-8 byte-order mark is allowed, other encodings are not."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text; {hint}.", source=str(path)) from None


def load_json_file(path: str | Path, *, hint: str) -> Any:
    """Read a JSON file with :func:`parse_json_text`; a UTF-8 byte-order mark is allowed, other encodings are not."""
    path = Path(path)
    return parse_json_text(_read_text(path, hint=hint), source=str(path), hint=hint)


_SCORECARD_HINT = "pass a scorecard written by `tradeoffs evaluate` or a metrics table (.csv/.parquet)"


def _parse_scorecard_text(text: str, *, source: str) -> tuple[Any, dict[str, RecordColumns | None]]:
    """:func:`parse_json_text` of a scorecard, and the columns of its metrics and comparisons.

    The text is read with the C reader's own float conversion (a Python call per number took a
    second at 10,000 candidates); what the strict reader refuses then shows as a read error or a
    non-finite float (``1e999`` reads as infinity, and ``NaN`` still calls ``_no_constant``), and
    only then is the text read again strictly, for the same one-sentence refusal.
    """
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (RecursionError, ValueError):
        data = None
    else:
        columns = _record_columns(data)
        by_field = {k: c for k, c in columns.items() if c is not None}
        rest = [v for k, v in data.items() if k not in by_field] if type(data) is dict else data
        if not has_nonfinite_float(rest) and not any(c.nonfinite() for c in by_field.values()):
            return data, columns
        data = columns = None  # a number out of float range (or a bug): let the strict reader name it
    data = parse_json_text(text, source=source, hint=_SCORECARD_HINT)
    return data, _record_columns(data)


def load_scorecard(path: str | Path) -> Scorecard:
    """Read a scorecard JSON file written by :func:`save_scorecard`.

    As strict as :func:`load_json_file` followed by :meth:`Scorecard.from_dict` (the same
    refusals, word for word), a field at a time: about 3x sooner at 10,000 candidates.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"scorecard file {path} does not exist; check the path.", source=str(path))
    text = _read_text(path, hint=_SCORECARD_HINT)
    with _collector_paused():
        data, columns = _parse_scorecard_text(text, source=str(path))
        del text
        return _scorecard_from_data(data, source=str(path), columns=columns, adopt=True)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (back on after it, if it was on before).

    Reading a scorecard makes a million objects that live on; the collector would walk the growing
    heap again and again meanwhile (about a third of the reading time at 10,000 candidates), and
    none of them is in a reference cycle: it has nothing to find there. Reference counting frees
    everything else as usual.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def incumbent_of(scorecard: Scorecard) -> str | None:
    """The candidate in production when the scorecard was made (``settings["incumbent"]``), or ``None``.

    Raises :class:`InputError` when the recorded name is not one of the scorecard's candidates
    (a hand-edited file), listing the candidates.
    """
    name = scorecard.settings.get("incumbent")
    if name is None:
        return None
    if name not in scorecard.candidate_names:
        raise InputError(
            f"the scorecard records incumbent {name!r}, which is not one of its candidates "
            f"({', '.join(scorecard.candidate_names)}); re-run `tradeoffs evaluate --incumbent NAME`.",
            source="incumbent",
        )
    return str(name)


def columns_text(columns: Iterable[Any], *, limit: int = 20) -> str:
    """Column names for a message: the first ``limit``, each cut to 40 characters, then ``...``.

    >>> columns_text(["candidate", "x" * 50, "roc_auc"], limit=2)
    'candidate, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…, ... (3 columns)'
    """
    names = [" ".join(str(c).split()) for c in columns]
    shown = [n if len(n) <= 40 else n[:39] + "…" for n in names[:limit]]
    return ", ".join(shown) + (f", ... ({len(names)} columns)" if len(names) > limit else "")


def _table_candidates(names: list[str], source: FrozenDict) -> list[Candidate]:
    """``[Candidate(name=n, source=source) for n in names]``, built faster.

    Without the frozen dataclass's per-field ``__setattr__`` (0.3 s at 100,000 candidates); the
    same records (tested).
    """
    new = object.__new__
    out = []
    for n in names:
        c = new(Candidate)
        c.__dict__.update(name=n, source=source, status="ok", errors=(), notes=())
        out.append(c)
    return out


def scorecard_from_metrics_table(
    table: pd.DataFrame,
    *,
    directions: Mapping[str, str],
    source: str = "metrics table",
    candidate_column: str = "candidate",
    records: bool = True,
) -> Scorecard:
    """Build a scorecard from a plain metrics table (a sweep's results, a leaderboard).

    Parameters
    ----------
    table : DataFrame
        One row per candidate: a ``candidate`` column plus numeric objective columns.
        Columns ``<name>_ci_low`` / ``<name>_ci_high`` are read as that objective's interval.
    directions : mapping
        ``{column: "max" | "min"}``. Known objective names (``roc_auc``, ``latency_ms_p99``)
        default to their registered direction; every other numeric column needs one here, and
        the error lists all that lack one.
    source : str
        How to name the table in messages (its file path).
    candidate_column : str
        The column naming the candidates.
    records : bool
        False skips the per-cell :class:`MetricValue` records (600,000 of them for 100,000 rows x
        6 objectives): ``metrics`` is then empty and only :meth:`Scorecard.to_frame` and
        :meth:`Scorecard.interval_frames` carry the values, which is all ``tradeoffs rank`` reads.
        Such a scorecard cannot be saved (:meth:`Scorecard.to_dict` refuses it).
    """
    import pandas as pd

    from analysis.objectives import find_objective

    if candidate_column not in table.columns:
        raise InputError(
            f"{source} has no {candidate_column!r} column; add one naming each candidate "
            f"(columns found: {columns_text(table.columns)}).",
            source=source,
        )
    names = table[candidate_column].astype(str)
    cand_names = names.tolist()
    # a set, not Series.duplicated (Arrow's factorize of 100k strings took 0.27 s)
    dupes = [] if len(set(cand_names)) == len(cand_names) else names[names.duplicated()].unique().tolist()
    if dupes:
        raise InputError(f"{source} names candidates more than once: {columns_text(dupes)}.", source=source)
    ci_cols = {c for c in table.columns if str(c).endswith(("_ci_low", "_ci_high"))}
    value_cols = [c for c in table.columns if c != candidate_column and c not in ci_cols]
    numeric = [c for c in value_cols if pd.api.types.is_numeric_dtype(table[c])]
    unknown_dirs = {k: v for k, v in directions.items() if k not in table.columns}
    if unknown_dirs:
        raise InputError(
            f"{source} has no column(s) {columns_text(unknown_dirs)} named in the directions; "
            f"columns found: {columns_text(table.columns)}.",
            source=source,
        )
    non_numeric = [c for c in directions if c not in numeric]
    if non_numeric:
        raise InputError(
            f"{source}: column(s) {columns_text(non_numeric)} are not numeric, so they cannot be objectives.",
            source=source,
        )
    bad_ci = [c for c in ci_cols if not pd.api.types.is_numeric_dtype(table[c])]
    if bad_ci:
        raise InputError(
            f"{source}: interval column {columns_text(sorted(map(str, bad_ci)), limit=3)} holds text, not numbers; "
            "fix its cells (leave a cell empty when the bound is unknown).",
            source=source,
        )
    lacking = [c for c in numeric if c not in directions and find_objective(str(c)) is None]
    if lacking:
        raise InputError(
            f"{source}: no direction for column(s) {columns_text(lacking)}; give each one with "
            "--objective NAME:max or NAME:min (or drop the column).",
            source=source,
        )
    objectives = []
    for col in numeric:
        base = find_objective(str(col))
        direction = parse_direction(directions[col], name=col) if col in directions else base.direction
        if base is not None:
            objectives.append(replace(base, direction=direction))
        else:
            objectives.append(Objective(name=str(col), label=str(col), direction=direction))
    # One column at a time as plain Python values (reading cell by cell took ~14 s at 100k rows).
    none = [None] * len(table)
    columns = [
        (
            str(col),
            _column_values(table[col]),
            _column_values(table[f"{col}_ci_low"]) if f"{col}_ci_low" in table.columns else none,
            _column_values(table[f"{col}_ci_high"]) if f"{col}_ci_high" in table.columns else none,
        )
        for col in numeric
    ]
    table_source = FrozenDict({"kind": "table"})  # immutable, so one instance serves every candidate
    new = object.__new__
    metrics = []
    append = metrics.append
    for i, cand in enumerate(cand_names if records else ()):
        for name, values, lows, highs in columns:
            m = new(MetricValue)  # a frozen dataclass built without its per-field __setattr__ (600k at 100k rows)
            m.__dict__.update(candidate=cand, objective=name, value=values[i], ci_low=lows[i], ci_high=highs[i])
            append(m)
    sc = Scorecard(
        task="table",
        objectives=tuple(objectives),
        candidates=tuple(_table_candidates(cand_names, table_source)),
        metrics=tuple(metrics),
        dataset=FrozenDict({"source": source, "rows": int(len(table))}),
    )
    # the dense candidates x objectives arrays the metrics were read from, so to_frame() and
    # interval_frames() need not pivot them back (a copy made with dataclasses.replace pivots)
    dense = {}
    for attr, pick in (("value", 1), ("ci_low", 2), ("ci_high", 3)):
        cols = [np.array(c[pick], dtype=float) for c in columns]
        dense[attr] = np.column_stack(cols) if cols else np.empty((len(cand_names), 0))
    object.__setattr__(sc, "_dense", (tuple(cand_names), tuple(str(c) for c in numeric), dense))
    object.__setattr__(sc, "_records_left_out", not records)  # so that to_dict() refuses it
    return sc


def _column_values(column: pd.Series) -> list:
    """A column as plain JSON values (NaN and infinities become None, like :func:`_clean`)."""
    if column.dtype == np.float64:
        arr = column.to_numpy()
        finite = np.isfinite(arr).tolist()
        return [v if ok else None for v, ok in zip(arr.tolist(), finite, strict=True)]
    return [_clean(v) for v in column.tolist()]
