"""The serving objectives (defined once, in :mod:`analysis.objectives`).

Latencies are single-stream (one row per request, one request at a time) at the stated threads;
throughputs are one worker's; sizes are in MB of 10^6 bytes; costs are US dollars per million
predictions under the assumptions recorded next to each figure (see :mod:`analysis.serving._cost`).
"""

from __future__ import annotations

from analysis.objectives import REGISTRY, SERVING_OBJECTIVES, Objective

#: Names of the serving objectives, in report order.
SERVING_OBJECTIVE_NAMES: tuple[str, ...] = tuple(o.name for o in SERVING_OBJECTIVES)
#: The latency objectives, fastest percentile first (``latency_ms_mean`` last).
LATENCY_OBJECTIVES: tuple[str, ...] = (
    "latency_ms_p50",
    "latency_ms_p90",
    "latency_ms_p95",
    "latency_ms_p99",
    "latency_ms_max",
    "latency_ms_mean",
)


def serving_objectives() -> tuple[Objective, ...]:
    """The registered serving objectives (as the registry holds them now), in report order.

    Examples
    --------
    >>> [o.name for o in serving_objectives()][:2]
    ['latency_ms_p50', 'latency_ms_p90']
    """
    return tuple(REGISTRY[name] for name in SERVING_OBJECTIVE_NAMES)
