"""Helpers for the decision-engine tests: small scorecards built in code (imported by the tests)."""

from __future__ import annotations

import pandas as pd

from analysis.scorecard import Comparison, scorecard_from_metrics_table


def make_scorecard(rows: dict[str, dict[str, float]], directions: dict[str, str] | None = None, comparisons=()):
    """A scorecard from ``{candidate: {column: value}}`` (``X_ci_low``/``X_ci_high`` columns allowed)."""
    frame = pd.DataFrame([{"candidate": c, **v} for c, v in rows.items()])
    sc = scorecard_from_metrics_table(frame, directions=directions or {}, source="test table")
    if comparisons:
        from dataclasses import replace

        sc = replace(sc, comparisons=tuple(Comparison(*c) for c in comparisons))
    return sc


def make_scenario():
    """Four candidates like the built-in scenario: a constant baseline, a simple model, two strong ones."""
    return make_scorecard(
        {
            "majority_baseline": dict(
                roc_auc=0.5,
                log_loss=0.69,
                worst_group_accuracy=0.60,
                demographic_parity_difference=0.0,
                net_value_per_1k=0.0,
            ),
            "logistic_regression": dict(
                roc_auc=0.80,
                log_loss=0.45,
                worst_group_accuracy=0.72,
                demographic_parity_difference=0.05,
                net_value_per_1k=12.0,
            ),
            "gbm": dict(
                roc_auc=0.86,
                log_loss=0.38,
                worst_group_accuracy=0.70,
                demographic_parity_difference=0.09,
                net_value_per_1k=18.0,
            ),
            "deep": dict(
                roc_auc=0.87,
                log_loss=0.37,
                worst_group_accuracy=0.66,
                demographic_parity_difference=0.12,
                net_value_per_1k=19.0,
            ),
        },
        directions={"net_value_per_1k": "max"},
    )
