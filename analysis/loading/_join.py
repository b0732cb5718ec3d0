"""Matching the rows of a table made elsewhere (a predictions file) to the evaluation rows.

A predictions file is joined on an id column the two tables share, never silently by position:
a shuffled file matched by row order scores like a coin toss while looking fine. Position is
used only when the caller asks for it (``join="order"``).

>>> looks_like_id("customer_id"), looks_like_id("customerId"), looks_like_id("valid")
(True, True, False)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis._errors import InputError

#: Allowed values of the ``join`` setting: ``auto`` joins on a shared id column and refuses a
#: file without one; ``id`` requires a shared id; ``order`` matches rows by position.
JOINS = ("auto", "id", "order")

_ID_NAMES = frozenset({"id", "key", "row_id", "uuid"})
_CAMEL_ID = re.compile(r"[a-z0-9](Id|ID)$")
_EXAMPLES = 5


def looks_like_id(name: object) -> bool:
    """Whether a column name reads as a row id: ``id``, ``key``, ``row_id``, ``uuid``, ``*_id``, ``*Id``."""
    text = str(name)
    low = text.lower()
    return low in _ID_NAMES or low.endswith("_id") or bool(_CAMEL_ID.search(text))


def check_join(join: str) -> str:
    """``join`` if it is one of :data:`JOINS`, else :class:`InputError` naming the allowed values."""
    if join not in JOINS:
        raise InputError(
            f"join {join!r} is not one of {', '.join(JOINS)}; use auto (join on a shared id column), "
            "id (require one) or order (match rows by position).",
            source="join",
        )
    return join


@dataclass(frozen=True)
class Alignment:
    """How a file's rows were matched to the evaluation rows.

    ``how`` is ``"id"`` or ``"order"``; ``column`` the id column joined on (``None`` by order);
    ``asked`` is True when the caller chose this way (``join="id"``/``"order"``, or the id column
    was named), False when it was found automatically; ``rows`` the evaluation rows matched.
    ``text`` is the one-line account shown to people.
    """

    how: str
    column: str | None
    asked: bool
    rows: int
    text: str

    def to_dict(self) -> dict:
        """The record stored in the candidate's source (``alignment``)."""
        return {"how": self.how, "column": self.column, "asked": self.asked, "rows": self.rows}


def _examples(values: Sequence) -> str:
    shown = [repr(v.item() if hasattr(v, "item") else v) for v in list(values)[:_EXAMPLES]]
    return ", ".join(shown) + (", ..." if len(values) > _EXAMPLES else "")


def _repeats(frame: pd.DataFrame, column: str) -> str:
    """``'id': 3 id(s) over 1,000 rows, for example 7``: a column's repeated values, or its empty ones."""
    col = frame[column]
    dup = col[col.duplicated(keep=False) & col.notna()]
    if dup.empty:
        return f"{column!r}: {int(col.isna().sum()):,} empty values"
    repeated = dup.drop_duplicates()
    return f"{column!r}: {len(repeated):,} id(s) over {len(dup):,} rows, for example {_examples(repeated.tolist())}"


def _unique_in(frame: pd.DataFrame, column: str) -> bool:
    col = frame[column]
    return not col.isna().any() and not col.duplicated().any()


def _choose_column(
    table: pd.DataFrame, frame: pd.DataFrame, id_column: str | None
) -> tuple[str | None, list[str], list[str]]:
    """(column to join on, other qualifying columns, shared id-like columns whose data values repeat)."""
    if id_column and id_column in table.columns and id_column in frame.columns:
        return id_column, [], []
    shared = [c for c in frame.columns if c in table.columns and looks_like_id(c)]
    qualified = [c for c in shared if _unique_in(frame, c)]
    repeating = [c for c in shared if c not in qualified]
    if not qualified:
        return None, [], repeating
    exact = [c for c in qualified if str(c).lower() == "id"]
    chosen = exact[0] if exact else qualified[0]
    return chosen, [c for c in qualified if c != chosen], repeating


