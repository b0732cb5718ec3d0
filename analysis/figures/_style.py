"""Shared layout: titles, fonts, axis titles with units and "better" arrows."""

from __future__ import annotations

import plotly.graph_objects as go

from analysis.objectives import Objective

FONT_SIZE = 13
GRID = "#E6E6E6"


def objective_title(objective: Objective, *, axis: str | None = None) -> str:
    """Axis title: label, unit and which way is better (``axis`` is ``"x"`` or ``"y"``)."""
    text = objective.label + (f" ({objective.unit})" if objective.unit else "")
    if axis == "x":
        return f"{text}  · better →"
    if axis == "y":
        return f"{text}  · better ↑"
    return text + (" ↑" if objective.direction == "max" else " ↓")


def finish(fig: go.Figure, title: str, *, height: int = 420, subtitle: str | None = None) -> go.Figure:
    """Apply the common layout: left-aligned title (and subtitle), white template, readable fonts."""
    text = f"{title}<br><sup>{subtitle}</sup>" if subtitle else title
    # Colours set directly: assigning a named template deep-copies it (about 60 ms a figure).
    fig.update_layout(
        paper_bgcolor="white",
        plot_bgcolor="white",
        title={"text": text, "x": 0.0, "xanchor": "left", "font": {"size": FONT_SIZE + 4}},
        font={"size": FONT_SIZE},
        height=height,
        margin={"l": 10, "r": 10, "t": 80 if subtitle else 60, "b": 10},
        legend={"title": {"text": ""}},
        hoverlabel={"font": {"size": FONT_SIZE}},
    )
    fig.update_xaxes(automargin=True, gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID)
    fig.update_yaxes(automargin=True, gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID)
    return fig


def _decimals(value: float) -> int | None:
    a = abs(value)
    if a >= 1000:
        return 0
    if a >= 100:
        return 1
    if a >= 10:
        return 2
    if a >= 0.01 or a == 0:
        return 3
    return None


def fmt_pm(value: float | None, half: float | None) -> str:
    """``"0.801 ±0.005"``: a value and half its interval's width, with the value's decimals.

    Examples
    --------
    >>> fmt_pm(0.8012, 0.00493), fmt_pm(3231.2, 144.4), fmt_pm(0.8, None)
    ('0.801 ±0.005', '3,231 ±144', '0.800')
    """
    text = fmt(value)
    if value is None or value != value or half is None or half != half:
        return text
    d = _decimals(value)
    return f"{text} ±{half:,.{d}f}" if d is not None else f"{text} ±{half:.2g}"


def fmt(value: float | None, unit: str = "") -> str:
    """A value for tables, hover text and labels, with its unit; ``"missing"`` for None/NaN.

    Examples
    --------
    >>> fmt(0.8), fmt(383.25, "USD"), fmt(12345.6), fmt(0.000123), fmt(None)
    ('0.800', '383.2 USD', '12,346', '0.000123', 'missing')
    """
    if value is None or value != value:
        return "missing"
    a = abs(value)
    if a >= 1000:
        text = f"{value:,.0f}"
    elif a >= 100:
        text = f"{value:.1f}"
    elif a >= 10:
        text = f"{value:.2f}"
    elif a >= 0.01 or a == 0:
        text = f"{value:.3f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}" if unit and unit != "yes=1" else text
