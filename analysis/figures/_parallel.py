"""Parallel coordinates: every objective at once, one line per candidate, up is better on every axis.

Drawn as SVG lines (``go.Scatter``), not ``go.Parcoords``: Parcoords draws with WebGL, whose set-up
alone takes seconds of the browser's main thread where WebGL is software-rendered (no GPU, as on
most servers and many laptops' remote desktops), even for ten lines; SVG lines cost about 0.2 ms
each. With many candidates a seeded sample of the dominated ones is drawn, and every member of
the Pareto front always is: the figure says how many of how many it shows
(``bench/bench_app_browser.py`` measures both ways in Chromium).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from analysis.decision import DecisionTable, ParetoResult
from analysis.figures._palette import DOMINATED_COLOUR, FRONT_COLOUR, MAX_DISTINCT, colour_of
from analysis.figures._style import finish, snap_zero

#: Dominated candidates drawn at most (a seeded sample); the front is drawn whole on top of them.
PARALLEL_SAMPLE = 300
#: Front lines named on hover at most (more cannot be told apart, and each adds its name per axis).
HOVER_LINES = 300
#: Tick values drawn per axis.
_TICKS = 5


@dataclass(frozen=True)
class ParallelRows:
    """Which rows of a decision table a parallel-coordinates figure draws, and what it leaves out.

    ``front`` and ``sampled`` are row indices (ascending) of drawn front members and drawn
    dominated candidates; ``dominated`` counts every dominated candidate with values and
    ``missing`` the candidates left out for a missing value.
    """

    front: tuple[int, ...]
    sampled: tuple[int, ...]
    dominated: int
    missing: int

    @property
    def shown(self) -> int:
        """How many lines are drawn."""
        return len(self.front) + len(self.sampled)

    @property
    def total(self) -> int:
        """How many candidates have every value (could be drawn)."""
        return len(self.front) + self.dominated

    @property
    def is_sample(self) -> bool:
        """True when some dominated candidates are not drawn."""
        return len(self.sampled) < self.dominated


def compute_parallel_rows(
    complete: np.ndarray, optimal: np.ndarray, *, sample: int | None = PARALLEL_SAMPLE, random_state: int = 0
) -> ParallelRows:
    """Every front member with values, plus at most ``sample`` dominated ones drawn at random (seeded).

    Parameters
    ----------
    complete : array of bool
        Per row: every shown objective has a value.
    optimal : array of bool
        Per row: on the Pareto front over the shown objectives.
    sample : int or None
        Dominated candidates drawn at most; ``None`` draws every one.
    random_state : int
        Seed of the sample (the same inputs draw the same lines).

    Examples
    --------
    >>> rows = compute_parallel_rows(np.ones(6, bool), np.array([1, 0, 0, 0, 0, 1], bool), sample=2)
    >>> rows.front, len(rows.sampled), rows.shown, rows.total, rows.is_sample
    ((0, 5), 2, 4, 6, True)
    """
    complete = np.asarray(complete, dtype=bool)
    optimal = np.asarray(optimal, dtype=bool)
    front = np.flatnonzero(complete & optimal)
    dominated = np.flatnonzero(complete & ~optimal)
    if sample is not None and dominated.size > sample:
        rng = np.random.default_rng(random_state)
        dominated_shown = np.sort(rng.choice(dominated, size=max(int(sample), 0), replace=False))
    else:
        dominated_shown = dominated
    return ParallelRows(
        front=tuple(int(i) for i in front),
        sampled=tuple(int(i) for i in dominated_shown),
        dominated=int(dominated.size),
        missing=int((~complete).sum()),
    )


def _optimal(table: DecisionTable, pareto: ParetoResult) -> np.ndarray:
    if tuple(pareto.candidates) == tuple(table.candidates):
        return np.asarray(pareto.is_optimal, dtype=bool)
    on = set(pareto.front)
    return np.array([c in on for c in table.candidates], dtype=bool)


def _ticks(lo: float, hi: float) -> np.ndarray:
    """About :data:`_TICKS` round values between ``lo`` and ``hi`` (both ends included when nothing rounder fits)."""
    span = hi - lo
    step = 10 ** np.floor(np.log10(span / (_TICKS - 1)))
    for mult in (1, 2, 2.5, 5, 10):
        if span / (step * mult) <= _TICKS - 1:
            step *= mult
            break
    first = np.ceil(lo / step) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    return ticks if ticks.size >= 2 else np.array([lo, hi])


def _lines(u: np.ndarray, dtype: type = float) -> tuple[np.ndarray, np.ndarray]:
    """The x and y of polylines through each row of ``u`` (rows x axes), separated by gaps.

    ``np.float32`` halves the bytes sent to the browser (positions on a 0..1 axis need no more
    than its seven digits).
    """
    n, k = u.shape
    xs = np.tile(np.append(np.arange(k), np.nan).astype(dtype), n)
    ys = np.hstack([u, np.full((n, 1), np.nan)]).ravel().astype(dtype)
    return xs, ys


def make_parallel_figure(
    table: DecisionTable,
    objectives: Sequence[str],
    pareto: ParetoResult,
    *,
    colours: Mapping[str, str] | None = None,
    height: int = 460,
    sample: int | None = PARALLEL_SAMPLE,
    random_state: int = 0,
) -> go.Figure:
    """Parallel coordinates of ``objectives``, every axis oriented so that up is better.

    Parameters
    ----------
    table : DecisionTable
        Candidates x objectives (natural units).
    objectives : sequence of str
        The axes, left to right.
    pareto : ParetoResult
        Whose front (over ``objectives``) is always drawn, in the front colour.
    colours : mapping, optional
        ``{candidate: colour}``; with at most :data:`MAX_DISTINCT` candidates each line has its
        candidate's colour and a legend entry (★: on the front).
    height : int
        Figure height in pixels.
    sample : int or None
        Dominated candidates drawn at most, a seeded sample (:func:`compute_parallel_rows`); the
        subtitle says how many of how many are shown. ``None`` draws every candidate.
    random_state : int
        Seed of the sample.

    Returns
    -------
    plotly.graph_objects.Figure
        Candidates missing a value on a shown objective are left out (a line cannot have a gap);
        ``layout.meta`` says how many lines are ``shown`` of the ``total`` with values, and how
        many of them are on the ``front``.
    """
    cols = [table.column(o) for o in objectives]
    values = table.values[:, cols]
    complete = np.isfinite(values).all(axis=1)
    optimal = _optimal(table, pareto)
    rows = compute_parallel_rows(complete, optimal, sample=sample, random_state=random_state)
    distinct = colours is not None and len(table.candidates) <= MAX_DISTINCT
    # Axis scales from every candidate with values (not only those drawn), each mapped to 0..1, up is better.
    k = len(objectives)
    unit = np.zeros_like(values)
    annotations: list[dict] = []
    labels: list[str] = []
    for j, name in enumerate(objectives):
        o = table.objective(name)
        v = values[complete, j]
        scale = float(np.abs(v).max()) if v.size else 1.0
        lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
        lo, hi = snap_zero(lo, scale=scale), snap_zero(hi, scale=scale)  # -3.98e-18 is 0
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        u = (values[:, j] - lo) / (hi - lo)
        unit[:, j] = 1 - u if o.direction == "min" else u
        for t in _ticks(lo, hi):
            t = snap_zero(float(t), scale=scale)
            pos = (t - lo) / (hi - lo)
            annotations.append(
                {
                    "x": j,
                    "y": 1 - pos if o.direction == "min" else pos,
                    "text": f"{t:.4g}" if abs(t) < 1e5 else f"{t:,.0f}",
                    "showarrow": False,
                    "xanchor": "right",
                    "xshift": -4,
                    "font": {"size": 11, "color": "#444"},
                    "bgcolor": "rgba(255,255,255,0.8)",
                }
            )
        label = o.label + (f" ({o.unit})" if o.unit else "")
        labels.append(label if len(label) <= 28 else label[:26] + "…")
    fig = go.Figure()
    hover = "<b>%{text}</b><extra></extra>"
    if distinct:
        for i in (*rows.sampled, *rows.front):
            name = table.candidates[i]
            front = bool(optimal[i])
            xs, ys = _lines(unit[[i]])
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines+markers",
                    name=f"{name} ★" if front else name,
                    line={"color": colour_of(name, colours), "width": 3 if front else 1.5},
                    marker={"size": 6 if front else 4},
                    opacity=1.0 if front else 0.55,
                    text=[name] * len(xs),
                    hovertemplate=hover,
                )
            )
    else:
        if rows.sampled:
            xs, ys = _lines(unit[list(rows.sampled)], np.float32)
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=f"dominated ({len(rows.sampled):,} of {rows.dominated:,})",
                    line={"color": DOMINATED_COLOUR, "width": 1},
                    opacity=0.35,
                    hoverinfo="skip",
                )
            )
        if rows.front:
            front_idx = list(rows.front)
            xs, ys = _lines(unit[front_idx], np.float32)
            many = len(front_idx) > 50
            # Names to hover while a line can be told apart; past HOVER_LINES they would only add bytes.
            named = len(front_idx) <= HOVER_LINES
            names = np.repeat(np.asarray([table.candidates[i] for i in front_idx], dtype=object), k + 1)
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=f"Pareto front ({len(front_idx):,})",
                    line={"color": FRONT_COLOUR, "width": 1 if many else 2},
                    opacity=0.5 if len(front_idx) > 500 else 0.7 if many else 1.0,
                    text=names if named else None,
                    hovertemplate=hover if named else None,
                    hoverinfo=None if named else "skip",
                )
            )
    for j in range(k):
        fig.add_shape(type="line", x0=j, x1=j, y0=0, y1=1, line={"color": "#333", "width": 1}, layer="above")
    fig.update_xaxes(
        tickvals=list(range(k)),
        ticktext=labels,
        side="top",
        range=[-0.6, k - 0.6],
        showgrid=False,
        showline=False,
        zeroline=False,
        tickangle=-20 if k > 4 else 0,
    )
    fig.update_yaxes(
        range=[-0.04, 1.04], showgrid=False, showline=False, zeroline=False, showticklabels=False, fixedrange=True
    )
    subtitle = "Up is better on every axis."
    if rows.is_sample:
        subtitle += (
            f" {rows.shown:,} of {rows.total:,} candidates shown, front always included: all {len(rows.front):,} "
            f"on the Pareto front over these objectives (dark) and a random sample of {len(rows.sampled):,} of "
            f"the {rows.dominated:,} dominated (grey, seed {random_state})."
        )
    elif distinct:
        subtitle += " ★ marks the Pareto front over these objectives."
    else:
        subtitle += f" Dark: the {len(rows.front):,} on the Pareto front over these objectives."
    if rows.missing:
        subtitle += f" {rows.missing:,} candidate(s) with missing values left out."
    fig.update_layout(annotations=annotations, hovermode="closest", dragmode=False)
    # Room above the plot for the axis titles (top_extra).
    finish(fig, "Every objective at once", height=height, subtitle=subtitle, top_extra=60)
    fig.update_layout(
        margin={"l": 60, "r": 30, "b": 30},
        legend={"orientation": "h", "yanchor": "top", "y": -0.04, "xanchor": "left", "x": 0},
        meta={**fig.layout.meta, "shown": rows.shown, "total": rows.total, "front": len(rows.front)},
    )
    return fig
