"""`tradeoffs evaluate` at scale: wall time and peak memory of the whole command, now and before.

Writes a synthetic binary task of N rows as Parquet (five numeric features, a ``region``
attribute with 1,000 groups, a two-group ``sex``, a month ``when`` column over a year, a value
column), fits three small scikit-learn models on 20,000 other rows (logistic regression,
histogram gradient boosting, a decision tree) saved as skops files, and runs

    tradeoffs evaluate --data data.parquet --target y --sensitive region,sex --time when \\
        --value-col basket --model lr.skops --model hgb.skops --model tree.skops \\
        --bootstrap 200 --no-serving --no-explain --quiet --out scorecard.json

as a subprocess under ``/usr/bin/time``, printing wall seconds and peak RSS. The *before* figure
is the same command run by the code of a given commit (default: the last commit before the
chunked scoring, ``--before``), extracted with ``git archive`` into a temporary folder, measured
in the same run where it fits (``--before-max-rows``; it is capped at ``--cap-gb`` of address
space and reported as over the cap if it is killed). A failed measurement prints "failed",
never 0.

Also the prediction-file case: ``--files 200`` writes 200 prediction files for the first
22,500 rows and evaluates them (``--predictions`` x 200, joined on ``row_id``).

Run: python bench/bench_evaluate_scale.py --rows 100000,1000000 [--files 200] [--rows 10000000 --no-before]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "0e8305f"  # the last commit with the dense multinomial scoring


def make_rows(n: int, seed: int) -> pd.DataFrame:
    """A synthetic binary task: the label depends on the features and (a little) on region."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    region = rng.integers(0, 1000, n)
    sex = rng.integers(0, 2, n)
    logit = X @ np.array([1.0, -0.7, 0.5, 0.0, 0.3]) + 0.3 * np.sin(region) + 0.2 * sex - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    months = rng.integers(1, 13, n)
    return pd.DataFrame(
        {
            "row_id": np.arange(n, dtype=np.int64),
            **{f"x{i}": X[:, i] for i in range(5)},
            "region": pd.Categorical.from_codes(region, [f"r{i:03d}" for i in range(1000)]),
            "sex": np.where(sex == 1, "f", "m"),
            "when": pd.to_datetime({"year": 2025, "month": months, "day": 1}),
            "basket": rng.gamma(2.0, 10.0, n).round(2),
            "y": y,
        }
    )


def fit_models(folder: Path) -> list[Path]:
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    train = make_rows(20_000, seed=1)
    X, y = train[[f"x{i}" for i in range(5)]], train.y
    paths = []
    for name, est in [
        ("lr", LogisticRegression()),
        ("hgb", HistGradientBoostingClassifier(max_iter=50, random_state=0)),
        ("tree", DecisionTreeClassifier(max_depth=8, random_state=0)),
    ]:
        path = folder / f"{name}.skops"
        sio.dump(est.fit(X, y), path)
        paths.append(path)
    return paths


def write_data(folder: Path, n: int) -> Path:
    path = folder / f"data_{n}.parquet"
    if not path.exists():
        parts = []
        for start in range(0, n, 2_000_000):  # write in pieces: the generator itself stays small
            part = make_rows(min(2_000_000, n - start), seed=100 + start)
            part["row_id"] += start
            parts.append(part)
        import pyarrow as pa
        import pyarrow.parquet as pq

        with pq.ParquetWriter(path, pa.Table.from_pandas(parts[0], preserve_index=False).schema) as w:
            for p in parts:
                w.write_table(pa.Table.from_pandas(p, preserve_index=False))
    return path


def extract(commit: str, folder: Path) -> Path:
    """The ``analysis`` package of ``commit``, unpacked into ``folder`` (the repository is not touched)."""
    out = folder / f"code_{commit}"
    if not out.exists():
        out.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, "analysis"], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out


def run(argv: list[str], code: Path | None, cap_gb: float | None) -> tuple[float | None, float | None, str]:
    """(wall seconds, peak RSS GB, status) of ``tradeoffs <argv>`` run by ``code`` (default: this checkout)."""
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONPATH": str(code) if code else str(ROOT),
    }
    cmd = [
        "/usr/bin/time",
        "-f",
        "%e %M",
        sys.executable,
        "-c",
        "from analysis.cli import main; raise SystemExit(main())",
    ]
    if cap_gb:
        cmd = ["prlimit", f"--as={int(cap_gb * 2**30)}", *cmd]
    proc = subprocess.run([*cmd, *argv], env=env, capture_output=True, text=True, cwd=str(code or ROOT))
    last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    try:
        seconds, kb = (float(x) for x in last.split()[-2:])
    except ValueError:
        return None, None, "failed"
    status = (
        "ok"
        if proc.returncode == 0
        else (
            "killed"
            if "MemoryError" in proc.stderr or proc.returncode < 0 or proc.returncode > 128
            else f"exit {proc.returncode}"
        )
    )
    if status != "ok":
        return None, kb / 2**20, status
    return seconds, kb / 2**20, status


