"""Fairness slices for 1,000 candidates' predictions on 50,000 rows.

Prints the time of Tradeoffs' vectorised counting path against the straightforward way,
fairlearn's ``MetricFrame`` run once per candidate, measured in the same run. MetricFrame
is timed on a few candidates and extrapolated linearly to 1,000 (labelled as such); the
numbers of the two paths are checked to agree.

Run: python bench/bench_fairness.py [--candidates 1000] [--rows 50000] [--metricframe 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from sklearn.metrics import accuracy_score

from analysis.evaluation import build_group_indexes, count_groups, disparities, group_rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--metricframe", type=int, default=5, help="candidates timed with MetricFrame")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    n, k = args.rows, args.candidates
    frame = pd.DataFrame(
        {
            "income_band": rng.choice(["low", "middle", "high"], n, p=[0.3, 0.45, 0.25]),
            "age_band": rng.choice(["18-24", "25-34", "35-54", "55+"], n),
        }
    )
    y = rng.integers(0, 2, n)
    Y = (rng.random((k, n)) < rng.uniform(0.1, 0.6, size=(k, 1))).astype(np.int8)
    sensitive = ["income_band", "age_band"]

    t0 = time.perf_counter()
    groups = build_group_indexes(frame, sensitive)
    results = {}
    for g in groups:
        rates = group_rates(count_groups(y, Y, g))
        results[g.attribute] = (rates, disparities(rates, binary=True))
    fast = time.perf_counter() - t0

    metrics = {
        "selection_rate": selection_rate,
        "accuracy": accuracy_score,
        "tpr": true_positive_rate,
        "fpr": false_positive_rate,
    }
    m = min(args.metricframe, k)
    t0 = time.perf_counter()
    for i in range(m):
        for g in groups:
            sf = frame[g.attribute.split(" & ")] if " & " in g.attribute else frame[g.attribute]
            mf = MetricFrame(metrics=metrics, y_true=y, y_pred=Y[i], sensitive_features=sf)
            by_group = mf.by_group
            if isinstance(by_group.index, pd.MultiIndex):
                by_group.index = [" & ".join(map(str, ix)) for ix in by_group.index]
            rates = results[g.attribute][0]
            for j, label in enumerate(g.labels):
                assert abs(rates["selection_rate"][i, j] - by_group.loc[label, "selection_rate"]) < 1e-9
                assert abs(rates["tpr"][i, j] - by_group.loc[label, "tpr"]) < 1e-9
    slow_per = (time.perf_counter() - t0) / m
    slow_total = slow_per * k

    print(f"fairness slices: {k} candidates x {n} rows, attributes {sensitive} + their intersection")
    print(f"{'path':<44}{'seconds':>12}")
    print(f"{'vectorised counts (all candidates)':<44}{fast:>12.3f}")
    print(f"{'MetricFrame per candidate (measured on ' + str(m) + ')':<44}{slow_per:>12.3f} per candidate")
    print(f"{'MetricFrame per candidate (extrapolated)':<44}{slow_total:>12.1f}")
    print(f"ratio: {slow_total / fast:,.0f}x faster; values agree with MetricFrame to 1e-9 on the measured candidates")


if __name__ == "__main__":
    main()
