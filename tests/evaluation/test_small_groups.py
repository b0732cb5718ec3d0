"""Small groups, per-attribute fairness objectives, FNR/FDR and Wilson intervals.

Every expected value is recomputed here by hand on boolean masks (pandas), with fairlearn or
scipy as the oracle, never with the library's own counting code.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from scipy.stats import binomtest

from analysis._errors import InputError
from analysis.evaluation import EvalSettings, Predictions, evaluate_predictions, prepare_data
from analysis.evaluation._fairness import wilson_interval
from analysis.scorecard import Scorecard, load_scorecard, save_scorecard, scorecard_to_json

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SIZES = {"tiny": 2, "few": 6, "big": 500, "bigger": 600}


def _frame() -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """1,108 rows. ``band``: groups of 2, 6, 500 and 600 rows. ``sex``: two groups, both large.

    ``age``: one group of 1,099 rows and one of 9 (only one eligible group). Candidate
    ``fair`` treats the groups of ``sex`` alike; ``unfair`` selects women far more often.
    Both behave alike on the large groups of ``band``, get every row of its 2-row group wrong
    and every row of its 6-row group right: small groups like these used to set every
    equalized odds difference to 1.
    """
    rng = np.random.default_rng(5)
    band = np.repeat(list(SIZES), list(SIZES.values()))
    n = len(band)
    label = rng.integers(0, 2, size=n)
    label[:8] = [1, 0, 1, 0, 1, 0, 1, 0]  # both classes in each small group
    frame = pd.DataFrame(
        {
            "band": band,
            "sex": rng.choice(["f", "m"], size=n),
            "age": np.where(np.arange(n) % 138 == 0, "old", "young"),
            "label": label,
        }
    )
    base = rng.random(n)
    fair = (base < 0.4).astype(int)
    unfair = np.where(frame.sex == "f", base < 0.7, base < 0.2).astype(int)
    tiny, few = (frame.band == "tiny").to_numpy(), (frame.band == "few").to_numpy()
    fair = np.where(tiny, 1 - label, np.where(few, label, fair))
    unfair = np.where(tiny, 1 - label, np.where(few, label, unfair))
    return frame, {"fair": fair, "unfair": unfair}


@pytest.fixture(scope="module")
def case():
    frame, preds = _frame()
    data = prepare_data(frame, source="synthetic", target="label", sensitive=["band", "sex", "age"])
    candidates = [Predictions(name, p) for name, p in preds.items()]
    sc = evaluate_predictions(
        data, candidates, now=NOW, settings=EvalSettings(n_bootstrap=200, random_state=1, intersections=False)
    )
    return frame, preds, sc


def _big(frame: pd.DataFrame) -> pd.Series:
    return frame.band.isin(["big", "bigger"])


def test_group_sizes_of_the_fixture(case):
    frame, _, _ = case
    assert frame.band.value_counts().to_dict() == {"bigger": 600, "big": 500, "few": 6, "tiny": 2}
    assert frame.age.value_counts().to_dict() == {"young": 1099, "old": 9}
    assert frame.sex.value_counts().min() >= 30


def test_scored_disparity_uses_only_the_big_groups(case):
    frame, preds, sc = case
    big = _big(frame)
    y = frame.label
    for name, pred in preds.items():
        p = pd.Series(pred, index=frame.index)
        expected_dpd = demographic_parity_difference(y[big], p[big], sensitive_features=frame.band[big])
        expected_eod = equalized_odds_difference(y[big], p[big], sensitive_features=frame.band[big])
        sel = p[big].groupby(frame.band[big]).mean()
        acc = (p[big] == y[big]).groupby(frame.band[big]).mean()
        assert sc.value(name, "demographic_parity_difference[band]") == pytest.approx(expected_dpd, abs=1e-12)
        assert sc.value(name, "equalized_odds_difference[band]") == pytest.approx(expected_eod, abs=1e-12)
        assert sc.value(name, "demographic_parity_ratio[band]") == pytest.approx(sel.min() / sel.max(), abs=1e-12)
        assert sc.value(name, "worst_group_accuracy[band]") == pytest.approx(acc.min(), abs=1e-12)
        # With every group, the small ones would set the figures.
        assert equalized_odds_difference(y, p, sensitive_features=frame.band) == 1.0
        assert (p == y)[frame.band == "tiny"].mean() == 0
        assert sc.value(name, "equalized_odds_difference[band]") < 0.5
        assert sc.value(name, "worst_group_accuracy[band]") > 0.3


def test_small_groups_stay_in_slices_flagged_and_excluded(case):
    _, _, sc = case
    slices = sc.slices_frame()
    band = slices[(slices.attribute == "band") & (slices.candidate == "fair")].set_index("group")
    assert band.n.to_dict() == SIZES
    assert band.small.to_dict() == {"tiny": True, "few": True, "big": False, "bigger": False}
    assert band.excluded_from_scoring.to_dict() == band.small.to_dict()
    assert set(slices.ci_method) == {"wilson"}
    fairness = sc.sections["fairness"]
    assert list(fairness["excluded_groups"]["band"]) == ["few", "tiny"]
    assert fairness["notes"]["band"][0].startswith("band: 2 group(s) with fewer than 30 rows (few, tiny)")
    assert "at least 30 rows" in sc.settings["small_group_rule"]
    assert sc.settings["group_ci_method"] == "wilson"


def test_attribute_with_one_eligible_group_is_missing_with_a_note(case):
    _, _, sc = case
    assert "demographic_parity_difference[age]" not in sc.objective_names  # no candidate has a value
    for name in ("fair", "unfair"):
        assert sc.value(name, "demographic_parity_difference[age]") is None
        by_attr = sc.sections["fairness"]["by_attribute"]["age"][name]
        assert by_attr["demographic_parity_difference"] is None  # NaN in JSON: missing, never 0
        assert by_attr["worst_group_accuracy"] is None
    assert sc.sections["fairness"]["notes"]["age"][0].startswith("age: 1 group(s) with at least 30 rows")
    assert "sex" not in sc.sections["fairness"]["notes"]
    slices = sc.slices_frame()
    assert slices[(slices.attribute == "age") & (slices.group == "old")].small.all()


def test_per_attribute_objectives_and_the_worst_over_attributes(case):
    frame, preds, sc = case
    y = frame.label
    big = _big(frame)
    per = {}
    for name, pred in preds.items():
        p = pd.Series(pred, index=frame.index)
        per[name] = {
            "band": demographic_parity_difference(y[big], p[big], sensitive_features=frame.band[big]),
            "sex": demographic_parity_difference(y, p, sensitive_features=frame.sex),
        }
        assert sc.value(name, "demographic_parity_difference[sex]") == pytest.approx(per[name]["sex"], abs=1e-12)
        # The unsuffixed objective: the worst attribute, each over eligible groups (age has none to compare).
        assert sc.value(name, "demographic_parity_difference") == pytest.approx(max(per[name].values()), abs=1e-12)
    # On band the two candidates are alike; only sex tells them apart.
    assert per["fair"]["band"] == pytest.approx(per["unfair"]["band"], abs=0.05)
    assert sc.value("unfair", "demographic_parity_difference[sex]") > 0.4
    assert sc.value("fair", "demographic_parity_difference[sex]") < 0.1
    objective = sc.objective("equalized_odds_difference[sex]")
    assert objective.label == "Equalized odds difference (sex)"
    assert objective.direction == "min" and objective.group == "fairness"
    ratio = sc.objective("demographic_parity_ratio[band]")
    assert ratio.direction == "max" and ratio.worst == 0.8


def test_per_attribute_intervals_and_paired_comparisons(case):
    _, _, sc = case
    by = {(m.candidate, m.objective): m for m in sc.metrics}
    for name in ("fair", "unfair"):
        for base in ("demographic_parity_difference", "equalized_odds_difference", "worst_group_accuracy"):
            for suffix in ("", "[band]", "[sex]"):
                m = by[(name, base + suffix)]
                assert m.ci_low is not None and m.ci_low <= m.value <= m.ci_high
    # Bootstrap intervals over eligible groups only: the band interval is not pinned at 1.
    eod = by[("fair", "equalized_odds_difference[band]")]
    assert eod.ci_high < 0.5
    comp = {(c.objective, c.candidate): c for c in sc.comparisons}
    assert comp[("demographic_parity_difference[sex]", "unfair")].significant is True


def test_fnr_and_fdr_equal_pandas_on_masks(case):
    frame, preds, sc = case
    slices = sc.slices_frame().set_index(["candidate", "attribute", "group"])
    y = frame.label.to_numpy()
    for name, pred in preds.items():
        for attr in ("band", "sex"):
            for group in frame[attr].unique():
                m = (frame[attr] == group).to_numpy()
                fn = ((pred == 0) & (y == 1) & m).sum()
                fp = ((pred == 1) & (y == 0) & m).sum()
                pos = ((y == 1) & m).sum()
                pred_pos = ((pred == 1) & m).sum()
                row = slices.loc[(name, attr, group)]
                assert row.fnr == pytest.approx(fn / pos if pos else np.nan, nan_ok=True)
                if pred_pos:
                    assert row.fdr == pytest.approx(fp / pred_pos)
                else:
                    assert np.isnan(row.fdr)
                assert row.tpr == pytest.approx(1 - row.fnr, nan_ok=True)
                lo, hi = wilson_oracle(fn, pos)
                assert row.fnr_ci_low == pytest.approx(lo, abs=1e-12)
                assert row.fnr_ci_high == pytest.approx(hi, abs=1e-12)


def wilson_oracle(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """scipy's Wilson interval (NaN when there are no trials)."""
    if n == 0:
        return math.nan, math.nan
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def test_wilson_reference_values():
    """Reference section 3: 2 of 2 gives [0.342, 1.000]; 0 of 3 gives [0.000, 0.562] (with z = 1.96)."""
    lo, hi = wilson_interval(np.array([2, 0]), np.array([2, 3]), confidence=0.95)
    assert lo[0] == pytest.approx(0.342, abs=5e-4) and hi[0] == pytest.approx(1.0, abs=1e-12)
    assert lo[1] == pytest.approx(0.0, abs=1e-12) and hi[1] == pytest.approx(0.562, abs=1e-3)
    # The reference's formula with z = 1.96 exactly, written out.
    z = 1.96
    for k, n, j in ((2, 2, 0), (0, 3, 1)):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        assert lo[j] == pytest.approx(max(centre - half, 0), abs=2e-4)
        assert hi[j] == pytest.approx(min(centre + half, 1), abs=2e-4)
    # And scipy, at several levels and sizes.
    for confidence in (0.8, 0.95, 0.99):
        for k, n in ((0, 1), (1, 2), (3, 7), (29, 30), (250, 600)):
            lo, hi = wilson_interval(np.array(k), np.array(n), confidence=confidence)
            assert (float(lo), float(hi)) == pytest.approx(wilson_oracle(k, n, confidence), abs=1e-12)
    lo, hi = wilson_interval(np.array([1]), np.array([0]), confidence=0.95)
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_slice_intervals_follow_the_confidence_level(case):
    frame, preds, _ = case
    data = prepare_data(frame, source="s", target="label", sensitive=["band"])
    sc = evaluate_predictions(
        data, [Predictions("fair", preds["fair"])], now=NOW, settings=EvalSettings(n_bootstrap=0, confidence=0.9)
    )
    row = sc.slices_frame().set_index("group").loc["tiny"]
    k = int(round(row.accuracy * row.n))
    assert (row.accuracy_ci_low, row.accuracy_ci_high) == pytest.approx(wilson_oracle(k, row.n, 0.9), abs=1e-12)


