"""Report figures: pure functions from a :class:`Report` to plotly figures (no I/O, no Streamlit).

Each ``make_report_*_figure`` returns ``None`` when the report has nothing to draw. Colours come
from :func:`analysis.figures.candidate_colours` in scorecard order, so a candidate has the same
colour here as in the dashboard; with more candidates than distinct colours, charts colour by
Pareto-front membership instead. Every user-supplied string (candidate, objective, feature and
profile names) passes through :func:`~analysis.report._format.plotly_text`, so plotly's label HTML
shows it literally. Axes of "min" objectives are reversed: better is up and to the right.
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.figures import DOMINATED_COLOUR, FRONT_COLOUR, MAX_DISTINCT, REFERENCE_COLOUR, candidate_colours
from analysis.report._format import fmt_number, interval_phrase, plotly_text
from analysis.report._record import Report

#: At most this many candidates in a bar, dot or heatmap chart (the chosen one and the runners-up first).
MAX_SHOWN = 25
#: At most this many lines in the per-window chart.
MAX_LINES = 10
FONT_SIZE = 13
_NEUTRAL = "#6B6B6B"


def _finish(fig: go.Figure, title: str, *, height: int, subtitle: str | None = None) -> go.Figure:
    text = f"{title}<br><sup>{subtitle}</sup>" if subtitle else title
    fig.update_layout(
        template="plotly_white",
        title={"text": text, "x": 0.0, "xanchor": "left", "font": {"size": FONT_SIZE + 3}},
        font={"size": FONT_SIZE},
        height=height,
        margin={"l": 10, "r": 10, "t": 84 if subtitle else 60, "b": 10},
        legend={"title": {"text": ""}},
        hoverlabel={"font": {"size": FONT_SIZE}},
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def report_colours(report: Report) -> dict[str, str]:
    """``{candidate: colour}`` in scorecard order (the dashboard's palette)."""
    return candidate_colours(report.candidate_names)


def _distinct(report: Report) -> bool:
    return len(report.candidates) <= MAX_DISTINCT


def _colour(report: Report, name: str, colours: dict[str, str]) -> str:
    if _distinct(report):
        return colours.get(name, _NEUTRAL)
    front = {c["name"] for c in report.candidates if c.get("pareto_optimal")}
    return FRONT_COLOUR if name in front else DOMINATED_COLOUR


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


def _axis_title(report: Report, objective: str, arrow: str) -> str:
    label, unit, _ = _label(report, objective)
    unit = "" if unit == "yes=1" else unit
    return plotly_text(label + (f" ({unit})" if unit else "")) + f"  · better {arrow}"


def _wrap(text: str, width: int = 20) -> str:
    """Break a long chart title onto two lines at the space nearest its middle."""
    if len(text) <= width or " " not in text:
        return text
    mid = len(text) // 2
    cut = min((i for i, ch in enumerate(text) if ch == " "), key=lambda i: abs(i - mid))
    return text[:cut] + "<br>" + text[cut + 1 :]


#: Share of the data span added beyond the bars' ends so that outside labels fit on the axis.
LABEL_PAD = 0.22
_INK = "#1d2330"


def bar_label_range(values, *, pad: float = LABEL_PAD, log: bool = False) -> list[float] | None:
    """An axis range with room for labels outside both ends of the bars (any sign); None without values.

    The range always includes 0 (bars start there) on a linear axis; on a log axis it is in
    powers of ten, as plotly expects. Negative bars get room on the left, positive ones on the right.
    """
    import math

    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if log:
        vals = [math.log10(v) for v in vals if v > 0]
        if not vals:
            return None
        lo, hi = min(vals), max(vals)
        span = max(hi - lo, 0.5)  # in decades
        return [lo - 0.1 * span, hi + pad * span]
    if not vals:
        return None
    lo, hi = min(0.0, *vals), max(0.0, *vals)
    span = (hi - lo) or 1.0
    return [lo - pad * span if lo < 0 else lo, hi + pad * span if hi > 0 else hi]


def bar_label_style() -> dict:
    """Trace settings for bar labels readable whatever the bar's sign: outside its end, never clipped."""
    return {"textposition": "outside", "cliponaxis": False, "textfont": {"color": _INK}}


def _more(n: int) -> str:
    return f" {n:,} more candidate(s) not shown (see the tables)." if n > 0 else ""


# ---- the trade-off ---------------------------------------------------------------------------------
def make_report_tradeoff_figure(report: Report) -> go.Figure | None:
    """Two key objectives against each other, the Pareto front over them, the chosen candidate ringed."""
    t = (report.why or {}).get("tradeoff")
    if not t:
        return None
    x, y = t["x"], t["y"]
    metrics = report.metric_map()
    colours = report_colours(report)
    front = set(t.get("front", ()))
    infeasible = {c["name"] for c in report.candidates if c.get("feasible") is False}
    _, xu, xd = _label(report, x)
    _, yu, yd = _label(report, y)
    pts = []
    for c in report.candidate_names:
        mx, my = metrics.get((c, x)), metrics.get((c, y))
        if mx is None or my is None or mx["value"] is None or my["value"] is None:
            continue
        pts.append((c, mx, my))
    if not pts:
        return None
    fig = go.Figure()

    def err(m) -> dict | None:
        if m["ci_low"] is None or m["ci_high"] is None:
            return None
        return {
            "type": "data",
            "symmetric": False,
            "array": [max(m["ci_high"] - m["value"], 0.0)],
            "arrayminus": [max(m["value"] - m["ci_low"], 0.0)],
            "thickness": 1,
            "width": 0,
        }

    def hover(c, mx, my) -> str:
        status = "on the Pareto front" if c in front else "dominated on these two"
        if c in infeasible:
            status += "; breaks a hard constraint"
        return (
            f"<b>{plotly_text(c)}</b><br>{_axis_title(report, x, '').split('  ·')[0]}: {fmt_number(mx['value'], xu)}"
            f"<br>{_axis_title(report, y, '').split('  ·')[0]}: {fmt_number(my['value'], yu)}<br>{status}"
        )

    if _distinct(report):
        for c, mx, my in pts:
            on = c in front
            colour = colours[c]
            fig.add_trace(
                go.Scatter(
                    x=[mx["value"]],
                    y=[my["value"]],
                    mode="markers",
                    name=plotly_text(c),
                    marker={
                        "color": colour,
                        "size": 14 if on else 10,
                        "symbol": "x" if c in infeasible else "circle",
                        "opacity": 1.0 if on else 0.6,
                        "line": {"color": FRONT_COLOUR if on else "white", "width": 2 if on else 1},
                    },
                    error_x=err(mx),
                    error_y=err(my),
                    hovertext=[hover(c, mx, my)],
                    hoverinfo="text",
                )
            )
    else:
        for on, label, colour, size in (
            (False, "dominated", DOMINATED_COLOUR, 6),
            (True, "Pareto-optimal", FRONT_COLOUR, 8),
        ):
            sel = [p for p in pts if (p[0] in front) == on]
            fig.add_trace(
                go.Scatter(
                    x=[p[1]["value"] for p in sel],
                    y=[p[2]["value"] for p in sel],
                    mode="markers",
                    name=f"{label} ({len(sel):,})",
                    marker={"color": colour, "size": size, "opacity": 1.0 if on else 0.45},
                    hovertext=[hover(*p) for p in sel],
                    hoverinfo="text",
                )
            )
    fpts = [(mx["value"], my["value"]) for c, mx, my in pts if c in front]
    if len(fpts) > 1:
        sx = 1 if xd == "max" else -1
        sy = 1 if yd == "max" else -1
        fpts.sort(key=lambda p: (sx * p[0], -sy * p[1]))
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in fpts],
                y=[p[1] for p in fpts],
                mode="lines",
                name="Pareto front",
                line={"color": FRONT_COLOUR, "width": 1.5, "dash": "dash"},
                hoverinfo="skip",
            )
        )
    chosen = report.chosen
    for c, mx, my in pts:
        if c == chosen:
            fig.add_trace(
                go.Scatter(
                    x=[mx["value"]],
                    y=[my["value"]],
                    mode="markers+text",
                    name=f"chosen: {plotly_text(c)}",
                    text=[plotly_text(c)],
                    textposition="top center",
                    marker={"symbol": "circle-open", "size": 26, "color": FRONT_COLOUR, "line": {"width": 3}},
                    hoverinfo="skip",
                )
            )
    fig.update_xaxes(title_text=_axis_title(report, x, "→"), autorange="reversed" if xd == "min" else True)
    fig.update_yaxes(title_text=_axis_title(report, y, "↑"), autorange="reversed" if yd == "min" else True)
    sub = (
        f"{len(front)} of {len(pts)} candidates on the Pareto front of these two (none is better on both). "
        "Better is up and to the right; × breaks a hard constraint; bars are confidence intervals."
    )
    xl, yl = _label(report, x)[0], _label(report, y)[0]
    return _finish(fig, plotly_text(f"{yl} against {xl}"), height=500, subtitle=sub)


