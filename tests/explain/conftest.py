"""Fixtures for the explanation tests: a small mixed-type frame and pipelines fitted on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _explain_pipelines import make_pipeline


@pytest.fixture(scope="session")
def mixed() -> tuple[pd.DataFrame, np.ndarray]:
    """400 rows: two floats, an int count, a string colour; a binary label depending on all but noise."""
    rng = np.random.default_rng(5)
    n = 400
    X = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "count": rng.integers(0, 6, size=n),
            "colour": pd.Series(rng.choice(["red", "green", "blue"], size=n), dtype="str"),
        }
    )
    logit = 1.5 * X.x1 - X.x2**2 + 0.3 * X["count"] + 1.2 * (X.colour == "red") - 0.5
    y = (logit + rng.logistic(size=n) > 0).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="session")
def fitted(mixed):
    """Fitted pipelines, one per explanation path."""
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeClassifier

    X, y = mixed
    models = {
        "hgb": make_pipeline(HistGradientBoostingClassifier(max_iter=30, random_state=0), scale=False),
        "forest": make_pipeline(RandomForestClassifier(n_estimators=15, max_depth=5, random_state=0), scale=False),
        "tree": make_pipeline(DecisionTreeClassifier(max_depth=4, random_state=0), scale=False),
        "logreg": make_pipeline(LogisticRegression()),
        "knn": make_pipeline(KNeighborsClassifier(n_neighbors=15)),
        "baseline": make_pipeline(DummyClassifier(strategy="prior")),
    }
    return {name: model.fit(X, y) for name, model in models.items()}
