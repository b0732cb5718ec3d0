"""`tradeoffs log` on SQLite and PostgreSQL: over-long input is one error line (exit 2, no SQL),
and `verify` prints the head and checks it with --expect-head."""

from __future__ import annotations

import functools

import pytest
from _log_helpers import make_scorecard
from sqlalchemy import delete, text

from analysis.cli import main
from analysis.decision import build_decision, decision_to_json
from analysis.decision_log import DecisionLog
from analysis.decision_log._tables import entries
from analysis.scorecard import save_scorecard


@functools.cache
def _decision_json() -> str:
    return decision_to_json(build_decision(make_scorecard(), n_samples=30, group_samples=10, now="2026-03-01"))


@pytest.fixture
def add_args(tmp_path) -> list[str]:
    sc_path, dec_path = tmp_path / "scorecard.json", tmp_path / "decision.json"
    save_scorecard(make_scorecard(), sc_path)
    dec_path.write_text(_decision_json(), encoding="utf-8")
    return ["log", "add", "--decision", str(dec_path), "--scorecard", str(sc_path)]


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for leak in ("INSERT", "SELECT", "[SQL", "parameters", "Traceback", "psycopg", "sqlalchemy"):
        assert leak not in err, err
    return lines[0]


def test_an_overlong_name_is_one_line_and_exit_2(log_url, add_args, capsys):
    assert main([*add_args, "--by", "B" * 300, "--db", log_url]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line == (
        "error: the name of who records the decision (--by) is 300 characters long; "
        "the decision log keeps at most 256: shorten it."
    )
    assert main([*add_args, "--by", "Ana", "--db", log_url]) == 0
    assert main(["log", "signoff", "1", "--role", "Manager", "--name", "N" * 300, "--db", log_url]) == 2
    assert "the sign-off's name (--name) is 300 characters long" in _one_error_line(capsys.readouterr().err)
    assert main(["log", "signoff", "99999999999", "--role", "Manager", "--name", "Cy", "--db", log_url]) == 2
    assert _one_error_line(capsys.readouterr().err).startswith("error: there is no decision 99999999999 in the log")
    with DecisionLog(log_url) as store:
        assert [e.name for e in store.entries()] == ["Ana"]


def test_verify_prints_the_head_and_checks_it(log_url, add_args, capsys):
    assert main([*add_args, "--db", log_url]) == 0
    assert main(["log", "signoff", "1", "--role", "Manager", "--name", "Cy", "--db", log_url]) == 0
    capsys.readouterr()
    assert main(["log", "verify", "--db", log_url]) == 0
    out = capsys.readouterr().out.splitlines()
    with DecisionLog(log_url) as store:
        head = store.entries()[-1].entry_hash
    assert out[1] == f"Head: entry 2, hash {head}"
    assert main(["log", "signoff", "1", "--role", "Sales", "--name", "Di", "--db", log_url]) == 0
    capsys.readouterr()
    assert main(["log", "verify", "--expect-head", head, "--db", log_url]) == 0
    assert "The expected head is entry 2: it and every entry before it are unchanged; 1 entry added since." in (
        capsys.readouterr().out
    )
    with DecisionLog(log_url) as store, store.engine.begin() as conn:  # the owner removes the last two entries
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE tradeoffs_log_entries DISABLE TRIGGER tradeoffs_log_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER tradeoffs_log_no_delete"))
        conn.execute(delete(entries).where(entries.c.id >= 2))
    assert main(["log", "verify", "--db", log_url]) == 0  # unanchored, a shorter log looks fine
    capsys.readouterr()
    assert main(["log", "verify", "--expect-head", head, "--db", log_url]) == 4
    err = capsys.readouterr().err
    assert err.startswith(f"BROKEN at the end of the log: the expected head {head[:12]}… is not in the log")
    assert main(["log", "verify", "--expect-head", "abc123", "--db", log_url]) == 2
    assert "the expected head 'abc123' is not a hash" in _one_error_line(capsys.readouterr().err)
