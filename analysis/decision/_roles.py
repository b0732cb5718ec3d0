"""Roles over kinds of objective, resolved against what a scorecard actually measured.

A profile may name a *kind* of objective instead of a metric: ``@primary_quality`` is ROC AUC for a
binary classifier, balanced accuracy for a multiclass one and RMSE for a regression;
``@error_rate_disparity`` is the equalized odds difference of *each* sensitive attribute the
scorecard has (``equalized_odds_difference[sex]``, ``equalized_odds_difference[race]``), so a
real difference on any attribute counts. :func:`resolve_profiles` turns such templates into
concrete profiles for one scorecard:

* **Weights.** A kind becomes the objectives it resolves to among those *measured* (present
  with a value for at least one candidate); the kind's weight is split equally among them. A
  kind that resolves to nothing drops out and is named in the profile's ``notes``.
* **Constraints.** ``@kind OP X`` becomes one constraint per resolved objective (for a
  single-objective kind, its first resolution). ``@reference`` on the right is the *incumbent*
  (the model in production today) when one is named and has a value there, else the stated
  baseline rule of that objective (:data:`BASELINE_RULES`: better than chance by
  :data:`BASELINE_MARGIN`). A constraint whose objective or reference cannot be resolved is
  not applied, and the notes say why: it never names a candidate that may not exist.
* **Taking part.** A resolved template must weigh at least :data:`MIN_OBJECTIVES` measured
  objectives; otherwise it takes no part in the decision, and ``cannot_take_part`` says which
  kinds were missing and which command would measure them. A profile written with metric names
  (no ``@``) is taken at its word: it only needs one measured objective.

Which kind becomes what, by task (first measured wins for single kinds; "all" kinds take every
measured one):

=========================  ==========================================  =====================================
kind                       binary / multiclass                         regression
=========================  ==========================================  =====================================
``@primary_quality``       roc_auc (binary) / balanced_accuracy, ...   rmse, mae, r2
``@secondary_quality``     pr_auc, f1 / accuracy, f1                   mae, r2
``@calibration`` (all)     log_loss, expected_calibration_error        —
``@precision``             precision                                   —
``@coverage``              recall                                      —
``@tail_latency``          latency_ms_p99, p95, p90                    same
``@typical_latency``       latency_ms_p50, latency_ms_mean             same
``@cost``                  cost_usd_per_million, ..._batch             same
``@throughput``            throughput_rows_per_s                       same
``@size``                  model_size_mb                               same
``@value`` (all)           net_value_per_1k, else every *_captured_per_1k
``@worst_group`` (all)     worst_group_accuracy[ATTR] per attribute    worst_group_mae[ATTR]
``@error_rate_disparity``  equalized_odds_difference[ATTR] /           group_mae_difference[ATTR]
                           group_accuracy_difference[ATTR]
``@selection_disparity``   demographic_parity_difference[ATTR]         —
``@sensitive_reliance``    sensitive_attribution_share, proxy_...      same
``@explainability``        features_for_90pct_attribution, ...         same
``@decay``                 auc_decay_per_month, accuracy_...           rmse_decay_per_month
=========================  ==========================================  =====================================

Per-attribute kinds fall back to the overall objective (``worst_group_accuracy``) when the
scorecard has no per-attribute ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from analysis._errors import InputError
from analysis.decision._constraints import Constraint
from analysis.decision._profiles import StakeholderProfile
from analysis.decision._table import DecisionTable
from analysis.objectives import split_attribute_objective

KIND_PREFIX = "@"
REFERENCE = "@reference"
MIN_OBJECTIVES = 2
BASELINE_MARGIN = 0.05


@dataclass(frozen=True)
class Kind:
    """A kind of objective: what it means and which objectives it may become, by task."""

    name: str
    description: str
    objectives: Mapping[str, tuple[str, ...]]  # task -> candidates in order of preference
    take_all: bool = False
    per_attribute: bool = False
    how_to_measure: str = ""


_CLS = ("binary", "multiclass")


def _k(name, description, by_task, *, take_all=False, per_attribute=False, how="") -> Kind:
    table: dict[str, tuple[str, ...]] = {}
    for tasks, names in by_task:
        for t in tasks:
            table[t] = tuple(names)
    return Kind(name, description, table, take_all, per_attribute, how)


_SERVING_HOW = (
    "measure serving on model files (on by default in tradeoffs evaluate, 'Measure serving' in the dashboard), "
    "or give a prediction file's measured figures (--serving-metadata NAME=FILE)"
)
ALL_TASKS = ("binary", "multiclass", "regression")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        _k(
            "primary_quality",
            "the task's primary quality metric",
            [
                (("binary",), ("roc_auc", "pr_auc", "balanced_accuracy", "accuracy", "f1")),
                (("multiclass",), ("balanced_accuracy", "accuracy", "f1", "roc_auc")),
                (("regression",), ("rmse", "mae", "r2")),
            ],
        ),
        _k(
            "secondary_quality",
            "a second quality view",
            [
                (("binary",), ("pr_auc", "f1", "balanced_accuracy")),
                (("multiclass",), ("accuracy", "f1")),
                (("regression",), ("mae", "r2")),
            ],
        ),
        _k(
            "calibration",
            "calibration of predicted probabilities",
            [(_CLS, ("log_loss", "expected_calibration_error"))],
            take_all=True,
            how="give probabilities (predict_proba, or a y_prob column in a prediction file)",
        ),
        _k("precision", "precision", [(_CLS, ("precision",))]),
        _k("coverage", "recall (share of the real positives found)", [(_CLS, ("recall",))]),
        _k(
            "tail_latency",
            "tail latency",
            [(ALL_TASKS, ("latency_ms_p99", "latency_ms_p95", "latency_ms_p90"))],
            how=_SERVING_HOW,
        ),
        _k(
            "typical_latency",
            "typical latency",
            [(ALL_TASKS, ("latency_ms_p50", "latency_ms_mean"))],
            how=_SERVING_HOW,
        ),
        _k(
            "cost",
            "cost per million predictions",
            [(ALL_TASKS, ("cost_usd_per_million", "cost_usd_per_million_batch"))],
            how=_SERVING_HOW,
        ),
        _k("throughput", "throughput", [(ALL_TASKS, ("throughput_rows_per_s",))], how=_SERVING_HOW),
        _k("size", "model size", [(ALL_TASKS, ("model_size_mb",))], how=_SERVING_HOW),
        _k(
            "value",
            "business value",
            [(ALL_TASKS, ("net_value_per_1k", "*_captured_per_1k"))],
            take_all=True,
            how="give a value matrix (--value-matrix and --value-col, or the dashboard's value settings)",
        ),
        _k(
            "worst_group",
            "the worst-served group",
            [(_CLS, ("worst_group_accuracy",)), (("regression",), ("worst_group_mae",))],
            take_all=True,
            per_attribute=True,
            how="name sensitive attributes (--sensitive COLUMN)",
        ),
        _k(
            "error_rate_disparity",
            "error-rate gaps between groups",
            [
                (("binary",), ("equalized_odds_difference",)),
                (("multiclass",), ("group_accuracy_difference",)),
                (("regression",), ("group_mae_difference",)),
            ],
            take_all=True,
            per_attribute=True,
            how="name sensitive attributes (--sensitive COLUMN)",
        ),
        _k(
            "selection_disparity",
            "selection-rate gaps between groups",
            [(("binary",), ("demographic_parity_difference",))],
            take_all=True,
            per_attribute=True,
            how="name sensitive attributes (--sensitive COLUMN)",
        ),
        _k(
            "sensitive_reliance",
            "reliance on sensitive attributes and their proxies",
            [(ALL_TASKS, ("sensitive_attribution_share", "proxy_attribution_share"))],
            take_all=True,
            how="compute explanations (--explain) with sensitive attributes named",
        ),
        _k(
            "explainability",
            "how much a reader must follow to explain the model",
            [(ALL_TASKS, ("features_for_90pct_attribution", "model_complexity"))],
            how="compute explanations (--explain)",
        ),
        _k(
            "decay",
            "quality decay over time",
            [
                (_CLS, ("auc_decay_per_month", "accuracy_decay_per_month")),
                (("regression",), ("rmse_decay_per_month",)),
            ],
            how="give a time column (--time COLUMN)",
        ),
    )
}


@dataclass(frozen=True)
class BaselineRule:
    """What a model that ignores its input scores on an objective, and the margin required."""

    objective: str
    text: str

    def threshold(self, dataset: Mapping) -> float | None:
        """The value a candidate must reach (None when the dataset does not tell)."""
        if self.objective == "roc_auc":
            return 0.5 + BASELINE_MARGIN
        if self.objective == "balanced_accuracy":
            k = len(dataset.get("classes") or ()) or 2
            return 1.0 / k + BASELINE_MARGIN
        if self.objective == "r2":
            return 0.0 + BASELINE_MARGIN
        if self.objective == "pr_auc":
            counts = dataset.get("class_counts") or {}
            pos = dataset.get("positive_label")
            total = sum(counts.values()) if counts else 0
            if total and str(pos) in counts:
                return counts[str(pos)] / total + BASELINE_MARGIN
        return None


BASELINE_RULES: dict[str, BaselineRule] = {
    "roc_auc": BaselineRule("roc_auc", "chance is 0.5"),
    "balanced_accuracy": BaselineRule("balanced_accuracy", "chance is 1/number of classes"),
    "r2": BaselineRule("r2", "predicting the mean gives 0"),
    "pr_auc": BaselineRule("pr_auc", "chance is the share of positives"),
}
#: When the resolved objective has no baseline rule, try these instead (same meaning, a rule exists).
_BASELINE_STANDINS: dict[str, tuple[str, ...]] = {
    "rmse": ("r2",),
    "mae": ("r2",),
    "accuracy": ("balanced_accuracy", "roc_auc"),
    "f1": ("roc_auc", "balanced_accuracy"),
}


def check_kind(name: str, *, source: str | None = None) -> Kind:
    """The kind called ``name`` (with or without ``@``); InputError listing the kinds otherwise."""
    key = name[1:] if name.startswith(KIND_PREFIX) else name
    if key not in KINDS:
        raise InputError(
            f"unknown kind of objective {name!r}; kinds: {', '.join(KIND_PREFIX + k for k in KINDS)}.",
            source=source,
        )
    return KINDS[key]


def infer_task(objective_names: Sequence[str], task: str | None) -> str:
    """The scorecard's task, inferred from its objectives for plain metrics tables."""
    if task in ALL_TASKS:
        return task
    names = set(objective_names)
    if names & {"rmse", "mae", "r2"}:
        return "regression"
    return "binary"


