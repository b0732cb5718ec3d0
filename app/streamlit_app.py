"""Entry point of the dashboard: page config, navigation, shared frame."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="Tradeoffs", page_icon="⚖️", layout="wide")
navigation = st.navigation([st.Page(PAGES / "overview.py", title="Overview", icon="🏠", default=True)])
navigation.run()
