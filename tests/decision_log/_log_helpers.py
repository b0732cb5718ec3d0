"""A small decided report to put in the log (imported by the log tests)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import pandas as pd

import analysis.evaluation  # noqa: F401 - registers the value objectives (import order must not matter)
from analysis.decision import build_decision
from analysis.report import build_report
from analysis.scorecard import scorecard_from_metrics_table

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ROWS = [
    {"candidate": "baseline", "roc_auc": 0.5, "log_loss": 0.69, "latency_ms_p99": 0.5, "net_value_per_1k": 0.0},
    {"candidate": "logreg", "roc_auc": 0.80, "log_loss": 0.45, "latency_ms_p99": 2.0, "net_value_per_1k": 12.0},
    {"candidate": "gbm", "roc_auc": 0.86, "log_loss": 0.38, "latency_ms_p99": 9.0, "net_value_per_1k": 18.0},
]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def make_scorecard():
    return scorecard_from_metrics_table(pd.DataFrame(ROWS), directions={}, source="runs.csv")


@functools.cache  # a Report is frozen: one build per argument set keeps the log tests fast
def make_report(rationale: str | None = "the compromise", minutes: int = 0):
    sc = make_scorecard()
    decision = build_decision(sc, random_state=0, n_samples=30, group_samples=10, now=at(minutes))
    return build_report(sc, decision, rationale=rationale, now=at(minutes))
