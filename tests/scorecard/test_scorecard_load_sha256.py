"""The scorecard's hash: the same definition, computed once across threads, and started early by the dashboard."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import analysis.scorecard as scorecard_module
from analysis.objectives import Objective
from analysis.scorecard import (
    Candidate,
    Comparison,
    FrozenDict,
    MetricValue,
    Scorecard,
    _freeze,
    load_scorecard,
    scorecard_to_json,
)

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "scorecard.json"


def test_sha256_is_the_hash_of_the_json_it_writes():
    sc = load_scorecard(SAMPLE)
    digest = hashlib.sha256(scorecard_to_json(sc).encode("utf-8")).hexdigest()
    assert sc.sha256 == digest
    assert digest == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()  # the shipped file is what save writes
    changed = replace(sc, created_at="2000-01-01T00:00:00+00:00")
    assert changed.sha256 != digest


def test_mixed_columns_are_written_as_the_generic_encoder_writes_them(monkeypatch):
    """Columns of floats, integers, booleans and nulls go through the C encoder, a few records at a time."""
    monkeypatch.setattr(scorecard_module, "_ENCODE_CHUNK", 2)
    metrics = (
        MetricValue("a", "o", 0.1, None, 1e-05),
        MetricValue("b", "o", None, -0.0, 1e16),
        MetricValue("c", "o", 3, 2**70, None),
        MetricValue("d", "o", 5e-324, 1.7976931348623157e308, float("nan")),  # NaN: null, by the slow path
        MetricValue("e", "o", True, None, 0.5),
    )
    comparisons = (
        Comparison("o", "a", "e", -0.25, None, 0.0, True),
        Comparison("o", "b", "e", None, None, None, None),
        Comparison("o", "c", "e", 1, 2.5, 3, False),
    )
    sc = Scorecard(
        "table", (Objective("o", "o"),), tuple(Candidate(n) for n in "abcde"), metrics, comparisons=comparisons
    )
    assert scorecard_to_json(sc) == json.dumps(sc.to_dict(), indent=1, allow_nan=False, ensure_ascii=False) + "\n"
    odd = object.__new__(MetricValue)  # fields in another order (in the third step): the generic encoder
    object.__setattr__(odd, "__dict__", dict(reversed(vars(metrics[4]).items())))
    sc = replace(sc, metrics=(*metrics[:4], odd))
    assert scorecard_to_json(sc) == json.dumps(sc.to_dict(), indent=1, allow_nan=False, ensure_ascii=False) + "\n"


def test_threads_asking_at_once_share_one_computation(monkeypatch):
    sc = load_scorecard(SAMPLE)
    calls = []
    real = scorecard_module._sha256_of
    all_asking = threading.Event()

    def counted(scorecard):
        calls.append(1)
        all_asking.wait(timeout=30)  # the other threads ask while this one computes
        return real(scorecard)

    monkeypatch.setattr(scorecard_module, "_sha256_of", counted)
    results = []
    threads = [threading.Thread(target=lambda: results.append(sc.sha256)) for _ in range(4)]
    for t in threads:
        t.start()
    all_asking.set()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert set(results) == {real(sc)}
    assert sc.sha256 == results[0] and len(calls) == 1  # kept on the object


@pytest.fixture
def services():
    import streamlit as st

    from app.ui import services

    st.cache_resource.clear()
    yield services
    st.cache_resource.clear()


def test_the_dashboard_starts_the_hash_once_per_scorecard(services, monkeypatch):
    sc = load_scorecard(SAMPLE)
    calls = []
    real = scorecard_module._sha256_of
    monkeypatch.setattr(scorecard_module, "_sha256_of", lambda s: calls.append(1) or real(s))
    a = services.Active("session:test:1", sc, "sample", False)
    job = services.prewarm_sha256(a)
    assert job.result(timeout=60) == real(sc)
    assert services.prewarm_sha256(a) is job  # asked for once per scorecard key
    assert sc.sha256 == job.result() and len(calls) == 1  # a decision then finds it computed


def test_long_number_lists_in_sections_are_written_as_the_generic_encoder_writes_them():
    """The stored curves' long lists of numbers take a faster path; the text (and so the hash) is the same."""
    rng = np.random.default_rng(0)
    curve = {
        "thresholds": rng.random(200).tolist(),
        "n": 22500,
        "pred_pos": rng.integers(0, 10**6, 200).tolist(),
        "mixed": [1, 2.5, -3, 1e-300, 1.7976931348623157e308, 0.1, -0.0] * 3,
        "short": list(range(15)),
        "flags": [True, False] * 10,  # bools are not numbers here
        "rows": [rng.random(16).tolist(), list(range(40)), [[1.5] * 20, []]],
        "empty": [],
    }
    sc = Scorecard(
        task="binary",
        objectives=(),
        candidates=(Candidate("m"),),
        metrics=(),
        sections=FrozenDict({"curves": _freeze({"m": {"thresholds": curve}, "list_of_lists": [[0.25] * 30] * 2})}),
    )
    assert scorecard_to_json(sc) == json.dumps(sc.to_dict(), indent=1, allow_nan=False, ensure_ascii=False) + "\n"
