"""Objectives: what a candidate is measured on, with its unit and direction.

Every metric Tradeoffs computes is declared here once, as data. Column names in scorecards,
metrics tables, profiles and reports all use these names. ``direction`` is ``"max"`` when a
larger value is better and ``"min"`` when a smaller value is better; the decision engine
converts everything to "lower is better" internally, once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Literal

from analysis._errors import InputError

Direction = Literal["max", "min"]
DIRECTIONS: tuple[str, ...] = ("max", "min")
GROUPS: tuple[str, ...] = (
    "quality",
    "fairness",
    "value",
    "serving",
    "cost",
    "explainability",
    "drift",
    "other",
)


@dataclass(frozen=True)
class Objective:
    """One measurable objective.

    Parameters
    ----------
    name : str
        Identifier used as a column name everywhere (``roc_auc``, ``latency_ms_p99``).
    label : str
        Human-readable label for tables and charts.
    unit : str
        Unit shown next to values (``""`` for unitless ratios).
    direction : {"max", "min"}
        Whether larger or smaller values are better.
    group : str
        One of :data:`GROUPS`.
    description : str
        One sentence for a non-engineer.
    worst, target, ideal : float or None
        Optional fixed bounds: the worst acceptable value, a target and the ideal value. The
        fixed-bounds weighted sum maps ``worst`` to 0 and ``ideal`` to 1.
    """

    name: str
    label: str
    unit: str = ""
    direction: Direction = "max"
    group: str = "other"
    description: str = ""
    worst: float | None = None
    target: float | None = None
    ideal: float | None = None

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise InputError(f"objective {self.name!r} has direction {self.direction!r}; use 'max' or 'min'.")
        if self.group not in GROUPS:
            raise InputError(f"objective {self.name!r} has group {self.group!r}; use one of {', '.join(GROUPS)}.")

    def with_direction(self, direction: str) -> Objective:
        """Return a copy with another direction."""
        return replace(self, direction=direction)  # type: ignore[arg-type]

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return {
            "name": self.name,
            "label": self.label,
            "unit": self.unit,
            "direction": self.direction,
            "group": self.group,
            "description": self.description,
            "worst": self.worst,
            "target": self.target,
            "ideal": self.ideal,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Objective:
        """Inverse of :meth:`to_dict`."""
        return cls(
            name=str(data["name"]),
            label=str(data.get("label", data["name"])),
            unit=str(data.get("unit", "")),
            direction=data.get("direction", "max"),
            group=str(data.get("group", "other")),
            description=str(data.get("description", "")),
            worst=data.get("worst"),
            target=data.get("target"),
            ideal=data.get("ideal"),
        )


def _o(name, label, unit, direction, group, description, worst=None, ideal=None) -> Objective:
    return Objective(name, label, unit, direction, group, description, worst=worst, ideal=ideal)


# Quality: binary / multiclass classification.
_QUALITY_CLASSIFICATION = (
    _o("accuracy", "Accuracy", "", "max", "quality", "Share of predictions that are right.", 0.5, 1.0),
    _o(
        "balanced_accuracy",
        "Balanced accuracy",
        "",
        "max",
        "quality",
        "Mean recall over classes; not fooled by a majority class.",
        0.5,
        1.0,
    ),
    _o(
        "precision",
        "Precision",
        "",
        "max",
        "quality",
        "Of the items predicted positive, the share that are positive.",
        0.0,
        1.0,
    ),
    _o("recall", "Recall", "", "max", "quality", "Of the positive items, the share found.", 0.0, 1.0),
    _o("f1", "F1 score", "", "max", "quality", "Harmonic mean of precision and recall.", 0.0, 1.0),
    _o(
        "roc_auc",
        "ROC AUC",
        "",
        "max",
        "quality",
        "Probability a random positive is scored above a random negative.",
        0.5,
        1.0,
    ),
    _o(
        "pr_auc",
        "PR AUC (average precision)",
        "",
        "max",
        "quality",
        "Area under the precision-recall curve; sensitive to rare positives.",
        0.0,
        1.0,
    ),
    _o("log_loss", "Log loss", "nats", "min", "quality", "Penalty for confident wrong probabilities.", 1.0, 0.0),
    _o(
        "brier_score",
        "Brier score",
        "",
        "min",
        "quality",
        "Mean squared error of the predicted probability.",
        0.25,
        0.0,
    ),
    _o(
        "expected_calibration_error",
        "Expected calibration error",
        "",
        "min",
        "quality",
        "Average gap between predicted probability and observed frequency (15 bins).",
        0.2,
        0.0,
    ),
)

_QUALITY_REGRESSION = (
    _o("mae", "Mean absolute error", "target units", "min", "quality", "Average absolute error."),
    _o(
        "rmse",
        "Root mean squared error",
        "target units",
        "min",
        "quality",
        "Square root of the mean squared error; punishes large errors.",
    ),
    _o("r2", "R²", "", "max", "quality", "Share of the target's variance explained.", 0.0, 1.0),
)

_FAIRNESS = (
    _o(
        "demographic_parity_difference",
        "Demographic parity difference",
        "",
        "min",
        "fairness",
        "Largest gap in selection rate between groups (worst sensitive attribute).",
        0.2,
        0.0,
    ),
    _o(
        "demographic_parity_ratio",
        "Demographic parity ratio",
        "",
        "max",
        "fairness",
        "Smallest over largest group selection rate (worst sensitive attribute).",
        0.8,
        1.0,
    ),
    _o(
        "equalized_odds_difference",
        "Equalized odds difference",
        "",
        "min",
        "fairness",
        "Largest gap in true- or false-positive rate between groups.",
        0.2,
        0.0,
    ),
    _o(
        "worst_group_accuracy",
        "Worst-group accuracy",
        "",
        "max",
        "fairness",
        "Accuracy of the group the model serves worst.",
        0.5,
        1.0,
    ),
    _o(
        "group_accuracy_difference",
        "Group accuracy difference",
        "",
        "min",
        "fairness",
        "Largest gap in accuracy between groups (multiclass: how unevenly the model serves them).",
        0.2,
        0.0,
    ),
    _o(
        "worst_group_mae",
        "Worst-group MAE",
        "target units",
        "min",
        "fairness",
        "Mean absolute error of the group the model serves worst.",
    ),
    _o(
        "group_mae_difference",
        "Group MAE difference",
        "target units",
        "min",
        "fairness",
        "Largest gap in mean absolute error between groups.",
    ),
)

REGISTRY: dict[str, Objective] = {o.name: o for o in _QUALITY_CLASSIFICATION + _QUALITY_REGRESSION + _FAIRNESS}

# Serving (measured by analysis.serving). Latencies are single-stream (one row per request, one
# request at a time) at the stated threads; throughputs are one worker's; sizes in MB of 10^6
# bytes; costs in US dollars per million predictions under the assumptions recorded with them.
SERVING_OBJECTIVES: tuple[Objective, ...] = (
    Objective(
        "latency_ms_p50", "Latency p50", "ms", "min", "serving", "Median time to score one row, one request at a time."
    ),
    Objective(
        "latency_ms_p90",
        "Latency p90",
        "ms",
        "min",
        "serving",
        "Time within which 90% of single-row requests are scored.",
    ),
    Objective(
        "latency_ms_p95",
        "Latency p95",
        "ms",
        "min",
        "serving",
        "Time within which 95% of single-row requests are scored.",
    ),
    Objective(
        "latency_ms_p99",
        "Latency p99",
        "ms",
        "min",
        "serving",
        "Time within which 99% of single-row requests are scored: the slow tail users notice.",
    ),
    Objective(
        "latency_ms_max", "Latency max", "ms", "min", "serving", "Slowest single-row request seen while measuring."
    ),
    Objective(
        "latency_ms_mean",
        "Latency mean",
        "ms",
        "min",
        "serving",
        "Average time to score one row; it sets the cost of single-row serving.",
    ),
    Objective(
        "throughput_rows_per_s",
        "Throughput (best batch)",
        "rows/s",
        "max",
        "serving",
        "Rows one worker scores per second when rows arrive in batches of the best size.",
    ),
    Objective(
        "throughput_rows_per_s_single",
        "Throughput (one row at a time)",
        "rows/s",
        "max",
        "serving",
        "Rows one worker scores per second answering one single-row request after another.",
    ),
    Objective(
        "model_size_mb",
        "Model size",
        "MB",
        "min",
        "serving",
        "Size of the saved model file: what must be shipped and loaded.",
    ),
    Objective(
        "peak_memory_mb",
        "Peak prediction memory",
        "MB",
        "min",
        "serving",
        "Extra memory Python allocates while scoring the largest batch.",
    ),
    Objective(
        "cost_usd_per_million",
        "Cost per million (single row)",
        "USD",
        "min",
        "cost",
        "Compute cost of a million single-row predictions on the stated instance.",
    ),
    Objective(
        "cost_usd_per_million_batch",
        "Cost per million (batched)",
        "USD",
        "min",
        "cost",
        "Compute cost of a million predictions scored in batches of the best size.",
    ),
)


# Explainability and reliance on sensitive attributes (measured by analysis.explain).
EXPLAIN_OBJECTIVES: tuple[Objective, ...] = (
    Objective(
        "model_complexity",
        "Model complexity",
        "parameters/nodes",
        "min",
        "explainability",
        "What a reader must inspect to follow the model: coefficients, tree nodes, weights or stored training values.",
    ),
    Objective(
        "features_for_90pct_attribution",
        "Features for 90% of attribution",
        "features",
        "min",
        "explainability",
        "Fewest features that carry 90% of the model's attribution mass: how much a reader must keep in mind.",
    ),
    Objective(
        "exact_explainer",
        "Exact explainer",
        "yes=1",
        "max",
        "explainability",
        "Whether attributions are computed exactly (tree or linear model) rather than estimated by sampling.",
        worst=0.0,
        ideal=1.0,
    ),
    Objective(
        "sensitive_attribution_share",
        "Reliance on sensitive attributes",
        "",
        "min",
        "fairness",
        "Share of the model's attribution mass on sensitive attributes it takes as inputs.",
        worst=0.2,
        ideal=0.0,
    ),
    Objective(
        "proxy_attribution_share",
        "Reliance on proxies",
        "",
        "min",
        "fairness",
        "Share of the model's attribution mass on features that reveal a sensitive attribute "
        "(normalised mutual information above the threshold).",
        worst=0.3,
        ideal=0.0,
    ),
)


def decay_objective_pair(base: Objective, *, short: str | None = None) -> tuple[Objective, Objective]:
    """The two drift objectives of a quality metric: worsening per month and first-to-last loss."""
    short = short or base.name
    unit = base.unit or "points"
    return (
        Objective(
            f"{short}_decay_per_month",
            f"{base.label} decay per month",
            f"{unit}/month",
            "min",
            "drift",
            f"How much {base.label} worsens per month over the evaluation windows (trend of a "
            "least-squares line; negative means it improves).",
        ),
        Objective(
            f"{short}_gap_first_last",
            f"{base.label} loss, first to last window",
            unit,
            "min",
            "drift",
            f"How much worse {base.label} is in the latest window than in the earliest.",
        ),
    )


DRIFT_OBJECTIVES: tuple[Objective, ...] = (
    decay_objective_pair(REGISTRY["roc_auc"], short="auc")
    + decay_objective_pair(REGISTRY["accuracy"])
    + decay_objective_pair(REGISTRY["rmse"])
)

REGISTRY.update({o.name: o for o in SERVING_OBJECTIVES + EXPLAIN_OBJECTIVES + DRIFT_OBJECTIVES})

CLASSIFICATION_METRICS: tuple[str, ...] = tuple(o.name for o in _QUALITY_CLASSIFICATION)
REGRESSION_METRICS: tuple[str, ...] = tuple(o.name for o in _QUALITY_REGRESSION)
#: Metrics that need a score (probability or decision function), not only labels.
SCORE_METRICS: frozenset[str] = frozenset(
    {"roc_auc", "pr_auc", "log_loss", "brier_score", "expected_calibration_error"}
)
#: Metrics that need probabilities (a decision function is not enough).
PROBABILITY_METRICS: frozenset[str] = frozenset({"log_loss", "brier_score", "expected_calibration_error"})


NET_VALUE = Objective(
    "net_value_per_1k",
    "Net value per 1,000 requests",
    "$",
    "max",
    "value",
    "Money the model's decisions make per 1,000 requests, from the value matrix.",
)
REGISTRY[NET_VALUE.name] = NET_VALUE
CAPTURED_SUFFIX = "_captured_per_1k"


@functools.cache
def captured_objective(column: str) -> Objective:
    """The ``<column>_captured_per_1k`` value objective of a money column.

    Built on demand from the name (the same for every caller), never added to :data:`REGISTRY`, so
    what one session looks up cannot change what another sees.
    """
    name = f"{column}{CAPTURED_SUFFIX}"
    return Objective(
        name,
        f"{column} captured per 1,000 requests",
        "$",
        "max",
        "value",
        f"Sum of {column} over the true positives, per 1,000 requests.",
    )


#: The fairness objectives that also get one version per sensitive attribute, per task: ``base[attribute]``.
FAIRNESS_BASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "binary": (
            "demographic_parity_difference",
            "demographic_parity_ratio",
            "equalized_odds_difference",
            "worst_group_accuracy",
        ),
        "multiclass": ("worst_group_accuracy", "group_accuracy_difference"),
        "regression": ("worst_group_mae", "group_mae_difference"),
    }
)
_ATTRIBUTE_NAME = re.compile(r"^(?P<base>[^\[\]]+)\[(?P<attribute>.+)\]$")
_WORST_ATTRIBUTE = " (worst sensitive attribute)"


def split_attribute_objective(name: str) -> tuple[str, str | None]:
    """Split ``base[attribute]`` into ``(base, attribute)``; other names give ``(name, None)``.

    >>> split_attribute_objective("equalized_odds_difference[sex]")
    ('equalized_odds_difference', 'sex')
    >>> split_attribute_objective("roc_auc")
    ('roc_auc', None)
    """
    match = _ATTRIBUTE_NAME.match(name)
    if match is None:
        return name, None
    return match["base"], match["attribute"]


def attribute_objective(base: str, attribute: str) -> Objective:
    """The ``base[attribute]`` version of an objective, for one sensitive attribute.

    It has the base's direction, group, unit and bounds; its label names the attribute
    (``"Equalized odds difference (sex)"``). Built on demand, never added to :data:`REGISTRY`.
    """
    parent = get_objective(base)
    if not attribute or "[" in parent.name:
        raise InputError(f"cannot make a per-attribute objective from {base!r} and attribute {attribute!r}.")
    return _attribute_objective(parent, attribute)


@functools.cache
def _attribute_objective(parent: Objective, attribute: str) -> Objective:
    description = parent.description.replace(_WORST_ATTRIBUTE, "")
    return replace(
        parent,
        name=f"{parent.name}[{attribute}]",
        label=f"{parent.label} ({attribute})",
        description=f"{description.rstrip('.')}, over the groups of {attribute}.",
    )


def find_objective(name: str) -> Objective | None:
    """The registered objective called ``name``, including pattern-named ones; ``None`` if unknown.

    Pattern-named objectives: ``<column>_captured_per_1k`` and ``<base>[<attribute>]`` for any
    registered ``base``. A pure lookup: it never changes :data:`REGISTRY`.
    """
    if name in REGISTRY:
        return REGISTRY[name]
    if name.endswith(CAPTURED_SUFFIX) and len(name) > len(CAPTURED_SUFFIX):
        return captured_objective(name[: -len(CAPTURED_SUFFIX)])
    base, attribute = split_attribute_objective(name)
    if attribute is not None and find_objective(base) is not None:
        return attribute_objective(base, attribute)
    return None


def register(objective: Objective) -> Objective:
    """Add an objective to the registry (used by evaluation modules that define their own)."""
    REGISTRY[objective.name] = objective
    return objective


def get_objective(name: str) -> Objective:
    """Look up a registered objective; unknown names raise :class:`InputError`."""
    found = find_objective(name)
    if found is not None:
        return found
    raise InputError(f"unknown objective {name!r}; known objectives: {', '.join(sorted(REGISTRY))}.")


def parse_direction(text: str, *, name: str) -> str:
    """Parse ``max``/``min`` (and common synonyms) for objective ``name``."""
    key = text.strip().lower()
    synonyms = {
        "max": "max",
        "maximize": "max",
        "maximise": "max",
        "higher": "max",
        "up": "max",
        "min": "min",
        "minimize": "min",
        "minimise": "min",
        "lower": "min",
        "down": "min",
    }
    if key not in synonyms:
        raise InputError(f"direction {text!r} for objective {name!r} is not understood; use 'max' or 'min'.")
    return synonyms[key]
