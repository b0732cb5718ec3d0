"""The decision record: profiles side by side, group rules, provenance and JSON export."""

from __future__ import annotations

import hashlib
import json

import pytest
from _decision_helpers import make_scorecard

from analysis._errors import InputError
from analysis.decision import (
    DECISION_SCHEMA,
    build_decision,
    compute_profile_result,
    decision_to_dict,
    decision_to_json,
    default_profiles,
    make_profile,
    table_from_scorecard,
)
from analysis.objectives import Objective
from analysis.scorecard import scorecard_to_json

NOW = "2025-01-01T00:00:00+00:00"


def test_profile_result_warns_about_missing_objectives_and_ranks_on_the_rest(scenario):
    table = table_from_scorecard(scenario)
    p = make_profile("product", {"latency_ms_p99": 3, "roc_auc": 1}, constraints=["latency_ms_p99 <= 50"])
    r = compute_profile_result(table, p)
    assert r.missing_objectives == ("latency_ms_p99",) and r.objectives == ("roc_auc",)
    assert any("lacks" in w and "latency_ms_p99" in w for w in r.warnings)
    assert all(r.feasibility.feasible)  # unverifiable constraint removes nobody ...
    assert r.feasibility.unverifiable("gbm")  # ... but is reported
    assert r.favourite == "deep"
    nothing = compute_profile_result(table, make_profile("infra", {"cost_usd_per_million": 1}))
    assert nothing.score is None and nothing.favourite is None
    assert any("cannot rank" in w for w in nothing.warnings)


def test_constant_baseline_on_the_front_cannot_win_with_a_baseline_constraint(scenario):
    table = table_from_scorecard(scenario)
    fair = make_profile("fair", {"demographic_parity_difference": 1, "roc_auc": 0.2})
    r = compute_profile_result(table, fair)
    assert r.pareto.is_optimal[r.pareto.candidates.index("majority_baseline")]
    assert r.favourite == "majority_baseline"  # the trap: parity 0 wins
    guarded = make_profile("fair", fair.weight_map, constraints=["roc_auc >= majority_baseline + 0.05"])
    r2 = compute_profile_result(table, guarded)
    assert r2.favourite == "logistic_regression"
    assert "misses by 0.05" in r2.feasibility.violations("majority_baseline")[0]


def test_build_decision_with_default_roles(scenario):
    d = build_decision(scenario, random_state=0, n_samples=60, group_samples=30, now=NOW)
    assert d.any_feasible
    # the constant baseline fails the stated baseline rule (roc_auc >= 0.55); the rest are compared
    assert d.group.candidates == ("logistic_regression", "gbm", "deep")
    assert d.considered == d.group.candidates
    assert [c for c, _ in d.excluded] == ["majority_baseline"]
    assert "roc_auc = 0.5, must be >= 0.55" in dict(d.excluded)["majority_baseline"]
    assert d.chosen in d.group.candidates and d.rule == "minimax-regret"
    assert len(d.profiles) == 6
    # no serving or explanation figures here: the roles that live on them say they cannot take part
    infra = d.profile_result("infrastructure")
    assert infra.score is None and "Infrastructure weighs @cost" in infra.profile.cannot_take_part
    assert {r.profile.name for r in d.taking_part} == {"ml_engineer", "sales", "manager", "risk_compliance"}
    for r in d.taking_part:
        assert len(r.objectives) >= 2, r.profile.name
    data = decision_to_dict(d)
    prof = {p["name"]: p for p in data["profiles"]}
    assert prof["product"]["takes_part"] is False and prof["product"]["cannot_take_part_reason"]
    assert prof["risk_compliance"]["resolution"]["@worst_group"] == ["worst_group_accuracy"]
    assert data["group"]["excluded"][0]["candidate"] == "majority_baseline"
    assert {r.rule for r in d.group.rules} == {
        "utilitarian",
        "borda",
        "copeland",
        "minimax-regret",
        "maximin",
    }
    assert d.sensitivity.n_samples == 30 and sum(s for _, s in d.sensitivity.win_share) == pytest.approx(1.0)
    prov = dict(d.provenance)
    assert prov["scorecard_sha256"] == hashlib.sha256(scorecard_to_json(scenario).encode()).hexdigest()
    assert prov["decided_at"] == NOW
    # deterministic for a seed
    d2 = build_decision(scenario, random_state=0, n_samples=60, group_samples=30, now=NOW)
    assert decision_to_json(d) == decision_to_json(d2)


def test_build_decision_with_the_scenario_profiles(scenario):
    from pathlib import Path

    from analysis.decision import load_profiles

    profiles = load_profiles(Path(__file__).resolve().parents[2] / "sample_data" / "profiles.yaml")
    d = build_decision(scenario, profiles, random_state=0, n_samples=60, group_samples=30, now=NOW)
    assert d.any_feasible
    assert d.group.candidates == ("logistic_regression", "gbm")  # deep fails Risk, baseline fails ML/Product
    assert d.profile_result("infrastructure").missing_objectives


def test_incumbent_reference_and_what_changes_if_we_switch(scenario):
    d = build_decision(scenario, incumbent="logistic_regression", random_state=0, n_samples=0, group_samples=0)
    ml = d.profile_result("ml_engineer").profile
    assert [str(c) for c in ml.constraints] == ["roc_auc >= logistic_regression"]
    assert any("against the incumbent logistic_regression (0.8)" in n for n in ml.notes)
    assert d.incumbent == "logistic_regression"
    if d.chosen != d.incumbent:
        rows = {r.objective: r for r in d.switch}
        assert rows["roc_auc"].incumbent == 0.80 and rows["roc_auc"].change == pytest.approx(
            rows["roc_auc"].chosen - 0.80
        )
        assert rows["roc_auc"].better is True and rows["roc_auc"].clear is None  # no intervals here
    with pytest.raises(InputError, match="not a candidate"):
        build_decision(scenario, incumbent="nobody", n_samples=0, group_samples=0)


