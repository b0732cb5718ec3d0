"""Trade-off figures: a scatter of two objectives with the Pareto front, and parallel coordinates.

Axes are oriented so that better is up and to the right: a "min" objective's axis is reversed.
Scatters use ``go.Scattergl`` (WebGL), which stays interactive with tens of thousands of points
where SVG scatters (``px.scatter``) become slow to build and to draw; see ``bench/bench_app.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from analysis.decision import DecisionTable, ParetoResult
from analysis.figures._palette import (
    DOMINATED_COLOUR,
    FRONT_COLOUR,
    MAX_DISTINCT,
    colour_of,
)
from analysis.figures._style import finish, fmt, objective_title

#: Opacity of dominated candidates (the front stays opaque).
DOMINATED_OPACITY = 0.35


def _number_format(unit: str, values: np.ndarray) -> str:
    finite = values[np.isfinite(values)]
    big = finite.size and np.nanmax(np.abs(finite)) >= 100
    return ",.1f" if big else ".3f"


def make_tradeoff_figure(
    table: DecisionTable,
    x: str,
    y: str,
    pareto: ParetoResult,
    *,
    colours: Mapping[str, str] | None = None,
    highlight: str | None = None,
    height: int = 480,
) -> go.Figure:
    """Scatter of objectives ``x`` and ``y`` with the Pareto front of ``pareto`` drawn.

    Parameters
    ----------
    table : DecisionTable
        Candidates x objectives (natural units).
    x, y : str
        Objective names; a "min" objective's axis is reversed so better is right and up.
    pareto : ParetoResult
        Whose ``is_optimal`` marks the front (typically ``compute_pareto(table, [x, y])``).
    colours : mapping, optional
        ``{candidate: colour}``; with at most :data:`MAX_DISTINCT` candidates each gets its colour
        (and a legend entry), otherwise points are coloured by front membership.
    highlight : str, optional
        A candidate to ring.
    height : int
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        Candidates with a missing ``x`` or ``y`` value are left out.
    """
    ox, oy = table.objective(x), table.objective(y)
    xs = table.values[:, table.column(x)]
    ys = table.values[:, table.column(y)]
    names = np.asarray(table.candidates)  # a numpy string array: fast for plotly to validate and encode
    if tuple(pareto.candidates) == tuple(table.candidates):
        optimal = np.asarray(pareto.is_optimal, dtype=bool)
    else:
        on = set(pareto.front)
        optimal = np.array([c in on for c in table.candidates], dtype=bool)
    ok = np.isfinite(xs) & np.isfinite(ys)
    xfmt, yfmt = _number_format(ox.unit, xs), _number_format(oy.unit, ys)
    xu = f" {ox.unit}" if ox.unit else ""
    yu = f" {oy.unit}" if oy.unit else ""
    values = f"{ox.label}: %{{x:{xfmt}}}{xu}<br>{oy.label}: %{{y:{yfmt}}}{yu}"
    fig = go.Figure()
    n = int(ok.sum())
    distinct = colours is not None and len(names) <= MAX_DISTINCT
    if distinct:
        dominated_by = dict(zip(pareto.candidates, pareto.dominated_by, strict=True))
        for i in np.flatnonzero(ok):
            front = bool(optimal[i])
            d = dominated_by.get(str(names[i]))
            status = "on the Pareto front" if front else (f"dominated by {d}" if d else "")
            fig.add_trace(
                go.Scattergl(
                    x=[xs[i]],
                    y=[ys[i]],
                    mode="markers+text" if front else "markers",
                    text=[str(names[i])] if front else None,
                    textposition="top center",
                    textfont={"size": 12, "color": FRONT_COLOUR},
                    name=str(names[i]),
                    legendgroup=str(names[i]),
                    marker={
                        "color": colour_of(str(names[i]), colours),
                        "size": 15 if front else 11,
                        "opacity": 1.0 if front else DOMINATED_OPACITY + 0.15,
                        "line": {"color": FRONT_COLOUR if front else "white", "width": 2 if front else 1},
                    },
                    hovertemplate=f"<b>{names[i]}</b><br>{values}<br>{status}<extra></extra>",
                )
            )
    else:
        for mask, label, colour, size, opacity in (
            (ok & ~optimal, "dominated", DOMINATED_COLOUR, 6, DOMINATED_OPACITY),
            (ok & optimal, "Pareto-optimal", FRONT_COLOUR, 9, 1.0),
        ):
            fig.add_trace(
                go.Scattergl(
                    x=xs[mask],
                    y=ys[mask],
                    mode="markers",
                    name=f"{label} ({int(mask.sum()):,})",
                    marker={"color": colour, "size": size, "opacity": opacity},
                    customdata=names[mask],
                    hovertemplate=f"<b>%{{customdata}}</b><br>{values}<br>{label}<extra></extra>",
                )
            )
    front_idx = np.flatnonzero(ok & optimal)
    if front_idx.size:
        # Sort along the front: by x from worst to best, then y from best to worst.
        sx = xs[front_idx] * (1 if ox.direction == "max" else -1)
        sy = ys[front_idx] * (1 if oy.direction == "max" else -1)
        front_idx = front_idx[np.lexsort((-sy, sx))]
        # An SVG line: the front stays small even with many candidates, and WebGL dashes render poorly.
        fig.add_trace(
            go.Scatter(
                x=xs[front_idx],
                y=ys[front_idx],
                mode="lines",
                name="Pareto front",
                line={"color": FRONT_COLOUR, "width": 2, "dash": "dash"},
                hoverinfo="skip",
            )
        )
    if highlight is not None and highlight in table.candidates:
        i = table.row(highlight)
        if ok[i]:
            fig.add_trace(
                go.Scattergl(
                    x=[xs[i]],
                    y=[ys[i]],
                    mode="markers",
                    name=f"selected: {highlight}",
                    marker={"symbol": "circle-open", "size": 26, "color": FRONT_COLOUR, "line": {"width": 3}},
                    hoverinfo="skip",
                )
            )
    fig.update_xaxes(title_text=objective_title(ox, axis="x"), autorange="reversed" if ox.direction == "min" else True)
    fig.update_yaxes(title_text=objective_title(oy, axis="y"), autorange="reversed" if oy.direction == "min" else True)
    front_n = int((ok & optimal).sum())
    subtitle = (
        f"{n:,} candidates; {front_n:,} on the Pareto front (no other candidate is at least as good on both and "
        "better on one). Better is up and to the right."
    )
    finish(fig, f"{oy.label} against {ox.label}", height=height, subtitle=subtitle)
    fig.update_layout(legend={"orientation": "v", "itemsizing": "constant"})
    return fig


def make_parallel_figure(
    table: DecisionTable,
    objectives: Sequence[str],
    pareto: ParetoResult,
    *,
    colours: Mapping[str, str] | None = None,
    height: int = 460,
) -> go.Figure:
    """Parallel coordinates of ``objectives``, every axis oriented so that up is better.

    With at most :data:`MAX_DISTINCT` candidates each line has its candidate's colour and a first
    axis names the candidates; otherwise front members are drawn in the front colour and the rest
    in grey. Candidates missing a value on a shown objective are left out (parallel coordinates
    cannot draw a gap).
    """
    cols = [table.column(o) for o in objectives]
    values = table.values[:, cols]
    ok = np.isfinite(values).all(axis=1)
    idx = np.flatnonzero(ok)
    names = [table.candidates[i] for i in idx]
    optimal_of = dict(zip(pareto.candidates, pareto.is_optimal, strict=True))
    dims = []
    distinct = colours is not None and len(table.candidates) <= MAX_DISTINCT
    if distinct and idx.size:
        dims.append(
            {
                "label": "candidate",
                "values": list(range(len(idx))),
                "tickvals": list(range(len(idx))),
                "ticktext": [f"{n} ★" if optimal_of.get(n) else n for n in names],
                "range": [len(idx) - 0.5, -0.5],
            }
        )
    for j, name in enumerate(objectives):
        o = table.objective(name)
        v = values[idx, j]
        lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        label = o.label + (f" ({o.unit})" if o.unit else "")
        dims.append(
            {
                "label": label if len(label) <= 28 else label[:26] + "…",
                "values": v,
                "range": [lo, hi] if o.direction == "max" else [hi, lo],
                "tickformat": ".3~g",
            }
        )
    if distinct and idx.size:
        k = len(idx)
        scale = []
        for i, n in enumerate(names):
            c = colour_of(n, colours)
            a, b = i / k, (i + 1) / k
            scale += [[a, c], [b, c]]
        line = {"color": list(range(k)), "colorscale": scale, "cmin": 0, "cmax": k - 1e-9}
    else:
        flags = [1.0 if optimal_of.get(n) else 0.0 for n in names]
        line = {"color": flags, "colorscale": [[0, DOMINATED_COLOUR], [1, FRONT_COLOUR]], "cmin": 0, "cmax": 1}
    fig = go.Figure(go.Parcoords(line=line, dimensions=dims, labelangle=-25, labelside="top"))
    left_out = len(table.candidates) - len(idx)
    subtitle = "Up is better on every axis; ★ marks the Pareto front over these objectives." + (
        f" {left_out} candidate(s) with missing values left out." if left_out else ""
    )
    finish(fig, "Every objective at once", height=height, subtitle=subtitle)
    fig.update_layout(margin={"l": 150 if distinct else 60, "r": 80, "t": 170, "b": 30})
    return fig


def describe_point(table: DecisionTable, candidate: str, objectives: Sequence[str]) -> str:
    """``"ROC AUC 0.800, Latency p99 7.8 ms"``: a candidate's values on some objectives."""
    i = table.row(candidate)
    parts = []
    for name in objectives:
        o = table.objective(name)
        parts.append(f"{o.label} {fmt(float(table.values[i, table.column(name)]), o.unit)}")
    return ", ".join(parts)
