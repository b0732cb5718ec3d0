"""Test doubles: a clock that models advance, and a model whose cost per row is known."""

from __future__ import annotations

import numpy as np


class FakeClock:
    """A monotonic clock in seconds that only moves when told to."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SlowModel:
    """Wraps a fitted classifier; every predicted row costs ``seconds_per_row`` on ``clock``."""

    def __init__(self, model, clock: FakeClock, seconds_per_row: float, *, fail: bool = False) -> None:
        self.model = model
        self.clock = clock
        self.seconds_per_row = seconds_per_row
        self.fail = fail
        self.classes_ = model.classes_
        self.feature_names_in_ = model.feature_names_in_

    def predict(self, X):
        return self.model.predict(X)

    def predict_proba(self, X):
        if self.fail:
            raise RuntimeError("the model server is down")
        self.clock.advance(self.seconds_per_row * len(X))
        return np.asarray(self.model.predict_proba(X))
