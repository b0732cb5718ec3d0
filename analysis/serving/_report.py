"""The serving report: one record per candidate, plus the environment and the settings.

Everything is computed once by :func:`~analysis.serving.measure_serving`; the records only
offer views (:meth:`CandidateServing.figures`, :meth:`ServingReport.to_frame`,
:meth:`ServingReport.to_dict`). A figure that could not be measured is ``None``, never zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from analysis.serving._clock import TimerInfo
from analysis.serving._cost import CostEstimate
from analysis.serving._environment import EnvironmentRecord
from analysis.serving._latency import LatencyStats
from analysis.serving._objectives import SERVING_OBJECTIVE_NAMES
from analysis.serving._onnx import OnnxConversion
from analysis.serving._server import ServerResult
from analysis.serving._throughput import ThroughputPoint, best_point

#: Kinds of report entries.
KINDS: tuple[str, ...] = ("model", "variant", "metadata")
MB = 1e6


@dataclass(frozen=True)
class CandidateServing:
    """How one candidate serves.

    Attributes
    ----------
    name : str
        Candidate name; variants are ``"<base>[<variant>]"`` (``"lr[onnx]"``).
    kind : str
        ``"model"`` (measured here), ``"variant"`` (a runtime variant of ``base``, measured here)
        or ``"metadata"`` (figures supplied by a file).
    runtime : str
        ``"python"``, ``"onnxruntime"`` or ``"unknown"`` (metadata).
    base, variant : str or None
        For variants: the candidate converted, and the variant (``"onnx"``).
    method : str or None
        Prediction method timed.
    latency : LatencyStats or None
        Single-stream latency.
    throughput : tuple of ThroughputPoint
        The throughput curve, by batch size.
    server : tuple of ServerResult
        Server-scenario runs (empty unless configured).
    model_size_bytes : int or None
    size_method : str or None
        ``"file"``, ``"onnx"``, ``"native"``, ``"skops"`` or ``"pickle"``.
    peak_memory_bytes : int or None
        tracemalloc peak during one predict on ``memory_batch_size`` rows.
    memory_batch_size : int or None
    cost_single, cost_batch : CostEstimate or None
        Dollars per million predictions, single-row and at the best batch size.
    conversion : OnnxConversion or None
        For ONNX variants: the conversion and its agreement check.
    supplied : mapping
        Figures supplied by a metadata file.
    notes : tuple of str
        What a reader needs to know next to the figures.
    errors : tuple of str
        What could not be measured, and why.
    """

    name: str
    kind: str = "model"
    runtime: str = "python"
    base: str | None = None
    variant: str | None = None
    method: str | None = None
    latency: LatencyStats | None = None
    throughput: tuple[ThroughputPoint, ...] = ()
    server: tuple[ServerResult, ...] = ()
    model_size_bytes: int | None = None
    size_method: str | None = None
    peak_memory_bytes: int | None = None
    memory_batch_size: int | None = None
    cost_single: CostEstimate | None = None
    cost_batch: CostEstimate | None = None
    conversion: OnnxConversion | None = None
    supplied: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "supplied", MappingProxyType(dict(self.supplied)))

    @property
    def ok(self) -> bool:
        """Whether every measurement succeeded."""
        return not self.errors

    @property
    def best_throughput(self) -> ThroughputPoint | None:
        """The throughput point with the most rows per second."""
        return best_point(self.throughput)

    def figures(self) -> dict[str, float | None]:
        """The serving objectives' values (``None`` where not measured or supplied)."""
        out: dict[str, float | None] = dict.fromkeys(SERVING_OBJECTIVE_NAMES)
        lat = self.latency
        if lat is not None:
            out.update(
                latency_ms_p50=lat.p50_ms,
                latency_ms_p90=lat.p90_ms,
                latency_ms_p95=lat.p95_ms,
                latency_ms_p99=lat.p99_ms,
                latency_ms_max=lat.max_ms,
                latency_ms_mean=lat.mean_ms,
                throughput_rows_per_s_single=1e3 / lat.mean_ms if lat.mean_ms > 0 else None,
            )
        best = self.best_throughput
        if best is not None:
            out["throughput_rows_per_s"] = best.rows_per_s
        if self.model_size_bytes is not None:
            out["model_size_mb"] = self.model_size_bytes / MB
        if self.peak_memory_bytes is not None:
            out["peak_memory_mb"] = self.peak_memory_bytes / MB
        if self.cost_single is not None:
            out["cost_usd_per_million"] = self.cost_single.usd_per_million
        if self.cost_batch is not None:
            out["cost_usd_per_million_batch"] = self.cost_batch.usd_per_million
        for name, value in self.supplied.items():
            if out.get(name) is None:
                out[name] = value
        return out

    def to_dict(self) -> dict:
        """Plain-JSON form (figures, curves, assumptions, notes)."""
        best = self.best_throughput
        return {
            "name": self.name,
            "kind": self.kind,
            "runtime": self.runtime,
            "base": self.base,
            "variant": self.variant,
            "method": self.method,
            "status": "ok" if self.ok else "failed",
            "figures": self.figures(),
            "latency": None if self.latency is None else self.latency.to_dict(),
            "throughput": [p.to_dict() for p in self.throughput],
            "best_batch_size": None if best is None else best.batch_size,
            "server": [s.to_dict() for s in self.server],
            "model_size_bytes": self.model_size_bytes,
            "size_method": self.size_method,
            "peak_memory_bytes": self.peak_memory_bytes,
            "memory_batch_size": self.memory_batch_size,
            "cost_single": None if self.cost_single is None else self.cost_single.to_dict(),
            "cost_batch": None if self.cost_batch is None else self.cost_batch.to_dict(),
            "conversion": None if self.conversion is None else self.conversion.to_dict(),
            "supplied": dict(self.supplied),
            "notes": list(self.notes),
            "errors": list(self.errors),
        }


