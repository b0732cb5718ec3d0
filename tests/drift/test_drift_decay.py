"""Decay objectives from the per-window metric table."""

from __future__ import annotations

import numpy as np
import pytest

from analysis._errors import InputError
from analysis.drift import compute_decay, window_months
from analysis.objectives import get_objective
from analysis.scorecard import Candidate, FrozenDict, Scorecard


def _card(windows, *, freq="M", names=("steady", "decays", "lonely")):
    return Scorecard(
        task="binary",
        objectives=(get_objective("roc_auc"), get_objective("log_loss")),
        candidates=tuple(Candidate(n) for n in names),
        metrics=(),
        windows=tuple(FrozenDict(w) for w in windows),
        settings=FrozenDict({"window": freq}),
    )


def _windows():
    months = ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"]
    rows = []
    for i, m in enumerate(months):
        rows.append({"candidate": "steady", "window": m, "n": 100, "roc_auc": 0.8, "log_loss": 0.5})
        decaying = {"roc_auc": 0.85 - 0.02 * i, "log_loss": 0.4 + 0.01 * i}
        rows.append({"candidate": "decays", "window": m, "n": 100, **decaying})
    rows.append({"candidate": "lonely", "window": "2025-07", "n": 100, "roc_auc": 0.7, "log_loss": 0.6})
    return rows


def test_decay_is_minus_the_slope_per_month_and_the_gap_first_to_last():
    out = compute_decay(_card(_windows()))
    assert out.value("decays", "auc_decay_per_month") == pytest.approx(0.02)
    assert out.value("decays", "auc_gap_first_last") == pytest.approx(0.10)
    assert out.value("steady", "auc_decay_per_month") == pytest.approx(0.0, abs=1e-12)
    assert out.value("lonely", "auc_decay_per_month") is None  # one window: missing, not zero
    assert out.objective("auc_decay_per_month").direction == "min"
    section = out.sections["decay"]
    assert section["metric"] == "roc_auc" and section["candidates"]["decays"]["n_windows"] == 6


def test_a_lower_is_better_metric_decays_when_it_grows():
    out = compute_decay(_card(_windows()), metric="log_loss")
    assert out.value("decays", "log_loss_decay_per_month") == pytest.approx(0.01)
    assert out.value("decays", "log_loss_gap_first_last") == pytest.approx(0.05)


def test_gaps_between_windows_are_counted_in_months():
    rows = [
        {"candidate": "decays", "window": "2025-01", "n": 10, "roc_auc": 0.9},
        {"candidate": "decays", "window": "2025-02", "n": 10, "roc_auc": 0.89},
        {"candidate": "decays", "window": "2025-06", "n": 10, "roc_auc": 0.85},
    ]
    out = compute_decay(_card(rows, names=("decays",)))
    assert out.value("decays", "auc_decay_per_month") == pytest.approx(0.01)
    weeks = window_months(["2025-01-06/2025-01-12", "2025-02-03/2025-02-09"], "W-SUN")
    assert weeks[1] == pytest.approx(28 / (365.2425 / 12))


def test_small_windows_can_be_left_out():
    rows = _windows() + [{"candidate": "steady", "window": "2026-01", "n": 3, "roc_auc": 0.1, "log_loss": 3.0}]
    assert compute_decay(_card(rows), min_window_rows=10).value("steady", "auc_gap_first_last") == pytest.approx(0.0)
    assert compute_decay(_card(rows)).value("steady", "auc_gap_first_last") == pytest.approx(0.7)


def test_from_a_real_evaluation(binary_frame):
    from datetime import UTC, datetime

    from analysis.evaluation import EvalSettings, Predictions, evaluate_predictions, prepare_data

    data = prepare_data(binary_frame, source="synthetic", target="label", time="when")
    rng = np.random.default_rng(0)
    months = binary_frame.when.dt.month.to_numpy()
    # a score whose noise grows every month: its AUC decays
    score = data.y + rng.normal(scale=0.2 + 0.25 * (months - 1), size=len(months))
    prob = 1 / (1 + np.exp(-score))
    preds = [Predictions("fading", (prob > 0.5).astype(int), y_prob=prob, y_score=prob, score_kind="probability")]
    card = evaluate_predictions(data, preds, settings=EvalSettings(n_bootstrap=0), now=datetime(2026, 1, 1, tzinfo=UTC))
    out = compute_decay(card)
    assert out.value("fading", "auc_decay_per_month") > 0.01
    assert out.value("fading", "auc_gap_first_last") > 0.1


def test_no_windows_is_an_input_error():
    with pytest.raises(InputError, match="time column"):
        compute_decay(_card([]))
    with pytest.raises(InputError, match="no 'pr_auc'"):
        compute_decay(_card(_windows()), metric="pr_auc")
