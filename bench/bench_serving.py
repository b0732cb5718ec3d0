"""Serving benchmark: the harness's own overhead, its accuracy, and the scenario's candidates.

Prints
1. the harness's overhead: the timer, the per-call cost of the timing loop, and the wall time of
   measuring a known model against the time the model itself spent;
2. its accuracy on reference models whose cost is known (measured vs true p50/p99 and the
   throughput curve), on the wall clock and on the thread's CPU clock (immune to other processes);
3. serving figures of the built-in scenario's candidates (``sample_data/models/*.skops`` when
   present, else a few scikit-learn models trained here on synthetic data of the same shape),
   with the naive way alongside (one predict over a batch divided by its rows) and the ratio;
4. ONNX variants (quick mode): conversion, agreement and speed-up;
5. the total time of the measurement in default and quick modes (targets: 60 s and 15 s for about
   ten candidates).

``--check`` instead runs the validity checks on real clocks: the tests marked ``timing`` (reference
models of known cost measured to 5% at the median; the scenario's serving shape), which the default
test run leaves out because a busy machine makes them flaky. It exits with pytest's status.

Run: python bench/bench_serving.py [--quick-only] [--no-onnx] | --check
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from threadpoolctl import threadpool_limits

from analysis.serving import ReferenceModel, ServingSettings, measure_serving, measure_timer_overhead
from sample_data._models import CATEGORICAL_FEATURES, NUMERIC_FEATURES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
CATEGORICAL, NUMERIC = CATEGORICAL_FEATURES, NUMERIC_FEATURES  # the scenario's, defined once


def load_candidates() -> tuple[dict, dict, pd.DataFrame, str]:
    """The scenario's fitted models, their files and the evaluation features."""
    paths = sorted((SAMPLE / "models").glob("*.skops"))
    if paths and (SAMPLE / "test.parquet").exists():
        import skops.io

        card = yaml.safe_load((SAMPLE / "card.yaml").read_text())
        X = pd.read_parquet(SAMPLE / "test.parquet")[card["features"]]
        models = {p.stem: skops.io.load(p, trusted=skops.io.get_untrusted_types(file=p)) for p in paths}
        return models, {p.stem: p for p in paths}, X, "sample_data/models/*.skops"
    return (*train_synthetic(), "trained here on synthetic data of the scenario's shape")


def train_synthetic() -> tuple[dict, dict, pd.DataFrame]:
    from sklearn.compose import ColumnTransformer
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(0)
    n = 22_500
    X = pd.DataFrame({c: rng.normal(size=n) for c in NUMERIC})
    X["cuisine"] = rng.choice(["pizza", "sushi", "thai", "korean"], size=n)
    X["user_zone"] = rng.choice([f"471{i:02d}" for i in range(1, 21)], size=n)
    y = (X["rating"] - X["distance_km"] + (X["cuisine"] == "thai") + rng.logistic(size=n) > 0.5).astype(int)
    estimators = {
        "logistic_regression": LogisticRegression(max_iter=500),
        "decision_tree": DecisionTreeClassifier(max_depth=4),
        "random_forest": RandomForestClassifier(100, max_depth=10, n_jobs=1, random_state=0),
        "hist_gradient_boosting": HistGradientBoostingClassifier(max_iter=100),
        "naive_bayes": GaussianNB(),
        "majority_baseline": DummyClassifier(),
    }
    models = {}
    for name, est in estimators.items():
        features = ColumnTransformer(
            [
                ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(CATEGORICAL)),
                ("num", StandardScaler(), list(NUMERIC)),
            ]
        )
        models[name] = Pipeline([("features", features), ("model", est)]).fit(X, y)
    return models, {}, X


def naive_ms_per_row(model, X: pd.DataFrame, rows: int = 1000, repeats: int = 5) -> float:
    """The naive way: one predict over a batch, divided by its rows (best of a few, to be fair to it)."""
    batch = X.iloc[:rows]
    best = np.inf
    with threadpool_limits(limits=1):  # the same thread budget as the harness
        model.predict_proba(batch)
        for _ in range(repeats):
            t0 = time.perf_counter()
            model.predict_proba(batch)
            best = min(best, time.perf_counter() - t0)
    return best * 1e3 / rows


