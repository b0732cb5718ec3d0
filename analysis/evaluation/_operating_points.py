"""Operating points as candidates: rules that pick a threshold, chosen on some rows and measured on others.

Issue 14, item 2 (single-threshold rules; the per-group rules come next). A rule is written the
way ``tradeoffs evaluate --operating-points`` takes it:

- ``value``: the threshold with the highest net value of the decisions;
- ``recall>=0.8`` (or ``tpr>=``): the highest threshold whose recall reaches the target (so the
  fewest rows selected, usually the best precision);
- ``precision>=0.9``: the lowest threshold whose precision reaches the target (the most recall);
- ``selection=0.2``: the threshold whose selection rate is closest to the target.

Choosing a threshold on the rows it is then measured on flatters it. :func:`crossfit_decisions`
splits the rows into folds with a seed, chooses the threshold on all folds but one and applies it
to that one, for each fold in turn: every row gets the decision of a threshold chosen without it,
so the derived candidate is measured on the same rows as every other candidate (paired
comparisons and intervals stay valid) without optimism. The threshold to deploy is the rule's
choice on all rows; the per-fold thresholds and the split are recorded next to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from analysis._errors import InputError
from analysis.evaluation._group_thresholds import GroupThresholds, fit_group_thresholds
from analysis.evaluation._thresholds import ThresholdCounts, threshold_counts, threshold_grid, threshold_rates

#: Rule kinds and what their names mean in a derived candidate's name.
RULES = {
    "value": "max net value",
    "recall": "recall >= {target:g}",
    "precision": "precision >= {target:g}",
    "selection": "selection rate {target:g}",
    "dp": "demographic parity on {attribute}",
    "eo": "equal opportunity on {attribute}",
    "eodds": "equalized odds on {attribute}",
}
#: Per-group rules and fairlearn's name of their constraint.
GROUP_RULES = {"dp": "demographic_parity", "eo": "true_positive_rate_parity", "eodds": "equalized_odds"}
_ALIASES = {"tpr": "recall", "net_value": "value", "selection_rate": "selection"}
_RULE = re.compile(r"^\s*([a-z_]+)\s*(>=|=)?\s*([-+0-9.eE]+)?\s*$")
_GROUP_RULE = re.compile(r"^\s*(dp|eo|eodds)\s*(?::\s*(\S.*?))?\s*$")


@dataclass(frozen=True)
class OperatingRule:
    """One rule: its kind, its target (``None`` for ``value``) and the text it was written as."""

    kind: str
    target: float | None
    text: str
    #: Per-group rules: the sensitive attribute (``None``: the data's first one).
    attribute: str | None = None

    @property
    def label(self) -> str:
        """What the rule does, for a candidate's name: ``"max net value"``, ``"recall >= 0.8"``."""
        return RULES[self.kind].format(
            target=self.target if self.target is not None else 0.0, attribute=self.attribute or "its groups"
        )


def parse_operating_points(text: str, *, source: str = "--operating-points") -> tuple[OperatingRule, ...]:
    """Rules from a comma-separated list; one clear message naming the part it cannot read.

    Examples
    --------
    >>> [r.label for r in parse_operating_points("value, recall>=0.8, selection=0.25")]
    ['max net value', 'recall >= 0.8', 'selection rate 0.25']
    """
    rules = []
    for part in [p for p in text.split(",") if p.strip()]:
        group = _GROUP_RULE.match(part)
        if group:
            rules.append(OperatingRule(group.group(1), None, part.strip(), group.group(2)))
            continue
        m = _RULE.match(part.lower())
        kind = _ALIASES.get(m.group(1), m.group(1)) if m else None
        if m is None or kind not in RULES or kind in GROUP_RULES:
            raise InputError(
                f"{source}: cannot read '{part.strip()}'; write value, recall>=0.8, precision>=0.9, "
                "selection=0.2, dp, eo or eodds (optionally dp:COLUMN), separated by commas."
            )
        op, number = m.group(2), m.group(3)
        if kind == "value":
            if op or number:
                raise InputError(f"{source}: 'value' takes no target; write just value.")
            rules.append(OperatingRule("value", None, part.strip()))
            continue
        want = "=" if kind == "selection" else ">="
        if op != want or number is None:
            raise InputError(f"{source}: write {kind}{want}X with X between 0 and 1, not '{part.strip()}'.")
        try:
            target = float(number)
        except ValueError:
            target = float("nan")
        if not 0.0 <= target <= 1.0:
            raise InputError(f"{source}: the target of '{part.strip()}' must be between 0 and 1.")
        rules.append(OperatingRule(kind, target, part.strip()))
    if not rules:
        raise InputError(
            f"{source} is empty; write value, recall>=0.8, precision>=0.9, selection=0.2, dp, eo or eodds."
        )
    return tuple(rules)


