"""Shared fixtures: small synthetic datasets and models with fixed seeds."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

# No timing assertions in tests, Hypothesis's included: its 200 ms deadline per example and its "data
# generation is too slow" check fail on a busy 2-core machine for reasons that say nothing about the code.
settings.register_profile("tradeoffs", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tradeoffs")

# shap 0.51 calls matplotlib's Colormap.set_bad/set_over/set_under when it is imported, which
# matplotlib 3.11 marks as PendingDeprecationWarning; with warnings as errors, `import shap` (inside
# the explanation paths) then fails and every exact explainer falls back to the permutation one.
# Import it once, here, with only that third-party warning silenced.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", r"The set_\w+ function will be deprecated", PendingDeprecationWarning)
    try:
        import shap  # noqa: F401
    except ImportError:  # pragma: no cover - shap is a dependency
        pass


@pytest.fixture(scope="session")
def binary_frame() -> pd.DataFrame:
    """2,000 rows: two numeric features, one text feature, two sensitive attributes, a time column."""
    rng = np.random.default_rng(7)
    n = 2000
    frame = pd.DataFrame(
        {
            "row_id": np.arange(n),
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
            "region": rng.choice(["north", "south", "east"], size=n, p=[0.5, 0.35, 0.15]),
            "age_band": rng.choice(["young", "old"], size=n),
            "when": pd.date_range("2025-01-01", periods=n, freq="4h"),
            "basket": rng.gamma(2.0, 10.0, size=n).round(2),
        }
    )
    logit = 1.2 * frame.x1 - 0.8 * frame.x2**2 + (frame.region == "south") * 0.7
    frame["label"] = (logit + rng.logistic(size=n) > 0).astype(int)
    return frame


@pytest.fixture(scope="session")
def fitted_models(binary_frame, tmp_path_factory):
    """Two fitted pipelines saved as skops files: {name: path}."""
    import skops.io as sio
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    folder = tmp_path_factory.mktemp("models")
    X = binary_frame[["x1", "x2", "colour"]]
    y = binary_frame["label"]

    def prep():
        return ColumnTransformer(
            [("cat", OneHotEncoder(handle_unknown="ignore"), ["colour"]), ("num", StandardScaler(), ["x1", "x2"])]
        )

    paths = {}
    for name, est in [
        ("logreg", LogisticRegression()),
        ("boosting", HistGradientBoostingClassifier(max_iter=30, random_state=0)),
    ]:
        model = Pipeline([("prep", prep()), ("model", est)]).fit(X, y)
        path = folder / f"{name}.skops"
        sio.dump(model, path)
        paths[name] = path
    return paths
