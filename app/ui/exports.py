"""Files the dashboard hands out that the library has no exporter for: the profiles (YAML). No Streamlit.

Reports and the decision record (``tradeoffs.decision_record``) come from :mod:`analysis.report`.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml

from analysis.decision import PROFILES_SCHEMA, StakeholderProfile


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
