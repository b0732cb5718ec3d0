"""The server scenario against an independent queue recursion, on a fake clock."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _serving_fakes import ClockModel

from analysis.serving import ServerSettings, ServingSettings, measure_serving
from analysis.serving._server import draw_arrivals


def _frame(n: int = 100) -> pd.DataFrame:
    return pd.DataFrame({"ms": np.zeros(n), "x": np.arange(n, dtype=float)})


def _run(clock, flat_load, server: ServerSettings, **model_options):
    model = ClockModel(clock, **model_options)
    settings = ServingSettings(
        n_calls=20, warmup=2, rounds=1, batch_sizes=(1,), throughput_budget_s=0.0, server=server, random_state=5
    )
    report = measure_serving({"m": model}, _frame(), settings=settings, timer=clock, loadavg=flat_load)
    return report.candidate("m").server


def _lindley(arrivals: np.ndarray, service_s: float) -> np.ndarray:
    """FIFO single-server latencies: start = max(arrival, previous completion)."""
    latencies, free = [], 0.0
    for a in arrivals:
        free = max(a, free) + service_s
        latencies.append(free - a)
    return np.asarray(latencies)


def _p(values, q):
    return float(np.percentile(values, q, method="inverted_cdf"))


def test_poisson_arrivals_are_seeded_with_the_right_rate():
    a = draw_arrivals(200.0, 50.0, random_state=1)
    assert np.array_equal(a, draw_arrivals(200.0, 50.0, random_state=1))
    assert len(a) == pytest.approx(200 * 50, rel=0.05)
    assert np.all(np.diff(a) > 0) and a[-1] < 50.0
    assert np.mean(np.diff(a)) == pytest.approx(1 / 200, rel=0.05)


def test_low_rate_latency_is_the_service_time(clock, flat_load):
    server = ServerSettings(rate_per_s=5.0, duration_s=60.0, latency_bound_ms=10.0)
    (run,) = _run(clock, flat_load, server, per_call_ms=2.0)
    expected = _lindley(draw_arrivals(5.0, 60.0, random_state=5), 0.002) * 1e3
    assert run.n_requests == run.n_scheduled == len(expected)
    assert run.latency_ms_p50 == pytest.approx(2.0)
    assert run.latency_ms_p99 == pytest.approx(_p(expected, 99))
    assert run.latency_ms_p99 < 2 * 2.0  # at 1% utilisation almost nobody queues
    assert run.meets_bound and not run.truncated
    assert run.mean_batch_size == 1.0


def test_overload_latency_grows_without_coordinated_omission(clock, flat_load):
    # capacity 500/s, arrivals 1000/s for 1 s: the queue grows by ~1 request every 2 ms
    server = ServerSettings(rate_per_s=1000.0, duration_s=1.0, latency_bound_ms=50.0)
    (run,) = _run(clock, flat_load, server, per_call_ms=2.0)
    expected = _lindley(draw_arrivals(1000.0, 1.0, random_state=5), 0.002) * 1e3
    assert run.latency_ms_p99 == pytest.approx(_p(expected, 99))
    assert run.latency_ms_max == pytest.approx(expected.max())
    assert run.latency_ms_p99 > 100 * 2.0  # a closed loop would have reported 2 ms
    assert not run.meets_bound
    assert run.served_rows_per_s == pytest.approx(500.0, rel=0.05)
    assert run.busy_share == pytest.approx(1.0, abs=0.01)


def test_dynamic_batching_trades_latency_for_throughput(clock, flat_load):
    server = ServerSettings(rate_per_s=1000.0, duration_s=1.0, latency_bound_ms=50.0, max_batch=32, max_wait_ms=5.0)
    single, batched = _run(clock, flat_load, server, per_call_ms=2.0, per_row_ms=0.01)
    assert (single.policy, batched.policy) == ("one at a time", "dynamic batching")
    assert single.n_scheduled == batched.n_scheduled  # the same arrivals
    assert batched.mean_batch_size > 1.5
    assert batched.latency_ms_p99 < single.latency_ms_p99 / 10
    assert batched.meets_bound and not single.meets_bound
    # a batch waits at most max_wait_ms for the oldest request, then runs
    assert batched.latency_ms_max <= 5.0 + 2.0 + 0.01 * 32 + 2.0 + 0.01 * 32 + 1e-9


def test_low_rate_batching_waits_for_the_window(clock, flat_load):
    server = ServerSettings(rate_per_s=2.0, duration_s=50.0, max_batch=8, max_wait_ms=3.0)
    single, batched = _run(clock, flat_load, server, per_call_ms=1.0)
    assert single.latency_ms_p50 == pytest.approx(1.0)
    assert batched.latency_ms_p50 == pytest.approx(3.0 + 1.0)  # waits W for company, then 1 ms


def test_budget_truncates_and_says_so(clock, flat_load):
    server = ServerSettings(rate_per_s=1000.0, duration_s=1.0, budget_s=0.1)
    (run,) = _run(clock, flat_load, server, per_call_ms=2.0)
    assert run.truncated
    assert run.n_requests < run.n_scheduled
    assert run.n_requests == pytest.approx(0.1 / 0.002, abs=2)