def measured_objectives(table: DecisionTable) -> tuple[str, ...]:
    """Objectives of ``table`` with a value for at least one candidate."""
    if table.n_candidates == 0:
        return ()
    has = ~np.isnan(table.values).all(axis=0)
    return tuple(n for n, h in zip(table.objective_names, has, strict=True) if h)


def resolve_kind(kind: Kind | str, measured: Sequence[str], task: str) -> tuple[str, ...]:
    """The measured objectives ``kind`` becomes for ``task`` (empty when none)."""
    k = check_kind(kind) if isinstance(kind, str) else kind
    wanted = k.objectives.get(task, ())
    out: list[str] = []
    for base in wanted:
        if base.startswith("*"):
            hits = [n for n in measured if n.endswith(base[1:]) and split_attribute_objective(n)[1] is None]
        elif k.per_attribute:
            hits = [n for n in measured if _attribute_of(n, base) is not None]
            if not hits and base in measured:
                hits = [base]
        else:
            hits = [base] if base in measured else []
        if hits and not k.take_all:
            return (hits[0],)
        out += [h for h in hits if h not in out]
        if out and k.take_all and base == "net_value_per_1k":
            break  # net value already nets the captured columns
    return tuple(out)


def _attribute_of(name: str, base: str) -> str | None:
    """The attribute of ``base[ATTR]``-named ``name`` (None for any other name)."""
    b, attr = split_attribute_objective(name)
    return attr if b == base else None


