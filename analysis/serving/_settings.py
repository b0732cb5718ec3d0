"""Settings of a serving measurement: what to run, how long, and on which assumptions.

Two modes share one record. The default mode times 1,000 single-row calls per candidate; the
quick mode (``ServingSettings(quick=True)`` or :meth:`ServingSettings.quick_mode`) times 200 with
smaller time budgets, for a first look. Options left at ``None`` take the mode's default when the
record is built, so every field of a built record holds the value actually used.

Allowed values are declared as data in :data:`CONSTRAINTS` and checked by
:func:`check_serving_settings` when a measurement starts (where the data enters), not in the
constructors.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from analysis._errors import InputError

#: Runtime variants a candidate can be converted to and measured as.
VARIANTS: tuple[str, ...] = ("onnx",)
#: Prediction methods; ``auto`` takes ``predict_proba``, else ``decision_function``, else ``predict``.
METHODS: tuple[str, ...] = ("auto", "predict_proba", "decision_function", "predict")

#: Mode defaults for the options left at ``None``: ``{field: (default mode, quick mode)}``.
MODE_DEFAULTS: dict[str, tuple[Any, Any]] = {
    "n_calls": (1000, 200),
    "warmup": (50, 10),
    "rounds": (5, 2),
    "latency_budget_s": (4.0, 0.8),
    "throughput_budget_s": (1.0, 0.2),
    "min_repeats": (3, 2),
}


@dataclass(frozen=True)
class ServerSettings:
    """The server scenario: requests arriving as a Poisson process, served by one worker.

    Parameters
    ----------
    rate_per_s : float
        Mean arrival rate of single-row requests (Poisson process, seeded).
    duration_s : float, default=10.0
        Length of the simulated arrival window; about ``rate_per_s * duration_s`` requests.
    latency_bound_ms : float, default=50.0
        The bound the 99th percentile latency must meet (MLPerf's server-scenario rule).
    max_wait_ms : float, default=0.0
        Dynamic batching: the longest the oldest queued request waits for a batch to fill.
    max_batch : int, default=1
        Dynamic batching: the largest batch. ``1`` serves one request at a time; above 1 the
        report holds both policies (one at a time, and dynamic batching) on the same arrivals.
    budget_s : float, default=10.0
        Wall-clock bound on the real predict calls of one candidate and policy; the simulation
        stops there and says it was truncated.
    """

    rate_per_s: float
    duration_s: float = 10.0
    latency_bound_ms: float = 50.0
    max_wait_ms: float = 0.0
    max_batch: int = 1
    budget_s: float = 10.0

    @property
    def batching(self) -> bool:
        """Whether dynamic batching is configured."""
        return self.max_batch > 1


@dataclass(frozen=True)
class ServingSettings:
    """How to measure serving.

    Parameters
    ----------
    n_calls : int, default=1000 (quick: 200)
        Timed single-row calls per candidate (single-stream scenario).
    warmup : int, default=50 (quick: 10)
        Untimed calls before timing starts (at least 5 are made, to decide block timing).
    threads : int, default=1
        BLAS/OpenMP threads (threadpoolctl) and ONNX Runtime intra-op threads.
    batch_sizes : tuple of int, default=(1, 8, 64, 512, 4096)
        Batch sizes of the offline throughput curve. A batch larger than the evaluation data is
        drawn with replacement.
    quick : bool, default=False
        Quick mode: smaller defaults for the options left at ``None``.
    server : ServerSettings or None, default=None
        The server scenario; off by default.
    instance : str or None, default=None
        Instance type for the cost figures, a key of the price table; ``None`` takes the
        table's default instance.
    price_per_hour : float or None, default=None
        Hourly price in USD overriding the table's price for ``instance``.
    utilisation : float, default=0.5
        Share of the time the serving workers are busy; cost scales with its inverse.
    variants : tuple of str, default=()
        Runtime variants to measure as extra candidates, from :data:`VARIANTS`.
    random_state : int, default=0
        Seed of the rows drawn from the evaluation data and of the server's arrivals.
    rounds : int, default=5 (quick: 2)
        Interleaving rounds: each candidate is measured in ``rounds`` slices, round-robin, and
        the slices pooled, so machine drift does not favour one candidate.
    latency_budget_s : float, default=4.0 (quick: 0.8)
        Wall-clock bound on one candidate's timed single-row calls (its warm-up gets a quarter
        more); ``math.inf`` for no bound. A candidate slower than ``budget / n_calls`` (4 ms by
        default) gets fewer calls, and the result says so. With the throughput budget this keeps
        ten candidates under about a minute (quick: 15 s).
    throughput_budget_s : float, default=1.0 (quick: 0.2)
        Wall-clock budget of one candidate's throughput curve, shared by the batch sizes;
        every size is repeated at least ``min_repeats`` times regardless.
    min_repeats : int, default=3 (quick: 2)
        Fewest timed repeats per batch size.
    block_threshold : float, default=20.0
        Calls whose median time is below this many timer overheads are timed in blocks.
    method : str, default="auto"
        Prediction method, from :data:`METHODS`.
    onnx_tolerance : float, default=1e-4
        Largest absolute difference from the original's outputs for an ONNX variant to count
        as the same model.
    prices_path : str, Path or None, default=None
        A price table in the format of ``analysis/data/instance_prices.yaml``.
    """

    n_calls: int | None = None
    warmup: int | None = None
    threads: int = 1
    batch_sizes: tuple[int, ...] = (1, 8, 64, 512, 4096)
    quick: bool = False
    server: ServerSettings | None = None
    instance: str | None = None
    price_per_hour: float | None = None
    utilisation: float = 0.5
    variants: tuple[str, ...] = ()
    random_state: int = 0
    rounds: int | None = None
    latency_budget_s: float | None = None
    throughput_budget_s: float | None = None
    min_repeats: int | None = None
    block_threshold: float = 20.0
    method: str = "auto"
    onnx_tolerance: float = 1e-4
    prices_path: str | Path | None = None

    def __post_init__(self) -> None:
        mode = 1 if self.quick else 0
        for name, defaults in MODE_DEFAULTS.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, defaults[mode])
        object.__setattr__(
            self,
            "batch_sizes",
            tuple(
                int(b) if isinstance(b, numbers.Integral) and not isinstance(b, bool) else b for b in self.batch_sizes
            ),
        )
        object.__setattr__(self, "variants", tuple(self.variants))

    @classmethod
    def quick_mode(cls, **options: Any) -> ServingSettings:
        """Settings of the quick mode (200 calls, smaller budgets), with ``options`` on top."""
        return cls(quick=True, **options)

    def to_dict(self) -> dict:
        """Plain-JSON form (recorded in reports next to the figures)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["batch_sizes"] = list(self.batch_sizes)
        out["variants"] = list(self.variants)
        out["server"] = None if self.server is None else asdict(self.server)
        out["prices_path"] = None if self.prices_path is None else str(self.prices_path)
        return out


