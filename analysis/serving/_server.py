"""The server scenario: Poisson arrivals, one worker, latency from the scheduled arrival.

Arrival times are drawn first (exponential gaps at ``rate_per_s``, seeded) over
``duration_s``. The worker is then simulated: a batch starts at ``max(worker free, dispatch)``
and completes after a *measured* service time, obtained by really calling the model on a batch
of that size. Each request's latency is ``completion - scheduled arrival``, so time spent queued
behind slow requests counts (no coordinated omission: a slow response does not delay the next
request's arrival, as it would in a closed loop). No time is spent sleeping, so the real cost is
the sum of the service times, bounded by ``budget_s``.

Dispatch policy, with ``W = max_wait_ms`` and ``B = max_batch``: when the worker is free at
``f`` and the oldest waiting request arrived at ``a_i``, the batch is dispatched at
``d = max(f, min(a_i + W, a_{i+B-1}))`` (when it is full, or the oldest has waited ``W``) and holds
the requests that arrived by ``d``, at most ``B``. ``B = 1, W = 0`` is a plain FIFO queue.
Service times come from back-to-back calls on a warm model, as a busy server would see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.serving._clock import Timer, paused_gc, percentiles_ms
from analysis.serving._settings import ServerSettings


@dataclass(frozen=True)
class ServerResult:
    """One server-scenario run of one candidate under one dispatch policy.

    Attributes
    ----------
    policy : str
        ``"one at a time"`` or ``"dynamic batching"``.
    rate_per_s, max_wait_ms, max_batch, latency_bound_ms : float
        The scenario.
    n_requests, n_scheduled : int
        Requests served and requests scheduled (fewer served when truncated).
    latency_ms_p50, latency_ms_p90, latency_ms_p99, latency_ms_max : float
        Nearest-rank percentiles of ``completion - scheduled arrival``.
    meets_bound : bool
        ``latency_ms_p99 <= latency_bound_ms``.
    mean_batch_size : float
        Requests per predict call.
    served_rows_per_s : float
        Requests served over the simulated span (first arrival to last completion).
    busy_share : float
        Share of the span the worker was computing.
    truncated : bool
        Whether ``budget_s`` ended the run early.
    """

    policy: str
    rate_per_s: float
    max_wait_ms: float
    max_batch: int
    latency_bound_ms: float
    n_requests: int
    n_scheduled: int
    latency_ms_p50: float
    latency_ms_p90: float
    latency_ms_p99: float
    latency_ms_max: float
    meets_bound: bool
    mean_batch_size: float
    served_rows_per_s: float
    busy_share: float
    truncated: bool

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return dict(self.__dict__)


def draw_arrivals(rate_per_s: float, duration_s: float, *, random_state: int) -> np.ndarray:
    """Poisson-process arrival times in seconds within ``[0, duration_s)``."""
    rng = np.random.default_rng(random_state)
    expected = rate_per_s * duration_s
    n = int(expected + 6 * np.sqrt(expected) + 10)
    times = np.cumsum(rng.exponential(1.0 / rate_per_s, size=n))
    while times[-1] < duration_s:  # pragma: no cover - six sigma short
        more = times[-1] + np.cumsum(rng.exponential(1.0 / rate_per_s, size=n))
        times = np.concatenate([times, more])
    return times[times < duration_s]


def simulate_server(
    call: Callable[[Any], Any],
    make_batch: Callable[[int, int], Any],
    arrivals_s: np.ndarray,
    *,
    max_wait_ms: float,
    max_batch: int,
    budget_s: float,
    timer: Timer,
) -> tuple[np.ndarray, np.ndarray, float, bool]:
    """Run the single-worker queue; return latencies (s), batch sizes, busy seconds, truncated.

    ``make_batch(start, size)`` builds the input of requests ``start`` to ``start + size``
    (untimed); only ``call(batch)`` is timed, and its time is the service time.
    """
    n = len(arrivals_s)
    wait = max_wait_ms / 1e3
    latencies = np.empty(n, dtype=np.float64)
    sizes = []
    free = 0.0
    busy = 0.0
    i = 0
    budget_ns = budget_s * 1e9
    truncated = False
    with paused_gc():
        start_wall = timer()
        while i < n:
            close = arrivals_s[i] + wait
            if i + max_batch - 1 < n:
                close = min(close, arrivals_s[i + max_batch - 1])
            dispatch = max(free, close)
            j = min(i + max_batch, int(np.searchsorted(arrivals_s, dispatch, side="right")))
            j = max(j, i + 1)
            batch = make_batch(i, j - i)
            t0 = timer()
            call(batch)
            t1 = timer()
            seconds = (t1 - t0) / 1e9
            done = dispatch + seconds
            latencies[i:j] = done - arrivals_s[i:j]
            sizes.append(j - i)
            busy += seconds
            free = done
            i = j
            if t1 - start_wall > budget_ns and i < n:
                truncated = True
                break
    return latencies[:i], np.asarray(sizes, dtype=np.int64), busy, truncated


def run_server_scenario(
    call: Callable[[Any], Any],
    make_batch: Callable[[int, int], Any],
    settings: ServerSettings,
    *,
    random_state: int,
    timer: Timer,
) -> tuple[ServerResult, ...]:
    """Run the scenario for one candidate: one at a time, plus dynamic batching if configured.

    Parameters
    ----------
    call : callable
        The bound prediction method.
    make_batch : callable
        ``make_batch(start, size)`` returns the input for ``size`` requests from ``start``;
        it is called outside the timed interval.
    settings : ServerSettings
        The scenario.
    random_state : int
        Seed of the arrivals (the same for every candidate and policy).
    timer : callable
        Returns nanoseconds.
    """
    arrivals = draw_arrivals(settings.rate_per_s, settings.duration_s, random_state=random_state)
    policies = [("one at a time", 0.0, 1)]
    if settings.batching:
        policies.append(("dynamic batching", settings.max_wait_ms, settings.max_batch))
    results = []
    for policy, wait_ms, max_batch in policies:
        call(make_batch(0, max_batch))  # warm: another policy or candidate ran before
        latencies, sizes, busy, truncated = simulate_server(
            call,
            make_batch,
            arrivals,
            max_wait_ms=wait_ms,
            max_batch=max_batch,
            budget_s=settings.budget_s,
            timer=timer,
        )
        if latencies.size == 0:  # no arrival in the window
            continue
        p50, p90, p99, worst = percentiles_ms(latencies * 1e9, (50.0, 90.0, 99.0, 100.0))
        served = latencies.size
        span = float(arrivals[served - 1] + latencies[served - 1] - arrivals[0])
        span = max(span, 1e-12)
        results.append(
            ServerResult(
                policy=policy,
                rate_per_s=settings.rate_per_s,
                max_wait_ms=wait_ms,
                max_batch=max_batch,
                latency_bound_ms=settings.latency_bound_ms,
                n_requests=served,
                n_scheduled=len(arrivals),
                latency_ms_p50=p50,
                latency_ms_p90=p90,
                latency_ms_p99=p99,
                latency_ms_max=worst,
                meets_bound=p99 <= settings.latency_bound_ms,
                mean_batch_size=float(sizes.mean()),
                served_rows_per_s=served / span,
                busy_share=min(1.0, busy / span),
                truncated=truncated,
            )
        )
    return tuple(results)