def harness_overhead(X: pd.DataFrame) -> None:
    print("\n== 1. Harness overhead")
    info = measure_timer_overhead()
    print(
        f"timer: {info.name}, overhead {info.overhead_ns:.0f} ns per timed interval, "
        f"resolution {info.resolution_ns:g} ns"
    )

    class NoOp:
        def __init__(self) -> None:
            self.out = np.zeros((1, 2))

        def predict_proba(self, X):
            return self.out

    settings = ServingSettings(
        n_calls=5000, warmup=50, rounds=1, batch_sizes=(1,), throughput_budget_s=0.0, block_threshold=1.0
    )
    lat = measure_serving({"noop": NoOp()}, X, settings=settings).candidate("noop").latency
    print(
        f"a do-nothing model timed call by call: p50 {lat.p50_ms * 1e6:.0f} ns, p99 {lat.p99_ms * 1e6:.0f} ns "
        "(timer overhead + call dispatch: the floor of any single-call figure)"
    )
    ref = ReferenceModel(per_call_ms=2.0)
    settings = ServingSettings(n_calls=1000, warmup=50, rounds=5, batch_sizes=(1,), throughput_budget_s=0.0)
    t0 = time.perf_counter()
    report = measure_serving({"ref": ref}, X, settings=settings)
    wall = time.perf_counter() - t0
    lat = report.candidate("ref").latency
    model_s = (lat.mean_ms * lat.n_calls + 2.0 * (50 + 4 * 5)) / 1e3
    print(
        f"measuring 1,000 calls of a 2 ms model: {wall:.2f} s wall, {model_s:.2f} s inside the model: "
        f"harness overhead {wall - model_s:.2f} s ({(wall - model_s) / wall:.0%}, mostly fixed setup: "
        "garbage collection, thread pools, price table)"
    )


def reference_accuracy(X: pd.DataFrame) -> None:
    print("\n== 2. Accuracy on reference models (true cost known)")
    print(f"{'clock':<6}{'true p50':>10}{'meas p50':>10}{'err':>8}{'meas p99':>10}{'p99/true':>10}{'busy':>6}")
    for clock, timer in (("wall", None), ("cpu", time.thread_time_ns)):
        settings = ServingSettings(n_calls=1000, warmup=50, batch_sizes=(1,), throughput_budget_s=0.0)
        report = measure_serving(
            {"ref": ReferenceModel(per_call_ms=2.0, clock=clock)}, X, settings=settings, timer=timer
        )
        lat = report.candidate("ref").latency
        print(
            f"{clock:<6}{2.0:>10.3f}{lat.p50_ms:>10.3f}{(lat.p50_ms - 2) / 2:>8.2%}{lat.p99_ms:>10.3f}"
            f"{lat.p99_ms / 2:>10.2f}{report.environment.busy!s:>6}"
        )
    a_ms, b_ms = 1.0, 0.01
    sizes = (1, 8, 64, 512, 4096)
    print(f"throughput of a model costing {a_ms} ms + {b_ms} ms/row (ceiling {1e3 / b_ms:,.0f} rows/s):")
    print(f"{'clock':<6}{'batch':>7}{'true rows/s':>14}{'measured':>14}{'ratio':>8}")
    for clock, timer in (("wall", None), ("cpu", time.thread_time_ns)):
        settings = ServingSettings(n_calls=10, warmup=2, rounds=2, batch_sizes=sizes, throughput_budget_s=2.0)
        model = ReferenceModel(per_call_ms=a_ms, per_row_ms=b_ms, clock=clock)
        points = measure_serving({"ref": model}, X, settings=settings, timer=timer).candidate("ref").throughput
        for p in points:
            true = p.batch_size / ((a_ms + b_ms * p.batch_size) / 1e3)
            print(f"{clock:<6}{p.batch_size:>7}{true:>14,.0f}{p.rows_per_s:>14,.0f}{p.rows_per_s / true:>8.3f}")


