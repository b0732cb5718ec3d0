"""The plain-language paragraph on top of every report, written for someone who is not an engineer.

Plain text (the exporters escape it). It answers, in order: what was asked, who weighed in (and
who could not), whether any candidate satisfies every hard constraint, exactly which candidates
the group rules compared, what is recommended and by which rule, whether people disagree, how
firm the choice is (never "firm" when no candidate satisfies every constraint), what it means for
the model in production (the incumbent), and the caveats a reader must know before acting on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analysis.report._format import fmt_share, join_names

_RULE_PLAIN = {
    "utilitarian": "the best average satisfaction across stakeholders",
    "borda": "the best combined ranking across stakeholders (Borda count)",
    "copeland": "the most head-to-head majority wins (Copeland)",
    "minimax-regret": "no stakeholder loses much against their own favourite (minimax regret)",
    "maximin": "the worst-off stakeholder is as well off as possible (maximin)",
}


_RULE_NAME = {
    "utilitarian": "utilitarian",
    "borda": "Borda",
    "copeland": "Copeland",
    "minimax-regret": "minimax-regret",
    "maximin": "maximin",
}
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def _sentence(text: str) -> str:
    """A person's words as one sentence of the summary: trimmed, with a full stop when they end without one."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _count(n: int, noun: str) -> str:
    """``"six stakeholders"``, ``"one objective"``, ``"20 objectives"``."""
    word = _NUMBERS[n] if 0 <= n < len(_NUMBERS) else f"{n:,}"
    return f"{word} {noun}{'' if n == 1 else 's'}"


def build_title(status: str, choice: Mapping | None) -> str:
    """The report's title."""
    if status == "decided" and choice is not None and choice.get("chosen"):
        return f"Model decision: {choice['chosen']}"
    if status == "decided":
        return "Model decision: no candidate chosen"
    return "Model comparison: no decision recorded"


def _robustness_sentence(chosen: str, rob: Mapping, *, any_feasible: bool = True) -> list[str]:
    """How firm the pick is; never "firm" when no candidate satisfies every constraint."""
    out = []
    n = rob.get("n_samples") or 0
    share = (rob.get("win_share") or {}).get(chosen)
    if len(rob.get("win_share") or {}) == 1:
        # One compared candidate always "wins": re-running says nothing about how firm the choice is.
        return [
            "It was the only candidate the group rules could compare, so re-running them with other weights "
            "or measurements cannot test how firm the choice is; the comparison that matters is with the "
            "candidates left out."
        ]
    if n and share is not None:
        others = sorted(
            ((c, s) for c, s in (rob.get("win_share") or {}).items() if c != chosen and s), key=lambda cs: -cs[1]
        )
        varied = "with the stakeholders' weights and the measurements varied within their uncertainty"
        if not any_feasible:
            text = (
                f"It came out on top in {fmt_share(share)} of {n:,} re-runs {varied}, but that only ranks "
                "candidates that each break a hard constraint: it does not make it acceptable"
            )
        else:
            if share >= 0.9:
                lead = "The choice is firm"
            elif share >= 0.6:
                lead = "The choice is fairly firm"
            else:
                lead = "The choice is fragile"
            text = f"{lead}: it came out on top in {fmt_share(share)} of {n:,} re-runs {varied}"
        if others and share < 0.9:
            text += f" ({others[0][0]} won {fmt_share(others[0][1])})"
        out.append(text + ".")
    ties = list(rob.get("ties") or ())
    undetermined = list(rob.get("undetermined") or ())
    if ties:
        out.append(
            f"The data cannot tell it apart from {join_names(ties)} on the weighted objectives (statistically tied)."
        )
    elif undetermined:
        out.append(
            f"No other compared candidate is statistically tied with it, but for {join_names(undetermined)} "
            "the data cannot tell (no uncertainty measured)."
        )
    else:
        out.append("No other compared candidate is statistically tied with it.")
    changes = (rob.get("leave_one_out") or {}).get("changes") or ()
    if changes:
        c = changes[0]
        out.append(
            f"Removing {c['removed']} from the comparison would change the pick to {c['new_winner'] or 'none'}"
            + (f" ({len(changes) - 1} other removal(s) would too)." if len(changes) > 1 else ".")
        )
    return out


