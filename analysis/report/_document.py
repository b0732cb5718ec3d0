"""The report's content as a list of simple blocks, rendered by the HTML and Markdown exporters.

Deciding *what* to say lives here, once; ``_html`` and ``_markdown`` only decide *how* to write
it. Every string in a block is plain text: renderers escape it for their format (so a hostile
candidate name cannot become markup in either). Human-readable formats show at most
:data:`MAX_ROWS` candidates in per-candidate tables (the chosen one and the runners-up first, and
they say how many are left out); the JSON record always has everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analysis.report._figures import focus_order
from analysis.report._format import (
    fmt_change,
    fmt_fixed,
    fmt_interval,
    fmt_number,
    fmt_share,
    interval_phrase,
    join_names,
)
from analysis.report._record import Report
from analysis.report._summary import compared_sentence, no_feasible_details

#: Per-candidate tables show at most this many candidates in HTML, PDF and Markdown.
MAX_ROWS = 50
#: Candidates per column group in the objectives x candidates tables (values with intervals are wide).
COLUMNS_PER_TABLE = 5
#: Serving figures in the serving table (every measure is in the measurements table).
SERVING_COLUMNS = (
    "latency_ms_p50",
    "latency_ms_p99",
    "throughput_rows_per_s",
    "model_size_mb",
    "cost_usd_per_million",
    "cost_usd_per_million_batch",
)
_GROUP_LABELS = {
    "selection_rate": "Selection rate",
    "accuracy": "Accuracy",
    "tpr": "True-positive rate",
    "fpr": "False-positive rate",
    "mae": "Mean absolute error",
}


@dataclass(frozen=True)
class Strong:
    """Emphasised text."""

    text: str


@dataclass(frozen=True)
class Code:
    """Literal text: hashes, paths, constraint expressions."""

    text: str


@dataclass(frozen=True)
class Swatch:
    """A candidate name with its colour (the colour is shown in HTML only)."""

    name: str


@dataclass(frozen=True)
class Break:
    """A line break inside a table cell or a paragraph."""


Part = str | Strong | Code | Swatch | Break
Cell = Part | tuple | None


@dataclass(frozen=True)
class Heading:
    """A section (level 2) or sub-section (level 3) title."""

    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    """A paragraph; ``kind`` is ``""``, ``"summary"``, ``"note"`` or ``"warning"``."""

    parts: tuple
    kind: str = ""


@dataclass(frozen=True)
class Items:
    """A bulleted list; each item is a tuple of parts."""

    items: tuple


@dataclass(frozen=True)
class Table:
    """A table; ``numeric`` lists the columns to right-align."""

    headers: tuple
    rows: tuple
    numeric: tuple = ()
    caption: str = ""


@dataclass(frozen=True)
class Facts:
    """Label/value pairs shown as a box (the key facts)."""

    pairs: tuple


@dataclass(frozen=True)
class Figure:
    """A chart slot, filled by the renderer (interactive in HTML, an image in PDF, a note in Markdown)."""

    figure_id: str


Block = Heading | Para | Items | Table | Facts | Figure

SECTIONS: tuple[tuple[str, str], ...] = (
    ("signoffs", "Sign-offs"),
    ("question", "The question and the data"),
    ("candidates", "The candidates"),
    ("choice", "The choice"),
    ("switch", "The model in production"),
    ("why", "Why"),
    ("robustness", "How robust the choice is"),
    ("metrics", "Every measurement"),
    ("fairness", "Fairness"),
    ("explanations", "What the models rely on"),
    ("serving", "Serving and cost"),
    ("drift", "Drift and decay"),
    ("warnings", "Warnings"),
    ("provenance", "Provenance"),
)


def _obj(report: Report, name: str) -> tuple[str, str]:
    o = report.objective(name)
    return (str(o["label"]), str(o.get("unit") or "")) if o else (name, "")


def _shown(report: Report, names: Sequence[str]) -> tuple[list[str], int]:
    """At most MAX_ROWS of ``names`` (focus first), kept in the given order."""
    names = list(names)
    if len(names) <= MAX_ROWS:
        return names, 0
    keep = set([c for c in focus_order(report) if c in set(names)][:MAX_ROWS])
    shown = [c for c in names if c in keep]
    return shown, len(names) - len(shown)


def _left_out(n: int, what: str = "candidate(s)") -> list[Block]:
    return [Para((f"{n:,} more {what} not shown here; the JSON record has them all.",), "note")] if n else []


def _plain_value(v: Any) -> str:
    """An assumption as given (numbers unrounded: they are inputs, not measurements)."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    return "missing" if v is None else str(v)


def _yesno(v: Any) -> str:
    return "missing" if v is None else ("yes" if v else "no")


# ---- sections -------------------------------------------------------------------------------------
def _mix_text(m: dict) -> str:
    """One group's randomised thresholds in words: ``"0.43 above 0.706 + 0.57 above 0.701"``."""

    def t(v) -> str:
        return f"{v:.4g}" if isinstance(v, int | float) else str(v)

    if "threshold" in m:  # set by hand: one plain threshold, to deploy as written
        v = m["threshold"]
        return f"at or above {v:.6g}" if isinstance(v, int | float) else f"at or above {v}"
    text = f"{m.get('p0', 0):.2f} above {t(m.get('t0'))} + {m.get('p1', 0):.2f} above {t(m.get('t1'))}"
    if m.get("p_ignore"):
        text += f", mixed {m['p_ignore']:.2f} with a constant {m.get('constant', 0):.3g}"
    return text


