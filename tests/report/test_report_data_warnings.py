"""Where the data cannot support its figures, the report says so (issue 13: one group, tiny groups, ...)."""

from __future__ import annotations

from dataclasses import replace

from _report_helpers import NOW, make_scorecard

from analysis.report import build_report, report_to_html, report_to_markdown
from analysis.scorecard import FrozenDict

WARNING = (
    "sensitive attribute 'region <b>' has one group ('north', all 812 rows): its disparities are 0 by "
    "construction, not evidence of fairness."
)


def _with_data_warnings(warnings):
    sc = make_scorecard()
    return replace(sc, dataset=FrozenDict({**sc.dataset, "warnings": list(warnings)}))


def test_the_evaluations_data_warnings_reach_the_reports_warnings_in_every_format():
    report = build_report(_with_data_warnings([WARNING]), now=NOW)
    assert f"the evaluation data: {WARNING}" in report.warnings
    assert "region <b>" in report_to_markdown(report) or "region \\<b\\>" in report_to_markdown(report)
    html = report_to_html(report)
    assert "region &lt;b&gt;" in html and "region <b>" not in html


def test_no_data_warnings_adds_nothing():
    plain = build_report(make_scorecard(), now=NOW)
    assert not any(w.startswith("the evaluation data:") for w in plain.warnings)
