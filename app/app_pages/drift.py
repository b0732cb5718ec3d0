"""Drift: quality per time window, the backtest by age of training data, and features that moved."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.figures import (
    TOP_CANDIDATES,
    candidate_colours,
    choose_candidates,
    make_backtest_figure,
    make_bins_figure,
    make_psi_figure,
    make_window_figure,
)
from app.ui import render, services, state, tables


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Drift",
    "The world changes after training: quality measured month by month shows which candidates decay, the "
    "backtest shows how much fresher training data would buy back, and feature drift shows what moved.",
)
colours = services.colours(a)
# Drawn whenever a chart draws a subset of many candidates.
pinned = [(services.incumbent(a), "the incumbent"), (state.selected(), "the candidate picked on the Decision page")]
windows = sc.windows_frame()
if windows.empty:
    render.missing(
        "This scorecard has no per-window metrics.",
        "Name the time column when evaluating (`tradeoffs evaluate ... --time timestamp`, or choose it on the "
        "Data & models page) to get metrics per month (`--window W` for weeks).",
    )
else:
    metrics = [o for o in sc.objectives if o.name in windows.columns]
    default = (sc.sections.get("trend") or {}).get("metric") or metrics[0].name
    names = [o.name for o in metrics]
    metric = render.remembered(
        st.selectbox, "Metric", names, key="drift_metric", default=default, format_func=lambda n: sc.objective(n).label
    )
    all_names = list(dict.fromkeys(windows["candidate"]))
    # Every candidate while there are at most TOP_CANDIDATES; else, by default, the best in the latest window on
    # the metric first shown, the incumbent and the Decision page's pick (kept when the metric changes).
    first = sc.objective(default)
    last_window = str(windows["window"].astype(str).max())
    latest = windows[windows["window"].astype(str) == last_window]
    latest_values = dict(zip(latest["candidate"], latest[first.name], strict=True)) if first.name in latest else {}
    by_default = choose_candidates(
        {c: latest_values.get(c) for c in all_names},
        top=TOP_CANDIDATES,
        higher_is_better=first.direction == "max",
        metric=f"{first.label} in the latest window ({last_window})",
        pinned=pinned,
    )
    chosen = render.remembered(
        st.multiselect,
        "Candidates",
        all_names,
        key=f"drift_candidates:{a.key}",
        default=list(by_default.shown),
        help="Type a name to add any candidate." if by_default.is_subset else None,
    )
    st.plotly_chart(
        make_window_figure(
            windows,
            sc.objective(metric),
            colours=candidate_colours(chosen) if by_default.is_subset else colours,
            candidates=chosen,
        ),
        key=state.widget("windows"),
    )
    if by_default.is_subset:
        st.caption(
            by_default.caption(shown="drawn by default") + " Add or remove candidates above."
            if sorted(chosen) == sorted(by_default.shown)
            else f"{len(chosen):,} of {len(all_names):,} candidates drawn: your choice above."
        )
    trend = sc.sections.get("trend") or {}
    decay = (sc.sections.get("decay") or {}).get("candidates") or {}
    if trend.get("slope"):
        rows = []
        listed = set(chosen) if by_default.is_subset else None  # thousands of rows: those of the drawn ones
        for c, s in trend["slope"].items():
            if listed is not None and c not in listed:
                continue
            d = decay.get(c) or {}
            rows.append(
                {
                    "candidate": c,
                    "change per window": None if s is None else round(s, 4),
                    "decay per month": _round(d.get("decay_per_month")),
                    "loss, first to last": _round(d.get("gap_first_last")),
                }
            )
        # Short headers, the meaning in each column's tooltip: long ones pushed the last column off the page.
        st.dataframe(
            pd.DataFrame(rows),
            hide_index=True,
            width="stretch",
            column_config={
                "change per window": st.column_config.NumberColumn(
                    help=f"Least-squares slope of {trend.get('metric')} per window"
                ),
                "decay per month": st.column_config.NumberColumn(help="Quality lost per month; positive = worse"),
                "loss, first to last": st.column_config.NumberColumn(
                    help="Quality lost from the first to the last window"
                ),
            },
        )
        st.caption(
            f"Least-squares trend of {trend.get('metric')} over the {len(trend.get('windows', []))} windows. A "
            "candidate that decays fast needs retraining more often, which is a cost too."
            + (
                f" Rows of the {len(rows):,} candidates drawn above, of {len(trend['slope']):,} with a trend."
                if listed is not None
                else ""
            )
        )

st.markdown("#### Backtest: train on older data, test on the latest month")
bt = sc.sections.get("backtest")
if not bt:
    render.missing(
        "No backtest in this scorecard.",
        "The backtest refits each candidate on windows ending 6, 2 and 1 months before the latest month and tests "
        "it on the latest month. It needs the training-period data and a time column: "
        "`tradeoffs evaluate ... --time timestamp --train-data train.parquet --backtest`, or upload training data on "
        'the Data & models page and tick "Backtest (refit on older data)".',
    )
else:
    rows = [dict(r) for r in bt.get("rows", ())]
    supplied = [dict(s) for s in bt.get("supplied", ())]
    # Too many to draw a line each: the best as supplied on the test month, the incumbent and the Decision page's pick.
    as_supplied = {s["candidate"]: s.get("roc_auc") for s in supplied}
    refit = choose_candidates(
        {c: as_supplied.get(c) for c in dict.fromkeys(r["candidate"] for r in rows)},
        top=TOP_CANDIDATES,
        metric=f"ROC AUC on the test month as supplied ({bt.get('test_window')})",
        pinned=pinned,
    )
    drawn = set(refit.shown)
    st.plotly_chart(
        make_backtest_figure(
            [r for r in rows if r["candidate"] in drawn],
            [s for s in supplied if s["candidate"] in drawn],
            colours=refit.colours(colours),
        ),
        key=state.widget("backtest"),
    )
    skipped = sorted({r["candidate"] for r in rows if not r.get("refit")})
    st.caption(
        f"Test month {bt.get('test_window')}; each refit trains on {bt.get('train_window_months')} months. "
        "A line that rises to the right: retraining on recent data recovers quality."
        + (f" {refit.caption()}" if refit.is_subset else "")
        + (f" Not refit: {tables.some(skipped)}." if skipped else "")
    )

st.markdown("#### Which features moved")
dr = sc.sections.get("drift")
if not dr:
    render.missing(
        "No feature drift in this scorecard.",
        "Feature drift compares the training data with the latest window, feature by feature (population "
        "stability index and a two-sample test). Give the training-period data: "
        "`tradeoffs evaluate ... --train-data train.parquet`, or upload training data on the Data & models page "
        "(feature drift then runs automatically).",
    )
else:
    feats = [dict(f) for f in dr.get("features", ())]
    # One above the other: in half the page the bins and the labels of the largest shift were cut off.
    render.chart(make_psi_figure(feats), key=state.widget("psi"))
    counts = dict(dr.get("counts") or {})
    st.caption(
        f"Reference: {dr.get('reference')}; current: {dr.get('current')}. "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
    )
    names = [f["feature"] for f in feats]
    l1, _ = st.columns(2)
    with l1:
        which = render.remembered(st.selectbox, "Feature", names, key="drift_feature", default=names[0])
    render.chart(
        make_bins_figure(feats[names.index(which)], reference=str(dr.get("reference")), current=str(dr.get("current"))),
        key=state.widget("bins"),
    )
