"""The scenario's candidate models: ten scikit-learn pipelines, and two boosters in their own formats.

Every scikit-learn candidate is a :class:`~sklearn.pipeline.Pipeline` whose first step one-hot
encodes ``cuisine`` and ``user_zone`` and scales (or passes through) the numeric features, fitted
on a DataFrame of exactly :data:`FEATURES`. Only standard scikit-learn and numpy types are used,
so the files load with a skops allow-list.

When XGBoost and LightGBM are installed (the ``boosting`` extra), two more candidates
(:data:`BOOSTING_CANDIDATES`) are fitted on the same columns, with ``cuisine`` and ``user_zone``
as categorical features split on natively, and saved in each library's own format
(``xgboost.json``, ``lightgbm.txt``): what most tabular teams deploy, loaded without pickle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier, StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

CATEGORICAL_FEATURES = ("cuisine", "user_zone")
NUMERIC_FEATURES = (
    "distance_km",
    "delivery_time_min",
    "price_level",
    "rating",
    "cuisine_match",
    "user_orders_90d",
    "hour",
    "weekday",
    "promo",
    "sponsored",
    "ad_fee",
)
#: Model inputs, in the order of the card.
FEATURES = (
    "distance_km",
    "delivery_time_min",
    "price_level",
    "rating",
    "cuisine",
    "cuisine_match",
    "user_orders_90d",
    "hour",
    "weekday",
    "promo",
    "sponsored",
    "ad_fee",
    "user_zone",
)
TARGET = "ordered"
#: Rows of the training set the nearest-neighbours model memorises.
KNN_TRAINING_ROWS = 8000
#: Extra weight per dollar of ad fee given to orders when training ``sales_boosted``.
SALES_WEIGHT_PER_AD_DOLLAR = 2.0


@dataclass(frozen=True)
class Candidate:
    """One candidate model as the card describes it.

    Attributes
    ----------
    name : str
        Identifier, also the file name ``models/<name>.skops``.
    family : str
        Kind of model (``linear``, ``tree``, ``ensemble``, ...).
    description : str
        One sentence on what the model is and why it is a candidate.
    """

    name: str
    family: str
    description: str


CANDIDATES = (
    Candidate(
        "logistic_regression",
        "linear",
        "Logistic regression on scaled features: small, explainable by its coefficients, but "
        "blind to thresholds and interactions.",
    ),
    Candidate(
        "decision_tree",
        "tree",
        "A depth-4 decision tree on raw features: a flowchart a product manager can read, at a cost in accuracy.",
    ),
    Candidate(
        "random_forest",
        "ensemble",
        "100 trees of depth at most 10: accurate and robust, but a large file and slow for a single row.",
    ),
    Candidate(
        "hist_gradient_boosting",
        "ensemble",
        "Histogram gradient boosting: usually the strongest single model on tabular data.",
    ),
    Candidate(
        "knn",
        "neighbors",
        "50 nearest neighbours among 8,000 memorised training rows: nothing to learn, slow to score in bulk.",
    ),
    Candidate(
        "mlp",
        "neural_network",
        "A small neural network (32 and 16 units, early stopping): flexible but hard to explain.",
    ),
    Candidate(
        "naive_bayes", "probabilistic", "Gaussian naive Bayes: tiny and fast, with badly calibrated probabilities."
    ),
    Candidate(
        "stacking_ensemble",
        "ensemble",
        "Logistic regression stacked on logistic regression, random forest and gradient boosting: "
        "among the most accurate, but the slowest and hardest to explain.",
    ),
    Candidate(
        "sales_boosted",
        "ensemble",
        "Gradient boosting trained with orders weighted by the ad fee they earn: captures more "
        "ad revenue from sponsored restaurants, at a cost in accuracy.",
    ),
    Candidate(
        "majority_baseline",
        "baseline",
        "Always predicts the majority class (no order): the floor every model must beat.",
    ),
)


#: Candidates saved by their own library (the ``boosting`` extra), and each one's file.
BOOSTING_CANDIDATES = (
    Candidate(
        "xgboost",
        "ensemble",
        "XGBoost with native categorical splits, saved in XGBoost's own JSON format: the library most tabular "
        "teams deploy, loaded without pickle.",
    ),
    Candidate(
        "lightgbm",
        "ensemble",
        "LightGBM with native categorical splits, saved in LightGBM's own text format: fast to train and small.",
    ),
)
BOOSTING_FILES = {"xgboost": "xgboost.json", "lightgbm": "lightgbm.txt"}


def boosting_installed() -> bool:
    """Whether XGBoost and LightGBM can be imported (then the scenario has their candidates)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in BOOSTING_FILES)


