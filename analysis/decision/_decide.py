"""The decision: every profile, the group rules and the sensitivity, in one frozen result.

:func:`compute_profile_result` applies one stakeholder profile to a table (feasibility, score,
front, favourite, optional sensitivity); :func:`build_decision` applies every profile, the group
rules and the group-level sensitivity to a scorecard and records where the scorecard came from;
:func:`decision_to_dict` / :func:`decision_to_json` export it (``schema = "tradeoffs.decision"``,
``schema_version = 1``).

Policies, in one place:

* A profile weight on an objective the table lacks is reported in ``missing_objectives`` and the
  warnings; the profile is ranked on the rest. A profile with none of its weighted objectives
  cannot rank (``score`` None) and takes no part in the group rules (warning).
* Bounds: the caller's ``bounds`` (``--bound``) override the profile's, which override the
  objective's registered worst/ideal; without any, ``wsm`` falls back to min-max over the pool
  for that objective and says so.
* A profile's favourite is its best-scored feasible candidate (None when none is feasible).
* Group rules consider only group-feasible candidates (every profile's constraints) when any
  exist, otherwise every candidate (with a warning); ``any_feasible`` is False then, and the
  CLI exits with code 3.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from analysis._errors import InputError
from analysis.decision._constraints import FeasibilityResult, compute_feasibility, constraints_of
from analysis.decision._group import DEFAULT_RULE, GroupResult, check_rule, compute_group_decision
from analysis.decision._group_sensitivity import GroupSensitivity, compute_group_sensitivity
from analysis.decision._inputs import merged_bounds, scoring_inputs
from analysis.decision._pareto import ParetoResult, compute_pareto
from analysis.decision._profiles import StakeholderProfile, default_profiles
from analysis.decision._roles import resolve_profiles
from analysis.decision._scoring import ScoreResult, check_method, score_table
from analysis.decision._sensitivity import (
    DEFAULT_CONCENTRATION,
    TIES_RULE,
    LeaveOneOut,
    Sensitivity,
    compute_sensitivity,
)
from analysis.decision._table import DecisionTable, table_from_scorecard
from analysis.objectives import Objective
from analysis.scorecard import Scorecard

DECISION_SCHEMA = "tradeoffs.decision"
DECISION_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ProfileResult:
    """One stakeholder profile applied to a table.

    Attributes
    ----------
    profile : StakeholderProfile
    method : str
    objectives : tuple of str
        The profile's weighted objectives that the table has (what it is ranked on).
    missing_objectives : tuple of str
        Weighted objectives the table lacks.
    score : ScoreResult or None
        None when the profile has no weighted objective in the table.
    feasibility : FeasibilityResult
        The profile's own constraints.
    pareto : ParetoResult or None
        The front over ``objectives``.
    favourite : str or None
        Best-scored feasible candidate.
    sensitivity : Sensitivity or None
    warnings : tuple of str
    """

    profile: StakeholderProfile
    method: str
    objectives: tuple[str, ...]
    missing_objectives: tuple[str, ...]
    score: ScoreResult | None
    feasibility: FeasibilityResult
    pareto: ParetoResult | None
    favourite: str | None
    sensitivity: Sensitivity | None
    warnings: tuple[str, ...]

    @property
    def ranking(self) -> tuple[str, ...]:
        """Candidates best first (infeasible ones included; see ``feasibility``)."""
        return self.score.order if self.score is not None else self.feasibility.candidates


@dataclass(frozen=True)
class SwitchRow:
    """One objective, the incumbent against the chosen candidate (what changes if we switch).

    ``clear`` is True when the two confidence intervals do not overlap (a conservative check:
    the record has no paired difference between these two), False when they overlap, None
    when either interval is unknown.
    """

    objective: str
    label: str
    unit: str
    direction: str
    incumbent: float
    chosen: float
    incumbent_ci: tuple[float, float]
    chosen_ci: tuple[float, float]
    change: float
    better: bool | None
    clear: bool | None


@dataclass(frozen=True)
class Decision:
    """The full decision (see the module docstring); written as the decision file by ``tradeoffs decide``.

    ``sensitivity_computed`` is False for a decision built with ``sensitivity=False``: every
    profile's ``sensitivity`` is None and the group's :class:`GroupSensitivity` is a placeholder
    (no draws, no leave-one-out, no ties; its note and warning say so). Such a decision is for
    showing the choice quickly; :func:`decision_to_dict` refuses to export it.
    """

    chosen: str | None
    rule: str
    method: str
    runners_up: tuple[str, ...]
    any_feasible: bool
    candidates: tuple[str, ...]
    objectives: tuple[Objective, ...]
    group_feasibility: FeasibilityResult
    pareto: ParetoResult
    profiles: tuple[ProfileResult, ...]
    group: GroupResult
    sensitivity: GroupSensitivity
    provenance: tuple[tuple[str, Any], ...]
    settings: tuple[tuple[str, Any], ...]
    warnings: tuple[str, ...]
    incumbent: str | None = None
    excluded: tuple[tuple[str, str], ...] = ()
    no_feasible_reason: str | None = None
    switch: tuple[SwitchRow, ...] = ()
    sensitivity_computed: bool = True
    #: When the chosen candidate is an operating point (``tradeoffs evaluate --operating-points``): what to
    #: deploy, ``(("parent", ...), ("rule", ...), ("threshold", ...), ("score", ...))`` and, for thresholds per
    #: group, ``("attribute", ...), ("by_group", ...)`` (the threshold is then null); empty otherwise.
    deploy: tuple[tuple[str, Any], ...] = ()

    @property
    def considered(self) -> tuple[str, ...]:
        """The candidates the group rules compared (exactly those)."""
        return self.group.candidates

    @property
    def taking_part(self) -> tuple[ProfileResult, ...]:
        """The profiles that took part in the group decision."""
        return tuple(p for p in self.profiles if p.score is not None)

    def profile_result(self, name: str) -> ProfileResult:
        """The result of the profile called ``name``."""
        for p in self.profiles:
            if p.profile.name == name:
                return p
        raise KeyError(name)


# ---- one profile ----------------------------------------------------------------------------------
def compute_profile_result(
    table: DecisionTable,
    profile: StakeholderProfile,
    *,
    method: str = "wsm",
    bounds: Mapping[str, tuple[float, float]] | None = None,
    perf: str | None = None,
    unverifiable: str = "keep",
    sensitivity: bool = False,
    n_samples: int = 500,
    concentration: float = DEFAULT_CONCENTRATION,
    value_noise: str = "normal",
    random_state: int | np.random.Generator | None = None,
) -> ProfileResult:
    """Apply one profile to ``table``: feasibility, score, front, favourite (and sensitivity).

    Parameters
    ----------
    table : DecisionTable
        Every objective the profile may need (its constraints too).
    profile : StakeholderProfile
        Weights, constraints and bounds of the stakeholder.
    method : str
        Scoring method (see :mod:`analysis.decision._scoring`).
    bounds : mapping, optional
        ``{objective: (worst, ideal)}`` overriding the profile's and the objective's bounds.
    perf : str, optional
        Performance objective for ``dynascore``.
    unverifiable : {"keep", "remove"}
        Constraint policy for missing measurements (see :mod:`analysis.decision._constraints`).
    sensitivity : bool
        Whether to run the sensitivity checks for the favourite.
    n_samples, concentration, value_noise, random_state
        SMAA settings (see :mod:`analysis.decision._sensitivity`).
    """
    check_method(method)
    if not profile.takes_part:
        feas = compute_feasibility(table, (), unverifiable=unverifiable)
        return ProfileResult(
            profile=profile,
            method=method,
            objectives=(),
            missing_objectives=(),
            score=None,
            feasibility=feas,
            pareto=None,
            favourite=None,
            sensitivity=None,
            warnings=(f"{profile.name} takes no part: {profile.cannot_take_part}",),
        )
    present, missing, cols, w = scoring_inputs(table, profile, method, perf)
    warnings: list[str] = []
    if missing:
        warnings.append(
            f"profile {profile.name} weights {', '.join(missing)}, which the scorecard lacks; "
            + (f"ranked on the rest: {', '.join(present)}." if present else "nothing left to rank on.")
        )
    feas = compute_feasibility(table, profile.constraints, unverifiable=unverifiable)
    warnings += [f"{profile.name}: {x}" for x in feas.warnings]
    score = pareto = sens = None
    favourite = None
    if present:
        sub = table.select(cols)
        scoring = {
            "method": method,
            "bounds": merged_bounds(sub, profile, bounds),
            "perf": perf,
            "missing": profile.missing,
            "min_weight_share": profile.min_weight_share,
        }
        score = score_table(sub, w, **scoring)
        warnings += [f"{profile.name}: {x}" for x in score.warnings]
        # only the first front is read (the record's pareto_front, rank's "pareto" column): no
        # peeling of later fronts, no O(n^2) dominator counts
        pareto = compute_pareto(table, present, max_fronts=1, count_dominators=False)
        feasible = set(feas.feasible_candidates)
        favourite = next((c for c in score.order if c in feasible and c not in score.unscored), None)
        if favourite is None:
            warnings.append(f"profile {profile.name}: no scored candidate satisfies its constraints.")
        if sensitivity and favourite is not None:
            sens = compute_sensitivity(
                sub,
                w,
                **scoring,
                among=[c for c in sub.candidates if c in feasible],
                n_samples=n_samples,
                concentration=concentration,
                value_noise=value_noise,
                random_state=random_state,
            )
            warnings += [f"{profile.name}: {x}" for x in sens.warnings]
    else:
        warnings.append(f"profile {profile.name} cannot rank: none of its weighted objectives is in the scorecard.")
    return ProfileResult(
        profile=profile,
        method=method,
        objectives=tuple(present),
        missing_objectives=tuple(missing),
        score=score,
        feasibility=feas,
        pareto=pareto,
        favourite=favourite,
        sensitivity=sens,
        warnings=tuple(warnings),
    )


# ---- the group ------------------------------------------------------------------------------------
def compute_exclusions(
    table: DecisionTable,
    ranked: Sequence[ProfileResult],
    feasibility: FeasibilityResult,
    *,
    file_candidates: Sequence[str] = (),
) -> dict[str, list[str]]:
    """Why each candidate is left out of the group rules (an empty list: it is compared).

    A candidate is left out when it breaks a taking-part profile's hard constraint (only when some
    candidate satisfies them all) or when a taking-part profile could not score it; a prediction-file
    candidate missing serving figures is told how to give them.
    """
    excluded: dict[str, list[str]] = {c: [] for c in table.candidates}
    if feasibility.any_feasible:
        fails: dict[str, dict[str, list[str]]] = {}
        for chk in feasibility.checks:
            if chk.status == "fail":
                what = f"{chk.objective} = {chk.value:.6g}, must be {chk.op} {chk.threshold:.6g}"
                fails.setdefault(chk.candidate, {}).setdefault(what, []).append(chk.profile or "")
        for c, by in fails.items():
            excluded[c] += [f"fails {what} ({', '.join(p for p in who if p)})" for what, who in by.items()]
    for r in ranked:
        for c in r.score.unscored:
            missing = _missing_of(table, c, r.objectives)
            excluded[c].append(
                f"not scored by {r.profile.role or r.profile.name}" + (f" (no {', '.join(missing)})" if missing else "")
            )
    serving = {o.name for o in table.objectives if o.group in ("serving", "cost")}
    for c in file_candidates:
        lacks = {o for r in ranked if c in r.score.unscored for o in _missing_of(table, c, r.objectives)}
        if lacks & serving:
            excluded[c].append(
                f"a prediction file has no serving figures: give {c}'s measured ones with "
                f"`tradeoffs evaluate --serving-metadata {c}=FILE` to compare it"
            )
    return excluded


def _prediction_file_candidates(scorecard: Scorecard | None) -> tuple[str, ...]:
    """Candidates given as prediction files (no model here, so no serving or explanation figures)."""
    if scorecard is None:
        return ()
    return tuple(c.name for c in scorecard.candidates if (c.source or {}).get("kind") == "predictions")


def _missing_of(table: DecisionTable, candidate: str, objectives: Sequence[str]) -> list[str]:
    i = table.row(candidate)
    return [o for o in objectives if math.isnan(table.values[i, table.column(o)])]


def _deploy(scorecard: Scorecard | None, chosen: str | None) -> tuple[tuple[str, Any], ...]:
    """The chosen candidate's operating point (parent, rule, threshold, score), or ``()`` when it is none."""
    if scorecard is None or chosen is None:
        return ()
    source = next((c.source for c in scorecard.candidates if c.name == chosen), None)
    if not source or source.get("kind") != "operating_point":
        return ()
    from analysis.scorecard import _thaw

    keys = ("parent", "rule", "threshold", "score", "attribute", "by_group")
    return tuple((k, _thaw(source.get(k))) for k in keys if k in source)


