"""The decay objectives (those of roc_auc, accuracy and rmse are defined in :mod:`analysis.objectives`).

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

from analysis.objectives import REGISTRY, Objective, decay_objective_pair, get_objective, register

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
    """The two decay objectives of ``metric`` (those of roc_auc, accuracy and rmse are predefined)."""
    decay, gap = decay_objective_names(metric)
    if decay not in REGISTRY or gap not in REGISTRY:
        for objective in decay_objective_pair(get_objective(metric), short=_SHORT.get(metric, metric)):
            register(objective)
    return REGISTRY[decay], REGISTRY[gap]
