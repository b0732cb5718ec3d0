"""Hostile names and texts stay text in HTML, print HTML, Markdown, CSV and the charts' JSON."""

from __future__ import annotations

import json
import re

import pytest
from _report_helpers import NOW, ROWS, make_decision, make_scorecard

from analysis.report import (
    build_report,
    csv_cell,
    figure_json,
    make_report_figures,
    md_text,
    report_tables_to_csv,
    report_to_html,
    report_to_markdown,
    report_to_print_html,
    rows_to_csv,
)

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = "</script><img src=x onerror=alert(2)>"
FORMULA = '=HYPERLINK("http://x","y")'
PIPE = "a|b*c*_d_"
HOSTILE = (SCRIPT, BREAKOUT, FORMULA, PIPE)


@pytest.fixture(scope="module")
def hostile_report():
    names = dict(zip(ROWS, HOSTILE, strict=True))
    rows = {names[k]: v for k, v in ROWS.items()}
    sc = make_scorecard(rows)
    decision = make_decision(sc)
    return build_report(
        sc,
        decision,
        now=NOW,
        rationale=f"we chose {SCRIPT} because {FORMULA}",
        signoffs=[{"role": f"<b>{FORMULA}</b>", "name": SCRIPT, "at": NOW, "comment": BREAKOUT}],
    )


def test_hostile_strings_never_reach_html_as_markup(hostile_report):
    html = report_to_html(hostile_report)
    for s in (SCRIPT, BREAKOUT, "<b>="):
        assert s not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Only our own script elements exist: the template, one per chart, plotly.js and the loader.
    n_figures = len(make_report_figures(hostile_report))
    assert len(re.findall(r"<script\b", html)) == n_figures + 3
    assert "<img src=x" not in html


def test_chart_json_cannot_close_its_script_element(hostile_report):
    for fig in make_report_figures(hostile_report).values():
        text = figure_json(fig)
        assert "<" not in text and ">" not in text
        spec = json.loads(text)  # still valid JSON
        assert "layout" in spec
    html = report_to_html(hostile_report)
    blobs = re.findall(r'<script type="application/json" class="fig-data"[^>]*>(.*?)</script>', html, re.S)
    assert blobs and all("</" not in b for b in blobs)
    # Names inside the charts are shown literally by plotly (entities, not tags).
    assert any("&lt;script&gt;" in json.dumps(json.loads(b)) for b in blobs)


def test_print_html_escapes_and_has_no_scripts(hostile_report):
    html = report_to_print_html(hostile_report, {})
    assert SCRIPT not in html and BREAKOUT not in html
    assert "<script" not in html


def test_markdown_escapes_and_keeps_tables_intact(hostile_report):
    md = report_to_markdown(hostile_report)
    assert SCRIPT not in md
    prose = re.sub(r"`[^`]*`", "", md)  # code spans show their text literally
    assert re.findall(r"(?<!\\)<(?!br>)", prose) == []  # every other "<" is escaped, but our own line breaks
    assert "\\<script\\>alert(1)\\</script\\>" in md
    assert "a\\|b\\*c\\*\\_d\\_" in md
    for block in md.split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln.startswith("| ")]
        if len(lines) >= 2:
            widths = {len(re.findall(r"(?<!\\)\|", ln)) for ln in lines}
            assert len(widths) == 1, block


def test_csv_neutralises_formulas(hostile_report):
    tables = report_tables_to_csv(hostile_report)
    text = tables["metrics.csv"] + tables["candidates.csv"]
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert "'=HYPERLINK" in text
    assert rows_to_csv([{"=a": "+b", "n": -1.5}]) == "'=a,n\n'+b,-1.5\n"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cell_prefixes_formula_starts(value):
    assert csv_cell(value) == "'" + value


def test_markdown_escaper_neutralises_links_and_html():
    assert md_text("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert md_text("![img](http://x)") == "!\\[img\\](http://x)"
    assert md_text("line1\nline2") == "line1 line2"
