"""`tradeoffs evaluate` on a partitioned Parquet dataset: in this process and on a Dask cluster of 1..N workers.

Writes a synthetic binary task (a sensitive attribute of 200 groups, a time column, three
scikit-learn models saved as skops) as a Parquet dataset of several files and row groups, then
runs the user's command end to end as a subprocess:

* the straightforward way: the same rows as one table in memory (``--data one.parquet``);
* the dataset scored partition by partition in this process (``--data DIR``);
* the dataset on a local Dask cluster of 1, 2, ... workers (``--data DIR --scheduler local --workers K``),
  where the workers read the files and only the sums come back.

Prints wall time and the command's peak RSS (largest resident set of the process and the
children it waited for: with Dask that is the largest single process, not the cluster's sum) for
each, the ratio to the in-memory way, and checks that every run wrote the same figures (point
values equal; intervals equal between the partitioned runs).

Run: python bench/bench_dask.py [--rows 2000000] [--bootstrap 200] [--workers 1,2]
On a real cluster, start ``dask scheduler`` and ``dask worker`` processes that can read the same
files and pass ``--scheduler tcp://HOST:8786`` to ``tradeoffs evaluate`` (see the README).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def make_dataset(folder: Path, rows: int, *, files: int = 8, row_group: int = 125_000, seed: int = 0) -> list[Path]:
    """A Parquet dataset of ``rows`` rows in ``files`` files, and three fitted models as skops files."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier
    from skops.io import dump

    rng = np.random.default_rng(seed)
    data = folder / "events"
    data.mkdir(parents=True)
    per_file = -(-rows // files)
    train = None
    for i in range(files):
        n = min(per_file, rows - i * per_file)
        if n <= 0:
            break
        x = rng.normal(size=(n, 4))
        df = pd.DataFrame(x, columns=["x1", "x2", "x3", "x4"])
        df["zone"] = rng.integers(0, 200, size=n).astype(str)
        df["ts"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 360, size=n), unit="D")
        logit = 0.8 * df.x1 - 0.5 * df.x2 + 0.3 * df.x3 * df.x4
        df["clicked"] = (logit + rng.logistic(size=n) > 0.5).astype(int)
        df.to_parquet(data / f"part-{i:03d}.parquet", row_group_size=row_group, index=False)
        if train is None:
            train = df.iloc[:50_000]
    feats = ["x1", "x2", "x3", "x4"]
    models = []
    for name, est in (
        ("logreg", LogisticRegression()),
        ("tree", DecisionTreeClassifier(max_depth=6, random_state=0)),
        ("hgb", HistGradientBoostingClassifier(max_iter=50, random_state=0)),
    ):
        est.fit(train[feats], train.clicked)
        path = folder / f"{name}.skops"
        dump(est, path)
        models.append(path)
    return models


def run(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (GB) and exit code of ``tradeoffs`` with ``args``, pinned to one thread per process."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "r = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "-m", "analysis.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    seconds, kb, rc = out.stdout.split()
    return float(seconds), int(kb) / 2**20, int(rc)


def figures(path: Path) -> dict:
    sc = json.loads(path.read_text())
    return {(m["candidate"], m["objective"]): (m["value"], m.get("ci_low"), m.get("ci_high")) for m in sc["metrics"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=2_000_000)
    p.add_argument("--bootstrap", type=int, default=200)
    p.add_argument("--workers", default="1,2", help="Dask worker counts to run, comma-separated.")
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_dask_"))
    try:
        t0 = time.perf_counter()
        models = make_dataset(tmp, a.rows)
        one = tmp / "one.parquet"
        pd.concat([pd.read_parquet(f) for f in sorted((tmp / "events").glob("*.parquet"))]).to_parquet(one, index=False)
        print(f"{a.rows:,} rows, 3 models, {a.bootstrap} resamples; data written in {time.perf_counter() - t0:.1f} s")
        common = ["--target", "clicked", "--sensitive", "zone", "--time", "ts", "--bootstrap", str(a.bootstrap)]
        common += ["--no-serving", "--no-explain", "--quiet"]
        for m in models:
            common += ["--model", str(m)]
        runs = [
            ("in memory (one table)", ["--data", str(one)]),
            ("partitions, this process", ["--data", str(tmp / "events")]),
        ]
        for k in [int(x) for x in a.workers.split(",") if x.strip()]:
            runs.append(
                (f"Dask, {k} worker(s)", ["--data", str(tmp / "events"), "--scheduler", "local", "--workers", str(k)])
            )
        print(f"{'how':<28} {'wall':>9} {'peak RSS':>9} {'vs in memory':>13}")
        base = None
        results = {}
        for label, extra in runs:
            out = tmp / f"{len(results)}.json"
            seconds, gb, rc = run(["evaluate", *extra, *common, "--out", str(out)])
            if rc != 0:
                print(f"{label:<28} {'failed (exit ' + str(rc) + ')':>20}")
                continue
            base = base or seconds
            results[label] = figures(out)
            print(f"{label:<28} {seconds:8.1f}s {gb:8.2f}G {base / seconds:12.2f}x")
        labels = list(results)
        if len(labels) > 1:
            ref = results[labels[0]]
            # ROC/PR AUC, and the trends computed from their per-window values.
            ranking = ("roc_auc", "pr_auc", "auc_decay_per_month", "auc_gap_first_last")

            def gap(a: dict, b: dict, *, keys, index: int) -> float:
                return max(
                    (
                        abs(a[k][index] - b[k][index])
                        for k in keys
                        if a[k][index] is not None and b[k][index] is not None
                    ),
                    default=0.0,
                )

            for lab in labels[1:]:
                other = [k for k in ref if k[1] not in ranking]
                rank = [k for k in ref if k[1] in ranking]
                print(
                    f"{lab}: largest difference from in memory: {gap(ref, results[lab], keys=other, index=0):.1e} "
                    f"(point values), {gap(ref, results[lab], keys=rank, index=0):.1e} (ROC/PR AUC and "
                    "their trends: binned on partitions, exact in memory; within the bound in sections.ranking)"
                )
            part = labels[1:]
            for lab in part[1:]:
                worst = max(gap(results[part[0]], results[lab], keys=list(ref), index=i) for i in range(3))
                print(f"{lab} vs {part[0]}: largest difference of any value or interval end: {worst:.1e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"(bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB)")


if __name__ == "__main__":
    main()
