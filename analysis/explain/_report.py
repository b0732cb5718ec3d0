"""The explanation report: one record per candidate, plus the proxy association table.

Everything is computed once by :func:`~analysis.explain.explain_candidates`; the records only
offer views. Attribution arrays stay in memory (``values``, ``outputs``) for tests and figures;
:meth:`ExplanationReport.to_dict` exports summaries only (importance, a few local rows), never
the raw attributions of every row. A figure that could not be measured is ``None``, never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.explain._proxies import ProxyAssociation, ProxyFlag
from analysis.explain._settings import ExplainSettings

#: Output spaces an attribution can be in.
OUTPUT_SPACES: dict[str, str] = {
    "probability": "predicted probability of the explained class",
    "log_odds": "log-odds (margin) of the explained class: the model's raw score before the sigmoid",
    "logits": "per-class raw scores before the softmax",
    "margin": "decision-function margin of the explained class (not a probability)",
    "prediction": "predicted value, in target units",
}
STATUSES: tuple[str, ...] = ("ok", "shrunk", "skipped", "failed")


@dataclass(frozen=True)
class FeatureImportance:
    """Global importance of one source feature: mean absolute attribution over the sample."""

    feature: str
    mean_abs_attribution: float
    share: float

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class LocalExplanation:
    """Why the model gave one row its output.

    ``base_value + sum(attributions) == output`` (in the candidate's output space), up to rounding.

    Attributes
    ----------
    row : object
        The row's index label in the explained frame.
    position : int
        The row's position in the explained frame.
    output_name : str
        What is explained (the class for classifiers).
    values : tuple of (str, object)
        The row's feature values, as supplied.
    attributions : tuple of (str, float)
        Per source feature, in the model's feature order.
    base_value : float
    output : float
    """

    row: Any
    position: int
    output_name: str
    values: tuple[tuple[str, Any], ...]
    attributions: tuple[tuple[str, float], ...]
    base_value: float
    output: float

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return {
            "row": _plain(self.row),
            "position": self.position,
            "output_name": self.output_name,
            "values": {k: _plain(v) for k, v in self.values},
            "attributions": dict(self.attributions),
            "base_value": self.base_value,
            "output": self.output,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


@dataclass(frozen=True, eq=False)
class CandidateExplanation:
    """One candidate's explanation and explainability facts.

    Attributes
    ----------
    name : str
    family : str
        See :class:`~analysis.explain._families.ModelFacts`.
    estimator_type : str
        Class name of the final estimator.
    explainer : str or None
        ``tree_path_dependent``, ``linear``, ``constant`` or ``permutation``; ``None`` if none ran.
    explainer_detail : str
        The explainer as a sentence (library call, perturbation, background).
    output_space : str or None
        Key of :data:`OUTPUT_SPACES`.
    output_names : tuple of str
        What each output column explains (the class label for classifiers).
    features : tuple of str
        Source features, in the order the model takes them.
    status : str
        One of :data:`STATUSES`.
    reason : str or None
        Why the sample was shrunk, or the candidate skipped or failed.
    notes : tuple of str
    sample_size_requested, sample_size : int, int or None
    background_size : int or None
        Background rows (``None`` for path-dependent trees and constants: no background).
    seconds : float or None
        Wall time spent on this candidate (setup included).
    estimated_seconds, seconds_per_row, budget_seconds : float or None
    base_value : tuple of float or None
        Per output.
    additivity_max_error : float or None
        Largest ``|base + sum(attributions) - output|`` over the sample.
    importance : tuple of FeatureImportance
        Sorted by decreasing importance.
    local : tuple of LocalExplanation
    model_complexity : int or None
    complexity_unit : str
    exact_explainer : bool or None
    features_for_mass : int or None
        ``features_for_90pct_attribution`` (for the settings' mass).
    sensitive_share, proxy_share : float or None
    sensitive_features : tuple of str
        Sensitive attributes the candidate takes as inputs.
    proxies : tuple of ProxyFlag
    sample_positions : tuple of int
        Positions (in the explained frame) of the rows in ``values``.
    values : ndarray of shape (n_rows, n_features, n_outputs) or None
        Attributions in the source feature space.
    outputs : ndarray of shape (n_rows, n_outputs) or None
        Model outputs in the output space, computed independently of the explainer.
    """

    name: str
    family: str = "other"
    estimator_type: str = ""
    explainer: str | None = None
    explainer_detail: str = ""
    output_space: str | None = None
    output_names: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    status: str = "ok"
    reason: str | None = None
    notes: tuple[str, ...] = ()
    sample_size_requested: int = 0
    sample_size: int | None = None
    background_size: int | None = None
    seconds: float | None = None
    estimated_seconds: float | None = None
    seconds_per_row: float | None = None
    budget_seconds: float | None = None
    base_value: tuple[float, ...] | None = None
    additivity_max_error: float | None = None
    importance: tuple[FeatureImportance, ...] = ()
    local: tuple[LocalExplanation, ...] = ()
    model_complexity: int | None = None
    complexity_unit: str = "unknown"
    exact_explainer: bool | None = None
    features_for_mass: int | None = None
    sensitive_share: float | None = None
    proxy_share: float | None = None
    sensitive_features: tuple[str, ...] = ()
    proxies: tuple[ProxyFlag, ...] = ()
    sample_positions: tuple[int, ...] = ()
    values: np.ndarray | None = field(default=None, repr=False)
    outputs: np.ndarray | None = field(default=None, repr=False)

    @property
    def explained(self) -> bool:
        """True when attributions were computed (``ok`` or ``shrunk``)."""
        return self.status in ("ok", "shrunk")

    def top_features(self, k: int) -> tuple[str, ...]:
        """The ``k`` most important features (features with zero importance are never listed)."""
        return tuple(f.feature for f in self.importance if f.mean_abs_attribution > 0)[:k]

    def figures(self) -> dict[str, float | None]:
        """Objective name -> value (``None`` when missing)."""
        return {
            "model_complexity": None if self.model_complexity is None else float(self.model_complexity),
            "features_for_90pct_attribution": None if self.features_for_mass is None else float(self.features_for_mass),
            "exact_explainer": None if self.exact_explainer is None else float(self.exact_explainer),
            "sensitive_attribution_share": self.sensitive_share,
            "proxy_attribution_share": self.proxy_share,
        }

    def to_dict(self, *, top_features: int = 5) -> dict:
        """Plain-JSON form (summaries only)."""
        return {
            "family": self.family,
            "estimator_type": self.estimator_type,
            "explainer": self.explainer,
            "explainer_detail": self.explainer_detail,
            "output_space": self.output_space,
            "output_space_meaning": OUTPUT_SPACES.get(self.output_space or "", None),
            "output_names": list(self.output_names),
            "features": list(self.features),
            "status": self.status,
            "reason": self.reason,
            "skipped_reason": self.reason if self.status in ("skipped", "failed") else None,
            "notes": list(self.notes),
            "sample_size_requested": self.sample_size_requested,
            "sample_size": self.sample_size,
            "background_size": self.background_size,
            "seconds": self.seconds,
            "estimated_seconds": self.estimated_seconds,
            "seconds_per_row": self.seconds_per_row,
            "budget_seconds": self.budget_seconds,
            "base_value": None if self.base_value is None else list(self.base_value),
            "additivity_max_error": self.additivity_max_error,
            "global_importance": [f.to_dict() for f in self.importance],
            "top_features": list(self.top_features(top_features)),
            "local": [row.to_dict() for row in self.local],
            "facts": {
                "family": self.family,
                **self.figures(),
                "complexity_unit": self.complexity_unit,
            },
            "sensitive_features": list(self.sensitive_features),
            "proxies_flagged": [p.to_dict() for p in self.proxies],
        }


@dataclass(frozen=True, eq=False)
class ExplanationReport:
    """Every candidate's explanation, and how features relate to the sensitive attributes.

    Attributes
    ----------
    candidates : tuple of CandidateExplanation
        In the order the models were given.
    associations : tuple of ProxyAssociation
        Feature x sensitive attribute, by decreasing association (empty without sensitive data).
    sensitive_attributes : tuple of str
    settings : ExplainSettings
    sample_positions : tuple of int
        The full sample drawn (positions in ``X``); candidates explain a prefix of it.
    sample_index : tuple
        Index labels of those rows.
    seconds : float
        Wall time of the whole run.
    notes : tuple of str
    """

    candidates: tuple[CandidateExplanation, ...]
    associations: tuple[ProxyAssociation, ...]
    sensitive_attributes: tuple[str, ...]
    settings: ExplainSettings
    sample_positions: tuple[int, ...]
    sample_index: tuple
    seconds: float
    notes: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Candidate names."""
        return tuple(c.name for c in self.candidates)

    def __getitem__(self, name: str) -> CandidateExplanation:
        for c in self.candidates:
            if c.name == name:
                return c
        raise KeyError(name)

    def importance_frame(self) -> pd.DataFrame:
        """Long table: candidate, feature, mean absolute attribution, share."""
        rows = [{"candidate": c.name, **f.to_dict()} for c in self.candidates for f in c.importance]
        return pd.DataFrame(rows, columns=["candidate", "feature", "mean_abs_attribution", "share"])

    def associations_frame(self) -> pd.DataFrame:
        """The proxy association table."""
        return pd.DataFrame(
            [a.to_dict() for a in self.associations],
            columns=["feature", "sensitive_attribute", "association", "flagged"],
        )

    def to_dict(self) -> dict:
        """Plain-JSON form: the ``explanations`` section of a scorecard."""
        s = self.settings
        return {
            "settings": s.to_dict(),
            "rules": {
                "explainers": "tree ensembles: shap.TreeExplainer with feature_perturbation='tree_path_dependent' "
                "(also for HistGradientBoosting, where the interventional variant fails its additivity check "
                "with scikit-learn 1.9); linear models: shap.LinearExplainer (interventional, the background "
                "mean as reference); constant baselines: zeros; everything else: antithetic permutation "
                "sampling over the original columns with a small random background (model-agnostic)",
                "output_space": "binary classifiers: the explained class's probability for probability trees and "
                "model-agnostic explanations, its log-odds for boosting and logistic regression, the margin for "
                "other linear classifiers; multiclass: every class (local rows show the predicted class); "
                "regressors: the prediction. Local accuracy holds in that space.",
                "feature_space": "attributions are for the model as supplied, in its input columns; one-hot and "
                "other transformed columns are summed back into their source column",
                "global_importance": "mean absolute attribution per source feature over the explained rows "
                "(summed over classes for multiclass models)",
                "features_for_90pct_attribution": f"fewest features whose importance adds up to "
                f"{s.attribution_mass:.0%} of the total",
                "association": "normalised mutual information I(F;S)/H(S); numeric columns in "
                f"{s.association_bins} quantile bins",
                "proxy_threshold": s.proxy_threshold,
                "budget": f"per candidate min({s.budget_seconds:g} s, time left of {s.total_budget_seconds:g} s / "
                "candidates left); exact explainers first; one-row probe then a pilot of "
                f"{s.pilot_rows} rows, extrapolated; shrink to what fits, skip below {s.min_sample_size} rows",
            },
            "sample_rows": len(self.sample_positions),
            "local_rows": [_plain(v) for v in self.sample_index[: s.local_rows]],
            "seconds": self.seconds,
            "sensitive_attributes": list(self.sensitive_attributes),
            "candidates": {c.name: c.to_dict(top_features=s.top_features) for c in self.candidates},
            "associations": [a.to_dict() for a in self.associations],
            "notes": list(self.notes),
        }
