"""Figure builders (analysis.figures): what they draw, checked on the figure records, not pixels."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from analysis import figures as F
from analysis.decision import (
    build_decision,
    compute_pareto,
    default_profiles,
    table_from_arrays,
    table_from_scorecard,
)


@pytest.fixture(scope="module")
def table(builtin):
    return table_from_scorecard(builtin)


def test_palette_is_stable_and_variants_share_their_base_colour(builtin):
    colours = F.candidate_colours(builtin.candidate_names)
    assert colours == F.candidate_colours(builtin.candidate_names)
    assert len(set(colours.values())) == len(colours)
    assert F.colour_of("knn[onnx]", colours) == colours["knn"]
    assert F.FRONT_COLOUR not in colours.values()


def test_tradeoff_scatter_reverses_min_axes_and_draws_the_front(table, builtin):
    front = compute_pareto(table, ["latency_ms_p99", "roc_auc"])
    colours = F.candidate_colours(builtin.candidate_names)
    fig = F.make_tradeoff_figure(table, "latency_ms_p99", "roc_auc", front, colours=colours, highlight="knn")
    assert fig.layout.xaxis.autorange == "reversed" and fig.layout.yaxis.autorange is True
    line = next(t for t in fig.data if t.name == "Pareto front")
    assert len(line.x) == len(front.front)
    per_candidate = {t.name: t for t in fig.data if t.name in colours}
    assert all(isinstance(t, go.Scattergl) for t in per_candidate.values())
    assert per_candidate["knn"].marker.color == colours["knn"]
    dominated = [c for c in builtin.candidate_names if c not in front.front]
    assert all(per_candidate[c].marker.opacity < 1 for c in dominated)
    assert "dominated by" in per_candidate[dominated[0]].hovertemplate
    assert any(t.name == "selected: knn" for t in fig.data)


def _random_table(n, seed=0):
    rng = np.random.default_rng(seed)
    return table_from_arrays([f"c{i}" for i in range(n)], [("auc", "max"), ("ms", "min")], rng.random((n, 2)))


def test_tradeoff_scatter_with_thousands_of_candidates_colours_by_front():
    t = _random_table(5000)
    front = compute_pareto(t, ["auc", "ms"])
    fig = F.make_tradeoff_figure(t, "auc", "ms", front, colours=F.candidate_colours(t.candidates), density_above=None)
    markers = [d for d in fig.data if d.mode == "markers"]
    assert len(markers) == 2 and sum(len(d.x) for d in markers) == 5000
    assert markers[1].marker.color == F.FRONT_COLOUR and len(markers[1].x) == len(front.front)


def test_tradeoff_scatter_draws_a_large_dominated_cloud_as_a_density_and_the_front_as_points():
    t = _random_table(5000)
    front = compute_pareto(t, ["auc", "ms"])
    fig = F.make_tradeoff_figure(t, "auc", "ms", front, colours=F.candidate_colours(t.candidates), webgl=False)
    (density,) = [d for d in fig.data if isinstance(d, go.Heatmap)]
    assert np.nansum(np.asarray(density.z, dtype=float)) == 5000 - len(front.front)  # every dominated one counted
    (points,) = [d for d in fig.data if getattr(d, "mode", None) == "markers"]
    assert sorted(points.customdata) == sorted(front.front) and isinstance(points, go.Scatter)
    assert "drawn as a density" in fig.layout.meta["subtitle"]
    small = F.make_tradeoff_figure(_random_table(300), "auc", "ms", compute_pareto(_random_table(300), ["auc", "ms"]))
    assert not any(isinstance(d, go.Heatmap) for d in small.data)  # few candidates: every one a point


def test_parallel_coordinates_put_better_up(table, builtin):
    objs = ["roc_auc", "latency_ms_p99"]
    front = compute_pareto(table, objs)
    fig = F.make_parallel_figure(table, objs, front, colours=F.candidate_colours(builtin.candidate_names))
    lines = {t.name.removesuffix(" ★"): t for t in fig.data}
    auc = table.values[:, table.column("roc_auc")]
    latency = table.values[:, table.column("latency_ms_p99")]
    best_auc = table.candidates[int(np.nanargmax(auc))]
    fastest = table.candidates[int(np.nanargmin(latency))]
    assert lines[best_auc].y[0] == 1.0  # the highest ROC AUC at the top of its axis
    assert lines[fastest].y[1] == 1.0  # the lowest latency at the top of its (reversed) axis
    assert {n for n, t in lines.items() if t.name.endswith("★")} == set(front.front)


def test_latency_figure_draws_the_slo_on_the_log_axis(builtin):
    entries = [dict(e) for e in builtin.sections["serving"]["candidates"]]
    fig = F.make_latency_figure(entries, slo_ms=50, colours=F.candidate_colours(builtin.candidate_names))
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.shapes[0].x0 == 50 and math.isclose(fig.layout.annotations[0].x, math.log10(50))
    assert {t.name for t in fig.data if t.showlegend is not False} >= {"p50", "p99", "max"}


def test_decision_figures_follow_the_record(builtin):
    d = build_decision(builtin, default_profiles(), random_state=0, n_samples=50, group_samples=20)
    regret = F.make_regret_figure(d.group, chosen=d.chosen)
    assert f"{d.chosen} ✔" in regret.data[0].x
    r = d.profiles[0]
    ranking = F.make_ranking_figure(r.score, feasibility=r.feasibility, top=5)
    assert len(ranking.data[0].y) == 5 and ranking.data[0].y[0].startswith(r.score.order[0])
    bars = F.ranking_bars(r.score, feasibility=r.feasibility, top=5)
    html = F.ranking_html(bars)
    assert [b.candidate for b in bars] == [y.removesuffix(" (infeasible)") for y in ranking.data[0].y]
    assert html.count("<div title=") == 5 and html.count("(infeasible)") == sum(not b.feasible for b in bars)
    assert all(f"{b.score:.3f}</span>" in html for b in bars)
    assert F.make_weight_stability_figure(r.sensitivity.stability).layout.title.text.startswith("Safe range")
    assert F.make_acceptability_figure(r.sensitivity.acceptability).data[0].z.shape[0] > 0


def test_ranking_html_escapes_names_and_draws_negative_scores_left_of_zero():
    bars = [
        F.RankingBar('<img src=x onerror="alert(1)">', 0.5, True, "#4E79A7", ("a: +0.5",)),
        F.RankingBar("neg", -0.25, False, '"><script>', ("breaks x <= 1",)),
    ]
    html = F.ranking_html(bars, caption="<i>c</i>")
    assert "<img" not in html and "<script" not in html and "<i>c" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    # the span is [-0.25, 0.5]: zero sits at a third, the negative bar fills the first third
    assert "left:33.33%;width:66.67%" in html and "left:0.00%;width:33.33%" in html
    shares = F.ranking_html([F.RankingBar("a", 0.25, True, "#4E79A7", ())], fmt="{:.0%}".format, span=(0.0, 1.0))
    assert "left:0.00%;width:25.00%" in shares and ">25%</span>" in shares  # a fixed axis, values as percentages


@pytest.mark.parametrize(
    "build",
    [
        lambda sc, c: F.make_roc_figure(sc.sections["curves"], colours=c),
        lambda sc, c: F.make_pr_figure(sc.sections["curves"], colours=c, prevalence=0.2),
        lambda sc, c: F.make_calibration_figure(sc.sections["curves"], colours=c),
        lambda sc, c: F.make_confusion_figure(sc.sections["curves"]["knn"]["confusion_matrix"], ["0", "1"]),
        lambda sc, c: F.make_throughput_figure([dict(e) for e in sc.sections["serving"]["candidates"]], colours=c),
        lambda sc, c: F.make_importance_comparison_figure(dict(sc.sections["explanations"]["candidates"])),
        lambda sc, c: F.make_psi_figure(sc.sections["drift"]["features"]),
        lambda sc, c: F.make_backtest_figure(sc.sections["backtest"]["rows"], sc.sections["backtest"]["supplied"]),
        lambda sc, c: F.make_window_figure(sc.windows_frame(), sc.objective("roc_auc"), colours=c),
        lambda sc, c: F.make_slice_figure(sc.slices_frame().query("attribute == 'income_band'"), "accuracy", colours=c),
    ],
)
def test_every_figure_has_a_title_and_data(builtin, build):
    fig = build(builtin, F.candidate_colours(builtin.candidate_names))
    assert fig.layout.title.text and len(fig.data) > 0


def test_curves_use_the_candidate_colours(builtin):
    colours = F.candidate_colours(builtin.candidate_names)
    roc = F.make_roc_figure(builtin.sections["curves"], colours=colours)
    drawn = {t.name.removesuffix(" ◆"): t.line.color if t.mode == "lines" else t.marker.color for t in roc.data}
    assert {n: drawn[n] for n in builtin.candidate_names} == colours


def test_fmt_says_missing_never_zero():
    assert F.fmt(None) == "missing" and F.fmt(float("nan")) == "missing" and F.fmt(0.0) == "0.000"
