"""Fairness slices equal fairlearn's MetricFrame and disparity functions to 1e-9."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score

from analysis.evaluation import build_group_indexes, count_groups, disparities, group_rates


@pytest.fixture
def case():
    rng = np.random.default_rng(11)
    n = 3000
    frame = pd.DataFrame(
        {"band": rng.choice(["low", "mid", "high"], n, p=[0.2, 0.5, 0.3]), "age": rng.choice(["a", "b"], n)}
    )
    y = rng.integers(0, 2, n)
    # Three candidates with different group behaviour.
    Y = np.vstack(
        [
            (rng.random(n) < 0.4).astype(int),
            np.where(frame.band == "low", rng.random(n) < 0.2, rng.random(n) < 0.6).astype(int),
            np.where(y == 1, rng.random(n) < 0.8, rng.random(n) < 0.1).astype(int),
        ]
    )
    return frame, y, Y


def test_group_rates_equal_metricframe(case):
    frame, y, Y = case
    for group in build_group_indexes(frame, ["band", "age"]):
        sf = frame[group.attribute.split(" & ")] if " & " in group.attribute else frame[group.attribute]
        rates = group_rates(count_groups(y, Y, group))
        for k in range(Y.shape[0]):
            mf = MetricFrame(
                metrics={
                    "selection_rate": selection_rate,
                    "accuracy": accuracy_score,
                    "tpr": true_positive_rate,
                    "fpr": false_positive_rate,
                },
                y_true=y,
                y_pred=Y[k],
                sensitive_features=sf,
            )
            by_group = mf.by_group
            if isinstance(by_group.index, pd.MultiIndex):
                by_group.index = [" & ".join(map(str, ix)) for ix in by_group.index]
            for j, label in enumerate(group.labels):
                for metric in ("selection_rate", "accuracy", "tpr", "fpr"):
                    assert rates[metric][k, j] == pytest.approx(by_group.loc[label, metric], abs=1e-9)


def test_disparities_equal_fairlearn(case):
    frame, y, Y = case
    group = build_group_indexes(frame, ["band"])[0]
    d = disparities(group_rates(count_groups(y, Y, group)), binary=True)
    for k in range(Y.shape[0]):
        sf = frame["band"]
        assert d["demographic_parity_difference"][k] == pytest.approx(
            demographic_parity_difference(y, Y[k], sensitive_features=sf), abs=1e-9
        )
        assert d["demographic_parity_ratio"][k] == pytest.approx(
            demographic_parity_ratio(y, Y[k], sensitive_features=sf), abs=1e-9
        )
        assert d["equalized_odds_difference"][k] == pytest.approx(
            equalized_odds_difference(y, Y[k], sensitive_features=sf), abs=1e-9
        )
        mf = MetricFrame(metrics=accuracy_score, y_true=y, y_pred=Y[k], sensitive_features=sf)
        assert d["worst_group_accuracy"][k] == pytest.approx(mf.group_min(), abs=1e-9)


def test_many_candidates_float32_path_matches(case):
    """Above 64 candidates the counts use float32 BLAS; counts stay exact integers."""
    frame, y, Y = case
    many = np.tile(Y, (30, 1))
    group = build_group_indexes(frame, ["band"])[0]
    small = group_rates(count_groups(y, Y, group))
    big = group_rates(count_groups(y, many, group))
    np.testing.assert_allclose(big["selection_rate"][:3], small["selection_rate"], atol=1e-12)


def test_missing_sensitive_values_form_their_own_group():
    frame = pd.DataFrame({"band": ["a", None, "b", "a"]})
    (group,) = build_group_indexes(frame, ["band"])
    assert "(missing)" in group.labels