def _provenance(scorecard: Scorecard | None, now: datetime | str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"decided_at": now.isoformat() if isinstance(now, datetime) else now}
    if scorecard is None:
        return out
    ds = dict(scorecard.dataset)
    prov = dict(scorecard.provenance)
    out.update(
        {
            "scorecard_created_at": scorecard.created_at or None,
            "scorecard_schema_version": scorecard.schema_version,
            "scorecard_sha256": scorecard.sha256,
            "dataset_fingerprint": ds.get("fingerprint") or ds.get("sha256") or prov.get("dataset_fingerprint"),
            "dataset_source": ds.get("source") or ds.get("name"),
        }
    )
    return out


def build_decision(
    scorecard: Scorecard | DecisionTable,
    profiles: Sequence[StakeholderProfile] | None = None,
    *,
    rule: str = DEFAULT_RULE,
    method: str = "wsm",
    bounds: Mapping[str, tuple[float, float]] | None = None,
    perf: str | None = None,
    objectives: Sequence[Objective] | None = None,
    unverifiable: str = "keep",
    n_samples: int = 500,
    group_samples: int = 200,
    concentration: float = DEFAULT_CONCENTRATION,
    value_noise: str = "normal",
    random_state: int | None = None,
    now: datetime | str | None = None,
    incumbent: str | None = None,
    task: str | None = None,
    sensitivity: bool = True,
) -> Decision:
    """Apply every profile, the group rules and the sensitivity checks; record the decision.

    Parameters
    ----------
    scorecard : Scorecard or DecisionTable
        A scorecard gives provenance (created_at, dataset fingerprint, sha256 of its JSON) and
        the paired comparisons used for ties.
    profiles : sequence of StakeholderProfile, optional
        Default: :func:`default_profiles`.
    rule : str
        Group rule whose winner is ``chosen`` (default ``"minimax-regret"``).
    method : str
        Scoring method applied to every profile (default ``"wsm"``).
    bounds : mapping, optional
        ``{objective: (worst, ideal)}`` for every profile (beats the profiles' bounds).
    perf : str, optional
        Performance objective for ``dynascore``.
    objectives : sequence of Objective, optional
        Replacements for the scorecard's objectives of the same name (e.g. a direction override).
    unverifiable : {"keep", "remove"}
        Constraint policy for missing measurements.
    n_samples, group_samples : int
        SMAA draws per profile and for the group rule (0 skips them).
    concentration, value_noise
        SMAA settings (see :mod:`analysis.decision._sensitivity`).
    random_state : int, optional
        Seed for every random draw.
    now : datetime or str, optional
        Recorded as ``decided_at`` (nothing reads the clock implicitly).
    incumbent : str, optional
        The candidate in production today (default: the scorecard's ``settings["incumbent"]``).
        Roles' ``@reference`` constraints compare against it, and the record compares the choice
        with it.
    task : str, optional
        ``binary``/``multiclass``/``regression`` for resolving roles (default: the scorecard's).
    sensitivity : bool
        False skips every sensitivity check, per profile and for the group (no draws, no
        leave-one-out, no weight intervals, no ties): the same choice, profiles and rules, much
        sooner. The result says so (``sensitivity_computed`` False, a warning) and is not
        exported (:func:`decision_to_dict` raises).

    Returns
    -------
    Decision
    """
    check_rule(rule)
    check_method(method)
    sc = scorecard if isinstance(scorecard, Scorecard) else None
    table = table_from_scorecard(scorecard) if sc is not None else scorecard
    if objectives:
        over = {o.name: o for o in objectives}
        unknown = [n for n in over if n not in table.objective_names]
        if unknown:
            raise InputError(
                f"unknown objective(s) {', '.join(unknown)}; the scorecard has: {', '.join(table.objective_names)}."
            )
        table = replace(table, objectives=tuple(over.get(o.name, o) for o in table.objectives))
    if bounds:
        unknown = [n for n in bounds if n not in table.objective_names]
        if unknown:
            raise InputError(
                f"--bound names objective(s) {', '.join(unknown)} that the scorecard lacks; "
                f"it has: {', '.join(table.objective_names)}."
            )
    profiles = tuple(profiles) if profiles is not None else default_profiles()
    if not profiles:
        raise InputError("no stakeholder profiles given; pass a profile file or use the defaults.")
    if incumbent is None and sc is not None:
        incumbent = sc.settings.get("incumbent") or None
    profiles = resolve_profiles(
        profiles,
        table,
        task=task or (sc.task if sc is not None else None),
        incumbent=incumbent,
        dataset=dict(sc.dataset) if sc is not None else None,
    )
    seeds = np.random.SeedSequence(random_state).spawn(len(profiles) + 1)
    results = tuple(
        compute_profile_result(
            table,
            p,
            method=method,
            bounds=bounds,
            perf=perf,
            unverifiable=unverifiable,
            sensitivity=sensitivity,
            n_samples=n_samples,
            concentration=concentration,
            value_noise=value_noise,
            random_state=np.random.default_rng(seeds[k]),
        )
        for k, p in enumerate(profiles)
    )
    warnings: list[str] = []
    for r in results:
        warnings += list(r.warnings)
    ranked = [r for r in results if r.score is not None]
    rprofiles = [r.profile for r in ranked]
    if not ranked:
        warnings.append("no profile could take part: nothing in this scorecard is weighed by any profile.")
    group_feas = compute_feasibility(table, constraints_of(rprofiles), unverifiable=unverifiable)
    if group_feas.any_feasible:
        pool, basis = group_feas.feasible_candidates, "group-feasible"
    else:
        pool, basis = table.candidates, "all (no candidate satisfies every profile's constraints)"
        warnings.append(
            "no candidate satisfies every profile's hard constraints; the group rules consider all candidates "
            "they can score, and the record says none is acceptable to everyone."
        )
    excluded = compute_exclusions(table, ranked, group_feas, file_candidates=_prediction_file_candidates(sc))
    pool_set = set(pool)
    considered = tuple(c for c in table.candidates if c in pool_set and not excluded[c])
    considered_set = set(considered)
    exclusions = tuple((c, "; ".join(why)) for c, why in excluded.items() if why)
    u = np.array([r.score.utilities for r in ranked]) if ranked else np.zeros((0, table.n_candidates))
    group = compute_group_decision(
        table.candidates,
        [p.name for p in rprofiles],
        u,
        influence=[p.influence for p in rprofiles],
        considered=[c in considered_set for c in table.candidates],
        rule=rule,
        basis=basis,
    )
    if exclusions:
        warnings.append("left out of the group rules: " + "; ".join(f"{c}: {why}" for c, why in exclusions) + ".")
    if incumbent is not None and incumbent not in considered_set:
        why = dict(exclusions).get(incumbent, "not considered")
        warnings.append(f"the incumbent {incumbent} is not among the candidates compared by the group rules: {why}.")
    warnings += list(group.warnings)
    if group.disagree:
        warnings.append(
            "the group rules disagree: "
            + ", ".join(f"{r.rule} -> {r.winner}" for r in group.rules)
            + f"; the record uses {rule}."
        )
    chosen = group.winner
    union = []
    for r in ranked:
        for o in r.objectives:
            if o not in union:
                union.append(o)
    gsens = (
        compute_group_sensitivity(
            table,
            rprofiles,
            group,
            chosen,
            union,
            rule=rule,
            method=method,
            bounds=bounds,
            perf=perf,
            pool_free=method == "wsm"
            and not any(b.source == "pool" for r in ranked for b in r.score.bounds if b.objective in r.objectives),
            n_samples=group_samples,
            concentration=concentration,
            value_noise=value_noise,
            random_state=np.random.default_rng(seeds[-1]),
        )
        if sensitivity
        else _skipped_group_sensitivity(group, chosen)
    )
    warnings += list(gsens.warnings)
    # the record lists every front (peeled with the fast filter); dominator counts are not recorded
    pareto = compute_pareto(table, union or None, count_dominators=False)
    order = group.rule_result(rule).order
    runners = tuple(c for c in order if c != chosen)[:3]
    settings = {
        "rule": rule,
        "method": method,
        "bounds": {k: list(v) for k, v in (bounds or {}).items()},
        "perf": perf,
        "unverifiable": unverifiable,
        "n_samples": n_samples,
        "group_samples": group_samples,
        "concentration": concentration,
        "value_noise": value_noise,
        "random_state": random_state,
    }
    no_feasible = None if group_feas.any_feasible or not ranked else _no_feasible_reason(group_feas)
    switch = (
        compute_switch(
            table, incumbent, chosen, union + [o for o in _constraint_objectives(rprofiles) if o not in union]
        )
        if incumbent is not None and chosen is not None and incumbent != chosen
        else ()
    )
    return Decision(
        incumbent=incumbent,
        sensitivity_computed=sensitivity,
        excluded=exclusions,
        no_feasible_reason=no_feasible,
        switch=switch,
        chosen=chosen,
        rule=rule,
        method=method,
        runners_up=runners,
        any_feasible=group_feas.any_feasible,
        candidates=table.candidates,
        objectives=table.objectives,
        group_feasibility=group_feas,
        pareto=pareto,
        profiles=results,
        group=group,
        sensitivity=gsens,
        provenance=tuple(_provenance(sc, now).items()),
        deploy=_deploy(sc, chosen),
        settings=tuple(settings.items()),
        warnings=tuple(dict.fromkeys(warnings)),
    )