def candidate_table(report, models, X) -> None:
    print(
        f"{'candidate':<24}{'calls':>6}{'p50 ms':>8}{'p99 ms':>8}{'mean':>8}{'naive ms/row':>13}{'p50/naive':>10}"
        f"{'best rows/s':>13}{'@':>5}{'size MB':>9}{'peak MB':>9}{'$/M 1-row':>10}{'$/M batch':>10}"
    )
    for c in report.candidates:
        f = c.figures()
        best = c.best_throughput
        naive = naive_ms_per_row(models[c.name], X) if c.name in models else float("nan")

        def fmt(v, spec):
            return format(v, spec) if v is not None else "missing".rjust(int(spec.split(".")[0].lstrip(">,")))

        calls = c.latency.n_calls if c.latency else 0
        print(
            f"{c.name:<24}{calls:>6}{fmt(f['latency_ms_p50'], '>8.2f')}{fmt(f['latency_ms_p99'], '>8.2f')}"
            f"{fmt(f['latency_ms_mean'], '>8.2f')}{naive:>13.4f}"
            f"{(f['latency_ms_p50'] or np.nan) / naive:>10.0f}{fmt(f['throughput_rows_per_s'], '>13,.0f')}"
            f"{(best.batch_size if best else 0):>5}{fmt(f['model_size_mb'], '>9.3f')}"
            f"{fmt(f['peak_memory_mb'], '>9.2f')}{fmt(f['cost_usd_per_million'], '>10.4f')}"
            f"{fmt(f['cost_usd_per_million_batch'], '>10.5f')}"
        )
        for e in c.errors:
            print(f"    error: {e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick-only", action="store_true", help="skip the default-mode run")
    parser.add_argument("--no-onnx", action="store_true", help="skip the ONNX variants")
    parser.add_argument(
        "--check",
        action="store_true",
        help="run the timing tests (python -m pytest -m timing) and exit with their status",
    )
    args = parser.parse_args()
    if args.check:
        raise SystemExit(subprocess.call([sys.executable, "-m", "pytest", "-q", "-m", "timing"], cwd=ROOT))
    started = time.perf_counter()
    print(f"load average now: {os.getloadavg()[0]:.2f} on {os.cpu_count()} logical cores")
    models, files, X, source = load_candidates()
    harness_overhead(X)
    reference_accuracy(X)

    print(f"\n== 3. Candidates ({len(models)}, {source}), {len(X):,} evaluation rows")
    totals = {}
    reports = {}
    for mode in ("quick", "default"):
        if mode == "default" and args.quick_only:
            continue
        settings = ServingSettings(quick=(mode == "quick"))
        t0 = time.perf_counter()
        reports[mode] = measure_serving(models, X, settings=settings, model_files=files)
        totals[mode] = time.perf_counter() - t0
    shown = reports.get("default", reports["quick"])
    mode = "default" if "default" in reports else "quick"
    print(f"({mode} mode; p50/naive: how much the naive per-row figure understates a single request)")
    candidate_table(shown, models, X)
    env = shown.environment
    cost = next(c.cost_single for c in shown.candidates if c.cost_single is not None)
    print(f"cost assumption: {cost.assumption.describe()}")
    print(
        f"environment: {env.cpu_model}, {env.logical_cores} logical cores, threads={env.threads}, "
        f"load {env.load_before[0]:.2f} -> {env.load_after[0]:.2f}, busy={env.busy}"
        + (f" ({env.busy_note})" if env.busy else "")
    )

    if not args.no_onnx:
        print("\n== 4. ONNX variants (quick mode)")
        t0 = time.perf_counter()
        report = measure_serving(models, X, settings=ServingSettings(quick=True, variants=("onnx",)), model_files=files)
        print(f"({time.perf_counter() - t0:.1f} s for {len(report.candidates)} entries)")
        print(f"{'variant':<30}{'converted':>10}{'max |diff|':>12}{'p50 ms':>9}{'orig p50':>9}{'speed-up':>9}")
        for c in report.candidates:
            if c.kind != "variant":
                continue
            base = report.candidate(c.base).figures()["latency_ms_p50"]
            if c.conversion.model is None:
                print(f"{c.name:<30}{'no':>10}  {c.errors[0][:100]}")
                continue
            p50 = c.figures()["latency_ms_p50"]
            print(
                f"{c.name:<30}{'yes':>10}{c.conversion.max_abs_diff:>12.1e}{p50:>9.3f}{base:>9.3f}{base / p50:>8.1f}x"
            )

    print("\n== 5. Totals")
    for mode, seconds in totals.items():
        target = 15 if mode == "quick" else 60
        print(f"{mode:<8} mode, {len(models)} candidates: {seconds:6.1f} s (target < {target} s)")
    print(f"whole benchmark: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
