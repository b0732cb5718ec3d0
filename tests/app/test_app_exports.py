"""Files the dashboard hands out itself: profiles (YAML). Reports come from analysis.report (test_app_decision)."""

from __future__ import annotations

from analysis.decision import default_profiles, make_profile, parse_profiles
from app.ui import exports


def test_profiles_yaml_reads_back_to_the_same_profiles():
    profiles = (*default_profiles(), make_profile("support", {"recall": 2.5}, role="Support", rationale="Calls."))
    text = exports.profiles_to_yaml(profiles)
    assert parse_profiles(text, source="saved.yaml") == profiles