def choose_threshold(counts: ThresholdCounts, rule: OperatingRule) -> tuple[int | None, str]:
    """The index of the threshold ``rule`` picks from ``counts`` (all rows: one group, no resamples), or why none.

    Ties go to the highest threshold (the fewest rows selected), so the choice is deterministic.
    """
    c = counts if counts.tp.shape[-2] == 1 else counts.overall()
    if c.tp.ndim != 2:
        raise ValueError("choose_threshold takes counts without a resamples axis")
    if not len(c.thresholds):
        return None, "no scores to threshold"
    rates = threshold_rates(c)
    if rule.kind == "value":
        if c.value is None:
            return None, "no value of the decisions (give value columns or a value matrix)"
        v = c.value[0]
        best = np.flatnonzero(v == np.nanmax(v))
        return int(best[-1]), ""
    if rule.kind == "selection":
        gap = np.abs(rates["selection_rate"][0] - rule.target)
        best = np.flatnonzero(gap == np.nanmin(gap))
        return int(best[-1]), ""
    metric = rates[rule.kind][0]
    ok = np.flatnonzero(metric >= rule.target)
    if not len(ok):
        top = np.nanmax(metric) if np.isfinite(metric).any() else float("nan")
        return None, f"no threshold reaches {rule.kind} {rule.target:g} (at best {top:.3f})"
    return (int(ok[-1]) if rule.kind == "recall" else int(ok[0])), ""


@dataclass(frozen=True)
class CrossFit:
    """A rule applied by cross-fitting: every row's decision from a threshold chosen on the other folds."""

    rule: OperatingRule
    #: The threshold to deploy: the rule's choice on all rows (``None`` when no threshold meets it).
    threshold: float | None
    #: Row decisions (``True``: positive), each from the threshold chosen without the row's fold.
    decisions: np.ndarray
    #: The threshold chosen for each fold (applied to that fold's rows).
    fold_thresholds: tuple[float, ...]
    #: How the rows were split: ``{"method": "cross-fit", "folds": k, "seed": s, "rows": n}``.
    split: dict
    #: Why no threshold could be chosen ("" when one was).
    problem: str = ""


def _folds(n: int, folds: int, seed: int) -> np.ndarray:
    """Each row's fold, ``0 .. folds - 1``: a seeded permutation dealt round (sizes differ by at most one)."""
    fold = np.empty(n, dtype=np.int64)
    fold[np.random.default_rng(seed).permutation(n)] = np.arange(n) % folds
    return fold


def crossfit_decisions(
    y_true: np.ndarray,
    scores: np.ndarray,
    rule: OperatingRule,
    *,
    value_if_positive: np.ndarray | None = None,
    value_if_negative: np.ndarray | None = None,
    folds: int = 2,
    seed: int = 0,
    grid_size: int = 1000,
) -> CrossFit:
    """Apply ``rule`` by ``folds``-fold cross-fitting (module docstring).

    Rows are assigned to folds by a seeded permutation, so the same seed gives the same split for
    every candidate (paired).
    """
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=float)
    n = len(y)
    if folds < 2 or folds > max(n, 2):
        raise ValueError(f"folds must be between 2 and the number of rows ({n}), not {folds}")
    fold = _folds(n, folds, seed)
    split = {"method": "cross-fit", "folds": folds, "seed": seed, "rows": n}

    def pick(rows: np.ndarray) -> tuple[float | None, str]:
        grid = threshold_grid(s[rows], size=grid_size)
        vp = None if value_if_positive is None else np.asarray(value_if_positive, dtype=float)[rows]
        vn = None if value_if_negative is None else np.asarray(value_if_negative, dtype=float)[rows]
        c = threshold_counts(y[rows], s[rows], grid, value_if_positive=vp, value_if_negative=vn)
        index, why = choose_threshold(c, rule)
        return (None, why) if index is None else (float(grid[index]), "")

    deploy, problem = pick(np.ones(n, dtype=bool))
    decisions = np.zeros(n, dtype=bool)
    chosen = []
    for k in range(folds):
        t, why = pick(fold != k)
        if t is None:
            return CrossFit(rule, deploy, decisions, tuple(chosen), split, problem or f"fold {k + 1}: {why}")
        chosen.append(t)
        decisions[fold == k] = s[fold == k] >= t
    return CrossFit(rule, deploy, decisions, tuple(chosen), split, problem)


