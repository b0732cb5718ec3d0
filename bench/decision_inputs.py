"""Generated inputs for the decision benchmarks: scorecards and metrics tables of any size, seeded.

``write_scorecard(path, n, seed)`` writes a scorecard with the built-in scenario's 44 objectives
(so the default roles find quality, calibration, latency, cost, fairness, value and explanation
figures), its task, dataset and settings (incumbent ``logistic_regression``). The first candidates
are the scenario's own ten, unchanged; every further candidate is one of them with each value moved
by a normal draw of one interval width (intervals kept, values clipped to the objective's natural
range), and paired comparisons against the scenario's best on the same objectives as evaluate writes
them. ``write_metrics_table(path, n, seed)`` writes a plain CSV of ``n`` candidates x 6 registered
objectives (``tradeoffs rank``'s input).

Run as a script to write one::

    python bench/decision_inputs.py scorecard 1000 /tmp/sc1000.json
    python bench/decision_inputs.py table 100000 /tmp/t100k.csv
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "scorecard.json"
TABLE_OBJECTIVES = (
    "roc_auc",
    "log_loss",
    "worst_group_accuracy",
    "demographic_parity_difference",
    "latency_ms_p99",
    "cost_usd_per_million",
)


def make_scorecard_dict(n: int, seed: int = 0) -> dict:
    """The scenario's scorecard grown (or cut) to ``n`` candidates (see the module docstring)."""
    base = json.loads(SAMPLE.read_text(encoding="utf-8"))
    rng = np.random.default_rng(seed)
    originals = [c["name"] for c in base["candidates"]]
    objectives = [o["name"] for o in base["objectives"]]
    by_obj = {o["name"]: o for o in base["objectives"]}
    metric = {(m["candidate"], m["objective"]): m for m in base["metrics"]}
    comps = {(c["candidate"], c["objective"]): c for c in base["comparisons"]}
    names = originals[:n] + [f"{originals[i % len(originals)]}_{i:06d}" for i in range(len(originals), n)]
    candidates, metrics, comparisons = [], [], []
    for i, name in enumerate(names):
        src = originals[i % len(originals)]
        cand = dict(next(c for c in base["candidates"] if c["name"] == src))
        cand["name"] = name
        candidates.append(cand)
        for obj in objectives:
            m = metric.get((src, obj))
            if m is None:
                continue
            m = dict(m, candidate=name)
            v = m["value"]
            if i >= len(originals) and v is not None:
                lo, hi = m.get("ci_low"), m.get("ci_high")
                width = (hi - lo) if lo is not None and hi is not None else 0.02 * max(abs(v), 1e-3)
                shift = float(rng.normal(0.0, max(width, 1e-9)))
                nv = v + shift
                o = by_obj[obj]
                if o.get("worst") is not None and o.get("ideal") is not None:
                    a, b = sorted((o["worst"], o["ideal"]))
                    if a <= v <= b:
                        nv = min(max(nv, a), b)
                if v >= 0:
                    nv = max(nv, 0.0)
                m["value"] = nv
                if lo is not None and hi is not None:
                    m["ci_low"], m["ci_high"] = lo + (nv - v), hi + (nv - v)
            metrics.append(m)
            c = comps.get((src, obj))
            if c is not None and name != c["best"]:
                comparisons.append(dict(c, candidate=name))
    out = dict(base)
    out.update(candidates=candidates, metrics=metrics, comparisons=comparisons, slices=[], windows=[])
    out["settings"] = dict(base["settings"], incumbent=originals[0])
    return out


def write_scorecard(path: str | Path, n: int, seed: int = 0) -> Path:
    """Write :func:`make_scorecard_dict` to ``path``."""
    path = Path(path)
    path.write_text(json.dumps(make_scorecard_dict(n, seed), indent=1) + "\n", encoding="utf-8")
    return path


def write_metrics_table(path: str | Path, n: int, seed: int = 0) -> Path:
    """A CSV of ``n`` candidates x :data:`TABLE_OBJECTIVES` (uniform in plausible ranges)."""
    rng = np.random.default_rng(seed)
    cols = {
        "roc_auc": rng.uniform(0.5, 1.0, n).round(6),
        "log_loss": rng.uniform(0.1, 0.9, n).round(6),
        "worst_group_accuracy": rng.uniform(0.5, 1.0, n).round(6),
        "demographic_parity_difference": rng.uniform(0.0, 0.3, n).round(6),
        "latency_ms_p99": rng.uniform(1, 200, n).round(4),
        "cost_usd_per_million": rng.uniform(0.5, 50, n).round(4),
    }
    lines = ["candidate," + ",".join(TABLE_OBJECTIVES)]
    for i in range(n):
        lines.append(f"model_{i:06d}," + ",".join(repr(float(cols[c][i])) for c in TABLE_OBJECTIVES))
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    kind, size, where = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    (write_scorecard if kind == "scorecard" else write_metrics_table)(where, size)
    print(where)
