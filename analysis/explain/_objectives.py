"""The explainability objectives (defined once, in :mod:`analysis.objectives`)."""

from __future__ import annotations

from analysis.objectives import EXPLAIN_OBJECTIVES, REGISTRY, Objective

#: Names of the explanation objectives, in report order.
EXPLAIN_OBJECTIVE_NAMES: tuple[str, ...] = tuple(o.name for o in EXPLAIN_OBJECTIVES)


def explain_objectives() -> tuple[Objective, ...]:
    """The registered explanation objectives (as the registry holds them now), in report order.

    Examples
    --------
    >>> [o.name for o in explain_objectives()][:2]
    ['model_complexity', 'features_for_90pct_attribution']
    """
    return tuple(REGISTRY[name] for name in EXPLAIN_OBJECTIVE_NAMES)