def _header(report: Report) -> list[Block]:
    out: list[Block] = [Para((report.summary,), "summary")]
    pairs: list[tuple[str, Any]] = []
    c = report.choice
    status = {"decided": "decision recorded", "provisional": "no decision recorded (provisional view)"}.get(
        report.status, "no decision recorded"
    )
    pairs.append(("Status", status))
    if c is not None:
        pairs.append(("Chosen", Swatch(c["chosen"]) if c.get("chosen") else "none"))
        if c.get("overrides_group_choice"):
            pairs.append(("Group rule's pick", Swatch(c["group_choice"]) if c.get("group_choice") else "none"))
        op = c.get("operating_point")
        hand = bool(op) and op.get("split") is None and not op.get("fold_thresholds")
        if op and hand:
            what = "probability" if op.get("score") == "y_prob" else "score"
            groups = ((op.get("by_group") or {}).get("groups")) or {}
            where = (
                f"thresholds per group of {op.get('attribute')} on {op['parent']}'s {what}: "
                + "; ".join(f"{g}: {_mix_text(m)}" for g, m in sorted(groups.items()))
                if groups
                else f"threshold {op['threshold']:.6g} on {op['parent']}'s {what} (predicted positive at or above it)"
            )
            pairs.append(
                (
                    "Deploy at",
                    f"{where}, set by hand in the dashboard. Its figures are measured on the same rows it was set on, "
                    "without intervals.",
                )
            )
        elif op and op.get("by_group"):
            groups = (op["by_group"] or {}).get("groups") or {}
            pairs.append(
                (
                    "Deploy at",
                    f"thresholds per group of {op.get('attribute')} on {op['parent']}'s "
                    f"{'probability' if op.get('score') == 'y_prob' else 'score'} (rule {op['rule']}, fairlearn's "
                    "ThresholdOptimizer semantics; each row positive with probability p0 above t0 plus p1 above "
                    "t1): "
                    + "; ".join(f"{g}: {_mix_text(m)}" for g, m in sorted(groups.items()))
                    + ". Its figures come from cross-fitting with seeded draws.",
                )
            )
        elif op:
            pairs.append(
                (
                    "Deploy at",
                    f"threshold {op['threshold']:.6g} on {op['parent']}'s "
                    f"{'probability' if op.get('score') == 'y_prob' else 'score'} (rule "
                    f"{op['rule']}; predicted positive at or above it). Its figures come from "
                    f"{(op.get('split') or {}).get('folds', 2)}-fold cross-fitting: thresholds "
                    + ", ".join(f"{t:.6g}" for t in op.get("fold_thresholds") or ())
                    + ".",
                )
            )
        pairs.append(("Rule", f"{c['rule']}: {c.get('rule_description') or ''}".rstrip(": ")))
        pairs.append(("Runners-up", join_names(c.get("runners_up", ()))))
        pairs.append(("In production today", Swatch(c["incumbent"]) if c.get("incumbent") else "not named"))
        share = (report.robustness or {}).get("win_share", {}).get(c.get("group_choice"))
        if share is not None and (report.robustness or {}).get("n_samples"):
            pairs.append(("Wins when re-run", fmt_share(share)))
        feasible = sum(1 for x in report.candidates if x.get("feasible"))
        pairs.append(("Meet every hard constraint", f"{feasible} of {len(report.candidates)}"))
        pairs.append(("Compared by the group rules", f"{len(c.get('considered', ()))} of {len(report.candidates)}"))
    else:
        pairs.append(("Candidates", str(len(report.candidates))))
    pairs.append(("Sign-offs", str(len(report.signoffs)) if report.signoffs else "none yet"))
    pairs.append(("Generated", report.generated_at))
    out.append(Facts(tuple(pairs)))
    return out


def _lines(texts) -> tuple:
    """Texts separated by line breaks (one violation per line)."""
    out: list = []
    for i, t in enumerate(texts):
        if i:
            out.append(Break())
        out.append(t)
    return tuple(out)


def _signoffs(report: Report) -> list[Block]:
    if not report.signoffs:
        return [Para(("No sign-offs recorded in this report.",), "note")]
    rows = tuple((s.role, s.name, s.at, s.comment or "") for s in report.signoffs)
    return [Table(("Role", "Name", "Signed at", "Comment"), rows)]


def _question(report: Report) -> list[Block]:
    q = report.question
    d = q.get("dataset") or {}
    out: list[Block] = [Para((q["text"],))]
    pairs = [("Task", q.get("task") or "")]
    for key, label in (("source", "Data"), ("target", "Target"), ("positive_label", "Positive label")):
        if d.get(key) not in (None, ""):
            pairs.append((label, Code(str(d[key])) if key == "source" else str(d[key])))
    if d.get("rows") is not None:
        pairs.append(("Rows evaluated", f"{d['rows']:,}"))
    if d.get("class_counts"):
        pairs.append(("Class counts", ", ".join(f"{k}: {v:,}" for k, v in d["class_counts"].items())))
    if d.get("sensitive"):
        pairs.append(("Sensitive attributes", ", ".join(d["sensitive"])))
    if d.get("time"):
        pairs.append(("Time column", str(d["time"])))
    if d.get("value_matrix"):
        pairs.append(("Value per prediction", "; ".join(f"{k} = {v}" for k, v in d["value_matrix"].items())))
    fp = d.get("fingerprint")
    if fp:
        pairs.append(("Data fingerprint (SHA-256)", Code(str(fp.get("sha256") or "missing"))))
        if fp.get("size_bytes") is not None:
            pairs.append(("File", f"{fp.get('path') or ''} · {fp['size_bytes']:,} bytes · {fp.get('columns')} columns"))
    out.append(Facts(tuple(pairs)))
    weighted = sorted((o for o in q["objectives"] if o.get("weight_share")), key=lambda o: -o["weight_share"])
    rest = [o for o in q["objectives"] if not o.get("weight_share")]
    if weighted:
        out.append(Heading(3, "What the stakeholders weighed"))
        rows = tuple(
            (
                o["label"],
                "higher" if o["direction"] == "max" else "lower",
                "" if o.get("unit") in (None, "", "yes=1") else o["unit"],
                fmt_share(o["weight_share"]),
                o.get("description") or "",
            )
            for o in weighted
        )
        out.append(Table(("Objective", "Better", "Unit", "Share of all weight", "What it means"), rows, numeric=(3,)))
    if rest:
        title = "Also measured (not weighted)" if weighted else "Objectives measured"
        out.append(Heading(3, title))
        rows = tuple(
            (o["label"], "higher" if o["direction"] == "max" else "lower", o.get("description") or "") for o in rest
        )
        out.append(Table(("Objective", "Better", "What it means"), rows))
    return out


