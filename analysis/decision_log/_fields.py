"""What may enter the log, checked before any SQL runs, and database errors worded in one line.

Every text field of an entry is checked against its column's declared length (``String(256)``
for a name: PostgreSQL refuses longer values, SQLite would keep them), for NUL characters
(PostgreSQL refuses them in text) and for text that is not valid Unicode (undecodable bytes from a
terminal arrive as lone surrogates, which cannot be stored as UTF-8). Both backends refuse the
same input with the same message, naming the field, its length and the limit.

A database error that still happens (the server is down, a permission is missing) becomes one
line without the SQL statement or its parameters; the details go to the ``logging`` module
(logger ``analysis.decision_log``, level DEBUG).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError

from analysis._errors import InputError
from analysis.decision_log._tables import entries

logger = logging.getLogger("analysis.decision_log")

#: The largest entry id a database's INTEGER column holds (PostgreSQL's int4).
MAX_ENTRY_ID = 2**31 - 1

#: How a field is named in messages, by entry kind; ``None`` stands for every kind.
_LABELS: dict[tuple[str | None, str], tuple[str, str | None]] = {
    ("decision", "name"): ("the name of who records the decision (--by)", "--by"),
    ("decision", "chosen"): ("the chosen candidate's name", None),
    ("decision", "comment"): ("the rationale (--rationale)", "--rationale"),
    ("decision", "payload"): ("the decision's report", None),
    ("signoff", "role"): ("the sign-off's role (--role)", "--role"),
    ("signoff", "name"): ("the sign-off's name (--name)", "--name"),
    ("signoff", "comment"): ("the sign-off's comment (--comment)", "--comment"),
    ("signoff", "payload"): ("the sign-off", None),
    ("publication", "name"): ("the name of who publishes (--by)", "--by"),
    ("publication", "comment"): ("the publication's summary", None),
    ("publication", "payload"): ("the publication", None),
    (None, "created_at"): ("the time of the entry (`now`)", None),
}


def _label(kind: str, column: str) -> tuple[str, str | None]:
    return _LABELS.get((kind, column)) or _LABELS.get((None, column)) or (f"the entry's {column}", None)


def check_entry_fields(fields: Mapping[str, Any]) -> None:
    """Raise :class:`InputError` when a text field cannot be stored as it is.

    Parameters
    ----------
    fields : mapping
        Column name -> value of an entry about to be written (``kind`` included).

    Examples
    --------
    >>> check_entry_fields({"kind": "signoff", "name": "A. Auditor"})
    >>> check_entry_fields({"kind": "signoff", "name": "x" * 300})
    Traceback (most recent call last):
    ...
    analysis._errors.InputError: the sign-off's name (--name) is 300 characters long; the decision log keeps at most 256: shorten it.
    """  # noqa: E501 - a doctest's expected line is as long as the message
    kind = str(fields.get("kind"))
    for column in entries.c:
        value = fields.get(column.name)
        if not isinstance(value, str):
            continue
        label, source = _label(kind, column.name)
        limit = getattr(column.type, "length", None)
        if limit is not None and len(value) > limit:
            raise InputError(
                f"{label} is {len(value):,} characters long; the decision log keeps at most {limit}: shorten it.",
                source=source,
            )
        if "\x00" in value:
            raise InputError(f"{label} contains a NUL character (\\x00), which a database cannot store: remove it.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(
                f"{label} holds bytes that are not valid UTF-8 (from a terminal or file in another encoding): "
                "write it again in UTF-8.",
                source=source,
            ) from None


def check_entry_id(value: object) -> int | None:
    """The id if it can name an entry (1 to :data:`MAX_ENTRY_ID`), else None (no such entry)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ENTRY_ID else None


def describe_db_error(exc: SQLAlchemyError) -> str:
    """One line about a database error: the database's own first line, never the SQL or its parameters.

    The whole error (with the statement) is logged at DEBUG level for an administrator.
    """
    logger.debug("decision log database error", exc_info=exc)
    orig = getattr(exc, "orig", None)
    if isinstance(exc, DBAPIError) and orig is not None:
        diag = getattr(orig, "diag", None)
        text = getattr(diag, "message_primary", None) or str(orig)
    elif isinstance(exc, StatementError) and orig is not None:
        text = f"{type(orig).__name__} while preparing the statement"
    else:  # not about a statement (no SQL in it)
        text = str(exc) or type(exc).__name__
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    line = lines[0] if lines else type(exc).__name__
    return line if len(line) <= 300 else line[:299] + "…"
