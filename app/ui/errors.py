"""What a user sees when something fails: one sentence, never a traceback.

An :class:`analysis._errors.InputError` is the user's to fix: its one sentence is shown as it is
(with uploaded file names for server paths). Anything else is ours: the user sees one sentence with
a short error id, and the server log gets the whole traceback under the same id, at ERROR level on
the ``tradeoffs.app`` logger, so an operator can find it from a user's screenshot.

Pages call :func:`render_failure` (draws the message) or :func:`failure_message` (logs and returns
the sentence, for a page that keeps it to show later or next to a widget).
"""

from __future__ import annotations

import logging
import secrets
import traceback

from analysis._errors import InputError

LOGGER = logging.getLogger("tradeoffs.app")


def new_error_id() -> str:
    """A short random id (6 hex digits) that ties a user's message to the server log."""
    return secrets.token_hex(3)


def failure_sentence(what: str, error_id: str) -> str:
    """The sentence for an unexpected failure.

    >>> failure_sentence("evaluating the candidates", "7f3a2c")
    'Something went wrong while evaluating the candidates; error id 7f3a2c. The server log has the details.'
    """
    return f"Something went wrong while {what}; error id {error_id}. The server log has the details."


def log_failure(*, what: str, details: str, error_id: str | None = None) -> str:
    """Log ``details`` (a traceback, a worker's report) under a new error id; returns the id."""
    error_id = error_id or new_error_id()
    LOGGER.error("error id %s while %s:\n%s", error_id, what, details.rstrip())
    return error_id


def failure_message(exc: BaseException, *, what: str) -> str:
    """The one sentence for ``exc``; anything but an :class:`InputError` is logged with its traceback first.

    Parameters
    ----------
    exc : BaseException
        The exception caught.
    what : str
        What the app was doing, as the end of "Something went wrong while ..." (``"reading data.csv"``).
    """
    if isinstance(exc, InputError):
        return _humanize(exc.message)
    error_id = log_failure(what=what, details="".join(traceback.format_exception(exc)))
    return failure_sentence(what, error_id)


def render_failure(exc: BaseException, *, what: str) -> None:
    """Draw :func:`failure_message` as an error box (the traceback goes to the server log only)."""
    import streamlit as st

    st.error(failure_message(exc, what=what), icon=":material/error:")


def _humanize(message: str) -> str:
    """Uploaded file names for session-folder paths (outside a session: the message as it is)."""
    try:
        from app.ui import uploads

        return uploads.humanize(message)
    except Exception:  # no session state (a worker thread, a script): nothing to translate
        return message
