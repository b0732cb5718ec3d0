"""The report draws its charts with the dashboard's builders, formatter and finisher (one chart stack).

Checked on the figure records: each report chart carries the title its :mod:`analysis.figures`
builder gives it and the layout ``finish`` applies (its ``meta``), and numbers in charts and
tables print alike.
"""

from __future__ import annotations

import pytest
from _report_helpers import NOW, make_decision, make_scorecard

from analysis.figures import fmt
from analysis.report import FIGURES, build_report, make_report_figures
from analysis.report._figures import REPORT_WIDTH
from analysis.report._format import fmt_number

#: The title each dashboard builder gives its chart (the report keeps the builder's title).
BUILDER_TITLES = {
    "regret": "Regret: what each stakeholder gives up",
    "win-share": "How often the group rule picks each candidate",
    "importance": "Which features each candidate relies on",
    "drift": "Which features moved",
    "serving": "Speed and cost",
    "fairness": "Fairness across groups",
}


@pytest.fixture(scope="module")
def figures():
    sc = make_scorecard()
    return make_report_figures(build_report(sc, make_decision(sc), now=NOW))


def test_every_chart_is_finished_by_the_shared_finisher(figures):
    # every figure but the operating point's curve (this report's choice is not an operating point)
    assert [fid for fid, _, _ in FIGURES if fid != "operating-point"] == list(figures)
    for fid, fig in figures.items():
        meta = fig.layout.meta
        assert isinstance(meta, dict) and meta.get("title"), fid  # set by analysis.figures finish()
        assert fig.layout.paper_bgcolor == "white" and fig.layout.title.xanchor == "left", fid
        assert fig.layout.title.text.startswith(meta["title"].split(" ")[0]), fid


def test_charts_keep_the_builders_titles(figures):
    for fid, title in BUILDER_TITLES.items():
        assert figures[fid].layout.meta["title"] == title
    assert " against " in figures["tradeoff"].layout.meta["title"]
    assert figures["decay"].layout.meta["title"].endswith("over time")


def test_titles_wrap_to_the_report_width(figures):
    for fid, fig in figures.items():
        for line in fig.layout.title.text.replace("<sup>", "").replace("</sup>", "").split("<br>"):
            assert len(line.strip()) * 6.8 <= REPORT_WIDTH, (fid, line)


def test_the_tradeoff_chart_is_svg_for_static_export(figures):
    assert {t.type for t in figures["tradeoff"].data} == {"scatter"}  # no WebGL: kaleido and any browser draw it


@pytest.mark.parametrize("value", [9.0, 0.8, 383.25, 12345.6, 0.000123, -3.98e-18, 1.0, None, float("nan")])
def test_one_number_format_for_charts_and_tables(value):
    assert fmt_number(value) == fmt(value)
    assert fmt(9.0) == "9" and fmt(9.5) == "9.500"
