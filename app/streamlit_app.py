"""Entry point of the dashboard: page config, session state, the shared frame and navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.ui import errors, render, services, state

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="Tradeoffs", page_icon="⚖️", layout="wide")
state.init()
_active = services.active()
state.ensure_profiles(services.profiles_context(_active), services.role_profiles(_active))


def page(file: str, title: str, icon: str, **kw) -> st.Page:
    """One page of ``app_pages/``; its URL path is the file name."""
    return st.Page(PAGES / file, title=title, icon=icon, **kw)


navigation = st.navigation(
    {
        "Start": [
            page("overview.py", "Overview", ":material/home:", default=True),
            page("data.py", "Data & models", ":material/upload_file:"),
        ],
        "Decide together": [
            page("scorecard.py", "Scorecard", ":material/table_chart:"),
            page("stakeholders.py", "Stakeholders", ":material/groups:"),
            page("tradeoffs.py", "Trade-offs", ":material/scatter_plot:"),
            page("operating_points.py", "Operating points", ":material/tune:"),
            page("consensus.py", "Consensus & sensitivity", ":material/handshake:"),
            page("decision.py", "Decision", ":material/task_alt:"),
        ],
        "Look closer (ML engineers)": [
            page("quality.py", "Quality", ":material/insights:"),
            page("serving.py", "Serving & cost", ":material/speed:"),
            page("fairness.py", "Fairness", ":material/balance:"),
            page("explanations.py", "Explanations", ":material/lightbulb:"),
            page("drift.py", "Drift", ":material/trending_down:"),
        ],
    }
)
render.sidebar()
try:
    navigation.run()
except Exception as exc:  # a page's bug: one sentence and an error id here, the traceback in the server log
    errors.render_failure(exc, what=f"drawing the page {navigation.title!r}")
state.sync_url()
# The scorecard's hash (every decision records it; seconds at 10,000 candidates) starts in the background
# once the page is drawn, not before: threads take turns on the interpreter lock.
services.prewarm_sha256(services.active())
