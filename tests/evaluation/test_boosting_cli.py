"""`tradeoffs evaluate` on XGBoost, LightGBM and CatBoost model files, end to end through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _boosting_fixtures import make_frame, own_outputs, train
from sklearn.metrics import roc_auc_score

from analysis.cli import main


def metric(scorecard: dict, candidate: str, objective: str) -> float | None:
    return next(
        (m["value"] for m in scorecard["metrics"] if m["candidate"] == candidate and m["objective"] == objective), None
    )


@pytest.mark.parametrize("explain", [False, True], ids=["no-explain", "explain"])
def test_evaluate_scores_each_native_model_file(explain, tmp_path, capsys):
    for library in ("xgboost", "lightgbm", "catboost"):
        pytest.importorskip(library)
    X, targets = make_frame(n=400, seed=11)
    train_rows, test_rows = slice(0, 250), slice(250, 400)
    y = targets["binary"]
    X_train, y_train = X.iloc[train_rows], y[train_rows]
    names = {"xgboost": "xgb", "lightgbm": "lgb", "catboost": "cat"}
    fitted, paths = {}, {}
    for library, name in names.items():  # the text column as each library takes categorical data
        fitted[library], paths[library] = train(library, "binary", X_train, y_train, tmp_path, name=name)
    data = X.iloc[test_rows].assign(label=y[test_rows])
    csv = tmp_path / "data.csv"
    data.to_csv(csv, index=False)
    out = tmp_path / "sc.json"
    argv = ["evaluate", "--data", csv, "--target", "label", "--out", out, "--bootstrap", "20", "--quiet"]
    argv += ["--no-serving", "--explain" if explain else "--no-explain"]
    if explain:
        argv += ["--explain-rows", "40"]
    for library in names:
        argv += ["--model", paths[library]]
    code = main([str(a) for a in argv])
    _, err = capsys.readouterr()
    assert code == 0, err
    scorecard = json.loads(out.read_text(encoding="utf-8"))
    candidates = {c["name"]: c for c in scorecard["candidates"]}
    assert set(candidates) == set(names.values())
    for library, name in names.items():
        source = candidates[name]["source"]
        assert source["format"] == library and source["path"] == paths[library].name
        assert source["model_type"].endswith("(binary:logistic, 15 trees)" if library == "xgboost" else "15 trees)")
        proba = own_outputs(library, fitted[library], X.iloc[test_rows], "binary")[:, 1]
        expected = roc_auc_score(y[test_rows], proba)
        assert metric(scorecard, name, "roc_auc") == pytest.approx(expected, abs=1e-12)
        accuracy = np.mean((proba > 0.5).astype(int) == y[test_rows])
        assert metric(scorecard, name, "accuracy") == pytest.approx(accuracy, abs=1e-12)
        if explain:
            assert metric(scorecard, name, "exact_explainer") == 1.0
            assert metric(scorecard, name, "model_complexity") > 0
