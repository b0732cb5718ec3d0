"""Readability of what a newcomer looks at: labels that do not collide, titles that fit, nothing cut off.

Checked on the figure records (positions, ranges, wrapped text) and on the display tables, not on
pixels; the screenshots in the real-browser suite show the result.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from _app_helpers import charts, new_app, run_until, texts, widget

from analysis import figures as F
from analysis.decision import compute_pareto, table_from_arrays
from analysis.figures._labels import PLOT_SIZES, PlacedLabel
from analysis.figures._style import SUBTITLE_CHAR_PX, TITLE_CHAR_PX
from app.ui import tables


# ---- labels on the trade-off scatter --------------------------------------------------------------
def _label_boxes(fig, size):
    """Every label's box in pixels on a plot of ``size``, from the figure record alone."""
    xr = fig.layout.xaxis.autorangeoptions.include
    yr = fig.layout.yaxis.autorangeoptions.include
    boxes = []
    for a in fig.layout.annotations:
        u = (a.x - xr[0]) / (xr[1] - xr[0])
        v = (a.y - yr[0]) / (yr[1] - yr[0])
        u = 1 - u if fig.layout.xaxis.autorange == "reversed" else u
        v = 1 - v if fig.layout.yaxis.autorange == "reversed" else v
        dx, dy = (a.ax, -a.ay) if a.showarrow else (a.xshift, a.yshift)
        boxes.append((a.text, PlacedLabel(0, a.text, dx, dy, bool(a.showarrow)).box(u, v, size)))
    return boxes


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_clustered_front_labels_are_drawn_apart():
    # Six candidates on the front within 1% of each other, plus dominated ones nearby.
    rng = np.random.default_rng(0)
    n = 6
    auc = 0.80 + np.linspace(0, 0.004, n)
    ms = 10.0 + np.linspace(0, 0.05, n)  # lower is better: each step buys AUC with a little latency
    names = [f"candidate_{i}" for i in range(n)] + ["slow", "worse"]
    values = np.column_stack([np.r_[auc, 0.79, 0.795], np.r_[ms, 10.2, 10.1 + rng.random() * 0.01]])
    t = table_from_arrays(names, [("auc", "max"), ("ms", "min")], values)
    front = compute_pareto(t, ["ms", "auc"])
    assert len(front.front) == n
    fig = F.make_tradeoff_figure(t, "ms", "auc", front, colours=F.candidate_colours(names), highlight="slow")
    assert fig.layout.annotations, "some labels are drawn"
    assert fig.layout.annotations[0].text == "slow"  # the selected candidate is named first
    assert all(t.mode == "markers" for t in fig.data if t.name in names)  # no fixed-position trace text
    for size in PLOT_SIZES:
        boxes = _label_boxes(fig, size)
        for i, (name_a, a) in enumerate(boxes):
            for name_b, b in boxes[i + 1 :]:
                assert not _overlap(a, b), (size, name_a, name_b)
    labelled = {a.text for a in fig.layout.annotations}
    missing = n + 1 - len(labelled)
    if missing:
        assert f"{missing} front label(s) left out" in fig.layout.meta["subtitle"]


def test_place_labels_never_stacks_two_labels_on_one_point():
    placed = F.place_labels([0.5] * 4, [0.5] * 4, ["alpha", "beta", "gamma", "delta"])
    offsets = {(p.dx, p.dy) for p in placed}
    assert len(offsets) == len(placed) >= 3


# ---- numbers that are zero up to rounding -----------------------------------------------------------
def test_values_zero_up_to_rounding_print_and_draw_as_zero():
    assert F.fmt(-3.98e-18) == "0.000" and F.fmt(3e-13) == "0.000" and F.fmt(1e-6) == "1e-06"
    t = table_from_arrays(
        ["a", "b", "c"], [("auc", "max"), ("decay", "min")], np.array([[0.8, -3.98e-18], [0.7, 0.004], [0.75, 0.01]])
    )
    fig = F.make_parallel_figure(t, ["auc", "decay"], compute_pareto(t, ["auc", "decay"]), colours=None)
    ticks = {a.text: a.y for a in fig.layout.annotations if a.x == 1}  # the decay axis
    assert ticks["0"] == 1.0  # zero decay is the best value: the top of its axis
    assert not any(t.startswith("-") for t in ticks)


# ---- titles fit the width they are drawn at ----------------------------------------------------------
def _lines(fig):
    """``(is_subtitle, text)`` for each line of the drawn title."""
    raws = fig.layout.title.text.split("<br>")
    return [("<sup>" in raw, raw.replace("<sup>", "").replace("</sup>", "").strip()) for raw in raws]


@pytest.mark.parametrize("width", [255, 540])
def test_titles_and_subtitles_wrap_to_the_figure_width(builtin, width):
    from analysis.decision import build_decision, default_profiles

    d = build_decision(builtin, default_profiles(), random_state=0, n_samples=20, group_samples=10)
    figs = [
        F.make_regret_figure(d.group, chosen=d.chosen),
        F.make_calibration_figure(builtin.sections["curves"]),
        F.make_psi_figure(builtin.sections["drift"]["features"]),
        F.make_window_figure(builtin.windows_frame(), builtin.objective("roc_auc")),
    ]
    for fig in figs:
        F.fit_title(fig, width)
        meta = fig.layout.meta
        lines = _lines(fig)
        for sub, line in lines:
            assert len(line) * (SUBTITLE_CHAR_PX if sub else TITLE_CHAR_PX) <= width, (meta["title"], line)
        assert " ".join(line for _, line in lines) == " ".join(filter(None, [meta["title"], meta["subtitle"]]))
        assert fig.layout.margin.t >= 12 + 20 * len(lines)  # the top margin holds every line


