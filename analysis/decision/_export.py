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
from typing import Any

import numpy as np

from analysis.decision._constraints import FeasibilityResult
from analysis.decision._decide import DECISION_SCHEMA, DECISION_SCHEMA_VERSION, Decision
from analysis.decision._pareto import ParetoResult
from analysis.decision._scoring import ScoreResult
from analysis.decision._sensitivity import Sensitivity


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
