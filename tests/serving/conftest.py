"""Fixtures for the serving tests: a fake clock, models whose cost is known, small data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _serving_fakes import FakeClock
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def flat_load():
    """A load average that never flags the machine busy."""
    return lambda: (0.0, 0.0, 0.0)


@pytest.fixture(scope="session")
def mixed_frame() -> tuple[pd.DataFrame, np.ndarray]:
    """600 rows: two float columns, an int column and a string column; a binary label."""
    rng = np.random.default_rng(11)
    n = 600
    X = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "count": rng.integers(0, 7, size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
        }
    )
    y = ((X.x1 + (X.colour == "red") + rng.logistic(size=n) * 0.5) > 0.5).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="session")
def fitted_models(mixed_frame):
    """A logistic regression on the numeric columns and a one-hot pipeline on all columns."""
    X, y = mixed_frame
    numeric = ["x1", "x2", "count"]
    lr = LogisticRegression().fit(X[numeric], y)
    pipe = Pipeline(
        [
            (
                "features",
                ColumnTransformer(
                    [("num", StandardScaler(), numeric), ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour"])]
                ),
            ),
            ("model", LogisticRegression()),
        ]
    ).fit(X, y)
    return {"lr": lr, "pipe": pipe}


@pytest.fixture(autouse=True)
def no_cpu_times(monkeypatch):
    """Tests use the load-average rule unless they inject ``cpu_times`` (the real /proc/stat varies)."""
    import analysis.serving._measure as measure

    monkeypatch.setattr(measure, "read_cpu_times", lambda: None)
