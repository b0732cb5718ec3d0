"""The scorecard's fast paths give what the straightforward ones give (issue 12).

The JSON writer renders metrics and comparisons from a template (the generic encoder is the
reference), a metrics table keeps its dense values for ``to_frame`` (pivoting the records is the
reference), and a table read without per-cell records refuses to be saved.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.scorecard import (
    Comparison,
    MetricValue,
    Scorecard,
    load_scorecard,
    scorecard_from_metrics_table,
    scorecard_to_json,
)

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "scorecard.json"


def _reference_json(sc: Scorecard) -> str:
    return json.dumps(sc.to_dict(), indent=1, allow_nan=False, ensure_ascii=False) + "\n"


def test_json_writer_equals_the_generic_encoder_byte_for_byte():
    sc = load_scorecard(SAMPLE)
    assert scorecard_to_json(sc) == _reference_json(sc) == SAMPLE.read_text(encoding="utf-8")
    odd = replace(
        sc,
        metrics=sc.metrics[:2]
        + (
            MetricValue('quote " é\n %s', "roc_auc", np.float64(0.5), float("nan"), 3),
            MetricValue("b", "roc_auc", float("inf"), np.int64(2), None),
        ),
        comparisons=(Comparison("roc_auc", "b", "a", -0.1, None, 0.0, True),),
    )
    assert scorecard_to_json(odd) == _reference_json(odd)
    empty = replace(sc, metrics=(), comparisons=())
    assert scorecard_to_json(empty) == _reference_json(empty)


def test_loaded_records_equal_the_dataclass_constructor():
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    sc = Scorecard.from_dict(data)
    assert sc.metrics == tuple(MetricValue(**m) for m in data["metrics"])
    assert sc.comparisons == tuple(Comparison(**c) for c in data["comparisons"])
    data["metrics"][0]["unexpected"] = 1
    with pytest.raises(Exception, match="damaged scorecard"):
        Scorecard.from_dict(data)


def _frame(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "candidate": [f"m{i}" for i in range(n)],
            "roc_auc": rng.uniform(0.5, 1, n),
            "latency_ms_p99": rng.uniform(1, 9, n),
        }
    )
    frame.loc[3, "roc_auc"] = np.nan
    frame.loc[4, "latency_ms_p99"] = np.inf
    frame["roc_auc_ci_low"] = frame["roc_auc"] - 0.01
    return frame


def test_dense_values_of_a_table_equal_pivoting_its_records():
    sc = scorecard_from_metrics_table(_frame(), directions={})
    again = replace(sc)  # a copy pivots its records
    pd.testing.assert_frame_equal(sc.to_frame(), again.to_frame())
    for a, b in zip(sc.interval_frames(), again.interval_frames(), strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert sc.metrics[4 * 2 + 1].value is None  # infinity is missing, as before


def test_a_table_read_without_records_ranks_the_same_and_refuses_to_be_saved():
    full = scorecard_from_metrics_table(_frame(), directions={})
    light = scorecard_from_metrics_table(_frame(), directions={}, records=False)
    assert light.metrics == ()
    pd.testing.assert_frame_equal(full.to_frame(), light.to_frame())
    with pytest.raises(ValueError, match="without per-cell records"):
        scorecard_to_json(light)


def test_a_tables_candidates_equal_the_dataclass_constructor_and_duplicates_are_named():
    from analysis._errors import InputError
    from analysis.scorecard import Candidate, FrozenDict

    sc = scorecard_from_metrics_table(_frame(), directions={})
    assert sc.candidates == tuple(Candidate(name=f"m{i}", source=FrozenDict({"kind": "table"})) for i in range(30))
    frame = _frame()
    frame.loc[7, "candidate"] = "m2"
    with pytest.raises(InputError, match="names candidates more than once: m2\\."):
        scorecard_from_metrics_table(frame, directions={})
