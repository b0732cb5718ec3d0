"""Flat scorecard records read a field at a time: the vectorised half of reading a scorecard.

A scorecard of 10,000 candidates holds 440,000 metric and 220,000 comparison records, each a
flat JSON object. :mod:`analysis.scorecard` checks and builds them through these helpers: one
list per field (:class:`RecordColumns`), a type set and one numpy pass per field instead of a
Python check per value, frozen records built around the dictionaries the JSON reader already
made (:func:`records_from_dicts`), and the candidates x objectives arrays filled by one scatter
(:func:`dense_from_columns`).

Every helper answers exactly what the record-by-record code answers, or declines (``None``)
when its input is not the plain shape a file written by Tradeoffs has; the caller then takes
the record-by-record path, which finds and names the first bad field.
"""

from __future__ import annotations

import sys
from collections import deque
from itertools import repeat
from operator import itemgetter
from typing import Any

import numpy as np

_NONE = type(None)
#: The types JSON numbers (and null) arrive as.
NUMBER_TYPES = frozenset({int, float, _NONE})
_FLOAT_OR_NONE = frozenset({float, _NONE})
_CONTAINERS = (dict, list)
_FLOAT_MAX = sys.float_info.max


class RecordColumns:
    """The fields of flat records as one list each, with each list's set of value types.

    :meth:`of` makes them only when every record is a ``dict`` with exactly the given keys (the
    records can then be built from them); a caller may also give any lists, one per field.

    >>> cols = RecordColumns.of([{"a": 1.5, "b": "x"}, {"b": "y", "a": None}], ("a", "b"))
    >>> cols.values["a"], sorted(t.__name__ for t in cols.kinds["a"]), cols.nonfinite()
    ([1.5, None], ['NoneType', 'float'], False)
    >>> RecordColumns.of([{"a": 1}], ("a", "b")) is None
    True
    """

    def __init__(self, values: dict[str, list], *, ordered: bool = False) -> None:
        self.values = values
        self.kinds = {k: set(map(type, v)) for k, v in values.items()}
        #: Every record's keys are exactly the keys given to :meth:`of`, in that order.
        self.ordered = ordered
        self._floats: dict[str, tuple[np.ndarray, int]] = {}

    @classmethod
    def of(cls, items: list, keys: tuple[str, ...]) -> RecordColumns | None:
        """The columns of ``items``, or ``None`` unless each is a ``dict`` with exactly ``keys``."""
        if not items:
            return cls({k: [] for k in keys}, ordered=True)
        if set(map(type, items)) != {dict}:
            return None
        ordered = all(map(keys.__eq__, map(tuple, items)))  # what a file written by Tradeoffs has
        if not ordered and set(map(len, items)) != {len(keys)}:
            return None
        try:  # with the right length, every key present means exactly these keys
            return cls({k: list(map(itemgetter(k), items)) for k in keys}, ordered=ordered)
        except KeyError:
            return None

    def floats(self, key: str) -> tuple[np.ndarray, int]:
        """The column's floats as float64, and how many NaN the nulls among them add.

        A column of floats and nulls is converted whole (null -> NaN); any other keeps its floats only.
        """
        got = self._floats.get(key)
        if got is None:
            column, kinds = self.values[key], self.kinds[key]
            if kinds <= _FLOAT_OR_NONE:
                got = (np.array(column, dtype=float), column.count(None) if _NONE in kinds else 0)
            else:
                got = (np.array([v for v in column if type(v) is float], dtype=float), 0)
            self._floats[key] = got
        return got

    def finite(self, key: str) -> bool:
        """Whether every float of the column is finite (NaN and infinities are not)."""
        if float not in self.kinds[key]:
            return True
        values, nulls = self.floats(key)
        return int(np.count_nonzero(~np.isfinite(values))) == nulls

    def in_float_range(self, key: str) -> bool:
        """Whether every number of the column is within float range: finite floats, integers up to ``1.8e308``."""
        if not self.finite(key):
            return False
        if int in self.kinds[key]:  # rare in a scorecard: Python's exact comparison
            return all(-_FLOAT_MAX <= v <= _FLOAT_MAX for v in self.values[key] if type(v) is int)
        return True

    def nonfinite(self) -> bool:
        """Whether any value, or anything nested in one, is a NaN or infinite float."""
        for key, kinds in self.kinds.items():
            if not self.finite(key):
                return True
            if dict in kinds or list in kinds:
                if has_nonfinite_float([v for v in self.values[key] if type(v) in _CONTAINERS]):
                    return True
        return False