def test_a_candidate_without_some_figures_is_scored_on_what_it_has_when_the_role_allows(scenario):
    from dataclasses import replace

    import numpy as np

    t = table_from_scorecard(scenario)
    values = np.array(t.values)
    values[t.row("gbm"), t.column("log_loss")] = np.nan  # e.g. a prediction file without probabilities
    t2 = replace(t, values=values)
    d = build_decision(t2, random_state=0, n_samples=0, group_samples=0)
    ml = d.profile_result("ml_engineer")  # missing: rescale (roc_auc carries 2/3 of its weight here)
    assert "gbm" not in ml.score.unscored and dict(ml.score.partial)["gbm"] == ("log_loss",)
    assert "gbm" in d.considered
    strict = make_profile("strict", {"roc_auc": 1, "log_loss": 1}, missing="exclude")
    d2 = build_decision(t2, [strict], random_state=0, n_samples=0, group_samples=0)
    assert "gbm" not in d2.considered
    assert dict(d2.excluded)["gbm"] == "not scored by strict (no log_loss)"


def test_decision_json_shape(scenario):
    d = build_decision(scenario, random_state=1, n_samples=20, group_samples=10, now=NOW)
    data = json.loads(decision_to_json(d))
    assert data["schema"] == DECISION_SCHEMA and data["schema_version"] == 1
    assert data["chosen"] == d.chosen
    assert set(data["group"]["regret"]) == set(d.group.profiles)
    prof = data["profiles"][0]
    assert {
        "name",
        "role",
        "rationale",
        "weights",
        "constraints",
        "favourite",
        "score",
        "sensitivity",
    } <= set(prof)
    row = prof["score"]["candidates"][0]
    assert {"candidate", "rank", "score", "feasible", "violations", "contributions"} <= set(row)
    assert "weight_intervals" in prof["sensitivity"] and "rank_acceptability" in prof["sensitivity"]
    assert decision_to_dict(d) == data


def test_no_group_feasible_candidate_considers_all_and_says_so(scenario):
    ps = [
        make_profile("a", {"roc_auc": 1}, constraints=["roc_auc >= 0.99"]),
        make_profile("b", {"log_loss": 1}),
    ]
    d = build_decision(scenario, ps, n_samples=0, group_samples=0, random_state=0)
    assert not d.any_feasible
    assert d.group.basis.startswith("all")
    assert any("no candidate satisfies" in w for w in d.warnings)


def test_minmax_decision_reports_leave_one_out_changes():
    sc = make_scorecard(
        {
            "A": dict(roc_auc=0.86, worst_group_accuracy=0.78),
            "B": dict(roc_auc=0.86, worst_group_accuracy=0.69),
            "C": dict(roc_auc=0.88, worst_group_accuracy=0.73),
            "D": dict(roc_auc=0.75, worst_group_accuracy=0.65),
        }
    )
    p = [make_profile("one", {"roc_auc": 1, "worst_group_accuracy": 1})]
    d = build_decision(sc, p, method="wsm-minmax", rule="utilitarian", n_samples=0, group_samples=0)
    assert d.chosen == "A"
    assert ("D", "C") in d.sensitivity.leave_one_out.changes
    d2 = build_decision(sc, p, rule="utilitarian", n_samples=0, group_samples=0)
    assert d2.sensitivity.leave_one_out.changes == () and d2.sensitivity.leave_one_out.pool_independent


def test_direction_override_and_bad_inputs(scenario):
    flipped = Objective("net_value_per_1k", "net", direction="min")
    p = [make_profile("m", {"net_value_per_1k": 1})]
    d = build_decision(scenario, p, objectives=[flipped], n_samples=0, group_samples=0)
    assert d.chosen == "majority_baseline"
    with pytest.raises(InputError, match="unknown objective"):
        build_decision(scenario, p, objectives=[Objective("nope", "nope")])
    with pytest.raises(InputError, match="unknown group rule"):
        build_decision(scenario, p, rule="dictator")
    with pytest.raises(InputError, match="lacks"):
        build_decision(scenario, p, bounds={"latency_ms_p99": (100, 1)})


def test_default_profiles_are_a_tuple_of_frozen_records():
    ps = default_profiles()
    with pytest.raises(AttributeError):
        ps[0].name = "x"  # type: ignore[misc]


def test_a_prediction_file_left_out_for_missing_serving_figures_is_told_how_to_give_them():
    from dataclasses import replace

    from analysis.scorecard import FrozenDict

    sc = make_scorecard(
        {
            "model": dict(roc_auc=0.80, precision=0.6, latency_ms_p99=5.0, latency_ms_p50=2.0),
            "today": dict(roc_auc=0.78, precision=0.7),
        }
    )
    sc = replace(
        sc,
        candidates=tuple(
            replace(c, source=FrozenDict({"kind": "predictions"})) if c.name == "today" else c for c in sc.candidates
        ),
    )
    d = build_decision(sc, incumbent="today", n_samples=0, group_samples=0)
    why = dict(d.excluded)["today"]
    assert "not scored by Product (no latency_ms_p99, latency_ms_p50)" in why
    assert "--serving-metadata today=FILE" in why
    assert d.considered == ("model",)
    assert any("the incumbent today is not among the candidates compared" in w for w in d.warnings)
