"""Overview: what Tradeoffs is, the scenario, each stakeholder's favourite and where to go next."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.ui import render, services, state

#: Width of each group of links on the page (px): the longest link fits; two groups fit side by side only
#: on a wide page.
LINKS_WIDTH = 420

a = render.active_or_stop()
sc = a.scorecard
st.title("Tradeoffs")
st.markdown(
    "Choose which model to ship when stakeholders want different things. Every candidate is measured on the "
    "same data, with confidence intervals, fairness per group and business value; each stakeholder's weights "
    "rank the candidates; the group rules and sensitivity checks turn that into a choice you can defend."
)
card = services.builtin_card()
if a.builtin and a.label == card.name:
    st.subheader(card.name)
    st.caption(card.description)
else:
    st.subheader(f"{'Your scorecard' if not a.builtin else 'Scorecard'}: {a.label}")
rows = sc.dataset.get("rows")
level = sc.settings.get("confidence")
st.caption(
    f"{render.plural(len(sc.candidates), 'candidate')} · {render.plural(len(sc.objectives), 'objective')}"
    + (f" · {rows:,} evaluation rows" if isinstance(rows, int) else "")
    + (f" · {int(round(100 * level))}% paired-bootstrap confidence intervals" if level else "")
)

st.markdown("#### Each stakeholder's favourite right now")
views = [services.profile_view(a, p, *state.scoring()) for p in state.profiles()]
rows = []
for v in views:
    ranked = [n for n, _ in sorted(v.profile.weights, key=lambda kv: -kv[1]) if n in v.objectives]
    rows.append(
        {
            "stakeholder": v.profile.role or v.profile.name,
            "favourite": v.favourite or "none satisfies their constraints",
            "cares most about": ", ".join(sc.objective(n).label for n in ranked[:3]),
            "not measured here": ", ".join(v.missing),
        }
    )
favourites = pd.DataFrame(rows)
if not favourites["not measured here"].str.len().any():
    favourites = favourites.drop(columns="not measured here")
# A static table wraps its cells: the grid of st.dataframe cut "cares most about" at 1000 px.
st.table(favourites, hide_index=True, border="horizontal")
st.caption("Favourites move with the weights on the Stakeholders page; the group's choice is on Consensus.")

st.markdown("#### Where to go")
# Two fixed-width groups in a wrapping row: side by side when the page is wide, one above the other at
# 1000 px (in two columns there, the links were cut).
with st.container(horizontal=True, gap="medium"):
    with st.container(width=LINKS_WIDTH):
        st.markdown("**To decide together**")
        st.page_link(
            "app_pages/scorecard.py",
            label="Scorecard: every candidate on every objective",
            icon=":material/table_chart:",
        )
        st.page_link(
            "app_pages/stakeholders.py",
            label="Stakeholders: weights, constraints, favourites",
            icon=":material/groups:",
        )
        st.page_link(
            "app_pages/tradeoffs.py", label="Trade-offs: what you give up for what", icon=":material/scatter_plot:"
        )
        st.page_link(
            "app_pages/consensus.py",
            label="Consensus: the group's choice and how firm it is",
            icon=":material/handshake:",
        )
        st.page_link(
            "app_pages/decision.py", label="Decision: pick, explain, sign off, download", icon=":material/task_alt:"
        )
    with st.container(width=LINKS_WIDTH):
        st.markdown("**To look closer**")
        st.page_link("app_pages/data.py", label="Data & models: bring your own", icon=":material/upload_file:")
        st.page_link(
            "app_pages/quality.py", label="Quality: curves, calibration, significance", icon=":material/insights:"
        )
        st.page_link(
            "app_pages/serving.py", label="Serving & cost: latency, throughput, dollars", icon=":material/speed:"
        )
        st.page_link("app_pages/fairness.py", label="Fairness: every group, with intervals", icon=":material/balance:")
        st.page_link(
            "app_pages/explanations.py", label="Explanations: what each model relies on", icon=":material/lightbulb:"
        )
        st.page_link("app_pages/drift.py", label="Drift: quality over time", icon=":material/trending_down:")

if a.builtin and a.label == card.name:
    with st.expander("The candidates of the built-in scenario"):
        st.dataframe(
            pd.DataFrame(
                [
                    {"candidate": m.get("name"), "family": m.get("family"), "what it is": m.get("description")}
                    for m in services.builtin_card().models
                ]
            ),
            hide_index=True,
            width="stretch",
        )