def _candidates(report: Report) -> list[Block]:
    rows = []
    for c in report.candidates:
        kind = " · ".join(str(x) for x in (c.get("model_type") or c.get("kind"), c.get("format")) if x)
        feas = c.get("feasible")
        rows.append(
            (
                Swatch(c["name"]),
                kind,
                c.get("status") or "",
                _yesno(feas) if feas is not None else "",
                _yesno(c.get("pareto_optimal")) if c.get("pareto_optimal") is not None else "",
                _compared(c),
                _lines(list(c.get("violations", ())) + list(c.get("errors", ()))),
            )
        )
    return [
        Table(
            (
                "Candidate",
                "Model",
                "Status",
                "Meets every constraint",
                "On the Pareto front",
                "Compared by the group rules",
                "Why not / errors",
            ),
            tuple(rows),
        ),
        Para(("File hashes are under Provenance.",), "note"),
    ]


def _compared(candidate) -> str:
    considered = candidate.get("considered")
    if considered is None:
        return ""
    return "yes" if considered else "no (see The choice)"


def _choice(report: Report) -> list[Block]:
    c = report.choice
    if c is None:
        return [Para(("No decision recorded.",), "warning")]
    out: list[Block] = []
    if report.status == "provisional":
        out.append(
            Para(
                ("No decision recorded. What follows is what the group rule would pick from these profiles now.",),
                "warning",
            )
        )
    chosen = c.get("chosen")
    text: list[Any] = ["Chosen: ", Swatch(chosen) if chosen else "none", f", by the {c['rule']} rule"]
    if c.get("rule_description"):
        text.append(f" ({c['rule_description']})")
    text.append(f", scoring each stakeholder's view with {c['method']}.")
    out.append(Para(tuple(text)))
    if (c.get("operating_point") or {}).get("curve"):
        out.append(Figure("operating-point"))
    if c.get("overrides_group_choice"):
        out.append(
            Para(
                ("The team overrode the group rule, which picked ", Swatch(c["group_choice"] or "none"), "."), "warning"
            )
        )
    if not c.get("any_feasible"):
        reason = c.get("no_feasible_reason")
        out.append(
            Para(
                (
                    "No candidate satisfies every profile's hard constraints"
                    + (f": {no_feasible_details(reason)}" if reason else ".")
                    + " Whichever candidate is picked breaks at least one of them.",
                ),
                "warning",
            )
        )
    out.append(Para((compared_sentence(c, len(report.candidates), reasons=False),)))
    if c.get("excluded"):
        out.append(
            Table(
                ("Left out of the group rules", "Why"),
                tuple((Swatch(x["candidate"]), x["reason"]) for x in c["excluded"]),
            )
        )
    not_taking = list(c.get("profiles_not_taking_part") or ())
    if not_taking:
        out.append(
            Para(
                (
                    "Could not take part in the group rules: "
                    + "; ".join(f"{x['role']} ({x['reason']})" for x in not_taking)
                    + ".",
                ),
                "warning",
            )
        )
    absent = {x["profile"]: x["reason"] for x in not_taking}
    out.append(Heading(3, "Each stakeholder's favourite"))
    out.append(
        Table(
            ("Stakeholder", "Favourite"),
            tuple(
                (
                    f["role"],
                    f"takes no part: {absent[f['profile']]}"
                    if f["profile"] in absent
                    else (Swatch(f["favourite"]) if f.get("favourite") else "none that meets their constraints"),
                )
                for f in c["favourites"]
            ),
        )
    )
    out.append(Heading(3, "The group rules side by side"))
    rows = tuple(
        (
            Strong(r["rule"]) if r["rule"] == c["rule"] else r["rule"],
            r.get("description") or "",
            Swatch(r["winner"]) if r.get("winner") else "none",
            join_names(r.get("winners", ())) if len(r.get("winners", ())) > 1 else "",
        )
        for r in c.get("rules", ())
    )
    out.append(Table(("Rule", "Picks the candidate with", "Winner", "Tied at the top"), rows))
    if c.get("disagree"):
        out.append(Para(("The rules disagree, so the choice depends on how the group weighs its members.",), "note"))
    if c.get("condorcet_winner"):
        out.append(
            Para(
                (
                    "Condorcet winner (beats every other compared candidate head to head): ",
                    Swatch(c["condorcet_winner"]),
                    ".",
                )
            )
        )
    return out


def switch_title(report: Report) -> str:
    """The title of the section on the model in production (it names both models when it can)."""
    c = report.choice or {}
    incumbent, chosen = c.get("incumbent"), c.get("chosen")
    if incumbent and chosen and incumbent != chosen:
        return f"What changes if we switch from {incumbent} to {chosen}"
    if incumbent and chosen == incumbent:
        return f"Keep {incumbent}"
    return "The model in production"


