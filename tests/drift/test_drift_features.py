"""Population stability index and two-sample tests, on shifts whose size is known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis._errors import InputError
from analysis.drift import (
    drift_to_scorecard,
    feature_drift,
    latest_window,
    population_stability_index,
    psi_reading,
)
from analysis.scorecard import Candidate, Scorecard, scorecard_to_json


@pytest.fixture(scope="module")
def periods():
    rng = np.random.default_rng(4)
    n = 4000
    reference = pd.DataFrame(
        {
            "same": rng.normal(size=n),
            "shifted": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n, p=[0.5, 0.3, 0.2]),
            "flag": rng.integers(0, 2, size=n),
        }
    )
    current = pd.DataFrame(
        {
            "same": rng.normal(size=n),
            "shifted": rng.normal(loc=1.0, size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n, p=[0.2, 0.3, 0.5]),
            "flag": rng.integers(0, 2, size=n),
        }
    )
    return reference, current


def test_identical_distributions_give_zero_and_shifts_are_major(periods):
    reference, current = periods
    assert population_stability_index(reference.same, reference.same)[0] == 0.0
    table = feature_drift(reference, current, features=list(reference.columns))
    assert table["same"].psi < 0.02 and table["same"].reading == "stable"
    assert table["flag"].psi < 0.01
    assert table["shifted"].psi > 0.25 and table["shifted"].reading == "major"
    assert table["colour"].psi > 0.25 and table["colour"].kind == "categorical"
    psis = [r.psi for r in table.rows]
    assert psis == sorted(psis, reverse=True)


def test_psi_by_hand_on_categories():
    ref = pd.Series(["a"] * 50 + ["b"] * 30 + ["c"] * 20)
    cur = pd.Series(["a"] * 30 + ["b"] * 30 + ["c"] * 40)
    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.3, 0.3, 0.4])
    psi, bins = population_stability_index(ref, cur)
    assert psi == pytest.approx(np.sum((q - p) * np.log(q / p)))
    assert [b.label for b in bins] == ["a", "b", "c"]
    # a category the reference never had: its share is floored at epsilon, not divided by zero
    psi_new, _ = population_stability_index(ref, pd.Series(["d"] * 100), epsilon=1e-4)
    expected = sum((1e-4 - s) * np.log(1e-4 / s) for s in p) + (1 - 1e-4) * np.log(1 / 1e-4)
    assert psi_new == pytest.approx(expected)


def test_numeric_bins_come_from_reference_deciles_and_missing_is_a_bin():
    ref = pd.Series(np.arange(1.0, 101.0))
    cur = pd.Series([5.0] * 50 + [np.nan] * 50)
    psi, bins = population_stability_index(ref, cur)
    labels = [b.label for b in bins]
    assert labels[0] == "<= 10.9" and labels[-1] == "(missing)" and len(labels) == 11
    first = bins[0]
    assert first.reference_share == pytest.approx(0.1) and first.current_share == pytest.approx(0.5)
    assert psi > 0.25


def test_tests_match_scipy(periods):
    reference, current = periods
    table = feature_drift(reference, current, features=["shifted", "colour"])
    ks = stats.ks_2samp(reference.shifted, current.shifted)
    assert table["shifted"].test == "ks" and table["shifted"].p_value == pytest.approx(ks.pvalue)
    counts = pd.crosstab(
        np.r_[np.zeros(len(reference)), np.ones(len(current))], np.r_[reference.colour, current.colour]
    ).to_numpy()
    chi = stats.chi2_contingency(counts, correction=False)
    assert table["colour"].test == "chi2" and table["colour"].statistic == pytest.approx(chi.statistic)
    one = feature_drift(reference.assign(k="x"), current.assign(k="x"), features=["k"])
    assert one["k"].psi == 0.0 and one["k"].p_value is None


def test_readings():
    assert [psi_reading(v) for v in (0.0, 0.099, 0.1, 0.25, 0.26, None)] == [
        "stable",
        "stable",
        "moderate",
        "moderate",
        "major",
        None,
    ]


def test_latest_window_and_scorecard_section(periods):
    reference, current = periods
    frame = current.assign(t=pd.date_range("2025-10-01", periods=len(current), freq="30min"))
    rows, label = latest_window(frame, time="t")
    assert label == "2025-12" and len(rows) == (frame.t.dt.month == 12).sum()
    table = feature_drift(reference, rows, features=["same", "colour"], reference_label="train", current_label=label)
    card = Scorecard(task="binary", objectives=(), candidates=(Candidate("m"),), metrics=())
    out = drift_to_scorecard(card, table)
    section = out.sections["drift"]
    assert section["current"] == "2025-12" and section["features"][0]["feature"] == "colour"
    assert sum(section["counts"].values()) == 2
    assert Scorecard.from_dict(json.loads(scorecard_to_json(out))).to_dict() == out.to_dict()
    with pytest.raises(InputError, match="lack"):
        feature_drift(reference, rows, features=["nope"])