# ---- labels outside bars stay on the chart ---------------------------------------------------------
def test_cost_labels_have_room_on_the_log_axis():
    rows = [("cheap", 0.0058, 0.0001), ("dear", 0.459, 0.01), ("mid", 0.19, None)]
    fig = F.make_cost_figure(rows)
    bar = fig.data[0]
    assert bar.textposition == "outside" and bar.cliponaxis is False
    assert fig.layout.xaxis.range[1] >= math.log10(0.459) + 0.3  # a label's width beyond the longest bar
    assert fig.layout.xaxis.range[0] <= math.log10(0.0001)


def test_psi_rows_near_zero_are_labelled_not_blank(builtin):
    fig = F.make_psi_figure(builtin.sections["drift"]["features"])
    bar = fig.data[0]
    assert len(bar.text) == len(bar.y) and all(t.strip() for t in bar.text)
    assert bar.textposition == "outside" and bar.cliponaxis is False
    assert fig.layout.xaxis.range[1] > max(bar.x)


def test_disparity_of_zero_still_has_its_label():
    fig = F.make_disparity_figure({"a": {"m": 0.0}, "b": {"m": 0.2}}, "m", label="DP difference")
    assert list(fig.data[0].text) == ["0.000", "0.200"] and fig.data[0].cliponaxis is False


# ---- a constant score is one operating point ----------------------------------------------------------
@pytest.mark.parametrize("kind", ["roc", "pr"])
def test_a_constant_score_is_drawn_as_one_point(builtin, kind):
    curves = builtin.sections["curves"]
    fig = F.make_roc_figure(curves) if kind == "roc" else F.make_pr_figure(curves, prevalence=0.22)
    baseline = next(t for t in fig.data if t.name.startswith("majority_baseline"))
    assert baseline.mode == "markers" and len(baseline.x) == 1
    data = curves["majority_baseline"][kind]
    if kind == "pr":  # its one threshold flags every row: recall 1, precision = the positive rate
        assert (baseline.x[0], baseline.y[0]) == (1.0, pytest.approx(data["precision"][0]))
    else:
        assert (baseline.x[0], baseline.y[0]) == (1.0, 1.0)
    assert "one operating point" in baseline.hovertemplate and baseline.name.endswith("◆")
    assert "majority_baseline: a constant score has one operating point" in fig.layout.meta["subtitle"]
    others = [t for t in fig.data if t.name.startswith("knn")]
    assert others[0].mode == "lines"  # real models stay curves


# ---- display tables ------------------------------------------------------------------------------
def test_explanation_status_in_words(builtin):
    knn = builtin.sections["explanations"]["candidates"]["knn"]
    text = tables.explanation_status(knn)
    # the fixture's own figures: how far the sample shrank depends on the machine that measured it
    assert (
        text == f"sample shrunk to {knn['sample_size']} of {knn['sample_size_requested']} rows to fit the time budget"
    )
    assert not text.endswith(":") and tables.explanation_status({"status": "ok"}) == "ok"
    assert tables.explanation_status({"status": "skipped", "reason": "too slow"}) == "skipped — too slow"
    assert "budget" in tables.explanation_reason(knn)


def test_significance_table_stays_narrow(builtin):
    sig = tables.significance_frame(builtin, [o.name for o in builtin.objectives if o.group == "quality"])
    assert sig["significantly worse"].str.len().max() <= 60


# ---- pages ------------------------------------------------------------------------------------------
def test_fairness_defaults_to_the_choice_the_incumbent_and_the_fairest():
    # the group's choice is computed in the background: on a busy machine the first run may not have it yet
    at = run_until(new_app("fairness"), lambda a: "the group's choice" in texts(a))
    chosen = widget(at, "multiselect", "Candidates").value
    assert 1 <= len(chosen) <= 5
    text = texts(at)
    assert "Shown by default:" in text and "the group's choice" in text and "fairest on" in text
    names = [c for c in chosen if c in text]
    assert names == chosen  # every default candidate is named with its reason


def test_explanations_status_column_reads_as_words():
    at = new_app("explanations")
    facts = next(t.value for t in at.table if "status" in t.value.columns)
    assert not facts["status"].str.endswith(":").any()
    assert "sample shrunk to" in " ".join(facts["status"])


def _regret_drawn(at) -> bool:
    return any(json.loads(c)["layout"]["title"]["text"].startswith("Regret") for c in charts(at))


def test_regret_title_fits_its_column():
    at = new_app("consensus")
    if not _regret_drawn(at):  # drawn once the background decision is ready (a busy machine)
        run_until(at, _regret_drawn)
    regret = next(json.loads(c) for c in charts(at) if json.loads(c)["layout"]["title"]["text"].startswith("Regret"))
    for line in regret["layout"]["title"]["text"].split("<br>"):
        assert len(line.replace("<sup>", "").replace("</sup>", "").strip()) * SUBTITLE_CHAR_PX <= F.DEFAULT_WIDTH
