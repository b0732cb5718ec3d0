"""Decision page: the report in every format, and the decision log (record, sign off, verify)."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime

import pytest
from _app_helpers import FIXTURE, click, group_choice, new_app, run_until, settled, texts, widget
from sqlalchemy import text, update
from streamlit.testing.v1 import AppTestError
from test_app_consensus import FAILURE, hold_full_decision, use_sweep

from analysis._errors import InputError
from analysis.decision import build_decision
from analysis.decision_log import DecisionLog
from analysis.decision_log._tables import entries
from analysis.report import RECORD_SCHEMA, report_from_json
from analysis.report import _pdf as pdf_module
from analysis.scorecard import load_scorecard
from app.ui import services

CHOSEN = group_choice()  # what the library decides on the fixture; the page must show the same


def _labels(at, kind: str) -> list[str]:
    return [str(b.label) for b in at.get(kind)]


def _open():
    """The Decision page once its group decision and report are done (however busy the machine)."""
    return settled(new_app("decision"))


_click = click


def _sign_off_in_session(at, name: str, comment: str = ""):
    widget(at, "text_input", "Name").input(name)
    widget(at, "text_input", "Comment").input(comment)
    pick = widget(at, "selectbox", "The candidate to ship").value
    return _click(at, f"Sign off on {pick}")


def _log_table(at):
    return next(d.value for d in at.dataframe if "recorded at" in d.value.columns)


def test_the_report_downloads_in_every_format(monkeypatch):
    made = []

    def fake_pdf(report, *, browser=None, timeout=120.0):
        made.append(report.chosen)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr("app.ui.services.report_to_pdf", fake_pdf)
    at = _open()
    assert _labels(at, "download_button") == ["HTML report", "Markdown report", "JSON decision record"]
    assert made == []  # the PDF is made only when asked for
    _click(at, "Prepare PDF")
    assert _labels(at, "download_button") == ["HTML report", "Markdown report", "JSON decision record", "PDF report"]
    assert made == [CHOSEN]
    at.run()  # a rerun reuses the prepared PDF
    assert made == [CHOSEN] and "PDF report" in _labels(at, "download_button")


def test_the_report_carries_an_overriding_pick_its_rationale_and_only_its_signoffs(tmp_path):
    at = _open()
    _sign_off_in_session(at, "Ada")  # on the group's choice
    pick = widget(at, "selectbox", "The candidate to ship")
    group_choice = pick.value
    other = next(o for o in pick.options if o != group_choice)
    pick.set_value(other).run()
    widget(at, "text_area", "Rationale").input("cheaper to serve").run()
    _sign_off_in_session(at, "Bo")
    assert f"One report on {other}" in texts(at) and "1 sign-off" in texts(at)
    _click(at, "Record this decision in the log")
    with DecisionLog(os.environ["TRADEOFFS_LOG_URL"]) as log:
        record = json.loads(log.get(1).report_json)
    assert record["schema"] == RECORD_SCHEMA and record["status"] == "decided"
    assert record["choice"]["chosen"] == other and record["choice"]["group_choice"] == group_choice
    assert record["choice"]["overrides_group_choice"] is True and record["rationale"] == "cheaper to serve"
    assert [s["name"] for s in record["signoffs"]] == ["Bo"]


def test_a_missing_browser_is_explained_next_to_the_pdf_button(monkeypatch):
    def no_browser(path=None):
        raise InputError(pdf_module.BROWSER_MISSING.format(where=""), source="--browser")

    monkeypatch.setattr(pdf_module, "find_browser", no_browser)
    at = _click(_open(), "Prepare PDF")
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("PDF export needs Chromium or Google Chrome")
    assert "PDF report" not in _labels(at, "download_button") and "Prepare PDF" in _labels(at, "button")


def test_record_sign_off_and_verify_the_decision_log(tmp_path, monkeypatch):
    url = tmp_path / "team-log.sqlite"
    monkeypatch.setenv("TRADEOFFS_LOG_URL", str(url))
    at = _open()
    # Where the log is on the server is the operator's business, not every browser user's.
    assert str(url) not in texts(at) and str(tmp_path) not in texts(at)
    assert "the server's decision log (an SQLite file, chosen by the operator with `TRADEOFFS_LOG_URL`)" in texts(at)
    assert "The log is empty" in texts(at) and not url.exists()  # looking does not create the file
    widget(at, "text_area", "Rationale").input("best compromise").run()
    _sign_off_in_session(at, "Ada")
    widget(at, "text_input", "Recorded by").input("Dee")
    _click(at, "Record this decision in the log")
    assert f"Recorded as decision #1 ({CHOSEN})." in texts(at)
    assert "Log intact: 1 entry checked" in texts(at)
    table = _log_table(at)
    assert table["id"].tolist() == [1] and table["chosen"].tolist() == [CHOSEN]
    assert table["status"].tolist() == ["current"] and table["rationale"].tolist() == ["best compromise"]
    assert table["sign-offs"].tolist() == ["Ada (ML engineer)"]  # the session's sign-off, carried by the report
    assert "is decision #1" in texts(at)  # the same report is not recorded twice
    assert next(b for b in at.get("form_submit_button") if "Record this" in str(b.label)).disabled

    widget(at, "text_input", "Your name").input("Bo")
    widget(at, "selectbox", "Your role").set_value("Sales")
    widget(at, "text_input", "Your comment").input("ok")
    _click(at, "Sign off in the log")
    assert "Sign-off recorded on decision #1." in texts(at)
    assert _log_table(at)["sign-offs"].tolist() == ["Ada (ML engineer); Bo (Sales)"]
    assert "Log intact: 2 entries checked" in texts(at)

    with DecisionLog(url) as log:
        entry = log.get(1)
        report = report_from_json(entry.report_json)
        assert entry.recorded_by == "Dee" and report.chosen == CHOSEN and report.rationale == "best compromise"
        assert [(s.name, s.role, s.comment) for s in entry.signoffs] == [("Bo", "Sales", "ok")]
        assert json.loads(entry.report_json)["schema"] == RECORD_SCHEMA


def test_a_tampered_log_says_where_it_is_broken(tmp_path, monkeypatch):
    url = tmp_path / "log.sqlite"
    monkeypatch.setenv("TRADEOFFS_LOG_URL", str(url))
    at = _click(_open(), "Record this decision in the log")
    with DecisionLog(url) as log, log.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS tradeoffs_log_no_update"))
        conn.execute(update(entries).where(entries.c.id == 1).values(chosen="knn"))
    at.run()
    assert any(e.value.startswith("Log broken at entry 1:") for e in at.error)


def test_an_unopenable_log_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    bad = tmp_path / "not-a-database.sqlite"
    bad.write_bytes(os.urandom(4096))
    monkeypatch.setenv("TRADEOFFS_LOG_URL", str(bad))
    at = new_app("decision")
    assert not at.exception
    assert any("decision log cannot be" in e.value for e in at.error)


def test_a_new_decision_can_supersede_a_recorded_one():
    at = _click(_open(), "Record this decision in the log")
    widget(at, "text_area", "Rationale").input("measured again on the production instance").run()
    widget(at, "selectbox", "Replaces").set_value(1)
    _click(at, "Record this decision in the log")
    table = _log_table(at)
    assert table["id"].tolist() == [2, 1] and table["status"].tolist() == ["current", "superseded by #2"]
    assert widget(at, "selectbox", "Decision").options == [f"#2: {CHOSEN} (" + table["recorded at"][0] + ")"]
    assert "Log intact: 2 entries checked" in texts(at)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_report_files_say_whether_the_decision_is_recorded_and_when_they_were_made(monkeypatch):
    made = []

    def fake_pdf(report, *, browser=None, timeout=120.0):
        made.append(report)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr("app.ui.services.report_to_pdf", fake_pdf)
    at = _open()
    assert "Not recorded in the decision log yet" in texts(at) and "The log is empty" in texts(at)
    before = _now()
    _click(at, "Prepare PDF")
    assert made[-1].status == "provisional"  # not "decision recorded" while the log is empty
    assert datetime.fromisoformat(made[-1].generated_at) >= before  # made when prepared, not when first shown

    _click(at, "Record this decision in the log")
    assert "Recorded in the decision log as decision #1" in texts(at)
    with DecisionLog(os.environ["TRADEOFFS_LOG_URL"]) as log:
        logged = report_from_json(log.get(1).report_json)
    assert logged.status == "decided" and datetime.fromisoformat(logged.generated_at) >= before
    # The PDF prepared before recording says "no decision recorded": it is not offered as the recorded one.
    assert "PDF report" not in _labels(at, "download_button") and "Prepare PDF" in _labels(at, "button")
    _click(at, "Prepare PDF")
    assert made[-1].status == "decided" and len(made) == 2


def test_a_decision_whose_log_is_gone_is_no_longer_called_recorded(tmp_path):
    at = _click(_open(), "Record this decision in the log")
    assert "Recorded in the decision log as decision #1" in texts(at)
    os.remove(os.environ["TRADEOFFS_LOG_URL"])  # the operator replaced or emptied the log
    at.run()
    assert "The log is empty" in texts(at) and "Not recorded in the decision log yet" in texts(at)
    assert not next(b for b in at.get("form_submit_button") if "Record this" in str(b.label)).disabled


def test_a_report_file_is_generated_when_it_is_made_with_the_status_it_has_then():
    sc = load_scorecard(FIXTURE)
    d = build_decision(sc, now="2026-01-01T00:00:00+00:00")
    view = services.ReportView("k", sc, d, d.chosen, "why", ())
    before = _now()
    draft = services.report_file(view, recorded=False)
    assert draft.status == "provisional" and datetime.fromisoformat(draft.generated_at) >= before
    at = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    final = services.report_file(view, recorded=True, now=at)
    assert final.status == "decided" and final.generated_at == at.isoformat() and final.chosen == d.chosen


# ---- the pick before the sensitivity checks; failures and messages in this page's words ------------------------
@pytest.fixture
def held(builtin, tmp_path, monkeypatch):
    """A synthetic scorecard of hundreds of candidates whose full decision waits until ``held.set()``."""
    use_sweep(builtin, tmp_path, monkeypatch)
    release = hold_full_decision(monkeypatch)
    yield release
    release.set()  # never leave the decision thread waiting


#: Why the report, the record and the sign-offs wait (the start of the page's reason).
NEEDS_CHECKS = "The report records how firm the choice is"


def _submit(at, label: str):
    return next(b for b in at.get("form_submit_button") if str(b.label).startswith(label))


def test_the_pick_shows_before_the_checks_and_the_record_and_signoffs_wait_for_them(held):
    at = new_app("decision")
    run_until(at, lambda at: any(w.label == "The candidate to ship" for w in at.selectbox))
    pick = widget(at, "selectbox", "The candidate to ship")
    assert pick.format_func(pick.value) == f"{pick.value} (the group's choice)"
    assert "in the background" in texts(at) and NEEDS_CHECKS in texts(at)
    # Nothing is exported or recorded from a decision without its checks: no downloads, the buttons say why.
    assert not at.get("download_button") and "Prepare PDF" not in _labels(at, "button")
    record, sign = _submit(at, "Record this decision"), _submit(at, "Sign off on")
    assert record.disabled and sign.disabled
    assert sign.help.startswith(NEEDS_CHECKS) and record.help.startswith("Recording opens when the sensitivity checks")
    with pytest.raises(AppTestError):  # as a browser user cannot click it
        sign.click()
    other = next(o for o in pick.options if o != pick.value)
    pick.set_value(other).run()
    assert f"Whether it is statistically tied with {pick.format_func(other)}" not in texts(at)
    assert any("statistically tied with" in str(m.value) and "being checked" in str(m.value) for m in at.markdown)

    held.set()
    run_until(at, lambda at: "in the background" not in texts(at))
    assert not at.exception
    assert _labels(at, "download_button") == ["HTML report", "Markdown report", "JSON decision record"]
    assert not _submit(at, "Record this decision").disabled and not _submit(at, "Sign off on").disabled
    assert NEEDS_CHECKS not in texts(at) and "opens when" not in texts(at)


def test_an_unexpected_failure_of_the_decision_is_one_sentence_with_an_error_id(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("internal detail /srv/secret.py")

    monkeypatch.setattr(services, "build_decision", broken)
    monkeypatch.setattr(services, "DECISION_WAIT_S", 60.0)  # the page waits until both have failed (at once)
    at = new_app("decision")
    assert not at.exception
    (error,) = [e.value for e in at.error]
    match = re.fullmatch(FAILURE.format(what="making the group decision"), error)
    assert match, error
    assert "internal detail" not in texts(at) and "Traceback" not in texts(at)
    assert any(match.group(1) in r.getMessage() and "RuntimeError" in r.getMessage() for r in caplog.records)


def test_a_log_that_fails_unexpectedly_is_one_sentence_with_an_error_id(monkeypatch, caplog):
    class Broken:
        def list(self):
            raise OSError("disk I/O error at /var/lib/secret.sqlite")

    monkeypatch.setattr(services, "log_exists", lambda loc: True)
    monkeypatch.setattr(services, "decision_log", lambda loc: Broken())
    at = new_app("decision")
    (error,) = [e.value for e in at.error]
    match = re.fullmatch(FAILURE.format(what="reading the decision log"), error)
    assert match and "secret" not in texts(at), error
    assert any(match.group(1) in r.getMessage() and "OSError" in r.getMessage() for r in caplog.records)


def test_an_unexpected_pdf_failure_is_one_sentence_with_an_error_id_next_to_the_button(monkeypatch):
    def crash(report, *, browser=None, timeout=120.0):
        raise RuntimeError("choreographer exploded")

    monkeypatch.setattr("app.ui.services.report_to_pdf", crash)
    at = _click(_open(), "Prepare PDF")
    (error,) = [e.value for e in at.error]
    assert re.fullmatch(FAILURE.format(what="making the PDF"), error), error
    assert "Prepare PDF" in _labels(at, "button")


def test_a_missing_browser_is_worded_for_the_dashboard_not_the_command_line(monkeypatch):
    def no_browser(path=None):
        raise InputError(pdf_module.BROWSER_MISSING.format(where=""), source="--browser")

    monkeypatch.setattr(pdf_module, "find_browser", no_browser)
    at = _click(_open(), "Prepare PDF")
    (error,) = [e.value for e in at.error]
    assert "--browser" not in error and "BROWSER_PATH" in error and "on the server" in error


def test_names_are_capped_at_what_the_log_keeps_and_its_messages_name_the_page_fields():
    at = _click(_open(), "Record this decision in the log")
    assert widget(at, "text_input", "Recorded by").max_chars == 256
    name = widget(at, "text_input", "Your name")
    assert name.max_chars == 256
    name.input("x" * 257)  # refused, as the browser refuses the 257th character
    assert name.value == ""
    name.input("Bo\x00")  # within the cap, but a database cannot store a NUL
    _click(at, "Sign off in the log")
    (error,) = [e.value for e in at.error]
    assert error.startswith("the sign-off's name (the “Your name” field) contains a NUL character"), error
    assert "--" not in error
    widget(at, "text_area", "Rationale").input("a second one").run()  # another report: recording opens again
    widget(at, "text_input", "Recorded by").input("Dee\x00")
    _click(at, "Record this decision in the log")
    (error,) = [e.value for e in at.error]
    assert error.startswith("the name of who records the decision (the “Recorded by” field) contains a NUL"), error
