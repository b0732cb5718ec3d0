"""Quality (ML engineer): metrics with intervals, ROC/PR curves, calibration, confusion, significance."""

from __future__ import annotations

import streamlit as st

from analysis.figures import (
    TOP_CANDIDATES,
    candidate_colours,
    choose_candidates,
    make_calibration_figure,
    make_confusion_figure,
    make_interval_figure,
    make_pr_figure,
    make_regression_figure,
    make_roc_figure,
)
from app.ui import render, services, state

#: Candidates on the interval chart at most (the best by the metric), plus the incumbent and the Decision page's pick.
INTERVAL_TOP = 15
#: Up to this many candidates with curves, every one is drawn; beyond, the best :data:`TOP_CANDIDATES` by default.
CURVES_ALL = 20

a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Quality",
    "How well each candidate predicts, with paired-bootstrap confidence intervals: every candidate is scored on "
    "the same resamples, so a difference is tested on its own distribution. **≈** means the difference from the "
    "best candidate is within the noise.",
)
colours = services.colours(a)
quality = [o for o in sc.objectives if o.group == "quality"]
if not quality:
    render.missing(
        "This scorecard has no quality metrics.",
        "Evaluate the candidates on labelled data (`tradeoffs evaluate --data ... --target ...`), or add columns "
        "such as roc_auc or accuracy to the metrics table.",
    )
    st.stop()
frame, lo, hi = services.frames(a)
best = {c.objective: c.best for c in sc.comparisons}

names = [o.name for o in quality]
c1, _ = st.columns([1, 2])
with c1:
    metric = render.remembered(
        st.selectbox,
        "Metric",
        names,
        key="quality_metric",
        default="roc_auc" if "roc_auc" in names else names[0],
        format_func=lambda n: sc.objective(n).label,
    )
o = sc.objective(metric)
# Always drawn: the incumbent and the candidate picked on the Decision page (when there are too many to draw).
pinned = [(services.incumbent(a), "the incumbent"), (state.selected(), "the candidate picked on the Decision page")]
subset = choose_candidates(
    frame[metric].to_dict(),
    top=INTERVAL_TOP,
    higher_is_better=o.direction == "max",
    metric=o.label,
    pinned=pinned,
)
keep = list(subset.shown)
values = frame.loc[keep, metric].to_dict()
intervals = dict(zip(keep, zip(lo.loc[keep, metric], hi.loc[keep, metric], strict=True), strict=True))
shown = set(keep)
tied = [
    c.candidate for c in sc.comparisons if c.objective == metric and c.significant is False and c.candidate in shown
]
st.plotly_chart(
    make_interval_figure(o, values, intervals, colours=subset.colours(colours), best=best.get(metric), tied=tied),
    key=state.widget("quality_interval"),
)
if subset.is_subset:
    st.caption(subset.caption() + " The Scorecard page lists every candidate.")
st.caption(o.description)
st.markdown("#### Which differences are real")
sig = services.significance(a, names)
if sig.empty:
    st.caption("No paired comparisons in this scorecard (no bootstrap intervals, or a metrics table).")
else:
    st.table(sig.set_index("objective"))  # static: the lists of candidates wrap at any width
    st.caption(
        "Tied: the paired-bootstrap interval of the difference from the best includes zero, so on these rows the "
        "data cannot tell the two apart. Significantly worse: the whole interval is on the worse side."
    )

curves = sc.sections.get("curves")
if not curves:
    render.missing(
        "No ROC, precision-recall or calibration curves in this scorecard.",
        "Curves are stored by `tradeoffs evaluate` (this version or later) from per-row predictions; a metrics "
        "table or an older scorecard has none. Re-run `tradeoffs evaluate ... --out scorecard.json` and load it "
        "on the Data & models page.",
    )
    st.stop()
per = {k: v for k, v in curves.items() if not str(k).startswith("_")}
if len(per) > CURVES_ALL:
    rank = "roc_auc" if "roc_auc" in frame else metric
    drawn = choose_candidates(
        {c: frame.at[c, rank] if c in frame.index else None for c in per},
        top=TOP_CANDIDATES,
        higher_is_better=sc.objective(rank).direction == "max",
        metric=sc.objective(rank).label,
        pinned=pinned,
    )
    choice = render.remembered(
        st.multiselect,
        "Candidates to draw",
        list(per),
        key="quality_curves",
        default=list(drawn.shown),
        help="Type a name to add any candidate with curves.",
    )
    if sorted(choice) == sorted(drawn.shown):
        st.caption(
            drawn.caption("candidates with curves", shown="drawn by default") + " Add or remove candidates above."
        )
    else:
        st.caption(f"{len(choice):,} of {len(per):,} candidates with curves drawn: your choice above.")
    per = {k: per[k] for k in choice}
    colours = candidate_colours(choice)  # distinct colours for the drawn ones (the page's repeat past twenty)
if sc.task == "regression":
    st.plotly_chart(make_regression_figure(per, colours=colours), key=state.widget("quality_regression"))
    st.stop()
auc = {
    c: f"{c} (AUC {frame.at[c, 'roc_auc']:.3f})"
    for c in per
    if "roc_auc" in frame and frame.at[c, "roc_auc"] == frame.at[c, "roc_auc"]
}
counts = sc.dataset.get("class_counts") or {}
prevalence = None
if sc.task == "binary" and counts:
    pos = str(sc.dataset.get("positive_label"))
    total = sum(counts.values())
    prevalence = counts.get(pos, 0) / total if total else None
c1, c2 = st.columns(2, gap="large")
if sc.task == "binary":
    with c1:
        render.chart(make_roc_figure(per, colours=colours, labels=auc), key=state.widget("roc"), width=render.HALF)
    with c2:
        render.chart(
            make_pr_figure(per, colours=colours, prevalence=prevalence), key=state.widget("pr"), width=render.HALF
        )
c3, c4 = st.columns(2, gap="large")
with c3:
    if sc.task == "binary":
        render.chart(make_calibration_figure(per, colours=colours), key=state.widget("calibration"), width=render.HALF)
    else:
        st.caption("Calibration and ROC curves are drawn for binary tasks; this is a multiclass scorecard.")
with c4:
    with_cm = [c for c, v in per.items() if v.get("confusion_matrix")]
    if with_cm:
        cand = render.candidate_select("Confusion matrix of", with_cm, key="quality_confusion")
        classes = list(curves.get("_classes") or range(len(per[cand]["confusion_matrix"])))
        render.chart(
            make_confusion_figure(per[cand]["confusion_matrix"], classes, title=f"Confusion matrix: {cand}"),
            key=state.widget("confusion"),
            width=render.HALF,
        )
