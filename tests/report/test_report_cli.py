"""`tradeoffs report` through analysis.cli.main: formats, options, exit codes and messages."""

from __future__ import annotations

import hashlib
import json

import pytest
from _report_helpers import golden_decision, make_scorecard, metrics_frame

from analysis.cli import main
from analysis.report import check_record
from analysis.scorecard import save_scorecard


@pytest.fixture
def files(tmp_path):
    sc_path = tmp_path / "scorecard.json"
    save_scorecard(make_scorecard(), sc_path)
    dec_path = tmp_path / "decision.json"
    dec_path.write_text(json.dumps(golden_decision(), indent=1), encoding="utf-8")
    return sc_path, dec_path


@pytest.mark.parametrize("fmt,suffix", [("html", ".html"), ("md", ".md"), ("json", ".json")])
def test_each_format_is_written(files, tmp_path, capsys, fmt, suffix):
    sc, dec = files
    out = tmp_path / f"report{suffix}"
    assert main(["report", "--scorecard", str(sc), "--decision", str(dec), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "written to" in capsys.readouterr().out
    if fmt == "json":
        data = json.loads(text)
        check_record(data)
        assert data["provenance"]["decision"]["sha256"] == hashlib.sha256(dec.read_bytes()).hexdigest()
    elif fmt == "md":
        assert text.startswith("# Model decision: ")
    else:
        assert text.startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_timestamp_makes_the_file_reproducible(files, tmp_path):
    sc, dec = files
    outs = []
    for i in range(2):
        out = tmp_path / f"r{i}.md"
        args = ["report", "--scorecard", str(sc), "--decision", str(dec), "--out", str(out)]
        assert main(args + ["--timestamp", "2026-01-31T12:00:00+00:00", "--rationale", "why"]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_without_a_decision_it_says_no_decision_recorded(files, tmp_path, capsys):
    sc, _ = files
    out = tmp_path / "r.md"
    assert main(["report", "--scorecard", str(sc), "--out", str(out), "--format", "md"]) == 0
    assert "no decision recorded" in capsys.readouterr().out
    assert "No decision recorded" in out.read_text(encoding="utf-8")


def test_a_metrics_table_with_rank_options(tmp_path):
    table = tmp_path / "runs.csv"
    frame = metrics_frame().rename(columns={"net_value_per_1k": "margin"})
    frame.to_csv(table, index=False)
    out = tmp_path / "r.json"
    args = ["report", "--scorecard", str(table), "--objective", "roc_auc:max", "--objective", "margin:max"]
    assert main(args + ["--weights", "roc_auc=2,margin=1", "--method", "topsis", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["status"] == "provisional"
    assert [p["name"] for p in data["why"]["profiles"]] == ["command_line"]
    assert data["choice"]["method"] == "topsis"


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--method", "topsis"], "--method cannot be combined with --decision"),
        (["--format", "docx"], "--format 'docx' is not one of"),
    ],
)
def test_bad_options_exit_2_with_one_message(files, tmp_path, capsys, extra, message):
    sc, dec = files
    out = tmp_path / "r.md"
    assert main(["report", "--scorecard", str(sc), "--decision", str(dec), "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_missing_and_damaged_inputs_exit_2(files, tmp_path, capsys):
    sc, dec = files
    assert main(["report", "--scorecard", str(tmp_path / "nope.json"), "--out", str(tmp_path / "r.md")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["report", "--scorecard", str(sc), "--decision", str(bad), "--out", str(tmp_path / "r.md")]) == 2
    assert "is not valid JSON" in capsys.readouterr().err
    assert main(["report", "--scorecard", str(sc), "--decision", str(dec), "--out", str(tmp_path / "r.txt")]) == 2
    assert "cannot tell the format" in capsys.readouterr().err


def test_pdf_without_a_browser_exits_2_naming_the_fix(files, tmp_path, capsys):
    sc, dec = files
    out = tmp_path / "r.pdf"
    args = ["report", "--scorecard", str(sc), "--decision", str(dec), "--out", str(out)]
    assert main(args + ["--browser", str(tmp_path / "no-chromium")]) == 2
    err = capsys.readouterr().err
    assert "PDF export needs Chromium or Google Chrome" in err and "--browser" in err
    assert not out.exists()
