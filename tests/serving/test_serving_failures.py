"""A measurement that fails is missing (None), never zero, and never stops the others."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _serving_fakes import ClockModel

from analysis.scorecard import Candidate, Scorecard
from analysis.serving import ServingSettings, measure_serving, serving_to_scorecard

SMALL = dict(n_calls=20, warmup=2, rounds=2, batch_sizes=(1, 8, 64, 512), throughput_budget_s=0.02)


@pytest.fixture
def X() -> pd.DataFrame:
    return pd.DataFrame({"ms": np.zeros(300), "x": np.arange(300, dtype=float)})


class _Broken:
    def predict_proba(self, X):
        raise RuntimeError("model server exploded\nwith a long traceback")


class _NoMethods:
    pass


class _SmallBatchesOnly:
    def predict(self, X):
        if len(X) > 100:
            raise MemoryError("batch too large")
        return np.zeros(len(X))


class _DecisionOnly:
    def decision_function(self, X):
        return np.zeros(len(X))

    def predict(self, X):
        return np.zeros(len(X))


class _Noisy:
    def predict_proba(self, X):
        warnings.warn("this model is deprecated", DeprecationWarning, stacklevel=2)
        return np.full((len(X), 2), 0.5)


def test_failed_predict_is_missing_not_zero(X, clock, flat_load):
    report = measure_serving(
        {"broken": _Broken(), "fine": ClockModel(clock, per_call_ms=1.0)},
        X,
        settings=ServingSettings(**SMALL),
        timer=clock,
        loadavg=flat_load,
    )
    broken = report.candidate("broken")
    assert not broken.ok
    assert broken.latency is None and broken.throughput == ()
    assert "single-row predict failed: RuntimeError: model server exploded" in broken.errors
    assert "batch predict failed: RuntimeError: model server exploded" in broken.errors
    assert len(broken.errors) == len(set(broken.errors))
    figures = broken.figures()
    for name in (
        "latency_ms_p50",
        "latency_ms_p99",
        "throughput_rows_per_s",
        "peak_memory_mb",
        "cost_usd_per_million",
        "cost_usd_per_million_batch",
    ):
        assert figures[name] is None
    assert figures["model_size_mb"] is not None  # the object still serialises
    assert broken.cost_single.usd_per_million is None
    assert broken.cost_single.assumption.instance  # the assumption is still stated
    assert report.to_frame().loc["broken", "latency_ms_p50"] != 0
    assert np.isnan(report.to_frame().loc["broken", "latency_ms_p50"])
    assert report.candidate("fine").latency.p50_ms == 1.0  # the other candidate is unaffected

    card = Scorecard(task="binary", objectives=(), candidates=(Candidate("broken"),), metrics=())
    card = serving_to_scorecard(card, report)
    assert card.value("broken", "latency_ms_p99") is None
    assert card.to_dict()["sections"]["serving"]["candidates"][0]["status"] == "failed"


def test_model_without_a_prediction_method_is_reported(X):
    report = measure_serving({"empty": _NoMethods()}, X, settings=ServingSettings(**SMALL))
    entry = report.candidate("empty")
    assert entry.method is None
    assert "has no predict_proba / decision_function / predict method" in entry.errors[0]
    assert entry.latency is None and entry.cost_single is None


def test_a_batch_size_that_fails_is_dropped_alone(X):
    report = measure_serving({"small": _SmallBatchesOnly()}, X, settings=ServingSettings(**SMALL))
    entry = report.candidate("small")
    assert entry.method == "predict"
    assert [p.batch_size for p in entry.throughput] == [1, 8, 64]
    assert entry.errors == ("batch predict failed: MemoryError: batch too large",)
    assert entry.latency is not None
    assert entry.memory_batch_size == 64
    assert entry.figures()["throughput_rows_per_s"] == entry.best_throughput.rows_per_s


def test_method_order_and_override(X):
    report = measure_serving({"d": _DecisionOnly()}, X, settings=ServingSettings(**SMALL))
    assert report.candidate("d").method == "decision_function"
    report = measure_serving({"d": _DecisionOnly()}, X, settings=ServingSettings(method="predict", **SMALL))
    assert report.candidate("d").method == "predict"


def test_model_warnings_become_notes_not_errors(X):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = measure_serving({"noisy": _Noisy()}, X, settings=ServingSettings(**SMALL))
    entry = report.candidate("noisy")
    assert entry.ok
    assert any("DeprecationWarning: this model is deprecated" in n for n in entry.notes)