def _overlap(clear: Any) -> str:
    if clear is None:
        return "unknown (no interval)"
    return "do not overlap" if clear else "intervals overlap: may be noise"


def _switch(report: Report) -> list[Block]:
    c = report.choice
    if c is None:
        return [Para(("No decision recorded, so there is no switch to describe.",), "note")]
    incumbent, chosen = c.get("incumbent"), c.get("chosen")
    left_out = {x["candidate"]: x["reason"] for x in c.get("excluded") or ()}
    if not incumbent:
        return [
            Para(
                (
                    "No model in production (incumbent) was named for this decision, so nothing is compared with "
                    "what runs today. Name it with ",
                    Code("--incumbent NAME"),
                    " (tradeoffs evaluate, decide or report).",
                ),
                "note",
            )
        ]
    out: list[Block] = []
    if incumbent not in report.candidate_names:
        out.append(
            Para(
                (f"The incumbent {incumbent} is not among the candidates measured, so it cannot be compared.",),
                "warning",
            )
        )
        return out
    if incumbent in left_out:
        out.append(
            Para(("The group rules left the incumbent ", Swatch(incumbent), f" out: {left_out[incumbent]}."), "warning")
        )
    if chosen is None:
        out.append(Para(("No candidate was chosen, so nothing replaces ", Swatch(incumbent), "."), "note"))
        return out
    if chosen == incumbent:
        rule = c.get("rule_description") or c["rule"]
        fans = [f["role"] for f in c.get("favourites", ()) if f.get("favourite") == incumbent]
        text: list[Any] = [
            "Keep ",
            Swatch(incumbent),
            f": the {c['rule']} rule ({rule}) picks the model already in production",
        ]
        text.append(f" among the {len(c.get('considered', ()))} candidates it compared.")
        out.append(Para(tuple(text)))
        if fans:
            out.append(Para((f"It is the favourite of {join_names(fans)}.",)))
        if c.get("runners_up"):
            out.append(Para((f"The closest alternatives: {join_names(c['runners_up'])}.",)))
        if not c.get("any_feasible"):
            out.append(
                Para(("It still breaks at least one stakeholder's hard constraint (see the choice above).",), "warning")
            )
        return out
    rows = list(c.get("switch") or ())
    to = c.get("switch_to") or chosen
    out.append(
        Para(
            (
                "Each objective, ",
                Swatch(incumbent),
                " (in production) against ",
                Swatch(to),
                f" (chosen), with {interval_phrase(report.confidence, 'confidence intervals')} in brackets.",
            )
        )
    )
    if not c.get("any_feasible"):
        out.append(
            Para((Swatch(to), " breaks at least one stakeholder's hard constraint (see the choice above)."), "warning")
        )
    if not rows:
        out.append(Para(("The decision record has no objective measured for both models.",), "note"))
        return out
    table_rows = []
    for r in rows:
        unit = r.get("unit") or ""
        unit = "" if unit == "yes=1" else unit
        verdict = {True: " (better)", False: " (worse)"}.get(r.get("better"), "")
        table_rows.append(
            (
                r.get("label") or r["objective"],
                "higher" if r.get("direction") == "max" else "lower",
                fmt_interval(r.get("incumbent"), r.get("incumbent_ci_low"), r.get("incumbent_ci_high"), unit),
                fmt_interval(r.get("chosen"), r.get("chosen_ci_low"), r.get("chosen_ci_high"), unit),
                (
                    "no change"
                    if r.get("change") is not None and r.get("better") is None
                    else fmt_change(r.get("change"), unit)
                )
                + verdict,
                _overlap(r.get("clear")),
            )
        )
    out.append(
        Table(
            (
                "Objective",
                "Better",
                (Swatch(incumbent), " (in production)"),
                (Swatch(to), " (chosen)"),
                "Change",
                "Intervals",
            ),
            tuple(table_rows),
            numeric=(2, 3, 4),
        )
    )
    out.append(
        Para(
            (
                "Each interval describes one model on its own. Intervals that do not overlap suggest a real "
                "difference; overlapping ones mean the difference may be noise. The record holds no paired test "
                "of these two models, so neither is a significance test.",
            ),
            "note",
        )
    )
    return out


