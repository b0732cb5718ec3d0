"""One candidate's metrics for a batch of weightings: quality, fairness and value together.

:func:`candidate_terms` builds every per-row term a candidate needs once; :func:`metrics_for`
turns the weighted sums of one batch of weightings (bootstrap resamples, time windows, or the
point estimate) into every metric. The same code therefore produces the point value, the
confidence interval and the per-window series, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.evaluation._data import EvalData
from analysis.evaluation._fairness import GroupCounts, GroupIndex, group_rates
from analysis.evaluation._metrics import (
    BinaryInputs,
    MulticlassInputs,
    Terms,
    binary_metrics,
    binary_terms,
    make_score_order,
    multiclass_metrics,
    multiclass_orders,
    multiclass_terms,
    ratio,
    regression_metrics,
    regression_terms,
)
from analysis.evaluation._predict import Predictions
from analysis.evaluation._value import value_terms

GROUP_RATES = ("selection_rate", "accuracy", "tpr", "fpr")


@dataclass
class CandidateTerms:
    """Everything needed to compute one candidate's metrics under any weighting."""

    name: str
    terms: Terms
    orders: object  # ScoreOrder | list[ScoreOrder] | None
    groups: Sequence[GroupIndex]


def candidate_terms(
    data: EvalData, pred: Predictions, groups: Sequence[GroupIndex], value_rows: dict
) -> CandidateTerms:
    """Per-row terms for quality, fairness slices and value of one candidate."""
    y = data.y
    task = data.task
    if task == "binary":
        terms = binary_terms(BinaryInputs(y, pred.y_pred, pred.y_prob, pred.y_score))
        orders = make_score_order(y, pred.y_score) if pred.y_score is not None else None
    elif task == "multiclass":
        terms = multiclass_terms(MulticlassInputs(y, pred.y_pred, pred.y_prob, len(data.spec.classes)))
        orders = multiclass_orders(y, pred.y_prob) if pred.y_prob is not None else None
    else:
        terms = regression_terms(y, pred.y_pred)
        orders = None
    for g in groups:
        M = g.indicator()
        for j in range(g.n_groups):
            m = M[:, j]
            key = f"g|{g.attribute}|{j}"
            terms.add(f"{key}|n", m, sparse=True)
            if task == "binary":
                terms.add(f"{key}|pos", m * y, sparse=True)
                terms.add(f"{key}|pred", m * pred.y_pred, sparse=True)
                terms.add(f"{key}|tp", m * y * pred.y_pred, sparse=True)
            elif task == "multiclass":
                terms.add(f"{key}|correct", m * (y == pred.y_pred), sparse=True)
            else:
                terms.add(f"{key}|abs_err", m * np.abs(pred.y_pred - y), sparse=True)
    if task == "binary":
        for name, col in value_terms(value_rows, y, pred.y_pred, data.value).items():
            terms.add(f"v|{name}", col)
    return CandidateTerms(pred.name, terms, orders, groups)


def metrics_for(
    ct: CandidateTerms, W: np.ndarray, task: str, n_classes: int, *, Wt: np.ndarray | None = None
) -> tuple[dict, dict]:
    """All objective values and per-group rates for each row of weights ``W``.

    Returns
    -------
    objectives : dict
        ``{objective name: array (len(W),)}``.
    groups : dict
        ``{(attribute, rate name): array (len(W), n_groups)}`` plus ``(attribute, "n")``.

    ``Wt`` (``W`` transposed, C order) may be passed in when many candidates share ``W``.
    """
    s = ct.terms.sums(W, Wt=Wt)
    if task == "binary":
        out = binary_metrics(s, ct.orders, W, Wt=Wt)
    elif task == "multiclass":
        out = multiclass_metrics(s, ct.orders, W, n_classes, Wt=Wt)
    else:
        out = regression_metrics(s)
    # Per-group counts and rates only: the scored disparities are computed from them over the
    # groups large enough to count (analysis.evaluation._fairness.scored_fairness).
    group_out: dict = {}
    for g in ct.groups:
        keys = [f"g|{g.attribute}|{j}" for j in range(g.n_groups)]
        n = np.column_stack([s[f"{k}|n"] for k in keys])
        group_out[(g.attribute, "n")] = n
        if task == "binary":
            pos = np.column_stack([s[f"{k}|pos"] for k in keys])
            pred_pos = np.column_stack([s[f"{k}|pred"] for k in keys])
            tp = np.column_stack([s[f"{k}|tp"] for k in keys])
            counts = GroupCounts(n=n, pos=pos, pred_pos=pred_pos, tp=tp, correct=n - pos - pred_pos + 2 * tp)
            rates = group_rates(counts)
            group_out[(g.attribute, "pos")] = counts.pos
            for r in GROUP_RATES:
                group_out[(g.attribute, r)] = rates[r]
        elif task == "multiclass":
            group_out[(g.attribute, "accuracy")] = ratio(np.column_stack([s[f"{k}|correct"] for k in keys]), n)
        else:
            group_out[(g.attribute, "mae")] = ratio(np.column_stack([s[f"{k}|abs_err"] for k in keys]), n)
    for name in [n for n in ct.terms.all_names if n.startswith("v|")]:
        out[name[2:]] = ratio(s[name], s.weight)
    return out, group_out
