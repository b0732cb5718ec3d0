"""Prediction files meet the evaluation rows on a shared id, never silently by position.

A user trial joined a shuffled file by row order and got ROC AUC 0.495 under a green
"Evaluated"; these tests pin the rules of :func:`analysis.loading.join_rows` and check the
metrics against scikit-learn on correctly aligned arrays.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, roc_auc_score

from analysis._errors import InputError
from analysis.evaluation import EvalSettings, TargetSpec, load_prediction_file, prepare_data
from analysis.loading import check_join, join_rows, looks_like_id
from analysis.pipeline import run_evaluation
from analysis.scorecard import Scorecard, incumbent_of, scorecard_to_json

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SPEC = TargetSpec("binary", (0, 1))


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 300
    x = rng.normal(size=n)
    return pd.DataFrame(
        {
            "id": rng.permutation(np.arange(1000, 1000 + n)),
            "x": x,
            "label": (x + rng.logistic(size=n) > 0).astype(int),
        }
    )


def predictions_for(frame: pd.DataFrame) -> pd.DataFrame:
    """A model's predictions made elsewhere, one row per data row, with the data's ids."""
    prob = 1 / (1 + np.exp(-1.3 * frame["x"].to_numpy()))
    return pd.DataFrame({"id": frame["id"], "y_pred": (prob > 0.5).astype(int), "y_prob": prob})


def write(table: pd.DataFrame, path) -> str:
    table.to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("id", True),
        ("ID", True),
        ("row_id", True),
        ("customer_id", True),
        ("Customer_ID", True),
        ("customerId", True),
        ("customerID", True),
        ("key", True),
        ("UUID", True),
        ("valid", False),
        ("paid", False),
        ("idea", False),
        ("x", False),
    ],
)
def test_id_like_names(name, expected):
    assert looks_like_id(name) is expected


def test_shared_id_is_found_and_a_shuffled_file_scores_like_the_ordered_one(frame, tmp_path):
    preds = predictions_for(frame)
    ordered = write(preds, tmp_path / "ordered.csv")
    shuffled = write(preds.sample(frac=1.0, random_state=1), tmp_path / "shuffled.csv")
    data = prepare_data(frame, source="data.csv", target="label")  # no --id given
    sc = run_evaluation(data, [], [ordered, shuffled], now=NOW, settings=EvalSettings(n_bootstrap=0))
    y = frame["label"].to_numpy()
    expected_auc = roc_auc_score(y, preds["y_prob"])
    expected_acc = accuracy_score(y, preds["y_pred"])
    for name in ("ordered", "shuffled"):
        assert sc.value(name, "roc_auc") == pytest.approx(expected_auc, abs=1e-12)
        assert sc.value(name, "accuracy") == pytest.approx(expected_acc, abs=1e-12)
    source = dict(sc.candidates[1].source)
    assert dict(source["alignment"]) == {"how": "id", "column": "id", "asked": False, "rows": 300}
    assert source["alignment_text"] == "joined on id (300 of 300 rows)"
    assert "joined on id" in sc.candidates[1].notes[0]
    assert sc.settings["join"] == "auto"


def test_the_id_option_is_preferred_then_exact_id(frame):
    table = predictions_for(frame).assign(customer_id=frame["id"] + 5)
    both = frame.assign(customer_id=frame["id"] + 5)
    _, chosen = join_rows(table, both, id_column="customer_id", source="p.csv")
    assert (chosen.column, chosen.asked) == ("customer_id", True)
    _, chosen = join_rows(table, both, source="p.csv")
    assert (chosen.column, chosen.asked) == ("id", False)
    assert chosen.text == "joined on id (300 of 300 rows); also shared: customer_id"


def test_an_id_like_column_that_repeats_in_the_data_does_not_qualify(frame):
    data = frame.drop(columns="id").assign(user_id=np.arange(len(frame)) % 7)
    table = predictions_for(frame).drop(columns="id").assign(user_id=data["user_id"])
    with pytest.raises(InputError, match="no id column shared") as err:
        join_rows(table, data, source="p.csv")
    assert "'user_id' repeat values in the data" in str(err.value)


def test_no_shared_id_is_refused_with_both_tables_columns(frame):
    table = predictions_for(frame).drop(columns="id")
    with pytest.raises(InputError) as err:
        join_rows(table, frame, source="p.csv")
    assert str(err.value) == (
        "predictions file p.csv has no id column shared with the data (data id-like columns: id, "
        "file columns: y_pred, y_prob); add the id column to the file or pass --join order to match rows "
        "by position."
    )
    with pytest.raises(InputError, match="no id column shared"):
        join_rows(table, frame, join="id", source="p.csv")


def test_order_is_used_only_when_asked_and_says_so(frame):
    table = predictions_for(frame).sample(frac=1.0, random_state=2)
    joined, how = join_rows(table, frame, join="order", source="p.csv")
    assert how.to_dict() == {"how": "order", "column": None, "asked": True, "rows": 300}
    assert how.text == "matched by row order, as asked (--join order); the shared id column 'id' was not used"
    np.testing.assert_array_equal(joined["id"], table["id"])  # positions, not ids
    with pytest.raises(InputError, match="has 299 rows but the data has 300"):
        join_rows(table.iloc[1:], frame, join="order", source="p.csv")


def test_join_id_uses_the_shared_id_and_records_it_as_asked(frame):
    table = predictions_for(frame).sample(frac=1.0, random_state=2)
    joined, how = join_rows(table, frame, join="id", source="p.csv")
    assert (how.how, how.column, how.asked) == ("id", "id", True)
    np.testing.assert_array_equal(joined["id"], frame["id"])


def test_repeated_ids_in_the_file(frame):
    table = predictions_for(frame)
    table = pd.concat([table, table.iloc[:7]], ignore_index=True)
    with pytest.raises(InputError) as err:
        join_rows(table, frame, source="p.csv")
    text = str(err.value)
    assert "p.csv repeats 7 id(s) in column 'id' (14 rows)" in text
    examples = ", ".join(repr(int(v)) for v in frame["id"].iloc[:5])
    assert f"for example {examples}, ..." in text


def test_repeated_ids_in_the_data(frame):
    data = frame.assign(id=frame["id"].where(frame.index >= 2, frame["id"].iloc[2]))  # rows 0, 1, 2 share an id
    table = predictions_for(frame).iloc[2:]
    with pytest.raises(InputError) as err:
        join_rows(table, data, id_column="id", source="p.csv", data="the data in d.csv")
    text = str(err.value)
    assert (
        f"the data in d.csv repeats 1 id(s) in column 'id' (3 rows), for example {int(frame['id'].iloc[2])!r}" in text
    )
    assert "--join order" in text


def test_ids_missing_from_the_file(frame):
    table = predictions_for(frame).iloc[3:]
    with pytest.raises(InputError) as err:
        join_rows(table, frame, source="p.csv")
    examples = ", ".join(repr(int(v)) for v in frame["id"].iloc[:3])
    assert str(err.value).startswith(
        f"predictions file p.csv lacks 3 of the 300 ids of the data (column 'id'), for example {examples};"
    )


def test_ids_in_the_file_that_are_not_in_the_data(frame):
    extra = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6], "y_pred": 0, "y_prob": 0.1})
    table = pd.concat([predictions_for(frame), extra], ignore_index=True)
    with pytest.raises(InputError) as err:
        join_rows(table, frame, source="p.csv")
    assert "p.csv has 6 id(s) that are not in the data (column 'id'), for example 1, 2, 3, 4, 5, ..." in str(err.value)


def test_empty_ids_are_refused(frame):
    table = predictions_for(frame).astype({"id": float})
    table.loc[4, "id"] = np.nan
    with pytest.raises(InputError, match="id column 'id' in predictions file p.csv has 1 empty value"):
        join_rows(table, frame, source="p.csv")


def test_text_ids_meet_numeric_ids(frame):
    table = predictions_for(frame).astype({"id": str}).sample(frac=1.0, random_state=4)
    joined, how = join_rows(table, frame, source="p.csv")
    assert how.how == "id"
    np.testing.assert_array_equal(joined["y_prob"], predictions_for(frame)["y_prob"])


def test_an_unknown_join_is_refused(frame, tmp_path):
    with pytest.raises(InputError, match="join 'rows' is not one of auto, id, order"):
        check_join("rows")
    path = write(predictions_for(frame), tmp_path / "p.csv")
    with pytest.raises(InputError, match="join 'rows'"):
        load_prediction_file(path, frame, SPEC, id_column=None, join="rows")


def test_incumbent_is_recorded_and_round_trips(frame, tmp_path):
    path = write(predictions_for(frame), tmp_path / "credit_v1.csv")
    data = prepare_data(frame, source="data.csv", target="label", id_column="id")
    sc = run_evaluation(data, [], [path], now=NOW, settings=EvalSettings(n_bootstrap=0), incumbent="credit_v1")
    assert incumbent_of(sc) == "credit_v1"
    again = Scorecard.from_dict(json.loads(scorecard_to_json(sc)))
    assert incumbent_of(again) == "credit_v1" and again == sc
    plain = run_evaluation(data, [], [path], now=NOW, settings=EvalSettings(n_bootstrap=0))
    assert incumbent_of(plain) is None


def test_an_unknown_incumbent_lists_the_candidates(frame, tmp_path):
    path = write(predictions_for(frame), tmp_path / "credit_v1.csv")
    data = prepare_data(frame, source="data.csv", target="label")
    with pytest.raises(InputError, match=r"incumbent 'credit_v0' is not one of the candidates \(credit_v1\)"):
        run_evaluation(data, [], [path], now=NOW, incumbent="credit_v0")