def _why(report: Report) -> list[Block]:
    w = report.why
    out: list[Block] = []
    if w is None:
        return [Para(("No decision recorded, so there are no stakeholder views to explain.",), "note")]
    if "profiles" not in w:
        out.append(Para(("No decision recorded; the chart shows the trade-off between two key objectives.",), "note"))
        out.append(Figure("tradeoff"))
        return out
    out.append(Heading(3, "Hard constraints"))
    if w["constraints"]:
        out.append(
            Items(
                tuple(
                    (Code(c["constraint"]), f" ({c['profile']})" if c.get("profile") else "") for c in w["constraints"]
                )
            )
        )
    else:
        out.append(Para(("No stakeholder set a hard constraint.",)))
    if w["infeasible"]:
        out.append(
            Table(
                ("Candidate ruled out", "Constraint it breaks"),
                tuple((Swatch(x["candidate"]), _lines(x["violations"])) for x in w["infeasible"]),
            )
        )
    if w.get("unverifiable"):
        out.append(
            Para(
                (
                    "Could not be checked (a measurement is missing): "
                    + "; ".join(f"{u['candidate']}: {', '.join(u['checks'])}" for u in w["unverifiable"]),
                ),
                "note",
            )
        )
    p = w["pareto"]
    out.append(Heading(3, "The Pareto front"))
    front = p["front"]
    out.append(
        Para(
            (
                f"{len(front)} of {len(report.candidates)} candidates are on the Pareto front of the "
                f"{len(p['objectives'])} weighted objectives: no other candidate is at least as good on every one "
                "and better on one. ",
                "On the front: " + join_names(front, limit=12) + "." if front else "",
                (
                    " Not placed (a weighted objective is missing): "
                    + join_names(p["excluded_missing_values"], limit=12)
                    + "."
                )
                if p.get("excluded_missing_values")
                else "",
            )
        )
    )
    if p.get("dominated_by"):
        shown = list(p["dominated_by"].items())[:MAX_ROWS]
        out.append(
            Table(
                ("Dominated candidate", "Beaten on every objective by"), tuple((Swatch(c), Swatch(d)) for c, d in shown)
            )
        )
    if p.get("trades"):
        out.append(Items(tuple((t,) for t in p["trades"][:10])))
    out.append(Figure("tradeoff"))
    out.append(Heading(3, "Each stakeholder's view"))
    for prof in w["profiles"]:
        out.append(Para((Strong(prof["role"]), f" ({prof['name']}, influence {fmt_number(prof['influence'])})")))
        if prof.get("rationale"):
            out.append(Para((prof["rationale"],), "note"))
        weights = ", ".join(
            f"{_obj(report, k)[0]} {fmt_share(v)}" for k, v in sorted(prof["weights"].items(), key=lambda kv: -kv[1])
        )
        items: list[tuple] = []
        if not prof.get("takes_part", True):
            items.append(
                ("Takes no part in the group rules: ", prof.get("cannot_take_part_reason") or "nothing to rank on")
            )
        items.append(("Weights: ", weights or "none"))
        resolution = prof.get("resolution") or {}
        if resolution:
            items.append(
                (
                    "Kinds of objective resolved: ",
                    "; ".join(
                        f"{kind} → {', '.join(_obj(report, o)[0] for o in objs) if objs else 'not measured'}"
                        for kind, objs in resolution.items()
                    ),
                )
            )
        if prof["constraints"]:
            items.append(("Hard constraints: ", *[x for c in prof["constraints"] for x in (Code(c), " ")]))
        items += [("Note: ", n) for n in prof.get("notes", ())]
        if prof["missing_objectives"]:
            items.append(("Not measured, left out: ", ", ".join(prof["missing_objectives"])))
        if prof.get("partial"):
            items.append(
                (
                    "Scored on part of their objectives (weights rescaled over what was measured): ",
                    "; ".join(
                        f"{x['candidate']} (without {', '.join(_obj(report, o)[0] for o in x['scored_without'])})"
                        for x in prof["partial"]
                    ),
                )
            )
        if prof.get("unscored"):
            items.append(("Not scored (measurements missing): ", join_names(prof["unscored"])))
        top = [t for t in prof["top"] if t.get("feasible") is not False and t.get("score") is not None][:3]
        if top:
            ranking: list[Any] = ["Best for them: "]
            for i, t in enumerate(top):
                ranking += [Swatch(t["candidate"]), f" ({fmt_fixed(t['score'])})"]
                if i < len(top) - 1:
                    ranking.append(", ")
            items.append(tuple(ranking))
        elif prof.get("takes_part", True):
            items.append(("Best for them: none satisfies their constraints",))
        out.append(Items(tuple(items)))
    out.append(Heading(3, "What each stakeholder gives up (regret)"))
    out.append(
        Para(
            (
                "Regret is how far a candidate falls short of a stakeholder's own favourite, on their utility "
                "scale (0 = their favourite). The minimax-regret rule picks the candidate whose largest regret is "
                "smallest.",
            )
        )
    )
    out.append(Figure("regret"))
    considered, more = _shown(report, (report.choice or {}).get("considered", ()))
    roles = {x["name"]: x["role"] for x in w["profiles"]}
    for key, title in (("regret", "Regret"), ("utilities", "Utility (higher is better)")):
        table = w.get(key) or {}
        if not table:
            continue
        for start in range(0, len(considered), COLUMNS_PER_TABLE):
            cols = considered[start : start + COLUMNS_PER_TABLE]
            rows = tuple((roles.get(pn, pn), *[fmt_fixed(table[pn].get(c)) for c in cols]) for pn in table)
            out.append(
                Table(
                    (title, *[Swatch(c) for c in cols]),
                    rows,
                    numeric=tuple(range(1, len(cols) + 1)),
                )
            )
    out += _left_out(more)
    return out


def _robustness(report: Report) -> list[Block]:
    r = report.robustness
    if r is None:
        return [Para(("No decision recorded, so there is no choice to test.",), "note")]
    out: list[Block] = []
    chosen = (report.choice or {}).get("group_choice")
    n = r.get("n_samples") or 0
    if n:
        out.append(
            Para(
                (
                    f"The whole group decision was re-run {n:,} times with the weights of every stakeholder taking "
                    "part resampled around their own and every measurement resampled within its confidence interval, "
                    f"among the {len((report.choice or {}).get('considered', ()))} compared candidates. ",
                    Swatch(chosen) if chosen else "",
                    f" won {fmt_share(r['win_share'].get(chosen))} of them." if chosen else "",
                )
            )
        )
        out.append(Figure("win-share"))
    ties = r.get("ties") or ()
    out.append(
        Para(
            (
                ("Statistically tied with the chosen candidate: " + join_names(ties) + ".")
                if ties
                else "No other compared candidate is statistically tied with the chosen one.",
            )
        )
    )
    if r.get("undetermined"):
        out.append(Para(("Cannot tell (no uncertainty measured): " + join_names(r["undetermined"]) + ".",), "note"))
    out.append(Para((r.get("ties_rule") or "",), "note"))
    loo = r.get("leave_one_out") or {}
    if loo.get("changes"):
        out.append(
            Table(
                ("Without this candidate", "the pick would be"),
                tuple(
                    (Swatch(c["removed"]), Swatch(c["new_winner"]) if c["new_winner"] else "none")
                    for c in loo["changes"]
                ),
            )
        )
    elif chosen:
        out.append(Para(("Removing any single other candidate does not change the pick.",)))
    if loo.get("note"):
        out.append(Para((loo["note"],), "note"))
    if r.get("profiles"):
        out.append(Heading(3, "Each stakeholder's favourite under uncertainty"))
        rows = []
        for p in r["profiles"]:
            winner = p.get("winner")
            safe = [
                f"{_obj(report, i['objective'])[0]} {fmt_share(i['low'])}–{fmt_share(i['high'])}"
                for i in p["weight_intervals"]
                if i.get("low") is not None and i.get("high") is not None
            ]
            rows.append(
                (
                    p["role"],
                    Swatch(winner) if winner else "none",
                    fmt_share(p["first_share"].get(winner)) if winner else "",
                    "; ".join(safe) or p.get("stability_note") or "",
                    join_names(p.get("ties", ())) if p.get("ties") else "",
                )
            )
        out.append(
            Table(
                ("Stakeholder", "Favourite", "Ranks first in", "Weight ranges that keep it first", "Tied with"),
                tuple(rows),
                numeric=(2,),
            )
        )
    return out


