"""Serving figures supplied in a file, for candidates given as predictions (no model to time).

A metadata file is YAML or JSON: a mapping of serving objective names to numbers measured
elsewhere, plus optional ``threads`` (int), ``measured_on`` and ``notes`` (text)::

    latency_ms_p50: 3.1
    latency_ms_p99: 9.8
    throughput_rows_per_s: 41000
    measured_on: "c7i.large, onnxruntime 1.20, 1 thread"

Every figure is optional; a figure the file does not give stays missing (``None``), never zero.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis._errors import InputError
from analysis.serving._objectives import LATENCY_OBJECTIVES, SERVING_OBJECTIVE_NAMES

#: Keys a metadata file may hold besides the figures.
EXTRA_KEYS: tuple[str, ...] = ("threads", "measured_on", "notes")


@dataclass(frozen=True)
class ServingMetadata:
    """Serving figures supplied by a file.

    Attributes
    ----------
    figures : mapping of str to float
        The figures given, keyed by serving objective name.
    source : str
        The file (or ``"metadata"`` for a mapping).
    threads : int or None
        Threads the figures were measured with, when stated.
    measured_on : str or None
        Where they were measured, when stated.
    notes : tuple of str
    """

    figures: Mapping[str, float]
    source: str
    threads: int | None = None
    measured_on: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return {
            "figures": dict(self.figures),
            "source": self.source,
            "threads": self.threads,
            "measured_on": self.measured_on,
            "notes": list(self.notes),
        }


def check_serving_metadata(data: Any, *, source: str = "metadata") -> ServingMetadata:
    """Validate a metadata mapping; raise :class:`InputError` naming the problem.

    Examples
    --------
    >>> check_serving_metadata({"latency_ms_p50": 2.0, "latency_ms_p99": 5.0}).figures["latency_ms_p99"]
    5.0
    """
    if not isinstance(data, Mapping):
        raise InputError(
            f"{source} must hold a mapping of serving figures (e.g. latency_ms_p50: 3.1), not a {type(data).__name__}.",
            source=source,
        )
    unknown = [str(k) for k in data if k not in SERVING_OBJECTIVE_NAMES and k not in EXTRA_KEYS]
    if unknown:
        raise InputError(
            f"{source} has unknown key(s) {', '.join(unknown)}; known figures: "
            f"{', '.join(SERVING_OBJECTIVE_NAMES)} (and {', '.join(EXTRA_KEYS)}).",
            source=source,
        )
    figures: dict[str, float] = {}
    for name in SERVING_OBJECTIVE_NAMES:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value < math.inf):
            raise InputError(
                f"{source}: {name} is {value!r}; it must be a number of at least 0 (or be left out).",
                source=source,
            )
        figures[name] = float(value)
    if not figures:
        raise InputError(
            f"{source} gives no serving figure; add at least one of {', '.join(LATENCY_OBJECTIVES)}.",
            source=source,
        )
    given = [(n, figures[n]) for n in LATENCY_OBJECTIVES if n in figures and n != "latency_ms_mean"]
    for (low_name, low), (high_name, high) in zip(given, given[1:], strict=False):
        if low > high:
            raise InputError(
                f"{source}: {low_name} ({low:g}) is above {high_name} ({high:g}); percentiles must not decrease.",
                source=source,
            )
    threads = data.get("threads")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise InputError(f"{source}: threads is {threads!r}; it must be a whole number of at least 1.", source=source)
    notes = data.get("notes", ())
    notes = (notes,) if isinstance(notes, str) else tuple(str(n) for n in notes or ())
    measured_on = data.get("measured_on")
    return ServingMetadata(
        figures=figures,
        source=source,
        threads=threads,
        measured_on=None if measured_on is None else str(measured_on),
        notes=notes,
    )


def load_serving_metadata(path: str | Path) -> ServingMetadata:
    """Read and validate a serving metadata file (``.yaml``, ``.yml`` or ``.json``).

    Raises
    ------
    InputError
        When the file is missing, unreadable or holds unknown keys or invalid figures.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"serving metadata file {p} does not exist; check the path.", source=str(p))
    text = p.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"serving metadata file {p} could not be parsed ({exc}).", source=str(p)) from None
    return check_serving_metadata(data, source=str(p))
