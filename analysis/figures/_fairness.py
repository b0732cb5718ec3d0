"""Fairness figures: a metric per group with intervals and group sizes, and disparity per candidate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.figures._palette import colour_of
from analysis.figures._style import finish

RATE_LABELS: dict[str, str] = {
    "selection_rate": "Selection rate (share predicted positive)",
    "accuracy": "Accuracy",
    "tpr": "True positive rate (share of positives found)",
    "fpr": "False positive rate (share of negatives flagged)",
    "mae": "Mean absolute error",
}


def make_slice_figure(
    slices: pd.DataFrame,
    metric: str,
    *,
    candidates: Sequence[str] | None = None,
    colours: Mapping[str, str] | None = None,
    height: int | None = None,
) -> go.Figure:
    """One metric per group of one attribute, one dot (with interval) per candidate.

    ``slices`` holds the rows of one attribute from ``Scorecard.slices_frame()`` (columns
    ``candidate``, ``group``, ``n``, ``small``, ``<metric>``, ``<metric>_ci_low``/``_ci_high``).
    Groups too small to trust (``small``) are drawn with open markers and labelled.
    """
    frame = slices if candidates is None else slices[slices["candidate"].isin(list(candidates))]
    groups = list(dict.fromkeys(frame["group"].astype(str)))
    sizes = frame.drop_duplicates("group").set_index(frame.drop_duplicates("group")["group"].astype(str))
    labels = {}
    for g in groups:
        n = int(sizes.loc[g, "n"])
        small = bool(sizes.loc[g, "small"])
        labels[g] = f"{g} (n={n:,}{', too small' if small else ''})"
    names = list(dict.fromkeys(frame["candidate"]))
    k = len(names)
    offsets = np.linspace(-0.3, 0.3, k) if k > 1 else np.zeros(1)
    ypos = {g: i for i, g in enumerate(groups)}
    fig = go.Figure()
    lo_col, hi_col = f"{metric}_ci_low", f"{metric}_ci_high"
    for name, off in zip(names, offsets, strict=True):
        part = frame[frame["candidate"] == name]
        v = part[metric].to_numpy(dtype=float)
        lo = part[lo_col].to_numpy(dtype=float) if lo_col in part else np.full(len(part), np.nan)
        hi = part[hi_col].to_numpy(dtype=float) if hi_col in part else np.full(len(part), np.nan)
        small = part["small"].to_numpy(dtype=bool)
        y = [ypos[str(g)] + off for g in part["group"]]
        fig.add_trace(
            go.Scatter(
                x=v,
                y=y,
                mode="markers",
                name=name,
                marker={
                    "color": colour_of(name, colours),
                    "size": 10,
                    "symbol": ["circle-open" if s else "circle" for s in small],
                    "line": {"width": 2, "color": colour_of(name, colours)},
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": np.nan_to_num(hi - v).tolist(),
                    "arrayminus": np.nan_to_num(v - lo).tolist(),
                    "color": colour_of(name, colours),
                    "thickness": 1.5,
                    "width": 3,
                },
                customdata=np.column_stack([part["group"].astype(str), part["n"], lo, hi]),
                hovertemplate=(
                    f"<b>{name}</b><br>group %{{customdata[0]}} (n=%{{customdata[1]:,}})<br>"
                    f"{metric}: %{{x:.3f}} [%{{customdata[2]:.3f}}, %{{customdata[3]:.3f}}]<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(
        tickmode="array",
        tickvals=list(range(len(groups))),
        ticktext=[labels[g] for g in groups],
        autorange="reversed",
    )
    fig.update_xaxes(title_text=RATE_LABELS.get(metric, metric))
    return finish(
        fig,
        f"{RATE_LABELS.get(metric, metric).split(' (')[0]} by group",
        height=height or max(300, 120 + 30 * len(groups) * max(1, min(k, 4)) // 2),
        subtitle="Bars: confidence intervals. Open markers: groups too small to trust.",
    )


def make_disparity_figure(
    by_candidate: Mapping[str, Mapping[str, float]],
    measure: str,
    *,
    label: str,
    colours: Mapping[str, str] | None = None,
    lower_is_better: bool = True,
    height: int | None = None,
) -> go.Figure:
    """One disparity measure of one attribute, one bar per candidate (best first)."""
    items = [(c, m.get(measure)) for c, m in by_candidate.items() if m.get(measure) is not None]
    items.sort(key=lambda cv: cv[1], reverse=not lower_is_better)
    fig = go.Figure(
        go.Bar(
            x=[v for _, v in items],
            y=[c for c, _ in items],
            orientation="h",
            marker={"color": [colour_of(c, colours) for c, _ in items]},
            text=[f"{v:.3f}" for _, v in items],
            textposition="auto",
            hovertemplate=f"%{{y}}: {label} %{{x:.3f}}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=label)
    return finish(
        fig,
        label,
        height=height or max(280, 110 + 26 * len(items)),
        subtitle=f"{'Lower' if lower_is_better else 'Higher'} is fairer; fairest first.",
    )
