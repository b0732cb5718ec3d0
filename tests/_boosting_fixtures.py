"""Tiny XGBoost, LightGBM and CatBoost models trained in the tests, and saved in their own formats.

Each ``train_*`` function fits a model through the library's scikit-learn API on a few hundred
rows (at most 15 trees), saves its native file, and returns the fitted object, so a test can
compare the loaded file against the library's own predictions on the same rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

N_TREES = 15
SUFFIX = {"xgboost": ".json", "lightgbm": ".txt", "catboost": ".cbm"}


def make_frame(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Numeric ``x1``..``x3``, a text ``colour``; binary, 3-class and regression targets depending on all."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "x3": rng.integers(0, 5, size=n).astype(float),
            "colour": rng.choice(["red", "green", "blue"], size=n).astype(object),
        }
    )
    signal = 1.2 * X.x1 - 0.7 * X.x2 + 0.2 * X.x3 + 0.9 * (X.colour == "red")
    noisy = signal + rng.normal(scale=0.7, size=n)
    targets = {
        "binary": (noisy > 0.3).astype(int).to_numpy(),
        "multiclass": np.digitize(noisy, np.quantile(noisy, [1 / 3, 2 / 3])).astype(int),
        "regression": noisy.to_numpy(),
    }
    return X, targets


def text_columns(X) -> list[str]:
    """The non-numeric columns of a DataFrame (none for an array)."""
    if not isinstance(X, pd.DataFrame):
        return []
    return [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]


def with_categories(X: pd.DataFrame) -> pd.DataFrame:
    """``X`` with its text columns as pandas categories (how XGBoost and LightGBM are trained on them)."""
    return X.astype({c: "category" for c in text_columns(X)})


def train(library: str, task: str, X: pd.DataFrame, y: np.ndarray, folder: Path, *, name: str | None = None):
    """Fit ``library``'s scikit-learn estimator on ``X`` (text columns as categorical), save its native file.

    Returns ``(fitted estimator, path)``. ``X`` may be a NumPy array (the model then records no names).
    """
    pytest.importorskip(library)
    path = Path(folder) / f"{name or f'{library}_{task}'}{SUFFIX[library]}"
    classifier = task != "regression"
    has_text = bool(text_columns(X))
    if library == "xgboost":
        import xgboost as xgb

        cls = xgb.XGBClassifier if classifier else xgb.XGBRegressor
        model = cls(n_estimators=N_TREES, max_depth=3, tree_method="hist", enable_categorical=True, n_jobs=1)
        model.fit(with_categories(X) if has_text else X, y)
        model.get_booster().save_model(str(path))
    elif library == "lightgbm":
        import lightgbm as lgb

        cls = lgb.LGBMClassifier if classifier else lgb.LGBMRegressor
        model = cls(n_estimators=N_TREES, num_leaves=8, min_child_samples=5, verbose=-1, n_jobs=1)
        model.fit(with_categories(X) if has_text else X, y)
        model.booster_.save_model(str(path))
    else:
        import catboost as cb

        cls = cb.CatBoostClassifier if classifier else cb.CatBoostRegressor
        model = cls(iterations=N_TREES, depth=3, verbose=0, thread_count=1, allow_writing_files=False, random_seed=0)
        cats = text_columns(X) or None
        model.fit(X, y, cat_features=cats)
        model.save_model(str(path), format="cbm")
    return model, path


def own_outputs(library: str, model, X: pd.DataFrame, task: str) -> np.ndarray:
    """What the library itself predicts: class probabilities, or values for regression."""
    data = with_categories(X) if text_columns(X) and library != "catboost" else X
    return np.asarray(model.predict_proba(data) if task != "regression" else model.predict(data), dtype=np.float64)
