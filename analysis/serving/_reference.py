"""Reference models whose serving cost is known, to check the harness on a machine.

:class:`ReferenceModel` busy-waits ``per_call_ms + per_row_ms * rows`` on every prediction, so
a correct harness must report a median single-row latency of ``per_call_ms + per_row_ms`` and a
throughput curve ``rows / (per_call_ms + per_row_ms * rows)`` that rises with the batch size
towards ``1 / per_row_ms``. The tests and ``bench/bench_serving.py`` use it; so can anyone who
wants to see how far to trust the figures on their own machine.

With ``clock="wall"`` (the default) the model spins on ``time.perf_counter_ns``: its wall time is
known, but on a machine where other processes compete for the cores, preemption stretches some
calls, and when more than half are stretched even the median moves. With ``clock="cpu"`` it
spins on ``time.thread_time_ns`` (this thread's CPU time); timed with the same clock
(``measure_serving(..., timer=time.thread_time_ns)``) the harness's bookkeeping is checked
independently of how busy the machine is.
"""

from __future__ import annotations

import time

import numpy as np

from analysis.serving._clock import busy_wait_ns

#: The clocks a reference model can spin on.
CLOCKS = {"wall": time.perf_counter_ns, "cpu": time.thread_time_ns}


class ReferenceModel:
    """A classifier that burns a known time per call and per row.

    Parameters
    ----------
    per_call_ms : float, default=2.0
        Fixed cost of every call.
    per_row_ms : float, default=0.0
        Extra cost per row of the input.
    n_classes : int, default=2
        Width of the uniform probabilities returned.
    clock : {"wall", "cpu"}, default="wall"
        Spin on wall time (``perf_counter_ns``) or on this thread's CPU time (``thread_time_ns``).

    Examples
    --------
    >>> model = ReferenceModel(per_call_ms=0.1)
    >>> model.predict_proba(np.zeros((3, 2))).shape
    (3, 2)
    >>> model.expected_ms(rows=10)
    0.1
    """

    def __init__(
        self, *, per_call_ms: float = 2.0, per_row_ms: float = 0.0, n_classes: int = 2, clock: str = "wall"
    ) -> None:
        if clock not in CLOCKS:
            raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, not {clock!r}")
        self.per_call_ms = float(per_call_ms)
        self.per_row_ms = float(per_row_ms)
        self.clock = clock
        self.classes_ = np.arange(n_classes)

    def expected_ms(self, rows: int = 1) -> float:
        """The time one call on ``rows`` rows takes, in milliseconds."""
        return self.per_call_ms + self.per_row_ms * rows

    def _work(self, X) -> int:
        rows = len(X)
        busy_wait_ns(int(round(self.expected_ms(rows) * 1e6)), CLOCKS[self.clock])
        return rows

    def predict_proba(self, X) -> np.ndarray:
        """Uniform probabilities, after the known delay."""
        rows = self._work(X)
        return np.full((rows, len(self.classes_)), 1.0 / len(self.classes_))

    def predict(self, X) -> np.ndarray:
        """The first class for every row, after the known delay."""
        rows = self._work(X)
        return np.full(rows, self.classes_[0])
