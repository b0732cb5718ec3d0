"""The decision file: a decision as plain JSON (``schema = "tradeoffs.decision"``, ``schema_version = 1``).

Not to be confused with the report's *decision record* (``tradeoffs.decision_record``, made by
:mod:`analysis.report`), which adds the rationale, sign-offs and the report's facts.

Pure functions from the frozen records of :mod:`analysis.decision._decide` to dicts and text;
nothing here computes a decision.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any

import numpy as np

from analysis._errors import InputError
from analysis.decision._constraints import FeasibilityResult
from analysis.decision._decide import DECISION_SCHEMA, DECISION_SCHEMA_VERSION, Decision
from analysis.decision._pareto import ParetoResult
from analysis.decision._scoring import ScoreResult
from analysis.decision._sensitivity import Sensitivity
from analysis.scorecard import short_repr


def _num(x: Any) -> Any:
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(float(x)) else None
    return x


def _checks_by_candidate(f: FeasibilityResult, status: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for chk in f.checks:
        if chk.status == status:
            out.setdefault(chk.candidate, []).append(chk.reason)
    return out


def _feas_dict(f: FeasibilityResult) -> dict:
    fails = _checks_by_candidate(f, "fail")
    unver = _checks_by_candidate(f, "unverifiable")
    return {
        "feasible": [c for c, ok in zip(f.candidates, f.feasible, strict=True) if ok],
        "infeasible": [
            {"candidate": c, "violations": fails.get(c, [])}
            for c, ok in zip(f.candidates, f.feasible, strict=True)
            if not ok
        ],
        "unverifiable": [{"candidate": c, "checks": unver[c]} for c in f.candidates if c in unver],
        "constraints": [{"profile": p, "constraint": t} for p, t in f.constraints],
        "unverifiable_policy": f.unverifiable_policy,
    }


def score_to_dict(score: ScoreResult, feasibility: FeasibilityResult | None = None) -> dict:
    """Plain-JSON form of a :class:`ScoreResult` (candidates in rank order)."""
    rows = []
    index = {c: i for i, c in enumerate(score.candidates)}
    feasible = dict(zip(feasibility.candidates, feasibility.feasible, strict=True)) if feasibility else {}
    fails = _checks_by_candidate(feasibility, "fail") if feasibility is not None else {}
    partial = dict(score.partial)
    for c in score.order:
        i = index[c]
        row = {"candidate": c, "rank": score.ranks[i], "score": _num(score.scores[i])}
        if c in partial:
            row["scored_without"] = list(partial[c])
        if feasibility is not None:
            row["feasible"] = feasible[c]
            row["violations"] = fails.get(c, [])
        if score.contributions is not None:
            row["contributions"] = dict(zip(score.objectives, map(_num, score.contributions[i]), strict=True))
        rows.append(row)
    return {
        "method": score.method,
        "normalisation": score.normalisation,
        "higher_is_better": score.higher_is_better,
        "weights": dict(zip(score.objectives, score.weights, strict=True)),
        "bounds": [
            {"objective": b.objective, "worst": b.worst, "ideal": b.ideal, "source": b.source} for b in score.bounds
        ],
        "contributions_note": score.contributions_note,
        "unscored": list(score.unscored),
        "candidates": rows,
    }


def pareto_to_dict(p: ParetoResult) -> dict:
    """Plain-JSON form of a :class:`ParetoResult`."""
    return {
        "objectives": list(p.objectives),
        "front": list(p.front),
        "fronts": [list(f) for f in p.fronts()],
        "excluded_missing_values": list(p.excluded),
        "dominated_by": {c: d for c, d in zip(p.candidates, p.dominated_by, strict=True) if d is not None},
        "knees": list(p.knees),
        "trades": [
            {
                "from": t.from_candidate,
                "to": t.to_candidate,
                "x": t.x,
                "y": t.y,
                "delta_x": _num(t.delta_x),
                "delta_y": _num(t.delta_y),
                "ratio": _num(t.ratio),
                "text": t.text,
            }
            for t in p.trades
        ],
    }


def _sens_dict(s: Sensitivity | None) -> dict | None:
    if s is None:
        return None
    out: dict[str, Any] = {"winner": s.winner, "stability_note": s.stability_note}
    if s.stability is not None:
        out["weight_intervals"] = [
            {
                "objective": i.objective,
                "weight": i.weight,
                "low": i.low,
                "high": i.high,
                "below": i.below,
                "above": i.above,
                "note": i.note,
            }
            for i in s.stability.intervals
        ]
    if s.acceptability is not None:
        a = s.acceptability
        out["rank_acceptability"] = {
            "n_samples": a.n_samples,
            "concentration": a.concentration,
            "value_noise": a.value_noise,
            "first": dict(zip(a.candidates, a.first, strict=True)),
            "top_ranks": a.top_ranks if a.top_ranks is not None else len(a.candidates),
            # ranks 1..top_ranks, for the candidates that ever take one of them (the others: all 0)
            "ranks": {c: list(r) for c, r in zip(a.candidates, a.ranks, strict=True) if any(r)},
        }
    out["leave_one_out"] = {
        "changes": [{"removed": c, "new_winner": w} for c, w in s.leave_one_out.changes],
        "pool_independent": s.leave_one_out.pool_independent,
        "note": s.leave_one_out.note,
    }
    out["ties"] = list(s.ties)
    out["undetermined"] = list(s.undetermined)
    out["ties_rule"] = s.ties_rule
    return out


def decision_to_dict(decision: Decision) -> dict:
    """Plain-JSON form of a :class:`Decision` (``schema = "tradeoffs.decision"``, version 1).

    Raises ValueError for a decision built with ``sensitivity=False`` (its checks were skipped,
    and the record would present placeholders as results).
    """
    if not decision.sensitivity_computed:
        raise ValueError(
            "this decision was built with sensitivity=False (sensitivity checks skipped); build it with "
            "sensitivity=True to export it."
        )
    d = decision
    g = d.group
    profiles = []
    for r in d.profiles:
        profiles.append(
            {
                **r.profile.to_dict(),
                "takes_part": r.score is not None,
                "cannot_take_part_reason": r.profile.cannot_take_part
                or (None if r.score is not None else "; ".join(r.warnings) or "nothing to rank on"),
                "resolution": {k: list(v) for k, v in r.profile.resolution},
                "notes": list(r.profile.notes),
                "ranked_on": list(r.objectives),
                "missing_objectives": list(r.missing_objectives),
                "favourite": r.favourite,
                "feasibility": _feas_dict(r.feasibility),
                "score": score_to_dict(r.score, r.feasibility) if r.score is not None else None,
                "pareto_front": list(r.pareto.front) if r.pareto is not None else None,
                "sensitivity": _sens_dict(r.sensitivity),
                "warnings": list(r.warnings),
            }
        )
    out = {
        "schema": DECISION_SCHEMA,
        "schema_version": DECISION_SCHEMA_VERSION,
        "chosen": d.chosen,
        "incumbent": d.incumbent,
        "no_feasible_reason": d.no_feasible_reason,
        "deploy": dict(d.deploy) or None,
        "rule": d.rule,
        "method": d.method,
        "runners_up": list(d.runners_up),
        "any_feasible": d.any_feasible,
        "provenance": {k: _num(v) for k, v in d.provenance},
        "settings": {k: v for k, v in d.settings},
        "candidates": list(d.candidates),
        "objectives": [o.to_dict() for o in d.objectives],
        "group_feasibility": _feas_dict(d.group_feasibility),
        "pareto": pareto_to_dict(d.pareto),
        "profiles": profiles,
        "group": {
            "rule": g.rule,
            "winner": g.winner,
            "basis": g.basis,
            "considered": list(g.candidates),
            "excluded": [{"candidate": c, "reason": why} for c, why in d.excluded],
            "profiles": list(g.profiles),
            "disagree": g.disagree,
            "condorcet_winner": g.condorcet_winner,
            "rules": [
                {
                    "rule": r.rule,
                    "description": r.description,
                    "winner": r.winner,
                    "winners": list(r.winners),
                    "higher_is_better": r.higher_is_better,
                    "scores": dict(zip(g.candidates, map(_num, r.scores), strict=True)),
                }
                for r in g.rules
            ],
            "utilities": _by_profile(g.profiles, g.candidates, g.utilities),
            "regret": _by_profile(g.profiles, g.candidates, g.regret),
        },
        "sensitivity": {
            "winner": d.sensitivity.winner,
            "win_share": dict(d.sensitivity.win_share),
            "n_samples": d.sensitivity.n_samples,
            "leave_one_out": {
                "changes": [{"removed": c, "new_winner": w} for c, w in d.sensitivity.leave_one_out.changes],
                "pool_independent": d.sensitivity.leave_one_out.pool_independent,
                "note": d.sensitivity.leave_one_out.note,
            },
            "ties": list(d.sensitivity.ties),
            "undetermined": list(d.sensitivity.undetermined),
            "ties_rule": d.sensitivity.ties_rule,
        },
        "switch": [
            {
                "objective": x.objective,
                "label": x.label,
                "unit": x.unit,
                "direction": x.direction,
                "incumbent": x.incumbent,
                "chosen": x.chosen,
                "incumbent_ci": list(x.incumbent_ci),
                "chosen_ci": list(x.chosen_ci),
                "change": x.change,
                "better": x.better,
                "clear": x.clear,
            }
            for x in d.switch
        ],
        "warnings": list(d.warnings),
    }
    return _clean_json(out)


def _by_profile(profiles, candidates, rows) -> dict:
    return {p: dict(zip(candidates, map(_num, row), strict=True)) for p, row in zip(profiles, rows, strict=True)}


def _clean_json(x: Any) -> Any:
    t = type(x)  # the common exact types first: what _num returns for them, without its checks
    if t is str or x is None or t is bool or t is int:
        return x
    if t is float:
        return x if math.isfinite(x) else None
    if isinstance(x, Mapping):
        return {str(k): _clean_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean_json(v) for v in x]
    return _num(x)


def decision_to_json(decision: Decision) -> str:
    """JSON text of :func:`decision_to_dict` (NaN written as null)."""
    return json.dumps(decision_to_dict(decision), indent=1, allow_nan=False, ensure_ascii=False) + "\n"


# ---- reading a decision file back ----------------------------------------------------------------
# The file's shape as data: every field decision_to_dict writes, with its type. Reports and the
# decision log read these fields (analysis/report/_build.py); check_decision_file refuses a file in
# which one is missing or of the wrong type, naming its path, instead of a TypeError deep in a report.
@dataclass(frozen=True)
class _Leaf:
    """A scalar of one of ``types`` (``bool`` is not a number) and, with ``choices``, one of those values."""

    want: str
    types: frozenset
    choices: tuple = ()


@dataclass(frozen=True)
class _List:
    item: Any


@dataclass(frozen=True)
class _Map:
    """An object with any keys (JSON keys are text) and values of one kind."""

    value: Any


@dataclass(frozen=True)
class _OrNull:
    spec: Any


@dataclass(frozen=True)
class _Record:
    """An object with known fields: ``required`` ones must be there, the others are checked when present.

    Unknown fields are let through (a newer writer may add some; nothing here reads them).
    """

    fields: Mapping[str, Any]
    required: frozenset
    plan: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # (key, required, leaf or None, nested spec): what _check walks, without attribute look-ups
        plan = tuple((k, k in self.required, s if type(s) is _Leaf else None, s) for k, s in self.fields.items())
        object.__setattr__(self, "plan", plan)


def _record(required: str, optional: str = "", /, **fields: Any) -> _Record:
    """A :class:`_Record` of ``name=spec`` fields; ``required`` and ``optional`` name them (space-separated)."""
    names = required.split() + optional.split()
    if sorted(names) != sorted(fields):
        raise ValueError(f"fields {sorted(set(names) ^ set(fields))} are not both listed and typed")
    return _Record(fields, frozenset(required.split()))


_NONE = type(None)
_ANY = None  # any JSON value (the reader has refused NaN, huge integers and deep nesting already)
_TEXT = _Leaf("text", frozenset({str}))
_TEXT_OR_NULL = _Leaf("text or null", frozenset({str, _NONE}))
_NUMBER = _Leaf("a number", frozenset({int, float}))
_NUMBER_OR_NULL = _Leaf("a number or null", frozenset({int, float, _NONE}))
_COUNT = _Leaf("a whole number", frozenset({int}))
_COUNT_OR_NULL = _Leaf("a whole number or null", frozenset({int, _NONE}))
_FLAG = _Leaf("true or false", frozenset({bool}))
_FLAG_OR_NULL = _Leaf("true, false or null", frozenset({bool, _NONE}))
_DIRECTION = _Leaf('"max" or "min"', frozenset({str}), ("max", "min"))
_SCALAR = _Leaf("text, a number, true/false or null", frozenset({str, int, float, bool, _NONE}))
_SETTING = _Leaf("text, a number or null", frozenset({str, int, float, _NONE}))
_NAMES = _List(_TEXT)

_FEASIBILITY = _record(
    "",
    "feasible infeasible unverifiable constraints unverifiable_policy",
    feasible=_NAMES,
    infeasible=_List(_record("candidate violations", candidate=_TEXT, violations=_NAMES)),
    unverifiable=_List(_record("candidate checks", candidate=_TEXT, checks=_NAMES)),
    constraints=_List(_record("constraint", "profile", profile=_TEXT_OR_NULL, constraint=_TEXT)),
    unverifiable_policy=_TEXT,
)
_LEAVE_ONE_OUT = _record(
    "",
    "changes pool_independent note",
    changes=_List(_record("removed new_winner", removed=_TEXT, new_winner=_TEXT_OR_NULL)),
    pool_independent=_FLAG,
    note=_TEXT_OR_NULL,
)
_SCORE = _record(
    "method normalisation higher_is_better weights candidates",
    "bounds contributions_note unscored",
    method=_TEXT,
    normalisation=_TEXT,
    higher_is_better=_FLAG,
    weights=_Map(_NUMBER),
    bounds=_List(
        _record(
            "objective",
            "worst ideal source",
            objective=_TEXT,
            worst=_NUMBER_OR_NULL,
            ideal=_NUMBER_OR_NULL,
            source=_TEXT_OR_NULL,
        )
    ),
    contributions_note=_TEXT_OR_NULL,
    unscored=_NAMES,
    candidates=_List(
        _record(
            "candidate rank score",
            "scored_without feasible violations contributions",
            candidate=_TEXT,
            rank=_COUNT_OR_NULL,
            score=_NUMBER_OR_NULL,
            scored_without=_NAMES,
            feasible=_FLAG_OR_NULL,
            violations=_NAMES,
            contributions=_Map(_NUMBER_OR_NULL),
        )
    ),
)
_PROFILE_SENSITIVITY = _record(
    "",
    "winner stability_note weight_intervals rank_acceptability leave_one_out ties undetermined ties_rule",
    winner=_TEXT_OR_NULL,
    stability_note=_TEXT_OR_NULL,
    weight_intervals=_List(
        _record(
            "objective",
            "weight low high below above note",
            objective=_TEXT,
            weight=_NUMBER_OR_NULL,
            low=_NUMBER_OR_NULL,
            high=_NUMBER_OR_NULL,
            below=_TEXT_OR_NULL,
            above=_TEXT_OR_NULL,
            note=_TEXT_OR_NULL,
        )
    ),
    rank_acceptability=_record(
        "",
        "n_samples concentration value_noise first top_ranks ranks",
        n_samples=_COUNT_OR_NULL,
        concentration=_NUMBER_OR_NULL,
        value_noise=_SCALAR,
        first=_Map(_NUMBER_OR_NULL),
        top_ranks=_COUNT_OR_NULL,
        ranks=_Map(_List(_NUMBER_OR_NULL)),
    ),
    leave_one_out=_LEAVE_ONE_OUT,
    ties=_NAMES,
    undetermined=_NAMES,
    ties_rule=_TEXT_OR_NULL,
)
_PROFILE = _record(
    "name",
    "role rationale weights constraints bounds influence missing min_weight_share takes_part "
    "cannot_take_part_reason resolution notes ranked_on missing_objectives favourite feasibility score "
    "pareto_front sensitivity warnings",
    name=_TEXT,
    role=_TEXT_OR_NULL,
    rationale=_TEXT_OR_NULL,
    weights=_Map(_NUMBER),
    constraints=_NAMES,
    bounds=_Map(_ANY),
    influence=_NUMBER,
    missing=_TEXT_OR_NULL,
    min_weight_share=_NUMBER_OR_NULL,
    takes_part=_FLAG,
    cannot_take_part_reason=_TEXT_OR_NULL,
    resolution=_Map(_NAMES),
    notes=_NAMES,
    ranked_on=_NAMES,
    missing_objectives=_NAMES,
    favourite=_TEXT_OR_NULL,
    feasibility=_FEASIBILITY,
    score=_OrNull(_SCORE),
    pareto_front=_OrNull(_NAMES),
    sensitivity=_OrNull(_PROFILE_SENSITIVITY),
    warnings=_NAMES,
)
_BY_PROFILE = _Map(_Map(_NUMBER_OR_NULL))  # profile -> candidate -> utility or regret
_GROUP = _record(
    "",
    "rule winner basis considered excluded profiles disagree condorcet_winner rules utilities regret",
    rule=_TEXT,
    winner=_TEXT_OR_NULL,
    basis=_TEXT,
    considered=_NAMES,
    excluded=_List(_record("candidate", "reason", candidate=_TEXT, reason=_TEXT_OR_NULL)),
    profiles=_NAMES,
    disagree=_FLAG,
    condorcet_winner=_TEXT_OR_NULL,
    rules=_List(
        _record(
            "rule",
            "description winner winners higher_is_better scores",
            rule=_TEXT,
            description=_TEXT_OR_NULL,
            winner=_TEXT_OR_NULL,
            winners=_NAMES,
            higher_is_better=_FLAG,
            scores=_Map(_NUMBER_OR_NULL),
        )
    ),
    utilities=_BY_PROFILE,
    regret=_BY_PROFILE,
)
_PARETO = _record(
    "",
    "objectives front fronts excluded_missing_values dominated_by knees trades",
    objectives=_NAMES,
    front=_NAMES,
    fronts=_List(_NAMES),
    excluded_missing_values=_NAMES,
    dominated_by=_Map(_TEXT),
    knees=_NAMES,
    trades=_List(
        _record(
            "",
            "from to x y delta_x delta_y ratio text",
            **{"from": _TEXT_OR_NULL, "to": _TEXT_OR_NULL},
            x=_TEXT_OR_NULL,
            y=_TEXT_OR_NULL,
            delta_x=_NUMBER_OR_NULL,
            delta_y=_NUMBER_OR_NULL,
            ratio=_NUMBER_OR_NULL,
            text=_TEXT_OR_NULL,
        )
    ),
)
_INTERVAL = _List(_NUMBER_OR_NULL)
_DECISION_FILE = _record(
    "schema schema_version candidates objectives group_feasibility pareto profiles group sensitivity rule method "
    "runners_up",
    "chosen incumbent no_feasible_reason any_feasible provenance settings switch warnings deploy",
    deploy=_OrNull(
        _record(
            "",
            "parent rule threshold score attribute",
            parent=_TEXT,
            rule=_TEXT,
            threshold=_NUMBER_OR_NULL,
            score=_TEXT,
            attribute=_TEXT_OR_NULL,
        )
    ),
    schema=_TEXT,
    schema_version=_COUNT,
    chosen=_TEXT_OR_NULL,
    incumbent=_TEXT_OR_NULL,
    no_feasible_reason=_TEXT_OR_NULL,
    rule=_TEXT,
    method=_TEXT,
    runners_up=_List(_TEXT_OR_NULL),
    any_feasible=_FLAG,
    provenance=_record("", "decided_at scorecard_sha256", decided_at=_TEXT_OR_NULL, scorecard_sha256=_TEXT_OR_NULL),
    settings=_record(  # any settings; those a report shows as the robustness check's are typed
        "",
        "n_samples group_samples concentration value_noise random_state",
        n_samples=_SETTING,
        group_samples=_SETTING,
        concentration=_SETTING,
        value_noise=_SETTING,
        random_state=_SETTING,
    ),
    candidates=_NAMES,
    objectives=_List(
        _record(
            "name direction",
            "label unit group description worst target ideal",
            name=_TEXT,
            direction=_DIRECTION,
            label=_TEXT_OR_NULL,
            unit=_TEXT_OR_NULL,
            group=_TEXT_OR_NULL,
            description=_TEXT_OR_NULL,
            worst=_NUMBER_OR_NULL,
            target=_NUMBER_OR_NULL,
            ideal=_NUMBER_OR_NULL,
        )
    ),
    group_feasibility=_FEASIBILITY,
    pareto=_PARETO,
    profiles=_List(_PROFILE),
    group=_GROUP,
    sensitivity=_record(
        "",
        "winner win_share n_samples leave_one_out ties undetermined ties_rule",
        winner=_TEXT_OR_NULL,
        win_share=_Map(_NUMBER),
        n_samples=_COUNT,
        leave_one_out=_LEAVE_ONE_OUT,
        ties=_NAMES,
        undetermined=_NAMES,
        ties_rule=_TEXT_OR_NULL,
    ),
    switch=_List(
        _record(
            "objective",
            "label unit direction incumbent chosen incumbent_ci chosen_ci change better clear",
            objective=_TEXT,
            label=_TEXT_OR_NULL,
            unit=_TEXT_OR_NULL,
            direction=_OrNull(_DIRECTION),
            incumbent=_NUMBER_OR_NULL,
            chosen=_NUMBER_OR_NULL,
            incumbent_ci=_OrNull(_INTERVAL),
            chosen_ci=_OrNull(_INTERVAL),
            change=_NUMBER_OR_NULL,
            better=_FLAG_OR_NULL,
            clear=_FLAG_OR_NULL,
        )
    ),
    warnings=_NAMES,
)


class _Absent:
    """The type of :data:`_MISSING`, which no spec accepts."""


_MISSING = _Absent()  # what a record holds for a field that is not there


class _Wrong(Exception):
    """A value of the wrong type; ``path`` is filled in (innermost key first) as it propagates."""

    def __init__(self, value: Any, want: str) -> None:
        super().__init__(want)
        self.value, self.want, self.path = value, want, []

    def at(self, key: str | int) -> _Wrong:
        self.path.append(key)
        return self


_CHUNK = 2048


def _all_match(values: list, spec: Any) -> bool:
    """Whether every one of ``values`` has the shape ``spec`` describes, checked column by column.

    A list of records is checked one field at a time across all of them, and lists and maps are
    flattened, so a column of leaves is one ``set(map(type, ...))`` in C: a 10,000-candidate file
    costs a few passes per field rather than a Python call per value. It says only yes or no:
    :func:`_check` finds the place.
    """
    if spec is _ANY or not values:
        return True
    kind = type(spec)
    if kind is _Leaf:
        return _leaves_match(values, spec)
    if kind is _OrNull:
        return _all_match([v for v in values if v is not None], spec.spec)
    if kind is _List or kind is _Map:
        if not set(map(type, values)) <= ({list} if kind is _List else {dict}):
            return False
        sub = spec.item if kind is _List else spec.value
        items = chain.from_iterable(values if kind is _List else map(dict.values, values))
        if type(sub) is _Leaf and not sub.choices:
            return set(map(type, items)) <= sub.types  # no list of every value
        return _all_match(list(items), sub)
    if not set(map(type, values)) <= {dict}:
        return False
    if len(values) > _CHUNK:  # a few thousand records at a time, so each field's pass finds them in cache
        return all(_all_match(values[i : i + _CHUNK], spec) for i in range(0, len(values), _CHUNK))
    for key, required, leaf, sub in spec.plan:
        column = map(dict.get, values, repeat(key), repeat(_MISSING))  # v.get(key, _MISSING), in C
        if leaf is not None and not leaf.choices:
            kinds = set(map(type, column))
            if not required:
                kinds.discard(_Absent)
            if not kinds <= leaf.types:  # a missing required field is an _Absent: never a leaf type
                return False
            continue
        column = list(column)
        if required and _Absent in set(map(type, column)):
            return False
        if not required:
            column = [v for v in column if v is not _MISSING]
        if not _all_match(column, sub):
            return False
    return True


def _leaves_match(values: list, leaf: _Leaf) -> bool:
    return set(map(type, values)) <= leaf.types and (not leaf.choices or set(values) <= set(leaf.choices))


def _check(value: Any, spec: Any) -> None:
    """Raise :class:`_Wrong` with the path to the first value that does not match ``spec``."""
    kind = type(spec)
    if spec is _ANY:
        return
    if kind is _Leaf:
        if type(value) not in spec.types or (spec.choices and value not in spec.choices):
            raise _Wrong(value, spec.want)
    elif kind is _OrNull:
        if value is not None:
            _check(value, spec.spec)
    elif kind is _Record or kind is _Map or kind is _List:
        want = list if kind is _List else dict
        if type(value) is not want:
            raise _Wrong(value, "a list" if want is list else "an object")
        if kind is _Record:
            items = [(key, value.get(key, _MISSING), sub, required) for key, required, _, sub in spec.plan]
        else:
            sub = spec.item if kind is _List else spec.value
            items = [(key, v, sub, True) for key, v in (enumerate(value) if kind is _List else value.items())]
        for key, v, sub, required in items:
            if v is _MISSING:
                if required:
                    raise _Wrong(v, "").at(key)
                continue
            try:
                _check(v, sub)
            except _Wrong as wrong:
                raise wrong.at(key) from None
    else:  # pragma: no cover - a mistake in the specs above
        raise TypeError(f"unknown spec {spec!r}")


def _path_text(path: list) -> str:
    """``["profiles", 0, "score"]`` (outermost first) as ``profiles[0].score``."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        elif key.isidentifier() and len(key) <= 60:
            out += f".{key}" if out else key
        else:
            text = json.dumps(key, ensure_ascii=False)
            out += "[" + (text if len(text) <= 60 else text[:56] + '..."') + "]"
    return out


