"""``build_report``: scorecard + decision record -> :class:`Report` (pure; no I/O, no clock).

The report keeps aggregates only: metric values and intervals, per-group rates, per-window
series, per-feature drift and attribution shares. It never copies data rows, so its size grows
with the number of candidates, objectives, groups and features, never with the rows evaluated.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from importlib import metadata
from typing import Any

import numpy as np

from analysis._errors import InputError
from analysis.decision import (
    DECISION_SCHEMA,
    DECISION_SCHEMA_VERSION,
    Decision,
    DecisionTable,
    compute_pareto,
    decision_to_dict,
    table_from_scorecard,
)
from analysis.objectives import split_attribute_objective
from analysis.report._format import round_sig
from analysis.report._record import STATUSES, Report, SignOff, freeze
from analysis.report._summary import build_summary, build_title
from analysis.scorecard import Scorecard

#: How many of each profile's best-ranked candidates the record keeps.
PROFILE_TOP = 10
#: Serving figures shown for each candidate, in this order, when measured.
SERVING_MEASURES = (
    "latency_ms_p50",
    "latency_ms_p99",
    "latency_ms_mean",
    "throughput_rows_per_s",
    "throughput_rows_per_s_single",
    "model_size_mb",
    "peak_memory_mb",
    "cost_usd_per_million",
    "cost_usd_per_million_batch",
)
_QUALITY_GROUPS = ("quality",)
_COST_GROUPS = ("serving", "cost")


def _tidy(value: Any) -> Any:
    """Plain JSON with floats at fixed precision (so the same inputs give the same bytes)."""
    if isinstance(value, Mapping):
        return {str(k): _tidy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tidy(v) for v in value]
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        value = value.item()  # numpy scalar
        if isinstance(value, bool):
            return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round_sig(value)
    return str(value)


def _iso(now: datetime | str) -> str:
    if isinstance(now, datetime):
        return now.isoformat()
    if isinstance(now, str) and now:
        return now
    raise InputError("build_report needs `now` (a datetime or an ISO 8601 string) for the report's timestamp.")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decision_record_dict(decision: Decision | Mapping, *, sha256: str | None = None) -> tuple[dict, str]:
    """The decision as plain JSON and the SHA-256 of its file form (as ``tradeoffs decide`` writes it).

    ``sha256``, when the caller has it (the hash of the file it read), saves serialising a large
    decision again.
    """
    if isinstance(decision, Decision):
        data = decision_to_dict(decision)
    elif isinstance(decision, Mapping):
        data = dict(decision)
    else:
        raise InputError(f"the decision must be a Decision or its JSON record; got {type(decision).__name__}.")
    if data.get("schema") != DECISION_SCHEMA:
        raise InputError(
            f'the decision is not a Tradeoffs decision record (no "schema": "{DECISION_SCHEMA}"); '
            "make one with `tradeoffs decide`."
        )
    version = data.get("schema_version")
    if not isinstance(version, int) or not 1 <= version <= DECISION_SCHEMA_VERSION:
        raise InputError(
            f"the decision record has schema version {version!r}; this Tradeoffs reads version "
            f"{DECISION_SCHEMA_VERSION} and older. Upgrade Tradeoffs."
        )
    for key in ("candidates", "objectives", "group", "profiles", "sensitivity", "pareto", "group_feasibility"):
        if key not in data:
            raise InputError(f"the decision record is damaged: field {key!r} is missing; re-run `tradeoffs decide`.")
    if sha256 is not None:
        return data, sha256
    text = json.dumps(data, indent=1, allow_nan=False, ensure_ascii=False) + "\n"
    return data, _sha256(text)


def _version() -> str:
    try:
        return metadata.version("tradeoffs")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


# ---- sections -------------------------------------------------------------------------------------
def _objectives(scorecard: Scorecard, decision: Mapping | None) -> list[dict]:
    over = {o["name"]: o for o in (decision or {}).get("objectives", ())}
    out = []
    for o in scorecard.objectives:
        d = o.to_dict()
        if o.name in over:
            d["direction"] = over[o.name].get("direction", d["direction"])
        out.append(
            {k: d[k] for k in ("name", "label", "unit", "direction", "group", "description")} | {"weight_share": None}
        )
    if decision is not None:
        totals: dict[str, float] = {}
        infl = 0.0
        for p in decision["profiles"]:
            score = p.get("score")
            if not score:
                continue
            w = float(p.get("influence", 1.0))
            infl += w
            for name, share in score["weights"].items():
                totals[name] = totals.get(name, 0.0) + w * float(share)
        for o in out:
            o["weight_share"] = totals[o["name"]] / infl if infl and o["name"] in totals else None
    return out


def _dataset(scorecard: Scorecard) -> dict:
    ds = dict(scorecard.dataset)
    fp = ds.get("fingerprint")
    fingerprint = None
    if isinstance(fp, Mapping):
        fingerprint = {
            "path": fp.get("path"),
            "sha256": fp.get("sha256"),
            "size_bytes": fp.get("size_bytes"),
            "rows": fp.get("rows"),
            "columns": fp.get("columns"),
            "column_names": list(fp.get("column_names", ())),
        }
    keys = ("source", "rows", "target", "task", "positive_label", "classes", "class_counts", "sensitive", "time", "id")
    out = {k: ds.get(k) for k in keys}
    out["task"] = out["task"] or scorecard.task
    out["value_columns"] = list(ds.get("value_columns", ()) or ())
    vm = ds.get("value_matrix")
    out["value_matrix"] = {str(k): str(v) for k, v in vm.items()} if isinstance(vm, Mapping) else None
    out["fingerprint"] = fingerprint
    for k in ("classes", "sensitive"):
        out[k] = list(out[k]) if isinstance(out[k], (list, tuple)) else ([] if out[k] is None else [out[k]])
    if isinstance(out["class_counts"], Mapping):
        out["class_counts"] = {str(k): v for k, v in out["class_counts"].items()}
    out["positive_label"] = None if out["positive_label"] is None else str(out["positive_label"])
    out["classes"] = [str(c) for c in out["classes"]]
    # Where the data cannot support its figures (one group, tiny groups, few positives, repeated ids),
    # as the evaluation wrote it: each sentence also goes to the report's warnings.
    shown = ds.get("warnings")
    out["warnings"] = [str(w) for w in shown] if isinstance(shown, (list, tuple)) else []
    return out


def _question(scorecard: Scorecard, dataset: dict, objectives: list[dict]) -> dict:
    n = len(scorecard.candidates)
    target = dataset.get("target")
    source = dataset.get("source") or "the evaluation data"
    rows = dataset.get("rows")
    rows_text = f" ({rows:,} rows)" if isinstance(rows, int) else ""
    if target:
        pos = f" (positive label {dataset['positive_label']})" if dataset.get("positive_label") is not None else ""
        text = f"Which of {n} candidate models should predict {target}{pos}, judged on {source}{rows_text}?"
    else:
        text = f"Which of {n} candidates to choose, judged on the {len(objectives)} measured objectives of {source}?"
    confidence = scorecard.settings.get("confidence")
    return {
        "task": scorecard.task,
        "text": text,
        "dataset": dataset,
        "objectives": objectives,
        "confidence": float(confidence) if _finite(confidence) else None,
    }


def _metrics(scorecard: Scorecard) -> list[dict]:
    cand = {c: i for i, c in enumerate(scorecard.candidate_names)}
    obj = {o: j for j, o in enumerate(scorecard.objective_names)}
    rows = [m for m in scorecard.metrics if m.candidate in cand and m.objective in obj]
    rows.sort(key=lambda m: (cand[m.candidate], obj[m.objective]))
    return [
        {"candidate": m.candidate, "objective": m.objective, "value": m.value, "ci_low": m.ci_low, "ci_high": m.ci_high}
        for m in rows
    ]


def _candidates(scorecard: Scorecard, decision: Mapping | None) -> list[dict]:
    feas = pareto = considered = None
    left_out: dict[str, str] = {}
    if decision is not None:
        gf = decision["group_feasibility"]
        feas = {c["candidate"]: list(c["violations"]) for c in gf.get("infeasible", ())}
        pareto = set(decision["pareto"].get("front", ()))
        considered = set(decision["group"].get("considered", ()))
        left_out = {str(x["candidate"]): str(x.get("reason") or "") for x in decision["group"].get("excluded", ())}
    out = []
    for c in scorecard.candidates:
        src = dict(c.source)
        out.append(
            {
                "name": c.name,
                "kind": src.get("kind"),
                "path": src.get("path"),
                "format": src.get("format"),
                "model_type": src.get("model_type"),
                "sha256": src.get("sha256"),
                "size_bytes": src.get("size_bytes"),
                "status": c.status,
                "errors": list(c.errors),
                "notes": list(c.notes),
                "feasible": None if feas is None else c.name not in feas,
                "violations": [] if feas is None else feas.get(c.name, []),
                "pareto_optimal": None if pareto is None else c.name in pareto,
                "considered": None if considered is None else c.name in considered,
                "left_out_reason": None
                if considered is None or c.name in considered
                else left_out.get(c.name) or "not compared by the group rules",
            }
        )
        if isinstance(src.get("mlflow"), Mapping):  # where `log publish --mlflow-register` finds the version
            out[-1]["mlflow"] = _plain(src["mlflow"])
    return out


def operating_point_of(scorecard: Scorecard, name: str | None) -> dict | None:
    """What to deploy when ``name`` is an operating point (``tradeoffs evaluate --operating-points``), else None.

    ``{"parent", "rule", "threshold", "score", "fold_thresholds", "split"}`` from the candidate's source;
    thresholds per group have ``"attribute"`` and ``"by_group"`` instead of ``"threshold"`` and
    ``"fold_thresholds"``.
    """
    source = next((c.source for c in scorecard.candidates if c.name == name), None) if name else None
    if not source or source.get("kind") != "operating_point":
        return None
    keys = ("parent", "rule", "threshold", "score", "fold_thresholds", "split", "attribute", "by_group")
    out = {k: _plain(source.get(k)) for k in keys if k in source}
    curves = (scorecard.sections.get("curves") or {}).get(source.get("parent")) or {}
    out["curve"] = _threshold_curve(_plain(curves.get("thresholds"))) if curves.get("thresholds") else None
    return out


def _threshold_curve(stored: Mapping) -> dict:
    """Rates against the threshold from a stored curve's counts (all rows): what the report draws.

    Computed here from the counts (as ``analysis.evaluation.threshold_rates`` does) so that writing a report
    never imports the evaluation stack.
    """
    n, pos = float(stored["n"]), float(stored["pos"])
    pred = np.asarray(stored["pred_pos"], dtype=float)
    tp = np.asarray(stored["tp"], dtype=float)

    def ratio(a, b) -> list:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)
        return [None if not np.isfinite(v) else round(float(v), 6) for v in r]

    value = stored.get("value")
    return {
        "thresholds": list(stored["thresholds"]),
        "precision": ratio(tp, pred),
        "recall": ratio(tp, np.full_like(tp, pos)),
        "selection_rate": ratio(pred, np.full_like(pred, n)),
        "value_per_1k": None if value is None else [round(1000.0 * float(v) / n, 6) for v in value] if n else None,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _choice(decision: Mapping, selected: str | None) -> dict:
    g = decision["group"]
    rules = [
        {
            "rule": r["rule"],
            "description": r.get("description", ""),
            "winner": r.get("winner"),
            "winners": list(r.get("winners", ())),
            "higher_is_better": bool(r.get("higher_is_better", True)),
            "scores": dict(r.get("scores", {})),
        }
        for r in g.get("rules", ())
    ]
    rule = decision["rule"]
    description = next((r["description"] for r in rules if r["rule"] == rule), "")
    group_choice = decision.get("chosen")
    chosen = selected if selected is not None else group_choice
    return {
        "chosen": chosen,
        "group_choice": group_choice,
        "overrides_group_choice": chosen != group_choice,
        "rule": rule,
        "rule_description": description,
        "method": decision["method"],
        "runners_up": [
            c
            for c in ([group_choice] if chosen != group_choice else []) + list(decision["runners_up"])
            if c is not None and c != chosen
        ][:3],
        "any_feasible": bool(decision.get("any_feasible", True)),
        "basis": g.get("basis", ""),
        "considered": list(g.get("considered", ())),
        "favourites": [
            {"profile": p["name"], "role": p.get("role") or p["name"], "favourite": p.get("favourite")}
            for p in decision["profiles"]
        ],
        "rules": rules,
        "disagree": bool(g.get("disagree", False)),
        "condorcet_winner": g.get("condorcet_winner"),
        "all_candidates": list(decision.get("candidates", ())),
        "excluded": [
            {"candidate": str(x.get("candidate")), "reason": str(x.get("reason") or "")} for x in g.get("excluded", ())
        ],
        "no_feasible_reason": decision.get("no_feasible_reason"),
        "profiles_not_taking_part": [
            {
                "profile": p["name"],
                "role": p.get("role") or p["name"],
                "reason": p.get("cannot_take_part_reason") or "nothing to rank on",
            }
            for p in decision["profiles"]
            if not _takes_part(p)
        ],
        "incumbent": decision.get("incumbent"),
        "switch_to": None,
        "switch": [],
    }


def _takes_part(profile: Mapping) -> bool:
    """Whether a profile of a decision record took part in the group rules (older records: it has a score)."""
    if "takes_part" in profile:
        return bool(profile["takes_part"])
    return bool(profile.get("score"))


def _switch_row_of(row: Mapping) -> dict:
    lo_i, hi_i = (list(row.get("incumbent_ci") or ()) + [None, None])[:2]
    lo_c, hi_c = (list(row.get("chosen_ci") or ()) + [None, None])[:2]
    return {
        "objective": row["objective"],
        "label": row.get("label") or row["objective"],
        "unit": row.get("unit") or "",
        "direction": row.get("direction") or "max",
        "incumbent": row.get("incumbent"),
        "incumbent_ci_low": lo_i,
        "incumbent_ci_high": hi_i,
        "chosen": row.get("chosen"),
        "chosen_ci_low": lo_c,
        "chosen_ci_high": hi_c,
        "change": row.get("change"),
        "better": row.get("better"),
        "clear": row.get("clear"),
    }


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _switch_from_metrics(scorecard: Scorecard, objectives: Sequence[str], incumbent: str, to: str) -> list[dict]:
    """The switch table for a candidate the decision did not compare (the team's own choice).

    The same rule as the decision's: change = to - incumbent; ``clear`` when the two intervals
    do not overlap, None when either is unknown.
    """
    metrics = {(m.candidate, m.objective): m for m in scorecard.metrics}
    objs = {o.name: o for o in scorecard.objectives}
    rows = []
    for name in objectives:
        a, b, o = metrics.get((incumbent, name)), metrics.get((to, name)), objs.get(name)
        if a is None or b is None or o is None:
            continue
        change = b.value - a.value if _finite(a.value) and _finite(b.value) else None
        better = None if change is None or change == 0 else (change > 0) == (o.direction == "max")
        ci = (a.ci_low, a.ci_high, b.ci_low, b.ci_high)
        clear = None
        if all(_finite(x) for x in ci):
            clear = bool(a.ci_high < b.ci_low or b.ci_high < a.ci_low)
        rows.append(
            {
                "objective": name,
                "label": o.label,
                "unit": o.unit,
                "direction": o.direction,
                "incumbent": a.value,
                "incumbent_ci_low": a.ci_low,
                "incumbent_ci_high": a.ci_high,
                "chosen": b.value,
                "chosen_ci_low": b.ci_low,
                "chosen_ci_high": b.ci_high,
                "change": change,
                "better": better,
                "clear": clear,
            }
        )
    return rows


def _add_switch(choice: dict, decision: Mapping, scorecard: Scorecard) -> dict:
    """Fill ``switch_to`` and ``switch``: the incumbent against the chosen candidate, per objective."""
    incumbent, chosen = choice["incumbent"], choice["chosen"]
    if incumbent is None or chosen is None or incumbent == chosen:
        return choice
    if incumbent not in scorecard.candidate_names:
        return choice
    choice["switch_to"] = chosen
    recorded = [_switch_row_of(r) for r in decision.get("switch", ())]
    if chosen == choice["group_choice"]:
        choice["switch"] = recorded
    else:  # the team overrode the rule: compare its own choice on the same objectives
        names = [r["objective"] for r in recorded] or list(
            dict.fromkeys(o for p in decision["profiles"] for o in p.get("ranked_on", ()))
        )
        choice["switch"] = _switch_from_metrics(scorecard, names, incumbent, chosen)
    return choice


def _pick_pair(objectives: list[dict], available: set[str]) -> tuple[str, str] | None:
    usable = [o for o in objectives if o["name"] in available]
    if len(usable) < 2:
        return None
    ranked = sorted(usable, key=lambda o: -(o["weight_share"] or 0.0))  # stable: scorecard order on ties

    def best(groups: Sequence[str]) -> dict | None:
        return next((o for o in ranked if o["group"] in groups), None)

    y = best(_QUALITY_GROUPS) or ranked[0]
    x = best(_COST_GROUPS) or next(o for o in ranked if o is not y)
    if x is y:
        x = next(o for o in ranked if o is not y)
    return x["name"], y["name"]


def _table(scorecard: Scorecard, objectives: list[dict]) -> DecisionTable:
    table = table_from_scorecard(scorecard)
    directions = {o["name"]: o["direction"] for o in objectives}
    objs = tuple(o.with_direction(directions.get(o.name, o.direction)) for o in table.objectives)
    return DecisionTable(table.candidates, objs, table.values, table.ci_low, table.ci_high, table.comparisons)


def _tradeoff(table: DecisionTable, objectives: list[dict]) -> dict | None:
    import numpy as np

    present = {name for j, name in enumerate(table.objective_names) if np.isfinite(table.values[:, j]).sum() >= 1}
    pair = _pick_pair(objectives, present)
    if pair is None:
        return None
    x, y = pair
    p = compute_pareto(table, [x, y])
    return {"x": x, "y": y, "front": list(p.front)}


def _why(decision: Mapping, tradeoff: dict | None) -> dict:
    gf = decision["group_feasibility"]
    pareto = decision["pareto"]
    g = decision["group"]
    profiles = []
    for p in decision["profiles"]:
        score = p.get("score")
        if score:
            weights = dict(score["weights"])
            top = [
                {"candidate": r["candidate"], "rank": r["rank"], "score": r["score"], "feasible": r.get("feasible")}
                for r in score["candidates"][:PROFILE_TOP]
            ]
        else:
            raw = {k: float(v) for k, v in p.get("weights", {}).items()}
            total = sum(raw.values()) or 1.0
            weights = {k: v / total for k, v in raw.items()}
            top = []
        profiles.append(
            {
                "name": p["name"],
                "role": p.get("role") or p["name"],
                "rationale": p.get("rationale", ""),
                "influence": p.get("influence", 1.0),
                "weights": weights,
                "constraints": list(p.get("constraints", ())),
                "ranked_on": list(p.get("ranked_on", ())),
                "missing_objectives": list(p.get("missing_objectives", ())),
                "favourite": p.get("favourite"),
                "method": score["method"] if score else None,
                "normalisation": score["normalisation"] if score else None,
                "higher_is_better": score["higher_is_better"] if score else True,
                "top": top,
                "warnings": list(p.get("warnings", ())),
                "takes_part": _takes_part(p),
                "cannot_take_part_reason": None if _takes_part(p) else p.get("cannot_take_part_reason"),
                "resolution": {str(k): [str(x) for x in v] for k, v in (p.get("resolution") or {}).items()},
                "notes": [str(n) for n in p.get("notes", ())],
                "partial": [
                    {"candidate": r["candidate"], "scored_without": list(r["scored_without"])}
                    for r in (score or {}).get("candidates", ())
                    if r.get("scored_without")
                ],
                "unscored": list((score or {}).get("unscored", ())),
            }
        )
    return {
        "constraints": [
            {"profile": c.get("profile"), "constraint": c["constraint"]} for c in gf.get("constraints", ())
        ],
        "infeasible": [
            {"candidate": c["candidate"], "violations": list(c["violations"])} for c in gf.get("infeasible", ())
        ],
        "unverifiable": [
            {"candidate": c["candidate"], "checks": list(c["checks"])} for c in gf.get("unverifiable", ())
        ],
        "pareto": {
            "objectives": list(pareto.get("objectives", ())),
            "front": list(pareto.get("front", ())),
            "dominated_by": dict(pareto.get("dominated_by", {})),
            "knees": list(pareto.get("knees", ())),
            "trades": [t["text"] for t in pareto.get("trades", ()) if t.get("text")],
            "excluded_missing_values": list(pareto.get("excluded_missing_values", ())),
        },
        "tradeoff": tradeoff,
        "profiles": profiles,
        "utilities": {p: dict(v) for p, v in g.get("utilities", {}).items()},
        "regret": {p: dict(v) for p, v in g.get("regret", {}).items()},
    }


def _robustness(decision: Mapping) -> dict:
    s = decision["sensitivity"]
    loo = s.get("leave_one_out", {})
    profiles = []
    for p in decision["profiles"]:
        sens = p.get("sensitivity")
        if not sens:
            continue
        acc = sens.get("rank_acceptability") or {}
        profiles.append(
            {
                "profile": p["name"],
                "role": p.get("role") or p["name"],
                "winner": sens.get("winner"),
                "stability_note": sens.get("stability_note", ""),
                "weight_intervals": [
                    {k: i.get(k) for k in ("objective", "weight", "low", "high", "below", "above", "note")}
                    for i in sens.get("weight_intervals", ())
                ],
                "first_share": dict(acc.get("first", {})),
                "n_samples": acc.get("n_samples"),
                "leave_one_out_changes": [dict(c) for c in sens.get("leave_one_out", {}).get("changes", ())],
                "ties": list(sens.get("ties", ())),
            }
        )
    return {
        "winner": s.get("winner"),
        "win_share": dict(s.get("win_share", {})),
        "n_samples": s.get("n_samples", 0),
        "leave_one_out": {
            "changes": [dict(c) for c in loo.get("changes", ())],
            "pool_independent": bool(loo.get("pool_independent", False)),
            "note": loo.get("note", ""),
        },
        "ties": list(s.get("ties", ())),
        "undetermined": list(s.get("undetermined", ())),
        "ties_rule": s.get("ties_rule", ""),
        "settings": {
            k: decision.get("settings", {}).get(k)
            for k in ("n_samples", "group_samples", "concentration", "value_noise", "random_state")
        },
        "profiles": profiles,
    }


_SLICE_SKIP = ("candidate", "attribute", "group", "n", "small", "positives")


def _fairness(scorecard: Scorecard, objectives: list[dict], focus: Sequence[str]) -> dict | None:
    sec = scorecard.sections.get("fairness")
    fair_objs = [o["name"] for o in objectives if o["group"] == "fairness"]
    rows: list[dict] = []
    metrics: list[str] = []
    attributes: list[str] = []
    rule = ""
    if isinstance(sec, Mapping) and sec.get("by_attribute"):
        attributes = [str(a) for a in sec.get("attributes", sec["by_attribute"].keys())]
        rule = str(sec.get("objective_rule", ""))
        for attr in attributes:
            per = sec["by_attribute"].get(attr, {})
            for cand in scorecard.candidate_names:
                vals = per.get(cand)
                if not isinstance(vals, Mapping):
                    continue
                for k in vals:
                    if k not in metrics:
                        metrics.append(str(k))
                rows.append({"attribute": attr, "candidate": cand, **{str(k): v for k, v in vals.items()}})
    elif fair_objs:
        attributes = ["all attributes (worst)"]
        rule = "as measured in the metrics table"
        metrics = list(fair_objs)
        frame = scorecard.to_frame()
        for cand in scorecard.candidate_names:
            vals = {n: float(frame.at[cand, n]) for n in metrics}
            rows.append(
                {"attribute": attributes[0], "candidate": cand, **{n: (v if v == v else None) for n, v in vals.items()}}
            )
    else:
        return None
    groups = []
    for s in scorecard.slices:
        if s.get("candidate") in focus:
            g = {
                "candidate": s["candidate"],
                "attribute": str(s.get("attribute")),
                "group": str(s.get("group")),
                "n": s.get("n"),
                "small": bool(s.get("small", False)),
                "excluded_from_scoring": (
                    bool(s["excluded_from_scoring"]) if s.get("excluded_from_scoring") is not None else None
                ),
            }
            for k, v in s.items():
                if k in _SLICE_SKIP:
                    continue
                if isinstance(v, (int, float)) and not isinstance(v, bool) or v is None:
                    g[str(k)] = v
            groups.append(g)
    sec = sec if isinstance(sec, Mapping) else {}
    methods = [str(s["ci_method"]) for s in scorecard.slices if s.get("ci_method")]
    notes = sec.get("notes") or ()
    if isinstance(notes, Mapping):
        notes = [n for ns in notes.values() for n in (ns if isinstance(ns, (list, tuple)) else [ns])]
    excluded = sec.get("excluded_groups")
    size = sec.get("min_group_size", scorecard.settings.get("min_group_size"))
    confidence = scorecard.settings.get("confidence")
    return {
        "attributes": attributes,
        "objective_rule": rule,
        "metrics": metrics,
        "rows": rows,
        "groups": groups,
        "groups_for": [c for c in focus],
        "min_group_size": size if isinstance(size, int) and not isinstance(size, bool) else None,
        "ci_method": str(sec.get("ci_method") or (methods[0] if methods else "")) or None,
        "confidence": float(confidence) if _finite(confidence) else None,
        "small_group_rule": str(sec["small_group_rule"]) if sec.get("small_group_rule") else None,
        "excluded_groups": (
            {str(a): [str(g) for g in gs] for a, gs in excluded.items() if gs} if isinstance(excluded, Mapping) else {}
        ),
        "attribute_objectives": [
            {"objective": name, "base": base, "attribute": attr}
            for name, (base, attr) in ((o["name"], split_attribute_objective(o["name"])) for o in objectives)
            if attr is not None
        ],
        "notes": [str(n) for n in notes],
    }


def _explanations(scorecard: Scorecard) -> dict | None:
    sec = scorecard.sections.get("explanations")
    if not isinstance(sec, Mapping) or not sec.get("candidates"):
        return None
    rows = []
    cands = sec["candidates"]
    for name in list(scorecard.candidate_names) + [c for c in cands if c not in scorecard.candidate_names]:
        c = cands.get(name)
        if not isinstance(c, Mapping):
            continue
        imp = {str(g["feature"]): g.get("share") for g in c.get("global_importance", ()) if "feature" in g}
        rows.append(
            {
                "candidate": name,
                "status": c.get("status"),
                "explainer": c.get("explainer"),
                "output_space": c.get("output_space_meaning") or c.get("output_space"),
                "sample_size": c.get("sample_size"),
                "top_features": list(c.get("top_features", ())),
                "importance": imp,
                "reason": c.get("reason") or c.get("skipped_reason"),
            }
        )
    proxies = [
        {"feature": a["feature"], "sensitive_attribute": a["sensitive_attribute"], "association": a["association"]}
        for a in sec.get("associations", ())
        if a.get("flagged")
    ]
    rules = sec.get("rules", {}) if isinstance(sec.get("rules"), Mapping) else {}
    return {
        "rows": rows,
        "proxies": proxies,
        "proxy_threshold": rules.get("proxy_threshold"),
        "sensitive_attributes": list(sec.get("sensitive_attributes", ())),
        "method": rules.get("global_importance", ""),
        "notes": list(sec.get("notes", ())) + [str(u) for u in sec.get("unexplained", ())],
    }


def _scalar_items(d: Any) -> dict:
    if not isinstance(d, Mapping):
        return {}
    return {str(k): v for k, v in d.items() if v is None or isinstance(v, (str, int, float, bool))}


def _serving(scorecard: Scorecard) -> dict | None:
    sec = scorecard.sections.get("serving")
    if not isinstance(sec, Mapping) or not sec.get("candidates"):
        return None
    env = sec.get("environment", {}) if isinstance(sec.get("environment"), Mapping) else {}
    rows = []
    measures: list[str] = []
    for c in sec["candidates"]:
        figs = c.get("figures", {}) if isinstance(c.get("figures"), Mapping) else {}
        for m in SERVING_MEASURES:
            if m in figs and m not in measures:
                measures.append(m)
        rows.append(
            {
                "candidate": c.get("name"),
                "variant": c.get("variant"),
                "runtime": c.get("runtime"),
                "status": c.get("status"),
                "reason": c.get("reason"),
                "best_batch_size": c.get("best_batch_size"),
                "figures": {m: figs.get(m) for m in SERVING_MEASURES if m in figs},
            }
        )
    measures.sort(key=SERVING_MEASURES.index)
    return {
        "assumptions": _scalar_items(sec.get("assumptions")),
        "environment": {
            k: env.get(k) for k in ("cpu_model", "logical_cores", "usable_cores", "threads", "python", "platform")
        }
        | {"busy": bool(env.get("busy", sec.get("busy", False))), "busy_note": env.get("busy_note")},
        "notes": [str(n) for n in sec.get("notes", ())],
        "measures": measures,
        "rows": rows,
        "unmeasured": [
            str(u) if not isinstance(u, Mapping) else str(u.get("name", u)) for u in sec.get("unmeasured", ())
        ],
    }


def _drift(scorecard: Scorecard) -> dict | None:
    out: dict[str, Any] = {"decay": None, "features": None, "backtest": None}
    decay = scorecard.sections.get("decay")
    if isinstance(decay, Mapping) and decay.get("candidates"):
        out["decay"] = {
            "metric": decay.get("metric"),
            "unit": decay.get("unit"),
            "window": decay.get("window"),
            "windows": list(decay.get("windows", ())),
            "rule": decay.get("rule", ""),
            "candidates": {
                name: {
                    "decay_per_month": c.get("decay_per_month"),
                    "gap_first_last": c.get("gap_first_last"),
                    "series": dict(c.get("series", {})),
                }
                for name, c in decay["candidates"].items()
                if isinstance(c, Mapping)
            },
        }
    drift = scorecard.sections.get("drift")
    if isinstance(drift, Mapping) and drift.get("features"):
        feats = [
            {k: f.get(k) for k in ("feature", "kind", "psi", "reading", "test", "p_value")} for f in drift["features"]
        ]
        out["features"] = {
            "reference": drift.get("reference"),
            "current": drift.get("current"),
            "rule": drift.get("rule", ""),
            "counts": dict(drift.get("counts", {})),
            "features": feats,
        }
    bt = scorecard.sections.get("backtest")
    if isinstance(bt, Mapping) and bt.get("rows"):
        keep = ("candidate", "age_months", "train_start", "train_end", "n_train", "n_test", "refit", "reason")
        metric_keys: list[str] = []
        for r in bt["rows"]:
            for k, v in r.items():
                if k not in keep and k not in ("test_window", "seconds", "notes") and k not in metric_keys:
                    if isinstance(v, (int, float)) and not isinstance(v, bool) or v is None:
                        metric_keys.append(k)
        out["backtest"] = {
            "test_window": bt.get("test_window"),
            "train_window_months": bt.get("train_window_months"),
            "rule": bt.get("rule", ""),
            "metrics": metric_keys,
            "rows": [{k: r.get(k) for k in keep + tuple(metric_keys)} for r in bt["rows"]],
            "supplied": [
                {k: r.get(k) for k in ("candidate", "n_test", "reason", *metric_keys)} for r in bt.get("supplied", ())
            ],
        }
    return out if any(v is not None for v in out.values()) else None


def _provenance(
    scorecard: Scorecard, sc_sha: str, decision: Mapping | None, decision_sha: str | None, generated_at: str
) -> dict:
    prov = dict(scorecard.provenance)
    ds = dict(scorecard.dataset)
    fp = ds.get("fingerprint") if isinstance(ds.get("fingerprint"), Mapping) else {}
    out: dict[str, Any] = {
        "generated_at": generated_at,
        "generator": {"name": "tradeoffs", "version": _version()},
        "scorecard": {
            "sha256": sc_sha,
            "schema_version": scorecard.schema_version,
            "created_at": scorecard.created_at or None,
            "evaluated_at": prov.get("evaluated_at"),
            "settings": _scalar_items(scorecard.settings),
            "versions": {str(k): str(v) for k, v in dict(prov.get("versions", {}) or {}).items()},
            "machine": _scalar_items(prov.get("machine")),
        },
        "dataset": {
            "source": ds.get("source"),
            "sha256": (fp or {}).get("sha256") or ds.get("sha256"),
            "size_bytes": (fp or {}).get("size_bytes"),
            "rows": ds.get("rows"),
            "columns": (fp or {}).get("columns"),
        },
        "decision": None,
    }
    if decision is not None:
        dp = decision.get("provenance", {})
        settings = decision.get("settings", {})
        out["decision"] = {
            "sha256": decision_sha,
            "schema_version": decision.get("schema_version"),
            "decided_at": dp.get("decided_at"),
            "scorecard_sha256": dp.get("scorecard_sha256"),
            "matches_scorecard": dp.get("scorecard_sha256") == sc_sha,
            "settings": {
                k: (json.dumps(v, sort_keys=True) if isinstance(v, (Mapping, list)) else v) for k, v in settings.items()
            },
        }
    return out


# ---- entry point ----------------------------------------------------------------------------------
def build_report(
    scorecard: Scorecard,
    decision: Decision | Mapping | None = None,
    *,
    signoffs: Iterable[SignOff | Mapping] = (),
    rationale: str | None = None,
    now: datetime | str,
    selected: str | None = None,
    provisional: bool = False,
    decision_sha256: str | None = None,
) -> Report:
    """Assemble the report record from a scorecard and (optionally) a decision.

    Parameters
    ----------
    scorecard : Scorecard
        The measurements (a loaded scorecard or one built from a metrics table).
    decision : Decision or mapping, optional
        The decision (a :class:`~analysis.decision.Decision` or its ``tradeoffs.decision`` JSON
        record). Without one the report presents the scorecard and says "no decision recorded".
    signoffs : iterable of SignOff or mappings
        Sign-offs to show (role, name, at, comment).
    rationale : str, optional
        Why the team chose as it did, in its own words.
    now : datetime or str
        The report's timestamp (passed in, so the same inputs give the same report).
    selected : str, optional
        The candidate the team picked when it differs from the group rule's choice.
    provisional : bool
        True when ``decision`` was computed only for this report (nothing was recorded): the report
        shows the profiles' views and the rule's pick as provisional.
    decision_sha256 : str, optional
        The SHA-256 of the decision file as read (the command line passes it); by default it is
        computed from ``decision`` as ``tradeoffs decide`` writes it.

    Returns
    -------
    Report
        Deterministic: the same inputs and ``now`` give an equal record (and byte-identical
        Markdown and JSON).
    """
    if not isinstance(scorecard, Scorecard):
        raise InputError(f"build_report needs a Scorecard; got {type(scorecard).__name__}.")
    generated_at = _iso(now)
    sc_sha = scorecard.sha256  # the same digest of scorecard_to_json, computed once per scorecard
    warnings: list[str] = []
    dec = dec_sha = None
    if decision is not None:
        dec, dec_sha = decision_record_dict(decision, sha256=decision_sha256)
        extra = [c for c in dec["candidates"] if c not in set(scorecard.candidate_names)]
        if extra:
            raise InputError(
                f"the decision names candidate(s) {', '.join(map(str, extra[:5]))} that the scorecard lacks: it was "
                "made from another scorecard. Pass the scorecard the decision was made from."
            )
        recorded = dec.get("provenance", {}).get("scorecard_sha256")
        if recorded and recorded != sc_sha:
            warnings.append(
                f"the decision record was made from a scorecard with SHA-256 {recorded[:12]}…, but this report's "
                f"scorecard has {sc_sha[:12]}…: check that they belong together."
            )
    if selected is not None:
        if dec is None:
            raise InputError("a selected candidate needs a decision record to compare it with.")
        if selected not in scorecard.candidate_names:
            raise InputError(f"selected candidate {selected!r} is not in the scorecard.")
    status = "none" if dec is None else ("provisional" if provisional else "decided")
    assert status in STATUSES
    objectives = _objectives(scorecard, dec)
    dataset = _dataset(scorecard)
    warnings += [f"the evaluation data: {w}" for w in dataset["warnings"]]
    table = _table(scorecard, objectives)
    tradeoff = _tradeoff(table, objectives)
    choice = _add_switch(_choice(dec, selected), dec, scorecard) if dec is not None else None
    if choice is not None:
        choice["operating_point"] = operating_point_of(scorecard, choice.get("chosen"))
    focus = []
    if choice is not None:
        focus = [c for c in (choice["chosen"], choice["group_choice"], choice["incumbent"]) if c is not None]
        focus = [c for c in focus if c in scorecard.candidate_names]
        focus = list(dict.fromkeys(focus))
    serving = _serving(scorecard)
    if serving is not None and serving["environment"].get("busy"):
        warnings.append(
            "serving was measured on a busy machine: tail latencies (p99) may be inflated; re-measure on an idle one."
        )
    drift = _drift(scorecard)
    if dec is not None:
        warnings += [str(w) for w in dec.get("warnings", ())]
    signs = tuple(SignOff.from_any(s) for s in signoffs)
    parts = {
        "question": _question(scorecard, dataset, objectives),
        "candidates": _candidates(scorecard, dec),
        "metrics": _metrics(scorecard),
        "choice": choice,
        "why": _why(dec, tradeoff) if dec is not None else ({"tradeoff": tradeoff} if tradeoff else None),
        "robustness": _robustness(dec) if dec is not None else None,
        "fairness": _fairness(scorecard, objectives, focus),
        "explanations": _explanations(scorecard),
        "serving": serving,
        "drift": drift,
        "provenance": _provenance(scorecard, sc_sha, dec, dec_sha, generated_at),
    }
    parts = {k: _tidy(v) for k, v in parts.items()}
    if parts["choice"] is not None and parts["choice"].get("operating_point"):
        # what to deploy keeps every digit: a threshold rounded to six would select other rows than those counted
        exact = _plain(operating_point_of(scorecard, choice.get("chosen")))
        for key in ("threshold", "fold_thresholds", "by_group"):
            if key in exact:
                parts["choice"]["operating_point"][key] = exact[key]
    summary = build_summary(status=status, rationale=rationale, warnings=warnings, **parts)
    title = build_title(status, parts["choice"])
    return Report(
        generated_at=generated_at,
        status=status,
        title=title,
        summary=summary,
        question=freeze(parts["question"]),
        candidates=freeze(parts["candidates"]),
        metrics=freeze(parts["metrics"]),
        choice=freeze(parts["choice"]),
        why=freeze(parts["why"]),
        robustness=freeze(parts["robustness"]),
        fairness=freeze(parts["fairness"]),
        explanations=freeze(parts["explanations"]),
        serving=freeze(parts["serving"]),
        drift=freeze(parts["drift"]),
        signoffs=signs,
        rationale=rationale if rationale else None,
        warnings=tuple(dict.fromkeys(warnings)),
        provenance=freeze(parts["provenance"]),
    )
