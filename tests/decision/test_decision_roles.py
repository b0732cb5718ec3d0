"""Default roles over kinds of objective, resolved against what a scorecard measured."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis._errors import InputError
from analysis.decision import (
    KINDS,
    build_decision,
    default_profiles,
    make_profile,
    resolve_kind,
    resolve_profile,
    resolve_profiles,
    table_from_arrays,
)


def _table(columns: dict[str, tuple[str, list[float]]], names=("a", "b", "c")):
    objs = [(n, d) for n, (d, _) in columns.items()]
    values = np.array([v for _, v in columns.values()], dtype=float).T
    return table_from_arrays(list(names), objs, values)


def test_kinds_resolve_per_task_first_measured_or_all():
    measured = ["roc_auc", "log_loss", "expected_calibration_error", "recall", "latency_ms_p95"]
    assert resolve_kind("@primary_quality", measured, "binary") == ("roc_auc",)
    assert resolve_kind("@calibration", measured, "binary") == ("log_loss", "expected_calibration_error")
    assert resolve_kind("@tail_latency", measured, "binary") == ("latency_ms_p95",)  # p99 absent: next best
    assert resolve_kind("@coverage", measured, "binary") == ("recall",)
    assert resolve_kind("@coverage", measured, "regression") == ()
    assert resolve_kind("@primary_quality", ["rmse", "mae", "r2"], "regression") == ("rmse",)
    assert resolve_kind("@primary_quality", ["accuracy", "balanced_accuracy"], "multiclass") == ("balanced_accuracy",)
    # value: net value when measured (it already nets the captured columns), else every captured column
    assert resolve_kind("@value", ["net_value_per_1k", "fee_captured_per_1k"], "binary") == ("net_value_per_1k",)
    assert resolve_kind("@value", ["fee_captured_per_1k", "x_captured_per_1k"], "binary") == (
        "fee_captured_per_1k",
        "x_captured_per_1k",
    )


def test_per_attribute_kinds_take_every_attribute_and_fall_back_to_the_overall_one():
    per = ["equalized_odds_difference", "equalized_odds_difference[sex]", "equalized_odds_difference[race]"]
    assert resolve_kind("@error_rate_disparity", per, "binary") == (
        "equalized_odds_difference[sex]",
        "equalized_odds_difference[race]",
    )
    assert resolve_kind("@error_rate_disparity", ["equalized_odds_difference"], "binary") == (
        "equalized_odds_difference",
    )
    assert resolve_kind("@error_rate_disparity", ["group_mae_difference[sex]"], "regression") == (
        "group_mae_difference[sex]",
    )


def test_a_kind_splits_its_weight_and_a_real_gap_on_any_attribute_counts():
    t = _table(
        {
            "roc_auc": ("max", [0.80, 0.80, 0.80]),
            "equalized_odds_difference[sex]": ("min", [0.05, 0.05, 0.05]),
            "equalized_odds_difference[race]": ("min", [0.02, 0.15, 0.02]),
        }
    )
    risk = next(p for p in default_profiles() if p.name == "risk_compliance")
    r = resolve_profile(risk, t, task="binary")
    w = dict(r.weights)
    assert w["equalized_odds_difference[sex]"] == w["equalized_odds_difference[race]"] == 1.5  # 3 split in two
    assert dict(r.resolution)["@error_rate_disparity"] == (
        "equalized_odds_difference[sex]",
        "equalized_odds_difference[race]",
    )
    d = build_decision(t, [r, make_profile("ml", {"roc_auc": 1})], n_samples=0, group_samples=0)
    scores = dict(zip(d.profiles[0].score.candidates, d.profiles[0].score.scores, strict=True))
    assert scores["b"] < scores["a"] == scores["c"]  # b's race gap counts although sex is equal


@pytest.mark.parametrize(
    ("task", "columns"),
    [
        (
            "multiclass",
            {
                "balanced_accuracy": ("max", [0.7, 0.8, 0.6]),
                "accuracy": ("max", [0.75, 0.82, 0.7]),
                "f1": ("max", [0.7, 0.79, 0.6]),
                "log_loss": ("min", [0.7, 0.5, 0.9]),
                "worst_group_accuracy[sex]": ("max", [0.7, 0.78, 0.5]),
                "worst_group_accuracy[island]": ("max", [0.72, 0.7, 0.55]),
            },
        ),
        (
            "regression",
            {
                "rmse": ("min", [10.0, 8.0, 12.0]),
                "mae": ("min", [8.0, 6.0, 9.0]),
                "r2": ("max", [0.3, 0.5, 0.02]),
                "worst_group_mae[sex]": ("min", [9.0, 7.0, 9.5]),
                "group_mae_difference[sex]": ("min", [1.0, 2.0, 0.5]),
            },
        ),
    ],
)
def test_multiclass_and_regression_get_roles_with_two_or_more_measured_objectives(task, columns):
    t = _table(columns)
    resolved = resolve_profiles(default_profiles(), t, task=task)
    taking = [p for p in resolved if p.takes_part]
    assert {p.name for p in taking} >= {"ml_engineer", "risk_compliance", "manager"}
    for p in resolved:
        if p.takes_part:
            assert len([n for n, w in p.weights if w > 0]) >= 2
            assert all(n in t.objective_names for n, _ in p.weights)
        else:
            assert "to take part" in p.cannot_take_part
    d = build_decision(t, task=task, n_samples=0, group_samples=0)
    if task == "regression":
        # no baseline rule for RMSE: the stated stand-in is R² >= 0.05 (predicting the mean gives 0)
        ml = d.profile_result("ml_engineer").profile
        assert [str(c) for c in ml.constraints] == ["r2 >= 0.05"]
        assert "c" in dict(d.excluded)  # R² 0.02
    assert d.chosen in d.considered


def test_reference_falls_back_to_the_baseline_rule_when_the_incumbent_lacks_the_figure():
    t = _table({"roc_auc": ("max", [0.8, math.nan, 0.7]), "pr_auc": ("max", [0.4, 0.5, 0.3])})
    ml = next(p for p in default_profiles() if p.name == "ml_engineer")
    r = resolve_profile(ml, t, task="binary", incumbent="b")
    assert [str(c) for c in r.constraints] == ["roc_auc >= 0.55"]
    assert any("the incumbent b has no roc_auc" in n for n in r.notes)


def test_a_role_that_measures_too_little_says_so_and_how_to_measure_more():
    t = _table({"roc_auc": ("max", [0.8, 0.7, 0.6])})
    infra = next(p for p in default_profiles() if p.name == "infrastructure")
    r = resolve_profile(infra, t, task="binary")
    assert not r.takes_part
    assert "measured only roc_auc" in r.cannot_take_part and "serving" in r.cannot_take_part


def test_every_kind_documents_itself():
    for name, kind in KINDS.items():
        assert kind.description, name
        assert kind.objectives, name


def test_reference_token_must_be_exactly_at_reference():
    from analysis.decision import parse_profiles

    ps = parse_profiles(
        "profiles:\n  - name: x\n    weights: {roc_auc: 1}\n    constraints: ['roc_auc >= @incumbent']\n"
    )
    t = _table({"roc_auc": ("max", [0.8, 0.7, 0.6])})
    with pytest.raises(InputError, match="@reference"):
        resolve_profile(ps[0], t)
