"""Column roles proposed from names and values, and the per-candidate check before an evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis._errors import InputError
from analysis.columns import RoleGuess, guess_roles, name_words
from analysis.evaluation import prepare_data
from analysis.preflight import check_candidates, evaluable


def _adult_like(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """A public-fairness-dataset shape: the target in the middle, a sensitive binary attribute last."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": np.arange(1000, 1000 + n),
            "age": rng.integers(17, 90, size=n),
            "education_num": rng.integers(1, 16, size=n),
            "hours_per_week": rng.integers(10, 80, size=n),
            "income": pd.array(rng.choice(["<=50K", ">50K"], size=n, p=[0.76, 0.24]), dtype="str"),
            "race": pd.array(rng.choice(["White", "Black", "Asian-Pac-Islander"], size=n), dtype="str"),
            "sex": pd.array(rng.choice(["Male", "Female"], size=n), dtype="str"),
        }
    )


def test_the_target_in_the_middle_is_found_although_the_last_column_is_a_binary_sensitive_attribute():
    frame = _adult_like()
    g = guess_roles(frame)
    assert g.target == "income" and "income" in g.target_reason
    assert g.target != frame.columns[-1]
    assert g.sensitive == ("race", "sex") and "sex" in g.sensitive_reason
    assert g.positive_label == ">50K"  # the rarer class, and the reason says so
    share = (frame["income"] == ">50K").mean()
    assert g.positive_reason == f"the rarer class ({share:.0%} of rows)"


def test_a_raw_age_in_years_is_noted_not_proposed_as_groups():
    g = guess_roles(_adult_like())
    assert "age" not in g.sensitive
    assert any(n.startswith("`age` looks sensitive") for n in g.notes)
    banded = guess_roles(_adult_like().assign(age_band=lambda f: pd.cut(f.age, [0, 30, 50, 99]).astype(str)))
    assert "age_band" in banded.sensitive


def test_a_unique_id_column_is_proposed_and_a_repeated_one_is_not():
    frame = _adult_like()
    g = guess_roles(frame)
    assert g.id_column == "id" and g.id_reason == "named like a row id, and its 200 values are unique"
    repeated = frame.assign(id=frame["id"] % 50)
    g2 = guess_roles(repeated)
    assert g2.id_column is None and g2.id_reason is None
    assert "`id` repeats 150 values, so it cannot identify rows." in g2.notes


@pytest.mark.parametrize("name", ["ID", "row_id", "customer_id", "userId", "uuid", "key"])
def test_id_names(name):
    frame = pd.DataFrame({name: [f"r{i}" for i in range(6)], "label": [0, 1] * 3})
    assert guess_roles(frame).id_column == name


def test_an_id_is_never_the_target_nor_a_sensitive_attribute():
    # Two rows: a unique "label_id" is binary too, but it identifies rows.
    frame = pd.DataFrame({"label_id": [1, 2], "x": [0.5, 0.7], "y": [0, 1]})
    g = guess_roles(frame)
    assert g.id_column == "label_id" and g.target == "y"


def test_a_word_of_the_name_counts_and_binary_columns_come_first():
    frame = pd.DataFrame(
        {
            "income_band": ["low", "mid", "high", "low"],  # named like a target but three classes
            "two_year_recid": [0, 1, 1, 0],
            "pos_y": [1.0, 2.0, 3.0, 4.0],  # "y" counts only as the whole name
        }
    )
    g = guess_roles(frame)
    assert g.target == "two_year_recid"
    assert g.target_reason == "its name has the target word 'recid', with two classes"


def test_without_a_target_name_the_only_binary_column_left_is_proposed_else_none():
    frame = pd.DataFrame({"x": [0.1, 0.2, 0.3, 0.4], "gender": ["f", "m", "f", "m"], "flag": [1, 0, 0, 0]})
    g = guess_roles(frame)
    assert g.target == "flag" and "only two-valued column" in g.target_reason  # never the sensitive one
    assert g.positive_label == 1
    two = frame.assign(other=[True, False, True, True])
    g2 = guess_roles(two)
    assert g2.target is None and g2.target_reason is None and g2.positive_label is None


@pytest.mark.parametrize(
    ("values", "expected", "reason"),
    [
        ([0, 1, 1, 1], 1, "1 marks the positive class"),
        ([True, False, False, False], True, "True marks the positive class"),
        (["no", "yes", "no", "no"], "yes", "'yes' marks the positive class"),
        (["N", "Y", "Y", "Y"], "Y", "'Y' marks the positive class"),
        (["good", "bad", "good", "good"], "bad", "the rarer class (25% of rows)"),
        (["a", "b", "a", "b"], "b", "the two classes are equally common; the later one in sorted order was taken"),
    ],
)
def test_positive_label(values, expected, reason):
    g = guess_roles(pd.DataFrame({"outcome": values}))
    assert g.positive_label == expected and type(g.positive_label) is type(expected)
    assert g.positive_reason == reason


def test_the_positive_label_is_accepted_by_prepare_data():
    frame = _adult_like()
    g = guess_roles(frame)
    data = prepare_data(
        frame,
        source="adult",
        target=g.target,
        positive_label=g.positive_label,
        sensitive=g.sensitive,
        id_column=g.id_column,
    )
    assert data.spec.positive_label == ">50K"


def test_time_from_a_datetime_dtype_or_a_time_name_with_dates():
    frame = pd.DataFrame(
        {
            "month": [1, 2, 3, 4],  # a number, not a date
            "review_date": pd.array(["2025-01-03", "2025-02-01", "2025-02-17", "2025-03-09"], dtype="str"),
            "label": [0, 1, 0, 1],
        }
    )
    g = guess_roles(frame)
    assert g.time_column == "review_date" and g.time_reason == "named like a time, and its values read as dates"
    stamped = frame.assign(ts=pd.date_range("2025-01-01", periods=4, freq="D"))
    assert guess_roles(stamped).time_column == "ts"
    words = frame.assign(review_date=pd.array(["soon", "later", "never", "now"], dtype="str"))
    assert guess_roles(words).time_column is None


