"""Evaluate the built-in scenario (quality, fairness, value, windows) and time each stage.

Prints the wall time of loading, predicting and scoring, and, for the scoring stage, the
straightforward way in the same run: scikit-learn's metric functions and fairlearn's
MetricFrame called once per bootstrap resample per candidate (timed on a few resamples and
extrapolated to the same number, labelled as such).

Run: python bench/bench_evaluate.py [--bootstrap 1000] [--workers 2]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import numpy as np
from fairlearn.metrics import MetricFrame, selection_rate
from sklearn import metrics as skm

from analysis.evaluation import EvalSettings, evaluate_predictions, predict_candidates
from analysis.scenario import load_card, load_card_data


def naive_seconds_per_resample(data, preds, n_resamples: int, seed: int = 0) -> float:
    """sklearn/fairlearn per resample per candidate: the way most evaluation scripts do it."""
    rng = np.random.default_rng(seed)
    sens = data.frame[list(data.sensitive)]
    t0 = time.perf_counter()
    for _ in range(n_resamples):
        idx = rng.integers(0, data.n_rows, data.n_rows)
        y = data.y[idx]
        for p in preds:
            yp, pr = p.y_pred[idx], p.y_prob[idx] if p.y_prob is not None else None
            skm.accuracy_score(y, yp)
            skm.balanced_accuracy_score(y, yp)
            skm.precision_score(y, yp, zero_division=0)
            skm.recall_score(y, yp)
            skm.f1_score(y, yp)
            if pr is not None:
                skm.roc_auc_score(y, pr)
                skm.average_precision_score(y, pr)
                skm.log_loss(y, pr, labels=[0, 1])
                skm.brier_score_loss(y, pr)
            for col in sens.columns:
                MetricFrame(
                    metrics={"sr": selection_rate, "acc": skm.accuracy_score},
                    y_true=y,
                    y_pred=yp,
                    sensitive_features=sens[col].to_numpy()[idx],
                )
    return (time.perf_counter() - t0) / n_resamples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--naive-resamples", type=int, default=3)
    args = parser.parse_args()

    card = load_card()
    t0 = time.perf_counter()
    data, models = load_card_data(card)
    t_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    preds = predict_candidates(data, models, workers=args.workers)
    t_predict = time.perf_counter() - t0

    t0 = time.perf_counter()
    sc = evaluate_predictions(data, preds, settings=EvalSettings(n_bootstrap=args.bootstrap), now=datetime.now(UTC))
    t_score = time.perf_counter() - t0

    naive = naive_seconds_per_resample(data, preds, args.naive_resamples) * (args.bootstrap + 1)
    total = t_load + t_predict + t_score
    print(
        f"built-in scenario: {len(models)} candidates x {data.n_rows} rows, {args.bootstrap} paired resamples, "
        f"{len(sc.objectives)} objectives, workers={args.workers}"
    )
    print(f"{'stage':<52}{'seconds':>10}")
    print(f"{'load data + models':<52}{t_load:>10.2f}")
    print(f"{'predict (all candidates)':<52}{t_predict:>10.2f}")
    for p in preds:
        print(f"{'  ' + p.name:<52}{p.seconds or float('nan'):>10.2f}")
    print(f"{'score: metrics + CIs + slices + value + windows':<52}{t_score:>10.2f}")
    print(f"{'total (target < 30 s on 2 cores)':<52}{total:>10.2f}")
    print(
        f"{'straightforward scoring, extrapolated from ' + str(args.naive_resamples) + ' resamples':<52}{naive:>10.1f}"
    )
    print(f"scoring ratio: {naive / t_score:,.0f}x faster than sklearn/fairlearn per resample")


if __name__ == "__main__":
    main()