@dataclass(frozen=True)
class GroupCrossFit:
    """A per-group rule applied by cross-fitting (randomised decisions drawn with a seed per fold)."""

    rule: OperatingRule
    #: The rule fitted on all rows: what to deploy (``None`` when it cannot be fitted).
    deploy: GroupThresholds | None
    decisions: np.ndarray
    split: dict
    problem: str = ""


def crossfit_group_decisions(
    y_true: np.ndarray,
    scores: np.ndarray,
    groups: np.ndarray,
    labels: tuple[str, ...],
    rule: OperatingRule,
    *,
    folds: int = 2,
    seed: int = 0,
) -> GroupCrossFit:
    """Per-group thresholds (:func:`~analysis.evaluation._group_thresholds.fit_group_thresholds`) by cross-fitting.

    The folds are those of :func:`crossfit_decisions` for the same seed; each fold's decisions are drawn
    from the rule fitted on the other folds, with the generator seeded by ``(seed, fold)``.
    """
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=float)
    g = np.asarray(groups)
    n = len(y)
    fold = _folds(n, folds, seed)
    constraint = GROUP_RULES[rule.kind]
    split = {"method": "cross-fit", "folds": folds, "seed": seed, "rows": n, "draw": "seeded by (seed, fold)"}
    try:
        deploy = fit_group_thresholds(y, s, g, labels, constraint=constraint)
    except ValueError as exc:
        return GroupCrossFit(rule, None, np.zeros(n, dtype=bool), split, str(exc))
    decisions = np.zeros(n, dtype=bool)
    for k in range(folds):
        rest, here = fold != k, fold == k
        try:
            fit = fit_group_thresholds(y[rest], s[rest], g[rest], labels, constraint=constraint)
        except ValueError as exc:
            return GroupCrossFit(rule, deploy, decisions, split, f"fold {k + 1}: {exc}")
        p = fit.positive_probability(s[here], g[here])
        decisions[here] = p >= np.random.default_rng([seed, k]).random(int(here.sum()))
    return GroupCrossFit(rule, deploy, decisions, split)


def derived_name(parent: str, threshold: float, rule: OperatingRule) -> str:
    """A name a person can read: ``"hgb @ 0.31 (max net value)"``.

    Examples
    --------
    >>> derived_name("hgb", 0.3125, OperatingRule("value", None, "value"))
    'hgb @ 0.312 (max net value)'
    """
    return f"{parent} @ {threshold:.3g} ({rule.label})"


