"""End-to-end benchmark of ``tradeoffs rank`` and ``tradeoffs decide`` at growing sizes (issue 12).

Run from the repository root on a quiet machine::

    python bench/bench_cli_decision.py                 # rank 10..100,000, decide 10..10,000
    python bench/bench_cli_decision.py --quick         # rank up to 10,000, decide up to 1,000

Inputs are generated with a seed by ``bench/decision_inputs.py`` (metrics tables of 6 registered
objectives for ``rank``; the built-in scenario's scorecard grown to n candidates for ``decide``, so
the default roles find every kind of objective they weigh). Each command runs as a subprocess of
the ``tradeoffs`` CLI, exactly as a user runs it; the figures are the best wall time of
``--repeat`` runs, the peak RSS of that subprocess (``resource.getrusage(RUSAGE_CHILDREN)`` of a
wrapper that runs only it) and, for ``decide``, the size of the decision record.

Next to them, measured in the same run:

* rank: the kernels on the same table (``compute_nondominated`` and ``score_table``);
* decide: the sensitivity kernels at ``--naive-size`` candidates (default 300) against the
  straightforward way they replaced, with the ratio: per-profile SMAA (one ``score_table`` per
  draw vs batched re-scoring), per-profile leave-one-out (re-score every removal vs only those
  that can change a utility), group SMAA and group leave-one-out (every profile re-scored and
  every rule computed with ``p x n x n`` tensors per draw/removal vs batched re-scoring and only
  the chosen rule), and the group rules themselves (tensors vs sorting/chunked majorities).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from decision_inputs import write_metrics_table, write_scorecard  # noqa: E402

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
    "dt = time.perf_counter() - t\n"
    "print(rc, dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def run_cli(args: list[str], repeat: int) -> tuple[float | None, float | None]:
    """Best wall time (s) and peak RSS (MB) of ``tradeoffs ARGS``; None when it failed."""
    best, rss = None, None
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", WRAPPER, "tradeoffs", *args], capture_output=True, text=True, env=ENV, check=False
        )
        rc, dt, kb = out.stdout.split()
        if int(rc) not in (0, 3):
            return None, None
        best = float(dt) if best is None else min(best, float(dt))
        rss = int(kb) / 1024 if rss is None else max(rss, int(kb) / 1024)
    return best, rss


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def fmt(x: float | None, unit: str = "s") -> str:
    if x is None:
        return "missing"
    if unit == "s" and abs(x) < 0.1:
        return f"{x * 1000:.1f} ms"
    return f"{x:.2f} {unit}"


def bench_rank(tmp: Path, sizes: list[int], repeat: int) -> None:
    import pandas as pd

    from analysis.decision import compute_nondominated, score_table
    from analysis.decision._table import table_from_arrays

    print("tradeoffs rank --scorecard TABLE.csv (6 objectives, equal weights), whole process")
    print(f"{'candidates':>10}  {'wall':>9}  {'peak RSS':>10}  {'- 10 rows':>9}  {'kernels: front':>14}  {'score':>8}")
    base = None
    for n in sizes:
        path = write_metrics_table(tmp / f"table_{n}.csv", n, seed=0)
        wall, rss = run_cli(["rank", "--scorecard", str(path)], repeat)
        frame = pd.read_csv(path)
        cols = [c for c in frame.columns if c != "candidate"]
        from analysis.objectives import get_objective

        table = table_from_arrays(frame["candidate"], [get_objective(c) for c in cols], frame[cols].to_numpy(float))
        costs = table.costs()
        t_front = best_of(lambda costs=costs: compute_nondominated(costs))
        t_score = best_of(lambda table=table: score_table(table))
        if base is None and wall is not None:
            base = wall
        extra = None if wall is None or base is None else wall - base
        print(f"{n:>10,}  {fmt(wall):>9}  {fmt(rss, 'MB'):>10}  {fmt(extra):>9}  {fmt(t_front):>14}  {fmt(t_score):>8}")
    print()


def bench_decide(tmp: Path, sizes: list[int], repeat: int) -> None:
    print("tradeoffs decide --scorecard SC.json (default roles, 500 + 200 draws, leave-one-out), whole process")
    print(f"{'candidates':>10}  {'wall':>9}  {'peak RSS':>10}  {'- 10 cands':>10}  {'record':>10}  {'scorecard':>10}")
    base = None
    for n in sizes:
        sc = write_scorecard(tmp / f"scorecard_{n}.json", n, seed=0)
        out = tmp / f"decision_{n}.json"
        wall, rss = run_cli(["decide", "--scorecard", str(sc), "--out", str(out)], repeat if n <= 1000 else 1)
        size = out.stat().st_size / 1e6 if out.exists() and wall is not None else None
        if base is None and wall is not None:
            base = wall
        extra = None if wall is None or base is None else wall - base
        print(
            f"{n:>10,}  {fmt(wall):>9}  {fmt(rss, 'MB'):>10}  {fmt(extra):>10}  {fmt(size, 'MB'):>10}  "
            f"{sc.stat().st_size / 1e6:>7.1f} MB"
        )
        if out.exists():
            rec = json.loads(out.read_text(encoding="utf-8"))
            stored = sum(
                len(r)
                for p in rec["profiles"]
                for r in ((p.get("sensitivity") or {}).get("rank_acceptability") or {}).get("ranks", {}).values()
            )
            print(f"{'':>10}  rank acceptabilities stored: {stored:,} (top ranks 1..10 per profile)")
        out.unlink(missing_ok=True)
    print()


def bench_kernels(tmp: Path, n: int) -> None:
    """The sensitivity kernels at ``n`` candidates against the straightforward way, same inputs."""
    from analysis.decision import build_decision
    from analysis.decision._group import _rule_scores, naive_rule_scores
    from analysis.decision._group_sensitivity import group_leave_one_out
    from analysis.decision._inputs import merged_bounds, scoring_inputs
    from analysis.decision._reference import (
        naive_group_leave_one_out,
        naive_group_win_share,
        naive_leave_one_out,
        naive_rank_acceptability,
    )
    from analysis.decision._sensitivity import compute_leave_one_out, compute_rank_acceptability
    from analysis.decision._table import table_from_scorecard
    from analysis.scorecard import load_scorecard

    sc = load_scorecard(write_scorecard(tmp / f"scorecard_k{n}.json", n, seed=0))
    table = table_from_scorecard(sc)
    decision = build_decision(sc, n_samples=10, group_samples=10, random_state=0)
    profiles = [r.profile for r in decision.taking_part]
    prof = profiles[0]
    _, _, cols, w = scoring_inputs(table, prof, "wsm", None)
    sub = table.select(cols)
    kw = {"method": "wsm", "bounds": merged_bounds(sub, prof, None), "missing": prof.missing}
    print(f"Sensitivity kernels at {n:,} candidates (default roles), fast vs the straightforward way")
    print(f"{'kernel':<44}  {'fast':>9}  {'straightforward':>15}  {'ratio':>7}")

    def row(label, fast, slow):
        tf, ts = best_of(fast, 1), best_of(slow, 1)
        print(f"{label:<44}  {fmt(tf):>9}  {fmt(ts):>15}  {ts / tf:>6.0f}x")

    row(
        f"SMAA, one profile ({prof.name}), 500 draws",
        lambda: compute_rank_acceptability(sub, w, n_samples=500, random_state=0, **kw),
        lambda: naive_rank_acceptability(sub, w, n_samples=500, random_state=0, **kw),
    )
    row(
        f"leave-one-out, one profile ({prof.name})",
        lambda: compute_leave_one_out(sub, w, **kw),
        lambda: naive_leave_one_out(sub, w, **kw),
    )
    g = decision.group
    gkw = {"rule": decision.rule, "method": "wsm", "bounds": None, "perf": None}
    row(
        "group leave-one-out (minimax-regret)",
        lambda: group_leave_one_out(table, profiles, g, decision.chosen, **gkw),
        lambda: naive_group_leave_one_out(table, profiles, g, decision.chosen, **gkw),
    )
    from analysis.decision._group_sensitivity import compute_group_sensitivity

    row(
        "group SMAA, 200 draws (minimax-regret)",
        lambda: compute_group_sensitivity(
            table,
            profiles,
            g,
            decision.chosen,
            [],
            pool_free=False,
            n_samples=200,
            concentration=50.0,
            value_noise="normal",
            random_state=np.random.default_rng(0),
            **gkw,
        ),
        lambda: naive_group_win_share(
            table,
            profiles,
            g,
            n_samples=200,
            concentration=50.0,
            value_noise="normal",
            random_state=np.random.default_rng(0),
            **gkw,
        ),
    )
    from analysis.decision._group_sensitivity import _utilities

    u = _utilities(table, profiles, method="wsm", bounds=None, perf=None)
    u = u[:, ~np.isnan(u).any(axis=0)]  # every candidate every profile scored, not only the considered ones
    infl = np.ones(len(u))
    row(
        f"all five group rules once ({u.shape[1]} candidates)",
        lambda: _rule_scores(u, infl),
        lambda: naive_rule_scores(u, infl),
    )
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="rank up to 10,000 and decide up to 1,000 candidates")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size (best wall time)")
    ap.add_argument("--naive-size", type=int, default=300, help="candidates for the kernel comparison")
    args = ap.parse_args()
    rank_sizes = [10, 1_000, 10_000] if args.quick else [10, 1_000, 10_000, 100_000]
    decide_sizes = [10, 100, 1_000] if args.quick else [10, 100, 1_000, 10_000]
    with tempfile.TemporaryDirectory(prefix="bench_cli_decision_") as d:
        tmp = Path(d)
        bench_rank(tmp, rank_sizes, args.repeat)
        bench_decide(tmp, decide_sizes, args.repeat)
        bench_kernels(tmp, args.naive_size)


if __name__ == "__main__":
    main()
