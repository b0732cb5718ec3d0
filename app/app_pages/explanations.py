"""Explanations: what each candidate relies on, compared across candidates, and why one row got its score."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.figures import (
    TOP_CANDIDATES,
    choose_candidates,
    make_importance_comparison_figure,
    make_importance_figure,
    make_local_figure,
)
from app.ui import render, services, state, tables

a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Explanations",
    "SHAP attributions: how much each feature moves each candidate's output, on a sample of evaluation rows. "
    "Global importance says what a model relies on overall; a local explanation says why it scored one row the "
    "way it did.",
)
ex = sc.sections.get("explanations")
if not ex:
    render.missing(
        "This scorecard has no explanations.",
        "Explanations need the models themselves: run the explanation stage, `tradeoffs evaluate ... --explain "
        "--out scorecard.json` (or `analysis.explain.explain_candidates` + `explanations_to_scorecard`), then "
        'load the scorecard on the Data & models page; or tick "Explain with SHAP" when evaluating models on '
        "the Data & models page. Prediction files and metrics tables cannot be explained.",
    )
    st.stop()
colours = services.colours(a)
cands = {c: dict(e) for c, e in (ex.get("candidates") or {}).items()}
explained = [c for c, e in cands.items() if e.get("global_importance")]

# Thousands explained: the table and the comparison show the best by the scorecard's headline quality metric,
# the incumbent, the Decision page's pick and the candidate chosen below (every one while there are few).
frame = services.frames(a)[0]
rank = next((n for n in ("roc_auc", "accuracy", "r2") if n in frame), None)
listed = choose_candidates(
    {c: frame.at[c, rank] if rank and c in frame.index else None for c in cands} if rank else list(cands),
    top=TOP_CANDIDATES,
    higher_is_better=rank is None or sc.objective(rank).direction == "max",
    metric=sc.objective(rank).label if rank else "",
    pinned=[
        (services.incumbent(a), "the incumbent"),
        (state.selected(), "the candidate picked on the Decision page"),
        (state.pref("explain_candidate"), "the candidate chosen below"),
    ],
)

st.markdown("#### Explainability facts")
facts = []
for c in listed.shown:
    e = cands[c]
    f = e.get("facts") or {}
    facts.append(
        {
            "candidate": c,
            "status": tables.explanation_status(e),
            "explainer": (e.get("explainer") or "none").replace("_", " "),  # wraps in a narrow column
            "exact": {1.0: "yes", 0.0: "sampled"}.get(f.get("exact_explainer"), "unknown"),
            "complexity": (
                f"{f['model_complexity']:,.0f} {f.get('complexity_unit', '')}"
                if f.get("model_complexity") is not None
                else "unknown"
            ),
            "features for 90%": "missing"
            if f.get("features_for_90pct_attribution") is None
            else f"{f['features_for_90pct_attribution']:,.0f}",
        }
    )
st.table(pd.DataFrame(facts).set_index("candidate"))  # static: long statuses wrap at any width
reasons = [(c, tables.explanation_reason(cands[c])) for c in listed.shown if cands[c].get("status") != "ok"]
st.caption(
    "Exact: attributions computed exactly (trees, linear models) rather than estimated by sampling. Fewer "
    "features for 90% of the attribution: a model a reader can follow more easily."
    + "".join(f" {c}: {why}." for c, why in reasons if why)
)
if listed.is_subset:
    st.caption(listed.caption("explained candidates") + " Choose any candidate below to see its explanation.")
if not explained:
    st.info("No candidate could be explained within the time budget; see the status column.")
    st.stop()

left, right = st.columns(2, gap="large")
with left:
    cand = render.candidate_select("Candidate", explained, key="explain_candidate")
    e = cands[cand]
    flagged = [p["feature"] for p in e.get("proxies_flagged") or ()]
with right:
    st.markdown(f"**How {cand} was explained**")
    st.caption(f"With {e.get('explainer_detail', '')}; output: {e.get('output_space_meaning') or ''}.")
    if flagged:
        st.caption(f"Proxies of a sensitive attribute it uses (red): {', '.join(flagged)}.")
# The charts take the page's width: in half of it, feature and candidate names were cut off on a laptop.
render.chart(
    make_importance_figure(
        e["global_importance"],
        candidate=cand,
        colours=colours,
        sensitive=list(e.get("sensitive_features") or ()),
        proxies=flagged,
    ),
    key=state.widget("importance"),
)
compared = [c for c in listed.shown if c in set(explained)] if listed.is_subset else explained
render.chart(
    make_importance_comparison_figure(
        {c: cands[c] for c in compared},
        note=f"The {len(compared):,} candidates of the table above, of {len(explained):,} explained."
        if listed.is_subset
        else "",
    ),
    key=state.widget("importance_all"),
)

st.markdown("#### One row, explained")
local = list(e.get("local") or ())
if not local:
    st.caption(f"No local explanations stored for {cand}.")
else:
    rows = [str(r["row"]) for r in local]
    which = render.remembered(
        st.selectbox,
        "Row",
        rows,
        key=f"explain_row:{cand}",
        default=rows[0],
        help="The rows explained for every candidate (the first rows of the sample).",
    )
    row = local[rows.index(which)]
    # The waterfall takes the page's width (its feature labels need it); the row's values below it.
    render.chart(
        make_local_figure(row, candidate=cand, output_meaning=e.get("output_space_meaning")),
        key=state.widget("local"),
    )
    st.markdown(f"**Row {which}**: its feature values")
    vals = pd.DataFrame(
        [{"feature": k, "value": str(v), "push": row["attributions"].get(k)} for k, v in row["values"].items()]
    ).sort_values("push", key=lambda s: -s.abs())
    st.dataframe(vals, hide_index=True, width="stretch", height=380)
