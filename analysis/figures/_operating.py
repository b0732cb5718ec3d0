"""Operating points: a candidate's rates against its threshold, per group, and every operating point at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from analysis.figures._palette import CANDIDATE_PALETTE, FRONT_COLOUR
from analysis.figures._style import finish, objective_title
from analysis.objectives import Objective
from analysis.operating_points import Curve, GroupCounts, PointCounts, rates_of

VALUE_COLOUR = "#59A14F"
MARK_COLOUR = "#C62828"
#: Candidates whose whole curve is drawn in the cloud at most (the front's points are always drawn).
CLOUD_CURVES = 30
#: Groups drawn one line each in the per-group figure at most.
GROUP_LINES = 12


def _rates(g: GroupCounts) -> dict[str, np.ndarray]:
    """Every rate of ``g``'s groups at every threshold, ``(groups, thresholds)``."""
    return rates_of(PointCounts(g.groups, g.n[:, None], g.pos[:, None], g.pred_pos, g.tp))


def make_threshold_figure(curve: Curve, *, index: int | None, value: bool = True, height: int = 400) -> go.Figure:
    """Precision, recall and selection rate of all rows against the threshold; net value per 1,000 on a second axis.

    ``index`` marks the chosen stored threshold (None: thresholds per group, nothing to mark).
    """
    t = curve.thresholds
    rates = _rates(curve.overall)
    fig = go.Figure()
    for key, label, dash in (("precision", "precision", "solid"), ("recall", "recall", "dash")):
        fig.add_trace(go.Scatter(x=t, y=rates[key][0], mode="lines", name=label, line={"dash": dash, "width": 2}))
    fig.add_trace(
        go.Scatter(x=t, y=rates["selection_rate"][0], mode="lines", name="selected", line={"dash": "dot", "width": 2})
    )
    money = curve.overall.money.get("value")
    if value and money is not None and curve.overall.n[0] > 0:
        fig.add_trace(
            go.Scatter(
                x=t,
                y=1000.0 * money[0] / curve.overall.n[0],
                mode="lines",
                name="net value per 1,000",
                yaxis="y2",
                line={"color": VALUE_COLOUR, "width": 2},
            )
        )
        fig.update_layout(
            yaxis2={"overlaying": "y", "side": "right", "title": "net value per 1,000", "showgrid": False}
        )
    if index is not None:
        fig.add_vline(x=float(t[index]), line={"color": MARK_COLOUR, "width": 2})
    fig.update_xaxes(title_text="threshold")
    fig.update_layout(
        yaxis={"title": {"text": "share"}, "range": [0, 1.02]},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
        hovermode="x unified",
    )
    sub = "All rows, predicted positive at or above the threshold; the red line is the one chosen above."
    return finish(fig, f"{curve.parent}: what each threshold does", height=height, subtitle=sub)


def make_group_rate_figure(
    curve: Curve,
    attribute: str,
    rate: str,
    indices: Sequence[int],
    *,
    label: str,
    height: int = 380,
) -> go.Figure:
    """One group rate of each group of ``attribute`` against the threshold, each group's threshold marked (●)."""
    g = curve.by_attribute[attribute]
    r = _rates(g)[rate]
    t = curve.thresholds
    fig = go.Figure()
    shown = min(len(g.groups), GROUP_LINES)
    for k in range(shown):
        colour = CANDIDATE_PALETTE[k % len(CANDIDATE_PALETTE)]
        fig.add_trace(
            go.Scatter(
                x=t, y=r[k], mode="lines", name=g.groups[k], line={"color": colour, "width": 2}, legendgroup=str(k)
            )
        )
        i = int(indices[k])
        fig.add_trace(
            go.Scatter(
                x=[t[i]],
                y=[r[k, i]],
                mode="markers",
                marker={"color": colour, "size": 11, "line": {"color": "white", "width": 1}},
                showlegend=False,
                legendgroup=str(k),
                hovertemplate=f"{g.groups[k]}: threshold %{{x:.3g}}, {label} %{{y:.3f}}<extra></extra>",
            )
        )
    fig.update_xaxes(title_text="threshold")
    fig.update_yaxes(title_text=label, range=[0, 1.02])
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0})
    sub = "Each dot is the group's threshold now." + (
        f" The first {shown} of {len(g.groups)} groups." if shown < len(g.groups) else ""
    )
    return finish(fig, f"{label.capitalize()} by {attribute}", height=height, subtitle=sub)


