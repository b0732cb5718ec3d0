"""Fairness page: per-group table with Wilson intervals, small groups flagged, on new and old scorecards."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from _app_helpers import new_app, texts, widget

from analysis.evaluation import EvalSettings, Predictions, evaluate_predictions, prepare_data
from analysis.figures._fairness import (
    group_status,
    group_table_caption,
    make_group_table,
    small_group_note,
    small_group_warning,
)
from analysis.scorecard import save_scorecard

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
EXCLUDED = "excluded (n < 30)"


@pytest.fixture
def new_scorecard(tmp_path, monkeypatch):
    """A scorecard evaluated with the small-group rule: ``band`` has groups of 2, 6, 300 and 392 rows."""
    rng = np.random.default_rng(4)
    sizes = {"tiny": 2, "few": 6, "big": 300, "bigger": 392}
    band = np.repeat(list(sizes), list(sizes.values()))
    n = len(band)
    frame = pd.DataFrame(
        {
            "band": band,
            "sex": rng.choice(["f", "m"], size=n),
            "age": np.where(np.arange(n) < 5, "old", "young"),  # one eligible group only
            "label": rng.integers(0, 2, size=n),
        }
    )
    preds = {
        "even": (rng.random(n) < 0.4).astype(int),
        "skewed": np.where(frame.sex == "f", rng.random(n) < 0.7, rng.random(n) < 0.2).astype(int),
    }
    for p in preds.values():
        p[:2] = 1  # the 2-row group: 2 of 2 selected
    data = prepare_data(frame, source="synthetic", target="label", sensitive=["band", "sex", "age"])
    sc = evaluate_predictions(
        data, [Predictions(k, v) for k, v in preds.items()], now=NOW, settings=EvalSettings(n_bootstrap=50)
    )
    path = save_scorecard(sc, tmp_path / "new.json")
    monkeypatch.setenv("TRADEOFFS_DEFAULT_SCORECARD", str(path))
    return sc


def _group_table(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Group" in d.value.columns)


def test_new_scorecard_shows_rates_with_wilson_intervals_and_flags_small_groups(new_scorecard):
    at = new_app("fairness")
    assert not at.error, [e.value for e in at.error]
    assert any("at least 30 rows" in str(i.value) for i in at.info)  # the rule, stated once
    assert sum("at least 30 rows" in str(i.value) for i in at.info) == 1
    table = _group_table(at)
    # The metric chosen above, with its interval: narrow enough for the page at 1000 px.
    assert table.columns.tolist() == ["Candidate", "Group", "n", "Selection rate", "Status"]
    tiny = table[table["Group"] == "tiny"].iloc[0]
    assert tiny["n"] == 2 and tiny["Status"] == EXCLUDED
    assert tiny["Selection rate"] == "1.000 [0.342, 1.000]"  # Wilson, not the bootstrap's [1, 1]; rates to 3 decimals
    assert (table[table["Group"].isin(["big", "bigger"])]["Status"] == "scored").all()
    page = texts(at)
    assert "Wilson score intervals at 95% confidence" in page
    assert "excluded = fewer than 30 rows" in page and "TPR:" not in page
    widget(at, "selectbox", "Metric").set_value("tpr").run()
    assert _group_table(at).columns.tolist() == ["Candidate", "Group", "n", "TPR", "Status"]
    assert "TPR: share of positives found" in texts(at)
    widget(at, "radio", "Rates in the table").set_value(True).run()
    every = _group_table(at)
    assert {"n", "Status", "Selection rate", "TPR", "FPR", "FNR", "FDR", "Accuracy"} <= set(every.columns)
    assert every[every["Group"] == "tiny"].iloc[0]["Selection rate"] == "1.000"  # no interval
    assert "Rates without their intervals" in texts(at)
    assert "left out of the scored disparities" in page
    assert "band: 2 group(s) with fewer than 30 rows (few, tiny)" in page
    assert "equalized_odds_difference[band]" in page


def test_attribute_without_two_large_groups_has_no_disparity(new_scorecard):
    at = new_app("fairness")
    widget(at, "selectbox", "Sensitive attribute").set_value("age").run()
    assert not at.exception and not at.error
    page = texts(at)
    assert "No disparity for age" in page and "missing (not 0)" in page
    table = _group_table(at)
    assert (table[table["Group"] == "old"]["Status"] == EXCLUDED).all()


@pytest.fixture
def old_scorecard(builtin, tmp_path, monkeypatch):
    """The fixture as a scorecard written before the small-group rule: no excluded_from_scoring,
    no FNR/FDR, per-group bootstrap intervals, no rule in the settings."""
    from dataclasses import replace

    from analysis.scorecard import FrozenDict

    dropped = ("excluded_from_scoring", "ci_method", "fnr", "fdr")
    slices = tuple(FrozenDict({k: v for k, v in row.items() if not k.startswith(dropped)}) for row in builtin.slices)
    settings = FrozenDict(
        {k: v for k, v in builtin.settings.items() if k not in ("small_group_rule", "group_ci_method")}
    )
    path = save_scorecard(replace(builtin, slices=slices, settings=settings), tmp_path / "old.json")
    monkeypatch.setenv("TRADEOFFS_DEFAULT_SCORECARD", str(path))
    return path


def test_old_scorecard_renders_and_says_it_predates_the_rule(old_scorecard):
    at = new_app("fairness")  # no excluded_from_scoring, no FNR/FDR, bootstrap intervals
    assert not at.exception and not at.error
    assert any("predates the rule" in str(i.value) for i in at.info)
    widget(at, "radio", "Rates in the table").set_value(True).run()
    table = _group_table(at)
    assert "FNR" not in table.columns and "TPR" in table.columns
    assert "Status" not in table.columns  # every group large enough: one status, stated in the caption
    assert "every group here counts in the scored disparities" in texts(at)
    assert "bootstrap percentile intervals" in texts(at)


# ---- the builders the page draws from -------------------------------------------------------------
def test_group_table_reads_new_and_old_rows():
    new = pd.DataFrame(
        [
            {
                "candidate": "a",
                "attribute": "band",
                "group": "tiny",
                "n": 2,
                "small": True,
                "excluded_from_scoring": True,
                "tpr": np.nan,
                "tpr_ci_low": np.nan,
                "tpr_ci_high": np.nan,
                "fnr": 0.0,
                "fnr_ci_low": 0.0,
                "fnr_ci_high": 0.5615,
                "ci_method": "wilson",
            },
            {
                "candidate": "a",
                "attribute": "band",
                "group": "big",
                "n": 400,
                "small": False,
                "excluded_from_scoring": False,
                "tpr": 0.5,
                "tpr_ci_low": 0.45,
                "tpr_ci_high": 0.55,
                "fnr": 0.5,
                "fnr_ci_low": 0.45,
                "fnr_ci_high": 0.55,
                "ci_method": "wilson",
            },
        ]
    )
    table = make_group_table(new, settings={"min_group_size": 30})
    assert table["Status"].tolist() == [EXCLUDED, "scored"]
    assert table["TPR"].tolist() == ["missing", "0.500 [0.450, 0.550]"]
    assert table["FNR"].tolist()[0] == "0.000 [0.000, 0.561]"
    one = make_group_table(new, rates=["fnr"], intervals=False)
    assert one.columns.tolist() == ["Candidate", "Group", "n", "FNR", "Status"]
    assert one["FNR"].tolist() == ["0.000", "0.500"]
    assert make_group_table(new, rates=["fdr"]).columns.tolist() == ["Candidate", "Group", "n", "Status"]  # absent
    with pytest.raises(ValueError, match="unknown rate"):
        make_group_table(new, rates=["recall"])
    big = new[new.group == "big"]
    assert "Status" not in make_group_table(big, compact=True).columns  # one status for all: the caption says it
    assert make_group_table(new, compact=True)["Status"].tolist() == [EXCLUDED, "scored"]
    assert "every group here counts" in group_table_caption(big)
    assert "every group here counts" not in group_table_caption(new)
    caption = group_table_caption(new, rates=["tpr"], intervals=False)
    assert "without their intervals" in caption and "TPR:" in caption and "FNR:" not in caption
    assert "excluded = fewer than 30 rows" in caption
    assert "Wilson score intervals at 90% confidence" in group_table_caption(new, {"confidence": 0.9})
    assert "FNR: share of positives missed" in group_table_caption(new)
    assert small_group_warning(new, {"min_group_size": 30}).startswith("1 group(s) of band are smaller than 30 rows")
    assert small_group_warning(new[new.group == "big"], {}) is None

    old = new.drop(columns=["excluded_from_scoring", "ci_method"])
    assert make_group_table(old)["Status"].tolist() == ["small (n < 30), scored", ""]
    assert "bootstrap" in group_table_caption(old)
    assert "still in this scorecard's disparities" in group_table_caption(old)
    assert "do not decide on them alone" in small_group_warning(old, {})


def test_status_of_intersections_and_the_rule_text():
    row = {"small": False, "excluded_from_scoring": True}
    assert group_status(row, min_group_size=30) == "reported only"
    assert small_group_note({"small_group_rule": "The rule."}) == "The rule."
    old = small_group_note({"min_group_size": 50})
    assert "predates" in old and "50 rows" in old
