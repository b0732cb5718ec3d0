"""Settings of an explanation run: how many rows, which background, what time budget.

Allowed values are declared as data in :data:`CONSTRAINTS` and checked by
:func:`check_explain_settings` when a run starts (where the data enters), not in the constructor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from analysis._errors import InputError


@dataclass(frozen=True)
class ExplainSettings:
    """How to explain the candidates.

    Parameters
    ----------
    sample_size : int, default=500
        Evaluation rows to explain per candidate (drawn once, seeded, shared by every candidate;
        a candidate whose budget is short explains a prefix of the same draw).
    local_rows : int, default=5
        Rows of the sample stored with their per-feature attributions ("why this prediction").
    background_size : int, default=100
        Background rows of the linear explainer (their mean is the reference point).
    agnostic_background_size : int, default=20
        Background rows of the model-agnostic permutation explainer. Its cost grows linearly with
        this number, so it is a small random sample.
    n_permutations : int, default=5
        Antithetic permutation pairs per row of the model-agnostic explainer (each pair costs
        ``2 * (n_features - 1) * agnostic_background_size`` model rows). Local accuracy is exact
        whatever the number; more pairs lower the sampling noise of each attribution.
    budget_seconds : float, default=15.0
        Time budget of one candidate (setup, pilot and explanation).
    total_budget_seconds : float, default=60.0
        Time budget of the whole run. Candidates with an exact explainer run first; each candidate
        gets ``min(budget_seconds, time left / candidates left)``.
    pilot_rows : int, default=5
        Rows timed before committing to a sample size (after a one-row warm-up probe).
    min_sample_size : int, default=10
        A candidate whose budget fits fewer rows is skipped, with the reason.
    top_features : int, default=5
        Features listed as the top features of each candidate.
    proxy_threshold : float, default=0.3
        A feature is a proxy of a sensitive attribute when their normalised mutual information
        (the share of the attribute's entropy the feature reveals) exceeds this.
    association_bins : int, default=10
        Quantile bins of numeric features (and numeric sensitive attributes) for the association.
    association_rows : int, default=20000
        Rows used for the association (a seeded sample when the data has more).
    attribution_mass : float, default=0.9
        Share of attribution mass for ``features_for_90pct_attribution``.
    positive_label : object, optional
        Class explained for binary classifiers; default: the second of the model's ``classes_``.
    random_state : int, default=0
        Seed of the row sample, the backgrounds and the permutations.
    """

    sample_size: int = 500
    local_rows: int = 5
    background_size: int = 100
    agnostic_background_size: int = 20
    n_permutations: int = 5
    budget_seconds: float = 15.0
    total_budget_seconds: float = 60.0
    pilot_rows: int = 5
    min_sample_size: int = 10
    top_features: int = 5
    proxy_threshold: float = 0.3
    association_bins: int = 10
    association_rows: int = 20000
    attribution_mass: float = 0.9
    positive_label: Any = None
    random_state: int = 0

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return asdict(self)


#: ``{field: (kind, lowest, highest)}``; ``None`` means unbounded.
CONSTRAINTS: dict[str, tuple[str, float | None, float | None]] = {
    "sample_size": ("int", 1, None),
    "local_rows": ("int", 0, None),
    "background_size": ("int", 1, None),
    "agnostic_background_size": ("int", 1, None),
    "n_permutations": ("int", 1, None),
    "budget_seconds": ("float", 0.0, None),
    "total_budget_seconds": ("float", 0.0, None),
    "pilot_rows": ("int", 1, None),
    "min_sample_size": ("int", 1, None),
    "top_features": ("int", 1, None),
    "proxy_threshold": ("float", 0.0, 1.0),
    "association_bins": ("int", 2, None),
    "association_rows": ("int", 10, None),
    "attribution_mass": ("float", 0.01, 1.0),
    "random_state": ("int", 0, None),
}


def check_explain_settings(settings: ExplainSettings) -> ExplainSettings:
    """Raise :class:`InputError` naming the option when a value is out of range.

    Parameters
    ----------
    settings : ExplainSettings
        The record to check.

    Returns
    -------
    ExplainSettings
        The same record, for chaining.
    """
    for name, (kind, low, high) in CONSTRAINTS.items():
        value = getattr(settings, name)
        is_int = isinstance(value, int) and not isinstance(value, bool)
        is_number = is_int or (isinstance(value, float) and value == value)
        if (kind == "int" and not is_int) or not is_number:
            raise InputError(
                f"explain option {name} must be {'an integer' if kind == 'int' else 'a number'}, not {value!r}.",
                source=name,
            )
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"between {low} and {high}"
            raise InputError(f"explain option {name} must be {bounds}; got {value!r}.", source=name)
    return settings
