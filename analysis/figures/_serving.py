"""Serving figures: latency percentiles against an SLO, throughput against batch size, cost.

They read the entries of a scorecard's ``serving`` section (``sections["serving"]["candidates"]``:
``name``, ``kind``, ``latency`` with ``p50_ms``...``max_ms``, ``throughput`` points with
``batch_size``/``rows_per_s``). A runtime variant (``"lr[onnx]"``) has its base candidate's
colour and open markers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from analysis.figures._palette import REFERENCE_COLOUR, colour_of
from analysis.figures._style import finish, fmt

PERCENTILES: tuple[tuple[str, str, str], ...] = (
    ("p50_ms", "p50", "circle"),
    ("p90_ms", "p90", "diamond"),
    ("p95_ms", "p95", "square"),
    ("p99_ms", "p99", "triangle-up"),
    ("max_ms", "max", "x"),
)


def _open(symbol: str, variant: bool) -> str:
    return f"{symbol}-open" if variant and symbol != "x" else symbol


def make_latency_figure(
    entries: Sequence[Mapping],
    *,
    slo_ms: float | None = None,
    colours: Mapping[str, str] | None = None,
    height: int | None = None,
) -> go.Figure:
    """Single-row latency percentiles per entry (log scale), slowest p99 at the bottom, and the SLO."""
    rows = [e for e in entries if e.get("latency")]
    rows.sort(key=lambda e: e["latency"].get("p99_ms") or 0.0)
    fig = go.Figure()
    names = [e["name"] for e in rows]
    for e in rows:
        lat = e["latency"]
        variant = e.get("kind") == "variant"
        colour = colour_of(e["name"], colours)
        fig.add_trace(
            go.Scatter(
                x=[lat.get("p50_ms"), lat.get("p99_ms")],
                y=[e["name"], e["name"]],
                mode="lines",
                line={"color": colour, "width": 6, "dash": "dot" if variant else "solid"},
                opacity=0.5,
                showlegend=False,
                hoverinfo="skip",
            )
        )
    drawn = set()
    for key, label, symbol in PERCENTILES:
        for variant in (False, True):
            sel = [e for e in rows if (e.get("kind") == "variant") == variant and e["latency"].get(key) is not None]
            if not sel:
                continue
            drawn.add(label)
            fig.add_trace(
                go.Scatter(
                    x=[e["latency"][key] for e in sel],
                    y=[e["name"] for e in sel],
                    mode="markers",
                    name=label,
                    legendgroup=label,
                    showlegend=False,
                    marker={
                        "symbol": _open(symbol, variant),
                        "size": 11,
                        "color": [colour_of(e["name"], colours) for e in sel],
                        "line": {"color": "#333333", "width": 1},
                    },
                    hovertemplate=f"%{{y}}<br>{label}: %{{x:.3g}} ms<extra></extra>",
                )
            )
    for _key, label, symbol in PERCENTILES:  # legend entries in a neutral colour: colours mean candidates
        if label not in drawn:  # only the percentiles measured
            continue
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=label,
                legendgroup=label,
                marker={"symbol": symbol, "size": 10, "color": "#8A8A8A", "line": {"color": "#333333", "width": 1}},
            )
        )
    if slo_ms is not None and slo_ms > 0:
        # On a log axis a shape takes the value itself but an annotation takes its log10.
        x = math.log10(slo_ms)
        fig.add_shape(
            type="line",
            x0=slo_ms,
            x1=slo_ms,
            yref="paper",
            y0=0,
            y1=1,
            line={"color": REFERENCE_COLOUR, "dash": "dash", "width": 2},
        )
        fig.add_annotation(
            x=x,
            yref="paper",
            y=1.0,
            yanchor="bottom",
            text=f"SLO {slo_ms:g} ms",
            showarrow=False,
            font={"color": REFERENCE_COLOUR},
        )
    fig.update_xaxes(type="log", title_text="time to score one row (ms, log scale) · faster ←")
    fig.update_yaxes(categoryorder="array", categoryarray=names)
    return finish(
        fig,
        "Latency of a single-row request",
        height=height or max(300, 110 + 26 * len(rows)),
        subtitle="Each row: p50 (typical) to p99 (the slow tail users notice), and the slowest call. "
        "Open markers: runtime variants.",
    )


def make_throughput_figure(
    entries: Sequence[Mapping],
    *,
    colours: Mapping[str, str] | None = None,
    height: int = 440,
) -> go.Figure:
    """Rows per second of one worker against batch size (log-log)."""
    fig = go.Figure()
    for e in entries:
        points = e.get("throughput") or []
        if not points:
            continue
        variant = e.get("kind") == "variant"
        fig.add_trace(
            go.Scatter(
                x=[p["batch_size"] for p in points],
                y=[p["rows_per_s"] for p in points],
                mode="lines+markers",
                name=e["name"],
                line={"color": colour_of(e["name"], colours), "dash": "dot" if variant else "solid"},
                marker={"symbol": "circle-open" if variant else "circle", "size": 8},
                hovertemplate=f"<b>{e['name']}</b><br>batch %{{x:,}} rows: %{{y:,.0f}} rows/s<extra></extra>",
            )
        )
    fig.update_xaxes(type="log", title_text="batch size (rows per call, log scale)")
    fig.update_yaxes(type="log", title_text="throughput (rows/s, log scale) · better ↑")
    return finish(
        fig, "Throughput against batch size (one worker)", height=height, subtitle="Dotted: runtime variants."
    )


def make_cost_figure(
    costs: Sequence[tuple[str, float | None, float | None]],
    *,
    colours: Mapping[str, str] | None = None,
    height: int | None = None,
    instance: str = "",
) -> go.Figure:
    """Dollars per million predictions, single-row and batched, per entry (log scale)."""
    rows = [c for c in costs if c[1] is not None or c[2] is not None]
    rows.sort(key=lambda c: c[1] if c[1] is not None else float("inf"))
    names = [c[0] for c in rows]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=[c[1] for c in rows],
            y=names,
            orientation="h",
            name="one row per request",
            marker={"color": [colour_of(n, colours) for n in names]},
            text=[fmt(c[1], "USD") for c in rows],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.4g} USD per million single-row predictions<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[c[2] for c in rows],
            y=names,
            mode="markers",
            name="batched (best batch size)",
            marker={"symbol": "diamond", "size": 10, "color": "#333333"},
            hovertemplate="%{y}: %{x:.4g} USD per million, batched<extra></extra>",
        )
    )
    fig.update_xaxes(
        type="log",
        title_text="USD per million predictions (log scale) · cheaper ←",
        range=log_label_range([v for c in rows for v in c[1:]]),
    )
    fig.update_yaxes(categoryorder="array", categoryarray=names, autorange="reversed")
    # The subtitle says what bars and diamonds are: a legend beside the plot would take a third of its width.
    sub = "Bars: one row per request; ◆ batched at the best batch size." + (f" On {instance}." if instance else "")
    finish(fig, "Cost per million predictions", height=height or max(300, 110 + 26 * len(rows)), subtitle=sub)
    fig.update_layout(showlegend=False)
    return fig


def log_label_range(values: Sequence[float | None], *, label_decades: float = 0.35) -> list[float] | None:
    """A log-axis range (in log10 units) over ``values`` with room for a label beyond the longest bar.

    The room is ``label_decades`` decades plus a fifth of the values' span, so a label drawn
    outside the bar's end (``"0.459 USD"``) stays on the chart whatever the span.

    Examples
    --------
    >>> log_label_range([0.01, 1.0])
    [-2.1, 0.75]
    """
    vals = [math.log10(v) for v in values if v is not None and v == v and v > 0]
    if not vals:
        return None
    lo, hi = min(vals), max(vals)
    return [round(lo - 0.1, 9), round(hi + label_decades + 0.2 * (hi - lo), 9)]
