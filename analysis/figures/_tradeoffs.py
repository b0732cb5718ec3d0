"""Trade-off figures: a scatter of two objectives with the Pareto front (parallel coordinates: ``_parallel``).

Axes are oriented so that better is up and to the right: a "min" objective's axis is reversed.
Scatters use ``go.Scattergl`` (WebGL), which stays interactive with tens of thousands of points
where SVG scatters (``px.scatter``) become slow to build and to draw; see ``bench/bench_app.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from analysis.decision import DecisionTable, ParetoResult
from analysis.figures._labels import place_labels
from analysis.figures._palette import (
    DOMINATED_COLOUR,
    FRONT_COLOUR,
    MAX_DISTINCT,
    colour_of,
)
from analysis.figures._style import finish, fmt, objective_title

#: Opacity of dominated candidates (the front stays opaque).
DOMINATED_OPACITY = 0.35
#: Above this many dominated candidates the scatter draws them as a density (front and highlight stay points).
DENSITY_ABOVE = 1500
#: Cells per axis of that density.
DENSITY_BINS = 60
#: Share of an axis's data span added on both sides, so markers and their labels stay on the plot.
AXIS_PAD = 0.08
_LABEL_BG = "rgba(255,255,255,0.75)"


def padded_range(values: np.ndarray, *, pad: float = AXIS_PAD) -> tuple[float, float]:
    """``(low, high)`` of the finite ``values``, widened by ``pad`` of their span on both sides.

    Examples
    --------
    >>> padded_range(np.array([0.0, 1.0, np.nan]))
    (-0.08, 1.08)
    """
    finite = values[np.isfinite(values)]
    if not finite.size:
        return (0.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    span = (hi - lo) or (abs(lo) * 0.1 or 1.0)
    return (round(lo - pad * span, 12), round(hi + pad * span, 12))


def _unit(values: np.ndarray, bounds: tuple[float, float], direction: str) -> np.ndarray:
    """Positions on the drawn axis, 0 at the left/bottom and 1 at the right/top (a "min" axis is reversed)."""
    u = (values - bounds[0]) / (bounds[1] - bounds[0])
    return 1 - u if direction == "min" else u


def _label_annotations(
    xs: np.ndarray, ys: np.ndarray, u: np.ndarray, v: np.ndarray, texts: list[str | None]
) -> list[dict]:
    """Annotations naming the points in ``texts`` (in priority order), placed clear of each other."""
    order = [i for i, t in enumerate(texts) if t]
    order += [i for i, t in enumerate(texts) if not t]
    placed = place_labels(u[order], v[order], [texts[i] for i in order])
    out = []
    for p in placed:
        i = order[p.index]
        common = {
            "x": float(xs[i]),
            "y": float(ys[i]),
            "text": p.text,
            "font": {"size": 12, "color": FRONT_COLOUR},
            "bgcolor": _LABEL_BG,
            "borderpad": 1,
        }
        if p.arrow:  # far from its point: a thin leader line says which point it names
            out.append(
                {**common, "showarrow": True, "ax": p.dx, "ay": -p.dy, "arrowhead": 0, "arrowwidth": 1,
                 "arrowcolor": DOMINATED_COLOUR, "standoff": 8}
            )  # fmt: skip
        else:
            out.append({**common, "showarrow": False, "xshift": p.dx, "yshift": p.dy})
    return out


def _density(xs: np.ndarray, ys: np.ndarray, xr: tuple[float, float], yr: tuple[float, float]) -> go.Heatmap:
    """Candidates per cell of a :data:`DENSITY_BINS` x :data:`DENSITY_BINS` grid over the plot (empty cells blank)."""
    counts, xe, ye = np.histogram2d(xs, ys, bins=DENSITY_BINS, range=[sorted(xr), sorted(yr)])
    z = np.where(counts.T > 0, counts.T, np.nan)
    return go.Heatmap(
        z=z,
        x=(xe[:-1] + xe[1:]) / 2,
        y=(ye[:-1] + ye[1:]) / 2,
        colorscale=[[0.0, "#D9D9D9"], [1.0, "#4A4A4A"]],
        zmin=1,
        showscale=False,
        name=f"dominated ({len(xs):,}, density)",
        showlegend=True,
        hovertemplate="%{z:,} dominated candidate(s) in this cell<extra></extra>",
    )


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
    intervals: bool = False,
    infeasible: Sequence[str] = (),
    webgl: bool = True,
    density_above: int | None = DENSITY_ABOVE,
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
    intervals : bool
        Draw the table's confidence intervals (``ci_low``/``ci_high``) as error bars.
    infeasible : sequence of str
        Candidates that break a hard constraint, drawn as ×.
    webgl : bool
        Draw markers with WebGL (``Scattergl``, fast for many points); ``False`` draws SVG, which
        static exports (PDF) and browsers without WebGL always render. Where WebGL is rendered in
        software (no GPU), SVG is the faster of the two up to a few thousand points.
    density_above : int or None
        With more dominated candidates than this (and too many candidates for a colour each), the
        dominated ones are drawn as a density, a count of candidates per cell of a
        :data:`DENSITY_BINS`-cell grid (darker: more), and only the front as points; ``None``
        draws every point. The subtitle says so.

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
    scatter = go.Scattergl if webgl else go.Scatter
    bad = set(infeasible)

    def error(i: int, col: int) -> dict | None:
        if not intervals or table.ci_low is None or table.ci_high is None:
            return None
        v, lo, hi = table.values[i, col], table.ci_low[i, col], table.ci_high[i, col]
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return None
        return {
            "type": "data",
            "symmetric": False,
            "array": [max(float(hi - v), 0.0)],
            "arrayminus": [max(float(v - lo), 0.0)],
            "thickness": 1,
            "width": 0,
        }

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
            if str(names[i]) in bad:
                status += "; breaks a hard constraint"
            fig.add_trace(
                scatter(
                    x=[xs[i]],
                    y=[ys[i]],
                    mode="markers",
                    name=str(names[i]),
                    legendgroup=str(names[i]),
                    marker={
                        "color": colour_of(str(names[i]), colours),
                        "size": 15 if front else 11,
                        "symbol": "x" if str(names[i]) in bad else "circle",
                        "opacity": 1.0 if front else DOMINATED_OPACITY + 0.15,
                        "line": {"color": FRONT_COLOUR if front else "white", "width": 2 if front else 1},
                    },
                    error_x=error(i, table.column(x)),
                    error_y=error(i, table.column(y)),
                    hovertemplate=f"<b>{names[i]}</b><br>{values}<br>{status}<extra></extra>",
                )
            )
    else:
        layers = [
            (ok & ~optimal, "dominated", DOMINATED_COLOUR, 6, DOMINATED_OPACITY),
            (ok & optimal, "Pareto-optimal", FRONT_COLOUR, 9, 1.0),
        ]
        dominated = ok & ~optimal
        if density_above is not None and int(dominated.sum()) > density_above:
            fig.add_trace(_density(xs[dominated], ys[dominated], padded_range(xs[ok]), padded_range(ys[ok])))
            layers = layers[1:]
        for mask, label, colour, size, opacity in layers:
            fig.add_trace(
                scatter(
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
                scatter(
                    x=[xs[i]],
                    y=[ys[i]],
                    mode="markers",
                    name=f"selected: {highlight}",
                    marker={"symbol": "circle-open", "size": 26, "color": FRONT_COLOUR, "line": {"width": 3}},
                    hoverinfo="skip",
                )
            )
    # Autorange (reversed for "min") over a padded span: the label placement below knows the plot's extent.
    xr, yr = padded_range(xs[ok]), padded_range(ys[ok], pad=1.5 * AXIS_PAD)
    fig.update_xaxes(
        title_text=objective_title(ox, axis="x"),
        autorange="reversed" if ox.direction == "min" else True,
        autorangeoptions={"include": list(xr)},
    )
    fig.update_yaxes(
        title_text=objective_title(oy, axis="y"),
        autorange="reversed" if oy.direction == "min" else True,
        autorangeoptions={"include": list(yr)},
    )
    front_n = int((ok & optimal).sum())
    subtitle = (
        f"{n:,} candidates; {front_n:,} on the Pareto front (no other candidate is at least as good on both and "
        "better on one). Better is up and to the right."
    )
    if intervals and table.ci_low is not None:
        subtitle += " Bars: confidence intervals."
    if any(isinstance(t, go.Heatmap) for t in fig.data):
        subtitle += (
            f" The {n - front_n:,} dominated candidates are drawn as a density (darker: more candidates per cell; "
            "hover a cell for its count), the front as points."
        )
    if bad & set(map(str, names[ok])):
        subtitle += " ×: breaks a hard constraint."
    if distinct:
        idx = np.flatnonzero(ok)
        texts: list[str | None] = [None] * len(idx)
        rank = {int(j): k for k, j in enumerate(front_idx)}  # along the front
        chosen = [k for k, i in enumerate(idx) if highlight is not None and names[i] == highlight]
        front_first = sorted((k for k, i in enumerate(idx) if optimal[i]), key=lambda k: rank.get(int(idx[k]), 0))
        for k in chosen + [k for k in front_first if k not in chosen]:
            texts[k] = str(names[idx[k]])
        priority = chosen + [k for k in front_first if k not in chosen]
        order = priority + [k for k in range(len(idx)) if k not in priority]
        annotations = _label_annotations(
            xs[idx][order],
            ys[idx][order],
            _unit(xs[idx][order], xr, ox.direction),
            _unit(ys[idx][order], yr, oy.direction),
            [texts[k] for k in order],
        )
        fig.update_layout(annotations=annotations)
        unlabelled = sum(1 for t in texts if t) - len(annotations)
        if unlabelled > 0:
            subtitle += f" {unlabelled} front label(s) left out where they would overlap: hover to see them."
    finish(fig, f"{oy.label} against {ox.label}", height=height + (70 if distinct else 0), subtitle=subtitle)
    # The legend below the plot leaves the plot the figure's full width.
    fig.update_layout(
        legend={"orientation": "h", "itemsizing": "constant", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0}
    )
    return fig


def describe_point(table: DecisionTable, candidate: str, objectives: Sequence[str]) -> str:
    """``"ROC AUC 0.800, Latency p99 7.8 ms"``: a candidate's values on some objectives."""
    i = table.row(candidate)
    parts = []
    for name in objectives:
        o = table.objective(name)
        parts.append(f"{o.label} {fmt(float(table.values[i, table.column(name)]), o.unit)}")
    return ", ".join(parts)
