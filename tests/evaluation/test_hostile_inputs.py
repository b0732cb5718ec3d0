"""Hostile inputs to the evaluation (issue 13): every one is an InputError naming the model or column, or a warning.

Models that misbehave (NaN or out-of-range probabilities, too few rows, wrong shapes), data whose
column types differ from what a model was trained on (the built-in test data through a CSV),
repeated ids, non-finite targets and prediction-file values; and data too thin for its figures,
which is scored but warned about in the scorecard.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from analysis._errors import InputError
from analysis.evaluation import EvalSettings, Predictions, evaluate_predictions, predict_candidates, prepare_data
from analysis.loading import LoadedModel, load_model, load_table
from analysis.pipeline import run_evaluation
from analysis.scenario import load_card

NOW = datetime(2026, 12, 2, 19, 0, tzinfo=UTC)
FAST = EvalSettings(n_bootstrap=20, random_state=0)
N = 600


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """600 rows: two numbers, a zone code kept as text ('101'...), a sensitive attribute, a 0/1 label."""
    rng = np.random.default_rng(13)
    out = pd.DataFrame(
        {
            "row_id": np.arange(N),
            "x1": rng.normal(size=N),
            "x2": rng.normal(size=N),
            "zone": rng.choice(["101", "102", "103"], size=N),
            "sex": rng.choice(["f", "m"], size=N),
        }
    )
    out["label"] = (out.x1 + rng.logistic(size=N) > 0).astype(int)
    return out


def loaded(model, name: str, features=("x1", "x2")) -> LoadedModel:
    """A model as if read from ``models/<name>.skops``."""
    return LoadedModel(
        name=name,
        path=f"models/{name}.skops",
        model=model,
        format="skops",
        sha256="0" * 64,
        size_bytes=1,
        model_type=type(model).__name__,
        feature_names=tuple(features),
    )


class Fixed:
    """A classifier that returns what it is told: ``proba(n)``, ``pred(n)`` and ``decision(n)`` for ``n`` rows."""

    classes_ = np.array([0, 1])

    def __init__(self, proba=None, pred=None, decision=None):
        self._proba, self._pred, self._decision = proba, pred, decision
        if proba is None:
            self.predict_proba = None
        if decision is not None:
            self.decision_function = lambda X: self._decision(len(X))

    def predict_proba(self, X):
        return self._proba(len(X))

    def predict(self, X):
        if self._pred is not None:
            return self._pred(len(X))
        return (np.arange(len(X)) % 2).astype(int)


def data_of(frame, **kw):
    return prepare_data(frame, source="data.csv", target="label", **kw)


def evaluate(frame, models, **kw):
    return run_evaluation(data_of(frame, **kw), models, now=NOW, settings=FAST)


def half(n):
    return np.column_stack([np.full(n, 0.5), np.full(n, 0.5)])


# ---- models that return bad outputs ----------------------------------------------------------
def test_nan_probabilities_name_the_model_file_count_and_rows(frame):
    bad = frame.copy()
    bad.loc[:11, "x1"] = 0.0  # inf * 0 = NaN on exactly these 12 rows
    model = LogisticRegression().fit(frame[["x1", "x2"]], frame.label)
    model.coef_ = np.array([[np.inf, 0.0]])
    with pytest.raises(InputError) as err:
        evaluate(bad, [loaded(model, "nanny")])
    text = str(err.value)
    assert "model 'nanny' (models/nanny.skops) returned NaN probabilities for 12 of 600 rows of data.csv" in text
    assert "(rows 2, 3, 4, 5, 6 ...)" in text and "preprocessing" in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("proba", "fragments"),
    [
        (
            lambda n: np.where(np.arange(n)[:, None] == 3, np.inf, half(n)),
            ["infinite probabilities", "1 of 600", "row 5"],
        ),
        (lambda n: half(n) * 3.4, ["probabilities outside [0, 1]", "from 1.7 to 1.7", "600 of 600"]),
        (lambda n: half(n)[:-10], ["probabilities for 590 rows when asked for 600"]),
        (lambda n: np.vstack([half(n), half(1)]), ["probabilities for 601 rows when asked for 600"]),
        (lambda n: np.full((n, 3), 1 / 3), ["probabilities of shape (600, 3)", "(600, 2) was expected"]),
        (lambda n: "not numbers", ["probabilities of shape ()"]),
    ],
    ids=["inf", "above-one", "fewer-rows", "more-rows", "three-columns", "scalar"],
)
def test_bad_probabilities_are_refused(frame, proba, fragments):
    with pytest.raises(InputError) as err:
        evaluate(frame, [loaded(Fixed(proba=proba), "odd")])
    text = str(err.value)
    assert text.startswith("model 'odd' (models/odd.skops) returned")
    for fragment in fragments:
        assert fragment in text, text


@pytest.mark.parametrize(
    ("model", "fragments"),
    [
        (Fixed(proba=half, pred=lambda n: np.zeros(n - 1, int)), ["labels for 599 rows when asked for 600"]),
        (Fixed(proba=half, pred=lambda n: np.zeros((n, 2), int)), ["labels of shape (600, 2)", "(600,) was expected"]),
        (
            Fixed(decision=lambda n: np.where(np.arange(n) < 4, np.nan, 1.0)),
            ["returned NaN decision scores for 4 of 600 rows"],
        ),
        (Fixed(decision=lambda n: np.ones(n + 5)), ["decision scores for 605 rows when asked for 600"]),
    ],
    ids=["fewer-labels", "two-column-labels", "nan-decision", "long-decision"],
)
def test_bad_labels_and_scores_are_refused(frame, model, fragments):
    with pytest.raises(InputError) as err:
        evaluate(frame, [loaded(model, "odd")])
    for fragment in fragments:
        assert fragment in str(err.value), str(err.value)
    assert "'odd'" in str(err.value)


def test_regression_nan_predictions_are_refused(frame):
    class Nan:
        def predict(self, X):
            return np.where(np.arange(len(X)) == 0, np.nan, 1.0)

    reg = frame.assign(label=frame.x1 * 2.5)
    with pytest.raises(InputError, match=r"model 'reg' .* returned NaN predictions for 1 of 600 rows .*\(row 2\)"):
        run_evaluation(
            prepare_data(reg, source="data.csv", target="label", task="regression"),
            [loaded(Nan(), "reg")],
            now=NOW,
            settings=FAST,
        )


def test_rounding_outside_zero_one_is_clipped_and_unnormalised_rows_are_noted(frame):
    def nearly(n):
        p = half(n)
        p[0] = [1 + 1e-9, -1e-9]
        return p

    sc = evaluate(frame, [loaded(Fixed(proba=nearly), "rounding"), loaded(Fixed(proba=lambda n: half(n) * 0.8), "low")])
    notes = {c.name: c.notes for c in sc.candidates}
    assert notes["rounding"] == ()
    (note,) = notes["low"]
    assert note.startswith("probabilities of 600 of 600 rows do not sum to 1 (off by up to 0.2")


def test_hand_built_predictions_of_the_wrong_length_name_the_candidate(frame):
    """The broadcast error of issue 13 ("operands could not be broadcast together") as one sentence."""
    data = data_of(frame)
    with pytest.raises(InputError, match=r"candidate 'short' returned predictions for 5 rows when asked for 600"):
        evaluate_predictions(data, [Predictions("short", np.zeros(5, int))], now=NOW, settings=FAST)
    prob = np.full(N, 0.5)
    prob[7] = np.nan
    with pytest.raises(InputError, match=r"candidate 'gappy' returned NaN probabilities for 1 of 600 rows .*\(row 9\)"):
        evaluate_predictions(data, [Predictions("gappy", np.zeros(N, int), prob, prob, "probability")], now=NOW)


# ---- column types that differ from the model's training data --------------------------------------
def _zone_model(frame, zone) -> LoadedModel:
    X = frame[["x1", "zone"]].assign(zone=zone)
    prep = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), ["zone"])], remainder="passthrough")
    return loaded(Pipeline([("prep", prep), ("lr", LogisticRegression())]).fit(X, frame.label), "zoned", ("x1", "zone"))


def test_numbers_where_the_model_learned_text_name_the_column_and_the_fix(frame):
    model = _zone_model(frame, frame.zone)
    as_csv = frame.assign(zone=frame.zone.astype(int))
    with pytest.raises(InputError) as err:
        predict_candidates(data_of(as_csv), [model])
    assert str(err.value) == (
        "column 'zone' holds numbers in data.csv but model 'zoned' (models/zoned.skops) was trained on text (such as "
        "'101', '102', '103'); save the data as Parquet, which keeps column types (a CSV cannot mark numerals as text)."
    )
    assert err.value.source == "zone"


def test_text_where_the_model_learned_numbers_and_mixed_columns(frame):
    model = _zone_model(frame, frame.zone.astype(int))
    with pytest.raises(
        InputError, match=r"column 'zone' holds text in data.csv but model 'zoned' .* numbers \(such as 101"
    ):
        predict_candidates(data_of(frame), [model])
    mixed = frame.assign(zone=[int(z) if i % 2 else z for i, z in enumerate(frame.zone)])
    with pytest.raises(InputError, match=r"column 'zone' in data.csv holds both numbers and text, but model 'zoned'"):
        predict_candidates(data_of(mixed), [model])


def test_an_encoder_the_check_cannot_see_still_gives_a_named_hint(frame):
    """An encoder fitted on an array records no column names: the failure inside predict is explained instead."""
    pipe = Pipeline(
        [("arr", FunctionTransformer(np.asarray)), ("ohe", OneHotEncoder()), ("lr", LogisticRegression())]
    ).fit(frame[["zone"]], frame.label)
    model = loaded(pipe, "blind", ("zone",))
    with pytest.raises(InputError) as err:
        predict_candidates(data_of(frame.assign(zone=frame.zone.astype(int))), [model])
    text = str(err.value)
    assert text.startswith("model 'blind' (models/blind.skops) failed to predict on data.csv (TypeError:")
    assert "'zone'" in text and "Parquet keeps column types" in text


def test_the_builtin_test_data_through_a_csv_names_user_zone(tmp_path):
    """Issue 13's case: sample_data's test set saved as CSV comes back with user_zone as integers."""
    card = load_card()
    path = tmp_path / "test.csv"
    pd.read_parquet(card.test_path).head(200).to_csv(path, index=False)
    frame = load_table(path, what="data file")
    assert pd.api.types.is_integer_dtype(frame["user_zone"])
    model = load_model(card.path.parent / "models" / "logistic_regression.skops")
    data = prepare_data(frame, source=str(path), target=card.target, sensitive=list(card.sensitive))
    with pytest.raises(InputError) as err:
        predict_candidates(data, [model])
    text = str(err.value)
    assert text.startswith(f"column 'user_zone' holds numbers in {path} but model 'logistic_regression'")
    assert "trained on text (such as '47101'" in text and "Parquet" in text
    # The same rows from the Parquet file keep their types and pass the check.
    ok = prepare_data(
        pd.read_parquet(card.test_path).head(200), source="test.parquet", target=card.target, sensitive=()
    )
    (pred,) = predict_candidates(ok, [model])
    assert len(pred.y_pred) == 200


# ---- ids, targets and prediction files -----------------------------------------------------------
def test_data_ids_shared_by_1000_rows_are_refused_for_a_predictions_file(frame, tmp_path):
    dup = pd.concat([frame] * 2, ignore_index=True)
    dup.loc[:999, "row_id"] = 7
    preds = tmp_path / "p.csv"
    pd.DataFrame({"row_id": frame.row_id, "y_pred": 0}).to_csv(preds, index=False)
    data = prepare_data(dup, source="data.csv", target="label", id_column="row_id")
    with pytest.raises(InputError) as err:
        run_evaluation(data, [], [preds], now=NOW, settings=FAST)
    text = str(err.value)
    assert "repeats 1 id(s) in column 'row_id' (1,000 rows), for example 7" in text
    auto = prepare_data(dup, source="data.csv", target="label")
    with pytest.raises(InputError, match=r"'row_id': 1 id\(s\) over 1,000 rows, for example 7\), so they cannot"):
        run_evaluation(auto, [], [preds], now=NOW, settings=FAST)


def test_repeated_ids_without_a_predictions_file_are_a_warning(frame):
    dup = frame.copy()
    dup.loc[:99, "row_id"] = 7
    model = loaded(LogisticRegression().fit(frame[["x1", "x2"]], frame.label), "lr")
    sc = evaluate(dup, [model], id_column="row_id")
    (warning,) = sc.dataset["warnings"]
    assert warning.startswith("id column 'row_id' in data.csv repeats 1 id(s) over 100 rows (for example 7)")


def test_infinite_regression_target_is_refused(frame):
    reg = frame.assign(label=frame.x1.where(frame.index != 4, np.inf))
    with pytest.raises(InputError, match=r"target column 'label' in data.csv has 1 infinite values \(rows 6\)"):
        prepare_data(reg, source="data.csv", target="label", task="regression")


@pytest.mark.parametrize(
    ("columns", "fragments"),
    [
        ({"y_prob": lambda n: np.where(np.arange(n) == 5, np.nan, 0.4)}, ["NaN y_prob values for 1 of 600", "(row 7)"]),
        ({"y_prob": lambda n: np.full(n, 1.5)}, ["y_prob values outside [0, 1]"]),
        ({"y_score": lambda n: np.where(np.arange(n) < 2, np.inf, 0.0)}, ["infinite y_score values for 2 of 600"]),
        ({"y_prob": lambda n: np.where(np.arange(n) == 1, "high", "0.2")}, ["column 'y_prob'", "'high'", "row 3"]),
    ],
    ids=["nan-prob", "prob-above-one", "inf-score", "text-prob"],
)
def test_bad_prediction_file_values_name_the_file_column_and_rows(frame, tmp_path, columns, fragments):
    path = tmp_path / "p.csv"
    table = pd.DataFrame({"row_id": frame.row_id, "y_pred": 0})
    for name, make in columns.items():
        table[name] = make(N)
    table.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        run_evaluation(data_of(frame, id_column="row_id"), [], [path], now=NOW, settings=FAST)
    text = str(err.value)
    assert str(path) in text
    for fragment in fragments:
        assert fragment in text, text


# ---- data that cannot support its figures: warnings in the scorecard -----------------------------------
@pytest.fixture(scope="module")
def model(frame):
    return loaded(LogisticRegression().fit(frame[["x1", "x2"]], frame.label), "lr")


def test_one_group_has_missing_disparities_and_a_warning(frame, model):
    sc = evaluate(frame.assign(sex="a"), [model], sensitive=["sex"])
    (warning,) = sc.dataset["warnings"]
    assert warning == (
        "sensitive attribute 'sex' has one group ('a', all 600 rows): fairness between groups is not defined, so its "
        "disparities are missing."
    )
    # missing, never 0.000 +- 0.000: no fairness objective is scored, and the attribute's figures are None
    assert not [o for o in sc.objective_names if "parity" in o or "equalized" in o]
    figures = dict(sc.sections["fairness"]["by_attribute"]["sex"]["lr"])
    assert set(figures) >= {"demographic_parity_difference", "equalized_odds_difference"}
    assert all(v is None for v in figures.values())
    assert sc.sections["fairness"]["notes"]["sex"][0].startswith("sex: every row is in one group (a)")


def test_tiny_groups_are_named_with_their_counts(frame, model):
    sex = np.where(np.arange(N) < 3, "x", np.where(np.arange(N) < 10, "y", frame.sex))
    sc = evaluate(frame.assign(sex=sex), [model], sensitive=["sex"])
    (warning,) = sc.dataset["warnings"]
    assert warning.startswith(
        "sensitive attribute 'sex' has 2 group(s) with fewer than 30 rows ('x': 3 row(s), 'y': 7 row(s))"
    )


def test_one_positive_in_3000_rows_is_warned_about(model):
    rng = np.random.default_rng(1)
    big = pd.DataFrame({"x1": rng.normal(size=3000), "x2": rng.normal(size=3000), "label": 0})
    big.loc[10, "label"] = 1
    sc = evaluate(big, [model])
    (warning,) = sc.dataset["warnings"]
    assert warning.startswith("only 1 positive row(s) (label = 1) in 3,000: recall, ROC AUC, PR AUC")


def test_two_rows_are_warned_about(frame, model):
    sc = evaluate(frame.iloc[[0, 1]].assign(label=[0, 1]), [model])
    assert sc.dataset["warnings"] == (
        "only 2 row(s) of data: every figure and interval from so few rows is unreliable; evaluate on at least 30 "
        "rows (the minimum group size).",
    )


def test_good_data_has_no_warnings_key(frame, model):
    sc = evaluate(frame, [model], sensitive=["sex"], id_column="row_id")
    assert "warnings" not in sc.dataset


def test_a_rare_class_of_a_multiclass_target_is_warned_about(frame):
    label = np.where(frame.x1 > 0.5, "high", np.where(frame.x1 < -0.5, "low", "mid"))
    label[:4] = "rare"
    multi = frame.assign(label=label)
    model = loaded(LogisticRegression().fit(multi[["x1", "x2"]], multi.label), "multi")
    sc = evaluate(multi, [model], task="multiclass")
    (warning,) = sc.dataset["warnings"]
    assert warning.startswith("1 class(es) of target 'label' have fewer than 30 rows (rare: 4 row(s))")