def has_nonfinite_float(tree: Any) -> bool:
    """Whether a parsed JSON value holds a NaN or infinite float anywhere (level by level, no recursion).

    What the JSON reader makes of a number literal out of float range (``1e999``) is an infinity:
    finding one tells the caller to re-read the text strictly, which names the literal.

    >>> has_nonfinite_float({"a": [1, {"b": 2.5}], "c": "inf"}), has_nonfinite_float([[[1e999]]])
    (False, True)
    """
    level = [tree]
    while level:
        floats = [v for v in level if type(v) is float]
        if floats and not np.isfinite(np.array(floats)).all():
            return True
        values: list = []
        extend = values.extend
        for v in [v for v in level if type(v) in _CONTAINERS]:
            extend(v.values() if type(v) is dict else v)
        level = values
    return False


def records_from_dicts(cls: type, items: list, columns: RecordColumns, *, adopt: bool) -> tuple | None:
    """``tuple(cls(**d) for d in items)`` when ``columns`` (of ``items``) are ``cls``'s fields in order, else ``None``.

    The frozen dataclass's ``__init__`` (a guarded ``__setattr__`` per field) is skipped: each
    record gets the dict as its ``__dict__``, the reader's own dict when ``adopt`` (the caller
    made it and drops it), else a copy.
    """
    if not columns.ordered or tuple(columns.values) != tuple(cls.__dataclass_fields__):
        return None
    dicts = items if adopt else list(map(dict, items))
    out = list(map(object.__new__, repeat(cls, len(dicts))))
    deque(map(object.__setattr__, out, repeat("__dict__"), dicts), maxlen=0)
    return tuple(out)


def dense_from_columns(
    rows: tuple[str, ...], cols: tuple[str, ...], metrics: RecordColumns
) -> dict[str, np.ndarray] | None:
    """``{"value", "ci_low", "ci_high"}`` as rows x cols arrays from metric columns, or ``None``.

    The arrays :meth:`analysis.scorecard.Scorecard.dense_arrays` makes record by record (NaN where
    missing; a record naming an unknown candidate or objective is skipped), filled by one numpy
    scatter. Declines when a value column holds anything but floats and nulls, or when two
    records name the same cell (record order would then decide).
    """
    keys = ("value", "ci_low", "ci_high")
    if any(not metrics.kinds[k] <= _FLOAT_OR_NONE for k in keys):
        return None
    n = len(metrics.values["candidate"])
    row = {name: i for i, name in enumerate(rows)}
    col = {name: j for j, name in enumerate(cols)}
    i = np.fromiter(map(row.get, metrics.values["candidate"], repeat(-1)), dtype=np.intp, count=n)
    j = np.fromiter(map(col.get, metrics.values["objective"], repeat(-1)), dtype=np.intp, count=n)
    known = (i >= 0) & (j >= 0)
    flat = i[known] * len(cols) + j[known]
    seen = np.zeros(len(rows) * len(cols), dtype=bool)
    seen[flat] = True
    if int(np.count_nonzero(seen)) != flat.size:
        return None
    out = {}
    for key in keys:
        dense = np.full(len(rows) * len(cols), np.nan)
        dense[flat] = metrics.floats(key)[0][known]  # a null is NaN either way
        out[key] = dense.reshape(len(rows), len(cols))
    return out