def check_decision_file(data: Any, source: str = "the decision file") -> None:
    """Raise :class:`~analysis._errors.InputError` unless ``data`` has the shape of a decision file.

    ``data`` is the parsed JSON of a file written by ``tradeoffs decide`` (:func:`decision_to_json`);
    reports and the decision log trust its fields once it passes. Every field that
    :func:`decision_to_dict` writes is checked for its type (text, number, true/false, list, object,
    null where the writer may write null), and the fields a report needs must be there; unknown
    fields are let through. The message names the field's path, what it holds and what it should,
    for example ``profiles[0].sensitivity.weight_intervals[2].low is {}, not a number or null``.

    Parameters
    ----------
    data : object
        The parsed file (NaN, infinities and huge integers are the JSON reader's to refuse).
    source : str
        The file, for the message.

    Examples
    --------
    >>> try:
    ...     check_decision_file({"schema": "tradeoffs.decision", "schema_version": 1, "rule": 5}, "d.json")
    ... except InputError as exc:
    ...     print(exc)
    d.json is a damaged decision file: rule is 5, not text; re-create it with `tradeoffs decide`.
    """
    if type(data) is not dict or data.get("schema") != DECISION_SCHEMA:
        raise InputError(
            f'{source} is not a decision file (no "schema": "{DECISION_SCHEMA}"); make one with `tradeoffs decide`.',
            source=source,
        )
    version = data.get("schema_version")
    if type(version) is not int or not 1 <= version <= DECISION_SCHEMA_VERSION:
        raise InputError(
            f"{source} has decision schema version {short_repr(version)}; this Tradeoffs reads version "
            f"{DECISION_SCHEMA_VERSION} and older. Upgrade Tradeoffs, or re-create it with `tradeoffs decide`.",
            source=source,
        )
    if _all_match([data], _DECISION_FILE):
        return
    try:
        _check(data, _DECISION_FILE)  # finds where, and raises
    except _Wrong as wrong:
        where = _path_text(wrong.path[::-1])
        what = "is missing" if wrong.value is _MISSING else f"is {short_repr(wrong.value)}, not {wrong.want}"
        raise InputError(
            f"{source} is a damaged decision file: {where} {what}; re-create it with `tradeoffs decide`.",
            source=source,
        ) from None
    raise RuntimeError("check_decision_file: the column-wise check and the field-by-field walk disagree")