def make_report_interval_figure(report: Report, objective: str | None = None) -> go.Figure | None:
    """One objective's value and confidence interval per candidate, best on top."""
    if objective is None:
        t = (report.why or {}).get("tradeoff") or {}
        objective = t.get("y") or next((o["name"] for o in report.objectives if o["group"] == "quality"), None)
    if objective is None:
        return None
    label, unit, direction = _label(report, objective)
    metrics = report.metric_map()
    shown, more = shown_candidates(report)
    rows = [(c, metrics.get((c, objective))) for c in shown]
    rows = [(c, m) for c, m in rows if m is not None and m["value"] is not None]
    if not rows:
        return None
    rows.sort(key=lambda cm: -cm[1]["value"] if direction == "max" else cm[1]["value"])
    colours = report_colours(report)
    fig = go.Figure(
        go.Scatter(
            x=[m["value"] for _, m in rows],
            y=[plotly_text(c) for c, _ in rows],
            mode="markers",
            marker={"color": [_colour(report, c, colours) for c, _ in rows], "size": 11},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [(m["ci_high"] - m["value"]) if m["ci_high"] is not None else 0 for _, m in rows],
                "arrayminus": [(m["value"] - m["ci_low"]) if m["ci_low"] is not None else 0 for _, m in rows],
                "color": "#888",
                "thickness": 1.5,
                "width": 4,
            },
            hovertext=[
                f"<b>{plotly_text(c)}</b><br>{fmt_number(m['value'], unit)}"
                + (f" [{fmt_number(m['ci_low'])}, {fmt_number(m['ci_high'])}]" if m["ci_low"] is not None else "")
                for c, m in rows
            ],
            hoverinfo="text",
            showlegend=False,
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(
        title_text=_axis_title(report, objective, "→"), autorange="reversed" if direction == "min" else True
    )
    sub = (
        f"Best first; the bars are {interval_phrase(report.confidence, 'confidence intervals')}: overlapping bars "
        "may be a tie." + _more(more)
    )
    return _finish(fig, plotly_text(f"{label}: is the difference real?"), height=110 + 26 * len(rows), subtitle=sub)


# ---- the group -------------------------------------------------------------------------------------
def make_report_regret_figure(report: Report) -> go.Figure | None:
    """Regret of each stakeholder (rows) for each considered candidate (columns)."""
    why = report.why or {}
    regret = why.get("regret") or {}
    if not regret:
        return None
    considered = list((report.choice or {}).get("considered", ()))
    keep = set(focus_order(report)[:MAX_SHOWN])
    cols = [c for c in considered if c in keep]
    roles = {p["name"]: p["role"] for p in why.get("profiles", ())}
    profiles = list(regret)
    z = [[regret[p].get(c) for c in cols] for p in profiles]
    chosen = report.chosen
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[plotly_text(c) + (" ✔" if c == chosen else "") for c in cols],
            y=[plotly_text(roles.get(p, p)) for p in profiles],
            text=[["" if v is None else f"{v:.2f}" for v in row] for row in z],
            texttemplate="%{text}",
            colorscale=[[0, "#FFFFFF"], [1, "#D9822B"]],
            zmin=0,
            colorbar={"title": {"text": "regret"}},
            hovertemplate="%{y} with %{x}: regret %{z:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(tickangle=-30, type="category")
    fig.update_yaxes(autorange="reversed", type="category")
    sub = "0 = their favourite; 1 = the whole way from ideal to worst acceptable. ✔ chosen." + _more(
        len(considered) - len(cols)
    )
    return _finish(
        fig,
        "How much each stakeholder gives up with each candidate",
        height=230 + 36 * len(profiles),
        subtitle=sub,
    )


def make_report_win_share_figure(report: Report) -> go.Figure | None:
    """Share of re-runs (weights and values resampled) in which the group rule picks each candidate."""
    rob = report.robustness or {}
    share = rob.get("win_share") or {}
    if not share or not rob.get("n_samples"):
        return None
    items = sorted(share.items(), key=lambda cv: -cv[1])[:MAX_SHOWN]
    colours = report_colours(report)
    fig = go.Figure(
        go.Bar(
            x=[v for _, v in items],
            y=[plotly_text(c) for c, _ in items],
            orientation="h",
            marker={"color": [_colour(report, c, colours) for c, _ in items]},
            text=[f"{v:.0%}" for _, v in items],
            hovertemplate="%{y}: picked in %{x:.1%} of re-runs<extra></extra>",
            **bar_label_style(),
        )
    )
    fig.update_xaxes(
        range=[0, 1 + LABEL_PAD / 2],
        tickvals=[0, 0.25, 0.5, 0.75, 1],
        tickformat=".0%",
        title_text="share of re-runs won",
    )
    fig.update_yaxes(autorange="reversed", type="category")
    n_compared = len((report.choice or {}).get("considered", ())) or len(share)
    sub = (
        f"{rob['n_samples']:,} re-runs among the {n_compared} compared candidates, with the weights of every "
        "stakeholder taking part and the measured values resampled."
    )
    return _finish(fig, "How often the group rule picks each candidate", height=130 + 28 * len(items), subtitle=sub)


# ---- fairness, serving, explanations, drift ----------------------------------------------------------
_SYMBOLS = ("circle", "diamond", "square", "triangle-up", "cross", "star")


def make_report_fairness_figure(report: Report) -> go.Figure | None:
    """Each fairness measure per candidate and sensitive attribute (marker shape = attribute)."""
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
                        "color": [_colour(report, c, colours) for c, _ in pts],
                        "line": {"color": "#333", "width": 1},
                    },
                    hovertext=[f"{plotly_text(c)} · {plotly_text(attr)}: {fmt_number(v)}" for c, v in pts],
                    hoverinfo="text",
                ),
                row=1,
                col=j + 1,
            )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(legend={"orientation": "h", "y": -0.12, "x": 0})
    sub = "Marker shape = sensitive attribute; colour = candidate. ↑ higher is better, ↓ lower is better." + _more(more)
    _finish(fig, "Fairness across groups", height=190 + 24 * len(shown), subtitle=sub)
    fig.update_layout(margin={"t": 120})
    return fig


