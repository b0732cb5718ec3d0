"""The built-in scenario end to end: the trade-offs come from the data and the models."""

from __future__ import annotations

import json

import pytest

from analysis.cli import main
from analysis.scenario import load_card


@pytest.fixture(scope="module")
def scenario_scorecard(tmp_path_factory):
    out = tmp_path_factory.mktemp("scenario") / "scorecard.json"
    code = main(
        ["evaluate", "--card", str(load_card().path), "--out", str(out), "--bootstrap", "100", "--quiet", "--json"]
    )
    assert code == 0
    return out


@pytest.fixture(scope="module")
def scenario(scenario_scorecard):
    return json.loads(scenario_scorecard.read_text())


def _best(card, objective):
    obj = next(o for o in card["objectives"] if o["name"] == objective)
    values = {
        m["candidate"]: m["value"] for m in card["metrics"] if m["objective"] == objective and m["value"] is not None
    }
    pick = max if obj["direction"] == "max" else min
    return pick(values, key=values.get)


def test_every_candidate_of_the_card_is_scored(scenario):
    names = [c["name"] for c in scenario["candidates"]]
    assert names == [m["name"] for m in load_card().models]
    assert all(c["status"] == "ok" for c in scenario["candidates"])


def test_different_candidates_lead_on_different_objectives(scenario):
    leaders = {
        o: _best(scenario, o)
        for o in ("roc_auc", "accuracy", "ad_fee_captured_per_1k", "demographic_parity_difference", "net_value_per_1k")
    }
    assert len(set(leaders.values())) >= 3, leaders
    assert leaders["ad_fee_captured_per_1k"] == "sales_boosted"


def test_windows_show_six_test_months(scenario):
    windows = {w["window"] for w in scenario["windows"]}
    assert windows == {f"2025-{m:02d}" for m in range(7, 13)}


def test_majority_baseline_is_perfectly_fair_and_useless(scenario):
    """The trap the decision engine must handle: a constant model has zero disparity."""
    values = {(m["candidate"], m["objective"]): m["value"] for m in scenario["metrics"]}
    assert values[("majority_baseline", "demographic_parity_difference")] == 0
    assert values[("majority_baseline", "roc_auc")] == 0.5


def test_decide_with_default_profiles(scenario_scorecard, tmp_path, capsys):
    out = tmp_path / "decision.json"
    code = main(["decide", "--scorecard", str(scenario_scorecard), "--out", str(out), "--seed", "1"])
    assert code == 0, capsys.readouterr().err
    decision = json.loads(out.read_text())
    favourites = {p["name"]: p["favourite"] for p in decision["profiles"]}
    assert len(set(favourites.values())) >= 3, favourites
    assert decision["chosen"] != "majority_baseline"
    assert decision["sensitivity"], "the decision record carries its sensitivity analysis"
