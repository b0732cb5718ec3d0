"""check_decision_file: a decision file's every field type-checked, its path named, before a report reads it.

The seed is the decision the report goldens are made from (tests/report/golden/decision_input.json,
as ``tradeoffs decide`` writes it). The decisions the engine writes pass; each hostile edit is
refused with a one-line message naming the field's path, the value and what it should be. That a
file which passes is one a report can read is tested in tests/report/test_hostile_decision_report.py.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from analysis._errors import InputError
from analysis.decision import build_decision, decision_to_dict, make_profile
from analysis.decision._export import check_decision_file

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "report" / "golden" / "decision_input.json"


@pytest.fixture(scope="module")
def seed() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


def _edited(data: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(data)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    if value is _DROP:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


def _refusal(data) -> str:
    with pytest.raises(InputError) as info:
        check_decision_file(data, "dec.json")
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message
    return message


_DROP = object()


# ---- what decide writes passes ---------------------------------------------------------------------
def test_the_golden_decision_passes(seed):
    check_decision_file(seed, "dec.json")


def test_a_fresh_decision_passes_with_and_without_feasible_candidates(scenario):
    impossible = make_profile("dreamer", {"roc_auc": 1.0}, constraints=["roc_auc >= 0.99"])
    for profiles in (None, [impossible]):
        decision = build_decision(scenario, profiles, n_samples=20, group_samples=10, random_state=0)
        assert decision.any_feasible is (profiles is None)
        check_decision_file(json.loads(json.dumps(decision_to_dict(decision))), "dec.json")


def test_unknown_fields_are_let_through(seed):
    check_decision_file(_edited(seed, ("written_by_a_newer_version",), {"x": [1]}), "dec.json")
    check_decision_file(_edited(seed, ("profiles", 0, "new_field"), None), "dec.json")


# ---- hostile edits ---------------------------------------------------------------------------------
HOSTILE = [
    # (path, value, the path as the message names it, what the message says it should be)
    (("profiles", 0, "sensitivity", "weight_intervals", 0, "low"), {}, "weight_intervals[0].low is {}", "a number"),
    (("profiles", 0, "sensitivity", "weight_intervals", 1, "high"), "0.5", "weight_intervals[1].high is '0.5'", "null"),
    (("profiles", 1, "score", "candidates", 3, "score"), [1], "profiles[1].score.candidates[3].score", "number"),
    (("profiles", 1, "score", "weights", "latency_ms_p99"), None, "weights.latency_ms_p99 is None", "a number"),
    (("profiles", 2, "influence"), True, "profiles[2].influence is True", "a number"),
    (("profiles", 0, "name"), _DROP, "profiles[0].name is missing", ""),
    (("profiles", 0, "constraints"), "roc_auc >= 0.7", "profiles[0].constraints is", "a list"),
    (("profiles", 0, "takes_part"), "yes", "profiles[0].takes_part", "true or false"),
    (("profiles", 4), [], "profiles[4] is []", "an object"),
    (("objectives", 0, "direction"), _DROP, "objectives[0].direction is missing", ""),
    (("objectives", 0, "direction"), "up", "objectives[0].direction is 'up'", '"max" or "min"'),
    (("objectives",), {"a": 1}, "objectives is {'a': 1}", "a list"),
    (("group",), _DROP, "group is missing", ""),
    (("group", "rules", 0, "scores", "logreg"), "high", "group.rules[0].scores.logreg is 'high'", "number"),
    (("group", "utilities", "ml_engineer", "my model"), [1], 'utilities.ml_engineer["my model"] is [1]', "number"),
    (("group", "considered", 0), 5, "group.considered[0] is 5", "text"),
    (("sensitivity", "win_share", "gbm"), None, "sensitivity.win_share.gbm is None", "a number"),
    (("sensitivity", "n_samples"), 1.5, "sensitivity.n_samples is 1.5", "a whole number"),
    (("switch",), "wide", "switch is 'wide'", "a list"),
    (("group_feasibility", "infeasible", 0, "violations"), [None], "infeasible[0].violations[0] is None", "text"),
    (("pareto", "dominated_by"), ["a"], "pareto.dominated_by is ['a']", "an object"),
    (("runners_up",), "gbm", "runners_up is 'gbm'", "a list"),
    # found by putting every hostile value at every path: the report reads each change's new winner
    (("sensitivity", "leave_one_out", "changes", 0, "new_winner"), _DROP, "changes[0].new_winner is missing", ""),
    (("warnings",), [["nested"]], "warnings[0] is ['nested']", "text"),
    (("provenance", "scorecard_sha256"), 5, "provenance.scorecard_sha256 is 5", "text or null"),
    (("settings", "n_samples"), True, "settings.n_samples is True", "a number"),
    (("settings",), [], "settings is []", "an object"),
]


@pytest.mark.parametrize(("path", "value", "where", "want"), HOSTILE, ids=[".".join(map(str, h[0])) for h in HOSTILE])
def test_a_wrong_field_is_refused_naming_its_path_and_value(seed, path, value, where, want):
    message = _refusal(_edited(seed, path, value))
    assert message.startswith("dec.json is a damaged decision file: "), message
    assert where in message and want in message, message
    assert message.endswith("re-create it with `tradeoffs decide`."), message


def test_not_a_decision_and_other_versions_are_refused_as_such(seed):
    assert "is not a decision file" in _refusal([seed])
    assert "is not a decision file" in _refusal(_edited(seed, ("schema",), "tradeoffs.decision_record"))
    assert "schema version 2; this Tradeoffs reads version 1" in _refusal(_edited(seed, ("schema_version",), 2))
    assert "schema version True" in _refusal(_edited(seed, ("schema_version",), True))


def test_long_values_and_keys_are_shortened_in_the_message(seed):
    long_value = _refusal(_edited(seed, ("profiles", 0, "sensitivity", "weight_intervals", 0, "low"), "x" * 5000))
    assert "weight_intervals[0].low is 'xxx" in long_value and len(long_value) < 300
    long_key = _refusal(_edited(seed, ("group", "regret", "ml_engineer", "k" * 5000), "high"))
    assert 'regret.ml_engineer["kkk' in long_key and '..."]' in long_key and len(long_key) < 300


def test_the_first_wrong_field_of_many_records_is_the_one_named(seed):
    data = copy.deepcopy(seed)
    rows = data["profiles"][1]["score"]["candidates"]
    rows[-1]["rank"] = "last"
    rows[-2]["feasible"] = 0  # earlier in the file, so named first
    assert f"candidates[{len(rows) - 2}].feasible is 0" in _refusal(data)
