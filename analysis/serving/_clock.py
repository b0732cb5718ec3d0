"""The timer, its overhead, and the helpers every timed loop shares.

All timings are integer nanoseconds from ``time.perf_counter_ns`` (or an injected timer with
the same contract: a call returns a monotonic count of nanoseconds). While calls are timed the
garbage collector is paused, so a collection triggered by one model's garbage is not billed to
another's call; it is re-enabled afterwards (only if it was on).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

Timer = Callable[[], int]

#: Percentile definition used for every latency figure: the nearest-rank (an observed value).
PERCENTILE_METHOD = "inverted_cdf"


@dataclass(frozen=True)
class TimerInfo:
    """What a timed interval costs when nothing happens in it.

    Attributes
    ----------
    name : str
        The timer (``time.perf_counter_ns`` unless one was injected).
    overhead_ns : float
        Median of ``t1 - t0`` over back-to-back reads; when the clock does not advance between
        two reads (a coarse clock), the mean cost of one read instead, so it is never zero on
        a working clock. Every single-call latency includes it once.
    resolution_ns : float or None
        The clock's resolution as the platform states it (``None`` for an injected timer).
    """

    name: str
    overhead_ns: float
    resolution_ns: float | None

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return {"name": self.name, "overhead_ns": self.overhead_ns, "resolution_ns": self.resolution_ns}


def measure_timer_overhead(timer: Timer | None = None, *, n: int = 20_000) -> TimerInfo:
    """Measure the cost of an empty timed interval.

    Parameters
    ----------
    timer : callable, optional
        Returns nanoseconds; ``time.perf_counter_ns`` by default.
    n : int, default=20000
        Back-to-back pairs of reads.

    Examples
    --------
    >>> measure_timer_overhead(n=1000).overhead_ns > 0
    True
    """
    injected = timer is not None
    read = timer if injected else time.perf_counter_ns
    deltas = np.empty(n, dtype=np.int64)
    with paused_gc():
        for i in range(n):
            t0 = read()
            t1 = read()
            deltas[i] = t1 - t0
        start = read()
        for _ in range(n):
            read()
        per_read = (read() - start) / n
    median = float(np.median(deltas))
    overhead = median if median > 0 else max(per_read, 1e-9)
    resolution = None if injected else time.get_clock_info("perf_counter").resolution * 1e9
    name = getattr(read, "__qualname__", type(read).__name__) if injected else "time.perf_counter_ns"
    return TimerInfo(name=name, overhead_ns=overhead, resolution_ns=resolution)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Collect the youngest generation, then pause the collector; restore its state on exit.

    A full collection costs tens of milliseconds in a process holding pandas and scikit-learn,
    so it is done once per measurement (:func:`~analysis.serving.measure_serving`), not here.
    """
    was_enabled = gc.isenabled()
    gc.collect(0)
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def percentiles_ms(samples_ns: np.ndarray, qs: tuple[float, ...]) -> tuple[float, ...]:
    """Nearest-rank percentiles of nanosecond samples, in milliseconds."""
    values = np.percentile(np.asarray(samples_ns, dtype=np.float64), qs, method=PERCENTILE_METHOD)
    return tuple(float(v) / 1e6 for v in values)


def busy_wait_ns(duration_ns: int, clock: Timer = time.perf_counter_ns) -> None:
    """Spin on ``clock`` for ``duration_ns`` nanoseconds (no sleep, no yield)."""
    deadline = clock() + duration_ns
    while clock() < deadline:
        pass
