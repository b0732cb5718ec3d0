"""Explanations: SHAP attributions per candidate, explainability facts and reliance on proxies.

Each candidate gets the fastest exact explainer its family allows (path-dependent TreeExplainer
for tree ensembles, LinearExplainer for linear models, zeros for constant baselines) and a
model-agnostic permutation explainer otherwise, on one seeded sample of evaluation rows, within
a per-candidate and a total time budget. Attributions are for the model as supplied, in its
original columns (one-hot columns summed back into their source).

>>> from analysis.explain import ExplainSettings, explain_candidates, explanations_to_scorecard
>>> report = explain_candidates(models, X, sensitive=S, settings=ExplainSettings())  # doctest: +SKIP
>>> scorecard = explanations_to_scorecard(scorecard, report)  # doctest: +SKIP
"""

from analysis.explain._budget import BudgetOutcome, run_within_budget
from analysis.explain._codec import FrameCodec
from analysis.explain._explain import explain_candidates
from analysis.explain._families import (
    EXACT_EXPLAINERS,
    EXPLAINERS,
    ModelFacts,
    choose_explainer,
    compute_complexity,
    describe_estimator,
    model_family,
)
from analysis.explain._mapping import SourceMap, UnmappableError, aggregate_to_source, compute_source_map
from analysis.explain._objectives import EXPLAIN_OBJECTIVE_NAMES, explain_objectives
from analysis.explain._paths import ADDITIVITY_TOLERANCE, OutputTarget, resolve_target
from analysis.explain._permutation import permutation_shap
from analysis.explain._proxies import (
    ProxyAssociation,
    ProxyFlag,
    compute_associations,
    compute_reliance,
    normalized_mutual_information,
)
from analysis.explain._report import (
    OUTPUT_SPACES,
    CandidateExplanation,
    ExplanationReport,
    FeatureImportance,
    LocalExplanation,
)
from analysis.explain._scorecard import explanations_to_scorecard
from analysis.explain._settings import ExplainSettings, check_explain_settings

__all__ = [
    "ADDITIVITY_TOLERANCE",
    "EXACT_EXPLAINERS",
    "EXPLAINERS",
    "EXPLAIN_OBJECTIVE_NAMES",
    "OUTPUT_SPACES",
    "BudgetOutcome",
    "CandidateExplanation",
    "ExplainSettings",
    "ExplanationReport",
    "FeatureImportance",
    "FrameCodec",
    "LocalExplanation",
    "ModelFacts",
    "OutputTarget",
    "ProxyAssociation",
    "ProxyFlag",
    "SourceMap",
    "UnmappableError",
    "aggregate_to_source",
    "check_explain_settings",
    "choose_explainer",
    "compute_associations",
    "compute_complexity",
    "compute_reliance",
    "compute_source_map",
    "describe_estimator",
    "explain_candidates",
    "explain_objectives",
    "explanations_to_scorecard",
    "model_family",
    "normalized_mutual_information",
    "permutation_shap",
    "resolve_target",
    "run_within_budget",
]
