"""`tradeoffs evaluate --operating-points`: derived candidates at the thresholds rules pick (issue 14, first part).

On the built-in scenario (real models, its value matrix): the value-maximising operating point of the
gradient-boosted model beats its default threshold on net value outside the bootstrap noise, every
derived candidate records its parent, rule, thresholds and split, and `rank`/`decide` take the enlarged
pool. Bad rules exit 2 with one line and write nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _cli_helpers import assert_bad

from analysis.cli import main

ROOT = Path(__file__).resolve().parents[2]
CARD = ROOT / "sample_data" / "card.yaml"


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    out = tmp_path_factory.mktemp("op") / "scorecard.json"
    code = main(
        [
            "evaluate",
            "--card",
            str(CARD),
            "--no-serving",
            "--no-explain",
            "--bootstrap",
            "100",
            "--quiet",
            "--operating-points",
            "value,recall>=0.8,dp",
            "--out",
            str(out),
        ]  # fmt: skip
    )
    assert code == 0
    return out, json.loads(out.read_text(encoding="utf-8"))


def _metric(sc: dict, candidate: str, objective: str) -> dict:
    (m,) = [m for m in sc["metrics"] if m["candidate"] == candidate and m["objective"] == objective]
    return m


def test_the_value_operating_point_beats_the_default_threshold_outside_the_noise(scored):
    _, sc = scored
    derived = {c["name"]: c for c in sc["candidates"] if c["source"].get("kind") == "operating_point"}
    (name,) = [n for n, c in derived.items() if c["source"]["parent"] == "hist_gradient_boosting" and "value" in n]
    assert name.startswith("hist_gradient_boosting @ ") and name.endswith("(max net value)")
    mine, parent = _metric(sc, name, "net_value_per_1k"), _metric(sc, "hist_gradient_boosting", "net_value_per_1k")
    assert mine["ci_low"] > parent["ci_high"]  # the intervals do not even overlap
    source = derived[name]["source"]
    assert source["rule"] == "value" and len(source["fold_thresholds"]) == 2 and 0 < source["threshold"] < 1
    assert source["split"] == {"method": "cross-fit", "folds": 2, "seed": 0, "rows": sc["dataset"]["rows"]}
    assert any("inherited" in note for note in derived[name]["notes"])
    # threshold-free figures are the parent's; the recall rule's cross-fitted recall is near its target
    assert _metric(sc, name, "roc_auc")["value"] == _metric(sc, "hist_gradient_boosting", "roc_auc")["value"]
    (recall_name,) = [n for n in derived if n.startswith("hist_gradient_boosting @ ") and "recall" in n]
    assert _metric(sc, recall_name, "recall")["value"] == pytest.approx(0.8, abs=0.03)
    parents = {c["source"]["parent"] for c in derived.values()}
    assert len(derived) == 3 * len(parents) and len(parents) >= 9


def test_the_parity_operating_point_lowers_the_disparity_outside_the_noise(scored):
    _, sc = scored
    name = "hist_gradient_boosting (demographic parity on income_band)"
    (source,) = [c["source"] for c in sc["candidates"] if c["name"] == name]
    assert source["attribute"] == "income_band" and source["threshold"] is None
    assert set(source["by_group"]["groups"]) == {"high", "low", "middle"}
    objective = "demographic_parity_difference[income_band]"
    mine, parent = _metric(sc, name, objective), _metric(sc, "hist_gradient_boosting", objective)
    assert mine["ci_high"] < parent["ci_low"]


def test_each_scored_candidate_stores_its_threshold_curve_and_the_report_draws_it(scored, tmp_path, capsys):
    from analysis.evaluation._thresholds import counts_from_section, threshold_rates
    from analysis.report import build_report, make_report_figures
    from analysis.scorecard import load_scorecard

    path, sc = scored
    curves = sc["sections"]["curves"]
    stored = curves["hist_gradient_boosting"]["thresholds"]
    assert stored["n"] == sc["dataset"]["rows"] and stored["pred_pos"][0] == stored["n"]  # lowest: every row
    assert set(stored["by_attribute"]) == {"income_band", "age_band"}
    by_group = counts_from_section(stored, "income_band")
    np.testing.assert_array_equal(by_group.tp.sum(axis=0), stored["tp"])  # the groups add up to all rows
    rates = threshold_rates(counts_from_section(stored))
    assert np.nanmax(rates["recall"]) == 1.0 and len(stored["value"]) == len(stored["thresholds"])
    assert not [n for n, c in curves.items() if " @ " in n and "thresholds" in c]  # derived ones have the parent's
    name = next(c["name"] for c in sc["candidates"] if c["source"].get("rule") == "value")
    record = tmp_path / "decision.json"
    assert run(["decide", "--scorecard", path, "--out", record], capsys)[0] in (0, 3)
    decision = json.loads(record.read_text(encoding="utf-8"))
    report = build_report(load_scorecard(path), decision, now="2026-12-03T00:00:00+00:00", selected=name)
    curve = report.choice["operating_point"]["curve"]
    assert len(curve["recall"]) == len(stored["thresholds"]) and curve["value_per_1k"] is not None
    assert "operating-point" in make_report_figures(report)


def test_rank_and_decide_take_the_operating_points_as_candidates(scored, tmp_path, capsys):
    path, sc = scored
    code, out, err = run(["rank", "--scorecard", path, "--json"], capsys)
    assert code == 0, err
    ranked = {r["candidate"] for r in json.loads(out)["candidates"]}
    assert ranked == {c["name"] for c in sc["candidates"]}
    record = tmp_path / "decision.json"
    code, out, err = run(["decide", "--scorecard", path, "--out", record], capsys)
    assert code in (0, 3), err
    decision = json.loads(record.read_text(encoding="utf-8"))
    assert decision["chosen"] in ranked
    sources = {c["name"]: c["source"] for c in sc["candidates"]}
    chosen_source = sources[decision["chosen"]]
    if chosen_source.get("kind") == "operating_point":  # the record says what to deploy
        assert decision["deploy"]["threshold"] == chosen_source["threshold"]
        assert decision["deploy"]["parent"] == chosen_source["parent"]
    else:
        assert decision["deploy"] is None


def test_the_report_says_which_threshold_to_deploy(scored, tmp_path, capsys):
    from analysis.report import build_report, report_to_markdown
    from analysis.scorecard import load_scorecard

    path, sc = scored
    record = tmp_path / "decision.json"
    assert run(["decide", "--scorecard", path, "--out", record], capsys)[0] in (0, 3)
    decision = json.loads(record.read_text(encoding="utf-8"))
    name, source = next((c["name"], c["source"]) for c in sc["candidates"] if c["source"].get("rule") == "recall>=0.8")
    # the team picks an operating point (in the dashboard's Decision page: a selection other than the rule's)
    report = build_report(load_scorecard(path), decision, now="2026-12-03T00:00:00+00:00", selected=name)
    assert report.choice["operating_point"]["threshold"] == pytest.approx(source["threshold"], abs=1e-6)  # 6 digits
    text = report_to_markdown(report)
    assert f"**Deploy at:** threshold {source['threshold']:.6g} on {source['parent']}'s" in text
    assert "2-fold cross-fitting" in text
    group = "hist_gradient_boosting (demographic parity on income_band)"
    grouped = build_report(load_scorecard(path), decision, now="2026-12-03T00:00:00+00:00", selected=group)
    line = next(x for x in report_to_markdown(grouped).splitlines() if "Deploy at" in x)
    assert "thresholds per group of income_band" in line and "high: " in line and "low: " in line
    plain = next(c["name"] for c in sc["candidates"] if c["source"].get("kind") != "operating_point")
    other = build_report(load_scorecard(path), decision, now="2026-12-03T00:00:00+00:00", selected=plain)
    assert other.choice["operating_point"] is None and "Deploy at" not in report_to_markdown(other)


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [("f1>=0.3", "cannot read 'f1>=0.3'"), ("recall>=2", "between 0 and 1"), ("dp:nosuch", "no column 'nosuch'")],
)
def test_a_bad_rule_is_one_line(rules, fragment, tmp_path, capsys):
    out = tmp_path / "sc.json"
    code, _, err = run(
        ["evaluate", "--card", CARD, "--no-serving", "--no-explain", "--operating-points", rules, "--out", out],
        capsys,
    )
    assert_bad(code, err, out, "--operating-points", fragment)


@pytest.mark.parametrize(
    ("rules", "fragments"), [("eodds", ("--sensitive COLUMN", "dp:COLUMN")), ("value", ("--value-matrix",))]
)
def test_what_a_rule_needs_from_the_data_is_named(rules, fragments, binary_frame, fitted_models, tmp_path, capsys):
    """eodds without a sensitive attribute; value without a value matrix (the data has neither)."""
    data = tmp_path / "data.csv"
    binary_frame.to_csv(data, index=False)
    out = tmp_path / "sc.json"
    argv = [
        "evaluate", "--data", data, "--target", "label", "--model", fitted_models["logreg"], "--bootstrap", "0",
        "--no-serving", "--quiet", "--operating-points", rules, "--out", out,
    ]  # fmt: skip
    code, _, err = run(argv, capsys)
    assert_bad(code, err, out, *fragments)


def _card_copy(tmp_path, **extra) -> Path:
    """The built-in card with absolute paths, two models and ``extra`` keys."""
    import yaml

    raw = yaml.safe_load(CARD.read_text(encoding="utf-8"))
    folder = CARD.parent
    raw["test_file"] = str(folder / raw["test_file"])
    raw["train_file"] = str(folder / raw["train_file"])
    raw["profiles"] = str(folder / raw["profiles"])
    raw["models"] = [dict(m, file=str(folder / m["file"])) for m in raw["models"][:2]]
    raw.update(extra)
    path = tmp_path / "card.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_a_dataset_card_may_name_the_operating_points(tmp_path, capsys):
    card = _card_copy(tmp_path, operating_points=["value", "eo:age_band"])
    out = tmp_path / "sc.json"
    argv = ["evaluate", "--card", card, "--no-serving", "--no-explain", "--bootstrap", "0", "--quiet", "--out", out]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    rules = {c["source"].get("rule") for c in json.loads(out.read_text(encoding="utf-8"))["candidates"]}
    assert rules == {None, "value", "eo:age_band"}
    bad = _card_copy(tmp_path, operating_points=5)
    code, _, err = run(["evaluate", "--card", bad, "--out", tmp_path / "bad.json"], capsys)
    assert_bad(code, err, tmp_path / "bad.json", "operating_points must be rules")
