"""The pipeline shape the explanation tests fit (imported by conftest.py and the tests).

A module of its own, not conftest.py: ``from conftest import ...`` picks whichever directory's
conftest was imported last when pytest is given several test directories.
"""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def make_pipeline(estimator, *, scale: bool = True) -> Pipeline:
    """One-hot ``colour``, scale (or pass through) the numbers, then ``estimator``."""
    prep = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["colour"]),
            ("num", StandardScaler() if scale else "passthrough", ["x1", "x2", "count"]),
        ]
    )
    return Pipeline([("prep", prep), ("model", estimator)])