def _metrics(report: Report) -> list[Block]:
    out: list[Block] = [Figure("intervals")]
    names, more = _shown(report, report.candidate_names)
    metrics = report.metric_map()
    for start in range(0, len(names), COLUMNS_PER_TABLE):
        cols = names[start : start + COLUMNS_PER_TABLE]
        rows = []
        for o in report.objectives:
            vals = [metrics.get((c, o["name"])) for c in cols]
            if all(v is None or v["value"] is None for v in vals):
                continue
            unit = "" if o.get("unit") in ("", "yes=1") else f" ({o['unit']})"
            rows.append(
                (
                    o["label"] + unit + (" ↑" if o["direction"] == "max" else " ↓"),
                    *[fmt_interval(v["value"], v["ci_low"], v["ci_high"]) if v else "missing" for v in vals],
                )
            )
        out.append(
            Table(("Objective", *[Swatch(c) for c in cols]), tuple(rows), numeric=tuple(range(1, len(cols) + 1)))
        )
    out.append(
        Para(
            (
                f"Values with a {interval_phrase(report.confidence)} in brackets when one was measured; "
                "↑ higher is better, ↓ lower is better.",
            ),
            "note",
        )
    )
    out += _left_out(more)
    return out


def _group_flag(g) -> str:
    excluded = g.get("excluded_from_scoring")
    if g.get("small"):
        return " (too small, not scored)" if excluded else " (too small)"
    return " (not scored)" if excluded else ""


def _fairness(report: Report) -> list[Block]:
    f = report.fairness
    if f is None:
        return [Para(("The scorecard has no fairness measurements.",), "note")]
    out: list[Block] = []
    if f.get("objective_rule"):
        out.append(Para((f"Scored objectives use the {f['objective_rule']}.",), "note"))
    per_attr = list(f.get("attribute_objectives") or ())
    if per_attr:
        out.append(
            Para(
                (
                    "Per-attribute objectives in the scorecard: "
                    + ", ".join(_obj(report, x["objective"])[0] for x in per_attr)
                    + ".",
                ),
                "note",
            )
        )
    out.append(Figure("fairness"))
    names, more = _shown(report, report.candidate_names)
    keep = set(names)
    metrics = list(f.get("metrics", ()))
    heads = tuple(
        _obj(report, m)[0] + (" ↑" if (report.objective(m) or {}).get("direction") == "max" else " ↓")
        if report.objective(m)
        else m
        for m in metrics
    )
    for attr in f.get("attributes", ()):
        rows = tuple(
            (Swatch(r["candidate"]), *[fmt_number(r.get(m)) for m in metrics])
            for r in f["rows"]
            if r["attribute"] == attr and r["candidate"] in keep
        )
        if rows:
            out.append(Heading(3, f"By {attr}"))
            out.append(Table(("Candidate", *heads), rows, numeric=tuple(range(1, 1 + len(metrics)))))
    out += _left_out(more)
    if f.get("notes"):
        out.append(Items(tuple((n,) for n in f["notes"])))
    if f.get("groups"):
        who = list(f.get("groups_for", ()))
        out.append(Heading(3, f"Per group, for {join_names(who)}"))
        keys = []
        skip = ("candidate", "attribute", "group", "n", "small", "excluded_from_scoring")
        for g in f["groups"]:
            for k in g:
                if k not in skip and not k.endswith(("_ci_low", "_ci_high")) and k not in keys:
                    keys.append(k)
        several = len(who) > 1
        rows = tuple(
            (
                *((Swatch(g["candidate"]),) if several else ()),
                g["attribute"],
                g["group"],
                fmt_number(g.get("n")) + _group_flag(g),
                *[fmt_interval(g.get(k), g.get(f"{k}_ci_low"), g.get(f"{k}_ci_high")) for k in keys],
            )
            for g in f["groups"]
        )
        first = 1 if several else 0
        out.append(
            Table(
                (
                    *(("Candidate",) if several else ()),
                    "Attribute",
                    "Group",
                    "Rows",
                    *[_GROUP_LABELS.get(k, k) for k in keys],
                ),
                rows,
                numeric=tuple(range(first + 2, first + 3 + len(keys))),
            )
        )
        out += _fairness_notes(report, f)
    return out