def compared_sentence(choice: Mapping, n: int, *, reasons: bool = True, why: str = "why below") -> str:
    """Exactly which candidates the group rules compared, and which they left out.

    With ``reasons`` each left-out candidate's reason follows it; else ``why`` says where they are.
    """
    considered = list(choice.get("considered") or ())
    excluded = list(choice.get("excluded") or ())
    everyone = list(choice.get("all_candidates") or ())
    n = len(everyone) or n
    if not considered:
        text = f"The group rules compared none of the {n} candidates"
    elif len(considered) == n and not excluded:
        text = f"The group rules compared all {n} candidates"
    else:
        text = f"The group rules compared {len(considered)} of the {n} candidates ({join_names(considered)})"
    if excluded and reasons:
        text += "; left out: " + "; ".join(f"{x['candidate']} ({x['reason']})" for x in excluded)
    elif excluded:
        text += f"; left out: {join_names([x['candidate'] for x in excluded], limit=50)} ({why})"
    else:
        left = [c for c in everyone if c not in set(considered)]
        if left:
            text += f"; left out: {join_names(left)}"
    return text + "."


def _incumbent_sentences(choice: Mapping) -> list[str]:
    incumbent = choice.get("incumbent")
    chosen = choice.get("chosen")
    if not incumbent:
        return ["No model in production (incumbent) was named, so the report cannot say what a switch changes."]
    out = []
    left_out = {x["candidate"]: x["reason"] for x in choice.get("excluded") or ()}
    if chosen is not None and chosen == incumbent:
        out.append(f"This keeps {incumbent}, the model in production today.")
    elif chosen is not None:
        rows = list(choice.get("switch") or ())
        text = f"It would replace {incumbent}, the model in production today"
        if rows:
            better = sum(1 for r in rows if r.get("better") is True)
            worse = sum(1 for r in rows if r.get("better") is False)
            overlap = sum(1 for r in rows if r.get("clear") is False and r.get("better") is not None)
            text += f": better on {better} and worse on {worse} of the {len(rows)} objectives compared"
            if overlap:
                text += f"; on {overlap} of these the intervals overlap, so the difference may be noise"
        out.append(text + ".")
    if incumbent in left_out:
        out.append(f"The group rules left {incumbent} out: {left_out[incumbent]}.")
    elif incumbent not in set(choice.get("all_candidates") or ()) and choice.get("all_candidates"):
        out.append(f"{incumbent} is not among the candidates measured, so it could not be compared.")
    return out


def _caveats(
    serving: Mapping | None, drift: Mapping | None, fairness: Mapping | None, chosen: str | None, question: Mapping
) -> list:
    out = []
    if serving is not None and (serving.get("environment") or {}).get("busy"):
        out.append("latency was measured on a busy machine, so its slow tail may be overstated")
    feats = ((drift or {}).get("features") or {}).get("features") or ()
    major = [f["feature"] for f in feats if f.get("reading") == "major"]
    if major:
        out.append(f"{len(major)} input feature(s) have shifted markedly since training ({join_names(major, limit=4)})")
    decay = (drift or {}).get("decay") or {}
    if chosen and chosen in (decay.get("candidates") or {}):
        d = decay["candidates"][chosen].get("decay_per_month")
        if d is not None and d > 0:
            metric = str(decay.get("metric") or "quality")
            label = next((o["label"] for o in question["objectives"] if o["name"] == metric), metric)
            out.append(
                f"the chosen model's {label} fell by about {d:.3f} per month over the evaluation period, "
                "so plan retraining"
            )
    if fairness is not None and chosen:
        small = [g for g in fairness.get("groups", ()) if g.get("candidate") == chosen and g.get("small")]
        if small:
            out.append(f"{len(small)} group(s) are too small for reliable fairness figures")
    return out


def no_feasible_details(reason: str) -> str:
    """The decision's no-feasible reason without its lead-in (the sentence already says it)."""
    lead = "no candidate satisfies every profile's hard constraints:"
    text = reason.strip()
    return text[len(lead) :].strip() if text.lower().startswith(lead) else text


