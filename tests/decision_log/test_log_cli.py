"""`tradeoffs log` through analysis.cli.main: add, list, show, signoff, verify and their exit codes."""

from __future__ import annotations

import json

import pytest
from _log_helpers import make_scorecard
from sqlalchemy import text, update

from analysis.cli import main
from analysis.decision import build_decision, decision_to_json
from analysis.decision_log import DecisionLog
from analysis.decision_log._tables import entries
from analysis.scorecard import save_scorecard


@pytest.fixture
def files(tmp_path):
    sc = make_scorecard()
    sc_path = tmp_path / "scorecard.json"
    save_scorecard(sc, sc_path)
    dec_path = tmp_path / "decision.json"
    dec_path.write_text(decision_to_json(build_decision(sc, n_samples=30, group_samples=10, now="2026-03-01")))
    return sc_path, dec_path, tmp_path / "log.sqlite"


def test_the_whole_cycle(files, tmp_path, capsys):
    sc, dec, db = files
    base = ["--db", str(db)]
    assert main(["log", "add", "--decision", str(dec), "--scorecard", str(sc), "--rationale", "why", *base]) == 0
    assert "Recorded decision 1" in capsys.readouterr().out
    assert main(["log", "signoff", "1", "--role", "Risk & compliance", "--name", "Bo", "--comment", "ok", *base]) == 0
    assert main(["log", "add", "--decision", str(dec), "--scorecard", str(sc), "--supersedes", "1", *base]) == 0
    capsys.readouterr()
    assert main(["log", "list", *base]) == 0
    out = capsys.readouterr().out
    assert "superseded by 3" in out and "current" in out
    assert main(["log", "list", "--json", *base]) == 0
    assert [d["id"] for d in json.loads(capsys.readouterr().out)] == [1, 3]
    assert main(["log", "show", "1", *base]) == 0
    out = capsys.readouterr().out
    assert "Risk & compliance: Bo: ok" in out and "superseded by decision 3" in out
    md = tmp_path / "d1.md"
    assert main(["log", "show", "1", "--out", str(md), *base]) == 0
    assert "| Risk & compliance | Bo |" in md.read_text(encoding="utf-8").replace("\\&", "&")
    assert main(["log", "verify", *base]) == 0
    assert "Intact: 3 entries" in capsys.readouterr().out


def test_verify_exits_4_naming_the_first_broken_entry(files, capsys):
    sc, dec, db = files
    assert main(["log", "add", "--decision", str(dec), "--scorecard", str(sc), "--db", str(db)]) == 0
    assert main(["log", "signoff", "1", "--role", "Manager", "--name", "Cy", "--db", str(db)]) == 0
    with DecisionLog(db) as store, store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER tradeoffs_log_no_update"))
        conn.execute(update(entries).where(entries.c.id == 2).values(role="CEO"))
    capsys.readouterr()
    assert main(["log", "verify", "--db", str(db)]) == 4
    err = capsys.readouterr().err
    assert "BROKEN at entry 2" in err


def test_errors_exit_2_with_one_line(files, capsys, monkeypatch):
    sc, dec, db = files
    monkeypatch.setenv("TRADEOFFS_LOG_URL", str(db))  # the environment variable picks the log
    assert main(["log", "signoff", "5", "--role", "Manager", "--name", "Cy"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: there is no decision 5") and len(err.strip().splitlines()) == 1
    assert main(["log", "show", "1"]) == 2
    assert main(["log", "add", "--decision", str(sc), "--scorecard", str(sc)]) == 2
    assert "is not a decision file" in capsys.readouterr().err
    assert db.exists()