def make_report_serving_figure(report: Report) -> go.Figure | None:
    """Single-row latency (median to p99) and the cost per million predictions, per candidate."""
    s = report.serving
    if not s or not s.get("rows"):
        return None
    shown, more = shown_candidates(report)
    keep = set(shown)
    rows = [r for r in s["rows"] if r["candidate"] in keep or r.get("variant")]
    rows = [r for r in rows if r.get("figures")]
    if not rows:
        return None
    colours = report_colours(report)
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.05,
        subplot_titles=["Latency per row, median to p99 (ms) ↓", "Cost per million predictions (USD) ↓"],
    )
    names = [plotly_text(r["candidate"]) for r in rows]
    for r, name in zip(rows, names, strict=True):
        p50, p99 = r["figures"].get("latency_ms_p50"), r["figures"].get("latency_ms_p99")
        base = r["candidate"].split("[", 1)[0]
        colour = _colour(report, base, colours)
        if p50 is not None and p99 is not None:
            fig.add_trace(
                go.Scatter(
                    x=[p50, p99],
                    y=[name, name],
                    mode="lines+markers",
                    line={"color": colour, "width": 3},
                    marker={"symbol": ["circle", "diamond"], "size": [9, 11], "color": colour},
                    showlegend=False,
                    hovertext=f"{name}: median {fmt_number(p50, 'ms')}, p99 {fmt_number(p99, 'ms')}",
                    hoverinfo="text",
                ),
                row=1,
                col=1,
            )
    cost = [(n, r["figures"].get("cost_usd_per_million"), r) for n, r in zip(names, rows, strict=True)]
    cost = [(n, v, r) for n, v, r in cost if v is not None]
    if cost:
        fig.add_trace(
            go.Bar(
                x=[v for _, v, _ in cost],
                y=[n for n, _, _ in cost],
                orientation="h",
                marker={"color": [_colour(report, r["candidate"].split("[", 1)[0], colours) for _, _, r in cost]},
                text=[fmt_number(v) for _, v, _ in cost],
                showlegend=False,
                **bar_label_style(),
                hovertemplate="%{y}: %{x:.4g} USD per million<extra></extra>",
            ),
            row=1,
            col=2,
        )
    fig.update_xaxes(type="log", row=1, col=1)
    fig.update_xaxes(type="log", row=1, col=2, range=bar_label_range([v for _, v, _ in cost], log=True))
    fig.update_yaxes(autorange="reversed", type="category")
    a = s.get("assumptions") or {}
    inst = f"on {a['instance']} at {a.get('usd_per_hour')} USD/h" if a.get("instance") else ""
    sub = ("● median, ◆ p99, one request at a time; cost " + inst + " (see the assumptions).").replace("  ", " ")
    return _finish(fig, "Speed and cost", height=150 + 26 * len(rows), subtitle=sub + _more(more))


