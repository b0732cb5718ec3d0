"""Bars of every sign keep a readable label: checked on the figure record, never on pixels.

A label is readable when every bar has its text, the text sits outside the bar's end
(``textposition="outside"``), plotly does not clip it at the plot area (``cliponaxis=False``) and
the value axis leaves room beyond the longest bar on each side that has bars.
"""

from __future__ import annotations

import pytest
from _report_helpers import NOW, make_decision, make_scorecard

from analysis.decision import score_table, table_from_scorecard
from analysis.figures import make_ranking_figure, make_win_share_figure
from analysis.figures._decision import bar_label_range
from analysis.report import (
    build_report,
    make_report_drift_figure,
    make_report_serving_figure,
    make_report_win_share_figure,
)


def _check_bars(bar, axis_range, *, log: bool = False) -> None:
    values = [float(v) for v in bar.x]
    assert bar.orientation == "h"
    assert len(bar.text) == len(values) and all(t for t in bar.text)
    assert bar.textposition == "outside"
    assert bar.cliponaxis is False
    lo, hi = axis_range
    if log:
        import math

        values = [math.log10(v) for v in values]
    # room beyond the longest bar on each side that has bars
    if min(values) < 0:
        assert lo < min(values)
    if max(values) > 0:
        assert hi > max(values)


@pytest.fixture(scope="module")
def mixed_score():
    """Scores of both signs (PROMETHEE net flows)."""
    table = table_from_scorecard(make_scorecard())
    cols = ["roc_auc", "net_value_per_1k", "cost_usd_per_million"]
    score = score_table(table.select(cols), dict.fromkeys(cols, 1.0), method="promethee")
    assert min(score.scores) < 0 < max(score.scores)
    return score


def test_ranking_figure_labels_negative_and_positive_bars(mixed_score):
    fig = make_ranking_figure(mixed_score)
    bar = fig.data[0]
    _check_bars(bar, fig.layout.xaxis.range)
    by_name = dict(zip(bar.y, bar.text, strict=True))
    for c, v in zip(mixed_score.candidates, mixed_score.scores, strict=True):
        assert by_name[c] == f"{v:.3f}"


def test_ranking_figure_all_negative_scores(mixed_score):
    from dataclasses import replace

    negative = replace(mixed_score, scores=tuple(-abs(s) - 0.1 for s in mixed_score.scores))
    fig = make_ranking_figure(negative)
    _check_bars(fig.data[0], fig.layout.xaxis.range)
    assert fig.layout.xaxis.range[1] == 0  # the axis ends at 0: no empty room on the right


def test_bar_label_range_pads_the_side_with_bars():
    assert bar_label_range([-0.5, 1.0]) == [-0.8, 1.3]
    assert bar_label_range([0.2, 0.4]) == [0.0, 0.48]
    assert bar_label_range([-2.0, -1.0]) == [-2.4, 0.0]
    assert bar_label_range([]) is None


def test_win_share_figure_labels_fit():
    fig = make_win_share_figure([("a", 1.0), ("b", 0.0)])
    bar = fig.data[0]
    assert list(bar.text) == ["100%", "0%"]
    assert bar.textposition == "outside" and bar.cliponaxis is False
    assert fig.layout.xaxis.range[1] > 1.0


@pytest.fixture(scope="module")
def report():
    sc = make_scorecard()
    return build_report(sc, make_decision(sc), now=NOW)


def test_report_bar_charts_keep_every_label(report):
    win = make_report_win_share_figure(report)
    _check_bars(win.data[0], win.layout.xaxis.range)
    drift = make_report_drift_figure(report)
    _check_bars(drift.data[0], drift.layout.xaxis.range)
    serving = make_report_serving_figure(report)
    cost = next(t for t in serving.data if t.type == "bar")
    _check_bars(cost, serving.layout.xaxis2.range, log=True)
