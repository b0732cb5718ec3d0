"""Files the dashboard hands out: the profiles (YAML) and the decision record (JSON). No Streamlit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import yaml

from analysis.decision import PROFILES_SCHEMA, Decision, StakeholderProfile, decision_to_dict

RECORD_SCHEMA = "tradeoffs.decision_record"
RECORD_VERSION = 1


def profiles_to_yaml(profiles: Sequence[StakeholderProfile]) -> str:
    """A profile file (docs/profiles.md format) that ``parse_profiles`` reads back to the same profiles."""
    items = []
    for p in profiles:
        d = p.to_dict()
        if not d["constraints"]:
            del d["constraints"]
        if not d["bounds"]:
            del d["bounds"]
        items.append(d)
    doc = {"schema": PROFILES_SCHEMA, "version": 1, "profiles": items}
    return "# Stakeholder profiles saved from the Tradeoffs dashboard (format: docs/profiles.md)\n" + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=100
    )


def decision_record(
    decision: Decision,
    *,
    selected: str,
    rationale: str,
    signoffs: Sequence[dict],
    recorded_at: datetime,
    scorecard_label: str,
) -> dict:
    """The decision record: the library's decision (``tradeoffs.decision``) wrapped with what people added.

    The library's record has no place yet for the picked candidate when it differs from the group
    rule's, the rationale or the sign-offs, so they sit beside it in this wrapper.
    """
    return {
        "schema": RECORD_SCHEMA,
        "schema_version": RECORD_VERSION,
        "recorded_at": recorded_at.isoformat(),
        "scorecard": scorecard_label,
        "selected": selected,
        "group_choice": decision.chosen,
        "overrides_group_choice": selected != decision.chosen,
        "rationale": rationale,
        "sign_offs": list(signoffs),
        "decision": decision_to_dict(decision),
    }


def decision_record_json(record: dict) -> str:
    """JSON text of a decision record."""
    return json.dumps(record, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
