"""The scorecard file: exact round trips, refusal of foreign or newer files, metrics tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis._errors import InputError
from analysis.evaluation import EvalSettings, Predictions, evaluate_predictions, prepare_data
from analysis.objectives import Objective
from analysis.scorecard import (
    SCHEMA_VERSION,
    Candidate,
    MetricValue,
    Scorecard,
    load_scorecard,
    save_scorecard,
    scorecard_from_metrics_table,
    scorecard_to_json,
)


def test_evaluated_scorecard_round_trips_exactly(binary_frame, tmp_path):
    data = prepare_data(binary_frame, source="s", target="label", sensitive=["region"], time="when")
    prob = 1 / (1 + np.exp(-binary_frame.x1.to_numpy()))
    sc = evaluate_predictions(
        data,
        [Predictions("a", (prob > 0.5).astype(int), prob, prob, "probability")],
        now=datetime(2026, 1, 2, tzinfo=UTC),
        settings=EvalSettings(n_bootstrap=30),
    )
    path = save_scorecard(sc, tmp_path / "sc.json")
    again = load_scorecard(path)
    assert again == sc
    assert scorecard_to_json(again) == path.read_text()


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.one_of(st.none(), finite), min_size=1, max_size=6))
def test_any_float_round_trips(values, tmp_path_factory):
    metrics = tuple(MetricValue("c", f"o{i}", v, v, v) for i, v in enumerate(values))
    sc = Scorecard(
        task="table",
        objectives=tuple(Objective(f"o{i}", f"o{i}") for i in range(len(values))),
        candidates=(Candidate("c"),),
        metrics=metrics,
    )
    path = save_scorecard(sc, tmp_path_factory.mktemp("rt") / "s.json")
    assert load_scorecard(path) == sc


def test_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.json"
    path.write_text(json.dumps({"schema": "tradeoffs.scorecard", "schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(InputError, match="schema version 2.*upgrade Tradeoffs"):
        load_scorecard(path)


def test_foreign_json_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(InputError, match="not a Tradeoffs scorecard"):
        load_scorecard(path)


def test_nan_is_missing_not_zero(tmp_path):
    sc = Scorecard("table", (Objective("o", "o"),), (Candidate("c"),), (MetricValue("c", "o", float("nan")),))
    text = scorecard_to_json(sc)
    assert '"value": null' in text
    assert np.isnan(load_scorecard(save_scorecard(sc, tmp_path / "s.json")).to_frame().at["c", "o"])


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    import analysis.scorecard as mod

    sc = Scorecard("table", (), (), ())
    target = tmp_path / "sc.json"

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(mod.os, "replace", boom)
    with pytest.raises(OSError):
        save_scorecard(sc, target)
    assert list(tmp_path.iterdir()) == []


def test_metrics_table_needs_directions_and_lists_missing():
    table = pd.DataFrame({"candidate": ["a", "b"], "roc_auc": [0.8, 0.9], "speed": [3.0, 1.0], "size": [1, 2]})
    with pytest.raises(InputError, match="no direction for column\\(s\\) speed, size"):
        scorecard_from_metrics_table(table, directions={})
    sc = scorecard_from_metrics_table(table, directions={"speed": "max", "size": "min"})
    assert sc.objective("roc_auc").direction == "max"  # registered objective keeps its direction
    assert sc.objective("size").direction == "min"
    assert sc.to_frame().loc["b", "speed"] == 1.0


def test_metrics_table_reads_intervals():
    table = pd.DataFrame({"candidate": ["a"], "acc": [0.8], "acc_ci_low": [0.7], "acc_ci_high": [0.9]})
    sc = scorecard_from_metrics_table(table, directions={"acc": "max"})
    lo, hi = sc.interval_frames()
    assert (lo.at["a", "acc"], hi.at["a", "acc"]) == (0.7, 0.9)
    assert sc.objective_names == ("acc",)
