"""What a dataset's columns probably mean: a first proposal of their roles, with reasons.

A person opening someone else's table reads the column names first: ``income`` or ``label`` is
what is predicted, ``sex`` and ``race`` are attributes to check fairness on, ``id`` identifies a
row if its values are unique, ``timestamp`` orders rows in time. :func:`guess_roles` does the
same and says why for each proposal, so an app can pre-fill its role pickers and show the
reason next to each. A role with no confident proposal is ``None`` (the app then asks).

The rules, in order:

1. **id**: a column named ``id``, ``key``, ``uuid``, ``guid``, ``row_id`` or ``*_id`` whose values
   are present and unique (integers or text).
2. **sensitive**: columns with a word of their name in :data:`SENSITIVE_WORDS` (``sex``,
   ``gender``, ``race``, ``age_band``...), except the id, and with at most
   :data:`MAX_SENSITIVE_GROUPS` distinct values (a raw ``age`` in years is noted, not proposed).
3. **target**: among the other columns, one named like a target (exactly or as a word of the
   name, :data:`TARGET_WORDS`), binary columns first, exact names before word matches; if no
   column is named like a target, the only binary column left, else none.
4. **time**: a datetime column, or a text column named like a time whose values read as dates.
5. **positive label** of a binary target: ``1``, ``True`` or ``"yes"`` (and the like) when
   present, else the rarer class.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"id": [1, 2, 3, 4], "x": [0.1, 0.5, 0.2, 0.9],
...                       "approved": [1, 0, 0, 1], "sex": ["f", "m", "f", "m"]})
>>> g = guess_roles(frame)
>>> g.target, g.positive_label, g.id_column, g.sensitive
('approved', 1, 'id', ('sex',))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ID_NAMES",
    "MAX_SENSITIVE_GROUPS",
    "SENSITIVE_WORDS",
    "TARGET_WORDS",
    "TIME_WORDS",
    "RoleGuess",
    "guess_positive_label",
    "guess_roles",
    "name_words",
]

#: Words that name a target, strongest first (matched as the whole name or as one word of it).
TARGET_WORDS: tuple[str, ...] = (
    "target",
    "label",
    "outcome",
    "y",
    "class",
    "churn",
    "churned",
    "default",
    "defaulted",
    "approved",
    "released",
    "arrest",
    "arrested",
    "readmitted",
    "recid",
    "recidivism",
    "fraud",
    "survived",
    "converted",
    "clicked",
    "ordered",
    "purchased",
    "hired",
    "admitted",
    "response",
    "income",
)
#: Target words that count only as the whole name (``pos_y`` is a coordinate, not a target).
_EXACT_ONLY_TARGETS = frozenset({"y"})
#: Words that name a protected (sensitive) attribute.
SENSITIVE_WORDS: frozenset[str] = frozenset(
    {
        "sex",
        "gender",
        "race",
        "ethnicity",
        "ethnic",
        "colour",
        "color",
        "skin",
        "age",
        "religion",
        "religious",
        "nationality",
        "citizen",
        "citizenship",
        "disability",
        "disabled",
        "marital",
    }
)
#: Sensitive words that count only as the whole name (``car_colour`` is not about people).
_EXACT_ONLY_SENSITIVE = frozenset({"colour", "color"})
#: More distinct values than this and a sensitive-looking column is not proposed (groups too small).
MAX_SENSITIVE_GROUPS = 30
#: Whole names of row-id columns (any name whose last word is ``id`` also counts).
ID_NAMES: frozenset[str] = frozenset({"id", "key", "uuid", "guid", "row_id", "rowid", "record_id", "index"})
#: Words that name a time column.
TIME_WORDS: frozenset[str] = frozenset(
    {"timestamp", "date", "time", "datetime", "month", "week", "day", "period", "ts", "dt", "created", "updated"}
)
#: Text values read as "yes, the positive class" (lower case).
_POSITIVE_WORDS = ("1", "true", "yes", "y", "positive", "pos", "t")


@dataclass(frozen=True)
class RoleGuess:
    """Proposed roles of a dataset's columns, each with a short reason (None: no confident guess).

    Attributes
    ----------
    target, target_reason : str or None
        The column the models probably predict, and why.
    positive_label, positive_reason : object or None
        The positive class of a binary target, and why.
    id_column, id_reason : str or None
        A column that identifies rows (unique values), and why.
    time_column, time_reason : str or None
        A column that orders rows in time, and why.
    sensitive : tuple of str
        Columns named like protected attributes (possibly empty).
    sensitive_reason : str or None
        Why they were proposed.
    notes : tuple of str
        Columns that looked like a role but were not proposed, and why (a repeated ``id``, an
        ``age`` in years with too many values to be groups).
    """

    target: str | None = None
    target_reason: str | None = None
    positive_label: Any = None
    positive_reason: str | None = None
    id_column: str | None = None
    id_reason: str | None = None
    time_column: str | None = None
    time_reason: str | None = None
    sensitive: tuple[str, ...] = ()
    sensitive_reason: str | None = None
    notes: tuple[str, ...] = ()


def name_words(name: object) -> tuple[str, ...]:
    """The lower-case words of a column name (``"userID"`` -> ``("user", "id")``).

    >>> name_words("two_year_recid"), name_words("maritalStatus"), name_words("Row ID")
    (('two', 'year', 'recid'), ('marital', 'status'), ('row', 'id'))
    """
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name))
    return tuple(w for w in re.split(r"[^A-Za-z0-9]+", text.lower()) if w)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _distinct(series: pd.Series) -> list:
    return [_plain(v) for v in pd.unique(series.dropna())]


def _is_binary(series: pd.Series) -> bool:
    return len(_distinct(series)) == 2


def _guess_id(frame: pd.DataFrame) -> tuple[str | None, str | None, list[str]]:
    notes: list[str] = []
    ranked = []
    for pos, col in enumerate(frame.columns):
        words = name_words(col)
        whole = "_".join(words)
        if not words or not (whole in ID_NAMES or words[-1] in ("id", "uuid", "guid")):
            continue
        s = frame[col]
        kind_ok = (
            pd.api.types.is_integer_dtype(s)
            or pd.api.types.is_string_dtype(s)
            or (pd.api.types.is_float_dtype(s) and bool(np.all(np.mod(s.dropna().to_numpy(), 1) == 0)))
        )
        if not kind_ok or pd.api.types.is_bool_dtype(s):
            continue
        # Only a column named exactly like an id earns a note: a repeated ``user_id`` is a feature.
        if s.isna().any():
            if whole in ID_NAMES:
                notes.append(f"`{col}` has {int(s.isna().sum()):,} empty values, so it cannot be the row id.")
            continue
        repeats = int(s.duplicated().sum())
        if repeats:
            if whole in ID_NAMES:
                notes.append(f"`{col}` repeats {repeats:,} values, so it cannot identify rows.")
            continue
        ranked.append((whole not in ID_NAMES, pos, col))
    if not ranked:
        return None, None, notes
    col = min(ranked)[2]
    return col, f"named like a row id, and its {len(frame):,} values are unique", notes


def _guess_sensitive(frame: pd.DataFrame, exclude: set) -> tuple[list[str], list[str]]:
    found, notes = [], []
    for col in frame.columns:
        if col in exclude:
            continue
        words = name_words(col)
        whole = "_".join(words)
        hit = [w for w in words if w in SENSITIVE_WORDS and (w not in _EXACT_ONLY_SENSITIVE or whole == w)]
        if not hit:
            continue
        n = frame[col].nunique(dropna=True)
        if n > MAX_SENSITIVE_GROUPS:
            notes.append(
                f"`{col}` looks sensitive but has {n:,} distinct values; band it into groups (such as "
                f"{hit[0]}_band) to check fairness on it."
            )
            continue
        found.append(col)
    return found, notes


def _guess_target(frame: pd.DataFrame, exclude: set) -> tuple[str | None, str | None]:
    ranked = []
    for pos, col in enumerate(frame.columns):
        if col in exclude:
            continue
        words = name_words(col)
        whole = "_".join(words)
        exact = [i for i, w in enumerate(TARGET_WORDS) if w == whole]
        partial = [i for i, w in enumerate(TARGET_WORDS) if w in words and w not in _EXACT_ONLY_TARGETS and w != whole]
        if not exact and not partial:
            continue
        binary = _is_binary(frame[col])
        strength = exact[0] if exact else partial[0]
        ranked.append((not binary, not exact, strength, pos, col, binary, bool(exact)))
    if ranked:
        _, _, _, _, col, binary, exact = min(ranked)
        if exact:
            reason = f"named like a target ({'_'.join(name_words(col))!r})"
        else:
            reason = f"its name has the target word {next(w for w in TARGET_WORDS if w in name_words(col))!r}"
        return col, reason + (", with two classes" if binary else "")
    binary_cols = [c for c in frame.columns if c not in exclude and _is_binary(frame[c])]
    if len(binary_cols) == 1:
        return binary_cols[0], "no column is named like a target; this is the only two-valued column left"
    return None, None


def guess_positive_label(series: pd.Series) -> tuple[Any, str | None]:
    """The positive class of a two-valued target and why: ``1``, ``True``, ``"yes"``, else the rarer class.

    Returns ``(None, None)`` unless the series has exactly two distinct values.

    >>> guess_positive_label(pd.Series(["no", "yes", "no"]))
    ('yes', "'yes' marks the positive class")
    """
    values = _distinct(series)
    if len(values) != 2:
        return None, None
    if pd.api.types.is_bool_dtype(series) or all(isinstance(v, bool) for v in values):
        return True, "True marks the positive class"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) and set(values) == {0, 1}:
        return values[values.index(1)], "1 marks the positive class"
    lowered = [str(v).strip().lower() for v in values]
    for word in _POSITIVE_WORDS:
        if word in lowered:
            value = values[lowered.index(word)]
            return value, f"{value!r} marks the positive class"
    counts = series.value_counts(dropna=True)
    if counts.iloc[0] == counts.iloc[-1]:
        value = sorted(values, key=str)[-1]
        return value, "the two classes are equally common; the later one in sorted order was taken"
    value = _plain(counts.index[-1])
    return value, f"the rarer class ({counts.iloc[-1] / counts.sum():.0%} of rows)"


def _reads_as_dates(series: pd.Series, *, sample: int = 200) -> bool:
    values = series.dropna()
    if values.empty:
        return False
    head = values.iloc[:sample].astype(str)
    parsed = pd.to_datetime(head, format="mixed", errors="coerce")
    return bool(parsed.notna().mean() >= 0.95)


def _guess_time(frame: pd.DataFrame, exclude: set) -> tuple[str | None, str | None]:
    for col in frame.columns:
        if col not in exclude and pd.api.types.is_datetime64_any_dtype(frame[col]):
            return col, "its values are dates and times"
    for col in frame.columns:
        if col in exclude or not (set(name_words(col)) & TIME_WORDS):
            continue
        s = frame[col]
        if (pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s)) and _reads_as_dates(s):
            return col, "named like a time, and its values read as dates"
    return None, None


def guess_roles(frame: pd.DataFrame) -> RoleGuess:
    """Propose the target, its positive class, the row id, the time and the sensitive columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        The evaluation data as loaded (text columns as pandas' string dtype or object).

    Returns
    -------
    RoleGuess
        Each proposal with a short reason; ``None`` (or an empty tuple) where no column fits
        confidently. The target is never a column proposed as sensitive or as the id.
    """
    id_col, id_reason, notes = _guess_id(frame)
    taken = {id_col} if id_col is not None else set()
    sensitive, sens_notes = _guess_sensitive(frame, taken)
    notes += sens_notes
    target, target_reason = _guess_target(frame, taken | set(sensitive))
    positive, positive_reason = guess_positive_label(frame[target]) if target is not None else (None, None)
    time_col, time_reason = _guess_time(frame, taken | set(sensitive) | {target})
    return RoleGuess(
        target=target,
        target_reason=target_reason,
        positive_label=positive,
        positive_reason=positive_reason,
        id_column=id_col,
        id_reason=id_reason,
        time_column=time_col,
        time_reason=time_reason,
        sensitive=tuple(sensitive),
        sensitive_reason=(f"named like protected attributes ({', '.join(map(str, sensitive))})" if sensitive else None),
        notes=tuple(notes),
    )