#: ``{field: (kind, lowest allowed, highest allowed)}``; ``None`` means unbounded.
CONSTRAINTS: dict[str, tuple[str, float | None, float | None]] = {
    "n_calls": ("int", 10, None),
    "warmup": ("int", 0, None),
    "threads": ("int", 1, 1024),
    "rounds": ("int", 1, 100),
    "random_state": ("int", 0, None),
    "min_repeats": ("int", 1, None),
    "utilisation": ("float", 0.01, 1.0),
    "latency_budget_s": ("float", 0.01, None),
    "throughput_budget_s": ("float", 0.0, None),
    "block_threshold": ("float", 1.0, None),
    "onnx_tolerance": ("float", 0.0, None),
    "price_per_hour": ("float?", 0.0, None),
}
SERVER_CONSTRAINTS: dict[str, tuple[str, float | None, float | None]] = {
    "rate_per_s": ("float", 1e-6, None),
    "duration_s": ("float", 1e-3, None),
    "latency_bound_ms": ("float", 0.0, None),
    "max_wait_ms": ("float", 0.0, None),
    "max_batch": ("int", 1, None),
    "budget_s": ("float", 0.01, None),
}


def _check_value(owner: str, name: str, value: Any, rule: tuple[str, float | None, float | None]) -> None:
    kind, low, high = rule
    if kind.endswith("?") and value is None:
        return
    is_int = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    is_number = is_int or (isinstance(value, numbers.Real) and not isinstance(value, bool) and value == value)
    if (kind.startswith("int") and not is_int) or not is_number:
        wanted = "a whole number" if kind.startswith("int") else "a number"
        raise InputError(f"{owner} option {name} is {value!r}; it must be {wanted}.", source=name)
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"at least {low}" if high is None else f"between {low} and {high}"
        raise InputError(f"{owner} option {name} is {value!r}; it must be {span}.", source=name)


def check_serving_settings(settings: ServingSettings) -> ServingSettings:
    """Raise :class:`InputError` naming the first option outside its allowed values."""
    if not isinstance(settings, ServingSettings):
        raise InputError(f"settings must be a ServingSettings, not {type(settings).__name__}.")
    for name, rule in CONSTRAINTS.items():
        _check_value("serving", name, getattr(settings, name), rule)
    sizes = settings.batch_sizes
    if not sizes or any(not isinstance(b, int) or isinstance(b, bool) or b < 1 for b in sizes):
        raise InputError(
            f"serving option batch_sizes is {sizes!r}; give one or more whole numbers of at least 1.",
            source="batch_sizes",
        )
    if len(set(sizes)) != len(sizes):
        raise InputError(f"serving option batch_sizes {sizes!r} repeats a size.", source="batch_sizes")
    unknown = [v for v in settings.variants if v not in VARIANTS]
    if unknown:
        raise InputError(
            f"unknown serving variant(s) {', '.join(map(repr, unknown))}; known: {', '.join(VARIANTS)}.",
            source="variants",
        )
    if settings.method not in METHODS:
        raise InputError(
            f"serving option method is {settings.method!r}; use one of {', '.join(METHODS)}.",
            source="method",
        )
    if settings.server is not None:
        if not isinstance(settings.server, ServerSettings):
            raise InputError("serving option server must be a ServerSettings or None.", source="server")
        for name, rule in SERVER_CONSTRAINTS.items():
            _check_value("server", name, getattr(settings.server, name), rule)
    return settings
