"""Operating points: every threshold's metrics and per-group rates at once, against a loop per threshold.

Run from the repository root::

    python bench/bench_thresholds.py                     # 10 candidates x 100,000 rows x 1,000 thresholds
    python bench/bench_thresholds.py --rows 1000000

For each of ``--candidates`` seeded score columns on ``--rows`` rows (a binary label, a sensitive
attribute of ``--groups`` groups, a value per decision), the full curve: :func:`threshold_grid`
(up to ``--thresholds`` quantiles), :func:`threshold_counts` per group with the value, and
:func:`threshold_rates` (selection rate, precision, recall, FPR, FNR, TNR, accuracy, F1 per group
and threshold, and overall). Next to it, measured in the same run:

* the straightforward way with numpy: for every threshold, ``scores >= t`` and a ``bincount`` per
  group of predictions and hits (run in full);
* the way a user would write it with the libraries: for every threshold, scikit-learn's
  ``precision_score``, ``recall_score`` and ``accuracy_score`` and fairlearn's ``MetricFrame`` of
  selection rate, TPR and FPR by group. Timed on ``--library-thresholds`` thresholds of one
  candidate and scaled to the whole grid and every candidate (printed as "scaled", since running it
  in full would take minutes); the figures it computes are checked against ours at those thresholds.

And the bootstrap: the counts under ``--resamples`` Poisson weightings for one candidate (an
interval at any threshold). Best of ``--repeat``; threads pinned (``OMP_NUM_THREADS=1``).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=10)
    parser.add_argument("--thresholds", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--library-thresholds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
    from sklearn.metrics import accuracy_score, precision_score, recall_score

    from analysis.evaluation._bootstrap import poisson_weights
    from analysis.evaluation._thresholds import threshold_counts, threshold_grid, threshold_rates

    rng = np.random.default_rng(0)
    n, k = args.rows, args.candidates
    groups = rng.integers(0, args.groups, n)
    y = (rng.random(n) < 0.25 + 0.05 * groups).astype(np.int64)
    value_pos = np.where(y == 1, rng.gamma(2.0, 10.0, n), -1.5)
    value_neg = np.where(y == 1, -0.5, 0.0)
    scores = [1 / (1 + np.exp(-(y * (0.5 + i / k) + rng.normal(0, 1, n)))) for i in range(k)]
    labels = tuple(f"g{i}" for i in range(args.groups))

    def ours():
        out = []
        for s in scores:
            grid = threshold_grid(s, size=args.thresholds)
            c = threshold_counts(
                y, s, grid, groups=groups, labels=labels, value_if_positive=value_pos, value_if_negative=value_neg
            )
            out.append((grid, threshold_rates(c), threshold_rates(c.overall()), c.value.sum(axis=0)))
        return out

    def numpy_loop():
        out = []
        for s in scores:
            grid = threshold_grid(s, size=args.thresholds)
            pred_pos = np.empty((args.groups, len(grid)))
            tp = np.empty_like(pred_pos)
            for j, t in enumerate(grid):
                p = s >= t
                pred_pos[:, j] = np.bincount(groups, weights=p, minlength=args.groups)
                tp[:, j] = np.bincount(groups, weights=p * y, minlength=args.groups)
            out.append((pred_pos, tp))
        return out

    t_ours, result = best_of(ours, args.repeat)
    t_numpy, loop = best_of(numpy_loop, 1)
    for (_grid, rates, _overall, _value), (pred_pos, _tp) in zip(result, loop, strict=True):
        sizes = np.bincount(groups, minlength=args.groups)[:, None]
        np.testing.assert_allclose(rates["selection_rate"], pred_pos / sizes, atol=1e-12)

    grid = result[0][0]
    picked = np.unique(np.linspace(0, len(grid) - 1, args.library_thresholds).round().astype(int))
    names = np.array(labels)[groups]

    def library():
        out = []
        for j in picked:
            pred = (scores[0] >= grid[j]).astype(int)
            overall = (precision_score(y, pred, zero_division=0), recall_score(y, pred), accuracy_score(y, pred))
            frame = MetricFrame(
                metrics={"sel": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate},
                y_true=y,
                y_pred=pred,
                sensitive_features=names,
            )
            out.append((overall, frame.by_group))
        return out

    t_lib, lib = best_of(library, 1)
    rates, overall = result[0][1], result[0][2]
    for j, ((prec, rec, acc), by_group) in zip(picked, lib, strict=True):
        assert abs(overall["recall"][0, j] - rec) < 1e-9 and abs(overall["accuracy"][0, j] - acc) < 1e-9
        if overall["precision"][0, j] == overall["precision"][0, j]:
            assert abs(overall["precision"][0, j] - prec) < 1e-9
        np.testing.assert_allclose(rates["recall"][:, j], by_group["tpr"].to_numpy(), atol=1e-9)
    t_lib_scaled = t_lib / len(picked) * len(grid) * k

    w = poisson_weights(0, n, args.resamples, random_state=0).astype(float)  # (resamples, rows)
    t_boot, boot = best_of(
        lambda: threshold_counts(y, scores[0], grid, groups=groups, labels=labels, weights=w), args.repeat
    )

    thresholds = sum(len(r[0]) for r in result) / k
    print(
        f"Operating points: {k} candidates x {n:,} rows x {thresholds:,.0f} thresholds (mean per candidate), "
        f"{args.groups} groups, with the value of the decisions"
    )
    print(f"  all thresholds at once (ours)          {t_ours:8.2f} s")
    print(f"  numpy, threshold by threshold          {t_numpy:8.2f} s   ({t_numpy / t_ours:6.1f}x ours)")
    print(
        f"  scikit-learn + fairlearn per threshold {t_lib_scaled:8.1f} s   ({t_lib_scaled / t_ours:6.0f}x ours; "
        f"scaled from {len(picked)} thresholds of one candidate: {t_lib:.2f} s)"
    )
    print(
        f"  bootstrap: one candidate's counts under {args.resamples} resamples  {t_boot:6.2f} s "
        f"(counts {boot.tp.shape}: resamples x groups x thresholds)"
    )
    print("  checked: selection rates equal the numpy loop; recall, accuracy, precision and per-group TPR equal")
    print("  scikit-learn's and MetricFrame's at the library's thresholds")


if __name__ == "__main__":
    main()
