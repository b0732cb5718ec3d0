"""Shared layout: titles, fonts, axis titles with units and "better" arrows."""

from __future__ import annotations

import textwrap

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


#: Average width of one character, in pixels: the title (17 px, bold), its subtitle (about 12 px, bold)
#: and axis titles (13 px). Deliberately generous, so wrapped text fits rather than overflows.
TITLE_CHAR_PX = 9.6
SUBTITLE_CHAR_PX = 6.8
AXIS_CHAR_PX = 7.0
#: The width a figure is laid out for unless told otherwise: a full-width chart on a 1000 px screen.
DEFAULT_WIDTH = 540
#: Height of one title line and of one (smaller) subtitle line, as plotly draws them, in pixels.
_TITLE_LINE_PX = 23
_SUBTITLE_LINE_PX = 20
_TITLE_PAD_PX = 12
_TITLE_GAP_PX = 12


def wrap(text: str, width_px: float, char_px: float) -> list[str]:
    """``text`` broken at spaces into lines that fit ``width_px`` (a word longer than a line stays whole).

    Examples
    --------
    >>> wrap("Closer to the top-left corner is better.", 160, 7.0)
    ['Closer to the top-left', 'corner is better.']
    """
    text = " ".join(str(text).split())
    chars = max(12, int(width_px / char_px))
    lines = textwrap.wrap(text, chars, break_long_words=False, break_on_hyphens=False) or [""]
    if len(lines) > 1:  # balance the lines, so the last is not a lone word
        even = -(-len(text) // len(lines)) + 2
        balanced = textwrap.wrap(text, min(chars, even), break_long_words=False, break_on_hyphens=False)
        if len(balanced) == len(lines):
            lines = balanced
    return lines


def _unwrap(text: str | None) -> str:
    return " ".join(str(text or "").replace("<br>", " ").split())


def _top_margin(title_lines: int, sub_lines: int, extra: int) -> int:
    if not title_lines:
        return 10 + extra
    return _TITLE_PAD_PX + _TITLE_LINE_PX * title_lines + _SUBTITLE_LINE_PX * sub_lines + _TITLE_GAP_PX + extra


def fit_title(fig: go.Figure, width: int = DEFAULT_WIDTH) -> go.Figure:
    """Wrap the title, subtitle and axis titles of a :func:`finish`-ed figure to fit ``width`` pixels.

    Plotly never wraps text, so a title longer than the figure is cut off at its edge. This breaks
    the title and subtitle (kept whole in ``layout.meta``) into lines, grows the top margin and the
    height by the lines added, and wraps axis titles to the plot's width and height. Call it again
    with the width a page gives the chart (a column narrower than the page).
    """
    meta = dict(fig.layout.meta or {}) if isinstance(fig.layout.meta, dict) else {}
    if "title" not in meta:
        return fig
    title_lines = wrap(meta["title"], width - 20, TITLE_CHAR_PX) if meta["title"] else []
    sub_lines = wrap(meta["subtitle"], width - 20, SUBTITLE_CHAR_PX) if meta.get("subtitle") else []
    # Lines joined at their spaces (" <br>"): the text still reads as the title with line breaks added.
    text = " <br>".join(title_lines + [f"<sup>{line}</sup>" for line in sub_lines])
    top = _top_margin(len(title_lines), len(sub_lines), int(meta.get("top_extra", 0)))
    old_top = fig.layout.margin.t if fig.layout.margin.t is not None else top
    height = (fig.layout.height or 420) + (top - old_top)
    fig.update_layout(title_text=text, margin_t=top, height=height)
    plot_h = max(120, height - top - 60)
    for axis in ("xaxis", "yaxis"):
        ax = fig.layout[axis]
        if ax.title.text:
            room = (width - 90) if axis == "xaxis" else plot_h
            fig.layout[axis].title.text = "<br>".join(wrap(_unwrap(ax.title.text), room, AXIS_CHAR_PX))
    return fig


def finish(
    fig: go.Figure,
    title: str,
    *,
    height: int = 420,
    subtitle: str | None = None,
    width: int = DEFAULT_WIDTH,
    top_extra: int = 0,
) -> go.Figure:
    """Apply the common layout: left-aligned title (and subtitle), white template, readable fonts.

    The title and subtitle are wrapped to fit ``width`` pixels (see :func:`fit_title`); ``top_extra``
    is room kept between the title and the plot (parallel coordinates put axis labels there).
    """
    # Colours set directly: assigning a named template deep-copies it (about 60 ms a figure).
    fig.update_layout(
        paper_bgcolor="white",
        plot_bgcolor="white",
        # Anchored at the top of the figure, so a title wrapped over several lines grows downwards into
        # the top margin fit_title makes for it (not over the plot).
        title={
            "x": 0.0,
            "xanchor": "left",
            "y": 1.0,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": _TITLE_PAD_PX},
            "font": {"size": FONT_SIZE + 4},
        },
        font={"size": FONT_SIZE},
        height=height,
        # The top margin of a one-line title (and subtitle): fit_title grows the height by any line added.
        margin={"l": 10, "r": 10, "t": _top_margin(1 if title else 0, 1 if subtitle else 0, top_extra), "b": 10},
        legend={"title": {"text": ""}},
        hoverlabel={"font": {"size": FONT_SIZE}},
        meta={"title": title, "subtitle": subtitle, "top_extra": top_extra},
    )
    fig.update_xaxes(automargin=True, gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID)
    fig.update_yaxes(automargin=True, gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID)
    return fit_title(fig, width)


#: Values closer to 0 than this are 0 up to floating-point rounding (``-3.98e-18`` from a sum of
#: differences that cancel), and every figure prints and draws them as 0.
ZERO_TOLERANCE = 1e-12


def snap_zero(value: float | None, *, scale: float = 1.0) -> float | None:
    """``value``, or ``0.0`` when it is zero up to rounding (relative to ``scale``, the data's magnitude).

    Examples
    --------
    >>> snap_zero(-3.98e-18), snap_zero(0.004), snap_zero(None)
    (0.0, 0.004, None)
    """
    if value is None or value != value:
        return value
    return 0.0 if abs(value) <= ZERO_TOLERANCE * max(1.0, abs(scale)) else float(value)


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
    """A value for charts, tables, hover text and labels, with its unit; ``"missing"`` for None/NaN/inf.

    The one number format of the dashboard and the reports: a precision that depends on the size,
    whole numbers without trailing zeros (``9``, not ``9.000``) and zero up to rounding as ``0.000``.

    Examples
    --------
    >>> fmt(0.8), fmt(383.25, "USD"), fmt(12345.6), fmt(0.000123), fmt(None), fmt(-3.98e-18)
    ('0.800', '383.2 USD', '12,346', '0.000123', 'missing', '0.000')
    >>> fmt(9.0), fmt(1.0), fmt(2500.0, "ms"), fmt(float("inf"))
    ('9', '1', '2,500 ms', 'missing')
    """
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return "missing"
    value = snap_zero(float(value))
    a = abs(value)
    if a >= 1 and value.is_integer():
        text = f"{int(value):,}"
    elif a >= 1000:
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


def side_by_side(
    left: go.Figure,
    right: go.Figure,
    title: str,
    *,
    subtitle: str | None = None,
    height: int | None = None,
    width: int = DEFAULT_WIDTH,
    spacing: float = 0.14,
) -> go.Figure:
    """Two :func:`finish`-ed figures as the panels of one, each panel titled by its figure's title.

    The panels keep their traces and axes (type, range, titles, category order); their titles
    become the panel titles and ``title``/``subtitle`` the figure's. A panel whose figure hides its
    legend keeps its traces out of the shared legend. Shapes and annotations of the panels are not
    carried over.
    """
    from plotly.subplots import make_subplots

    names = [str(f.layout.meta.get("title") or "") if isinstance(f.layout.meta, dict) else "" for f in (left, right)]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=spacing, subplot_titles=names)
    for col, part in ((1, left), (2, right)):
        hide = part.layout.showlegend is False
        for trace in part.data:
            fig.add_trace(trace.update(showlegend=False) if hide else trace, row=1, col=col)
        for axis, update in (("xaxis", fig.update_xaxes), ("yaxis", fig.update_yaxes)):
            spec = part.layout[axis].to_plotly_json()
            for key in ("domain", "anchor", "automargin"):
                spec.pop(key, None)
            update(spec, row=1, col=col)
    for a in fig.layout.annotations:  # the panel titles: left-aligned over their panels, in the body font
        a.update(font={"size": FONT_SIZE}, xanchor="left", x=a.x - (1 - spacing) / 4)
    finish(fig, title, height=height or max(left.layout.height or 0, right.layout.height or 0) or 420,
           subtitle=subtitle, width=width)  # fmt: skip
    # finish wraps the first panel's axis titles only: wrap both to half the width.
    for axis in ("xaxis", "xaxis2"):
        text = fig.layout[axis].title.text
        if text:
            room = width * (1 - spacing) / 2 - 120  # a panel's plot width, less its tick labels
            fig.layout[axis].title.text = "<br>".join(wrap(_unwrap(text), room, AXIS_CHAR_PX))
    return fig