def test_scorecard_json_round_trips_per_attribute_names(case, tmp_path):
    _, _, sc = case
    path = save_scorecard(sc, tmp_path / "sc.json")
    back = load_scorecard(path)
    assert back == sc
    assert scorecard_to_json(back) == scorecard_to_json(sc)
    assert "equalized_odds_difference[sex]" in back.objective_names
    assert back.objective("equalized_odds_difference[sex]") == sc.objective("equalized_odds_difference[sex]")
    assert back.to_frame().equals(sc.to_frame())
    assert Scorecard.from_dict(sc.to_dict()) == sc


def test_min_group_size_is_checked(case):
    frame, preds, _ = case
    data = prepare_data(frame, source="s", target="label", sensitive=["band"])
    with pytest.raises(InputError, match="min_group_size must be at least 1"):
        evaluate_predictions(
            data, [Predictions("fair", preds["fair"])], now=NOW, settings=EvalSettings(n_bootstrap=0, min_group_size=0)
        )


def test_a_lower_minimum_lets_small_groups_count(case):
    frame, preds, _ = case
    data = prepare_data(frame, source="s", target="label", sensitive=["band"])
    sc = evaluate_predictions(
        data, [Predictions("fair", preds["fair"])], now=NOW, settings=EvalSettings(n_bootstrap=0, min_group_size=2)
    )
    y, p = frame.label, preds["fair"]
    every_group = equalized_odds_difference(y, p, sensitive_features=frame.band)
    assert every_group == 1.0  # what two all-wrong tiny groups do to the figure
    assert sc.value("fair", "equalized_odds_difference[band]") == pytest.approx(every_group, abs=1e-12)
    assert not sc.slices_frame().small.any()