#: What a decision built with ``sensitivity=False`` says about its (skipped) checks.
SKIPPED_SENSITIVITY = (
    "sensitivity checks not computed (sensitivity=False): no resampling, leave-one-out, weight "
    "intervals or ties; this decision shows the choice only and is not exported."
)


def _skipped_group_sensitivity(group: GroupResult, chosen: str | None) -> GroupSensitivity:
    """The placeholder group sensitivity of a decision built without sensitivity checks."""
    return GroupSensitivity(
        winner=chosen,
        win_share=tuple((c, 0.0) for c in group.candidates),
        n_samples=0,
        leave_one_out=LeaveOneOut(chosen, (), False, SKIPPED_SENSITIVITY),
        ties=(),
        undetermined=(),
        ties_rule=TIES_RULE,
        warnings=(SKIPPED_SENSITIVITY,),
    )


def _constraint_objectives(profiles: Sequence[StakeholderProfile]) -> list[str]:
    out: list[str] = []
    for p in profiles:
        for c in p.constraints:
            if c.objective not in out:
                out.append(c.objective)
    return out


def _no_feasible_reason(f: FeasibilityResult) -> str:
    """Which constraints remove which candidates, when none satisfies them all."""
    by: dict[tuple[str | None, str], list[str]] = {}
    for chk in f.checks:
        if chk.status == "fail":
            by.setdefault((chk.profile, chk.constraint), []).append(chk.candidate)
    parts = [
        f"'{text}' ({prof}) fails for {', '.join(cands)}" if prof else f"'{text}' fails for {', '.join(cands)}"
        for (prof, text), cands in by.items()
    ]
    return "no candidate satisfies every profile's hard constraints: " + "; ".join(parts) + "."


