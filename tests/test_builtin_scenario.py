"""The built-in scenario end to end: the trade-offs come from the data and the models."""

from __future__ import annotations

import json

import pytest

from analysis.cli import main
from analysis.scenario import load_card

# Evaluates the whole built-in scenario (about 100 s on two cores).
pytestmark = pytest.mark.slow


def _timing_selected(config) -> bool:
    """Whether this run selects the ``timing`` tests (``-m timing``), which read the serving figures."""
    expr = config.getoption("markexpr") or ""
    return "timing" in expr and "not timing" not in expr


@pytest.fixture(scope="module")
def scenario_scorecard(tmp_path_factory, request):
    out = tmp_path_factory.mktemp("scenario") / "scorecard.json"
    # Serving is measured only for the timing tests (about half of this evaluation's time); every other
    # test reads quality, fairness, explanations and the backtest.
    serving = ["--quick"] if _timing_selected(request.config) else ["--no-serving"]
    code = main(
        [
            "evaluate",
            "--card",
            str(load_card().path),
            "--out",
            str(out),
            "--bootstrap",
            "100",
            "--quiet",
            *serving,
            "--explain-rows",
            "200",
            "--explain-budget",
            "120",  # a ceiling, not a cost: on a busy machine naive_bayes keeps enough rows for its proxy flag
            "--backtest",
            "--workers",
            "2",
        ]
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


def _values(card, objective):
    return {m["candidate"]: m["value"] for m in card["metrics"] if m["objective"] == objective}


@pytest.mark.timing  # compares wall-clock latencies and throughputs between candidates
def test_serving_shape(scenario):
    """Batching raises throughput; the ensemble and the forest are the slowest per row."""
    p50 = _values(scenario, "latency_ms_p50")
    assert all(v is not None and v > 0 for v in p50.values())
    slowest = sorted(p50, key=p50.get)[-2:]
    assert set(slowest) == {"stacking_ensemble", "random_forest"}, p50
    for entry in scenario["sections"]["serving"]["candidates"]:
        curve = [pt["rows_per_s"] for pt in entry["throughput"] if pt.get("rows_per_s")]
        if entry["name"] in ("logistic_regression", "stacking_ensemble"):
            assert curve[-1] > 10 * curve[0], entry["name"]


def test_explanations_make_the_proxy_visible(scenario):
    proxy = _values(scenario, "proxy_attribution_share")
    assert max(proxy, key=proxy.get) == "naive_bayes"
    flags = scenario["sections"]["explanations"]["candidates"]["naive_bayes"]["proxies_flagged"]
    assert [(f["feature"], f["sensitive_attribute"]) for f in flags] == [("user_zone", "income_band")]


def test_backtest_decay_grows_with_data_age(scenario):
    rows = [r for r in scenario["sections"]["backtest"]["rows"] if r["candidate"] == "logistic_regression"]
    auc = {r["age_months"]: r["roc_auc"] for r in rows}
    assert auc[6] < auc[1], auc
