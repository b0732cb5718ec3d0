"""The decay objectives, defined once and registered with :mod:`analysis.objectives`.

For a quality metric ``m`` (``roc_auc`` by default), two objectives, both "lower is better":

``<short>_decay_per_month``
    How fast the metric worsens: minus the least-squares slope of ``m`` per month over the
    evaluation windows when larger ``m`` is better (``roc_auc``, ``accuracy``), plus the slope when
    smaller is better (``rmse``, ``log_loss``). Positive = decaying; negative = improving.
``<short>_gap_first_last``
    The worsening from the earliest to the latest window, in the metric's units, with the same sign
    convention.

``<short>`` is ``auc`` for ``roc_auc`` and the metric name otherwise.
"""

from __future__ import annotations

from analysis.objectives import REGISTRY, Objective, get_objective, register

_SHORT = {"roc_auc": "auc", "pr_auc": "pr_auc"}


def decay_objective_names(metric: str) -> tuple[str, str]:
    """``(decay_per_month, gap_first_last)`` objective names for ``metric``.

    Examples
    --------
    >>> decay_objective_names("roc_auc")
    ('auc_decay_per_month', 'auc_gap_first_last')
    """
    short = _SHORT.get(metric, metric)
    return f"{short}_decay_per_month", f"{short}_gap_first_last"


def decay_objectives(metric: str) -> tuple[Objective, Objective]:
    """The two decay objectives of ``metric``, registered on first use."""
    base = get_objective(metric)
    decay, gap = decay_objective_names(metric)
    unit = base.unit or "points"
    if decay not in REGISTRY:
        register(
            Objective(decay, f"{base.label} decay per month", f"{unit}/month", "min", "drift",
                      f"How much {base.label} worsens per month over the evaluation windows (trend of a "
                      "least-squares line; negative means it improves).")
        )
    if gap not in REGISTRY:
        register(
            Objective(gap, f"{base.label} loss, first to last window", unit, "min", "drift",
                      f"How much worse {base.label} is in the latest window than in the earliest.")
        )
    return REGISTRY[decay], REGISTRY[gap]


decay_objectives("roc_auc")
decay_objectives("accuracy")
decay_objectives("rmse")
