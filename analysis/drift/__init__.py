"""Drift and decay: quality over time, backtests of retraining, and per-feature data drift.

>>> from analysis.drift import compute_decay, backtest, feature_drift, drift_to_scorecard
>>> scorecard = compute_decay(scorecard)  # doctest: +SKIP
>>> result = backtest(models, frame, target="ordered", time="timestamp")  # doctest: +SKIP
>>> table = feature_drift(train, latest, features=features)  # doctest: +SKIP
"""

from analysis.drift._backtest import (
    BACKTEST_COLUMNS,
    BacktestResult,
    BacktestRow,
    SuppliedScore,
    backtest,
    backtest_to_scorecard,
)
from analysis.drift._decay import compute_decay, window_months
from analysis.drift._features import (
    PSI_READINGS,
    DriftBin,
    DriftTable,
    FeatureDrift,
    drift_to_scorecard,
    feature_drift,
    latest_window,
    population_stability_index,
    psi_reading,
)
from analysis.drift._objectives import decay_objective_names, decay_objectives

__all__ = [
    "BACKTEST_COLUMNS",
    "PSI_READINGS",
    "BacktestResult",
    "BacktestRow",
    "DriftBin",
    "DriftTable",
    "FeatureDrift",
    "SuppliedScore",
    "backtest",
    "backtest_to_scorecard",
    "compute_decay",
    "decay_objective_names",
    "decay_objectives",
    "drift_to_scorecard",
    "feature_drift",
    "latest_window",
    "population_stability_index",
    "psi_reading",
    "window_months",
]
