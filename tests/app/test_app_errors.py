"""No traceback reaches a user: one sentence (and an error id in the log) for what is not theirs to fix."""

from __future__ import annotations

import logging

import pandas as pd
from _app_helpers import csv_bytes, new_app, texts, widget

from analysis._errors import InputError
from app.ui import errors


def test_an_unexpected_error_is_one_sentence_with_an_id_and_the_log_has_the_traceback(caplog):
    try:
        raise ValueError("Input contains NaN.")
    except ValueError as exc:
        with caplog.at_level(logging.ERROR, logger="tradeoffs.app"):
            message = errors.failure_message(exc, what="reading data.csv")
    error_id = message.split("error id ")[1][:6]
    expected = f"Something went wrong while reading data.csv; error id {error_id}. The server log has the details."
    assert message == expected
    assert "NaN" not in message and "Traceback" not in message
    (record,) = [r for r in caplog.records if r.name == "tradeoffs.app"]
    assert record.levelno == logging.ERROR and error_id in record.getMessage()
    assert "Traceback" in record.getMessage() and "ValueError: Input contains NaN." in record.getMessage()


def test_an_input_error_is_shown_as_it_is_and_not_logged(caplog):
    exc = InputError("data.csv has no column 'ordered'; choose the target column.", source="data.csv")
    with caplog.at_level(logging.ERROR, logger="tradeoffs.app"):
        assert errors.failure_message(exc, what="reading data.csv") == exc.message
    assert not caplog.records


def test_a_table_that_breaks_the_reader_shows_a_sentence_not_a_traceback(monkeypatch, caplog):
    def broken(path, **kw):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("app.ui.uploads.load_table", broken)
    at = new_app("data")
    frame = pd.DataFrame({"a": [1, 2]})
    with caplog.at_level(logging.ERROR, logger="tradeoffs.app"):
        widget(at, "file_uploader", "Evaluation data").set_value(("deep.csv", csv_bytes(frame), "text/csv"))
        at.run()
    shown = [e.value for e in at.error]
    assert len(shown) == 1 and shown[0].startswith("Something went wrong while reading deep.csv; error id ")
    assert not at.exception and "RecursionError" not in texts(at)
    assert any("RecursionError" in r.getMessage() for r in caplog.records)


def test_a_page_that_fails_shows_one_sentence_and_the_log_has_the_traceback(monkeypatch, caplog):
    def broken(*args, **kw):
        raise KeyError("a bug of ours, not the user's")

    monkeypatch.setattr("app.ui.render.page_header", broken)
    with caplog.at_level(logging.ERROR, logger="tradeoffs.app"):
        at = new_app("scorecard")
    shown = [e.value for e in at.error]
    assert len(shown) == 1 and shown[0].startswith("Something went wrong while drawing the page 'Scorecard'; error id ")
    assert not at.exception and "KeyError" not in texts(at)
    error_id = shown[0].split("error id ")[1][:6]
    assert any(error_id in r.getMessage() and "KeyError" in r.getMessage() for r in caplog.records)