def boosting_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """:data:`FEATURES` with the categorical ones as pandas categories (how the boosters are trained)."""
    return frame[list(FEATURES)].astype({c: "category" for c in CATEGORICAL_FEATURES})


def fit_boosting_candidates(train: pd.DataFrame, *, random_state: int) -> dict[str, object]:
    """Fit the XGBoost and LightGBM candidates (one thread, seeded: the same files on every run).

    Returns the fitted scikit-learn-API estimators keyed by name, in :data:`BOOSTING_CANDIDATES` order.
    """
    import lightgbm as lgb
    import xgboost as xgb

    X, y = boosting_frame(train), train[TARGET].to_numpy()
    models = {
        "xgboost": xgb.XGBClassifier(
            n_estimators=200,
            max_depth=5,
            learning_rate=0.08,
            tree_method="hist",
            enable_categorical=True,
            max_cat_to_onehot=1,
            n_jobs=1,
            random_state=random_state,
        ),
        "lightgbm": lgb.LGBMClassifier(
            n_estimators=200,
            learning_rate=0.08,
            num_leaves=31,
            min_child_samples=40,
            n_jobs=1,
            deterministic=True,
            force_row_wise=True,
            random_state=random_state,
            verbose=-1,
        ),
    }
    for model in models.values():
        model.fit(X, y)
    return models


def fit_candidates(train: pd.DataFrame, *, random_state: int) -> dict[str, Pipeline]:
    """Fit every candidate on the training impressions.

    Training runs on one thread so results do not depend on the machine's core count.

    Parameters
    ----------
    train : pandas.DataFrame
        Training impressions with the columns of :data:`FEATURES` and :data:`TARGET`.
    random_state : int
        Seed for every random choice (model initialisation, subsampling, validation splits).

    Returns
    -------
    dict of str to Pipeline
        Fitted pipelines keyed by candidate name, in the order of :data:`CANDIDATES`.
    """
    X = train[list(FEATURES)]
    y = train[TARGET].to_numpy()
    rng = np.random.default_rng(random_state)
    knn_rows = np.sort(rng.choice(len(train), size=KNN_TRAINING_ROWS, replace=False))
    sales_weight = 1.0 + SALES_WEIGHT_PER_AD_DOLLAR * train["ad_fee"].to_numpy() * y

    models = _unfitted_candidates(random_state)
    with threadpool_limits(limits=1):
        for name, model in models.items():
            if name == "knn":
                model.fit(X.iloc[knn_rows], y[knn_rows])
            elif name == "sales_boosted":
                model.fit(X, y, model__sample_weight=sales_weight)
            else:
                model.fit(X, y)
    return models


def _unfitted_candidates(random_state: int) -> dict[str, Pipeline]:
    def logistic_regression() -> LogisticRegression:
        return LogisticRegression(max_iter=1000)

    def random_forest() -> RandomForestClassifier:
        return RandomForestClassifier(
            n_estimators=100, max_depth=10, min_samples_leaf=40, n_jobs=1, random_state=random_state
        )

    def gradient_boosting() -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(max_iter=300, learning_rate=0.08, random_state=random_state)

    # name: (scale the numeric features?, estimator); trees keep raw units so thresholds read as-is.
    estimators = {
        "logistic_regression": (True, logistic_regression()),
        "decision_tree": (False, DecisionTreeClassifier(max_depth=4, min_samples_leaf=50, random_state=random_state)),
        "random_forest": (False, random_forest()),
        "hist_gradient_boosting": (False, gradient_boosting()),
        "knn": (True, KNeighborsClassifier(n_neighbors=50, n_jobs=1)),
        "mlp": (
            True,
            MLPClassifier(
                hidden_layer_sizes=(32, 16), alpha=1e-3, early_stopping=True, max_iter=300, random_state=random_state
            ),
        ),
        "naive_bayes": (True, GaussianNB()),
        "stacking_ensemble": (
            True,
            StackingClassifier(
                estimators=[
                    ("logistic_regression", logistic_regression()),
                    ("random_forest", random_forest()),
                    ("hist_gradient_boosting", gradient_boosting()),
                ],
                final_estimator=LogisticRegression(max_iter=1000),
                n_jobs=1,
            ),
        ),
        "sales_boosted": (False, gradient_boosting()),
        "majority_baseline": (False, DummyClassifier(strategy="most_frequent")),
    }
    return {
        name: Pipeline([("features", _features(scale=scale)), ("model", estimator)])
        for name, (scale, estimator) in estimators.items()
    }


def _features(*, scale: bool) -> ColumnTransformer:
    """One-hot encode the categories; scale the numbers for models that compare magnitudes."""
    return ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(CATEGORICAL_FEATURES)),
            ("numeric", StandardScaler() if scale else "passthrough", list(NUMERIC_FEATURES)),
        ]
    )
