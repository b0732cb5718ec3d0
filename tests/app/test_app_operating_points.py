"""The Operating points page: move a threshold (or one per group), add the point, share it (issue 14, item 4)."""

from __future__ import annotations

import pytest
from _app_helpers import charts, goto, new_app, texts, widget

from analysis.operating_points import OperatingPoint, encode_point, load_curves, point_objectives


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _candidates_line(at) -> str:
    return next(str(m.value) for m in at.sidebar.markdown if "candidates" in str(m.value))


def test_moving_the_threshold_moves_the_figures_to_the_stored_curves_values(builtin):
    at = new_app("operating_points")
    assert not at.error, [e.value for e in at.error]
    parent = widget(at, "selectbox", "Candidate").value
    curve = load_curves(builtin)[parent]
    slider = widget(at, "select_slider", "Threshold")
    assert slider.value == float(curve.thresholds[curve.default_index()])
    assert len(charts(at)) == 3  # the curve, the groups, every operating point
    before = _metric(at, "Precision")
    t = float(curve.thresholds[150])
    slider.set_value(t).run()
    want = point_objectives(builtin, curve, OperatingPoint(parent, t))
    assert _metric(at, "Precision") == f"{want['precision']:.3f}" != before
    assert _metric(at, "Recall") == f"{want['recall']:.3f}"
    assert _metric(at, "Net value per 1,000") == f"{want['net_value_per_1k']:,.1f}"
    # the per-group table has the attribute's groups at this threshold
    groups = at.dataframe[0].value
    assert list(groups["group"]) == list(curve.by_attribute["income_band"].groups)


def test_adding_a_point_puts_it_into_every_page_and_the_link(builtin):
    at = new_app("operating_points")
    parent = widget(at, "selectbox", "Candidate").value
    curve = load_curves(builtin)[parent]
    t = float(curve.thresholds[60])
    widget(at, "select_slider", "Threshold").set_value(t).run()
    point = OperatingPoint(parent, t)
    widget(at, "button", f"Add {point.name}").click().run()
    assert not at.exception
    assert at.query_params.get("op") == encode_point(point)
    assert f"{len(builtin.candidates) + 1} candidates" in _candidates_line(at)
    assert point.name in texts(at)  # "... is a candidate"
    goto(at, "stakeholders")
    assert point.name in "\n".join(str(m.value) for m in at.markdown)  # in the stakeholders' rankings
    goto(at, "operating_points")
    widget(at, "button", "Remove").click().run()
    assert at.query_params.get("op") is None
    assert f"{len(builtin.candidates)} candidates" in _candidates_line(at)


def test_a_link_with_points_opens_with_them_and_names_what_it_cannot_use(builtin):
    curve = load_curves(builtin)["hist_gradient_boosting"]
    good = OperatingPoint("hist_gradient_boosting", float(curve.thresholds[90]))
    groups = curve.by_attribute["age_band"].groups
    per_group = OperatingPoint(
        "hist_gradient_boosting", attribute="age_band", by_group=tuple((g, float(curve.thresholds[80])) for g in groups)
    )
    off_grid = OperatingPoint("hist_gradient_boosting", 0.123456789)
    query = {"op": ";".join([encode_point(good), encode_point(per_group), encode_point(off_grid), "garbage"])}
    at = new_app(query=query)
    assert f"{len(builtin.candidates) + 2} candidates" in _candidates_line(at)
    assert any("garbage" in str(w.value) for w in at.sidebar.warning)
    goto(at, "operating_points")
    assert any("not one of hist_gradient_boosting's" in str(w.value) for w in at.warning)


def test_thresholds_per_group_show_every_attribute_and_become_one_candidate(builtin):
    at = new_app("operating_points")
    widget(at, "radio", "Thresholds").set_value("One threshold per group").run()
    assert not at.exception
    parent = widget(at, "selectbox", "Candidate").value
    curve = load_curves(builtin)[parent]
    groups = curve.by_attribute["income_band"].groups
    sliders = [widget(at, "select_slider", g) for g in groups]
    for k, s in enumerate(sliders):
        s.set_value(float(curve.thresholds[70 + 20 * k]))
    at.run()
    point = OperatingPoint(
        parent,
        attribute="income_band",
        by_group=tuple((g, float(curve.thresholds[70 + 20 * k])) for k, g in enumerate(groups)),
    )
    want = point_objectives(builtin, curve, point)
    assert _metric(at, "Recall") == f"{want['recall']:.3f}"
    assert len(at.dataframe) >= 2  # income_band's groups and age_band's (from the stored combinations)
    widget(at, "button", "Add").click().run()
    assert "income_band" in at.query_params.get("op")


def test_a_scorecard_without_stored_curves_says_how_to_get_them(variant):
    variant(keep=("fairness",))
    at = new_app("operating_points")
    assert not at.exception
    assert "no stored threshold curves" in texts(at)


@pytest.mark.parametrize("axes", [("recall", "precision"), ("net_value_per_1k", "equalized_odds_difference[age_band]")])
def test_the_front_of_every_operating_point_is_drawn_on_any_two_objectives(axes, builtin):
    at = new_app("operating_points")
    widget(at, "selectbox", "Horizontal axis").set_value(axes[0]).run()
    widget(at, "selectbox", "Vertical axis").set_value(axes[1]).run()
    assert not at.exception
    assert any('"Pareto front"' in c for c in charts(at))
    front = at.dataframe[-1].value
    assert len(front) >= 1 and set(front["candidate"]) <= set(load_curves(builtin))