def _keys(table_ids: pd.Series, data_ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The two id columns made comparable (as text when one is numeric and the other is not)."""
    if pd.api.types.is_numeric_dtype(table_ids) != pd.api.types.is_numeric_dtype(data_ids):
        return table_ids.astype(str), data_ids.astype(str)
    return table_ids, data_ids


def _check_empty(file_ids: pd.Series, data_ids: pd.Series, *, column: str, source: str, what: str, data: str):
    for ids, where in ((file_ids, f"{what} {source}"), (data_ids, data)):
        empty = int(ids.isna().sum())
        if empty:
            raise InputError(
                f"id column {column!r} in {where} has {empty} empty value(s); give every row an id.", source=source
            )


def _check_ids(file_ids: pd.Series, data_ids: pd.Series, *, column: str, source: str, what: str, data: str) -> None:
    dup = file_ids[file_ids.duplicated(keep=False)]
    if len(dup):
        repeated = dup.drop_duplicates()
        raise InputError(
            f"{what} {source} repeats {len(repeated):,} id(s) in column {column!r} ({len(dup):,} rows), for example "
            f"{_examples(repeated.tolist())}; give one prediction per id.",
            source=source,
        )
    dup = data_ids[data_ids.duplicated(keep=False)]
    if len(dup):
        repeated = dup.drop_duplicates()
        raise InputError(
            f"{data} repeats {len(repeated):,} id(s) in column {column!r} ({len(dup):,} rows), for example "
            f"{_examples(repeated.tolist())}, so {what} {source} cannot be joined on it; use an id column "
            "that names each data row once (--id), or pass --join order to match rows by position.",
            source=source,
        )
    missing = data_ids[~data_ids.isin(file_ids)]
    if len(missing):
        raise InputError(
            f"{what} {source} lacks {len(missing)} of the {len(data_ids)} ids of {data} (column {column!r}), "
            f"for example {_examples(missing.tolist())}; add a prediction for every data row.",
            source=source,
        )
    extra = file_ids[~file_ids.isin(data_ids)]
    if len(extra):
        raise InputError(
            f"{what} {source} has {len(extra)} id(s) that are not in {data} (column {column!r}), for example "
            f"{_examples(extra.tolist())}; drop those rows, or evaluate on the data the predictions were made for.",
            source=source,
        )


def join_rows(
    table: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    id_column: str | None = None,
    join: str = "auto",
    source: str,
    what: str = "predictions file",
    data: str = "the data",
) -> tuple[pd.DataFrame, Alignment]:
    """Reorder ``table`` so that its row ``i`` belongs to ``frame``'s row ``i``.

    Parameters
    ----------
    table : DataFrame
        The file's rows (predictions made elsewhere).
    frame : DataFrame
        The evaluation rows.
    id_column : str, optional
        The data's id column (``--id``); preferred when both tables have it.
    join : {"auto", "id", "order"}
        ``auto``: join on a shared id column (``id_column``, else a shared column named like an
        id whose values are unique in the data, preferring one called ``id``); no shared id is an
        error. ``id``: the same, but never falls back. ``order``: match by position (the lengths
        must match), even when the tables share an id.
    source : str
        The file, as named in messages.
    what : str
        What the file is, as named in messages.
    data : str
        The evaluation data, as named in messages.

    Returns
    -------
    (DataFrame, Alignment)
        ``table``'s rows in the data's order (index reset) and how they were matched.

    Raises
    ------
    InputError
        No shared id (unless ``join="order"``); repeated, empty, missing or extra ids (counts and
        up to five examples); different lengths when matching by position.
    """
    check_join(join)
    n = len(frame)
    column, others, repeating = _choose_column(table, frame, id_column)
    if join == "order":
        if len(table) != n:
            raise InputError(
                f"{what} {source} has {len(table):,} rows but {data} has {n:,}; matching by row order "
                "(--join order) needs one row per data row, in the data's order.",
                source=source,
            )
        text = "matched by row order, as asked (--join order)"
        if column is not None:
            text += f"; the shared id column {column!r} was not used"
        return table.reset_index(drop=True), Alignment("order", None, True, n, text)
    if column is None:
        data_ids = [c for c in frame.columns if looks_like_id(c)]
        if id_column and id_column not in data_ids:
            data_ids.insert(0, id_column)
        hint = (
            f"; shared id-like column(s) {', '.join(map(repr, repeating))} repeat values in the data "
            f"({'; '.join(_repeats(frame, c) for c in repeating)}), so they cannot identify rows"
            if repeating
            else ""
        )
        raise InputError(
            f"{what} {source} has no id column shared with {data} (data id-like columns: "
            f"{', '.join(map(str, data_ids)) or 'none'}, file columns: {', '.join(map(str, table.columns))}){hint}; "
            "add the id column to the file or pass --join order to match rows by position.",
            source=source,
        )
    _check_empty(table[column], frame[column], column=column, source=source, what=what, data=data)
    file_ids, data_ids = _keys(table[column], frame[column])
    _check_ids(file_ids, data_ids, column=column, source=source, what=what, data=data)
    positions = pd.Index(file_ids).get_indexer(data_ids)
    joined = table.iloc[positions].reset_index(drop=True)
    asked = join == "id" or column == id_column
    text = f"joined on {column} ({n:,} of {n:,} rows)"
    if others:
        text += f"; also shared: {', '.join(others)}"
    return joined, Alignment("id", str(column), asked, n, text)