@dataclass(frozen=True)
class ServingReport:
    """Every candidate's serving figures, measured together on one machine.

    Attributes
    ----------
    candidates : tuple of CandidateServing
        Candidates in the order given, each followed by its variants; metadata entries last.
    environment : EnvironmentRecord
    timer : TimerInfo
    settings : mapping
        The settings used (:meth:`ServingSettings.to_dict`).
    duration_s : float
        Wall-clock time of the whole measurement.
    notes : tuple of str
        Report-wide notes (the busy-machine warning, scope of memory figures...).
    assumptions : mapping
        What every figure rests on, for a footnote: cost model and price, threads, utilisation,
        percentile definition, memory scope, busy rule, units.
    """

    candidates: tuple[CandidateServing, ...]
    environment: EnvironmentRecord
    timer: TimerInfo
    settings: Mapping[str, Any]
    duration_s: float
    notes: tuple[str, ...] = ()
    assumptions: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))
        object.__setattr__(self, "assumptions", MappingProxyType(dict(self.assumptions)))

    @property
    def names(self) -> tuple[str, ...]:
        """Entry names in report order."""
        return tuple(c.name for c in self.candidates)

    @property
    def variants(self) -> tuple[str, ...]:
        """Names of the runtime-variant entries."""
        return tuple(c.name for c in self.candidates if c.kind == "variant")

    def candidate(self, name: str) -> CandidateServing:
        """The entry called ``name``."""
        for c in self.candidates:
            if c.name == name:
                return c
        raise KeyError(f"no serving entry {name!r}; entries: {', '.join(self.names)}")

    def to_frame(self) -> pd.DataFrame:
        """Entries x serving objectives (NaN where missing)."""
        frame = pd.DataFrame(
            [c.figures() for c in self.candidates],
            index=pd.Index(self.names, name="candidate"),
            columns=list(SERVING_OBJECTIVE_NAMES),
            dtype="float64",
        )
        return frame

    def throughput_frame(self) -> pd.DataFrame:
        """One row per entry x batch size: the throughput curves."""
        rows = [{"candidate": c.name, **p.to_dict()} for c in self.candidates for p in c.throughput]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """Plain-JSON form: the ``serving`` section of a scorecard."""
        return {
            "schema_version": 1,
            "environment": self.environment.to_dict(),
            "timer": self.timer.to_dict(),
            "settings": dict(self.settings),
            "duration_s": self.duration_s,
            "busy": self.environment.busy,
            "notes": list(self.notes),
            "assumptions": dict(self.assumptions),
            "variants": list(self.variants),
            "candidates": [c.to_dict() for c in self.candidates],
        }
