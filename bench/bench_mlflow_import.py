"""`tradeoffs import mlflow` on an experiment of many runs, against the run-by-run way, on a real server.

    python bench/bench_mlflow_import.py               # 200 runs, best of 3
    python bench/bench_mlflow_import.py --runs 500

Starts a real MLflow tracking server on loopback (SQLite backend, local artifacts; as the tests
do), logs ``--runs`` runs, each with two metrics, three parameters and an XGBoost model (``MLmodel``
+ ``model.ubj``, saved once by MLflow's own ``mlflow.xgboost.save_model``) as the run's MLflow 3
logged model (``create_logged_model`` + ``log_model_artifacts`` + ``log_outputs``: what
``log_model`` does, without re-saving the model each time); ``--legacy`` logs the folder as the
run's ``model`` artifacts instead (MLflow 2's ``runs:/ID/model``). Then it measures in the same run:

- the command a user runs: ``tradeoffs import mlflow --experiment ... --out ...`` as a whole
  process (start-up, the search, every run's model listing and ``MLmodel``, the scorecard written);
- the library call with the runs looked at 8 at a time (``import_runs(workers=8)``, the default);
- the straightforward way: the same call one run after another (``workers=1``). Each run costs
  a few round trips to the server (its artifact listing, its ``MLmodel``); the ratio is
  one-by-one / threaded.

A run that fails is reported as missing, never as zero.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "mlflow"))
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def log_runs(uri: str, n: int, folder: Path, *, legacy: bool = False) -> None:
    import mlflow
    import numpy as np
    import xgboost as xgb

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    model_dir = folder / "model"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlflow.xgboost.save_model(xgb.XGBClassifier(n_estimators=5).fit(X, y), str(model_dir))
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment("bench")
        client = mlflow.MlflowClient(uri)
        exp = client.get_experiment_by_name("bench").experiment_id
        for i in range(n):
            run = client.create_run(exp, run_name=f"run-{i:04d}")
            rid = run.info.run_id
            client.log_batch(
                rid,
                metrics=[
                    mlflow.entities.Metric("roc_auc", float(rng.uniform(0.6, 0.9)), 0, 0),
                    mlflow.entities.Metric("log_loss", float(rng.uniform(0.3, 0.7)), 0, 0),
                ],
                params=[mlflow.entities.Param(k, str(rng.integers(1, 9))) for k in ("depth", "trees", "seed")],
            )
            if legacy:
                client.log_artifacts(rid, str(model_dir), "model")
            else:
                model = client.create_logged_model(exp, name="model", source_run_id=rid)
                client.log_model_artifacts(model.model_id, str(model_dir))
                client.finalize_logged_model(model.model_id, "READY")
                client.log_outputs(rid, [mlflow.entities.LoggedModelOutput(model.model_id, 0)])
            client.set_terminated(rid)


def best(fn, repeat: int) -> float | None:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            fn()
        except Exception as exc:  # a failed measurement is missing, never zero
            print(f"  failed: {type(exc).__name__}: {exc}")
            return None
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--legacy", action="store_true", help="MLflow 2 style: the model as run artifacts.")
    args = parser.parse_args()
    from _server import start_server

    from analysis.tracking import import_runs, mlflow_client

    with tempfile.TemporaryDirectory(prefix="bench-mlflow-") as tmp:
        folder = Path(tmp)
        server = start_server(folder / "server")
        try:
            t0 = time.perf_counter()
            log_runs(server.uri, args.runs, folder, legacy=args.legacy)
            print(f"logged {args.runs} runs with a model each in {time.perf_counter() - t0:.1f} s")
            out = folder / "imported.json"
            cmd = [sys.executable, "-m", "analysis.cli", "import", "mlflow", "--tracking-uri", server.uri]
            cmd += ["--experiment", "bench", "--out", str(out)]
            command = best(lambda: subprocess.run(cmd, check=True, capture_output=True, stdin=subprocess.DEVNULL), 1)
            client = mlflow_client(server.uri)
            found = {}

            def call(workers: int):
                found[workers] = import_runs(client, server.uri, experiment="bench", workers=workers)

            threaded = best(lambda: call(8), args.repeat)
            one_by_one = best(lambda: call(1), args.repeat)
        finally:
            server.stop()
    loadable = sum(1 for r in found.get(8, None).runs if r.model and r.model.loadable) if 8 in found else None
    print(f"runs: {args.runs}; loadable models found: {loadable}")

    def fmt(x):
        return "missing" if x is None else f"{x:.2f} s"

    print(f"tradeoffs import mlflow (whole process):   {fmt(command)}")
    print(f"import_runs, 8 runs at a time (default):    {fmt(threaded)}")
    print(f"import_runs, one run after another:         {fmt(one_by_one)}")
    if threaded and one_by_one:
        print(f"ratio one-by-one / threaded: {one_by_one / threaded:.1f}x")


if __name__ == "__main__":
    main()
