"""Settings: mode defaults and allowed values."""

from __future__ import annotations

import doctest
import importlib
import json
import math

import pytest

from analysis._errors import InputError
from analysis.serving import ServerSettings, ServingSettings, check_serving_settings


def test_default_and_quick_modes():
    default = ServingSettings()
    assert (default.n_calls, default.warmup, default.threads, default.utilisation) == (1000, 50, 1, 0.5)
    assert default.batch_sizes == (1, 8, 64, 512, 4096)
    assert default.server is None and default.variants == ()
    quick = ServingSettings.quick_mode()
    assert quick.quick and quick.n_calls == 200 and quick.latency_budget_s < default.latency_budget_s
    assert ServingSettings(quick=True) == quick
    assert ServingSettings.quick_mode(n_calls=500).n_calls == 500
    assert math.isinf(check_serving_settings(ServingSettings(latency_budget_s=math.inf)).latency_budget_s)
    json.dumps(ServingSettings(server=ServerSettings(rate_per_s=10.0), variants=["onnx"]).to_dict())


@pytest.mark.parametrize(
    ("options", "match"),
    [
        (dict(n_calls=5), "n_calls"),
        (dict(n_calls=10.5), "whole number"),
        (dict(threads=0), "threads"),
        (dict(utilisation=0.0), "utilisation"),
        (dict(utilisation=1.5), "utilisation"),
        (dict(batch_sizes=()), "batch_sizes"),
        (dict(batch_sizes=(1, 0)), "batch_sizes"),
        (dict(batch_sizes=(8, 8)), "repeats"),
        (dict(variants=("tensorrt",)), "unknown serving variant"),
        (dict(method="score"), "method"),
        (dict(price_per_hour=-1.0), "price_per_hour"),
        (dict(server=ServerSettings(rate_per_s=0.0)), "rate_per_s"),
        (dict(server=ServerSettings(rate_per_s=5.0, max_batch=0)), "max_batch"),
    ],
)
def test_invalid_settings_are_refused(options, match):
    with pytest.raises(InputError, match=match):
        check_serving_settings(ServingSettings(**options))


@pytest.mark.parametrize(
    "module",
    ["_clock", "_cost", "_environment", "_metadata", "_objectives", "_onnx", "_reference"],
)
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(f"analysis.serving.{module}"))
    assert result.failed == 0
    assert result.attempted > 0, f"analysis.serving.{module}: no example was tried"
