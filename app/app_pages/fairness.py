"""Fairness: per-group metrics with intervals and sizes, disparities, small groups, proxy reliance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.figures import (
    RATE_LABELS,
    group_table_caption,
    make_disparity_figure,
    make_group_table,
    make_slice_figure,
    small_group_note,
    small_group_warning,
)
from app.ui import render, services, state

MEASURES = {
    "demographic_parity_difference": ("Demographic parity difference", True),
    "demographic_parity_ratio": ("Demographic parity ratio", False),
    "equalized_odds_difference": ("Equalized odds difference", True),
    "worst_group_accuracy": ("Worst-group accuracy", False),
    "worst_group_mae": ("Worst-group MAE", True),
    "group_mae_difference": ("Group MAE difference", True),
}

a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Fairness",
    "How each candidate treats each group of every sensitive attribute (and their intersections), with "
    "confidence intervals and group sizes, following fairlearn's definitions. Small groups are flagged: their "
    "numbers move a lot by chance.",
)
slices = sc.slices_frame()
if slices.empty:
    render.missing(
        "This scorecard has no per-group measurements.",
        "Name the sensitive attributes when evaluating (`tradeoffs evaluate ... --sensitive income_band "
        "--sensitive age_band`, or choose them on the Data & models page). A metrics table can carry fairness "
        "columns such as `worst_group_accuracy`, but not the per-group detail.",
    )
    st.stop()
st.info(small_group_note(sc.settings), icon=":material/rule:")
colours = services.colours(a)
attributes = list(dict.fromkeys(slices["attribute"]))
rates = [r for r in ("selection_rate", "accuracy", "tpr", "fpr", "fnr", "fdr", "mae") if r in slices.columns]
c1, c2, c3 = st.columns(3)
with c1:
    attribute = render.remembered(
        st.selectbox,
        "Sensitive attribute",
        attributes,
        key="fair_attribute",
        default=attributes[0],
        help="'a & b' rows are intersections: every combination of the two attributes.",
    )
with c2:
    metric = render.remembered(
        st.selectbox, "Metric", rates, key="fair_metric", default=rates[0], format_func=lambda r: RATE_LABELS.get(r, r)
    )
names = list(dict.fromkeys(slices["candidate"]))
with c3:
    chosen = render.remembered(
        st.multiselect, "Candidates", names, key=f"fair_candidates:{a.key}", default=names[: min(len(names), 5)]
    )
part = slices[slices["attribute"] == attribute]
if chosen:
    st.plotly_chart(make_slice_figure(part, metric, candidates=chosen, colours=colours), key=state.widget("slices"))
warning = small_group_warning(part, sc.settings)
if warning:
    st.warning(warning, icon=":material/warning:")

st.markdown(f"#### Per-group numbers: {attribute}")
shown = part[part["candidate"].isin(chosen)] if chosen else part
st.dataframe(make_group_table(shown, settings=sc.settings), hide_index=True, width="stretch")
st.caption(group_table_caption(shown, sc.settings))

st.markdown("#### Disparities: the gap between the best- and worst-treated group")
fairness = sc.sections.get("fairness") or {}
by_attr = fairness.get("by_attribute") or {}
notes = fairness.get("notes")
for note in notes.get(attribute, ()) if hasattr(notes, "get") else ():
    st.caption(note)
data = {c: dict(v) for c, v in by_attr[attribute].items()} if attribute in by_attr else {}
present = [m for m in MEASURES if any(v.get(m) is not None for v in data.values())]
if present:
    l1, r1 = st.columns([2, 3], gap="large")
    with l1:
        measure = render.remembered(
            st.selectbox,
            "Measure",
            present,
            key="fair_measure",
            default=present[0],
            format_func=lambda m: MEASURES[m][0],
        )
        st.plotly_chart(
            make_disparity_figure(
                data, measure, label=MEASURES[measure][0], colours=colours, lower_is_better=MEASURES[measure][1]
            ),
            key=state.widget("disparity"),
        )
    with r1:
        table = pd.DataFrame(data).T[present].astype(float).rename(columns={m: MEASURES[m][0] for m in present})
        st.dataframe(table.round(3), width="stretch")
        st.caption(
            "Demographic parity compares how often each group is selected; equalized odds compares error rates "
            "(true and false positive rates). A constant model has no disparity and is useless: read these "
            "next to quality."
        )
        if attribute in (fairness.get("scored_attributes") or ()):
            st.caption(
                f"Scored as the objectives `<measure>[{attribute}]` (for example "
                f"`equalized_odds_difference[{attribute}]`); the unsuffixed objectives take the worst attribute."
            )
elif attribute in by_attr:
    st.caption(
        f"No disparity for {attribute}: fewer than two of its groups are large enough to compare, so it is "
        "missing (not 0)."
    )
else:
    st.caption(
        f"No disparity summary for {attribute}: intersections are reported per group only, because their small "
        "groups make a single worst-case number mostly noise."
    )

st.markdown("#### Reliance on sensitive attributes and their proxies")
ex = sc.sections.get("explanations")
if not ex:
    render.missing(
        "No explanations in this scorecard, so proxy reliance is unknown.",
        "Proxy reliance comes from the explanation stage (SHAP attributions and the association of each feature "
        'with the sensitive attributes): `tradeoffs evaluate ... --explain`, or tick "Explain with SHAP" when '
        "evaluating models on the Data & models page.",
    )
else:
    rows = []
    for c, e in (ex.get("candidates") or {}).items():
        facts = e.get("facts") or {}
        flagged = e.get("proxies_flagged") or ()
        rows.append(
            {
                "candidate": c,
                "share on sensitive attributes": facts.get("sensitive_attribution_share"),
                "share on proxies": facts.get("proxy_attribution_share"),
                "proxies it uses": ", ".join(f"{p['feature']} (~{p['sensitive_attribute']})" for p in flagged),
                "status": e.get("status"),
            }
        )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "share on sensitive attributes": st.column_config.NumberColumn(format="percent"),
            "share on proxies": st.column_config.NumberColumn(format="percent"),
        },
    )
    st.caption(
        "Share of each model's attribution mass (mean absolute SHAP value) that sits on sensitive attributes it "
        "takes as inputs, and on features that reveal them."
    )
    assoc = [dict(x) for x in ex.get("associations") or () if x.get("flagged")]
    if assoc:
        st.caption(
            "Proxies (features that reveal a sensitive attribute, normalised mutual information above "
            f"{(ex.get('rules') or {}).get('proxy_threshold', 0.3)}): "
            + ", ".join(f"{x['feature']} → {x['sensitive_attribute']} ({x['association']:.2f})" for x in assoc)
        )