def _fmt(x: float | None, spec: str) -> str:
    return "failed" if x is None else format(x, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated row counts")
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--before", default=BEFORE, help="commit measured as the old way")
    parser.add_argument("--before-max-rows", type=int, default=100_000)
    parser.add_argument("--no-before", action="store_true")
    parser.add_argument("--cap-gb", type=float, default=12.0, help="address-space cap of the old way's run")
    parser.add_argument("--files", type=int, default=0, help="also evaluate this many prediction files on 22,500 rows")
    parser.add_argument("--sensitive", default="region,sex", help="sensitive columns (region has 1,000 groups)")
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()

    folder = Path(args.workdir or tempfile.mkdtemp(prefix="bench_eval_"))
    folder.mkdir(parents=True, exist_ok=True)
    models = fit_models(folder)
    before = None if args.no_before else extract(args.before, folder)
    print(f"tradeoffs evaluate, 3 models, {args.bootstrap} resamples, sensitive {args.sensitive}, 12 months")
    print(f"{'rows':>12} {'now s':>9} {'now GB':>8} {'before s':>10} {'before GB':>10} {'GB ratio':>9}")
    for n in (int(x) for x in args.rows.split(",") if x.strip()):
        data = write_data(folder, n)
        argv = [
            "evaluate", "--data", str(data), "--target", "y", "--sensitive", args.sensitive, "--time", "when",
            "--value-col", "basket", *[a for m in models for a in ("--model", str(m))],
            "--bootstrap", str(args.bootstrap), "--no-serving", "--no-explain", "--quiet",
            "--out", str(folder / f"sc_{n}.json"),
        ]  # fmt: skip
        now_s, now_gb, status = run(argv, None, None)
        old_s = old_gb = None
        old_status = "not run"
        if before is not None and n <= args.before_max_rows:
            argv_old = [*argv[:-1], str(folder / f"sc_{n}_before.json")]
            old_s, old_gb, old_status = run(argv_old, before, args.cap_gb)
        ratio = f"{old_gb / now_gb:.1f}x" if old_gb and now_gb and old_status == "ok" and status == "ok" else "-"
        old_text = (
            f"{_fmt(old_s, '.1f'):>10} {_fmt(old_gb, '.2f'):>10}"
            if old_status == "ok"
            else f"{old_status:>10} {('>' + _fmt(old_gb, '.1f')) if old_gb else '-':>10}"
        )
        now_text = f"{_fmt(now_s, '.1f'):>9} {_fmt(now_gb, '.2f'):>8}" if status == "ok" else f"{status:>9} {'-':>8}"
        print(f"{n:>12,} {now_text} {old_text} {ratio:>9}", flush=True)
    if args.files:
        files_case(folder, args, before)


def files_case(folder: Path, args, before: Path | None) -> None:
    """The built-in scenario's 22,500 test rows with ``args.files`` prediction files as the candidates."""
    data = ROOT / "sample_data" / "test.parquet"
    frame = pd.read_parquet(data)
    n = len(frame)
    rng = np.random.default_rng(5)
    signal = (frame.cuisine_match - 0.5) * 2 - 0.3 * frame.distance_km / frame.distance_km.std() - 1.0
    paths = []
    for i in range(args.files):
        prob = 1 / (1 + np.exp(-(signal + rng.normal(scale=1.0 + i / args.files, size=n))))
        path = folder / f"pred_{i:03d}.parquet"
        pd.DataFrame(
            {"impression_id": frame.impression_id, "y_pred": (prob > 0.5).astype(int), "y_prob": prob}
        ).to_parquet(path)
        paths.append(path)
    argv = [
        "evaluate", "--data", str(data), "--target", "ordered", "--id", "impression_id",
        "--sensitive", "income_band,age_band", "--time", "timestamp", "--value-col", "order_value",
        "--value-col", "ad_fee", "--value-matrix", "tp=0.15*order_value+ad_fee", "--value-matrix", "fp=-1.5",
        *[a for p in paths for a in ("--predictions", str(p))],
        "--bootstrap", str(args.bootstrap), "--no-serving", "--no-explain", "--quiet", "--out",
    ]  # fmt: skip
    now_s, now_gb, status = run([*argv, str(folder / "sc_files.json")], None, None)
    print(f"{args.files} prediction files x {n:,} rows (built-in scenario's test data), {args.bootstrap} resamples")
    print(f"{'':>12} {'now s':>9} {'now GB':>8} {'before s':>10} {'before GB':>10} {'GB ratio':>9}")
    old = (None, None, "not run")
    if before is not None:
        old = run([*argv, str(folder / "sc_files_before.json")], before, args.cap_gb)
    ratio = f"{old[1] / now_gb:.1f}x" if old[2] == "ok" and status == "ok" else "-"
    print(
        f"{'files':>12} {_fmt(now_s, '.1f'):>9} {_fmt(now_gb, '.2f'):>8} "
        f"{_fmt(old[0], '.1f') if old[2] == 'ok' else old[2]:>10} "
        f"{_fmt(old[1], '.2f') if old[2] != 'not run' else '-':>10} {ratio:>9}"
    )


if __name__ == "__main__":
    main()
