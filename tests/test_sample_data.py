"""The built-in scenario: committed files, their card, reproducibility and the effects built in."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
import yaml
from sklearn.metrics import roc_auc_score

from sample_data._persist import dump_reproducible
from sample_data.generate import build_card, compare_scenarios, generate_data, generate_scenario

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
CARD_KEYS = [
    "name",
    "description",
    "train_file",
    "test_file",
    "id",
    "target",
    "positive_label",
    "time",
    "sensitive",
    "features",
    "value_columns",
    "value_matrix",
    "incumbent",
    "profiles",
    "models",
    "seed",
]
TEXT_COLUMNS = ("cuisine", "user_zone", "income_band", "age_band")


@pytest.fixture(scope="module")
def card() -> dict:
    return yaml.safe_load((SAMPLE_DIR / "card.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def train_df(card) -> pd.DataFrame:
    return pd.read_parquet(SAMPLE_DIR / card["train_file"])


@pytest.fixture(scope="module")
def test_df(card) -> pd.DataFrame:
    return pd.read_parquet(SAMPLE_DIR / card["test_file"])


@pytest.fixture(scope="module")
def full(train_df, test_df) -> pd.DataFrame:
    return pd.concat([train_df, test_df], ignore_index=True)


def _skops_entries(card: dict) -> list[dict]:
    """The scikit-learn candidates (the boosters are in their library's own format)."""
    return [e for e in card["models"] if e["file"].endswith(".skops")]


@pytest.fixture(scope="module")
def models(card) -> dict:
    loaded = {}
    for entry in _skops_entries(card):
        path = SAMPLE_DIR / entry["file"]
        loaded[entry["name"]] = skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
    return loaded


def _month(frame: pd.DataFrame) -> pd.Series:
    return frame["timestamp"].dt.month


# --- the card and the files ---------------------------------------------------------------------


def test_card_has_exactly_the_documented_keys(card):
    assert list(card) == CARD_KEYS


def test_card_file_matches_the_generator(card):
    assert card == build_card(seed=card["seed"])


def test_card_names_every_file_and_no_other(card):
    assert (SAMPLE_DIR / card["train_file"]).is_file()
    assert (SAMPLE_DIR / card["test_file"]).is_file()
    model_files = {entry["file"] for entry in card["models"]}
    on_disk = {path.relative_to(SAMPLE_DIR).as_posix() for path in (SAMPLE_DIR / "models").iterdir()}
    assert on_disk == model_files
    assert len(_skops_entries(card)) == 10
    boosters = [e for e in card["models"] if not e["file"].endswith(".skops")]
    assert [(e["name"], e["file"], e["requires"]) for e in boosters] == [
        ("xgboost", "models/xgboost.json", "xgboost"),
        ("lightgbm", "models/lightgbm.txt", "lightgbm"),
    ]


def test_sample_data_stays_small():
    total = sum(path.stat().st_size for path in SAMPLE_DIR.rglob("*") if path.is_file())
    assert total < 20 * 1024 * 1024


def test_columns_are_those_of_the_card(card, train_df, test_df):
    expected = {card["id"], card["time"], card["target"], "user_id", "restaurant_id"}
    expected |= set(card["features"]) | set(card["sensitive"]) | set(card["value_columns"])
    for frame in (train_df, test_df):
        assert set(frame.columns) == expected
        assert len(frame.columns) == len(expected)
        assert not frame.isna().any().any()


def test_column_dtypes(card, full):
    assert pd.api.types.is_datetime64_dtype(full[card["time"]])
    for column in TEXT_COLUMNS:
        assert pd.api.types.is_string_dtype(full[column]), column
    numeric = [c for c in card["features"] if c not in TEXT_COLUMNS] + card["value_columns"]
    for column in numeric:
        assert pd.api.types.is_numeric_dtype(full[column]), column
    for column in (
        card["id"],
        card["target"],
        "user_id",
        "restaurant_id",
        "price_level",
        "user_orders_90d",
        "hour",
        "weekday",
        "promo",
        "sponsored",
    ):
        assert pd.api.types.is_integer_dtype(full[column]), column


def test_value_ranges(card, full):
    assert full[card["id"]].is_unique
    assert set(full[card["target"]].unique()) == {card["positive_label"], 0}
    assert full["price_level"].between(1, 4).all()
    assert full["rating"].between(1, 5).all()
    assert full["cuisine_match"].between(0, 1).all()
    assert full["hour"].between(0, 23).all()
    assert (full["hour"] == full["timestamp"].dt.hour).all()
    assert (full["weekday"] == full["timestamp"].dt.day_of_week).all()
    assert full[["promo", "sponsored"]].isin([0, 1]).all().all()
    assert full["cuisine"].nunique() == 8
    assert full["user_zone"].nunique() == 20
    assert set(full["income_band"]) == {"low", "middle", "high"}
    assert set(full["age_band"]) == {"18-24", "25-34", "35-54", "55+"}
    assert (full["order_value"] > 0).all()


def test_rows_months_and_split(card, train_df, test_df):
    assert 40_000 <= len(train_df) + len(test_df) <= 50_000
    assert set(_month(train_df)) == {1, 2, 3, 4, 5, 6}
    assert set(_month(test_df)) == {7, 8, 9, 10, 11, 12}
    for frame in (train_df, test_df):
        assert (frame["timestamp"].dt.year == 2025).all()
        assert frame["timestamp"].is_monotonic_increasing
        per_month = _month(frame).value_counts()
        assert per_month.max() <= 1.1 * per_month.min()
    assert train_df[card["id"]].max() < test_df[card["id"]].min()


def test_base_rate(card, train_df, test_df):
    for frame in (train_df, test_df):
        assert 0.15 <= frame[card["target"]].mean() <= 0.25


def test_value_matrix_is_linear_in_value_columns(card):
    number = r"\d+(?:\.\d+)?"
    name = r"[A-Za-z_]\w*"
    term = rf"(?:{number}\*{name}|{number}|{name})"
    linear = re.compile(rf"-?\s*{term}(?:\s*[+-]\s*{term})*")
    assert set(card["value_matrix"]) == {"tp", "fp", "fn", "tn"}
    for expression in card["value_matrix"].values():
        assert linear.fullmatch(expression.strip()), expression
        assert set(re.findall(name, expression)) <= set(card["value_columns"]), expression


# --- reproducibility ----------------------------------------------------------------------------


def test_regenerated_data_equal_committed_parquet(card, train_df, test_df):
    regenerated_train, regenerated_test = generate_data(card["seed"])
    pd.testing.assert_frame_equal(regenerated_train, train_df)
    pd.testing.assert_frame_equal(regenerated_test, test_df)


def test_another_seed_gives_other_data(train_df):
    other_train, _ = generate_data(1)
    assert not other_train["ordered"].equals(train_df["ordered"])


def test_dump_reproducible_round_trips_a_committed_model(tmp_path):
    path = SAMPLE_DIR / "models" / "logistic_regression.skops"
    model = skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
    assert dump_reproducible(model, tmp_path / "again.skops").read_bytes() == path.read_bytes()


def test_compare_scenarios_reports_differences(card, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder / "models").mkdir(parents=True)
        shutil.copy(SAMPLE_DIR / "card.yaml", tmp_path / folder / "card.yaml")
        shutil.copy(SAMPLE_DIR / "models" / "naive_bayes.skops", tmp_path / folder / "models" / "naive_bayes.skops")
    assert compare_scenarios(tmp_path / "a", tmp_path / "b") == []

    (tmp_path / "b" / "card.yaml").write_text(yaml.safe_dump({**card, "seed": 1}), encoding="utf-8")
    shutil.copy(SAMPLE_DIR / "models" / "logistic_regression.skops", tmp_path / "b" / "models" / "naive_bayes.skops")
    shutil.copy(SAMPLE_DIR / "models" / "knn.skops", tmp_path / "a" / "models" / "knn.skops")
    differences = compare_scenarios(tmp_path / "a", tmp_path / "b")
    assert len(differences) == 3
    assert differences[0].startswith("models/knn.skops: only in")
    assert differences[1].startswith("card.yaml: contents differ")
    assert differences[2].startswith("models/naive_bayes.skops: contents differ")
    assert "schema.json" in differences[2]


@pytest.mark.slow
def test_regenerating_everything_gives_identical_bytes(tmp_path):
    written = generate_scenario(tmp_path)
    assert len(written) == 17  # data, 10 scikit-learn models, 2 boosters, card.yaml, README.md and profiles.yaml
    assert all(path.is_file() for path in written)
    assert compare_scenarios(tmp_path, SAMPLE_DIR) == []


# --- the effects built into the data ------------------------------------------------------------


def test_user_zone_is_a_proxy_of_income(full):
    majority_band = full.groupby("user_zone")["income_band"].agg(lambda bands: bands.value_counts().index[0])
    accuracy = (full["user_zone"].map(majority_band) == full["income_band"]).mean()
    assert accuracy > 0.8


def test_low_income_users_are_farther_and_spend_less(full):
    by_income = full.groupby("income_band")[["distance_km", "delivery_time_min", "order_value"]].mean()
    assert by_income.loc["low", "distance_km"] > by_income.loc["high", "distance_km"] + 1.0
    assert by_income.loc["low", "delivery_time_min"] > by_income.loc["high", "delivery_time_min"] + 5.0
    assert by_income.loc["low", "order_value"] < by_income.loc["high", "order_value"] - 5.0


def test_young_users_order_late(full):
    late = full["hour"].isin([22, 23, 0, 1, 2]).groupby(full["age_band"]).mean()
    assert late["18-24"] > 3 * late["55+"]


def test_sponsored_restaurants_pay_and_are_less_attractive(full):
    sponsored = full["sponsored"] == 1
    assert (full.loc[~sponsored, "ad_fee"] == 0).all()
    assert full.loc[sponsored, "ad_fee"].between(0.5, 4.0).all()
    assert full.loc[sponsored, "rating"].mean() < full.loc[~sponsored, "rating"].mean()
    assert full.loc[sponsored, "distance_km"].mean() > full.loc[~sponsored, "distance_km"].mean()
    assert full.loc[sponsored, "ordered"].mean() < full.loc[~sponsored, "ordered"].mean()


def test_the_world_drifts_between_first_and_last_month(full):
    month = _month(full)
    first, last = full[month == 1], full[month == 12]
    korean_share = [(frame["cuisine"] == "korean").mean() for frame in (first, last)]
    assert korean_share[1] > 2 * korean_share[0]
    assert last["rating"].mean() > first["rating"].mean() + 0.3
    promo_lift = [
        frame.loc[frame["promo"] == 1, "ordered"].mean() - frame.loc[frame["promo"] == 0, "ordered"].mean()
        for frame in (first, last)
    ]
    assert promo_lift[0] > promo_lift[1] + 0.1


# --- the candidate models -----------------------------------------------------------------------


def test_models_need_only_sklearn_and_numpy_types(card):
    for entry in _skops_entries(card):
        untrusted = skops.io.get_untrusted_types(file=SAMPLE_DIR / entry["file"])
        assert all(name.startswith(("sklearn.", "numpy.")) for name in untrusted), (entry["name"], untrusted)


def test_readme_lists_every_model_and_every_type_to_trust(card):
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    for entry in card["models"]:
        assert f"`{entry['name']}`" in readme
    for entry in _skops_entries(card):
        for name in skops.io.get_untrusted_types(file=SAMPLE_DIR / entry["file"]):
            assert f"`{name}`" in readme


def test_models_predict_on_test_rows(card, models, test_df):
    X = test_df[card["features"]].iloc[:500]
    for name, model in models.items():
        assert list(model.feature_names_in_) == card["features"], name
        assert list(model.classes_) == [0, 1], name
        proba = model.predict_proba(X)
        assert proba.shape == (len(X), 2), name
        assert np.all((proba >= 0) & (proba <= 1)), name
        assert np.allclose(proba.sum(axis=1), 1.0), name


def test_majority_baseline_never_predicts_an_order(card, models, test_df):
    predictions = models["majority_baseline"].predict(test_df[card["features"]])
    assert (predictions == 0).all()


def test_sales_boosted_favours_sponsored_restaurants(card, models, test_df):
    X = test_df[card["features"]]
    sponsored = test_df["sponsored"].to_numpy() == 1
    boosted = models["sales_boosted"].predict_proba(X)[:, 1]
    plain = models["hist_gradient_boosting"].predict_proba(X)[:, 1]
    assert boosted[sponsored].mean() > plain[sponsored].mean() + 0.02


def test_the_boosters_load_without_pickle_and_score_like_the_other_candidates(card, models, test_df):
    from analysis.loading import load_model

    X = test_df[card["features"]]
    y = test_df[card["target"]].to_numpy()
    for entry in card["models"]:
        if entry["file"].endswith(".skops"):
            continue
        pytest.importorskip(entry["requires"])
        loaded = load_model(SAMPLE_DIR / entry["file"])
        assert loaded.format == entry["name"] and list(loaded.model.classes_) == [0, 1]
        assert list(loaded.feature_names) == card["features"]
        auc = roc_auc_score(y, loaded.model.predict_proba(X)[:, 1])
        plain = roc_auc_score(y, models["hist_gradient_boosting"].predict_proba(X)[:, 1])
        assert abs(auc - plain) < 0.02, (entry["name"], auc, plain)  # another strong boosted model


def test_a_card_model_whose_library_is_missing_is_left_out_with_a_reason(tmp_path, monkeypatch):
    import importlib.util

    from analysis.scenario import load_card

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "xgboost" else real(name, *a))
    loaded = load_card(SAMPLE_DIR / "card.yaml")
    assert "xgboost" not in [m["name"] for m in loaded.models] and "lightgbm" in [m["name"] for m in loaded.models]
    assert loaded.skipped == (
        ("xgboost", "it needs xgboost, which is not installed (pip install 'tradeoffs[boosting]')"),
    )
