"""Files the dashboard hands out: profiles (YAML) and the decision record (JSON)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from analysis.decision import DECISION_SCHEMA, build_decision, default_profiles, make_profile, parse_profiles
from app.ui import exports


def test_profiles_yaml_reads_back_to_the_same_profiles():
    profiles = (*default_profiles(), make_profile("support", {"recall": 2.5}, role="Support", rationale="Calls."))
    text = exports.profiles_to_yaml(profiles)
    assert parse_profiles(text, source="saved.yaml") == profiles


def test_decision_record_wraps_the_library_record_with_people(builtin):
    d = build_decision(builtin, default_profiles(), random_state=0, n_samples=20, group_samples=10)
    other = next(c for c in d.candidates if c != d.chosen)
    record = exports.decision_record(
        d,
        selected=other,
        rationale="cheaper to serve",
        signoffs=[
            {"name": "Ada", "role": "Sales", "time": "2026-11-30T00:00:00+00:00", "comment": "", "candidate": other}
        ],
        recorded_at=datetime(2026, 11, 30, tzinfo=UTC),
        scorecard_label="built-in",
    )
    text = exports.decision_record_json(record)
    back = json.loads(text)
    assert back["decision"]["schema"] == DECISION_SCHEMA and back["decision"]["chosen"] == d.chosen
    assert back["selected"] == other and back["overrides_group_choice"] is True
    assert back["rationale"] == "cheaper to serve" and back["sign_offs"][0]["name"] == "Ada"
