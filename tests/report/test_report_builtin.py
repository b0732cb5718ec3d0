"""The built-in scenario's HTML report: one copy of plotly.js, little else, size independent of data rows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from _report_helpers import NOW, make_decision, make_scorecard

from analysis.report import build_report, report_to_html
from analysis.scorecard import FrozenDict, load_scorecard

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def builtin_html():
    sc = load_scorecard(ROOT / "sample_data" / "scorecard.json")
    decision = make_decision(sc, n_samples=60, group_samples=20)
    return report_to_html(build_report(sc, decision, now=NOW))


def test_builtin_html_is_plotly_inlined_once_and_under_300_kb_of_its_own(builtin_html):
    from plotly.offline import get_plotlyjs

    # plotly.js alone is 4.8 MB (plotly 7.1); the report's own text, tables and the figures' data are
    # what this project controls: about 190 kB for the scenario's 12 candidates.
    own = len(builtin_html.encode("utf-8")) - len(get_plotlyjs().encode("utf-8"))
    assert own < 300_000, own
    assert builtin_html.count(get_plotlyjs()[:300]) == 1
    assert builtin_html.count('class="fig-data"') == 9


def test_html_size_does_not_grow_with_data_rows():
    sc = make_scorecard()
    decision = make_decision(sc)
    big = replace(
        sc,
        dataset=FrozenDict({**dict(sc.dataset), "rows": 50_000_000}),
        slices=tuple(FrozenDict({**dict(s), "n": s["n"] * 10_000}) for s in sc.slices),
    )
    small_html = report_to_html(build_report(sc, decision, now=NOW))
    big_html = report_to_html(build_report(big, decision, now=NOW))
    # Only the printed counts get longer (a few digits each), never by the number of rows.
    assert abs(len(big_html) - len(small_html)) < 500