def make_report_importance_figure(report: Report, *, max_features: int = 12) -> go.Figure | None:
    """Share of each model's attribution on its most important features (a heatmap)."""
    e = report.explanations
    if not e or not e.get("rows"):
        return None
    shown, more = shown_candidates(report)
    keep = set(shown)
    rows = [r for r in e["rows"] if r["candidate"] in keep and r.get("importance")]
    if not rows:
        return None
    total: dict[str, float] = {}
    for r in rows:
        for f, v in r["importance"].items():
            total[f] = total.get(f, 0.0) + (v or 0.0)
    feats = sorted(total, key=lambda f: (-total[f], f))[:max_features]
    proxies = {p["feature"] for p in e.get("proxies", ())}
    sensitive = set(e.get("sensitive_attributes", ()))
    xl = [plotly_text(f) + (" ⚠" if f in proxies or f in sensitive else "") for f in feats]
    z = [[r["importance"].get(f) for f in feats] for r in rows]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=xl,
            y=[plotly_text(r["candidate"]) for r in rows],
            text=[["" if v is None else f"{v:.0%}" for v in row] for row in z],
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            colorbar={"title": {"text": "share"}, "tickformat": ".0%"},
            hovertemplate="%{y}: %{z:.1%} of attribution on %{x}<extra></extra>",
        )
    )
    fig.update_xaxes(tickangle=-35, type="category")
    fig.update_yaxes(autorange="reversed", type="category")
    sub = "Share of each model's total attribution per input feature; ⚠ a sensitive attribute or a proxy for one."
    return _finish(fig, "What each model relies on", height=230 + 26 * len(rows), subtitle=sub + _more(more))