def make_operating_cloud_figure(
    cloud: Mapping[str, np.ndarray],
    names: Sequence[str],
    x: Objective,
    y: Objective,
    *,
    colours: Mapping[str, str],
    current: tuple[float, float] | None = None,
    added: Sequence[tuple[str, float, float]] = (),
    height: int = 480,
) -> go.Figure:
    """Every stored operating point of every candidate on ``x`` and ``y``, its Pareto front joined.

    Each candidate's points are a line through its thresholds (at most :data:`CLOUD_CURVES` candidates:
    those with points on the front first); the front's points are drawn whatever their candidate.
    ``current`` is the point chosen on the page (★), ``added`` the operating points already added (◆).
    Axes of "min" objectives are reversed, so better is up and to the right.
    """
    cand = cloud["candidate"]
    front = cloud["front"].astype(bool)
    fig = go.Figure()
    on_front = list(dict.fromkeys(cand[front].tolist()))
    others = [int(i) for i in dict.fromkeys(cand.tolist()) if i not in set(on_front)]
    drawn = (on_front + others)[:CLOUD_CURVES]
    for i in drawn:
        rows = cand == i
        name = names[i]
        fig.add_trace(
            go.Scatter(
                x=cloud["x"][rows],
                y=cloud["y"][rows],
                mode="lines",
                name=name,
                line={"color": colours.get(name, "#888"), "width": 1.5},
                opacity=0.55,
                customdata=cloud["threshold"][rows],
                hovertemplate=f"{name} @ %{{customdata:.3g}}<br>%{{x:.4g}}, %{{y:.4g}}<extra></extra>",
            )
        )
    order = np.flatnonzero(front)
    order = order[np.argsort(cloud["x"][order], kind="stable")]
    fig.add_trace(
        go.Scatter(
            x=cloud["x"][order],
            y=cloud["y"][order],
            mode="lines+markers",
            name="Pareto front",
            line={"color": FRONT_COLOUR, "dash": "dash", "width": 1.5},
            marker={"color": FRONT_COLOUR, "size": 7},
            customdata=[[names[int(i)], float(t)] for i, t in zip(cand[order], cloud["threshold"][order], strict=True)],
            hovertemplate="%{customdata[0]} @ %{customdata[1]:.3g}<br>%{x:.4g}, %{y:.4g}<extra>front</extra>",
        )
    )
    for name, ax, ay in added:
        fig.add_trace(
            go.Scatter(
                x=[ax],
                y=[ay],
                mode="markers",
                name=name,
                marker={"symbol": "diamond", "size": 12, "color": "white", "line": {"color": "#333", "width": 2}},
                hovertemplate=f"{name} (added)<br>%{{x:.4g}}, %{{y:.4g}}<extra></extra>",
            )
        )
    if current is not None and all(np.isfinite(current)):
        fig.add_trace(
            go.Scatter(
                x=[current[0]],
                y=[current[1]],
                mode="markers",
                name="chosen above",
                marker={"symbol": "star", "size": 16, "color": MARK_COLOUR, "line": {"color": "white", "width": 1}},
                hovertemplate="chosen above<br>%{x:.4g}, %{y:.4g}<extra></extra>",
            )
        )
    fig.update_xaxes(title_text=objective_title(x, axis="x"), autorange="reversed" if x.direction == "min" else True)
    fig.update_yaxes(title_text=objective_title(y, axis="y"), autorange="reversed" if y.direction == "min" else True)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0})
    n_cand = len(set(cand.tolist()))
    sub = f"{len(cand):,} operating points of {n_cand:,} candidates; {int(front.sum()):,} on the front." + (
        f" Curves of {len(drawn)} of {n_cand} candidates drawn, front points always." if len(drawn) < n_cand else ""
    )
    return finish(fig, "Every operating point of every candidate", height=height, subtitle=sub)
