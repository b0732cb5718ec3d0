"""Metadata files for prediction-only candidates, the objectives, and the scorecard section."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _serving_fakes import ClockModel

from analysis._errors import InputError
from analysis.objectives import get_objective
from analysis.scorecard import Candidate, MetricValue, Scorecard, scorecard_to_json
from analysis.serving import (
    SERVING_OBJECTIVE_NAMES,
    ServingSettings,
    check_serving_metadata,
    load_serving_metadata,
    measure_serving,
    serving_objectives,
    serving_to_scorecard,
)

SMALL = dict(n_calls=20, warmup=2, rounds=1, batch_sizes=(1, 10), throughput_budget_s=0.01)


def test_objectives_are_registered_once_with_directions():
    names = [o.name for o in serving_objectives()]
    assert names == list(SERVING_OBJECTIVE_NAMES)
    assert len(names) == len(set(names)) == 12
    assert get_objective("latency_ms_p99").direction == "min"
    assert get_objective("latency_ms_p99").unit == "ms"
    assert get_objective("throughput_rows_per_s").direction == "max"
    assert get_objective("model_size_mb").group == "serving"
    assert get_objective("cost_usd_per_million").group == "cost"
    assert get_objective("cost_usd_per_million_batch").direction == "min"


def test_load_yaml_and_json_metadata(tmp_path):
    yaml_path = tmp_path / "m.yaml"
    yaml_path.write_text(
        "latency_ms_p50: 3.1\nlatency_ms_p99: 9.8\nthroughput_rows_per_s: 41000\n"
        "threads: 2\nmeasured_on: c7i.large\nnotes: from the load test\n"
    )
    meta = load_serving_metadata(yaml_path)
    assert dict(meta.figures) == {"latency_ms_p50": 3.1, "latency_ms_p99": 9.8, "throughput_rows_per_s": 41000.0}
    assert (meta.threads, meta.measured_on, meta.notes) == (2, "c7i.large", ("from the load test",))
    json_path = tmp_path / "m.json"
    json_path.write_text(json.dumps({"latency_ms_mean": 2.0, "model_size_mb": 1.5}))
    assert dict(load_serving_metadata(json_path).figures) == {"latency_ms_mean": 2.0, "model_size_mb": 1.5}


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([1, 2], "mapping"),
        ({"latency_p99": 3.0}, "unknown key"),
        ({"latency_ms_p50": -1.0}, "at least 0"),
        ({"latency_ms_p50": True}, "at least 0"),
        ({"latency_ms_p50": "fast"}, "at least 0"),
        ({"latency_ms_p50": float("nan")}, "at least 0"),
        ({"latency_ms_p50": 5.0, "latency_ms_p99": 2.0}, "must not decrease"),
        ({"measured_on": "laptop"}, "no serving figure"),
        ({"latency_ms_p50": 1.0, "threads": 0}, "threads"),
    ],
)
def test_invalid_metadata_is_refused(data, match):
    with pytest.raises(InputError, match=match):
        check_serving_metadata(data, source="m.yaml")


def test_missing_or_broken_metadata_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_serving_metadata(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(InputError, match="could not be parsed"):
        load_serving_metadata(broken)


@pytest.fixture
def X() -> pd.DataFrame:
    return pd.DataFrame({"ms": np.zeros(100), "x": np.arange(100, dtype=float)})


def test_metadata_candidates_keep_missing_figures_missing(X, tmp_path, flat_load):
    path = tmp_path / "preds.yaml"
    path.write_text("latency_ms_p50: 3.0\nlatency_ms_mean: 4.0\nmeasured_on: prod\n")
    report = measure_serving({}, X, metadata={"preds": path}, settings=ServingSettings(**SMALL), loadavg=flat_load)
    entry = report.candidate("preds")
    assert (entry.kind, entry.runtime) == ("metadata", "unknown")
    figures = entry.figures()
    assert figures["latency_ms_p50"] == 3.0
    assert figures["latency_ms_p99"] is None and figures["throughput_rows_per_s"] is None
    assert figures["throughput_rows_per_s_single"] == pytest.approx(250.0)
    assert figures["cost_usd_per_million"] == pytest.approx(1e6 * 0.004 * 0.08925 / (3600 * 2 * 0.5))
    assert figures["cost_usd_per_million_batch"] is None
    assert any(str(path) in n for n in entry.notes) and "measured on: prod" in entry.notes


def test_inputs_are_validated_where_they_enter(X, tmp_path):
    with pytest.raises(InputError, match="nothing to measure"):
        measure_serving({}, X)
    with pytest.raises(InputError, match="not among the models"):
        measure_serving({"a": object()}, X, model_files={"b": tmp_path / "b.skops"})
    with pytest.raises(InputError, match="both a model and serving metadata"):
        measure_serving({"a": object()}, X, metadata={"a": check_serving_metadata({"latency_ms_p50": 1.0})})
    with pytest.raises(InputError, match="DataFrame"):
        measure_serving({"a": object()}, X.to_numpy())
    with pytest.raises(InputError, match="no rows"):
        measure_serving({"a": object()}, X.iloc[:0])


def test_serving_to_scorecard(X, clock, flat_load):
    report = measure_serving(
        {"a": ClockModel(clock, per_call_ms=1.0)},
        X,
        metadata={
            "b": check_serving_metadata({"latency_ms_p99": 7.5}),
            "extra": check_serving_metadata({"latency_ms_p50": 1.0}),
        },
        settings=ServingSettings(**SMALL),
        timer=clock,
        loadavg=flat_load,
    )
    card = Scorecard(
        task="binary",
        objectives=(get_objective("roc_auc"),),
        candidates=(Candidate("a"), Candidate("b"), Candidate("c")),
        metrics=(MetricValue("a", "roc_auc", 0.8), MetricValue("b", "roc_auc", 0.7), MetricValue("c", "roc_auc", 0.6)),
    )
    out = serving_to_scorecard(card, report)
    assert out.objective_names == ("roc_auc", *SERVING_OBJECTIVE_NAMES)
    assert out.candidate_names == ("a", "b", "c")  # the evaluator's list is untouched
    assert out.value("a", "roc_auc") == 0.8
    assert out.value("a", "latency_ms_p50") == 1.0
    assert out.value("b", "latency_ms_p99") == 7.5
    assert out.value("b", "latency_ms_p50") is None
    assert all(out.value("c", n) is None for n in SERVING_OBJECTIVE_NAMES)
    frame = out.to_frame()
    assert frame.loc["a", "cost_usd_per_million"] > 0 and np.isnan(frame.loc["c", "latency_ms_p50"])
    section = out.sections["serving"]
    assert list(section["scorecard_candidates"]) == ["a", "b"]
    assert list(section["extra_entries"]) == ["extra"]
    assert list(section["unmeasured"]) == ["c"]
    assert section["environment"]["threads"] == 1
    assert section["candidates"][0]["cost_single"]["assumption"]["instance"] == "c7i.large"
    assert section["assumptions"]["workers"] == 2 and section["assumptions"]["utilisation"] == 0.5
    again = Scorecard.from_dict(json.loads(scorecard_to_json(out)))
    assert again.to_dict() == out.to_dict()


def test_report_views(X, clock, flat_load):
    report = measure_serving(
        {"a": ClockModel(clock, per_call_ms=1.0)}, X, settings=ServingSettings(**SMALL), timer=clock, loadavg=flat_load
    )
    curves = report.throughput_frame()
    assert list(curves["batch_size"]) == [1, 10]
    as_dict = report.to_dict()
    json.dumps(as_dict)  # plain JSON
    assert as_dict["settings"]["n_calls"] == 20
    assert as_dict["timer"]["overhead_ns"] > 0
    assert any("timer overhead" in note for note in report.notes)
    with pytest.raises(KeyError):
        report.candidate("zzz")
