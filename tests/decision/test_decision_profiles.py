"""Profile files, default profiles and constraint syntax/evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from analysis._errors import InputError
from analysis.decision import (
    compute_feasibility,
    default_profiles,
    find_profile,
    load_profiles,
    make_profile,
    parse_constraint,
    parse_profiles,
    table_from_arrays,
)
from analysis.decision._roles import KINDS
from analysis.objectives import REGISTRY

SCENARIO_NOW = set(REGISTRY) | {"order_value_captured_per_1k", "ad_fee_captured_per_1k", "net_value_per_1k"}
LATER = {
    "latency_ms_p50",
    "latency_ms_p99",
    "throughput_rows_per_s",
    "cost_usd_per_million",
    "model_size_mb",
    "features_for_90pct_attribution",
    "sensitive_attribution_share",
    "auc_decay_per_month",
}


# ---- defaults -----------------------------------------------------------------------------------------
def test_default_roles_cover_the_lecture_roles_over_kinds_of_objective():
    ps = default_profiles()
    assert [p.role for p in ps] == [
        "ML engineer",
        "Product",
        "Sales",
        "Infrastructure",
        "Manager",
        "Risk & compliance",
    ]
    for p in ps:
        assert len(p.rationale) > 80
        assert p.is_template
        # weights name kinds only, never a metric or a candidate of one scenario
        assert all(n.startswith("@") and n[1:] in KINDS for n, _ in p.weights), p.name
        # constraints compare with a reference the scorecard has, never a candidate name
        assert p.constraints and all(c.reference in (None, "@reference") for c in p.constraints)
    top = {p.name: max(p.weights, key=lambda kv: kv[1])[0] for p in ps}
    assert top == {
        "ml_engineer": "@primary_quality",
        "product": "@tail_latency",
        "sales": "@value",
        "infrastructure": "@cost",
        "manager": "@value",
        "risk_compliance": "@worst_group",
    }
    assert {p.name: p.missing for p in ps}["product"] == "exclude"  # latency is the point; no latency, no score


def test_the_builtin_scenario_keeps_its_own_profiles():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "sample_data" / "profiles.yaml"
    by = {p.name: p for p in load_profiles(path)}
    top = {name: max(p.weights, key=lambda kv: kv[1])[0] for name, p in by.items()}
    assert top["product"] == "latency_ms_p99"
    assert top["infrastructure"] == "cost_usd_per_million"
    assert top["sales"] == "ad_fee_captured_per_1k"
    assert top["manager"] == "net_value_per_1k"
    assert "latency_ms_p99 <= 50" in [str(c) for c in by["product"].constraints]
    assert not any(p.is_template for p in by.values())


def test_unknown_kind_is_refused_with_the_line_and_the_known_kinds():
    text = "profiles:\n  - name: a\n    weights:\n      '@qualityy': 1\n"
    with pytest.raises(InputError, match=r"line 4.*unknown kind of objective '@qualityy'; kinds: @primary_quality"):
        parse_profiles(text, source="p.yaml")


def test_find_profile_by_name_role_or_prefix():
    ps = default_profiles()
    assert find_profile(ps, "Risk & compliance").name == "risk_compliance"
    assert find_profile(ps, "risk").name == "risk_compliance"
    assert find_profile(ps, "ML engineer").name == "ml_engineer"
    with pytest.raises(InputError, match="choose one of"):
        find_profile(ps, "ceo")


# ---- file format ----------------------------------------------------------------------------------------
GOOD = """\
schema: tradeoffs.profiles
version: 1
profiles:
  - name: alice
    role: Product
    rationale: fast pages
    weights: {latency_ms_p99: 2, roc_auc: 1}
    constraints:
      - latency_ms_p99 <= 100
      - roc_auc >= baseline + 0.02
    bounds:
      latency_ms_p99: {worst: 200, ideal: 10}
      roc_auc: [0.6, 0.95]
    influence: 2
