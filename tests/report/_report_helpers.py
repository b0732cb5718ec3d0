"""A small, fixed synthetic scorecard with every report section, and the golden files built from it.

Regenerate the golden files after an intended change to the report (then review the diff):

    python tests/report/_report_helpers.py

It rewrites tests/report/golden/decision_input.json (the decision the goldens are built from, so
they do not move with floating-point noise in the decision engine), report.md and report.json.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

import analysis.evaluation  # noqa: F401 - registers the value objectives, so the scorecard never depends on import order
from analysis.decision import build_decision, decision_to_json
from analysis.scorecard import FrozenDict, scorecard_from_metrics_table

GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
SIGNOFFS = (
    {"role": "Risk & compliance", "name": "A. Auditor", "at": "2026-02-01T09:00:00+00:00", "comment": "Fair enough."},
    {"role": "Manager", "name": "B. Boss", "at": "2026-02-01T10:30:00+00:00", "comment": None},
)
RATIONALE = "The compromise every stakeholder can live with; sales accepts a lower ad-fee capture."

ROWS = {
    "baseline": dict(
        roc_auc=0.5,
        log_loss=0.69,
        worst_group_accuracy=0.62,
        demographic_parity_difference=0.0,
        equalized_odds_difference=0.0,
        latency_ms_p99=0.5,
        cost_usd_per_million=0.01,
        net_value_per_1k=0.0,
    ),
    "logreg": dict(
        roc_auc=0.80,
        log_loss=0.45,
        worst_group_accuracy=0.74,
        demographic_parity_difference=0.05,
        equalized_odds_difference=0.08,
        latency_ms_p99=2.0,
        cost_usd_per_million=0.05,
        net_value_per_1k=12.0,
    ),
    "gbm": dict(
        roc_auc=0.86,
        log_loss=0.38,
        worst_group_accuracy=0.72,
        demographic_parity_difference=0.09,
        equalized_odds_difference=0.12,
        latency_ms_p99=9.0,
        cost_usd_per_million=0.2,
        net_value_per_1k=18.0,
    ),
    "deep": dict(
        roc_auc=0.87,
        log_loss=0.37,
        worst_group_accuracy=0.66,
        demographic_parity_difference=0.14,
        equalized_odds_difference=0.2,
        latency_ms_p99=45.0,
        cost_usd_per_million=1.5,
        net_value_per_1k=19.0,
    ),
}
CI = {"roc_auc": 0.015, "log_loss": 0.01, "worst_group_accuracy": 0.02, "net_value_per_1k": 1.5}


def metrics_frame(rows: dict[str, dict[str, float]] | None = None) -> pd.DataFrame:
    """The metrics table (with intervals on a few objectives)."""
    out = []
    for name, values in (rows or ROWS).items():
        row = {"candidate": name, **values}
        for k, half in CI.items():
            if k in values:
                row[f"{k}_ci_low"] = values[k] - half if name != "baseline" else values[k]
                row[f"{k}_ci_high"] = values[k] + half if name != "baseline" else values[k]
        out.append(row)
    return pd.DataFrame(out)


def make_scorecard(rows: dict[str, dict[str, float]] | None = None):
    """A scorecard with dataset card, provenance and every section the report reads."""
    rows = rows or ROWS
    sc = scorecard_from_metrics_table(metrics_frame(rows), directions={"net_value_per_1k": "max"}, source="runs.csv")
    names = list(rows)
    fingerprint = {
        "path": "test.parquet",
        "sha256": "ab" * 32,
        "size_bytes": 123456,
        "rows": 5000,
        "columns": 6,
        "column_names": ["x1", "x2", "zone", "group", "when", "label"],
    }
    sc = replace(
        sc,
        task="binary",
        created_at="2026-01-30T08:00:00+00:00",
        dataset=FrozenDict(
            {
                "source": "data/test.parquet",
                "rows": 5000,
                "target": "label",
                "task": "binary",
                "positive_label": 1,
                "classes": [0, 1],
                "class_counts": {"0": 4000, "1": 1000},
                "sensitive": ["group"],
                "time": "when",
                "fingerprint": FrozenDict(fingerprint),
            }
        ),
        settings=FrozenDict({"n_bootstrap": 200, "confidence": 0.95, "random_state": 0, "min_group_size": 30}),
        provenance=FrozenDict(
            {
                "versions": FrozenDict({"python": "3.11.7", "numpy": "2.0.0"}),
                "machine": FrozenDict({"cpu": "test cpu", "logical_cores": 2}),
                "evaluated_at": "2026-01-30T08:00:00+00:00",
            }
        ),
        slices=tuple(
            FrozenDict(
                {
                    "candidate": c,
                    "attribute": "group",
                    "group": g,
                    "n": n,
                    "small": n < 30,
                    "positives": n // 5,
                    "selection_rate": 0.2 + 0.01 * i + (0.02 if g == "b" else 0.0),
                    "accuracy": 0.8 - 0.01 * i,
                }
            )
            for i, c in enumerate(names)
            for g, n in (("a", 4980), ("b", 20))
        ),
    )
    fairness = {
        "attributes": ["group"],
        "objective_rule": "worst value over the single sensitive attributes",
        "by_attribute": {
            "group": {
                c: {
                    k: rows[c][k]
                    for k in ("demographic_parity_difference", "equalized_odds_difference", "worst_group_accuracy")
                }
                for c in names
            }
        },
    }
    serving = {
        "environment": {"cpu_model": "test cpu", "logical_cores": 2, "threads": 1, "busy": False, "busy_note": "n/a"},
        "assumptions": {"instance": "c7i.large", "usd_per_hour": 0.08925, "workers": 2, "utilisation": 0.5},
        "notes": ["timer overhead 50 ns per timed interval."],
        "candidates": [
            {
                "name": c,
                "runtime": "python",
                "status": "ok",
                "variant": None,
                "best_batch_size": 512,
                "figures": {
                    "latency_ms_p50": rows[c]["latency_ms_p99"] / 2,
                    "latency_ms_p99": rows[c]["latency_ms_p99"],
                    "cost_usd_per_million": rows[c]["cost_usd_per_million"],
                },
            }
            for c in names
        ],
        "unmeasured": [],
    }
    feats = ["x1", "x2", "zone"]
    explanations = {
        "rules": {"global_importance": "mean absolute attribution per source feature", "proxy_threshold": 0.3},
        "sensitive_attributes": ["group"],
        "candidates": {
            c: {
                "status": "ok",
                "explainer": "exact" if i < 2 else "permutation",
                "top_features": feats[:2],
                "global_importance": [{"feature": f, "share": s} for f, s in zip(feats, (0.6, 0.3, 0.1), strict=True)],
            }
            for i, c in enumerate(names)
        },
        "associations": [{"feature": "zone", "sensitive_attribute": "group", "association": 0.41, "flagged": True}],
        "notes": [],
        "unexplained": [],
    }
    windows = ["2025-10", "2025-11", "2025-12"]
    decay = {
        "metric": "roc_auc",
        "unit": "per month",
        "window": "M",
        "windows": windows,
        "rule": "least-squares slope",
        "candidates": {
            c: {
                "decay_per_month": 0.004 * i,
                "gap_first_last": 0.008 * i,
                "series": {w: rows[c]["roc_auc"] - 0.004 * i * k for k, w in enumerate(windows)},
            }
            for i, c in enumerate(names)
        },
    }
    drift = {
        "reference": "training data",
        "current": "2025-12",
        "rule": "PSI over 10 bins",
        "counts": {"stable": 2, "moderate": 0, "major": 1},
        "features": [
            {"feature": "x1", "kind": "numeric", "psi": 0.31, "reading": "major", "test": "ks", "p_value": 0.001},
            {"feature": "x2", "kind": "numeric", "psi": 0.02, "reading": "stable", "test": "ks", "p_value": 0.6},
            {
                "feature": "zone",
                "kind": "categorical",
                "psi": 0.05,
                "reading": "stable",
                "test": "chi2",
                "p_value": 0.3,
            },
        ],
    }
    for name, content in (
        ("fairness", fairness),
        ("serving", serving),
        ("explanations", explanations),
        ("decay", decay),
        ("drift", drift),
    ):
        sc = sc.with_section(name, content)
    return sc


def make_decision(scorecard=None, **kwargs):
    """The default profiles' decision on the synthetic scorecard (small sensitivity budgets)."""
    kwargs = {"random_state": 0, "n_samples": 100, "group_samples": 50, "now": NOW} | kwargs
    return build_decision(scorecard if scorecard is not None else make_scorecard(), **kwargs)


def golden_decision() -> dict:
    """The stored decision the golden files are built from."""
    return json.loads((GOLDEN / "decision_input.json").read_text(encoding="utf-8"))


def golden_report():
    """The report the golden files hold."""
    from analysis.report import build_report

    return build_report(make_scorecard(), golden_decision(), signoffs=SIGNOFFS, rationale=RATIONALE, now=NOW)


def regenerate() -> None:
    """Rewrite every golden file (review the diff before committing it)."""
    from analysis.report import report_to_json, report_to_markdown

    GOLDEN.mkdir(exist_ok=True)
    (GOLDEN / "decision_input.json").write_text(decision_to_json(make_decision()), encoding="utf-8")
    report = golden_report()
    (GOLDEN / "report.md").write_text(report_to_markdown(report), encoding="utf-8")
    (GOLDEN / "report.json").write_text(report_to_json(report), encoding="utf-8")
    print(f"golden files written to {GOLDEN}", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
