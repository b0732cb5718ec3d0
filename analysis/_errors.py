"""User-facing errors.

Anything a user can fix (a missing file, a bad column, an untrusted model type) raises
:class:`InputError` with one sentence that names the file, column or value and says how to
fix it. The CLI turns it into exit code 2 with no traceback; the app shows it next to the
input that caused it. Programming errors stay ordinary exceptions.
"""

from __future__ import annotations


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
