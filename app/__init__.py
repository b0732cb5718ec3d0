"""The Tradeoffs dashboard (Streamlit). Thin pages over :mod:`analysis`."""
