"""Report figures: the dashboard's figure builders, fed from a :class:`Report` (no I/O, no Streamlit).

Every chart that has a dashboard counterpart is drawn by the :mod:`analysis.figures` builder the
dashboard uses, so a chart fixed once is fixed in both places: this module only adapts the
report's record into what the builder takes (a :class:`~analysis.decision.DecisionTable`, value
and interval maps, serving entries...) and passes the report's settings (its width, SVG rather
than WebGL) as arguments. The one chart without a dashboard counterpart (fairness measures across
attributes) is built here, with the same finisher (:func:`analysis.figures.fit_title` and the
shared ``finish``) and number format (:func:`analysis.figures.fmt`).

Each ``make_report_*_figure`` returns ``None`` when the report has nothing to draw. Colours come
from :func:`analysis.figures.candidate_colours` in scorecard order, so a candidate has the same
colour here as in the dashboard; with more candidates than distinct colours, charts colour by
Pareto-front membership instead. Every user-supplied string (candidate, objective, feature and
profile names) passes through :func:`~analysis.report._format.plotly_text` before it reaches a
builder, so plotly's label HTML shows it literally. Axes of "min" objectives are reversed: better
is up and to the right.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.decision import DecisionTable, GroupResult, ParetoResult
from analysis.figures import (
    DOMINATED_COLOUR,
    FRONT_COLOUR,
    MAX_DISTINCT,
    candidate_colours,
    fit_title,
    fmt,
    make_cost_figure,
    make_importance_comparison_figure,
    make_interval_figure,
    make_latency_figure,
    make_psi_figure,
    make_regret_figure,
    make_tradeoff_figure,
    make_win_share_figure,
    make_window_figure,
)
from analysis.figures._style import finish, side_by_side
from analysis.objectives import Objective
from analysis.report._format import interval_phrase, plotly_text
from analysis.report._record import Report

#: At most this many candidates in a bar, dot or heatmap chart (the chosen one and the runners-up first).
MAX_SHOWN = 25
#: At most this many lines in the per-window chart.
MAX_LINES = 10
#: The width, in CSS pixels, report charts are laid out for (titles wrapped to it): the PDF draws
#: them at this width, and the HTML page's column is about as wide.
REPORT_WIDTH = 900
_NEUTRAL = "#6B6B6B"


def report_colours(report: Report) -> dict[str, str]:
    """``{candidate: colour}`` in scorecard order (the dashboard's palette)."""
    return candidate_colours(report.candidate_names)


def _distinct(report: Report) -> bool:
    return len(report.candidates) <= MAX_DISTINCT


def _colours_of(report: Report, names, colours: dict[str, str]) -> list[str]:
    """Each name's colour: its own while few, else front/dominated (the front's names are collected once)."""
    if _distinct(report):
        return [colours.get(name, _NEUTRAL) for name in names]
    front = {c["name"] for c in report.candidates if c.get("pareto_optimal")}
    return [FRONT_COLOUR if name in front else DOMINATED_COLOUR for name in names]


def focus_order(report: Report) -> list[str]:
    """Candidates in reading order: chosen, runners-up, the rest the group considered, then the others."""
    first: list[str] = []
    if report.choice is not None:
        first = [report.choice.get("chosen"), *report.choice.get("runners_up", ())]
        first += list(report.choice.get("considered", ()))
    names = [c for c in first if c] + list(report.candidate_names)
    return list(dict.fromkeys(names))


def shown_candidates(report: Report, limit: int = MAX_SHOWN) -> tuple[list[str], int]:
    """The candidates a chart shows (in scorecard order) and how many it leaves out."""
    keep = set(focus_order(report)[:limit])
    shown = [c for c in report.candidate_names if c in keep]
    return shown, len(report.candidates) - len(shown)


def _label(report: Report, objective: str) -> tuple[str, str, str]:
    o = report.objective(objective)
    if o is None:
        return objective, "", "max"
    return str(o["label"]), str(o.get("unit") or ""), str(o["direction"])


def _wrap(text: str, width: int = 20) -> str:
    """Break a long chart title onto two lines at the space nearest its middle."""
    if len(text) <= width or " " not in text:
        return text
    mid = len(text) // 2
    cut = min((i for i, ch in enumerate(text) if ch == " "), key=lambda i: abs(i - mid))
    return text[:cut] + "<br>" + text[cut + 1 :]


def _more(n: int) -> str:
    return f" {n:,} more candidate(s) not shown (see the tables)." if n > 0 else ""


def _colour_map(report: Report) -> dict[str, str]:
    """``{shown name: colour}`` for the builders: candidate colours, or front/dominated past the palette."""
    colours = report_colours(report)
    names = list(report.candidate_names)
    return {plotly_text(c): col for c, col in zip(names, _colours_of(report, names, colours), strict=True)}


def _objective(report: Report, name: str) -> Objective:
    """The report's objective as an :class:`Objective`, its label and unit made safe for plotly."""
    label, unit, direction = _label(report, name)
    unit = "" if unit == "yes=1" else unit
    return Objective(name=name, label=plotly_text(label), unit=plotly_text(unit), direction=direction)  # type: ignore[arg-type]


def _value(m) -> float:
    return float("nan") if m is None or m.get("value") is None else float(m["value"])


def _bound(m, key: str) -> float:
    return float("nan") if m is None or m.get(key) is None else float(m[key])


# ---- the trade-off ---------------------------------------------------------------------------------
def make_report_tradeoff_figure(report: Report) -> go.Figure | None:
    """Two key objectives against each other, the Pareto front over them, the chosen candidate ringed.

    Drawn by :func:`analysis.figures.make_tradeoff_figure` from a two-column decision table with the
    report's values and intervals, and the front the report recorded.
    """
    t = (report.why or {}).get("tradeoff")
    if not t or t["x"] == t["y"]:
        return None
    x, y = t["x"], t["y"]
    metrics = report.metric_map()
    names = list(report.candidate_names)
    cols = (x, y)
    values = np.array([[_value(metrics.get((c, o))) for o in cols] for c in names], dtype=float).reshape(-1, 2)
    if not np.any(np.isfinite(values).all(axis=1)):
        return None
    low = np.array([[_bound(metrics.get((c, o)), "ci_low") for o in cols] for c in names], dtype=float)
    high = np.array([[_bound(metrics.get((c, o)), "ci_high") for o in cols] for c in names], dtype=float)
    shown = tuple(plotly_text(c) for c in names)
    table = DecisionTable(
        candidates=shown,
        objectives=(_objective(report, x), _objective(report, y)),
        values=values,
        ci_low=low.reshape(-1, 2),
        ci_high=high.reshape(-1, 2),
    )
    front = set(t.get("front", ()))
    pareto = ParetoResult(
        objectives=cols,
        candidates=shown,
        is_optimal=tuple(c in front for c in names),
        front_rank=tuple(1 if c in front else 2 for c in names),
        dominated_by=(None,) * len(names),
        dominator_count=None,
        excluded=(),
        knees=(),
        trades=(),
    )
    infeasible = [plotly_text(c["name"]) for c in report.candidates if c.get("feasible") is False]
    fig = make_tradeoff_figure(
        table,
        x,
        y,
        pareto,
        colours=_colour_map(report),
        highlight=plotly_text(report.chosen) if report.chosen else None,
        intervals=True,
        infeasible=infeasible,
        webgl=False,
    )
    return fit_title(fig, REPORT_WIDTH)


def make_report_interval_figure(report: Report, objective: str | None = None) -> go.Figure | None:
    """One objective's value and confidence interval per candidate, best on top.

    Drawn by :func:`analysis.figures.make_interval_figure`; the chosen candidate is marked ★.
    """
    if objective is None:
        t = (report.why or {}).get("tradeoff") or {}
        objective = t.get("y") or next((o["name"] for o in report.objectives if o["group"] == "quality"), None)
    if objective is None:
        return None
    metrics = report.metric_map()
    shown, more = shown_candidates(report)
    rows = [(c, metrics.get((c, objective))) for c in shown]
    rows = [(c, m) for c, m in rows if m is not None and m["value"] is not None]
    if not rows:
        return None
    obj = _objective(report, objective)
    sub = (
        f"Best first; the bars are {interval_phrase(report.confidence, 'confidence intervals')}: overlapping bars "
        "may be a tie." + _more(more)
    )
    fig = make_interval_figure(
        obj,
        {plotly_text(c): float(m["value"]) for c, m in rows},
        {plotly_text(c): (m["ci_low"], m["ci_high"]) for c, m in rows},
        colours=_colour_map(report),
        title=f"{obj.label}: is the difference real?",
        subtitle=sub,
    )
    return fit_title(fig, REPORT_WIDTH)


# ---- the group -------------------------------------------------------------------------------------
def make_report_regret_figure(report: Report) -> go.Figure | None:
    """Regret of each stakeholder (rows) for each considered candidate (columns).

    Drawn by :func:`analysis.figures.make_regret_figure` from the report's regret table.
    """
    why = report.why or {}
    regret = why.get("regret") or {}
    if not regret:
        return None
    considered = list((report.choice or {}).get("considered", ()))
    keep = set(focus_order(report)[:MAX_SHOWN])
    cols = [c for c in considered if c in keep]
    roles = {p["name"]: p["role"] for p in why.get("profiles", ())}
    profiles = list(regret)
    z = tuple(tuple(float("nan") if regret[p].get(c) is None else float(regret[p][c]) for c in cols) for p in profiles)
    group = GroupResult(
        profiles=tuple(profiles),
        candidates=tuple(plotly_text(c) for c in cols),
        basis="",
        utilities=z,
        regret=z,
        rules=(),
        rule="",
        winner=None,
        disagree=False,
        condorcet_winner=None,
        warnings=(),
    )
    fig = make_regret_figure(
        group,
        chosen=plotly_text(report.chosen) if report.chosen else None,
        height=230 + 36 * len(profiles),
        labels={p: plotly_text(roles.get(p, p)) for p in profiles},
        note=_more(len(considered) - len(cols)).strip(),
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return fit_title(fig, REPORT_WIDTH)


def make_report_win_share_figure(report: Report) -> go.Figure | None:
    """Share of re-runs (weights and values resampled) in which the group rule picks each candidate.

    Drawn by :func:`analysis.figures.make_win_share_figure`.
    """
    rob = report.robustness or {}
    share = rob.get("win_share") or {}
    if not share or not rob.get("n_samples"):
        return None
    items = sorted(share.items(), key=lambda cv: -cv[1])[:MAX_SHOWN]
    n_compared = len((report.choice or {}).get("considered", ())) or len(share)
    sub = (
        f"{rob['n_samples']:,} re-runs among the {n_compared} compared candidates, with the weights of every "
        "stakeholder taking part and the measured values resampled."
    )
    fig = make_win_share_figure(
        [(plotly_text(c), float(v)) for c, v in items],
        colours=_colour_map(report),
        height=130 + 28 * len(items),
        subtitle=sub,
    )
    fig.update_yaxes(type="category")
    return fit_title(fig, REPORT_WIDTH)


# ---- fairness, serving, explanations, drift ----------------------------------------------------------
_SYMBOLS = ("circle", "diamond", "square", "triangle-up", "cross", "star")


def make_report_fairness_figure(report: Report) -> go.Figure | None:
    """Each fairness measure per candidate and sensitive attribute (marker shape = attribute).

    Report-only: the dashboard draws one measure of one attribute at a time
    (:func:`analysis.figures.make_disparity_figure`); this panel puts up to four side by side.
    """
    f = report.fairness
    if not f or not f.get("rows"):
        return None
    metrics = list(f.get("metrics", ()))[:4]
    if not metrics:
        return None
    shown, more = shown_candidates(report)
    keep = set(shown)
    labels = [_label(report, m) for m in metrics]
    fig = make_subplots(
        rows=1,
        cols=len(metrics),
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=[
            _wrap(plotly_text(lab) + (" ↑" if d == "max" else " ↓")) if report.objective(m) else _wrap(plotly_text(m))
            for m, (lab, _, d) in zip(metrics, labels, strict=True)
        ],
    )
    colours = report_colours(report)
    attrs = list(f.get("attributes", ()))
    for a_i, attr in enumerate(attrs):
        rows = [r for r in f["rows"] if r["attribute"] == attr and r["candidate"] in keep]
        for j, m in enumerate(metrics):
            pts = [(r["candidate"], r.get(m)) for r in rows if r.get(m) is not None]
            fig.add_trace(
                go.Scatter(
                    x=[v for _, v in pts],
                    y=[plotly_text(c) for c, _ in pts],
                    mode="markers",
                    name=plotly_text(attr),
                    legendgroup=f"a{a_i}",
                    showlegend=j == 0,
                    marker={
                        "symbol": _SYMBOLS[a_i % len(_SYMBOLS)],
                        "size": 10,
                        "color": _colours_of(report, [c for c, _ in pts], colours),
                        "line": {"color": "#333", "width": 1},
                    },
                    hovertext=[f"{plotly_text(c)} · {plotly_text(attr)}: {fmt(v)}" for c, v in pts],
                    hoverinfo="text",
                ),
                row=1,
                col=j + 1,
            )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(legend={"orientation": "h", "y": -0.12, "x": 0})
    sub = "Marker shape = sensitive attribute; colour = candidate. ↑ higher is better, ↓ lower is better." + _more(more)
    # Room between the subtitle and the plot for the panel titles (two lines at most).
    return finish(
        fig, "Fairness across groups", height=190 + 24 * len(shown), subtitle=sub, width=REPORT_WIDTH, top_extra=44
    )


def make_report_serving_figure(report: Report) -> go.Figure | None:
    """Single-row latency (median to p99) and the cost per million predictions, per candidate.

    The dashboard's latency and cost figures (:func:`analysis.figures.make_latency_figure`,
    :func:`analysis.figures.make_cost_figure`) side by side.
    """
    s = report.serving
    if not s or not s.get("rows"):
        return None
    shown, more = shown_candidates(report)
    keep = set(shown)
    rows = [r for r in s["rows"] if r["candidate"] in keep or r.get("variant")]
    rows = [r for r in rows if r.get("figures")]
    if not rows:
        return None
    colours = _colour_map(report)
    entries = []
    for r in rows:
        p50, p99 = r["figures"].get("latency_ms_p50"), r["figures"].get("latency_ms_p99")
        latency = {k: v for k, v in (("p50_ms", p50), ("p99_ms", p99)) if v is not None}
        entries.append(
            {
                "name": plotly_text(r["candidate"]),
                "kind": "variant" if r.get("variant") else "candidate",
                "latency": latency or None,
            }
        )
    costs = [(plotly_text(r["candidate"]), r["figures"].get("cost_usd_per_million"), None) for r in rows]
    latency_fig = make_latency_figure(entries, colours=colours)
    cost_fig = make_cost_figure(costs, colours=colours)
    a = s.get("assumptions") or {}
    inst = f" on {plotly_text(a['instance'])} at {a.get('usd_per_hour')} USD/h" if a.get("instance") else ""
    sub = f"Latency: one request at a time, ● p50 (typical) to ▲ p99 (the slow tail). Cost{inst} (see the assumptions)."
    fig = side_by_side(
        latency_fig,
        cost_fig,
        "Speed and cost",
        subtitle=sub + _more(more),
        height=170 + 26 * len(rows),
        width=REPORT_WIDTH,
    )
    fig.update_layout(showlegend=False)  # the subtitle names the markers: a legend would crowd the axis titles
    return fig


def make_report_importance_figure(report: Report, *, max_features: int = 12) -> go.Figure | None:
    """Share of each model's attribution on its most important features (a heatmap).

    Drawn by :func:`analysis.figures.make_importance_comparison_figure`; ⚠ marks a sensitive
    attribute or a proxy for one.
    """
    e = report.explanations
    if not e or not e.get("rows"):
        return None
    shown, more = shown_candidates(report)
    keep = set(shown)
    rows = [r for r in e["rows"] if r["candidate"] in keep and r.get("importance")]
    if not rows:
        return None
    candidates = {
        plotly_text(r["candidate"]): {
            "global_importance": [
                {"feature": plotly_text(f), "share": float(v)} for f, v in r["importance"].items() if v is not None
            ]
        }
        for r in rows
    }
    flagged = {p["feature"] for p in e.get("proxies", ())} | set(e.get("sensitive_attributes", ()))
    fig = make_importance_comparison_figure(
        candidates, top=max_features, flagged=[plotly_text(f) for f in flagged], note=_more(more).strip()
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return fit_title(fig, REPORT_WIDTH)


def make_report_decay_figure(report: Report) -> go.Figure | None:
    """The decay metric per time window, one line per candidate (chosen and runners-up first).

    Drawn by :func:`analysis.figures.make_window_figure`; the chosen model's line is thick.
    """
    d = (report.drift or {}).get("decay")
    if not d or not d.get("candidates"):
        return None
    windows = [str(w) for w in d.get("windows", ())]
    order = set([c for c in focus_order(report) if c in d["candidates"]][:MAX_LINES])
    metric = str(d.get("metric") or "")
    rows = [
        {"candidate": plotly_text(c), "window": w, metric: (d["candidates"][c].get("series") or {}).get(w)}
        for c in report.candidate_names
        if c in order
        for w in windows
    ]
    frame = pd.DataFrame(rows, columns=["candidate", "window", metric])
    frame[metric] = frame[metric].astype(float)
    left = len(d["candidates"]) - len(order)
    sub = "Thick line: the chosen model." + (f" {left} more candidate(s) not shown." if left > 0 else "")
    fig = make_window_figure(
        frame,
        _objective(report, metric),
        colours=_colour_map(report),
        highlight=plotly_text(report.chosen) if report.chosen else None,
        subtitle=sub,
    )
    return fit_title(fig, REPORT_WIDTH)


def make_report_drift_figure(report: Report, *, top: int = 20) -> go.Figure | None:
    """Population stability index of each input feature, current window against the reference.

    Drawn by :func:`analysis.figures.make_psi_figure`.
    """
    f = (report.drift or {}).get("features")
    if not f or not f.get("features"):
        return None
    feats = sorted((x for x in f["features"] if x.get("psi") is not None), key=lambda x: (-x["psi"], str(x["feature"])))
    if not feats:
        return None
    features = [
        {"feature": plotly_text(x["feature"]), "psi": float(x["psi"]), "reading": plotly_text(x.get("reading") or "")}
        for x in feats
    ]
    fig = make_psi_figure(features, top=top, windows=plotly_text(f"{f.get('current')} against {f.get('reference')}"))
    fig.update_yaxes(type="category")
    return fit_title(fig, REPORT_WIDTH)


def make_report_operating_point_figure(report: Report) -> go.Figure | None:
    """The chosen operating point's curve, the deployed threshold marked; None unless the choice is one.

    Precision, recall and selection rate against the threshold, and the net value per 1,000 on a
    second axis when the scorecard has a value matrix.
    """
    op = (report.choice or {}).get("operating_point") or {}
    curve = op.get("curve")
    if not curve:
        return None
    t = curve["thresholds"]
    fig = go.Figure()
    for key, label, dash in (
        ("precision", "precision", "solid"),
        ("recall", "recall", "dash"),
        ("selection_rate", "selection rate", "dot"),
    ):
        fig.add_trace(go.Scatter(x=t, y=curve[key], mode="lines", name=label, line={"dash": dash, "width": 2}))
    if curve.get("value_per_1k"):
        fig.add_trace(
            go.Scatter(x=t, y=curve["value_per_1k"], mode="lines", name="net value per 1,000", yaxis="y2",
                       line={"color": "#59A14F", "width": 2})
        )  # fmt: skip
        fig.update_layout(
            yaxis2={"overlaying": "y", "side": "right", "title": "net value per 1,000", "showgrid": False}
        )
    threshold = op.get("threshold")
    if isinstance(threshold, int | float):
        fig.add_vline(x=threshold, line={"color": "#C62828", "width": 2}, annotation_text=f"deploy at {threshold:.3g}")
    fig.update_xaxes(title_text=f"threshold on {op.get('parent')}'s score (positive at or above it)")
    fig.update_layout(
        yaxis={"title": {"text": "rate"}, "range": [0, 1]},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
    )
    if op.get("split") is None and not op.get("fold_thresholds"):
        sub = "All rows (the stored curve); the threshold was set by hand on these same rows (see 'Deploy at')."
    elif isinstance(threshold, int | float):
        sub = "All rows (the stored curve); the operating point's own figures are cross-fitted."
    else:
        sub = "All rows; the chosen rule sets a threshold per group (see 'Deploy at')."
    title = f"The curve the operating point was picked from: {op.get('parent')}"
    return finish(fig, title, height=420, subtitle=sub, width=REPORT_WIDTH)


#: ``(figure id, section, builder)`` in the order the report shows them.
FIGURES: tuple[tuple[str, str, Callable[[Report], go.Figure | None]], ...] = (
    ("operating-point", "choice", make_report_operating_point_figure),
    ("tradeoff", "why", make_report_tradeoff_figure),
    ("regret", "why", make_report_regret_figure),
    ("win-share", "robustness", make_report_win_share_figure),
    ("intervals", "metrics", make_report_interval_figure),
    ("fairness", "fairness", make_report_fairness_figure),
    ("importance", "explanations", make_report_importance_figure),
    ("serving", "serving", make_report_serving_figure),
    ("decay", "drift", make_report_decay_figure),
    ("drift", "drift", make_report_drift_figure),
)


def make_report_figures(report: Report) -> dict[str, go.Figure]:
    """Every figure the report has data for, keyed by figure id (in :data:`FIGURES` order)."""
    out = {}
    for fid, _, builder in FIGURES:
        fig = builder(report)
        if fig is not None:
            out[fid] = fig
    return out
