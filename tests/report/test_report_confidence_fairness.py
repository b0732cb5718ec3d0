"""The interval level the reports state is the scorecard's; the fairness section says how groups count.

Scorecards of both generations: the current one (``min_group_size`` with ``excluded_from_scoring``
flags, Wilson per-group intervals, per-attribute objectives such as
``equalized_odds_difference[group]``) and an older one without any of those fields.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from _report_helpers import NOW, ROWS, make_decision, make_scorecard

from analysis.report import (
    build_report,
    check_record,
    make_report_interval_figure,
    report_to_html,
    report_to_json,
    report_to_markdown,
)
from analysis.report._record import thaw
from analysis.scorecard import FrozenDict


def _with_settings(sc, **changes):
    return replace(sc, settings=FrozenDict(dict(sc.settings) | changes))


def _new_generation():
    """A scorecard as the current `tradeoffs evaluate` writes it (per-attribute objectives, Wilson intervals)."""
    rows = {c: v | {"equalized_odds_difference[group]": v["equalized_odds_difference"]} for c, v in ROWS.items()}
    sc = make_scorecard(rows)
    slices = []
    for s in sc.slices:
        d = dict(s)
        d["excluded_from_scoring"] = bool(d["small"])
        d["ci_method"] = "wilson"
        for k in ("selection_rate", "accuracy"):
            d[f"{k}_ci_low"], d[f"{k}_ci_high"] = d[k] - 0.01, d[k] + 0.01
        slices.append(FrozenDict(d))
    fairness = thaw(sc.sections["fairness"])
    fairness |= {
        "min_group_size": 30,
        "ci_method": "wilson",
        "small_group_rule": "Disparities are scored over groups of at least 30 rows.",
        "excluded_groups": {"group": ["b"]},
        "notes": {"group": ["group: 1 group(s) with fewer than 30 rows (b) are in the slices but left out."]},
    }
    return replace(sc, slices=tuple(slices)).with_section("fairness", fairness)


@pytest.mark.parametrize(("level", "text"), [(0.9, "90%"), (0.975, "97.5%"), (0.95, "95%")])
def test_interval_level_is_the_scorecards(level, text):
    sc = _with_settings(make_scorecard(), confidence=level)
    report = build_report(sc, make_decision(sc), now=NOW)
    md = report_to_markdown(report)
    assert f"Values with a {text} confidence interval in brackets" in md
    fig = make_report_interval_figure(report)
    assert f"the bars are {text} confidence intervals" in fig.layout.meta["subtitle"]  # shown wrapped in the title
    if text != "95%":
        assert "95%" not in md
        assert "95% confidence" not in report_to_html(report).split("<script")[0]
    assert json.loads(report_to_json(report))["question"]["confidence"] == level


def test_unknown_level_is_not_invented():
    sc = make_scorecard()
    settings = {k: v for k, v in sc.settings.items() if k != "confidence"}
    sc = replace(sc, settings=FrozenDict(settings))
    report = build_report(sc, make_decision(sc), now=NOW)
    md = report_to_markdown(report)
    assert "confidence interval (level not recorded)" in md
    assert "95% confidence" not in md


def test_fairness_section_of_a_current_scorecard():
    sc = _new_generation()
    report = build_report(sc, make_decision(sc), now=NOW)
    record = json.loads(report_to_json(report))
    check_record(record)
    f = record["fairness"]
    assert f["ci_method"] == "wilson"
    assert f["attribute_objectives"] == [
        {"objective": "equalized_odds_difference[group]", "base": "equalized_odds_difference", "attribute": "group"}
    ]
    assert f["excluded_groups"] == {"group": ["b"]}
    small = [g for g in f["groups"] if g["group"] == "b"]
    assert small and all(g["excluded_from_scoring"] is True for g in small)
    md = report_to_markdown(report)
    assert "Groups with fewer than 30 rows are shown here but excluded from the scored disparities" in md
    assert "Per-group rates have 95% Wilson score intervals in brackets." in md
    assert "Per-attribute objectives in the scorecard: Equalized odds difference (group)." in md
    assert "20 (too small, not scored)" in md
    assert "left out." in md  # the evaluation's own note


def test_fairness_section_of_an_older_scorecard():
    sc = make_scorecard()  # no excluded_from_scoring, ci_method or per-attribute objectives
    report = build_report(sc, make_decision(sc), now=NOW)
    record = json.loads(report_to_json(report))
    check_record(record)
    f = record["fairness"]
    assert f["ci_method"] is None and f["attribute_objectives"] == [] and f["excluded_groups"] == {}
    assert all(g["excluded_from_scoring"] is None for g in f["groups"])
    md = report_to_markdown(report)
    assert "Wilson" not in md
    assert "excluded from the scored disparities" not in md
    assert "this scorecard does not say whether they were left out of the scored disparities" in md
