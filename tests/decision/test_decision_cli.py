"""`tradeoffs rank` and `tradeoffs decide` through analysis.cli.main: exit codes, output, JSON shape."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _decision_helpers import make_scenario

from analysis.cli import main
from analysis.scorecard import save_scorecard

ROWS = [
    {
        "candidate": "majority_baseline",
        "roc_auc": 0.5,
        "log_loss": 0.69,
        "latency_ms": 1.0,
        "roc_auc_ci_low": 0.5,
        "roc_auc_ci_high": 0.5,
    },
    {
        "candidate": "logistic_regression",
        "roc_auc": 0.80,
        "log_loss": 0.45,
        "latency_ms": 3.0,
        "roc_auc_ci_low": 0.78,
        "roc_auc_ci_high": 0.82,
    },
    {
        "candidate": "gbm",
        "roc_auc": 0.86,
        "log_loss": 0.38,
        "latency_ms": 30.0,
        "roc_auc_ci_low": 0.84,
        "roc_auc_ci_high": 0.88,
    },
    {
        "candidate": "deep",
        "roc_auc": 0.87,
        "log_loss": 0.37,
        "latency_ms": 120.0,
        "roc_auc_ci_low": 0.85,
        "roc_auc_ci_high": 0.89,
    },
]


@pytest.fixture
def table_csv(tmp_path):
    path = tmp_path / "runs.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    return path


@pytest.fixture
def scorecard_json(tmp_path):
    path = tmp_path / "scorecard.json"
    save_scorecard(make_scenario(), path)
    return path


def _json(capsys):
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 1, out  # exactly one JSON object
    return json.loads(lines[0])


def test_rank_json_contract(table_csv, capsys):
    rc = main(
        [
            "rank",
            "--scorecard",
            str(table_csv),
            "--objective",
            "roc_auc:max",
            "--objective",
            "latency_ms:min",
            "--weights",
            "roc_auc=3,latency_ms=1",
            "--bound",
            "latency_ms=200:0",
            "--constraint",
            "latency_ms<=100",
            "--json",
        ]
    )
    assert rc == 0
    data = _json(capsys)
    assert data["method"] == "wsm"
    assert data["objectives"] == [
        {"name": "roc_auc", "direction": "max", "weight": 0.75},
        {"name": "latency_ms", "direction": "min", "weight": 0.25},
    ]
    cands = data["candidates"]
    assert [c["rank"] for c in cands] == sorted(c["rank"] for c in cands) and cands[0]["rank"] == 1
    for c in cands:
        assert set(c) >= {"candidate", "rank", "score", "pareto_optimal", "feasible", "violations"}
        assert isinstance(c["score"], float) and isinstance(c["violations"], list)
    deep = next(c for c in cands if c["candidate"] == "deep")
    assert deep["feasible"] is False and "misses by 20" in deep["violations"][0]
    assert cands[0]["candidate"] == "gbm"


def test_rank_plain_text_equal_weights_says_so(scorecard_json, capsys):
    assert main(["rank", "--scorecard", str(scorecard_json)]) == 0
    captured = capsys.readouterr()
    out, err = captured.out, captured.err
    assert "rank" in out and "candidate" in out and "pareto" in out and "feasible" in out
    # warnings go to stderr, so stdout stays the table (or the JSON) alone
    assert "equal weights" in err and "warning:" not in out
    assert "no fixed bounds" in err and "net_value_per_1k" in err  # the bound fallback is reported


def test_rank_with_a_default_role_resolves_kinds_against_the_scorecard(scorecard_json, capsys):
    assert main(["rank", "--scorecard", str(scorecard_json), "--profile", "ML engineer", "--json"]) == 0
    data = _json(capsys)
    assert data["profile"] == "ml_engineer"
    # @primary_quality -> roc_auc, @calibration -> log_loss; the kinds this table lacks are named
    assert [o["name"] for o in data["objectives"]] == ["roc_auc", "log_loss"]
    assert any("@secondary_quality" in w and "@decay" in w for w in data["warnings"])
    # "@primary_quality >= @reference" without an incumbent: the stated baseline rule
    assert any("baseline rule" in w and "roc_auc >= 0.55" in w for w in data["warnings"])
    base = next(c for c in data["candidates"] if c["candidate"] == "majority_baseline")
    assert base["feasible"] is False and "0.55" in base["violations"][0]
    # with an incumbent the same constraint compares against it
    assert main(["rank", "--scorecard", str(scorecard_json), "--profile", "ml", "--incumbent", "gbm", "--json"]) == 0
    data = _json(capsys)
    assert data["incumbent"] == "gbm"
    lr = next(c for c in data["candidates"] if c["candidate"] == "logistic_regression")
    assert lr["feasible"] is False and "gbm" in lr["violations"][0]
    # a role left with fewer than two measured objectives cannot rank: exit 2, saying why
    assert main(["rank", "--scorecard", str(scorecard_json), "--profile", "Product"]) == 2
    err = capsys.readouterr().err
    assert "cannot rank this scorecard" in err and "at least 2 measured objectives" in err
    assert main(["rank", "--scorecard", str(scorecard_json), "--profile", "ml", "--incumbent", "nobody"]) == 2
    assert "candidates:" in capsys.readouterr().err


@pytest.mark.parametrize(
    "method", ["wsm", "wsm-minmax", "topsis", "topsis-minmax", "vikor", "promethee", "winrate", "dynascore"]
)
def test_rank_every_method(scorecard_json, capsys, method):
    args = ["rank", "--scorecard", str(scorecard_json), "--method", method, "--json"]
    if method == "dynascore":
        args += ["--perf", "roc_auc"]
    assert main(args) == 0
    data = _json(capsys)
    assert data["method"] == method and len(data["candidates"]) == 4


def test_decide_writes_the_record_and_exits_0(scorecard_json, tmp_path, capsys):
    out = tmp_path / "decision.json"
    rc = main(["decide", "--scorecard", str(scorecard_json), "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "Decision (minimax-regret, wsm):" in text and "record written" in text
    record = json.loads(out.read_text())
    assert record["schema"] == "tradeoffs.decision" and record["chosen"] in ("gbm", "logistic_regression")


def test_decide_exits_3_when_nothing_is_feasible_and_still_writes(scorecard_json, tmp_path, capsys):
    prof = tmp_path / "team.yaml"
    prof.write_text("profiles:\n  - name: strict\n    weights: {roc_auc: 1}\n    constraints: ['roc_auc >= 0.99']\n")
    out = tmp_path / "d.json"
    rc = main(
        [
            "decide",
            "--scorecard",
            str(scorecard_json),
            "--profiles",
            str(prof),
            "--rule",
            "utilitarian",
            "--out",
            str(out),
        ]
    )
    assert rc == 3
    assert json.loads(out.read_text())["any_feasible"] is False
    err = capsys.readouterr().err
    assert "no candidate satisfies every profile's hard constraints" in err
    assert "'roc_auc >= 0.99' (strict) fails for" in err  # the exit-3 message names the constraint


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rank", "--scorecard", "{missing}"], "does not exist"),
        (["rank", "--scorecard", "{json}", "--objective", "nope:max"], "unknown objective(s) nope"),
        (["rank", "--scorecard", "{json}", "--weights", "nope=1"], "unknown objective(s) nope"),
        (
            ["rank", "--scorecard", "{json}", "--weights", "roc_auc:1"],
            "--weights part 'roc_auc:1' is not NAME=WEIGHT",
        ),
        (["rank", "--scorecard", "{json}", "--constraint", "roc_auc is high"], "cannot read constraint"),
        (["rank", "--scorecard", "{csv}"], "no direction for column(s) latency_ms"),
        (
            ["rank", "--scorecard", "{csv}", "--weights", "latency_ms=1"],
            "no direction for column(s) latency_ms",
        ),
        (["rank", "--scorecard", "{json}", "--method", "magic"], "unknown scoring method 'magic'"),
        (["rank", "--scorecard", "{json}", "--profiles", "{badprof}", "--profile", "x"], "team.yaml line 3:"),
        (["rank", "--scorecard", "{json}", "--profile", "ceo"], "no single profile matches 'ceo'"),
        (["rank", "--scorecard", "{json}", "--bound", "roc_auc=0.5"], "NAME=WORST:BEST"),
        (["rank", "--scorecard", "{json}", "--objective", "roc_auc"], "NAME:max or NAME:min"),
        (["rank", "--scorecard", "{json}", "--method", "dynascore"], "--perf"),
        (["decide", "--scorecard", "{json}", "--rule", "dictator", "--out", "{out}"], "unknown group rule"),
        (
            ["decide", "--scorecard", "{json}", "--profiles", "{badprof}", "--out", "{out}"],
            "team.yaml line 3:",
        ),
        (["decide", "--scorecard", "{missing}", "--out", "{out}"], "does not exist"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args, message, scorecard_json, table_csv, tmp_path, capsys):
    badprof = tmp_path / "team.yaml"
    badprof.write_text("profiles:\n  - name: x\n    weigths: {roc_auc: 1}\n")
    paths = {
        "missing": str(tmp_path / "nope.json"),
        "json": str(scorecard_json),
        "csv": str(table_csv),
        "badprof": str(badprof),
        "out": str(tmp_path / "d.json"),
    }
    rc = main([a.format(**paths) for a in args])
    assert rc == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "d.json").exists()


def test_decide_on_a_metrics_table_with_directions(table_csv, tmp_path, capsys):
    prof = tmp_path / "team.yaml"
    prof.write_text(
        "profiles:\n"
        "  - name: eng\n    weights: {roc_auc: 2, log_loss: 1}\n"
        "    constraints: ['roc_auc >= majority_baseline + 0.05']\n"
        "  - name: ops\n    weights: {latency_ms: 1, roc_auc: 1}\n    bounds: {latency_ms: [200, 0]}\n"
    )
    out = tmp_path / "d.json"
    rc = main(
        [
            "decide",
            "--scorecard",
            str(table_csv),
            "--profiles",
            str(prof),
            "--objective",
            "latency_ms:min",
            "--out",
            str(out),
        ]
    )
    assert rc == 0, capsys.readouterr().err
    rec = json.loads(out.read_text())
    assert "majority_baseline" not in rec["group"]["considered"]
    assert rec["group"]["rules"][0]["rule"] == "utilitarian"
