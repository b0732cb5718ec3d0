"""The only module with Streamlit caching. Cache keys are cheap identifiers (paths, hashes)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.scenario import DatasetCard, load_card
from analysis.scorecard import Scorecard, load_scorecard


@st.cache_resource(show_spinner=False)
def builtin_card() -> DatasetCard:
    """The built-in scenario's dataset card (read once per server)."""
    return load_card()


@st.cache_resource(show_spinner=False)
def builtin_scorecard() -> Scorecard | None:
    """The shipped scorecard of the built-in scenario, if present (read-only, shared)."""
    path = builtin_card().folder / "scorecard.json"
    return load_scorecard(path) if path.is_file() else None


def scorecard_table(scorecard: Scorecard) -> pd.DataFrame:
    """Candidates x objectives with intervals as text, for display."""
    frame = scorecard.to_frame()
    lo, hi = scorecard.interval_frames()
    out = pd.DataFrame(index=frame.index)
    for obj in scorecard.objectives:
        col = frame[obj.name]
        text = col.map(lambda v: "missing" if pd.isna(v) else f"{v:.3f}")
        has_ci = lo[obj.name].notna()
        text[has_ci] = [
            f"{v:.3f} [{a:.3f}, {b:.3f}]" for v, a, b in zip(col[has_ci], lo[obj.name][has_ci], hi[obj.name][has_ci])
        ]
        arrow = "↑" if obj.direction == "max" else "↓"
        out[f"{obj.label} {arrow}"] = text
    return out
