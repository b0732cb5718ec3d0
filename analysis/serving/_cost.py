"""Dollars per million predictions, with the assumptions printed next to every figure.

The model (kept simple on purpose, and stated in every result)::

    workers            = max(1, vcpus // threads)      # one worker process per `threads` vCPUs
    predictions_per_h  = workers * utilisation * 3600 / seconds_per_prediction
    usd_per_million    = 1e6 * usd_per_hour / predictions_per_h
                       = 1e6 * seconds_per_prediction * usd_per_hour / (3600 * workers * utilisation)

``seconds_per_prediction`` is the single-stream mean latency for single-row serving, and
``1 / rows_per_s`` at the best batch size for batch serving. ``utilisation`` (default 0.5) is the
share of the time the workers are busy: real services keep headroom for peaks. The latencies were
measured on *this* machine; a cloud vCPU may be faster or slower, and a vCPU is a hyperthread, so
two workers on one physical core do not each run at single-worker speed.

Prices come from ``analysis/data/instance_prices.yaml`` (example list prices, see its header) or a
file in the same format, and ``price_per_hour`` overrides the price of the chosen instance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis._errors import InputError

PRICES_SCHEMA = "tradeoffs.instance_prices"
#: The shipped example price list.
DEFAULT_PRICES_PATH = Path(__file__).resolve().parent.parent / "data" / "instance_prices.yaml"
FORMULA = "1e6 * seconds_per_prediction * usd_per_hour / (3600 * workers * utilisation)"


@dataclass(frozen=True)
class InstancePrice:
    """One instance type: its vCPUs and on-demand hourly price."""

    name: str
    vcpus: int
    usd_per_hour: float
    provider: str = ""
    region: str = ""


@dataclass(frozen=True)
class PriceTable:
    """The instance price list and what it is worth."""

    instances: tuple[InstancePrice, ...]
    default_instance: str
    disclaimer: str
    source: str

    def get(self, name: str | None) -> InstancePrice:
        """The instance called ``name`` (the default when ``None``)."""
        key = self.default_instance if name is None else name
        for inst in self.instances:
            if inst.name == key:
                return inst
        raise InputError(
            f"instance {key!r} is not in the price table {self.source}; known: "
            f"{', '.join(i.name for i in self.instances)} (or add it to a copy of the file).",
            source="instance",
        )


def load_instance_prices(path: str | Path | None = None) -> PriceTable:
    """Read a price table (the shipped example list when ``path`` is ``None``).

    Raises
    ------
    InputError
        When the file is missing or malformed, naming the field.
    """
    if path is None:
        text = DEFAULT_PRICES_PATH.read_text(encoding="utf-8")
        source = "analysis/data/instance_prices.yaml"
    else:
        p = Path(path)
        if not p.is_file():
            raise InputError(f"price table {p} does not exist; check the path.", source=str(p))
        text, source = p.read_text(encoding="utf-8"), str(p)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"price table {source} is not valid YAML ({exc}).", source=source) from None
    if not isinstance(data, dict) or data.get("schema") != PRICES_SCHEMA:
        raise InputError(
            f'price table {source} has no "schema: {PRICES_SCHEMA}" line; start from a copy of '
            "analysis/data/instance_prices.yaml.",
            source=source,
        )
    raw = data.get("instances")
    if not isinstance(raw, dict) or not raw:
        raise InputError(f"price table {source} lists no instances.", source=source)
    instances = []
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            raise InputError(f"price table {source}: instance {name!r} is not a mapping.", source=source)
        vcpus, price = spec.get("vcpus"), spec.get("usd_per_hour")
        if not isinstance(vcpus, int) or isinstance(vcpus, bool) or vcpus < 1:
            raise InputError(f"price table {source}: instance {name!r} needs vcpus >= 1.", source=source)
        if isinstance(price, bool) or not isinstance(price, (int, float)) or not (0 <= price < math.inf):
            raise InputError(
                f"price table {source}: instance {name!r} needs usd_per_hour, a number >= 0.", source=source
            )
        instances.append(
            InstancePrice(str(name), vcpus, float(price), str(spec.get("provider", "")), str(spec.get("region", "")))
        )
    table = PriceTable(
        instances=tuple(instances),
        default_instance=str(data.get("default_instance", instances[0].name)),
        disclaimer=str(data.get("disclaimer", "example prices; edit for your contract")),
        source=source,
    )
    table.get(None)  # the default must exist
    return table


@dataclass(frozen=True)
class CostAssumption:
    """Everything a cost figure depends on; shown next to the figure."""

    instance: str
    vcpus: int
    usd_per_hour: float
    price_source: str
    threads: int
    workers: int
    utilisation: float
    basis: str
    batch_size: int
    seconds_per_prediction: float | None
    formula: str = FORMULA

    def describe(self) -> str:
        """One line for a table footnote or a tooltip."""
        return (
            f"{self.instance} ({self.vcpus} vCPU) at ${self.usd_per_hour:g}/h ({self.price_source}); "
            f"{self.workers} worker(s) x {self.threads} thread(s) at {self.utilisation:.0%} utilisation; "
            f"{self.basis}" + (f" (batch size {self.batch_size})" if self.batch_size > 1 else "")
        )

    def to_dict(self) -> dict:
        """Plain-JSON form, with :meth:`describe` as ``text``."""
        return {**self.__dict__, "text": self.describe()}


@dataclass(frozen=True)
class CostEstimate:
    """Dollars per million predictions and the assumption behind it (``None`` when unknown)."""

    usd_per_million: float | None
    assumption: CostAssumption

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return {"usd_per_million": self.usd_per_million, "assumption": self.assumption.to_dict()}


def compute_workers(vcpus: int, threads: int) -> int:
    """Workers an instance runs: one per ``threads`` vCPUs, at least one."""
    return max(1, vcpus // threads)


def compute_cost_per_million(
    seconds_per_prediction: float, *, usd_per_hour: float, workers: int, utilisation: float
) -> float:
    """Dollars per million predictions (see the module docstring).

    Examples
    --------
    >>> round(compute_cost_per_million(0.002, usd_per_hour=0.09, workers=2, utilisation=0.5), 6)
    0.05
    """
    return 1e6 * seconds_per_prediction * usd_per_hour / (3600.0 * workers * utilisation)


def estimate_cost(
    seconds_per_prediction: float | None,
    *,
    table: PriceTable,
    instance: str | None,
    price_per_hour: float | None,
    threads: int,
    utilisation: float,
    basis: str,
    batch_size: int = 1,
) -> CostEstimate:
    """A cost figure with its assumption; the figure is ``None`` when the time is unknown."""
    inst = table.get(instance)
    price = inst.usd_per_hour if price_per_hour is None else float(price_per_hour)
    source = table.disclaimer if price_per_hour is None else "price_per_hour override"
    workers = compute_workers(inst.vcpus, threads)
    assumption = CostAssumption(
        instance=inst.name,
        vcpus=inst.vcpus,
        usd_per_hour=price,
        price_source=source,
        threads=threads,
        workers=workers,
        utilisation=utilisation,
        basis=basis,
        batch_size=batch_size,
        seconds_per_prediction=seconds_per_prediction,
    )
    if seconds_per_prediction is None or not math.isfinite(seconds_per_prediction):
        return CostEstimate(None, assumption)
    value = compute_cost_per_million(
        seconds_per_prediction, usd_per_hour=price, workers=workers, utilisation=utilisation
    )
    return CostEstimate(value, assumption)