def _fairness_notes(report: Report, f) -> list[Block]:
    """What the per-group table's flags and intervals mean (only what the scorecard says)."""
    notes = []
    size = f.get("min_group_size")
    knows = bool(f.get("small_group_rule")) or any(g.get("excluded_from_scoring") is not None for g in f["groups"])
    if size and knows:
        notes.append(
            f"Groups with fewer than {size} rows are shown here but excluded from the scored disparities "
            "and worst-group figures."
        )
    elif size:
        notes.append(
            f"Groups with fewer than {size} rows are flagged as too small; this scorecard does not say whether "
            "they were left out of the scored disparities."
        )
    has_ci = any(k.endswith("_ci_low") and g.get(k) is not None for g in f["groups"] for k in g)
    method = str(f.get("ci_method") or "")
    if has_ci and method == "wilson":
        notes.append(
            f"Per-group rates have {interval_phrase(report.confidence, 'Wilson score intervals')} in brackets."
        )
    elif has_ci:
        what = f" ({method.replace('_', ' ')})" if method else ""
        notes.append(f"Per-group figures have {interval_phrase(report.confidence, 'intervals')}{what} in brackets.")
    return [Para((n,), "note") for n in notes]


def _explanations(report: Report) -> list[Block]:
    e = report.explanations
    if e is None:
        return [Para(("The scorecard has no explanations.",), "note")]
    out: list[Block] = [Figure("importance")]
    names, more = _shown(report, [r["candidate"] for r in e["rows"]])
    keep = set(names)
    metrics = report.metric_map()

    def val(c, o):
        m = metrics.get((c, o))
        return fmt_number(m["value"]) if m else "missing"

    rows = tuple(
        (
            Swatch(r["candidate"]),
            r.get("explainer") or "",
            ", ".join(r.get("top_features", ())[:5]),
            val(r["candidate"], "features_for_90pct_attribution"),
            val(r["candidate"], "sensitive_attribution_share"),
            val(r["candidate"], "proxy_attribution_share"),
            r.get("reason") or ("" if r.get("status") == "ok" else r.get("status") or ""),
        )
        for r in e["rows"]
        if r["candidate"] in keep
    )
    out.append(
        Table(
            ("Candidate", "Explainer", "Top features", "Features for 90%", "On sensitive", "On proxies", "Note"),
            rows,
            numeric=(3, 4, 5),
        )
    )
    out += _left_out(more)
    if e.get("proxies"):
        out.append(
            Para(
                (
                    "Proxies (features that reveal a sensitive attribute): "
                    + "; ".join(
                        f"{p['feature']} → {p['sensitive_attribute']} ({fmt_number(p['association'])})"
                        for p in e["proxies"]
                    )
                    + ".",
                ),
                "warning",
            )
        )
    if e.get("method"):
        out.append(Para((f"Importance: {e['method']}.",), "note"))
    return out


def _serving(report: Report) -> list[Block]:
    s = report.serving
    if s is None:
        return [Para(("The scorecard has no serving measurements.",), "note")]
    out: list[Block] = []
    env = s.get("environment") or {}
    if env.get("busy"):
        out.append(Para(("Measured on a busy machine: " + (env.get("busy_note") or "") + ".",), "warning"))
    out.append(Figure("serving"))
    names, more = _shown(report, report.candidate_names)
    keep = set(names)
    measures = [m for m in s.get("measures", ()) if m in SERVING_COLUMNS]
    rows = []
    for r in s["rows"]:
        if r["candidate"] in keep or r.get("variant"):
            rows.append(
                (
                    Swatch(r["candidate"]),
                    r.get("runtime") or "",
                    *[fmt_number(r["figures"].get(m)) for m in measures],
                    r.get("reason") or ("" if r.get("status") == "ok" else r.get("status") or ""),
                )
            )
    heads = []
    for m in measures:
        label, unit = _obj(report, m)
        heads.append(label + (f" ({unit})" if unit else ""))
    out.append(Table(("Candidate", "Runtime", *heads, "Note"), tuple(rows), numeric=tuple(range(2, 2 + len(measures)))))
    out += _left_out(more)
    if s.get("unmeasured"):
        out.append(Para(("Not measured: " + ", ".join(s["unmeasured"]) + ".",), "note"))
    out.append(Heading(3, "Assumptions"))
    a = s.get("assumptions") or {}
    pairs = [(str(k).replace("_", " "), _plain_value(v)) for k, v in a.items()]
    pairs += [
        (f"machine: {k.replace('_', ' ')}", _plain_value(v))
        for k, v in env.items()
        if v not in (None, "") and k != "busy_note"
    ]
    out.append(Facts(tuple(pairs)))
    if s.get("notes"):
        out.append(Items(tuple((n,) for n in s["notes"])))
    return out


