"""The evaluation's warnings about its data (one group, tiny groups, few positives) on the Scorecard page."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
from _app_helpers import new_app

from analysis.evaluation import EvalSettings, Predictions, evaluate_predictions, prepare_data
from analysis.scorecard import save_scorecard

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_the_scorecard_page_repeats_the_evaluations_warnings_about_its_data(tmp_path, monkeypatch):
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame({"region": ["north"] * n, "label": rng.integers(0, 2, size=n)})
    data = prepare_data(frame, source="one_region.csv", target="label", sensitive=["region"])
    sc = evaluate_predictions(
        data,
        [Predictions("a", rng.integers(0, 2, size=n)), Predictions("b", rng.integers(0, 2, size=n))],
        now=NOW,
        settings=EvalSettings(n_bootstrap=20),
    )
    written = list(sc.dataset.get("warnings", ()))
    assert any("'region' has one group" in w for w in written), written
    monkeypatch.setenv("TRADEOFFS_DEFAULT_SCORECARD", str(save_scorecard(sc, tmp_path / "sc.json")))

    at = new_app("scorecard")
    shown = [w.value for w in at.warning if "cannot fully support" in w.value]
    assert len(shown) == 1
    assert all(w[:80] in shown[0] for w in written)