def build_summary(
    *,
    status: str,
    question: Mapping,
    candidates: Sequence[Mapping],
    metrics: Sequence[Mapping],
    choice: Mapping | None,
    why: Mapping | None,
    robustness: Mapping | None,
    fairness: Mapping | None,
    explanations: Mapping | None,
    serving: Mapping | None,
    drift: Mapping | None,
    provenance: Mapping,
    rationale: str | None,
    warnings: Sequence[str],
) -> str:
    """One paragraph: the question, the recommendation, the disagreement, the robustness, the caveats."""
    del metrics, explanations, provenance  # the summary stays short; the sections carry the detail
    n = len(candidates)
    parts: list[Any] = [question["text"]]
    if choice is None:
        parts.append(
            f"No decision has been recorded: this report lays out the {n} candidates' measurements on "
            f"{len(question['objectives'])} objectives without choosing."
        )
        return " ".join(parts)
    profiles = (why or {}).get("profiles") or ()
    taking = [p for p in profiles if p.get("takes_part", True)]
    roles = [p["role"] for p in taking]
    out_of = list(choice.get("profiles_not_taking_part") or ())
    weighted = [o for o in question["objectives"] if o.get("weight_share")]
    feasible = [c for c in candidates if c.get("feasible")]
    any_feasible = bool(choice.get("any_feasible", True))
    who = f"{_count(len(roles), 'stakeholder').capitalize()} ({join_names(roles)})" if roles else "Nobody"
    text = f"{who} weighed {_count(len(weighted), 'objective')}"
    if out_of:
        text += "; " + "; ".join(f"{x['role']} could not take part ({str(x['reason']).rstrip('.')})" for x in out_of)
        text += f". {len(feasible)} of the {n} candidates meet the hard requirements of every stakeholder taking part."
    else:
        text += f"; {len(feasible)} of the {n} candidates meet every stakeholder's hard requirements."
    parts.append(text)
    if not any_feasible:
        reason = choice.get("no_feasible_reason")
        if reason:
            parts.append(f"No candidate satisfies every profile's constraints: {no_feasible_details(reason)}")
        else:
            parts.append("No candidate satisfies every profile's constraints.")
    short = sum(len(str(x.get("reason", ""))) for x in choice.get("excluded") or ()) <= 200
    parts.append(compared_sentence(choice, n, reasons=short, why="why: see The choice"))
    chosen = choice.get("chosen")
    group_choice = choice.get("group_choice")
    rule_text = _RULE_PLAIN.get(choice["rule"], choice.get("rule_description") or choice["rule"])
    prefix = "If the group decided now, the recommendation would be" if status == "provisional" else "Recommendation:"
    if status == "provisional":
        parts.append(
            "No decision has been recorded; the views below are those of the stakeholder profiles used for this report."
        )
    if chosen is None:
        parts.append("The group rule could not choose a candidate.")
    elif choice.get("overrides_group_choice"):
        parts.append(
            f"The team chose {chosen}, not the group rule's pick {group_choice} (chosen so that {rule_text})."
            + (
                f" Their reason: {_sentence(rationale)}"
                if rationale
                else " No reason was recorded for overriding the rule."
            )
        )
        if not any_feasible:
            parts.append(f"{chosen} breaks at least one stakeholder's hard constraint.")
    elif not any_feasible:
        parts.append(
            f"Nothing can be recommended without breaking a hard constraint: among the compared candidates, the rule "
            f"that {rule_text} picks {chosen}, which breaks at least one of them."
        )
    else:
        parts.append(f"{prefix} ship {chosen}, picked by the rule that {rule_text}.")
    if chosen is not None:
        fans = [f["role"] for f in choice.get("favourites", ()) if f.get("favourite") == chosen]
        has_favourites = any(f.get("favourite") for f in choice.get("favourites", ()))
        if fans:
            parts.append(f"It is the favourite of {join_names(fans)}.")
        elif has_favourites:
            parts.append("It is no single stakeholder's favourite: it is the compromise.")
        dissent: dict[str, list[str]] = {}
        for r in choice.get("rules", ()):
            if r.get("winner") not in (None, group_choice):
                dissent.setdefault(r["winner"], []).append(_RULE_NAME.get(r["rule"], r["rule"]))
        if dissent:
            texts = [
                f"the {join_names(rules)} rule{'s' if len(rules) > 1 else ''} would pick {w}"
                for w, rules in dissent.items()
            ]
            parts.append(f"Other ways of combining the views disagree: {'; '.join(texts)}.")
        if robustness is not None and chosen == group_choice:
            parts += _robustness_sentence(chosen, robustness, any_feasible=any_feasible)
        runners = choice.get("runners_up") or ()
        if runners:
            parts.append(f"Runners-up: {join_names(runners)}.")
    parts += _incumbent_sentences(choice)
    if rationale and not choice.get("overrides_group_choice"):
        parts.append(f"The team's reason: {_sentence(rationale)}")
    caveats = _caveats(serving, drift, fairness, chosen, question)
    if caveats:
        parts.append("Before acting on it, note that " + "; ".join(caveats) + ".")
    if any("made from a scorecard with SHA-256" in w for w in warnings):
        parts.append("Warning: the decision record and the scorecard in this report may not belong together.")
    return " ".join(str(p).strip() for p in parts)
