"""Reliance on sensitive attributes and on proxies, on constructed cases with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import mutual_info_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from analysis.explain import (
    ExplainSettings,
    compute_associations,
    compute_reliance,
    explain_candidates,
    normalized_mutual_information,
)


@pytest.fixture(scope="module")
def proxy_case():
    """``zone`` copies the sensitive ``group`` under other names; ``noise`` is independent of it."""
    rng = np.random.default_rng(8)
    n = 1500
    group = rng.choice(["a", "b", "c"], size=n)
    X = pd.DataFrame(
        {
            "zone": pd.Series(group).map({"a": "z1", "b": "z2", "c": "z3"}),
            "noise": rng.normal(size=n),
            "signal": rng.normal(size=n),
        }
    )
    sensitive = pd.DataFrame({"group": group})
    y = ((X.zone == "z1") * 2.0 + X.signal + rng.logistic(size=n) * 0.3 > 0.8).astype(int).to_numpy()
    return X, sensitive, y


def test_normalised_mutual_information_matches_its_definition(proxy_case):
    X, sensitive, _ = proxy_case
    assert normalized_mutual_information(X.zone, sensitive.group) == pytest.approx(1.0)
    noise = normalized_mutual_information(X.noise, sensitive.group, bins=10)
    # recompute by hand: 10 quantile bins of the noise, entropy of the group in nats
    bins = pd.qcut(X.noise, 10, labels=False)
    p = sensitive.group.value_counts(normalize=True).to_numpy()
    expected = mutual_info_score(sensitive.group, bins) / -(p * np.log(p)).sum()
    assert noise == pytest.approx(expected)
    assert noise < 0.02
    assert normalized_mutual_information(X.noise, pd.Series(["same"] * len(X))) is None


def test_a_copy_of_the_sensitive_attribute_is_flagged_and_noise_is_not(proxy_case):
    X, sensitive, _ = proxy_case
    table = {a.feature: a for a in compute_associations(X, sensitive, features=list(X.columns), threshold=0.3, bins=10)}
    assert table["zone"].flagged and table["zone"].association == pytest.approx(1.0)
    assert not table["noise"].flagged and not table["signal"].flagged


def test_a_model_leaning_on_the_proxy_has_a_high_proxy_share(proxy_case):
    X, sensitive, y = proxy_case
    prep = ColumnTransformer(
        [("cat", OneHotEncoder(sparse_output=False), ["zone"]), ("num", StandardScaler(), ["noise", "signal"])]
    )
    models = {
        "leans": Pipeline([("p", prep), ("m", DecisionTreeClassifier(max_depth=3, random_state=0))]).fit(X, y),
        "blind": Pipeline(
            [("p", ColumnTransformer([("num", StandardScaler(), ["noise", "signal"])])), ("m", LogisticRegression())]
        ).fit(X, y),
    }
    report = explain_candidates(models, X, sensitive=sensitive, settings=ExplainSettings(sample_size=80))
    leans, blind = report["leans"], report["blind"]
    zone_share = next(f.share for f in leans.importance if f.feature == "zone")
    assert leans.proxy_share == pytest.approx(zone_share) and leans.proxy_share > 0.3
    assert [p.feature for p in leans.proxies] == ["zone"] and leans.proxies[0].sensitive_attribute == "group"
    assert blind.proxy_share == 0.0 and blind.proxies == ()
    assert leans.sensitive_share == 0.0  # the sensitive attribute itself is not an input
    assert {(a.feature, a.sensitive_attribute) for a in report.associations} == {
        ("zone", "group"),
        ("noise", "group"),
        ("signal", "group"),
    }


def test_a_sensitive_attribute_used_as_input_counts_as_sensitive_not_proxy(proxy_case):
    X, sensitive, y = proxy_case
    data = X.assign(group=sensitive.group)
    prep = ColumnTransformer(
        [("cat", OneHotEncoder(sparse_output=False), ["group"]), ("num", "passthrough", ["signal"])]
    )
    model = Pipeline([("p", prep), ("m", DecisionTreeClassifier(max_depth=3, random_state=0))]).fit(data, y)
    report = explain_candidates({"direct": model}, data, sensitive=sensitive, settings=ExplainSettings(sample_size=80))
    c = report["direct"]
    group_share = next(f.share for f in c.importance if f.feature == "group")
    assert c.sensitive_features == ("group",)
    assert c.sensitive_share == pytest.approx(group_share) and c.sensitive_share > 0.3
    assert all(a.feature != "group" for a in report.associations)


def test_reliance_shares_by_hand():
    from analysis.explain import ProxyAssociation

    assoc = [ProxyAssociation("zip", "income", 0.6, True), ProxyAssociation("age_proxy", "age", 0.2, False)]
    s, p, flags = compute_reliance(
        {"zip": 2.0, "income": 1.0, "age_proxy": 1.0}, sensitive_attributes=["income"], associations=assoc
    )
    assert (s, p) == (0.25, 0.5) and flags[0].feature == "zip" and flags[0].share == 0.5
    assert compute_reliance({"zip": 0.0}, sensitive_attributes=["income"], associations=assoc)[:2] == (0.0, 0.0)


def test_without_sensitive_data_the_shares_are_missing(fitted, mixed):
    X, _ = mixed
    report = explain_candidates({"tree": fitted["tree"]}, X, settings=ExplainSettings(sample_size=20))
    assert report["tree"].sensitive_share is None and report["tree"].proxy_share is None
    assert report.associations == ()
