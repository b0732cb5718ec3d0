"""Explanation figures: global importance, importance across candidates, one row's explanation.

They read a scorecard's ``explanations`` section (``sections["explanations"]["candidates"][name]``:
``global_importance`` rows with ``feature``/``mean_abs_attribution``/``share``; ``local`` rows with
``attributions``, ``values``, ``base_value`` and ``output``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from analysis.figures._palette import NEUTRAL_COLOUR, REFERENCE_COLOUR, colour_of
from analysis.figures._style import finish


def make_importance_figure(
    importance: Sequence[Mapping],
    *,
    candidate: str,
    colours: Mapping[str, str] | None = None,
    top: int = 15,
    sensitive: Sequence[str] = (),
    proxies: Sequence[str] = (),
    height: int | None = None,
) -> go.Figure:
    """A candidate's features by share of its attribution mass; sensitive attributes and proxies labelled."""
    rows = sorted(importance, key=lambda r: -r["share"])[:top]
    names = []
    for r in rows:
        tag = " (sensitive)" if r["feature"] in sensitive else (" (proxy)" if r["feature"] in proxies else "")
        names.append(r["feature"] + tag)
    colour = colour_of(candidate, colours)
    fig = go.Figure(
        go.Bar(
            x=[r["share"] for r in rows],
            y=names,
            orientation="h",
            marker={"color": [REFERENCE_COLOUR if n.endswith(("(sensitive)", "(proxy)")) else colour for n in names]},
            text=[f"{r['share']:.0%}" for r in rows],
            textposition="auto",
            customdata=[r["mean_abs_attribution"] for r in rows],
            hovertemplate="%{y}: %{x:.1%} of the attribution (mean |SHAP| %{customdata:.3g})<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="share of the model's attribution mass", tickformat=".0%")
    return finish(
        fig,
        f"What {candidate} relies on",
        height=height or max(260, 90 + 26 * len(rows)),
        subtitle="Share of its attribution mass (mean |SHAP|). Red: sensitive or proxy.",
    )


def make_importance_comparison_figure(
    candidates: Mapping[str, Mapping],
    *,
    top: int = 12,
    height: int | None = None,
    flagged: Sequence[str] = (),
    note: str = "",
) -> go.Figure:
    """Features (rows) x candidates (columns): each candidate's share of attribution per feature.

    Features in ``flagged`` (sensitive attributes and their proxies) are marked ⚠; ``note`` is
    added to the subtitle.
    """
    names = [c for c, e in candidates.items() if e.get("global_importance")]
    totals: dict[str, float] = {}
    for c in names:
        for r in candidates[c]["global_importance"]:
            totals[r["feature"]] = totals.get(r["feature"], 0.0) + float(r["share"])
    features = sorted(totals, key=lambda f: -totals[f])[:top]
    z = np.full((len(features), len(names)), np.nan)
    for j, c in enumerate(names):
        share = {r["feature"]: r["share"] for r in candidates[c]["global_importance"]}
        for i, f in enumerate(features):
            if f in share:
                z[i, j] = share[f]
    text = [[("" if np.isnan(v) else f"{v:.0%}") for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=names,
            y=[f"{f} ⚠" if f in set(flagged) else f for f in features],
            text=text,
            texttemplate="%{text}",
            colorscale="Purples",
            zmin=0,
            colorbar={"title": {"text": "share"}, "tickformat": ".0%"},
            hovertemplate="%{x} on %{y}: %{z:.1%}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-30)
    return finish(
        fig,
        "Which features each candidate relies on",
        height=height or 160 + 28 * len(features),
        subtitle="Share of each candidate's attribution mass; blank: the candidate does not use the feature."
        + (" ⚠ a sensitive attribute or a proxy for one." if set(flagged) & set(features) else "")
        + (f" {note}" if note else ""),
    )


def make_local_figure(
    row: Mapping,
    *,
    candidate: str,
    output_meaning: str | None = None,
    top: int = 10,
    height: int = 460,
) -> go.Figure:
    """Waterfall from the model's average output to this row's output, feature by feature."""
    attributions = dict(row.get("attributions", {}))
    values = dict(row.get("values", {}))
    items = sorted(attributions.items(), key=lambda kv: -abs(kv[1]))
    shown, rest = items[:top], items[top:]
    x = ["average output"]
    y = [float(row["base_value"])]
    measure = ["absolute"]
    for f, a in shown:
        v = values.get(f)
        x.append(f"{f} = {v}" if v is not None else f)
        y.append(float(a))
        measure.append("relative")
    if rest:
        x.append(f"{len(rest)} other features")
        y.append(float(sum(a for _, a in rest)))
        measure.append("relative")
    x.append("this row's output")
    y.append(float(row["output"]))
    measure.append("total")
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            x=y,
            y=x,
            measure=measure,
            increasing={"marker": {"color": "#D9822B"}},
            decreasing={"marker": {"color": "#4E79A7"}},
            totals={"marker": {"color": NEUTRAL_COLOUR}},
            connector={"line": {"color": "#BBBBBB"}},
            hovertemplate="%{y}: %{x:+.3f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=(output_meaning or "model output").split(":")[0])
    return finish(
        fig,
        f"Why {candidate} scored row {row.get('row')} this way",
        height=height,
        subtitle="Orange pushes the output up, blue pulls it down; the bars add up from the average to this row.",
    )