def test_colour_is_sensitive_only_as_the_whole_name():
    frame = pd.DataFrame({"car_colour": ["red", "blue"] * 3, "colour": ["a", "b", "c"] * 2, "label": [0, 1] * 3})
    assert guess_roles(frame).sensitive == ("colour",)


def test_the_guess_is_a_frozen_record():
    g = guess_roles(_adult_like())
    assert isinstance(g, RoleGuess)
    with pytest.raises(AttributeError):
        g.target = "sex"  # type: ignore[misc]


def test_name_words():
    assert name_words("marital-status") == ("marital", "status")
    assert name_words("RowID") == ("row", "id")
    assert name_words(3) == ("3",)


# ---- check_candidates -----------------------------------------------------------------------------
def test_every_model_missing_columns_is_named_with_all_its_missing_columns(binary_frame, fitted_models, tmp_path):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    only_x1 = LogisticRegression().fit(binary_frame[["x1"]], binary_frame["label"])
    sio.dump(only_x1, tmp_path / "simple.skops")
    frame = binary_frame.drop(columns=["x2", "colour"])
    checks = check_candidates(
        [fitted_models["logreg"], fitted_models["boosting"], tmp_path / "simple.skops"], frame, data_source="eval.csv"
    )
    by_name = {c.name: c for c in checks}
    assert [c.name for c in checks] == ["logreg", "boosting", "simple"]
    for name in ("logreg", "boosting"):
        c = by_name[name]
        assert not c.ok and c.kind == "model" and set(c.missing) == {"x2", "colour"}
        assert "x2" in c.reason and "colour" in c.reason and "eval.csv" in c.reason
    assert by_name["simple"].ok and by_name["simple"].reason is None
    assert [c.name for c in evaluable(checks)] == ["simple"]


def test_a_model_that_does_not_load_is_refused_with_the_loaders_message(binary_frame, tmp_path):
    broken = tmp_path / "broken.skops"
    broken.write_bytes(b"not a zip")
    (c,) = check_candidates([broken], binary_frame)
    assert not c.ok and "broken.skops" in c.reason and c.missing == ()


def _preds(frame: pd.DataFrame, path, *, with_id: bool = True, rows: slice = slice(None)):
    table = pd.DataFrame({"y_pred": frame["label"].to_numpy()[rows]})
    if with_id:
        table.insert(0, "row_id", frame["row_id"].to_numpy()[rows])
    table.to_csv(path, index=False)
    return path


def test_prediction_files_are_matched_as_the_evaluation_will_match_them(binary_frame, tmp_path):
    shuffled = binary_frame.sample(frac=1.0, random_state=0)
    with_id = _preds(shuffled, tmp_path / "with_id.csv")
    without = _preds(binary_frame, tmp_path / "without.csv", with_id=False)
    short = _preds(binary_frame, tmp_path / "short.csv", with_id=False, rows=slice(0, 10))

    auto = check_candidates([], binary_frame, prediction_files=[with_id, without], id_column="row_id")
    assert auto[0].ok and auto[0].kind == "predictions" and auto[0].alignment.startswith("joined on row_id")
    assert not auto[1].ok and "without.csv" in auto[1].reason  # never silently by position

    by_order = check_candidates([], binary_frame, prediction_files=[without, short], id_column="row_id", join="order")
    assert by_order[0].ok and by_order[0].alignment.startswith("matched by row order")
    assert not by_order[1].ok and "short.csv" in by_order[1].reason and "2,000" in by_order[1].reason


def test_prediction_file_problems_are_reasons_not_exceptions(binary_frame, tmp_path):
    no_pred = tmp_path / "no_pred.csv"
    pd.DataFrame({"row_id": binary_frame["row_id"], "score": 0.5}).to_csv(no_pred, index=False)
    missing_ids = _preds(binary_frame, tmp_path / "partial.csv", rows=slice(0, 1500))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    checks = check_candidates(
        [], binary_frame, prediction_files=[no_pred, missing_ids, empty], id_column="row_id", join="id"
    )
    assert [c.ok for c in checks] == [False, False, False]
    assert "has no y_pred column" in checks[0].reason
    assert "partial.csv lacks 500 of the 2000 ids" in checks[1].reason
    assert "empty" in checks[2].reason


def test_with_eval_data_the_labels_are_checked_too(binary_frame, tmp_path):
    data = prepare_data(binary_frame, source="eval.parquet", target="label", id_column="row_id")
    good = _preds(binary_frame, tmp_path / "good.csv")
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"row_id": binary_frame["row_id"], "y_pred": "maybe"}).to_csv(bad, index=False)
    checks = check_candidates([], data, prediction_files=[good, bad])
    assert checks[0].ok and checks[0].alignment.startswith("joined on row_id")
    assert not checks[1].ok and "'maybe'" in checks[1].reason


def test_an_eval_data_gives_its_source_and_id(binary_frame, fitted_models):
    data = prepare_data(binary_frame.drop(columns=["x2"]), source="eval.parquet", target="label", id_column="row_id")
    (c,) = check_candidates([fitted_models["logreg"]], data)
    assert c.missing == ("x2",) and "eval.parquet" in c.reason


def test_an_unknown_join_is_refused(binary_frame):
    with pytest.raises(InputError, match="join 'rows' is not one of auto, id, order"):  # the loader's check
        check_candidates([], binary_frame, join="rows")
