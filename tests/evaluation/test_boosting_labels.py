"""Native boosters predict codes 0..k-1: a target with other labels reads code i as its i-th class, and says so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _boosting_fixtures import make_frame, own_outputs, train

from analysis.evaluation import predict_model, prepare_data
from analysis.loading import load_model


@pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
def test_a_yes_no_target_reads_code_1_as_the_positive_label(library, tmp_path):
    X, targets = make_frame(n=300, seed=3)
    fitted, path = train(library, "binary", X, targets["binary"], tmp_path)
    frame = X.assign(churned=np.where(targets["binary"] == 1, "Yes", "No"))
    data = prepare_data(frame, source="t.csv", target="churned", positive_label="Yes")
    loaded = load_model(path)
    p = predict_model(loaded, data.frame, list(X.columns), data.spec, data_source="t.csv")
    np.testing.assert_allclose(p.y_prob, own_outputs(library, fitted, X, "binary")[:, 1], atol=1e-6)
    assert any("read as the target's labels: 0 as 'No', 1 as 'Yes' (1 is the positive label)" in n for n in p.notes)
    expected = (own_outputs(library, fitted, X, "binary")[:, 1] > 0.5).astype(int)
    np.testing.assert_array_equal(p.y_pred, expected)


def test_multiclass_codes_read_as_the_sorted_labels(tmp_path):
    X, targets = make_frame(n=300, seed=4)
    fitted, path = train("xgboost", "multiclass", X, targets["multiclass"], tmp_path)
    labels = np.array(["high", "low", "mid"])  # sorted: code 0 -> "high"
    frame = X.assign(band=pd.Series(labels[targets["multiclass"]], dtype=object))
    data = prepare_data(frame, source="t.csv", target="band")
    p = predict_model(load_model(path), data.frame, list(X.columns), data.spec, data_source="t.csv")
    np.testing.assert_allclose(p.y_prob, own_outputs("xgboost", fitted, X, "multiclass"), atol=1e-6)
    assert any("codes in the labels' sorted order" in n for n in p.notes)


def test_a_0_1_target_needs_no_reading(tmp_path):
    X, targets = make_frame(n=200, seed=5)
    _, path = train("xgboost", "binary", X, targets["binary"], tmp_path)
    data = prepare_data(X.assign(y=targets["binary"]), source="t.csv", target="y", positive_label=1)
    p = predict_model(load_model(path), data.frame, list(X.columns), data.spec, data_source="t.csv")
    assert not any("class codes" in n for n in p.notes)
