"""Operating points from stored curves (analysis.operating_points): money, costs, front, links, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from analysis._errors import InputError
from analysis.evaluation._thresholds import threshold_section
from analysis.objectives import NET_VALUE, attribute_objective, captured_objective, get_objective
from analysis.operating_points import (
    OperatingPoint,
    check_point,
    decode_point,
    encode_point,
    load_curves,
    operating_point_cloud,
    pareto_2d,
    point_figures,
    point_objectives,
    with_operating_points,
)
from analysis.scorecard import Candidate, FrozenDict, MetricValue, Scorecard, _freeze


def _data(n=3000, seed=3):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    score = np.clip(0.35 * y + rng.normal(0.4, 0.2, n), 0, 1).round(3)  # ties on purpose
    a = rng.choice(["north", "south", "east"], n)
    b = rng.choice(["young", "old"], n, p=[0.7, 0.3])
    amount = rng.gamma(2.0, 20.0, n)
    v_tp, v_fp, v_fn, v_tn = 0.1 * amount + 2.0, np.full(n, -1.5), np.zeros(n), np.zeros(n)
    return y, score, a, b, amount, (v_tp, v_fp, v_fn, v_tn)


def _codes(values):
    labels, codes = np.unique(values, return_inverse=True)
    return tuple(str(x) for x in labels), codes


def _scorecard(y, score, a, b, amount, values, *, with_cells=True):
    v_tp, v_fp, v_fn, v_tn = values
    groupings = {"region": _codes(a), "age": _codes(b)}
    section = threshold_section(
        y,
        score,
        groupings if with_cells else {"region": groupings["region"]},
        value_if_positive=np.where(y == 1, v_tp, v_fp),
        value_if_negative=np.where(y == 1, v_fn, v_tn),
        captured={"amount": amount},
    )
    section["score_kind"] = "probability"
    objectives = [get_objective(n) for n in ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")]
    attributes = ("region", "age") if with_cells else ("region",)
    objectives += [get_objective("demographic_parity_difference")]
    objectives += [attribute_objective("demographic_parity_difference", x) for x in attributes]
    objectives += [attribute_objective("equalized_odds_difference", x) for x in attributes]
    objectives += [NET_VALUE, captured_objective("amount"), get_objective("model_size_mb")]
    metrics = [
        MetricValue("m", "roc_auc", 0.81),
        MetricValue("m", "log_loss", 0.4),
        MetricValue("m", "model_size_mb", 2.0),
    ]
    return Scorecard(
        task="binary",
        objectives=tuple(objectives),
        candidates=(Candidate("m"), Candidate("labels_only")),
        metrics=tuple(metrics),
        sections=FrozenDict({"curves": _freeze({"m": {"thresholds": section}})}),
        dataset=FrozenDict({"sensitive": attributes}),
        settings=FrozenDict({"min_group_size": 30}),
    )


def test_value_error_costs_and_captured_money_at_a_threshold_equal_the_rows_decided_that_way():
    y, score, a, b, amount, values = _data()
    sc = _scorecard(y, score, a, b, amount, values)
    curve = load_curves(sc)["m"]
    v_tp, v_fp, v_fn, v_tn = values
    for t in curve.thresholds[[0, 40, 90, -1]]:
        pred = score >= t
        fig = point_figures(curve, OperatingPoint("m", float(t)))
        value = np.select([pred & (y == 1), pred & (y == 0), ~pred & (y == 1)], [v_tp, v_fp, v_fn], v_tn)
        assert fig.per_1k("value") == pytest.approx(1000 * value.mean(), rel=1e-9)
        assert fig.per_1k("fp_cost") == pytest.approx(1000 * ((v_tn - v_fp) * (pred & (y == 0))).mean(), rel=1e-9)
        # perfect - value - false positives: money is stored to 10 significant digits, so a cent's millionths
        assert fig.per_1k("fn_cost") == pytest.approx(1000 * ((v_tp - v_fn) * (~pred & (y == 1))).mean(), abs=1e-5)
        assert fig.per_1k("captured:amount") == pytest.approx(1000 * (amount * (pred & (y == 1))).mean(), rel=1e-9)
        got = point_objectives(sc, curve, OperatingPoint("m", float(t)))
        assert got["net_value_per_1k"] == pytest.approx(1000 * value.mean(), rel=1e-9)
        assert got["roc_auc"] == 0.81 and got["model_size_mb"] == 2.0  # inherited, threshold-free


def test_per_group_thresholds_without_stored_combinations_leave_other_attributes_missing():
    y, score, a, b, amount, values = _data()
    sc = _scorecard(y, score, a, b, amount, values)
    curve = load_curves(sc)["m"]
    t = curve.thresholds
    point = OperatingPoint("m", attribute="region", by_group=(("east", t[50]), ("north", t[80]), ("south", t[110])))
    got = point_objectives(sc, curve, point)
    assert got["demographic_parity_difference[age]"] is not None  # from the combinations (cells)
    # drop the combinations: the other attribute's figures (and the worst of both) are missing, not guessed
    stored = dict(sc.sections["curves"]["m"]["thresholds"])
    stored.pop("cells")
    bare = Scorecard(
        task=sc.task,
        objectives=sc.objectives,
        candidates=sc.candidates,
        metrics=sc.metrics,
        sections=FrozenDict({"curves": _freeze({"m": {"thresholds": stored}})}),
        dataset=sc.dataset,
        settings=sc.settings,
    )
    bare_curve = load_curves(bare)["m"]
    got2 = point_objectives(bare, bare_curve, point)
    assert got2["demographic_parity_difference[age]"] is None
    assert got2["demographic_parity_difference"] is None
    assert got2["demographic_parity_difference[region]"] == pytest.approx(got["demographic_parity_difference[region]"])
    assert got2["net_value_per_1k"] == pytest.approx(got["net_value_per_1k"])
    enlarged, added, _ = with_operating_points(bare, [point])
    assert "figures of age missing" in enlarged.candidates[-1].notes[0]


def test_pareto_2d_equals_a_brute_force_front():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, 400).astype(float)
    y = rng.integers(0, 20, 400).astype(float)
    x[5] = np.nan
    for x_max in (True, False):
        for y_max in (True, False):
            got = pareto_2d(x, y, x_max=x_max, y_max=y_max)
            sx, sy = (x if x_max else -x), (y if y_max else -y)
            for i in range(len(x)):
                if np.isnan(x[i]):
                    assert not got[i]
                    continue
                beaten = ((sx >= sx[i]) & (sy >= sy[i]) & ((sx > sx[i]) | (sy > sy[i]))).any()
                duplicate_before = ((sx[:i] == sx[i]) & (sy[:i] == sy[i])).any()
                assert got[i] == (not beaten and not duplicate_before), (i, x_max, y_max)


def test_the_cloud_has_every_stored_threshold_and_its_front():
    y, score, a, b, amount, values = _data()
    sc = _scorecard(y, score, a, b, amount, values)
    cloud = operating_point_cloud(sc, "recall", "precision")
    curve = load_curves(sc)["m"]
    assert len(cloud["x"]) == len(curve.thresholds)
    j = 77
    got = point_objectives(sc, curve, OperatingPoint("m", float(curve.thresholds[j])))
    assert cloud["x"][j] == pytest.approx(got["recall"]) and cloud["y"][j] == pytest.approx(got["precision"])
    fair = operating_point_cloud(sc, "net_value_per_1k", "demographic_parity_difference")
    assert fair["y"][j] == pytest.approx(got["demographic_parity_difference"])
    assert fair["front"].any()


@pytest.mark.parametrize(
    "point",
    [
        OperatingPoint("hgb", 0.28412345678),
        OperatingPoint("a;b@c=d,e:f %", 1e-7),
        OperatingPoint("m", attribute="age:band", by_group=(("18-24", 0.1), ("a,b=c;d", 0.25), ("", -3.5))),
    ],
)
def test_links_carry_operating_points_exactly(point):
    text = encode_point(point)
    assert ";" not in text
    assert decode_point(text) == point


@pytest.mark.parametrize("text", ["hgb", "@0.3", "hgb@", "hgb@abc", "hgb@nan", "hgb@inf", "hgb@x:a=1,b"])
def test_a_bad_link_point_is_one_message(text):
    with pytest.raises(InputError, match="operating point"):
        decode_point(text)


def test_points_that_do_not_fit_the_curve_are_named_and_left_out():
    y, score, a, b, amount, values = _data()
    sc = _scorecard(y, score, a, b, amount, values)
    curves = load_curves(sc)
    assert "no stored threshold curve" in check_point(OperatingPoint("labels_only", 0.5), curves)
    assert "not one of m's" in check_point(OperatingPoint("m", 0.123456789), curves)
    assert "has the groups" in check_point(OperatingPoint("m", attribute="region", by_group=(("east", 0.5),)), curves)
    good = OperatingPoint("m", float(curves["m"].thresholds[3]))
    enlarged, added, warnings = with_operating_points(sc, [OperatingPoint("m", 0.123456789), good, good])
    assert added == (good.name,) and len(warnings) == 1 and "left out" in warnings[0]
    again, added2, warnings2 = with_operating_points(enlarged, [good])
    assert added2 == () and "already a candidate" in warnings2[0] and again is enlarged
