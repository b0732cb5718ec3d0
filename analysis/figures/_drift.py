"""Drift figures: a metric per time window, the backtest by age of training data, feature drift (PSI)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from analysis.figures._palette import NEUTRAL_COLOUR, REFERENCE_COLOUR, colour_of
from analysis.figures._style import finish
from analysis.objectives import Objective

#: PSI reading thresholds drawn as bands (the conventional 0.1 and 0.25).
PSI_BANDS: tuple[tuple[float, float, str], ...] = ((0.1, 0.25, "moderate shift"), (0.25, float("inf"), "major shift"))


def make_window_figure(
    windows: pd.DataFrame,
    metric: Objective,
    *,
    colours: Mapping[str, str] | None = None,
    candidates: Sequence[str] | None = None,
    height: int = 440,
    highlight: str | None = None,
    subtitle: str | None = None,
) -> go.Figure:
    """``metric`` per time window, one line per candidate (``Scorecard.windows_frame()`` rows).

    The row count per window (column ``n``) is shown on hover when the frame has it; the
    ``highlight`` candidate's line is drawn thick.
    """
    fig = go.Figure()
    frame = windows if candidates is None else windows[windows["candidate"].isin(list(candidates))]
    for name, part in frame.groupby("candidate", sort=False):
        part = part.sort_values("window")
        rows = " (%{customdata:,} rows)" if "n" in part else ""
        fig.add_trace(
            go.Scatter(
                x=part["window"].astype(str),
                y=part[metric.name],
                mode="lines+markers",
                name=str(name),
                line={"color": colour_of(str(name), colours), "width": 4 if name == highlight else 2},
                customdata=part["n"] if "n" in part else None,
                hovertemplate=f"<b>{name}</b><br>%{{x}}: %{{y:.3f}}{rows}<extra></extra>",
            )
        )
    unit = f" ({metric.unit})" if metric.unit else ""
    better = "better ↑" if metric.direction == "max" else "better ↓"
    fig.update_yaxes(title_text=f"{metric.label}{unit} · {better}")
    fig.update_xaxes(title_text="time window", type="category")
    return finish(fig, f"{metric.label} over time", height=height, subtitle=subtitle)


def make_backtest_figure(
    rows: Sequence[Mapping],
    supplied: Sequence[Mapping],
    *,
    metric: str = "roc_auc",
    label: str = "ROC AUC",
    colours: Mapping[str, str] | None = None,
    height: int = 440,
) -> go.Figure:
    """Quality on the test month against the age of the training data; dashed: the model as supplied."""
    fig = go.Figure()
    by: dict[str, list[Mapping]] = {}
    for r in rows:
        by.setdefault(r["candidate"], []).append(r)
    ref = {s["candidate"]: s.get(metric) for s in supplied}
    for name, rs in by.items():
        rs = sorted((r for r in rs if r.get(metric) is not None), key=lambda r: -r["age_months"])
        if not rs:
            continue
        colour = colour_of(name, colours)
        fig.add_trace(
            go.Scatter(
                x=[r["age_months"] for r in rs],
                y=[r[metric] for r in rs],
                mode="lines+markers",
                name=name,
                legendgroup=name,
                line={"color": colour},
                customdata=[[r["train_start"], r["train_end"]] for r in rs],
                hovertemplate=(
                    f"<b>{name}</b><br>trained on %{{customdata[0]}}..%{{customdata[1]}} "
                    f"(%{{x}} months old)<br>{label}: %{{y:.3f}}<extra></extra>"
                ),
            )
        )
        if ref.get(name) is not None:
            ages = [r["age_months"] for r in rs]
            fig.add_trace(
                go.Scatter(
                    x=[max(ages), min(ages)],
                    y=[ref[name], ref[name]],
                    mode="lines",
                    legendgroup=name,
                    showlegend=False,
                    line={"color": colour, "dash": "dot", "width": 1},
                    hovertemplate=f"<b>{name}</b> as supplied: {label} %{{y:.3f}}<extra></extra>",
                )
            )
    fig.update_xaxes(title_text="age of the training data (months before the test month)", autorange="reversed")
    fig.update_yaxes(title_text=f"{label} on the test month · better ↑")
    return finish(
        fig,
        "Backtest: how much quality fresher training data buys",
        height=height,
        subtitle="Each candidate retrained on older and newer windows; dotted: the model as supplied.",
    )


def make_psi_figure(
    features: Sequence[Mapping], *, top: int = 20, height: int | None = None, windows: str = ""
) -> go.Figure:
    """Population stability index per feature (largest first), with the usual reading bands.

    Every drawn row carries its value as a label outside the bar, so a feature that did not move
    (PSI near 0, no visible bar) still reads "0.00 stable" rather than looking blank. Features
    without a PSI are not drawn; the subtitle counts them and those beyond ``top``. ``windows``
    (``"2025-12 against training data"``) opens the subtitle.
    """
    measured = [f for f in features if f.get("psi") is not None]
    rows = measured[:top]
    names = [f["feature"] for f in rows]
    values = [float(f["psi"]) for f in rows]
    xmax = max([0.3, *values]) * 1.05
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker={"color": NEUTRAL_COLOUR},
            text=[f"{v:.2f} {f.get('reading') or ''}".strip() for v, f in zip(values, rows, strict=True)],
            textposition="outside",
            cliponaxis=False,
            textfont={"size": 12},
            hovertemplate="%{y}: PSI %{x:.4f}<extra></extra>",
        )
    )
    for lo, hi, _label in PSI_BANDS:  # shaded bands; the subtitle names them
        fig.add_vrect(
            x0=lo,
            x1=min(hi, xmax * 1.4),
            fillcolor=REFERENCE_COLOUR,
            opacity=0.05 if hi < float("inf") else 0.10,
            line_width=0,
            layer="below",
        )
    fig.update_yaxes(autorange="reversed")
    # Room right of the longest bar for its label ("1.26 major").
    fig.update_xaxes(title_text="population stability index (PSI)", range=[0, xmax * 1.4])
    subtitle = (f"{windows}. " if windows else "") + (
        "Below 0.1 stable; light band 0.1 to 0.25: moderate shift; darker band above 0.25: major shift."
    )
    unmeasured = len(features) - len(measured)
    if len(measured) > top:
        subtitle += f" {len(measured) - top} more features moved less than these."
    if unmeasured:
        subtitle += f" {unmeasured} feature(s) without a PSI not drawn."
    return finish(fig, "Which features moved", height=height or max(280, 110 + 24 * len(rows)), subtitle=subtitle)


def make_bins_figure(feature: Mapping, *, reference: str, current: str, height: int = 380) -> go.Figure:
    """Share of rows per bin of one feature, reference against current period."""
    bins = feature.get("bins") or []
    labels = [b["label"] for b in bins]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=labels, y=[b["reference_share"] for b in bins], name=reference, marker_color="#BBBBBB"))
    fig.add_trace(go.Bar(x=labels, y=[b["current_share"] for b in bins], name=current, marker_color=REFERENCE_COLOUR))
    fig.update_yaxes(title_text="share of rows", tickformat=".0%")
    fig.update_xaxes(title_text=feature.get("feature", ""))
    return finish(fig, f"{feature.get('feature')}: reference against current", height=height)