def _quote(name: str) -> str:
    return f'"{name}"' if re.search(r"\s", name) else name


def _reference_constraint(
    c: Constraint,
    objective: str,
    table: DecisionTable,
    measured: Sequence[str],
    *,
    incumbent: str | None,
    dataset: Mapping,
) -> tuple[Constraint | None, str]:
    """``objective OP @reference [+ offset]`` made concrete, and a sentence saying how."""
    if incumbent is not None and incumbent in table.candidates:
        value = table.values[table.row(incumbent), table.column(objective)]
        if not math.isnan(value):
            off = f" {'+' if c.offset > 0 else '-'} {abs(c.offset):g}" if c.offset else ""
            text = f"{objective} {c.op} {_quote(incumbent)}{off}"
            return (
                Constraint(objective, c.op, c.offset, incumbent, text),
                f"'{c}' checks {objective} against the incumbent {incumbent} ({value:.4g}).",
            )
        why_not = f"the incumbent {incumbent} has no {objective}"
    else:
        why_not = "no incumbent is named" if incumbent is None else f"there is no candidate {incumbent!r}"
    for name in (objective, *_BASELINE_STANDINS.get(objective, ())):
        rule = BASELINE_RULES.get(name)
        if rule is None or name not in measured:
            continue
        threshold = rule.threshold(dataset)
        if threshold is None:
            continue
        threshold += c.offset
        text = f"{name} {c.op} {threshold:.4g}"
        return (
            Constraint(name, c.op, threshold, None, text),
            f"'{c}' uses the baseline rule ({why_not}): {name} {c.op} {threshold:.4g}, "
            f"since {rule.text} and a model must beat that by {BASELINE_MARGIN:g}.",
        )
    return None, f"'{c}' is not applied: {why_not}, and {objective} has no baseline rule."


