"""Test doubles for the serving tests: a fake clock and models whose cost is known in its time."""

from __future__ import annotations

import numpy as np
import pandas as pd


class FakeClock:
    """A nanosecond clock that only moves when a model says it worked."""

    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += int(round(ms * 1e6))


class ClockModel:
    """Costs ``per_call_ms + per_row_ms * rows`` plus the ``ms`` column of its rows, in fake time."""

    def __init__(
        self,
        clock: FakeClock,
        *,
        per_call_ms: float = 0.0,
        per_row_ms: float = 0.0,
        name: str = "m",
        log: list | None = None,
    ) -> None:
        self.clock = clock
        self.per_call_ms = per_call_ms
        self.per_row_ms = per_row_ms
        self.name = name
        self.log = log
        self.feature_names_in_ = np.array(["ms", "x"], dtype=object)
        self.classes_ = np.array([0, 1])

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        rows = len(X)
        self.clock.advance_ms(self.per_call_ms + self.per_row_ms * rows + float(X["ms"].sum()))
        if self.log is not None:
            self.log.append(self.name)
        return np.full((rows, 2), 0.5)
