"""What one profile scores on: its weighted objectives present in a table, and its merged bounds.

Shared by a single profile's result (:mod:`analysis.decision._decide`) and the group-level
sensitivity (:mod:`analysis.decision._group_sensitivity`), so both score a profile the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from analysis.decision._profiles import StakeholderProfile
from analysis.decision._table import DecisionTable


def merged_bounds(
    table: DecisionTable, profile: StakeholderProfile, bounds: Mapping[str, tuple[float, float]] | None
) -> dict[str, tuple[float, float]]:
    """The profile's bounds overridden by the caller's, for the objectives ``table`` has."""
    merged = {k: v for k, v in profile.bound_map.items() if k in table.objective_names}
    for k, v in (bounds or {}).items():
        if k in table.objective_names:
            merged[k] = v
    return merged


def scoring_inputs(table: DecisionTable, profile: StakeholderProfile, method: str, perf: str | None):
    """(present, missing, columns, weights): what ``profile`` is scored on in ``table``."""
    weights = profile.weight_map
    present = [n for n, w in weights.items() if w > 0 and n in table.objective_names]
    missing = [n for n, w in weights.items() if w > 0 and n not in table.objective_names]
    cols = list(present)
    if method == "dynascore" and perf is not None and perf not in cols:
        table.column(perf)  # InputError when the table has no such objective
        cols.append(perf)
    w = {n: weights.get(n, 0.0) if n in present else 0.0 for n in cols}
    return present, missing, cols, w