def test_multiclass_and_regression_per_attribute(case):
    frame, _, _ = case
    rng = np.random.default_rng(2)
    multi = frame.assign(kind=rng.choice(["a", "b", "c"], size=len(frame)))
    data = prepare_data(multi, source="s", target="kind", sensitive=["band", "sex"])
    guess = rng.integers(0, 3, size=len(frame))
    sc = evaluate_predictions(data, [Predictions("guess", guess)], now=NOW, settings=EvalSettings(n_bootstrap=20))
    codes = pd.Series(data.y, index=frame.index)
    right = pd.Series(guess, index=frame.index) == codes
    big = _big(frame)
    assert sc.value("guess", "worst_group_accuracy[band]") == pytest.approx(
        right[big].groupby(frame.band[big]).mean().min(), abs=1e-12
    )
    assert "demographic_parity_difference[band]" not in sc.objective_names
    row = sc.slices_frame().set_index(["attribute", "group"]).loc[("band", "tiny")]
    assert row.small and row.excluded_from_scoring and row.ci_method == "wilson"

    reg = frame.assign(amount=rng.normal(size=len(frame)))
    data = prepare_data(reg, source="s", target="amount", task="regression", sensitive=["band", "sex"])
    pred = reg.amount.to_numpy() + np.where(reg.band == "tiny", 50.0, rng.normal(size=len(frame)))
    sc = evaluate_predictions(data, [Predictions("reg", pred)], now=NOW, settings=EvalSettings(n_bootstrap=20))
    err = (pd.Series(pred, index=reg.index) - reg.amount).abs()
    mae = err[big].groupby(reg.band[big]).mean()
    assert sc.value("reg", "worst_group_mae[band]") == pytest.approx(mae.max(), abs=1e-12)
    assert sc.value("reg", "group_mae_difference[band]") == pytest.approx(mae.max() - mae.min(), abs=1e-12)
    assert sc.value("reg", "worst_group_mae") < 50  # the tiny group's error of 50 is not scored
    assert set(sc.slices_frame().ci_method) == {"bootstrap_percentile"}
