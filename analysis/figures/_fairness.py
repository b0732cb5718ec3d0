"""Fairness figures and tables: a metric per group with intervals and group sizes, disparity per candidate.

Scorecards written before the small-group rule (no ``excluded_from_scoring`` or ``ci_method``
in their slices) are read as they are: their small groups are flagged, their intervals are
bootstrap percentiles, and :func:`small_group_note` says that their scored disparities still
include small groups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.figures._decision import bar_label_range
from analysis.figures._palette import colour_of
from analysis.figures._style import finish, fmt

RATE_LABELS: dict[str, str] = {
    "selection_rate": "Selection rate (share predicted positive)",
    "accuracy": "Accuracy",
    "tpr": "True positive rate (share of positives found)",
    "fpr": "False positive rate (share of negatives flagged)",
    "fnr": "False negative rate (share of positives missed)",
    "fdr": "False discovery rate (share of flagged that are negative)",
    "mae": "Mean absolute error",
}
#: Per-group rates in the order of the group table (those a scorecard has).
TABLE_RATES: tuple[str, ...] = ("selection_rate", "tpr", "fpr", "fnr", "fdr", "accuracy", "mae")
_SHORT = {
    "selection_rate": "Selection rate",
    "tpr": "TPR",
    "fpr": "FPR",
    "fnr": "FNR",
    "fdr": "FDR",
    "accuracy": "Accuracy",
    "mae": "MAE",
}
CI_METHODS: dict[str, str] = {
    "wilson": "Wilson score intervals",
    "bootstrap_percentile": "bootstrap percentile intervals",
}


def _min_size(settings: Mapping) -> int:
    return int(settings.get("min_group_size") or 30)


def _excluded(frame: pd.DataFrame) -> pd.Series:
    """Whether each slice row is left out of scoring (old scorecards: the small groups)."""
    if "excluded_from_scoring" in frame:
        return frame["excluded_from_scoring"].fillna(frame["small"]).astype(bool)
    return frame["small"].astype(bool)


def small_group_note(settings: Mapping) -> str:
    """The scorecard's small-group rule in one sentence (a caveat for scorecards that predate it)."""
    rule = settings.get("small_group_rule")
    if rule:
        return str(rule)
    return (
        f"Groups with fewer than {_min_size(settings)} rows are flagged as too small to trust. This scorecard "
        "predates the rule that leaves them out of the scored disparities, so its disparities still include "
        "them; re-evaluate to apply it."
    )


def interval_method(slices: pd.DataFrame) -> str:
    """How the slice intervals were computed, in words (old scorecards: bootstrap percentiles)."""
    methods = slices["ci_method"].dropna().unique().tolist() if "ci_method" in slices else []
    if not methods:
        return CI_METHODS["bootstrap_percentile"]
    return " and ".join(CI_METHODS.get(str(m), str(m)) for m in methods)


def group_status(row: Mapping, *, min_group_size: int) -> str:
    """What a slice row counts for, in a few words: scored, excluded for its size, or reported only.

    Short enough for a table column; :func:`group_table_caption` says what each means. Rows of
    scorecards that predate the rule (no ``excluded_from_scoring``) only say whether the group
    is small: their disparities included every group.
    """
    small = bool(row.get("small"))
    excluded = row.get("excluded_from_scoring")
    if excluded is None or excluded != excluded:  # an older scorecard
        return f"small (n < {min_group_size}), scored" if small else ""
    if small:
        return f"excluded (n < {min_group_size})"
    if bool(excluded):
        return "reported only"
    return "scored"


def small_group_warning(slices: pd.DataFrame, settings: Mapping) -> str | None:
    """A warning naming the small groups of one attribute's slice rows; ``None`` when there are none."""
    small = slices[slices["small"].astype(bool)].drop_duplicates("group")
    if small.empty:
        return None
    size = _min_size(settings)
    attribute = str(slices["attribute"].iloc[0]) if "attribute" in slices else "this attribute"
    names = ", ".join(f"{g} (n={int(n)})" for g, n in zip(small["group"], small["n"], strict=True))
    tail = (
        "They are shown, but left out of the scored disparities; their intervals are wide."
        if "excluded_from_scoring" in slices
        else "Their numbers are mostly noise; do not decide on them alone."
    )
    return f"{len(small)} group(s) of {attribute} are smaller than {size} rows: {names}. {tail}"


_MEANINGS = {
    "tpr": "TPR: share of positives found",
    "fpr": "FPR: share of negatives flagged",
    "fnr": "FNR: share of positives missed",
    "fdr": "FDR: share of the flagged that are negative",
}


