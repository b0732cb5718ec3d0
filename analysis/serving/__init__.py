"""Serving: latency, throughput, memory, size and cost of each candidate, measured like a benchmark.

The scenarios follow MLPerf Inference: *single-stream* (one single-row request at a time;
latency percentiles), *offline* (throughput against batch size) and, optionally, *server*
(Poisson arrivals, one worker, latency from the scheduled arrival with dynamic batching).
Costs turn those figures into dollars per million predictions on a stated instance.

>>> from analysis.serving import ServingSettings, measure_serving, serving_to_scorecard
>>> settings = ServingSettings(variants=("onnx",))
>>> report = measure_serving({"lr": model}, X_eval, settings=settings)  # doctest: +SKIP
>>> scorecard = serving_to_scorecard(scorecard, report)  # doctest: +SKIP

Validity rules (also in each module): warm-up calls discarded; the garbage collector paused while
timing; BLAS/OpenMP threads pinned with threadpoolctl; requests drawn from the evaluation data
(seeded) in the type the model was fitted on; inputs built before timing; calls faster than 20
timer overheads timed in blocks, and said so; candidates interleaved in rounds; the machine's load
recorded and a busy machine flagged. A figure that could not be measured is ``None``, never zero.
"""

from analysis.serving._clock import PERCENTILE_METHOD, TimerInfo, measure_timer_overhead
from analysis.serving._cost import (
    FORMULA as COST_FORMULA,
)
from analysis.serving._cost import (
    CostAssumption,
    CostEstimate,
    InstancePrice,
    PriceTable,
    compute_cost_per_million,
    compute_workers,
    load_instance_prices,
)
from analysis.serving._environment import BUSY_NOTE, BUSY_RULE, EnvironmentRecord, compute_busy
from analysis.serving._footprint import PEAK_MEMORY_SCOPE
from analysis.serving._latency import LatencyStats
from analysis.serving._measure import measure_serving
from analysis.serving._metadata import ServingMetadata, check_serving_metadata, load_serving_metadata
from analysis.serving._objectives import LATENCY_OBJECTIVES, SERVING_OBJECTIVE_NAMES, serving_objectives
from analysis.serving._onnx import OnnxConversion, OnnxModel, convert_to_onnx
from analysis.serving._reference import ReferenceModel
from analysis.serving._report import CandidateServing, ServingReport
from analysis.serving._scorecard import serving_to_scorecard
from analysis.serving._server import ServerResult
from analysis.serving._settings import ServerSettings, ServingSettings, check_serving_settings
from analysis.serving._throughput import ThroughputPoint

__all__ = [
    "BUSY_NOTE",
    "BUSY_RULE",
    "COST_FORMULA",
    "LATENCY_OBJECTIVES",
    "PEAK_MEMORY_SCOPE",
    "PERCENTILE_METHOD",
    "SERVING_OBJECTIVE_NAMES",
    "CandidateServing",
    "CostAssumption",
    "CostEstimate",
    "EnvironmentRecord",
    "InstancePrice",
    "LatencyStats",
    "OnnxConversion",
    "OnnxModel",
    "PriceTable",
    "ReferenceModel",
    "ServerResult",
    "ServerSettings",
    "ServingMetadata",
    "ServingReport",
    "ServingSettings",
    "ThroughputPoint",
    "TimerInfo",
    "check_serving_metadata",
    "check_serving_settings",
    "compute_busy",
    "compute_cost_per_million",
    "compute_workers",
    "convert_to_onnx",
    "load_instance_prices",
    "load_serving_metadata",
    "measure_serving",
    "measure_timer_overhead",
    "serving_objectives",
    "serving_to_scorecard",
]
