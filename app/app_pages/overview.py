"""Overview: what Tradeoffs is and the built-in scenario's scorecard."""

from __future__ import annotations

import streamlit as st

from app.ui import services

st.title("Tradeoffs")
st.write(
    "Choose which model to ship when stakeholders want different things: every candidate measured on the same "
    "data, with confidence intervals, fairness per group and business value."
)
card = services.builtin_card()
st.subheader(card.name)
st.caption(card.description)
scorecard = services.builtin_scorecard()
if scorecard is None:
    st.info(
        "The built-in scenario has not been evaluated yet. Run "
        "`tradeoffs evaluate --card sample_data/card.yaml --out sample_data/scorecard.json`."
    )
else:
    table = services.scorecard_table(scorecard)
    st.dataframe(table, width="stretch")
    st.caption(
        f"{len(scorecard.candidates)} candidates on {scorecard.dataset.get('rows')} rows; intervals are "
        f"{int(round(100 * scorecard.settings.get('confidence', 0.95)))}% paired-bootstrap confidence intervals."
    )