def group_table_caption(
    slices: pd.DataFrame,
    settings: Mapping | None = None,
    *,
    rates: Sequence[str] | None = None,
    intervals: bool = True,
) -> str:
    """What the intervals, abbreviations and statuses of :func:`make_group_table` mean.

    Give it the ``rates`` and ``intervals`` the table was made with, so that it explains only
    what the table shows.
    """
    settings = settings or {}
    level = settings.get("confidence")
    at = f" at {float(level):.0%} confidence" if level else ""
    if intervals:
        text = f"Each rate with its {interval_method(slices)}{at}."
    else:
        text = f"Rates without their intervals; choose one rate to see its {interval_method(slices)}{at}."
    wanted = TABLE_RATES if rates is None else tuple(rates)
    meanings = [m for r, m in _MEANINGS.items() if r in slices.columns and r in wanted]
    statuses = {group_status(r, min_group_size=_min_size(settings)) for r in slices.to_dict("records")}
    size = _min_size(settings)
    said = {
        f"excluded (n < {size})": f"excluded = fewer than {size} rows, left out of the scored disparities",
        "reported only": "reported only = an intersection, not scored",
        f"small (n < {size}), scored": (
            f"small = fewer than {size} rows, still in this scorecard's disparities (it predates the rule)"
        ),
    }
    notes = [v for k, v in said.items() if k in statuses]
    if statuses <= {"scored", ""} and len(slices):
        notes.append("every group here counts in the scored disparities")
    return text + (f" {'; '.join(meanings)}." if meanings else "") + (f" Status: {'; '.join(notes)}." if notes else "")


def _rate(x: float) -> str:
    """A per-group rate (a proportion) with three decimals, so 1 lines up with 0.933 in a column."""
    return "missing" if x != x else f"{x:.3f}"


def make_group_table(
    slices: pd.DataFrame,
    *,
    settings: Mapping | None = None,
    rates: Sequence[str] | None = None,
    intervals: bool = True,
    compact: bool = False,
) -> pd.DataFrame:
    """Per-group numbers of one attribute for display: size, the rates, and what each group counts for.

    ``slices`` holds the rows of one attribute from ``Scorecard.slices_frame()``. ``rates`` are
    the rates to show (default: every rate of :data:`TABLE_RATES` the slices have; those they
    lack are skipped). With ``intervals`` each rate column reads ``"0.812 [0.700, 0.890]"``,
    without them ``"0.812"``; ``"missing"`` when the rate is undefined, such as the TPR of a
    group without positives. ``settings`` are the scorecard's (for the minimum group size).
    Columns: ``Candidate``, ``Group``, ``n``, one per rate (short names such as ``TPR``),
    ``Status``: the rates come before the status so that a narrow page shows them first.
    ``compact`` leaves out the status when every group has the same one (all scored, say):
    :func:`group_table_caption` then states it once.

    >>> row = {"candidate": "a", "group": "g", "n": 40, "small": False, "excluded_from_scoring": False,
    ...        "tpr": 0.5, "tpr_ci_low": 0.4, "tpr_ci_high": 0.6, "fpr": 0.1}
    >>> make_group_table(pd.DataFrame([row]), rates=["tpr"]).columns.tolist()
    ['Candidate', 'Group', 'n', 'TPR', 'Status']
    >>> make_group_table(pd.DataFrame([row]), intervals=False).iloc[0].tolist()[3:]
    ['0.500', '0.100', 'scored']
    """
    min_group_size = _min_size(settings or {})
    wanted = TABLE_RATES if rates is None else tuple(rates)
    unknown = [r for r in wanted if r not in TABLE_RATES]
    if unknown:
        raise ValueError(f"unknown rate(s) {unknown}; the group table knows {list(TABLE_RATES)}.")
    shown = [r for r in TABLE_RATES if r in wanted and r in slices.columns]
    out = pd.DataFrame(
        {
            "Candidate": slices["candidate"].astype(str).to_numpy(),
            "Group": slices["group"].astype(str).to_numpy(),
            "n": slices["n"].astype(int).to_numpy(),
        }
    )
    nan = pd.Series(np.nan, index=slices.index)
    for r in shown:
        v = slices[r].to_numpy(dtype=float)
        lo = slices.get(f"{r}_ci_low", nan).to_numpy(dtype=float)
        hi = slices.get(f"{r}_ci_high", nan).to_numpy(dtype=float)
        out[_SHORT[r]] = [
            f"{_rate(x)} [{_rate(a)}, {_rate(b)}]" if intervals and x == x and a == a and b == b else _rate(x)
            for x, a, b in zip(v, lo, hi, strict=True)
        ]
    status = [group_status(r, min_group_size=min_group_size) for r in slices.to_dict("records")]
    if not (compact and len(set(status)) <= 1):
        out["Status"] = status
    return out


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
    Groups too small to trust (``small``; excluded from scored disparities) are drawn with
    open markers and labelled.
    """
    frame = slices if candidates is None else slices[slices["candidate"].isin(list(candidates))]
    groups = list(dict.fromkeys(frame["group"].astype(str)))
    sizes = frame.drop_duplicates("group").set_index(frame.drop_duplicates("group")["group"].astype(str))
    labels = {}
    for g in groups:
        n = int(sizes.loc[g, "n"])
        small = bool(sizes.loc[g, "small"])
        labels[g] = f"{g} (n={n:,}{', small: not scored' if small else ''})"
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
        subtitle="Bars: confidence intervals. Open markers: small groups, left out of scored disparities.",
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
            text=[fmt(v) for _, v in items],
            textposition="outside",
            cliponaxis=False,
            textfont={"size": 12},
            hovertemplate=f"%{{y}}: {label} %{{x:.3f}}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    # Labels outside the bars, with room for them: a disparity of 0 still reads "0.000", never blank.
    fig.update_xaxes(title_text=label, range=bar_label_range([v for _, v in items], pad=0.25))
    return finish(
        fig,
        label,
        height=height or max(280, 110 + 26 * len(items)),
        subtitle=f"{'Lower' if lower_is_better else 'Higher'} is fairer; fairest first.",
    )