def make_report_decay_figure(report: Report) -> go.Figure | None:
    """The decay metric per time window, one line per candidate (chosen and runners-up first)."""
    d = (report.drift or {}).get("decay")
    if not d or not d.get("candidates"):
        return None
    windows = list(d.get("windows", ()))
    order = [c for c in focus_order(report) if c in d["candidates"]][:MAX_LINES]
    colours = report_colours(report)
    chosen = report.chosen
    fig = go.Figure()
    for c in [c for c in report.candidate_names if c in order]:
        series = d["candidates"][c].get("series") or {}
        fig.add_trace(
            go.Scatter(
                x=windows,
                y=[series.get(w) for w in windows],
                mode="lines+markers",
                name=plotly_text(c),
                line={"color": _colour(report, c, colours), "width": 4 if c == chosen else 2},
                hovertemplate=plotly_text(c) + " %{x}: %{y:.3f}<extra></extra>",
            )
        )
    metric = str(d.get("metric") or "")
    label, _, direction = _label(report, metric)
    fig.update_xaxes(type="category", title_text="window")
    fig.update_yaxes(title_text=plotly_text(label) + (" · better ↑" if direction == "max" else " · better ↓"))
    left = len(d["candidates"]) - len(order)
    sub = "Thick line: the chosen model." + (f" {left} more candidate(s) not shown." if left > 0 else "")
    return _finish(fig, plotly_text(f"{label} over time"), height=440, subtitle=sub)


_READING_COLOUR = {"stable": "#59A14F", "moderate": "#EDC948", "major": REFERENCE_COLOUR}


def make_report_drift_figure(report: Report, *, top: int = 20) -> go.Figure | None:
    """Population stability index of each input feature, current window against the reference."""
    f = (report.drift or {}).get("features")
    if not f or not f.get("features"):
        return None
    feats = sorted(
        (x for x in f["features"] if x.get("psi") is not None), key=lambda x: (-x["psi"], str(x["feature"]))
    )[:top]
    if not feats:
        return None
    fig = go.Figure(
        go.Bar(
            x=[x["psi"] for x in feats],
            y=[plotly_text(x["feature"]) for x in feats],
            orientation="h",
            marker={"color": [_READING_COLOUR.get(str(x.get("reading")), _NEUTRAL) for x in feats]},
            text=[f"{x['psi']:.2f} {plotly_text(x.get('reading') or '')}" for x in feats],
            **bar_label_style(),
            hovertemplate="%{y}: PSI %{x:.3f}<extra></extra>",
            showlegend=False,
        )
    )
    for v in (0.1, 0.25):
        fig.add_vline(x=v, line={"color": REFERENCE_COLOUR, "dash": "dot", "width": 1})
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(
        title_text="population stability index (PSI)",
        range=bar_label_range([x["psi"] for x in feats] + [0.25], pad=0.4),
    )
    sub = plotly_text(
        f"{f.get('current')} against {f.get('reference')}; dotted lines at 0.1 (moderate) and 0.25 (major)."
    )
    return _finish(fig, "Which inputs have shifted", height=130 + 24 * len(feats), subtitle=sub)


#: ``(figure id, section, builder)`` in the order the report shows them.
FIGURES: tuple[tuple[str, str, Callable[[Report], go.Figure | None]], ...] = (
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
