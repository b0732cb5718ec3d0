"""The explainability objectives, defined once and registered with :mod:`analysis.objectives`."""

from __future__ import annotations

from analysis.objectives import REGISTRY, Objective, register

_EXPLAIN = (
    Objective("model_complexity", "Model complexity", "parameters/nodes", "min", "explainability",
              "What a reader must inspect to follow the model: coefficients, tree nodes, weights or "
              "stored training values."),
    Objective("features_for_90pct_attribution", "Features for 90% of attribution", "features", "min",
              "explainability",
              "Fewest features that carry 90% of the model's attribution mass: how much a reader must keep in mind."),
    Objective("exact_explainer", "Exact explainer", "yes=1", "max", "explainability",
              "Whether attributions are computed exactly (tree or linear model) rather than estimated by sampling.",
              worst=0.0, ideal=1.0),
    Objective("sensitive_attribution_share", "Reliance on sensitive attributes", "", "min", "fairness",
              "Share of the model's attribution mass on sensitive attributes it takes as inputs.",
              worst=0.2, ideal=0.0),
    Objective("proxy_attribution_share", "Reliance on proxies", "", "min", "fairness",
              "Share of the model's attribution mass on features that reveal a sensitive attribute "
              "(normalised mutual information above the threshold).",
              worst=0.3, ideal=0.0),
)

for _objective in _EXPLAIN:
    register(_objective)

#: Names of the explanation objectives, in report order.
EXPLAIN_OBJECTIVE_NAMES: tuple[str, ...] = tuple(o.name for o in _EXPLAIN)


def explain_objectives() -> tuple[Objective, ...]:
    """The registered explanation objectives (as the registry holds them now), in report order.

    Examples
    --------
    >>> [o.name for o in explain_objectives()][:2]
    ['model_complexity', 'features_for_90pct_attribution']
    """
    return tuple(REGISTRY[name] for name in EXPLAIN_OBJECTIVE_NAMES)