"""


def test_parse_profiles_reads_every_field():
    (p,) = parse_profiles(GOOD)
    assert p.name == "alice" and p.role == "Product" and p.influence == 2
    assert p.weight_map == {"latency_ms_p99": 2.0, "roc_auc": 1.0}
    assert p.bound_map == {"latency_ms_p99": (200.0, 10.0), "roc_auc": (0.6, 0.95)}
    c = p.constraints[1]
    assert (c.objective, c.op, c.reference, c.offset) == ("roc_auc", ">=", "baseline", 0.02)


def test_json_profiles_and_a_top_level_list(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('[{"name": "bob", "weights": {"roc_auc": 1}}]')
    (p,) = load_profiles(path)
    assert p.name == "bob" and p.role == "bob"
    bad = tmp_path / "bad.json"
    bad.write_text('[{"name": "bob",\n "weights": {"roc_auc": 1}')
    with pytest.raises(InputError, match=r"bad.json line \d+"):
        load_profiles(bad)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (GOOD.replace("    weights:", "    wieghts:"), 7, "unknown key 'wieghts'"),
        (GOOD.replace("roc_auc: 1}", "roc_auc: -1}"), 7, "must be >= 0"),
        (GOOD.replace("roc_auc: 1}", "roc_auc: high}"), 7, "must be a number"),
        (GOOD.replace("      - latency_ms_p99 <= 100", "      - latency_ms_p99 =< = 100"), 9, "cannot read"),
        (
            GOOD.replace("      - roc_auc >= baseline + 0.02", "      - roc_auc is big"),
            10,
            "cannot read constraint",
        ),
        (GOOD.replace("{worst: 200, ideal: 10}", "{worst: 200}"), 12, "need exactly 'worst' and 'ideal'"),
        (GOOD.replace("influence: 2", "influence: 0"), 14, "influence must be > 0"),
        (GOOD.replace("version: 1", "version: 7"), 2, "version 7"),
        (GOOD + "  - name: alice\n    weights: {roc_auc: 1}\n", 15, "used twice"),
        (
            GOOD.replace("weights: {latency_ms_p99: 2, roc_auc: 1}", "weights: {latency_ms_p99: 0}"),
            7,
            "every weight is 0",
        ),
        ("profiles:\n  - name: x\n    weights: [1, 2\n", 4, "not valid YAML"),
        ("profiles:\n  - name: x\n    name: y\n    weights: {a: 1}\n", 3, "appears twice"),
    ],
    ids=[
        "typo key",
        "negative weight",
        "text weight",
        "bad operator",
        "bad constraint",
        "bounds",
        "influence",
        "version",
        "duplicate name",
        "all zero",
        "yaml syntax",
        "duplicate key",
    ],
)
def test_bad_profile_files_name_the_line(text, line, message, tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_profiles(path)
    assert f"team.yaml line {line}:" in info.value.message
    assert message in info.value.message


def test_missing_file_and_missing_profiles():
    with pytest.raises(InputError, match="does not exist"):
        load_profiles("/nonexistent/profiles.yaml")
    with pytest.raises(InputError, match="no 'profiles' list"):
        parse_profiles("schema: tradeoffs.profiles\n")
    with pytest.raises(InputError, match="needs 'weights'"):
        parse_profiles("profiles:\n  - name: x\n")


# ---- constraints ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("latency_ms_p99 <= 100", ("latency_ms_p99", "<=", 100.0, None)),
        ("latency_ms_p99<=1e2", ("latency_ms_p99", "<=", 100.0, None)),
        ("worst_group_accuracy ≥ 0.8", ("worst_group_accuracy", ">=", 0.8, None)),
        ("roc_auc >= logistic_regression + 0.02", ("roc_auc", ">=", 0.02, "logistic_regression")),
        ("log_loss < majority_baseline - 0.1", ("log_loss", "<", -0.1, "majority_baseline")),
        ('roc_auc > "my model"', ("roc_auc", ">", 0.0, "my model")),
        ("x >= -3", ("x", ">=", -3.0, None)),
    ],
)
def test_parse_constraint(text, expected):
    c = parse_constraint(text)
    assert (c.objective, c.op, c.offset, c.reference) == expected


@pytest.mark.parametrize("text", ["latency", "latency == 3", "<= 3", "x <= ", "x <= 3 + 4", "x <= a +", 3])
def test_bad_constraints_raise_with_the_syntax(text):
    with pytest.raises(InputError, match="NAME OP NUMBER"):
        parse_constraint(text)


def test_feasibility_says_which_constraint_removed_whom_and_by_how_much():
    t = table_from_arrays(
        ["majority_baseline", "lr", "gbm", "unmeasured"],
        [("roc_auc", "max"), ("latency_ms_p99", "min")],
        [[0.5, 1.0], [0.80, 3.0], [0.86, 120.0], [0.9, np.nan]],
    )
    cons = [
        parse_constraint(s)
        for s in ("latency_ms_p99 <= 100", "roc_auc >= majority_baseline + 0.3", "model_size_mb <= 10")
    ]
    f = compute_feasibility(t, cons)
    assert f.feasible == (False, True, False, True)
    (v,) = f.violations("gbm")
    assert "latency_ms_p99 = 120 ms, must be <= 100 ms: misses by 20 ms" == v
    (v,) = f.violations("majority_baseline")
    assert "must be >= 0.8 (majority_baseline + 0.3): misses by 0.3" in v
    check = next(c for c in f.checks if c.candidate == "gbm")
    assert check.shortfall == pytest.approx(20.0) and check.threshold == 100.0
    # unverifiable: kept by default, reported, and never silently passed
    assert any("latency_ms_p99 is missing" in u for u in f.unverifiable("unmeasured"))
    assert any("no model_size_mb" in u for u in f.unverifiable("lr"))
    assert any("model_size_mb" in w and "unverifiable" in w for w in f.warnings)
    strict = compute_feasibility(t, cons, unverifiable="remove")
    assert strict.feasible == (False, False, False, False)


def test_reference_edge_cases():
    t = table_from_arrays(["a", "b"], [("roc_auc", "max")], [[0.8], [0.82]])
    f = compute_feasibility(t, [parse_constraint("roc_auc >= a + 0.02")])
    assert f.feasible == (False, True)  # exactly +0.02 passes despite rounding; a does not beat itself
    f = compute_feasibility(t, [parse_constraint("roc_auc >= nobody")])
    assert f.feasible == (True, True) and "no candidate 'nobody'" in f.warnings[0]
    f = compute_feasibility(t, [parse_constraint("roc_auc > 0.82")])
    assert "equals the bound" in f.violations("b")[0]


def test_make_profile_validates():
    p = make_profile("x", {"roc_auc": 1}, constraints=["roc_auc >= 0.7"])
    assert p.role == "x" and str(p.constraints[0]) == "roc_auc >= 0.7"
    with pytest.raises(InputError):
        make_profile("x", {"roc_auc": -1})
