"""Backtest on a constructed drift whose answer is known: the label's direction rotates every month."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from analysis._errors import InputError
from analysis.drift import BACKTEST_COLUMNS, backtest, backtest_to_scorecard
from analysis.scorecard import Candidate, Scorecard, scorecard_to_json

ROTATION_DEG = 20.0


@pytest.fixture(scope="module")
def rotating():
    """12 months x 250 rows; y = 1 when x points along a direction that turns 20 degrees a month."""
    rng = np.random.default_rng(12)
    parts = []
    for month in range(1, 13):
        n = 250
        x = rng.normal(size=(n, 2))
        angle = np.deg2rad(ROTATION_DEG * month)
        margin = x[:, 0] * np.cos(angle) + x[:, 1] * np.sin(angle)
        parts.append(
            pd.DataFrame(
                {
                    "when": pd.Timestamp(2025, month, 1) + pd.to_timedelta(rng.uniform(0, 27, n), unit="D"),
                    "x1": x[:, 0],
                    "x2": x[:, 1],
                    "shop": rng.choice(["a", "b"], size=n),
                    "label": np.where(margin + rng.normal(scale=0.3, size=n) > 0, "yes", "no"),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _pipeline(estimator):
    prep = ColumnTransformer([("cat", OneHotEncoder(), ["shop"]), ("num", StandardScaler(), ["x1", "x2"])])
    return Pipeline([("prep", prep), ("model", estimator)])


@pytest.fixture(scope="module")
def models(rotating):
    first_half = rotating[rotating.when.dt.month <= 6]
    X, y = first_half[["x1", "x2", "shop"]], first_half.label
    return {
        "logreg": _pipeline(LogisticRegression()).fit(X, y),
        "tree": _pipeline(DecisionTreeClassifier(max_depth=4)).fit(X, y),  # random_state left unset
    }


@pytest.fixture(scope="module")
def result(models, rotating):
    return backtest(models, rotating, target="label", time="when", positive_label="yes", random_state=3)


def test_quality_falls_as_the_training_data_ages(result):
    frame = result.to_frame()
    assert list(frame.columns) == list(BACKTEST_COLUMNS)
    assert result.test_window == "2025-12"
    for name in ("logreg", "tree"):
        rows = frame[frame.candidate == name].set_index("age_months")
        assert rows.refit.all()
        auc = rows.roc_auc
        assert auc[1] > auc[2] > auc[6]
        assert auc[1] > 0.8 and auc[6] < 0.6  # 60-140 degrees of rotation separate age 6 from the test month
        assert rows.log_loss[1] < rows.log_loss[6]


def test_windows_are_the_three_months_ending_age_months_before_the_test_month(result, rotating):
    rows = {r.age_months: r for r in result.rows if r.candidate == "logreg"}
    assert (rows[6].train_start, rows[6].train_end) == ("2025-04", "2025-06")
    assert (rows[2].train_start, rows[2].train_end) == ("2025-08", "2025-10")
    assert (rows[1].train_start, rows[1].train_end) == ("2025-09", "2025-11")
    assert rows[1].n_train == 750 and rows[1].n_test == 250


def test_metrics_match_a_refit_by_hand(result, models, rotating):
    from sklearn.base import clone

    months = rotating.when.dt.month
    train = rotating[months.between(9, 11)]
    test = rotating[months == 12]
    cols = ["x1", "x2", "shop"]
    model = clone(models["tree"]).set_params(model__random_state=3).fit(train[cols], train.label)
    row = next(r for r in result.rows if r.candidate == "tree" and r.age_months == 1)
    proba = model.predict_proba(test[cols])[:, list(model.classes_).index("yes")]
    assert row.roc_auc == pytest.approx(roc_auc_score(test.label == "yes", proba))
    assert row.accuracy == pytest.approx(accuracy_score(test.label, model.predict(test[cols])))


def test_models_that_cannot_be_refit_say_why(models, rotating):
    class Graph:
        """Stands in for an ONNX model: it predicts but cannot be cloned or fitted."""

        classes_ = np.array(["no", "yes"])
        feature_names_in_ = np.array(["x1", "x2", "shop"])

        def predict(self, X):
            return np.where(X["x1"] > 0, "yes", "no")

        def predict_proba(self, X):
            p = (X["x1"].to_numpy() > 0).astype(float)
            return np.column_stack([1 - p, p])

    class Broken(LogisticRegression):
        def fit(self, X, y):
            raise ValueError("cannot fit today")

    out = backtest(
        {"graph": Graph(), "broken": _pipeline(Broken())},  # never fitted: it can be cloned, its fit raises
        rotating,
        target="label",
        time="when",
        positive_label="yes",
        features_by_model={"broken": ["x1", "x2", "shop"]},
    )
    graph_rows = [r for r in out.rows if r.candidate == "graph"]
    assert len(graph_rows) == 3 and not any(r.refit for r in graph_rows)
    assert all("cannot be refit" in r.reason and r.roc_auc is None for r in graph_rows)
    broken_rows = [r for r in out.rows if r.candidate == "broken"]
    assert all(not r.refit and "cannot fit today" in r.reason for r in broken_rows)
    supplied = {s.candidate: s for s in out.supplied}
    assert supplied["graph"].accuracy is not None  # the model as supplied is still scored
    assert supplied["broken"].accuracy is None and supplied["broken"].reason


def test_a_tiny_budget_skips_refits_with_the_estimate(models, rotating):
    class Clock:
        def __init__(self):
            self.t = 0.0

        def __call__(self):
            self.t += 0.5  # every reading costs half a second: the pilot looks slow
            return self.t

    out = backtest(
        {"logreg": models["logreg"]}, rotating, target="label", time="when", budget_seconds=1.0, timer=Clock()
    )
    assert all(not r.refit and "budget" in r.reason for r in out.rows)
    assert all(r.roc_auc is None for r in out.rows)


def test_backtest_section_round_trips(result):
    card = Scorecard(task="binary", objectives=(), candidates=(Candidate("logreg"), Candidate("tree")), metrics=())
    out = backtest_to_scorecard(card, result)
    section = out.sections["backtest"]
    assert section["ages"] == (6, 2, 1) and len(section["rows"]) == 6
    assert Scorecard.from_dict(json.loads(scorecard_to_json(out))).to_dict() == out.to_dict()


def test_bad_arguments(models, rotating):
    with pytest.raises(InputError, match="binary"):
        backtest(models, rotating.assign(label=rotating.x1.round()), target="label", time="when")
    with pytest.raises(InputError, match="ages"):
        backtest(models, rotating, target="label", time="when", ages=(0,))
    with pytest.raises(InputError, match="no column"):
        backtest(models, rotating, target="nope", time="when")
