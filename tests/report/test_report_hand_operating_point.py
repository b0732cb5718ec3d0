"""A point set by hand on the Operating points page, decided and reported like any candidate (issue 14, items 4-5)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.decision._decide import _deploy
from analysis.operating_points import OperatingPoint, load_curves, with_operating_points
from analysis.report import build_report, make_report_figures, record_schema, report_to_json, report_to_markdown
from analysis.report._json import validate_schema
from analysis.scorecard import load_scorecard, save_scorecard

FIXTURE = Path(__file__).resolve().parents[1] / "app" / "data" / "builtin_scorecard.json"


@pytest.fixture(scope="module")
def enlarged(tmp_path_factory):
    sc = load_scorecard(FIXTURE)
    curve = load_curves(sc)["hist_gradient_boosting"]
    t = float(curve.thresholds[120])
    groups = curve.by_attribute["income_band"].groups
    points = [
        OperatingPoint("hist_gradient_boosting", t),
        OperatingPoint(
            "hist_gradient_boosting",
            attribute="income_band",
            by_group=tuple((g, float(curve.thresholds[100 + 10 * k])) for k, g in enumerate(groups)),
        ),
    ]
    big, added, warnings = with_operating_points(sc, points)
    assert warnings == ()
    path = tmp_path_factory.mktemp("hand") / "scorecard.json"
    save_scorecard(big, path)
    return path, added, t


def test_decide_records_what_to_deploy_and_the_report_says_it_was_set_by_hand(enlarged, tmp_path):
    path, added, t = enlarged
    record = tmp_path / "decision.json"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["decide", "--scorecard", str(path), "--out", str(record)])
    assert code in (0, 3)
    decision = json.loads(record.read_text(encoding="utf-8"))
    sc = load_scorecard(path)  # written and read back: the added candidates survive the file
    assert set(added) <= set(sc.candidate_names)
    single, grouped = added
    deploy = dict(_deploy(sc, single))  # what the decision file's "deploy" holds when it is chosen
    assert deploy["parent"] == "hist_gradient_boosting" and deploy["threshold"] == t and deploy["rule"] == "set by hand"
    report = build_report(sc, decision, now="2026-12-03T00:00:00+00:00", selected=single)
    op = report.choice["operating_point"]
    assert op["threshold"] == t and op["rule"] == "set by hand" and op["split"] is None
    assert op["curve"]["thresholds"][120] == pytest.approx(t, rel=1e-6)  # drawn: six digits are plenty
    text = report_to_markdown(report)
    line = next(x for x in text.splitlines() if "Deploy at" in x)
    assert f"threshold {t:.6g} on hist_gradient_boosting's" in line and "set by hand" in line
    assert "cross-fitting" not in line and "without intervals" in line
    assert validate_schema(json.loads(report_to_json(report)), record_schema()) == []
    fig = make_report_figures(report)["operating-point"]
    assert "set by hand" in fig.layout.meta["subtitle"]
    per_group = build_report(sc, decision, now="2026-12-03T00:00:00+00:00", selected=grouped)
    line = next(x for x in report_to_markdown(per_group).splitlines() if "Deploy at" in x)
    assert "thresholds per group of income_band" in line and "high: at or above " in line
    assert validate_schema(json.loads(report_to_json(per_group)), record_schema()) == []
