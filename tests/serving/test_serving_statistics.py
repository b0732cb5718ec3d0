"""Deterministic checks of the statistics, on a fake clock that moves only when a model works."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _serving_fakes import ClockModel, FakeClock

from analysis.serving import ServingSettings, measure_serving


def _frame(ms) -> pd.DataFrame:
    ms = np.asarray(ms, dtype=float)
    return pd.DataFrame({"ms": ms, "x": np.arange(len(ms), dtype=float)})


def _measure(models, X, clock, flat_load, **options):
    options.setdefault("batch_sizes", (1, 10))
    options.setdefault("throughput_budget_s", 0.05)
    return measure_serving(models, X, settings=ServingSettings(**options), timer=clock, loadavg=flat_load)


def test_constant_cost_gives_that_cost_at_every_percentile(clock, flat_load):
    report = _measure({"m": ClockModel(clock)}, _frame([1.5] * 200), clock, flat_load, n_calls=100, warmup=5, rounds=3)
    lat = report.candidate("m").latency
    assert (lat.p50_ms, lat.p90_ms, lat.p95_ms, lat.p99_ms, lat.max_ms) == (1.5,) * 5
    assert lat.mean_ms == pytest.approx(1.5)
    assert (lat.n_calls, lat.n_samples, lat.block_size, lat.rounds) == (100, 100, 1, 3)
    assert lat.input_kind == "DataFrame"  # the model has feature_names_in_
    assert not lat.stopped_early


def test_percentiles_are_nearest_rank_over_every_request(clock, flat_load):
    # 200 rows, 200 calls, no warm-up: the requests are a permutation of the rows, so the timed
    # samples are exactly the `ms` column: 180 rows of 1 ms and 20 rows of 5 ms.
    X = _frame([1.0] * 180 + [5.0] * 20)
    report = _measure({"m": ClockModel(clock)}, X, clock, flat_load, n_calls=200, warmup=0, rounds=3)
    lat = report.candidate("m").latency
    assert (lat.p50_ms, lat.p90_ms, lat.p95_ms, lat.p99_ms, lat.max_ms) == (1.0, 1.0, 5.0, 5.0, 5.0)
    assert lat.mean_ms == pytest.approx((180 * 1.0 + 20 * 5.0) / 200)
    figures = report.candidate("m").figures()
    assert figures["latency_ms_p95"] == 5.0
    assert figures["throughput_rows_per_s_single"] == pytest.approx(1e3 / 1.4)


def test_throughput_curve_is_rows_over_batch_time(clock, flat_load):
    model = ClockModel(clock, per_call_ms=1.0, per_row_ms=0.01)
    sizes = (1, 8, 64, 512, 4096)
    report = _measure(
        {"m": model},
        _frame([0.0] * 300),
        clock,
        flat_load,
        n_calls=20,
        warmup=2,
        rounds=2,
        batch_sizes=sizes,
        min_repeats=3,
    )
    entry = report.candidate("m")
    curve = {p.batch_size: p for p in entry.throughput}
    assert tuple(curve) == sizes
    for b, point in curve.items():
        assert point.rows_per_s == pytest.approx(b / ((1.0 + 0.01 * b) / 1e3), rel=1e-9)
        assert point.repeats >= 3
        assert point.spread == 0.0
        assert point.with_replacement == (b > 300)
    assert entry.best_throughput.batch_size == 4096
    assert entry.figures()["throughput_rows_per_s"] == curve[4096].rows_per_s


class _TickingClock(FakeClock):
    """Every read costs 100 ns: the timer overhead is 100 ns, a do-nothing call is free."""

    def __call__(self) -> int:
        self.now += 100
        return self.now


class _Free:
    def predict_proba(self, X):
        return np.zeros((len(X), 2))


def test_calls_faster_than_the_threshold_are_timed_in_blocks(flat_load):
    ticking = _TickingClock()
    report = measure_serving(
        {"free": _Free()},
        _frame([0.0] * 50),
        settings=ServingSettings(n_calls=40, warmup=5, rounds=2, batch_sizes=(1,), throughput_budget_s=0.0),
        timer=ticking,
        loadavg=flat_load,
    )
    assert report.timer.overhead_ns == 100
    entry = report.candidate("free")
    lat = entry.latency
    # the pilot calls measure 100 ns < 20 x 100 ns; blocks aim at 100 overheads: 100 calls
    assert lat.block_size == 100
    assert lat.n_samples == 40 and lat.n_calls == 4000
    assert lat.p50_ms == pytest.approx(100 / 100 / 1e6)  # one tick per block of 100 calls
    assert lat.input_kind == "ndarray"  # no feature_names_in_
    assert any("blocks of 100 calls" in n for n in entry.notes)


def test_latency_budget_stops_early_and_says_so(clock, flat_load):
    report = _measure(
        {"m": ClockModel(clock, per_call_ms=100.0)},
        _frame([0.0] * 50),
        clock,
        flat_load,
        n_calls=100,
        warmup=1,
        rounds=2,
        latency_budget_s=1.0,
    )
    entry = report.candidate("m")
    assert entry.latency.stopped_early
    assert entry.latency.rounds == 2  # the budget is spread over the rounds, not spent in the first
    assert entry.latency.n_calls == pytest.approx(1.0 / 0.1, abs=2)
    assert any("time budget" in n for n in entry.notes)
    assert any("rough" in n for n in entry.notes)  # fewer than 100 samples


def test_candidates_are_interleaved_in_rotating_order(clock, flat_load):
    seen = []
    models = {"a": ClockModel(clock, per_call_ms=1.0), "b": ClockModel(clock, per_call_ms=2.0)}
    report = measure_serving(
        models,
        _frame([0.0] * 60),
        settings=ServingSettings(n_calls=30, warmup=2, rounds=3, batch_sizes=(1,), throughput_budget_s=0.01),
        timer=clock,
        loadavg=flat_load,
        progress=lambda name, stage, fraction: seen.append((name, stage, fraction)),
    )
    rounds = [(name, stage) for name, stage, _ in seen if stage.startswith("round")]
    assert rounds == [
        ("a", "round 1/3"),
        ("b", "round 1/3"),
        ("b", "round 2/3"),
        ("a", "round 2/3"),
        ("a", "round 3/3"),
        ("b", "round 3/3"),
    ]
    fractions = [f for _, _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert report.candidate("a").latency.rounds == 3
    assert report.candidate("a").latency.p50_ms == 1.0 and report.candidate("b").latency.p50_ms == 2.0


def test_requests_are_seeded_and_shared(clock, flat_load):
    X = _frame(np.linspace(0.5, 3.0, 100))
    one = _measure({"m": ClockModel(clock)}, X, clock, flat_load, n_calls=50, warmup=0, random_state=3)
    two = _measure({"m": ClockModel(clock)}, X, clock, flat_load, n_calls=50, warmup=0, random_state=3)
    other = _measure({"m": ClockModel(clock)}, X, clock, flat_load, n_calls=50, warmup=0, random_state=4)
    assert one.candidate("m").latency == two.candidate("m").latency
    assert one.candidate("m").latency != other.candidate("m").latency
