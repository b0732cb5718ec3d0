"""Benchmark of the decision engine: Pareto front and scoring methods, against the naive way.

Run from the repository root::

    python -m bench.bench_decision            # or: PYTHONPATH=. python bench/bench_decision.py

Prints (1) the time of the fast non-dominated filter for 1k, 10k and 100k random candidates x 6
objectives next to the naive pairwise O(n² k) filter (run up to 10k; the 100k figure is
extrapolated from 10k by n², and labelled so) and (2) the time of ranking 10k candidates x 6
objectives with every scoring method. PROMETHEE II uses a sort per objective (exact for the usual
preference function); the pairwise chunked definition is timed next to it.
"""

from __future__ import annotations

import time

import numpy as np

from analysis.decision import METHODS, compute_nondominated, naive_nondominated, score_table, table_from_arrays
from analysis.decision._scoring import promethee_flows, promethee_flows_pairwise


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:10.1f} ms" if seconds < 10 else f"{seconds:10.1f} s "


def bench_pareto(rng: np.random.Generator) -> None:
    print("Pareto front (non-dominated filter), uniform random candidates x 6 objectives")
    print(f"{'candidates':>10}  {'front size':>10}  {'fast':>13}  {'naive pairwise':>24}  {'ratio':>8}")
    naive_10k = None
    for n in (1_000, 10_000, 100_000):
        x = rng.random((n, 6))
        mask, _ = compute_nondominated(x)
        fast = best_of(lambda x=x: compute_nondominated(x), repeat=3 if n < 100_000 else 2)
        if n <= 10_000:
            naive = best_of(lambda x=x: naive_nondominated(x), repeat=1)
            assert naive_nondominated(x).tolist() == mask.tolist()
            label = fmt(naive)
            if n == 10_000:
                naive_10k = naive
        else:
            naive = naive_10k * (n / 10_000) ** 2
            label = fmt(naive) + " extrapolated"
        print(f"{n:>10,}  {int(mask.sum()):>10,}  {fmt(fast):>13}  {label:>24}  {naive / fast:>7.0f}x")
    x = rng.random((100_000, 2))
    print(f"{'2 objectives, 100,000 (O(n log n) sweep)':<44}{fmt(best_of(lambda: compute_nondominated(x)))}")
    print()


def bench_scoring(rng: np.random.Generator, n: int = 10_000) -> None:
    print(f"Ranking {n:,} candidates x 6 objectives, each method (score_table, includes building the result)")
    names = [f"c{i}" for i in range(n)]
    objs = [
        ("roc_auc", "max"),
        ("log_loss", "min"),
        ("worst_group_accuracy", "max"),
        ("demographic_parity_difference", "min"),
        ("latency_ms_p99", "min"),
        ("net_value_per_1k", "max"),
    ]
    values = np.column_stack(
        [
            rng.uniform(0.5, 1.0, n),
            rng.uniform(0.1, 0.9, n),
            rng.uniform(0.5, 1.0, n),
            rng.uniform(0.0, 0.3, n),
            rng.uniform(1, 200, n),
            rng.uniform(-5, 30, n),
        ]
    )
    table = table_from_arrays(names, objs, values)
    bounds = {"latency_ms_p99": (200.0, 1.0), "net_value_per_1k": (-5.0, 30.0)}
    print(f"{'method':>14}  {'time':>13}")
    for method in METHODS:
        kw = {"perf": "roc_auc"} if method == "dynascore" else {}
        t = best_of(lambda method=method, kw=kw: score_table(table, method=method, bounds=bounds, **kw), repeat=2)
        print(f"{method:>14}  {fmt(t):>13}")
    b = -table.costs()
    t_sort = best_of(lambda: promethee_flows(b))
    t_pair = best_of(lambda: promethee_flows_pairwise(b), repeat=1)
    print(
        f"PROMETHEE flows alone: sort {fmt(t_sort).strip()}, pairwise chunked O(n² m) {fmt(t_pair).strip()} "
        f"({t_pair / t_sort:.0f}x)"
    )


def main() -> None:
    rng = np.random.default_rng(0)
    bench_pareto(rng)
    bench_scoring(rng)


if __name__ == "__main__":
    main()