def _drift(report: Report) -> list[Block]:
    d = report.drift
    if d is None:
        return [Para(("The scorecard has no drift or decay measurements.",), "note")]
    out: list[Block] = []
    decay = d.get("decay")
    if decay:
        out.append(Heading(3, "Quality over time"))
        out.append(Figure("decay"))
        names, more = _shown(report, [c for c in report.candidate_names if c in decay["candidates"]])
        rows = tuple(
            (
                Swatch(c),
                fmt_number(decay["candidates"][c].get("decay_per_month")),
                fmt_number(decay["candidates"][c].get("gap_first_last")),
            )
            for c in names
        )
        metric = _obj(report, str(decay.get("metric")))[0]
        out.append(
            Table(
                ("Candidate", f"{metric} lost per month", f"{metric} lost, first to last window"), rows, numeric=(1, 2)
            )
        )
        out += _left_out(more)
        if decay.get("rule"):
            out.append(Para((decay["rule"],), "note"))
    feats = d.get("features")
    if feats:
        out.append(Heading(3, "Input drift"))
        counts = feats.get("counts") or {}
        out.append(
            Para(
                (
                    f"{feats.get('current')} against {feats.get('reference')}: "
                    + ", ".join(f"{v} {k}" for k, v in counts.items())
                    + ".",
                )
            )
        )
        out.append(Figure("drift"))
        rows = tuple(
            (
                x["feature"],
                x.get("kind") or "",
                fmt_number(x.get("psi")),
                x.get("reading") or "",
                fmt_number(x.get("p_value")),
            )
            for x in sorted(feats["features"], key=lambda x: -(x.get("psi") or 0.0))
        )
        out.append(Table(("Feature", "Kind", "PSI", "Reading", "p-value"), rows, numeric=(2, 4)))
        if feats.get("rule"):
            out.append(Para((feats["rule"],), "note"))
    bt = d.get("backtest")
    if bt:
        out.append(Heading(3, "Backtest: the same models trained on older data"))
        names, more = _shown(report, list(dict.fromkeys(r["candidate"] for r in bt["rows"])))
        keep = set(names)
        metrics = list(bt.get("metrics", ()))
        rows = tuple(
            (
                Swatch(r["candidate"]),
                str(r.get("age_months")),
                f"{r.get('train_start')} to {r.get('train_end')}",
                *[fmt_number(r.get(m)) for m in metrics],
                r.get("reason") or "",
            )
            for r in bt["rows"]
            if r["candidate"] in keep
        )
        heads = tuple(_obj(report, m)[0] for m in metrics)
        out.append(
            Table(
                ("Candidate", "Age (months)", "Trained on", *heads, "Note"),
                rows,
                numeric=(1, *range(3, 3 + len(metrics))),
            )
        )
        out += _left_out(more)
        if bt.get("rule"):
            out.append(Para((bt["rule"],), "note"))
    return out


def _warnings(report: Report) -> list[Block]:
    if not report.warnings:
        return [Para(("None.",))]
    return [Items(tuple((w,) for w in report.warnings))]


def _provenance(report: Report) -> list[Block]:
    p = report.provenance
    sc = p.get("scorecard") or {}
    ds = p.get("dataset") or {}
    dec = p.get("decision")
    gen = p.get("generator") or {}
    pairs: list[tuple[str, Any]] = [
        ("Report generated", f"{p.get('generated_at')} by {gen.get('name')} {gen.get('version')}"),
        ("Scorecard SHA-256", Code(str(sc.get("sha256")))),
        ("Scorecard created", str(sc.get("created_at") or "missing")),
        ("Evaluated at", str(sc.get("evaluated_at") or "missing")),
        ("Dataset", f"{ds.get('source') or 'missing'} ({fmt_number(ds.get('rows'))} rows)"),
        ("Dataset SHA-256", Code(str(ds.get("sha256") or "missing"))),
    ]
    if dec:
        pairs += [
            ("Decision SHA-256", Code(str(dec.get("sha256")))),
            ("Decided at", str(dec.get("decided_at") or "missing")),
            (
                "Decision made from this scorecard",
                "yes" if dec.get("matches_scorecard") else "NO: its scorecard hash differs",
            ),
            ("Decision settings", "; ".join(f"{k}={v}" for k, v in (dec.get("settings") or {}).items())),
        ]
    if sc.get("settings"):
        pairs.append(("Evaluation settings", "; ".join(f"{k}={v}" for k, v in sc["settings"].items())))
    if sc.get("versions"):
        pairs.append(("Versions", ", ".join(f"{k} {v}" for k, v in sc["versions"].items())))
    if sc.get("machine"):
        pairs.append(("Machine", ", ".join(f"{k}: {v}" for k, v in sc["machine"].items())))
    out: list[Block] = [Facts(tuple(pairs))]
    hashed = [c for c in report.candidates if c.get("sha256")]
    if hashed:
        out.append(Heading(3, "Candidate files"))
        out.append(
            Table(
                ("Candidate", "File", "Size (bytes)", "SHA-256"),
                tuple(
                    (
                        Swatch(c["name"]),
                        c.get("path") or "",
                        f"{c['size_bytes']:,}" if isinstance(c.get("size_bytes"), int) else "",
                        Code(c["sha256"]),
                    )
                    for c in hashed
                ),
                numeric=(2,),
            )
        )
    return out


_BUILDERS = {
    "signoffs": _signoffs,
    "question": _question,
    "candidates": _candidates,
    "choice": _choice,
    "switch": _switch,
    "why": _why,
    "robustness": _robustness,
    "metrics": _metrics,
    "fairness": _fairness,
    "explanations": _explanations,
    "serving": _serving,
    "drift": _drift,
    "warnings": _warnings,
    "provenance": _provenance,
}


def build_document(report: Report) -> tuple[list[Block], list[tuple[str, str, list[Block]]]]:
    """The header blocks and ``(anchor, title, blocks)`` for each section, in reading order."""
    titles = {"switch": switch_title(report)}
    sections = [(anchor, titles.get(anchor, title), _BUILDERS[anchor](report)) for anchor, title in SECTIONS]
    return _header(report), sections


def cell_parts(cell: Cell) -> tuple:
    """A table cell or paragraph part as a tuple of parts (``None`` becomes an empty tuple)."""
    if cell is None:
        return ()
    if isinstance(cell, tuple):
        return cell
    return (cell,)


def plain(parts: Any) -> str:
    """The text of some parts without markup (for CSV and alt text)."""
    if isinstance(parts, (str, int, float)):
        return str(parts)
    if isinstance(parts, (Strong, Code)):
        return parts.text
    if isinstance(parts, Swatch):
        return parts.name
    if isinstance(parts, Break):
        return "; "
    if isinstance(parts, tuple):
        return "".join(plain(p) for p in parts)
    return "" if parts is None else str(parts)
