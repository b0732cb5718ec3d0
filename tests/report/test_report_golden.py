"""Golden files: the same inputs and timestamp give byte-identical Markdown and JSON.

To regenerate after an intended change: ``python tests/report/_report_helpers.py``, then review the diff.
"""

from __future__ import annotations

from _report_helpers import GOLDEN, NOW, golden_decision, golden_report, make_decision, make_scorecard

from analysis.report import build_report, report_to_json, report_to_markdown


def test_markdown_matches_golden():
    expected = (GOLDEN / "report.md").read_text(encoding="utf-8")
    assert report_to_markdown(golden_report()) == expected


def test_json_matches_golden():
    expected = (GOLDEN / "report.json").read_text(encoding="utf-8")
    assert report_to_json(golden_report()) == expected


def test_same_inputs_give_the_same_bytes():
    a, b = golden_report(), golden_report()
    assert a == b
    assert report_to_markdown(a) == report_to_markdown(b)
    assert report_to_json(a) == report_to_json(b)


def test_golden_decision_still_matches_the_engine():
    # The goldens are built from a stored decision; the engine must still agree on its substance.
    stored = golden_decision()
    fresh = make_decision()
    assert fresh.chosen == stored["chosen"]
    assert list(fresh.runners_up) == stored["runners_up"]


def test_decision_object_and_its_json_give_the_same_report():
    sc = make_scorecard()
    d = make_decision(sc)
    from analysis.decision import decision_to_dict

    assert build_report(sc, d, now=NOW) == build_report(sc, decision_to_dict(d), now=NOW)
