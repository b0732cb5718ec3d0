"""Native XGBoost and LightGBM files trained on a public dataset (Rochester arrests), evaluated through the CLI.

The data ships inside scikit-lego (``sklego.datasets.load_arrests``, 5,226 rows). Both libraries
take the text columns (colour, sex, employed, citizen) as categorical features; the test set is
written as CSV, so the evaluation reads them back as text and the loaded models must map them to
the categories stored in their files.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _build import DATASETS, SEED
from _public_cli import run_cli
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

FEATURES = ["colour", "year", "age", "sex", "employed", "citizen", "checks"]
TEXT = ["colour", "sex", "employed", "citizen"]


def test_xgboost_and_lightgbm_files_on_the_arrests_data(tmp_path):
    xgb = pytest.importorskip("xgboost")
    lgb = pytest.importorskip("lightgbm")
    pytest.importorskip("sklego")
    frame = DATASETS["arrests"].load()
    frame["released"] = (frame["released"] == "Yes").astype(int)  # native boosters learn 0/1 labels
    train, test = train_test_split(frame, test_size=0.3, random_state=SEED, stratify=frame["released"])
    X_train = train[FEATURES].astype({c: "category" for c in TEXT})
    y_train = train["released"].to_numpy()
    xgb_model = xgb.XGBClassifier(n_estimators=20, max_depth=3, enable_categorical=True, tree_method="hist", n_jobs=1)
    xgb_model.fit(X_train, y_train)
    lgb_model = lgb.LGBMClassifier(n_estimators=20, num_leaves=15, verbose=-1, n_jobs=1).fit(X_train, y_train)
    xgb_model.get_booster().save_model(str(tmp_path / "arrests_xgb.json"))
    lgb_model.booster_.save_model(str(tmp_path / "arrests_lgb.txt"))
    data = tmp_path / "arrests_test.csv"
    test[[*FEATURES, "released"]].to_csv(data, index=False)
    out = tmp_path / "scorecard.json"
    argv = ["evaluate", "--data", data, "--target", "released", "--sensitive", "colour,sex"]
    argv += ["--model", tmp_path / "arrests_xgb.json", "--model", tmp_path / "arrests_lgb.txt"]
    argv += ["--bootstrap", "50", "--no-serving", "--no-explain", "--quiet", "--out", out]
    result = run_cli(argv)
    assert result.code == 0, result.describe()
    scorecard = json.loads(out.read_text(encoding="utf-8"))
    values = {(m["candidate"], m["objective"]): m["value"] for m in scorecard["metrics"]}
    X_test = pd.read_csv(data)[FEATURES].astype({c: "category" for c in TEXT})
    y_test = test["released"].to_numpy()
    for name, model in (("arrests_xgb", xgb_model), ("arrests_lgb", lgb_model)):
        proba = model.predict_proba(X_test)[:, 1]
        assert values[name, "roc_auc"] == pytest.approx(roc_auc_score(y_test, proba), abs=1e-12)
        assert values[name, "accuracy"] == pytest.approx(np.mean(model.predict(X_test) == y_test), abs=1e-12)
        assert values[name, "roc_auc"] > 0.6  # the models learned something from the data
        assert values[name, "demographic_parity_difference"] is not None
    formats = {c["name"]: c["source"]["format"] for c in scorecard["candidates"]}
    assert formats == {"arrests_xgb": "xgboost", "arrests_lgb": "lightgbm"}
