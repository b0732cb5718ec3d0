"""Report build time and file sizes for 10 and 1,000 candidates, and HTML size against data rows.

    python bench/bench_report.py            # 10 and 1,000 candidates, 2k and 200k rows
    python bench/bench_report.py --no-pdf   # skip the PDF (it needs Chromium)

Part 1 builds synthetic scorecards from metrics tables (the way a sweep's results arrive), a
decision on the six default profiles (small sensitivity budgets: the decision engine's time is
printed separately, it is not the report's), then the report and its four formats.
Part 2 evaluates three synthetic candidates on 2,000 and 200,000 rows with the real evaluation
(fairness slices, windows, curves) and shows that the HTML report does not grow with the rows:
the report carries aggregates only, and plotly.js (about 4.8 MB) is inlined once.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from analysis._errors import InputError
from analysis.decision import build_decision
from analysis.report import (
    build_report,
    report_to_html,
    report_to_json,
    report_to_markdown,
    report_to_pdf,
)
from analysis.scorecard import scorecard_from_metrics_table

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


def synthetic_table(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    auc = rng.uniform(0.6, 0.9, n)
    return pd.DataFrame(
        {
            "candidate": [f"model_{i:04d}" for i in range(n)],
            "roc_auc": auc,
            "roc_auc_ci_low": auc - 0.01,
            "roc_auc_ci_high": auc + 0.01,
            "log_loss": rng.uniform(0.3, 0.6, n),
            "latency_ms_p99": rng.lognormal(1.5, 1.0, n),
            "latency_ms_p50": rng.lognormal(1.0, 0.8, n),
            "worst_group_accuracy": rng.uniform(0.6, 0.9, n),
            "demographic_parity_difference": rng.uniform(0.0, 0.3, n),
            "equalized_odds_difference": rng.uniform(0.0, 0.3, n),
            "cost_usd_per_million": rng.lognormal(-2.0, 1.0, n),
            "net_value_per_1k": rng.uniform(0, 500, n),
        }
    )


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def size(payload) -> int:
    return len(payload.encode("utf-8")) if isinstance(payload, str) else len(payload)


def part_candidates(pdf: bool) -> None:
    print("Part 1: candidates (synthetic metrics tables, six default profiles)")
    print(f"{'candidates':>10}  {'decision s':>10}  {'report s':>8}  {'format':<5}  {'export s':>8}  {'size':>12}")
    for n in (10, 1000):
        sc = scorecard_from_metrics_table(synthetic_table(n), directions={"net_value_per_1k": "max"}, source="bench")
        decision, t_dec = timed(build_decision, sc, random_state=0, n_samples=50, group_samples=20, now=NOW)
        report, t_rep = timed(build_report, sc, decision, now=NOW)
        exporters = [("html", report_to_html), ("md", report_to_markdown), ("json", report_to_json)]
        if pdf:
            exporters.append(("pdf", report_to_pdf))
        for i, (name, fn) in enumerate(exporters):
            try:
                payload, t_exp = timed(fn, report)
            except InputError as exc:
                print(f"{n:>10,}  {'':>10}  {'':>8}  {name:<5}  skipped: {exc}")
                continue
            lead = f"{n:>10,}  {t_dec:>10.2f}  {t_rep:>8.3f}" if i == 0 else f"{'':>10}  {'':>10}  {'':>8}"
            print(f"{lead}  {name:<5}  {t_exp:>8.3f}  {size(payload):>12,}")


def synthetic_eval(n_rows: int, seed: int = 1):
    from analysis.evaluation import EvalSettings, Predictions, evaluate_predictions, prepare_data

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "group": rng.choice(["a", "b", "c"], n_rows),
            "when": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 180, n_rows), unit="D"),
            "label": rng.integers(0, 2, n_rows),
        }
    )
    data = prepare_data(frame, source=f"synthetic {n_rows} rows", target="label", sensitive=["group"], time="when")
    preds = []
    for k, noise in enumerate((0.5, 1.0, 2.0)):
        score = 1 / (1 + np.exp(-(frame["label"].to_numpy() * 2 - 1 + rng.normal(0, noise, n_rows))))
        preds.append(
            Predictions(
                name=f"model_{k}",
                y_pred=(score > 0.5).astype(int),
                y_prob=score,
                y_score=score,
                score_kind="probability",
            )
        )
    settings = EvalSettings(n_bootstrap=20)
    return evaluate_predictions(data, preds, settings=settings, now=NOW)


def part_rows() -> None:
    print("\nPart 2: data rows (real evaluation of 3 synthetic candidates, 20 bootstrap resamples)")
    print(f"{'rows':>10}  {'scorecard bytes':>15}  {'html bytes':>12}  {'md bytes':>9}  {'json bytes':>10}")
    sizes = []
    for n_rows in (2_000, 200_000):
        sc = synthetic_eval(n_rows)
        from analysis.scorecard import scorecard_to_json

        decision = build_decision(sc, random_state=0, n_samples=50, group_samples=20, now=NOW)
        report = build_report(sc, decision, now=NOW)
        html = size(report_to_html(report))
        sizes.append(html)
        print(
            f"{n_rows:>10,}  {size(scorecard_to_json(sc)):>15,}  {html:>12,}  "
            f"{size(report_to_markdown(report)):>9,}  {size(report_to_json(report)):>10,}"
        )
    print(f"HTML size ratio, 200k rows / 2k rows: {sizes[1] / sizes[0]:.4f} (100x the rows)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF export")
    parser.add_argument("--skip-rows", action="store_true", help="skip part 2 (the evaluation)")
    args = parser.parse_args(argv)
    part_candidates(pdf=not args.no_pdf)
    if not args.skip_rows:
        part_rows()
    return 0


if __name__ == "__main__":
    sys.exit(main())
