"""User-facing errors.

Anything a user can fix (a missing file, a bad column, an untrusted model type) raises
:class:`InputError` with one sentence that names the file, column or value and says how to
fix it. The CLI turns it into exit code 2 with no traceback; the app shows it next to the
input that caused it. Programming errors stay ordinary exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class InputError(ValueError):
    """Bad input from a user: a message naming what is wrong and how to fix it.

    Parameters
    ----------
    message : str
        The whole message, written for the person who supplied the input.
    source : str, optional
        What the message is about (a file path, a column, an option), so an app can place
        the message next to the widget that produced it.
    """

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        return self.message


class MeasurementError(RuntimeError):
    """A measurement could not be taken; callers record it as missing, never as zero."""


def plain(value: Any) -> Any:
    """The Python value a numpy scalar holds; anything else unchanged.

    numpy 2 writes its scalars' reprs as ``np.int64(0)``; a message for a person says ``0``.
    Duck-typed so that importing this module does not import numpy.

    >>> import numpy as np
    >>> repr(plain(np.int64(0))), repr(plain(np.str_("yes"))), plain("no")
    ('0', "'yes'", 'no')
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return value.item()
    return value


def plain_list(values: Iterable[Any], *, limit: int | None = None) -> str:
    """Data values for a message: their plain Python reprs, comma-separated (``0, 1, 'yes'``).

    With ``limit``, only the first ``limit`` values, then ``...`` when there are more.

    >>> import numpy as np
    >>> plain_list(np.array([0, 1, 2]), limit=2)
    '0, 1, ...'
    """
    items = list(values)
    shown = items if limit is None else items[:limit]
    text = ", ".join(repr(plain(v)) for v in shown)
    return text + (", ..." if limit is not None and len(items) > limit else "")


def short_message(error: BaseException | str, *, limit: int = 120) -> str:
    r"""An error's text for a message of ours, on one line and at most ``limit`` characters.

    Library messages often quote the offending input whole (pandas: ``Unknown datetime string
    format, unable to parse: <the cell>``); a cell of kilobytes must not become a message of kilobytes.

    >>> short_message(ValueError("unable to parse: " + "x" * 500), limit=30)
    'unable to parse: xxxxxxxxxx...'
    >>> short_message("two\nlines")
    'two lines'
    """
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
