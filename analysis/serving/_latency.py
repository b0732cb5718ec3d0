"""Single-stream latency: one request at a time, as MLPerf's single-stream scenario.

Each candidate is warmed up (calls discarded), then timed call by call with
``time.perf_counter_ns`` while the garbage collector is paused. Calls too fast to time one by
one (median below ``block_threshold`` timer overheads) are timed in blocks of ``k`` calls and
each block divided by ``k``; the result says so, because percentiles of block means understate
the tail. Measurement is split into rounds so several candidates can be interleaved
(:mod:`analysis.serving._measure`); every round after the first re-warms with a few calls,
since another candidate ran in between.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.serving._clock import Timer, paused_gc, percentiles_ms

#: Percentiles reported, in percent.
QUANTILES: tuple[float, ...] = (50.0, 90.0, 95.0, 99.0)
#: Block timing aims for blocks this many timer overheads long (the overhead is then under 1%).
BLOCK_TARGET_OVERHEADS = 100
MAX_BLOCK = 10_000
#: Fewest pilot calls (counted as warm-up) used to decide block timing.
MIN_PILOT_CALLS = 5
#: Most calls that re-warm a candidate at the start of rounds after the first; fewer for slow
#: calls, so that re-warming takes about :data:`REWARM_NS`.
REWARM_CALLS = 5
REWARM_NS = 10_000_000
#: Below this many timed samples, the tail percentiles are flagged as rough.
FEW_SAMPLES = 100


@dataclass(frozen=True)
class LatencyStats:
    """Single-row latency of one candidate, in milliseconds.

    Attributes
    ----------
    p50_ms, p90_ms, p95_ms, p99_ms, max_ms, mean_ms : float
        Nearest-rank percentiles, the largest and the mean per-call time.
    n_calls : int
        Timed calls.
    n_samples : int
        Timed intervals (``n_calls / block_size``).
    block_size : int
        Calls per timed interval; 1 when every call was timed on its own.
    rounds : int
        Interleaving rounds the samples were pooled from.
    input_kind : str
        ``"DataFrame"`` (one-row frame) or ``"ndarray"`` (1 x n array).
    stopped_early : bool
        Whether the time budget ended the measurement before ``n_calls``.
    """

    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    n_calls: int
    n_samples: int
    block_size: int
    rounds: int
    input_kind: str
    stopped_early: bool = False

    @property
    def timing(self) -> str:
        """How calls were timed, in words."""
        if self.block_size == 1:
            return "each call timed on its own"
        return f"timed in blocks of {self.block_size} calls, each block divided by {self.block_size}"

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return {**self.__dict__, "timing": self.timing}


class SingleStream:
    """Single-stream samples of one candidate, accumulated over interleaved rounds.

    Parameters
    ----------
    fn : callable
        The bound prediction method.
    requests : sequence
        Prebuilt single-row inputs; warm-up uses the first ``warmup``, timing cycles over the rest.
    warmup, n_calls, rounds : int
        Warm-up calls, timed samples wanted and interleaving rounds.
    budget_ns : float
        Wall-clock bound on the timed loops (warm-up gets a quarter of it).
    timer : callable
        Returns nanoseconds.
    overhead_ns : float
        The timer's overhead (:func:`~analysis.serving._clock.measure_timer_overhead`).
    block_threshold : float
        Calls faster than this many overheads are timed in blocks.
    """

    def __init__(
        self,
        fn: Callable[[Any], Any],
        requests: Sequence[Any],
        *,
        warmup: int,
        n_calls: int,
        rounds: int,
        budget_ns: float,
        timer: Timer,
        overhead_ns: float,
        block_threshold: float,
    ) -> None:
        self.fn = fn
        self.requests = requests
        self.warmup = warmup
        self.n_calls = n_calls
        self.rounds = rounds
        self.budget_ns = budget_ns
        self.timer = timer
        self.overhead_ns = overhead_ns
        self.block_threshold = block_threshold
        self.block_size = 1
        self.pilot_ms: float | None = None
        self._chunks: list[np.ndarray] = []
        self._spent_ns = 0
        self._position = min(warmup, max(len(requests) - 1, 0))
        self._rounds_done = 0
        self.stopped_early = False

    # ---- phases ----------------------------------------------------------------------
    def warm_up(self) -> None:
        """Untimed-for-the-result calls; their times decide whether to time in blocks."""
        timer, fn, requests = self.timer, self.fn, self.requests
        n = max(self.warmup, MIN_PILOT_CALLS)
        limit = self.budget_ns / 4
        times = []
        with paused_gc():
            start = timer()
            for i in range(n):
                x = requests[i % len(requests)]
                t0 = timer()
                fn(x)
                t1 = timer()
                times.append(t1 - t0)
                if t1 - start > limit and i >= 1:
                    break
        tail = np.asarray(times[len(times) // 2 :], dtype=np.float64)
        pilot_ns = float(np.median(tail))
        self.pilot_ms = pilot_ns / 1e6
        if pilot_ns < self.block_threshold * self.overhead_ns:
            wanted = math.ceil(BLOCK_TARGET_OVERHEADS * self.overhead_ns / max(pilot_ns, 1.0))
            self.block_size = int(min(MAX_BLOCK, max(2, wanted)))

    def _rewarm_calls(self) -> int:
        per_call_ns = (self.pilot_ms or 0.0) * 1e6
        wanted = math.ceil(REWARM_NS / per_call_ns) if per_call_ns > 0 else REWARM_CALLS
        return min(REWARM_CALLS, self.warmup, max(1, wanted))

    def run_round(self, round_index: int) -> None:
        """Time this round's share of the samples (re-warming first after round 0).

        Each round may use the budget's share accumulated so far (``budget * (r + 1) / rounds``
        minus what earlier rounds spent), so a slow candidate is sampled evenly across rounds
        rather than all in the first one.
        """
        n, rounds = self.n_calls, self.rounds
        share = (n * (round_index + 1)) // rounds - (n * round_index) // rounds
        limit = self.budget_ns * (round_index + 1) / self.rounds - self._spent_ns
        if share <= 0 or limit <= 0:
            return
        timer, fn, requests, k = self.timer, self.fn, self.requests, self.block_size
        size = len(requests)
        out = np.empty(share, dtype=np.int64)
        done = 0
        with paused_gc():
            if round_index > 0:
                for i in range(self._rewarm_calls()):
                    fn(requests[i % size])
            start = timer()
            pos = self._position
            if k == 1:
                for i in range(share):
                    x = requests[pos % size]
                    pos += 1
                    t0 = timer()
                    fn(x)
                    t1 = timer()
                    out[i] = t1 - t0
                    done = i + 1
                    if t1 - start > limit:
                        break
            else:
                for i in range(share):
                    block = [requests[(pos + m) % size] for m in range(k)]
                    pos += k
                    t0 = timer()
                    for x in block:
                        fn(x)
                    t1 = timer()
                    out[i] = t1 - t0
                    done = i + 1
                    if t1 - start > limit:
                        break
            self._spent_ns += timer() - start
        self._position = pos
        self._chunks.append(out[:done])
        self._rounds_done += 1
        if done < share:
            self.stopped_early = True

    # ---- result ----------------------------------------------------------------------
    def result(self, input_kind: str) -> tuple[LatencyStats | None, list[str]]:
        """The pooled statistics and the notes a reader needs next to them."""
        samples = np.concatenate(self._chunks) if self._chunks else np.empty(0, dtype=np.int64)
        if samples.size == 0:
            return None, ["no single-row call was timed."]
        k = self.block_size
        per_call = samples.astype(np.float64) / k
        p50, p90, p95, p99 = percentiles_ms(per_call, QUANTILES)
        stats = LatencyStats(
            p50_ms=p50,
            p90_ms=p90,
            p95_ms=p95,
            p99_ms=p99,
            max_ms=float(per_call.max()) / 1e6,
            mean_ms=float(per_call.mean()) / 1e6,
            n_calls=int(samples.size * k),
            n_samples=int(samples.size),
            block_size=k,
            rounds=self._rounds_done,
            input_kind=input_kind,
            stopped_early=self.stopped_early,
        )
        notes = []
        if k > 1:
            notes.append(
                f"calls took about {self.pilot_ms * 1e6:.0f} ns, under {self.block_threshold:g} timer "
                f"overheads ({self.overhead_ns:.0f} ns), so they were {stats.timing}; the percentiles "
                "are of block means and understate the tail."
            )
        if self.stopped_early:
            notes.append(
                f"the latency time budget ({self.budget_ns / 1e9:g} s) ended timing after "
                f"{stats.n_calls} of {self.n_calls * k} calls."
            )
        if samples.size < FEW_SAMPLES:
            notes.append(f"only {samples.size} timed samples: p99 and max are rough.")
        return stats, notes
