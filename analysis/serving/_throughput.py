"""Offline throughput against batch size, as MLPerf's offline scenario at fixed batch sizes.

For each batch size one batch is predicted repeatedly (after an untimed call) until the size's
share of the time budget is used, and at least ``min_repeats`` times in all.
Throughput is ``batch_size / median batch time``: the median keeps one preempted repeat on a
shared machine from moving the figure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.serving._clock import Timer, paused_gc, percentiles_ms

#: Most timed repeats of one batch size per round (bounds trivially fast models).
MAX_REPEATS_PER_ROUND = 2000
#: Rounds after the first re-warm a batch size only when its calls are faster than this.
REWARM_BELOW_NS = 5_000_000


@dataclass(frozen=True)
class ThroughputPoint:
    """One point of the throughput curve.

    Attributes
    ----------
    batch_size : int
        Rows per predict call.
    repeats : int
        Timed calls.
    rows_per_s : float
        ``batch_size / median batch time``, one worker at the stated threads.
    batch_ms_p50, batch_ms_p99 : float
        Nearest-rank percentiles of the batch time.
    spread : float
        Interquartile range of the batch time over its median: how stable the figure is.
    with_replacement : bool
        Whether the batch was drawn with replacement (it is larger than the evaluation data).
    """

    batch_size: int
    repeats: int
    rows_per_s: float
    batch_ms_p50: float
    batch_ms_p99: float
    spread: float
    with_replacement: bool

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return dict(self.__dict__)


class BatchCurve:
    """Throughput samples of one candidate, accumulated over interleaved rounds.

    Parameters
    ----------
    fn : callable
        The bound prediction method.
    batches : mapping of int to input
        One prebuilt batch per size.
    replaced : mapping of int to bool
        Whether each batch was drawn with replacement.
    rounds : int
        Interleaving rounds.
    budget_ns : float
        Wall-clock budget of the whole curve, shared equally by sizes and rounds.
    min_repeats : int
        Fewest timed calls per size over all rounds.
    timer : callable
        Returns nanoseconds.
    """

    def __init__(
        self,
        fn: Callable[[Any], Any],
        batches: Mapping[int, Any],
        *,
        replaced: Mapping[int, bool],
        rounds: int,
        budget_ns: float,
        min_repeats: int,
        timer: Timer,
    ) -> None:
        self.fn = fn
        self.batches = dict(batches)
        self.replaced = dict(replaced)
        self.rounds = rounds
        self.budget_ns = budget_ns
        self.min_repeats = min_repeats
        self.timer = timer
        self.samples: dict[int, list[int]] = {b: [] for b in self.batches}
        self.spent: dict[int, int] = dict.fromkeys(self.batches, 0)
        self.errors: dict[int, str] = {}

    def run_round(self, round_index: int, *, on_error: Callable[[BaseException], str]) -> None:
        """Time every batch size's share of this round; a failing size is recorded and dropped.

        A size runs until its cumulative time reaches its share of the budget so far and it has
        its share of ``min_repeats``; a size already past both sits the round out. The first
        round starts every size with an untimed call; later rounds do so only for sizes faster
        than :data:`REWARM_BELOW_NS` (caches went cold while other candidates ran; for slower
        calls the refill is negligible and the extra call is not).
        """
        slot = self.budget_ns / (self.rounds * max(len(self.batches), 1))
        allowance = slot * (round_index + 1)
        needed_by_now = math.ceil(self.min_repeats * (round_index + 1) / self.rounds)
        timer, fn = self.timer, self.fn
        for size, batch in self.batches.items():
            if size in self.errors:
                continue
            times = self.samples[size]
            if len(times) >= needed_by_now and self.spent[size] >= allowance:
                continue
            try:
                with paused_gc():
                    if not times or float(np.median(times)) < REWARM_BELOW_NS:
                        fn(batch)  # untimed
                    for _ in range(MAX_REPEATS_PER_ROUND):
                        t0 = timer()
                        fn(batch)
                        t1 = timer()
                        times.append(t1 - t0)
                        self.spent[size] += t1 - t0
                        if self.spent[size] >= allowance and len(times) >= needed_by_now:
                            break
            except Exception as exc:  # a model may fail on large batches only
                self.errors[size] = on_error(exc)

    def points(self) -> tuple[ThroughputPoint, ...]:
        """The curve, one point per batch size that produced timings."""
        out = []
        for size, times in self.samples.items():
            if size in self.errors or not times:
                continue
            arr = np.asarray(times, dtype=np.float64)
            p25, p50, p75 = np.percentile(arr, (25, 50, 75), method="inverted_cdf")
            ms50, ms99 = percentiles_ms(arr, (50.0, 99.0))
            out.append(
                ThroughputPoint(
                    batch_size=size,
                    repeats=len(times),
                    rows_per_s=size / (float(p50) / 1e9) if p50 > 0 else math.inf,
                    batch_ms_p50=ms50,
                    batch_ms_p99=ms99,
                    spread=float((p75 - p25) / p50) if p50 > 0 else 0.0,
                    with_replacement=bool(self.replaced.get(size, False)),
                )
            )
        return tuple(out)


def best_point(points: tuple[ThroughputPoint, ...]) -> ThroughputPoint | None:
    """The point with the most rows per second (``None`` for an empty curve)."""
    finite = [p for p in points if math.isfinite(p.rows_per_s)]
    return max(finite, key=lambda p: p.rows_per_s) if finite else None
