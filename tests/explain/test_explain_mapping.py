"""One-hot and other transformed columns map back to the columns the user supplied."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.feature_selection import VarianceThreshold
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import KBinsDiscretizer, OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from analysis.explain import (
    ExplainSettings,
    UnmappableError,
    aggregate_to_source,
    compute_source_map,
    explain_candidates,
)


def test_column_transformer_with_drop_remainder_and_nested_pipeline():
    X = pd.DataFrame(
        {
            "a": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "b": ["x", "y", "x", "z", "y", "x"],
            "c": [0.1, np.nan, 0.3, 0.4, 0.5, 0.6],
            "d": [1, 2, 3, 4, 5, 6],
            "e": [0.0] * 6,
        }
    )
    ct = ColumnTransformer(
        [
            ("cat", OneHotEncoder(drop="first", sparse_output=False), ["b"]),
            ("num", Pipeline([("imp", SimpleImputer(add_indicator=True)), ("sc", StandardScaler())]), ["c", "a"]),
            ("bins", KBinsDiscretizer(n_bins=2, encode="onehot-dense", quantile_method="averaged_inverted_cdf"), ["d"]),
            ("gone", "drop", ["e"]),
        ],
        remainder="passthrough",
    ).fit(X)
    names = list(ct.get_feature_names_out())
    smap = compute_source_map(ct, list(X.columns))
    sources = [smap.features[i] for i in smap.source]
    assert len(sources) == len(names) == ct.transform(X).shape[1]
    assert sources == ["b", "b", "c", "a", "c", "d", "d"]
    assert names[4] == "num__missingindicator_c"


def test_remainder_passthrough_and_selectors():
    X = pd.DataFrame({"k": ["u", "v", "u", "v"], "n": [1.0, 2.0, 3.0, 5.0], "m": [0.5, 0.5, 0.5, 0.5]})
    prep = Pipeline(
        [
            ("ct", ColumnTransformer([("cat", OneHotEncoder(sparse_output=False), ["k"])], remainder="passthrough")),
            ("var", VarianceThreshold()),
        ]
    ).fit(X)
    smap = compute_source_map(prep, list(X.columns))
    assert [smap.features[i] for i in smap.source] == ["k", "k", "n"]  # the constant column m is dropped


def test_columns_that_mix_have_no_map():
    X = pd.DataFrame({"p": [1.0, 2.0, 3.0, 4.0], "q": [2.0, 1.0, 0.0, 1.0]})
    with pytest.raises(UnmappableError, match="PCA"):
        compute_source_map(Pipeline([("sc", StandardScaler()), ("pca", PCA(2))]).fit(X), ["p", "q"])


def test_aggregation_keeps_each_row_sum():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(7, 5, 2))
    from analysis.explain import SourceMap

    smap = SourceMap(("a", "b", "c"), np.array([0, 0, 2, 1, 2]))
    out = aggregate_to_source(values, smap)
    assert out.shape == (7, 3, 2)
    np.testing.assert_allclose(out.sum(axis=1), values.sum(axis=1))
    np.testing.assert_allclose(out[:, 0], values[:, 0] + values[:, 1])


def test_pipeline_sum_over_sources_equals_sum_over_one_hot_columns(fitted, mixed):
    import shap

    X, _ = mixed
    model = fitted["forest"]
    report = explain_candidates({"forest": model}, X, settings=ExplainSettings(sample_size=30))
    rows = X.iloc[list(report.sample_positions)]
    Z = model[:-1].transform(rows)
    raw = np.asarray(shap.TreeExplainer(model[-1]).shap_values(Z, check_additivity=False))[:, :, 1]
    source = report["forest"].values[:, :, 0]
    np.testing.assert_allclose(source.sum(axis=1), raw.sum(axis=1), atol=1e-12)
    # colour is one-hot encoded into the first three transformed columns
    np.testing.assert_allclose(source[:, 3], raw[:, :3].sum(axis=1), atol=1e-12)


def test_when_only_one_categorical_matters_it_gets_all_the_mass():
    rng = np.random.default_rng(3)
    n = 300
    X = pd.DataFrame(
        {
            "noise1": rng.normal(size=n),
            "shape": rng.choice(["circle", "square", "star", "moon"], size=n),
            "noise2": rng.integers(0, 9, size=n),
        }
    )
    y = X["shape"].isin(["star", "moon"]).astype(int).to_numpy()
    prep = ColumnTransformer(
        [("cat", OneHotEncoder(sparse_output=False), ["shape"]), ("num", "passthrough", ["noise1", "noise2"])]
    )
    model = Pipeline([("prep", prep), ("model", DecisionTreeClassifier(random_state=0))]).fit(X, y)
    report = explain_candidates({"tree": model}, X, settings=ExplainSettings(sample_size=50))
    c = report["tree"]
    assert c.importance[0].feature == "shape" and c.importance[0].share == pytest.approx(1.0)
    assert c.features_for_mass == 1
    np.testing.assert_array_equal(c.values[:, [0, 2], :], 0.0)


def test_unmappable_preprocessing_falls_back_to_the_whole_model(mixed):
    from sklearn.linear_model import LogisticRegression

    X, y = mixed
    numeric = X[["x1", "x2", "count"]]
    model = Pipeline([("sc", StandardScaler()), ("pca", PCA(2)), ("lr", LogisticRegression())]).fit(numeric, y)
    report = explain_candidates({"pca": model}, numeric, settings=ExplainSettings(sample_size=15))
    c = report["pca"]
    assert c.explainer == "permutation" and c.exact_explainer is False
    assert any("PCA" in note for note in c.notes)
    rows = numeric.iloc[list(report.sample_positions)]
    np.testing.assert_allclose(c.outputs[:, 0], model.predict_proba(rows)[:, 1])
    np.testing.assert_allclose(c.values.sum(axis=1)[:, 0] + c.base_value[0], c.outputs[:, 0], atol=1e-12)