def compute_switch(
    table: DecisionTable, incumbent: str, chosen: str, objectives: Sequence[str]
) -> tuple[SwitchRow, ...]:
    """What changes on each of ``objectives`` if ``incumbent`` is replaced by ``chosen``.

    Objectives the table lacks are skipped; unknown candidates give an empty result.
    """
    if incumbent not in table.candidates or chosen not in table.candidates:
        return ()
    a, b = table.row(incumbent), table.row(chosen)
    rows = []
    for name in objectives:
        if name not in table.objective_names:
            continue
        j = table.column(name)
        o = table.objectives[j]
        va, vb = float(table.values[a, j]), float(table.values[b, j])
        nan = float("nan")
        ca = (float(table.ci_low[a, j]), float(table.ci_high[a, j])) if table.ci_low is not None else (nan, nan)
        cb = (float(table.ci_low[b, j]), float(table.ci_high[b, j])) if table.ci_low is not None else (nan, nan)
        change = vb - va
        better = None
        if math.isfinite(change) and change != 0:
            better = (change > 0) == (o.direction == "max")
        clear = None
        if all(math.isfinite(x) for x in ca + cb):
            clear = ca[1] < cb[0] or cb[1] < ca[0]
        rows.append(SwitchRow(name, o.label, o.unit, o.direction, va, vb, ca, cb, change, better, clear))
    return tuple(rows)
