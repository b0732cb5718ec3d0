"""Quality figures: metric intervals, ROC, precision-recall, calibration and confusion matrices.

They read the compact curves a scorecard stores (``sections["curves"][candidate]``: ``roc`` with
``fpr``/``tpr``, ``pr`` with ``recall``/``precision``, ``calibration`` with
``bin_mean_predicted``/``bin_observed_rate``/``bin_count``, ``confusion_matrix``) and the metric
table with its intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from analysis.figures._palette import NEUTRAL_COLOUR, REFERENCE_COLOUR, colour_of
from analysis.figures._style import finish, fmt
from analysis.objectives import Objective


def make_interval_figure(
    objective: Objective,
    values: Mapping[str, float],
    intervals: Mapping[str, tuple[float | None, float | None]],
    *,
    colours: Mapping[str, str] | None = None,
    best: str | None = None,
    tied: Sequence[str] = (),
    height: int | None = None,
    title: str | None = None,
    subtitle: str | None = None,
) -> go.Figure:
    """One objective for every candidate: the value and its confidence interval, best on top.

    ``best`` is marked ★ and candidates statistically tied with it (``tied``) ≈. ``title`` and
    ``subtitle`` replace the default ones (the objective's label; what dots and bars are).
    """
    items = [(c, v) for c, v in values.items() if v is not None and v == v]
    reverse = objective.direction == "max"
    items.sort(key=lambda cv: cv[1], reverse=reverse)
    missing = [c for c, v in values.items() if v is None or v != v]
    fig = go.Figure()
    labels = []
    for c, _v in items:
        mark = " ★ best" if c == best else (" ≈ tied with best" if c in tied else "")
        labels.append(f"{c}{mark}")
    for (c, v), label in zip(items, labels, strict=True):
        lo, hi = intervals.get(c, (None, None))
        has = lo is not None and hi is not None and lo == lo and hi == hi
        fig.add_trace(
            go.Scatter(
                x=[v],
                y=[label],
                mode="markers",
                name=c,
                showlegend=False,
                marker={"color": colour_of(c, colours), "size": 12, "line": {"color": "white", "width": 1}},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [hi - v] if has else [0],
                    "arrayminus": [v - lo] if has else [0],
                    "color": colour_of(c, colours),
                    "thickness": 2,
                    "width": 6,
                },
                hovertemplate=(
                    f"<b>{c}</b><br>{objective.label}: {fmt(v, objective.unit)}"
                    + (f"<br>interval: [{fmt(lo)}, {fmt(hi)}]" if has else "<br>no interval")
                    + "<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels)
    unit = f" ({objective.unit})" if objective.unit else ""
    arrow = "higher is better" if objective.direction == "max" else "lower is better"
    fig.update_xaxes(title_text=f"{objective.label}{unit}, {arrow}")
    if subtitle is None:
        subtitle = "Dots are the measured values, bars the confidence intervals; best first."
    if missing:
        subtitle += f" Missing: {', '.join(missing)}."
    return finish(fig, title or objective.label, height=height or max(260, 60 + 34 * len(items)), subtitle=subtitle)


def _legend_below(fig: go.Figure) -> go.Figure:
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.3, "xanchor": "left", "x": 0})
    fig.update_layout(height=fig.layout.height + 90)
    return fig


#: Hover and legend wording for a candidate whose curve is a single operating point.
ONE_POINT = "constant score: one operating point"


def single_operating_point(
    xs: Sequence[float], ys: Sequence[float], *, trivial: tuple[float, float]
) -> tuple[float, float] | None:
    """The one operating point of a curve that has only one, else ``None``.

    A constant score (a majority-class baseline) ranks no row above another: its only threshold
    flags every row, so its ROC "curve" is (0, 0) and (1, 1) and its precision-recall "curve" is
    (recall 1, precision = prevalence) plus the conventional (0, 1) end point. Drawing the straight
    line between them invents operating points the model does not have. ``trivial`` is the end point
    every curve shares ((0, 0) for ROC, (0, 1) for precision-recall).

    Examples
    --------
    >>> single_operating_point([1.0, 0.0], [0.22, 1.0], trivial=(0.0, 1.0))
    (1.0, 0.22)
    >>> single_operating_point([0.0, 0.5, 1.0], [0.0, 0.8, 1.0], trivial=(0.0, 0.0)) is None
    True
    """
    points = {(round(float(x), 9), round(float(y), 9)) for x, y in zip(xs, ys, strict=True)}
    points.discard((round(trivial[0], 9), round(trivial[1], 9)))
    if len(points) != 1:
        return None
    x, y = points.pop()
    return float(x), float(y)


def _curve_figure(
    curves: Mapping[str, Mapping],
    key: str,
    xkey: str,
    ykey: str,
    *,
    colours: Mapping[str, str] | None,
    labels: Mapping[str, str] | None,
    trivial: tuple[float, float],
    names: tuple[str, str],
) -> tuple[go.Figure, list[str], list[str]]:
    fig = go.Figure()
    missing, single = [], []
    for name, c in curves.items():
        if name.startswith("_"):
            continue
        data = c.get(key) if isinstance(c, Mapping) else None
        if not data:
            missing.append(name)
            continue
        label = (labels or {}).get(name, name)
        point = single_operating_point(data[xkey], data[ykey], trivial=trivial)
        if point is not None:
            single.append(name)
            fig.add_trace(
                go.Scatter(
                    x=[point[0]],
                    y=[point[1]],
                    mode="markers",
                    name=f"{label} ◆",
                    marker={"color": colour_of(name, colours), "size": 12, "symbol": "diamond",
                            "line": {"color": "white", "width": 1}},
                    cliponaxis=False,
                    hovertemplate=(
                        f"<b>{name}</b>: {ONE_POINT}, it flags every row<br>{names[0]}: %{{x:.3f}}<br>"
                        f"{names[1]}: %{{y:.3f}}<extra></extra>"
                    ),
                )
            )  # fmt: skip
            continue
        fig.add_trace(
            go.Scatter(
                x=list(data[xkey]),
                y=list(data[ykey]),
                mode="lines",
                name=label,
                line={"color": colour_of(name, colours), "width": 2},
                hovertemplate=f"<b>{name}</b><br>{names[0]}: %{{x:.3f}}<br>{names[1]}: %{{y:.3f}}<extra></extra>",
            )
        )
    return fig, missing, single


def _curve_note(missing: list[str], single: list[str], what: str) -> str:
    text = ""
    if single:
        text += f" ◆ {', '.join(single)}: a constant score has one operating point, not a curve."
    if missing:
        text += f" No {what}: {', '.join(missing)}."
    return text


def make_roc_figure(
    curves: Mapping[str, Mapping],
    *,
    colours: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    height: int = 440,
) -> go.Figure:
    """ROC curves of every candidate with scores, and the chance diagonal.

    A candidate with a constant score is one point (◆), not a curve: see :func:`single_operating_point`.
    """
    fig, missing, single = _curve_figure(
        curves, "roc", "fpr", "tpr", colours=colours, labels=labels, trivial=(0.0, 0.0), names=("FPR", "TPR")
    )
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="chance",
            line={"color": NEUTRAL_COLOUR, "dash": "dot", "width": 1},
            hoverinfo="skip",
        )
    )
    fig.update_xaxes(title_text="False positive rate", range=[0, 1.02])
    fig.update_yaxes(title_text="True positive rate (positives found)", range=[0, 1.03])
    sub = "Closer to the top-left corner is better." + _curve_note(missing, single, "scores")
    return _legend_below(finish(fig, "ROC curve", height=height, subtitle=sub))


def make_pr_figure(
    curves: Mapping[str, Mapping],
    *,
    colours: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    prevalence: float | None = None,
    height: int = 440,
) -> go.Figure:
    """Precision-recall curves, and the precision of a random ranking (the positive rate).

    A candidate with a constant score is one point (◆), not a curve: see :func:`single_operating_point`.
    """
    fig, missing, single = _curve_figure(
        curves,
        "pr",
        "recall",
        "precision",
        colours=colours,
        labels=labels,
        trivial=(0.0, 1.0),
        names=("recall", "precision"),
    )
    if prevalence is not None:
        fig.add_trace(
            go.Scatter(
                x=[0, 1],
                y=[prevalence, prevalence],
                mode="lines",
                name=f"random ({prevalence:.1%} positive)",
                line={"color": NEUTRAL_COLOUR, "dash": "dot", "width": 1},
                hoverinfo="skip",
            )
        )
    fig.update_xaxes(title_text="Recall: positives found", range=[0, 1.02])
    fig.update_yaxes(title_text="Precision (share of flagged that are positive)", range=[0, 1.03])
    sub = "Closer to the top-right corner is better." + _curve_note(missing, single, "scores")
    return _legend_below(finish(fig, "Precision-recall curve", height=height, subtitle=sub))


def make_calibration_figure(
    curves: Mapping[str, Mapping],
    *,
    colours: Mapping[str, str] | None = None,
    height: int = 440,
) -> go.Figure:
    """Reliability diagram: observed positive rate against mean predicted probability per bin."""
    fig = go.Figure()
    missing = []
    for name, c in curves.items():
        if name.startswith("_"):
            continue
        cal = c.get("calibration") if isinstance(c, Mapping) else None
        if not cal:
            missing.append(name)
            continue
        counts = np.asarray(cal["bin_count"], dtype=float)
        sizes = 4 + 8 * np.sqrt(counts / max(1.0, counts.max()))
        fig.add_trace(
            go.Scatter(
                x=list(cal["bin_mean_predicted"]),
                y=list(cal["bin_observed_rate"]),
                mode="lines+markers",
                name=name,
                line={"color": colour_of(name, colours), "width": 2},
                marker={"size": sizes.tolist(), "color": colour_of(name, colours)},
                customdata=counts.astype(int).tolist(),
                hovertemplate=(
                    f"<b>{name}</b><br>predicted: %{{x:.2f}}<br>observed: %{{y:.2f}}<br>rows in bin: %{{customdata:,}}"
                    "<extra></extra>"
                ),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="perfectly calibrated",
            line={"color": NEUTRAL_COLOUR, "dash": "dot", "width": 1},
            hoverinfo="skip",
        )
    )
    fig.update_xaxes(title_text="Predicted probability", range=[0, 1])
    fig.update_yaxes(title_text="Observed share of positives", range=[0, 1.01])
    sub = "On the diagonal, a predicted 30% happens 30% of the time. Marker size: rows in the bin." + (
        f" No probabilities: {', '.join(missing)}." if missing else ""
    )
    return _legend_below(finish(fig, "Calibration", height=height, subtitle=sub))


def make_confusion_figure(
    matrix: Sequence[Sequence[int]],
    classes: Sequence[str],
    *,
    title: str = "Confusion matrix",
    height: int = 360,
) -> go.Figure:
    """Counts of true class (rows) against predicted class (columns), with the share of each row."""
    m = np.asarray(matrix, dtype=float)
    row = m.sum(axis=1, keepdims=True)
    share = np.divide(m, row, out=np.zeros_like(m), where=row > 0)
    text = [[f"{int(m[i, j]):,}<br>{share[i, j]:.0%} of row" for j in range(m.shape[1])] for i in range(m.shape[0])]
    labels = [str(c) for c in classes]
    fig = go.Figure(
        go.Heatmap(
            z=share,
            x=[f"predicted {c}" for c in labels],
            y=[f"actual {c}" for c in labels],
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="%{y}, %{x}<br>%{text}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return finish(fig, title, height=height, subtitle="Diagonal: right calls. Colour: share of the actual class.")


def make_regression_figure(
    curves: Mapping[str, Mapping],
    *,
    colours: Mapping[str, str] | None = None,
    height: int = 440,
) -> go.Figure:
    """Mean actual against mean predicted value per prediction bin (regression)."""
    fig = go.Figure()
    lo, hi = np.inf, -np.inf
    for name, c in curves.items():
        b = c.get("binned") if isinstance(c, Mapping) else None
        if not b:
            continue
        fig.add_trace(
            go.Scatter(
                x=list(b["mean_predicted"]),
                y=list(b["mean_actual"]),
                mode="lines+markers",
                name=name,
                line={"color": colour_of(name, colours)},
            )
        )
        lo = min(lo, min(b["mean_predicted"]), min(b["mean_actual"]))
        hi = max(hi, max(b["mean_predicted"]), max(b["mean_actual"]))
    if np.isfinite(lo):
        fig.add_trace(
            go.Scatter(
                x=[lo, hi], y=[lo, hi], mode="lines", name="perfect", line={"color": REFERENCE_COLOUR, "dash": "dot"}
            )
        )
    fig.update_xaxes(title_text="Mean prediction in the bin")
    fig.update_yaxes(title_text="Mean actual value")
    return finish(fig, "Predicted against actual", height=height)