def derive_candidates(
    data,
    predictions,
    rules: tuple[OperatingRule, ...],
    *,
    folds: int = 2,
    seed: int = 0,
) -> tuple[list, list[str]]:
    """Derived candidates of every scored binary candidate in ``predictions``, one per rule, and warnings.

    Each derived candidate's decisions come from :func:`crossfit_decisions` on the candidate's score
    (its ranking score, else its probability); its scores and probabilities stay the parent's, so
    threshold-free figures (ROC AUC, log loss) are the parent's. ``source`` records the parent, the
    rule, the threshold to deploy, the per-fold thresholds and the split. A candidate without scores,
    or a rule no threshold meets, is left out with a warning naming it.
    """
    from dataclasses import replace

    from analysis.evaluation._fairness import _column_groups
    from analysis.evaluation._predict import Predictions
    from analysis.evaluation._value import decision_values

    if data.spec.task != "binary":
        raise InputError(
            f"--operating-points needs a binary target; {data.target!r} is {data.spec.task}. Leave it out."
        )
    if_pos = if_neg = None
    if any(r.kind == "value" for r in rules):
        if not data.value.matrix:
            raise InputError(
                "--operating-points value picks the threshold with the highest net value, which needs a value "
                "matrix: give --value-matrix tp=... (and fp, fn, tn) or drop 'value'."
            )
        if_pos, if_neg = decision_values(data.frame, data.value, data.y)
    grouped = {}
    for rule in rules:
        if rule.kind in GROUP_RULES:
            attribute = rule.attribute or (data.sensitive[0] if data.sensitive else None)
            if attribute is None:
                raise InputError(
                    f"--operating-points {rule.text} sets thresholds per group of a sensitive attribute: give "
                    "--sensitive COLUMN, or name it as in dp:COLUMN."
                )
            if attribute not in data.frame.columns:
                raise InputError(
                    f"--operating-points {rule.text}: the data has no column {attribute!r}; name one of its columns."
                )
            if attribute not in grouped:
                labels, codes = _column_groups(data.frame[attribute])
                grouped[attribute] = (labels, codes)
    out, warnings = [], []
    for p in predictions:
        score = p.y_score if p.y_score is not None else p.y_prob
        if score is None:
            warnings.append(f"{p.name}: no scores (only labels), so no operating points.")
            continue
        for rule in rules:
            if rule.kind in GROUP_RULES:
                attribute = rule.attribute or data.sensitive[0]
                labels, codes = grouped[attribute]
                named = replace(rule, attribute=attribute)
                gfit = crossfit_group_decisions(data.y, score, codes, labels, named, folds=folds, seed=seed)
                if gfit.problem or gfit.deploy is None:
                    warnings.append(f"{p.name} ({rule.text}): {gfit.problem}; no operating point added.")
                    continue
                what = {"threshold": None, "attribute": attribute, "by_group": gfit.deploy.to_dict()}
                name, decisions, split = f"{p.name} ({named.label})", gfit.decisions, gfit.split
                note = (
                    f"thresholds per group of {attribute} under {named.label.split(' on ')[0]} (fairlearn's "
                    f"ThresholdOptimizer rule, randomised between two thresholds per group) on {p.name}'s scores, "
                    f"measured by {folds}-fold cross-fitting with seeded draws"
                )
            else:
                fit = crossfit_decisions(
                    data.y, score, rule, value_if_positive=if_pos, value_if_negative=if_neg, folds=folds, seed=seed
                )
                if fit.problem or fit.threshold is None:
                    warnings.append(f"{p.name} ({rule.text}): {fit.problem}; no operating point added.")
                    continue
                what = {"threshold": fit.threshold, "fold_thresholds": list(fit.fold_thresholds)}
                name, decisions, split = derived_name(p.name, fit.threshold, rule), fit.decisions, fit.split
                note = f"threshold {fit.threshold:.6g} of {p.name}, measured by {folds}-fold cross-fitting"
            source = {"kind": "operating_point", "parent": p.name, "rule": rule.text, **what}
            source.update(score="y_score" if p.y_score is not None else "y_prob", split=split)
            out.append(
                Predictions(
                    name=name,
                    y_pred=decisions.astype(np.int64),
                    y_prob=p.y_prob,
                    y_score=p.y_score,
                    score_kind=p.score_kind,
                    source=source,
                    notes=(note + "; serving, cost and explanations inherited",),
                )
            )
    return out, warnings


def inherit_parent_figures(scorecard, objectives: set[str]):
    """Copy each derived candidate's parent's values of ``objectives`` (serving, cost, explanations) to it.

    The copies keep the parent's value and interval; the derived candidate's notes say they are inherited.
    """
    from dataclasses import replace as _replace

    from analysis.scorecard import MetricValue

    parents = {
        c.name: c.source.get("parent")
        for c in scorecard.candidates
        if c.source.get("kind") == "operating_point" and c.source.get("parent")
    }
    if not parents or not objectives:
        return scorecard
    by_parent: dict[str, list] = {}
    for m in scorecard.metrics:
        if m.objective in objectives:
            by_parent.setdefault(m.candidate, []).append(m)
    have = {(m.candidate, m.objective) for m in scorecard.metrics}
    added = [
        MetricValue(derived, m.objective, m.value, m.ci_low, m.ci_high)
        for derived, parent in parents.items()
        for m in by_parent.get(parent, ())
        if (derived, m.objective) not in have
    ]
    return _replace(scorecard, metrics=scorecard.metrics + tuple(added)) if added else scorecard