def resolve_profile(
    profile: StakeholderProfile,
    table: DecisionTable,
    *,
    task: str | None = None,
    incumbent: str | None = None,
    dataset: Mapping | None = None,
) -> StakeholderProfile:
    """One profile made concrete for ``table`` (see the module docstring).

    Parameters
    ----------
    profile : StakeholderProfile
        A template (weights or constraints naming ``@kinds``/``@reference``) or a plain profile.
    table : DecisionTable
        What was measured.
    task : str, optional
        ``binary``, ``multiclass`` or ``regression`` (inferred from the objectives otherwise).
    incumbent : str, optional
        The candidate in production today; ``@reference`` means it when it has the value.
    dataset : mapping, optional
        The scorecard's dataset record (classes, class counts) for baseline rules.

    Returns
    -------
    StakeholderProfile
        Concrete weights and constraints, with ``resolution``, ``notes`` and, when it cannot take
        part, ``cannot_take_part``.
    """
    dataset = dataset or {}
    task = infer_task(table.objective_names, task)
    measured = measured_objectives(table)
    measured_set = set(measured)
    notes: list[str] = []
    resolution: list[tuple[str, tuple[str, ...]]] = []
    weights: dict[str, float] = {}
    unmeasured: list[tuple[str, Kind | None]] = []
    for key, w in profile.weights:
        if key.startswith(KIND_PREFIX):
            kind = check_kind(key, source=profile.source or profile.name)
            got = resolve_kind(kind, measured, task)
            resolution.append((key, got))
            if not got:
                if w > 0:
                    unmeasured.append((key, kind))
                continue
            for name in got:
                weights[name] = weights.get(name, 0.0) + w / len(got)
        else:
            if key not in measured_set and w > 0:
                unmeasured.append((key, None))
            weights[key] = weights.get(key, 0.0) + w
    if unmeasured:
        notes.append(
            "not measured in this scorecard, so not weighed: "
            + "; ".join(f"{k} ({kind.description})" if kind is not None else k for k, kind in unmeasured)
            + "."
        )
    constraints: list[Constraint] = []
    for c in profile.constraints:
        if c.objective.startswith(KIND_PREFIX):
            kind = check_kind(c.objective, source=profile.source or profile.name)
            targets = resolve_kind(kind, measured, task)
            if not targets:
                notes.append(f"'{c}' is not applied: the scorecard measured no {kind.description}.")
                continue
        else:
            targets = (c.objective,)
        for obj in targets:
            if c.reference == REFERENCE:
                if obj not in measured_set:
                    notes.append(f"'{c}' is not applied: the scorecard has no {obj}.")
                    continue
                made, note = _reference_constraint(c, obj, table, measured, incumbent=incumbent, dataset=dataset)
                notes.append(note)
                if made is not None:
                    constraints.append(made)
            elif c.reference is not None and c.reference.startswith(KIND_PREFIX):
                raise InputError(
                    f"profile {profile.name!r}: constraint '{c}' names {c.reference!r}; the only reference "
                    f"token is {REFERENCE} (the incumbent, else a baseline rule).",
                    source=profile.source or None,
                )
            else:
                text = c.text if obj == c.objective else f"{obj} {c.op} {c.describe_threshold()}"
                constraints.append(Constraint(obj, c.op, c.offset, c.reference, text))
    positive = [n for n, w in weights.items() if w > 0 and n in measured_set]
    from_template = profile.is_template or profile.template
    need = MIN_OBJECTIVES if from_template else 1
    cannot = None
    if len(positive) < need:
        hows = sorted({kind.how_to_measure for _, kind in unmeasured if kind is not None and kind.how_to_measure})
        have = f"only {', '.join(positive)}" if positive else "none of them"
        cannot = (
            f"{profile.role or profile.name} weighs "
            + ", ".join(k for k, _ in profile.weights if _ > 0)
            + f", and this scorecard measured {have}; a role needs at least {need} measured objective"
            + ("s" if need > 1 else "")
            + " to take part"
            + (f" (to measure more: {'; '.join(hows)})" if hows else "")
            + "."
        )
    return replace(
        profile,
        weights=tuple((n, float(w)) for n, w in weights.items() if n in measured_set or not profile.is_template),
        template=from_template,
        constraints=tuple(constraints),
        bounds=tuple(b for b in profile.bounds if not b[0].startswith(KIND_PREFIX)),
        resolution=tuple(resolution) or profile.resolution,
        notes=tuple(dict.fromkeys((*profile.notes, *notes))),
        cannot_take_part=cannot,
    )


def resolve_profiles(
    profiles: Sequence[StakeholderProfile],
    table: DecisionTable,
    *,
    task: str | None = None,
    incumbent: str | None = None,
    dataset: Mapping | None = None,
) -> tuple[StakeholderProfile, ...]:
    """:func:`resolve_profile` for each profile (see the module docstring)."""
    if incumbent is not None and incumbent not in table.candidates:
        raise InputError(
            f"the incumbent {incumbent!r} is not a candidate of this scorecard; candidates: "
            f"{', '.join(table.candidates)}.",
            source="--incumbent",
        )
    return tuple(resolve_profile(p, table, task=task, incumbent=incumbent, dataset=dataset) for p in profiles)
