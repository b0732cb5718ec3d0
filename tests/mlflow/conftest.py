"""A real MLflow server for the session, and five real runs logged to it on public data.

The data is scikit-lego's Rochester arrests table (shipped inside the wheel; no network):
binary target ``released`` (1 when the arrestee was released with a summons; the table's "Yes"
is written as 1 because XGBoost and LightGBM boosters predict classes 0..k-1), sensitive
``colour`` and ``sex``. Five candidates are trained and logged, each as its own run with its
``roc_auc`` on the test rows and a registered version of ``arrests-release``:

=========  =============================================  ==========================
run        model                                          logged as
=========  =============================================  ==========================
logreg     scikit-learn Pipeline (one-hot + logistic)     sklearn flavor, skops
hgb        scikit-learn Pipeline (HistGradientBoosting)   sklearn flavor, skops
xgb        XGBClassifier (categorical columns)            xgboost flavor, .ubj
lgbm       LightGBM Booster (categorical columns)         lightgbm flavor, .lgb
forest     RandomForestClassifier pipeline                sklearn flavor, cloudpickle
=========  =============================================  ==========================
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("mlflow", reason="the MLflow tests need mlflow (pip install -e '.[test]')")

sys.path.insert(0, str(Path(__file__).parent))
from _server import EXPERIMENT, MODEL_NAME, MlflowServer, start_server  # noqa: E402

CATEGORICAL = ["colour", "sex", "employed", "citizen"]
NUMERIC = ["year", "age", "checks"]
TARGET = "released"


@dataclass
class LoggedRuns:
    uri: str
    data_csv: Path
    test: pd.DataFrame
    models: dict[str, object]  # run name -> the fitted model (for the expected figures)
    versions: dict[str, str]  # run name -> registered version
    run_ids: dict[str, str]
    auc: dict[str, float] = field(default_factory=dict)

    def proba(self, name: str) -> np.ndarray:
        model = self.models[name]
        X = self.test[CATEGORICAL + NUMERIC]
        if name == "lgbm":
            return np.asarray(model.predict(_as_category(X)), dtype=float)
        if name == "xgb":
            return np.asarray(model.predict_proba(_as_category(X))[:, 1], dtype=float)
        return np.asarray(model.predict_proba(X)[:, 1], dtype=float)


def _as_category(X: pd.DataFrame) -> pd.DataFrame:
    X = X.copy()
    for c in CATEGORICAL:
        X[c] = X[c].astype("category")
    return X


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory) -> MlflowServer:
    server = start_server(tmp_path_factory.mktemp("mlflow-server"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def logged_runs(mlflow_server, tmp_path_factory) -> LoggedRuns:
    import lightgbm as lgb
    import mlflow
    import xgboost as xgb
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklego.datasets import load_arrests

    folder = tmp_path_factory.mktemp("mlflow-data")
    frame = load_arrests(as_frame=True)
    frame[CATEGORICAL] = frame[CATEGORICAL].astype(object)
    frame[TARGET] = (frame[TARGET] == "Yes").astype(int)
    train, test = train_test_split(frame, test_size=0.3, random_state=7, stratify=frame[TARGET])
    test = test.reset_index(drop=True)
    data_csv = folder / "arrests_test.csv"
    test.to_csv(data_csv, index=False)
    X, y = train[CATEGORICAL + NUMERIC], train[TARGET]
    yt = test[TARGET]

    def prep():
        return ColumnTransformer(
            [("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL), ("num", StandardScaler(), NUMERIC)]
        )

    models: dict[str, object] = {
        "logreg": Pipeline([("prep", prep()), ("model", LogisticRegression(max_iter=500))]).fit(X, y),
        "hgb": Pipeline([("prep", prep()), ("model", HistGradientBoostingClassifier(max_iter=30))]).fit(X, y),
        "xgb": xgb.XGBClassifier(n_estimators=30, max_depth=3, enable_categorical=True, tree_method="hist").fit(
            _as_category(X), y
        ),
        "lgbm": lgb.train(
            {"objective": "binary", "verbose": -1, "num_leaves": 15, "min_data_in_leaf": 20},
            lgb.Dataset(_as_category(X), y),
            num_boost_round=30,
        ),
        "forest": Pipeline([("prep", prep()), ("model", RandomForestClassifier(n_estimators=20, random_state=0))]).fit(
            X, y
        ),
    }
    runs = LoggedRuns(mlflow_server.uri, data_csv, test, models, {}, {})
    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    mlflow.set_tracking_uri(mlflow_server.uri)
    mlflow.set_registry_uri(mlflow_server.uri)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MLflow's own deprecation and schema-inference warnings
            mlflow.set_experiment(EXPERIMENT)
            for name, model in models.items():
                auc = float(roc_auc_score(yt, runs.proba(name)))
                runs.auc[name] = auc
                with mlflow.start_run(run_name=name) as run:
                    mlflow.log_params({"family": name, "train_rows": len(X)})
                    mlflow.log_metric("roc_auc", auc)
                    mlflow.set_tag("team", "release-desk")
                    # requirements given: MLflow otherwise infers them in a subprocess, ~7 s a model
                    common = dict(
                        name="model",
                        registered_model_name=MODEL_NAME,
                        await_registration_for=0,
                        pip_requirements=["scikit-learn", "xgboost", "lightgbm"],
                    )
                    if name == "logreg":
                        info = mlflow.sklearn.log_model(model, serialization_format="skops", **common)
                    elif name == "hgb":  # MLflow checks the file loads, with the types its author trusts
                        trusted = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]
                        info = mlflow.sklearn.log_model(
                            model, serialization_format="skops", skops_trusted_types=trusted, **common
                        )
                    elif name == "forest":
                        info = mlflow.sklearn.log_model(model, serialization_format="cloudpickle", **common)
                    elif name == "xgb":
                        info = mlflow.xgboost.log_model(model, **common)
                    else:
                        info = mlflow.lightgbm.log_model(model, **common)
                    runs.versions[name] = str(info.registered_model_version)
                    runs.run_ids[name] = run.info.run_id
    finally:
        mlflow.set_tracking_uri(previous[0])
        mlflow.set_registry_uri(previous[1])
    return runs
