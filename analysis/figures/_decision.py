"""Decision figures: a profile's ranking, the regret table, weight stability and rank acceptability."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import plotly.graph_objects as go

from analysis.decision import FeasibilityResult, GroupResult, RankAcceptability, ScoreResult, WeightStability
from analysis.figures._palette import DOMINATED_COLOUR, FRONT_COLOUR, MAX_DISTINCT, NEUTRAL_COLOUR, colour_of
from analysis.figures._style import finish

MAX_BARS = 15
#: Share of the bars' span added beyond their ends, so labels outside the bars stay on the chart.
LABEL_PAD = 0.2
_LABEL_COLOUR = "#1d2330"


def bar_label_range(values: Sequence[float], *, pad: float = LABEL_PAD) -> list[float] | None:
    """A linear axis range that includes 0 and leaves room for labels beyond both ends of the bars.

    Negative bars get room on the left and positive ones on the right, so every label (placed
    outside its bar with ``cliponaxis=False``) stays readable whatever the bar's sign.

    Examples
    --------
    >>> bar_label_range([-0.5, 1.0])
    [-0.8, 1.3]
    >>> bar_label_range([0.2, 0.4])
    [0.0, 0.48]
    """
    vals = [float(v) for v in values if v is not None and np.isfinite(v)]
    if not vals:
        return None
    lo, hi = min(0.0, *vals), max(0.0, *vals)
    span = (hi - lo) or 1.0
    return [round(lo - pad * span, 12) if lo < 0 else lo, round(hi + pad * span, 12) if hi > 0 else hi]


def _outside_labels() -> dict:
    return {"textposition": "outside", "cliponaxis": False, "textfont": {"size": 12, "color": _LABEL_COLOUR}}


@dataclass(frozen=True)
class RankingBar:
    """One bar of a profile's ranking: what the chart and the dashboard's HTML bars both draw."""

    candidate: str
    score: float
    feasible: bool
    colour: str
    #: The score's parts by objective (largest first, additive methods), then up to three broken constraints.
    detail: tuple[str, ...]


def ranking_bars(
    score: ScoreResult,
    *,
    feasibility: FeasibilityResult | None = None,
    colours: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    top: int = MAX_BARS,
) -> list[RankingBar]:
    """The ``top`` best-scored candidates, best first, with what a reader needs to read each bar."""
    order = [c for c in score.order if c not in score.unscored][:top]
    index = {c: i for i, c in enumerate(score.candidates)}
    many = len(score.candidates) > MAX_DISTINCT
    bars = []
    for c in order:
        i = index[c]
        ok = feasibility.is_feasible(c) if feasibility is not None else True
        parts: list[str] = []
        if score.contributions is not None:
            pairs = sorted(zip(score.objectives, score.contributions[i], strict=True), key=lambda p: -abs(p[1] or 0.0))
            parts = [f"{(labels or {}).get(o, o)}: {v:+.3f}" for o, v in pairs]
        if not ok and feasibility is not None:
            parts += feasibility.violations(c)[:3]
        colour = FRONT_COLOUR if many else colour_of(c, colours)
        bars.append(RankingBar(c, float(score.scores[i]), ok, colour, tuple(parts)))
    return bars


def win_share_bars(
    win_share: Sequence[tuple[str, float]], *, colours: Mapping[str, str] | None = None
) -> list[RankingBar]:
    """How often each candidate won the what-if draws, most often first, as bars for :func:`ranking_html`.

    Coloured as :func:`make_win_share_figure` colours them.
    """
    items = sorted(win_share, key=lambda cv: -cv[1])
    return [RankingBar(c, v, True, colour_of(c, colours) if colours else DOMINATED_COLOUR, ()) for c, v in items]


def ranking_html(
    bars: Sequence[RankingBar],
    *,
    caption: str = "",
    fmt: Callable[[float], str] = "{:.3f}".format,
    span: tuple[float, float] | None = None,
) -> str:
    """The bars as a small HTML list: a few elements per bar instead of a chart.

    The dashboard draws one per stakeholder; six plotly charts cost a second or more of the browser's
    time on every visit to the page.

    Every candidate name and detail is escaped; hovering a row shows the score's parts (its ``title``).
    Negative scores (a score that extrapolates below the worst bound) grow left from zero. ``fmt``
    writes each value; ``span`` fixes the axis (default: from zero to the values).

    Examples
    --------
    >>> html = ranking_html([RankingBar("<b>m</b>", 0.5, False, "#4E79A7", ("recall: +0.500",))])
    >>> "&lt;b&gt;m&lt;/b&gt; (infeasible)" in html and "<b>m" not in html
    True
    """
    lo, hi = span or bar_label_range([b.score for b in bars], pad=0.0) or [0.0, 1.0]
    width = (hi - lo) or 1.0
    rows = []
    for b in bars:
        name = b.candidate if b.feasible else f"{b.candidate} (infeasible)"
        left = (min(0.0, b.score) - lo) / width * 100 if np.isfinite(b.score) else 0.0
        size = abs(b.score) / width * 100 if np.isfinite(b.score) else 0.0
        colour = escape(b.colour, quote=True)
        fill = (
            colour
            if b.feasible
            else f"repeating-linear-gradient(45deg,{colour} 0 3px,transparent 3px 6px);opacity:0.45"
        )
        tip = escape(f"{b.candidate}\n{fmt(b.score)}" + "".join(f"\n{d}" for d in b.detail), quote=True)
        rows.append(
            f'<div title="{tip}" style="display:flex;align-items:center;gap:0.5rem;margin:3px 0;'
            f'font-size:0.8rem;line-height:1.1">'
            f'<span style="flex:0 0 45%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;'
            f'text-align:right">{escape(name)}</span>'
            f'<span style="flex:1 1 auto;position:relative;height:0.95rem">'
            f'<span style="position:absolute;top:0;bottom:0;left:{left:.2f}%;width:{size:.2f}%;background:{fill}">'
            f"</span></span>"
            f'<span style="flex:0 0 3rem;font-variant-numeric:tabular-nums">{escape(fmt(b.score))}</span></div>'
        )
    tail = f'<div style="font-size:0.75rem;opacity:0.7;margin-top:2px">{escape(caption)}</div>' if caption else ""
    return f'<div role="list">{"".join(rows)}</div>{tail}'


def make_ranking_figure(
    score: ScoreResult,
    *,
    feasibility: FeasibilityResult | None = None,
    colours: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    top: int = MAX_BARS,
    height: int | None = None,
    title: str | None = "Ranking",
) -> go.Figure:
    """The ``top`` best-scored candidates as bars, infeasible ones hatched and faded.

    Hover text breaks each score into its objectives' contributions (additive methods). With
    ``title=None`` the figure has no title (for a card that already names it).
    """
    bars = ranking_bars(score, feasibility=feasibility, colours=colours, labels=labels, top=top)
    values = [b.score for b in bars]
    names = [b.candidate if b.feasible else f"{b.candidate} (infeasible)" for b in bars]
    hover = [f"<b>{b.candidate}</b><br>score {b.score:.3f}<br>" + "<br>".join(b.detail) for b in bars]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker={
                "color": [b.colour for b in bars],
                "opacity": [1.0 if b.feasible else 0.45 for b in bars],
                "pattern": {"shape": ["" if b.feasible else "/" for b in bars]},
            },
            hovertext=hover,
            hoverinfo="text",
            text=[f"{v:.3f}" for v in values],
            **_outside_labels(),
        )
    )
    fig.update_yaxes(autorange="reversed")
    better = "higher" if score.higher_is_better else "lower"
    fig.update_xaxes(title_text=f"{score.method} score, {better} is better", range=bar_label_range(values))
    more = len(score.candidates) - len(bars)
    h = height or max(200, (70 if title else 40) + 26 * len(bars))
    if title is None:
        finish(fig, "", height=h)
        fig.update_layout(margin={"l": 10, "r": 28, "t": 10, "b": 10})
        return fig
    sub = "Hatched: breaks a hard constraint." + (f" {more:,} more not shown." if more > 0 else "")
    return finish(fig, title, height=h, subtitle=sub)


def make_regret_figure(
    group: GroupResult,
    *,
    chosen: str | None = None,
    height: int | None = None,
    labels: Mapping[str, str] | None = None,
    candidates: Sequence[str] | None = None,
    note: str = "",
) -> go.Figure:
    """Regret of each stakeholder (rows) for each considered candidate (columns).

    ``labels`` names the rows (``{profile: role}``; the profile's name otherwise); ``candidates``
    keeps only these columns; ``note`` is added to the subtitle.
    """
    keep = [j for j, c in enumerate(group.candidates) if candidates is None or c in set(candidates)]
    z = np.asarray(group.regret, dtype=float).reshape(len(group.profiles), len(group.candidates))[:, keep]
    text = [["" if v != v else f"{v:.2f}" for v in row] for row in z]
    cols = [f"{c} ✔" if c == chosen else c for c in (group.candidates[j] for j in keep)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=cols,
            y=[(labels or {}).get(p, p) for p in group.profiles],
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#FFFFFF"], [1, "#D9822B"]],
            zmin=0,
            colorbar={"title": {"text": "regret"}},
            hovertemplate="%{y} with %{x}: regret %{z:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(tickangle=-30)
    fig.update_yaxes(autorange="reversed")
    return finish(
        fig,
        "Regret: what each stakeholder gives up",
        height=height or 190 + 34 * len(group.profiles),
        subtitle="Against their own favourite. 0: their favourite; 1: as far off as their worst acceptable value. "
        "✔ chosen." + (f" {note}" if note else ""),
    )


def make_weight_stability_figure(
    stability: WeightStability,
    *,
    labels: Mapping[str, str] | None = None,
    height: int | None = None,
) -> go.Figure:
    """For each weight: the range it can move in (others rescaled) before the winner changes."""
    rows = [i for i in stability.intervals if i.weight > 0 or i.low is not None]
    fig = go.Figure()
    names = [(labels or {}).get(i.objective, i.objective) for i in rows]
    for name, i in zip(names, rows, strict=True):
        if i.low is None or i.high is None:
            fig.add_trace(
                go.Scatter(
                    x=[i.weight],
                    y=[name],
                    mode="markers",
                    marker={"color": NEUTRAL_COLOUR, "size": 10, "symbol": "x"},
                    showlegend=False,
                    hovertext=f"{name}: {i.note}",
                    hoverinfo="text",
                )
            )
            continue
        fig.add_trace(
            go.Scatter(
                x=[i.low, i.high],
                y=[name, name],
                mode="lines",
                line={"color": "#8FB8DE", "width": 14},
                showlegend=False,
                hovertext=(
                    f"{name}: the winner stays {stability.winner} while this weight is between "
                    f"{i.low:.0%} and {i.high:.0%} of the total"
                    + (f"; below, {i.below} wins" if i.below else "")
                    + (f"; above, {i.above} wins" if i.above else "")
                ),
                hoverinfo="text",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[i.weight],
                y=[name],
                mode="markers",
                marker={"color": FRONT_COLOUR, "size": 12, "symbol": "line-ns", "line": {"width": 3}},
                showlegend=False,
                hovertext=f"{name}: current weight {i.weight:.0%}",
                hoverinfo="text",
            )
        )
        for x, who, anchor in ((i.low, i.below, "right"), (i.high, i.above, "left")):
            if who:
                fig.add_annotation(
                    x=x, y=name, text=f"{who}", showarrow=False, xanchor=anchor, yshift=14, font={"size": 11}
                )
    fig.update_xaxes(title_text="share of the total weight", range=[0, 1], tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    return finish(
        fig,
        f"Safe range of each weight for {stability.winner}",
        height=height or 110 + 48 * len(rows),
        subtitle="Blue: the safe range; black tick: the current weight; names: who wins beyond each end.",
    )


def make_acceptability_figure(
    acc: RankAcceptability,
    *,
    height: int | None = None,
    top_ranks: int = 5,
    top: int | None = None,
) -> go.Figure:
    """Share of resampled draws in which each candidate takes each rank (SMAA).

    ``top``: only the candidates most often first (then most often in the first ranks), the subtitle
    says how many of how many; ``None`` draws every candidate.
    """
    ranks = np.asarray(acc.ranks, dtype=float)
    k = min(top_ranks, ranks.shape[1]) if ranks.size else 0
    if ranks.size:
        order = np.lexsort((-ranks[:, :k].sum(axis=1), -np.asarray(acc.first, dtype=float)))
    else:
        order = np.zeros(0, dtype=int)
    total = len(order)
    if top is not None:
        order = order[:top]
    z = ranks[order, :k] if ranks.size else np.zeros((0, 0))
    y = [acc.candidates[i] for i in order]
    text = [[f"{v:.0%}" if v >= 0.005 else "" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"rank {r + 1}" for r in range(k)],
            y=y,
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar={"title": {"text": "share"}, "tickformat": ".0%"},
            hovertemplate="%{y} at %{x}: %{z:.1%} of draws<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return finish(
        fig,
        "How often each candidate takes each rank",
        height=height or 120 + 28 * len(y),
        subtitle=f"{acc.n_samples} draws with weights and measured values resampled within their uncertainty."
        + (f" The {len(y):,} of {total:,} candidates most often first." if len(y) < total else ""),
    )


def make_win_share_figure(
    win_share: Sequence[tuple[str, float]],
    *,
    colours: Mapping[str, str] | None = None,
    height: int | None = None,
    subtitle: str | None = None,
) -> go.Figure:
    """Share of draws in which the group rule picks each candidate (``subtitle`` says how they were drawn)."""
    items = sorted(win_share, key=lambda cv: -cv[1])
    fig = go.Figure(
        go.Bar(
            x=[v for _, v in items],
            y=[c for c, _ in items],
            orientation="h",
            marker={"color": [colour_of(c, colours) if colours else DOMINATED_COLOUR for c, _ in items]},
            text=[f"{v:.0%}" for _, v in items],
            hovertemplate="%{y}: chosen in %{x:.1%} of draws<extra></extra>",
            **_outside_labels(),
        )
    )
    fig.update_xaxes(
        range=[0, 1.4],  # room for the "100%" label of a bar that fills the axis, even in a narrow column
        tickvals=[0, 0.5, 1],
        tickformat=".0%",
        title_text="share of draws won",
    )
    fig.update_yaxes(autorange="reversed")
    h = height or (100 if subtitle is None else 120) + 28 * len(items)
    return finish(fig, "How often the group rule picks each candidate", height=h, subtitle=subtitle)
