"""Consensus & sensitivity: group rules side by side, regret, and how firm the choice is."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis._errors import InputError
from analysis.decision import Decision
from analysis.figures import (
    make_acceptability_figure,
    make_regret_figure,
    make_weight_stability_figure,
    ranking_html,
    win_share_bars,
)
from app.ui import render, services, state, tables
from app.ui.errors import render_failure

RULE_MEANING = {
    "utilitarian": "the highest average satisfaction (weighted by influence)",
    "borda": "the best average position in everyone's ranking",
    "copeland": "the candidate that beats the most others in head-to-head majority votes",
    "minimax-regret": "the candidate whose most disappointed stakeholder is least disappointed",
    "maximin": "the candidate that leaves the worst-off stakeholder as well off as possible",
}

#: Left-out candidates listed with their reasons (the rest are in a download).
LISTED = 15
#: Candidates drawn in the regret heatmap, the win-share bars and the rank-acceptability heatmap at most.
REGRET_COLUMNS = 20
WIN_BARS = 15
ACCEPTABILITY_ROWS = 15

a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Consensus & sensitivity",
    "Several fair ways to turn everyone's rankings into one choice, side by side; how much each stakeholder "
    "gives up; and whether the choice survives small changes in the weights and in the measurements.",
)
try:
    d = render.group_decision_so_far(a)  # the choice first; the sensitivity checks may still be computing
except InputError as exc:
    st.error(f"The group decision could not be made: {exc.message}")
    st.stop()
except Exception as exc:  # ours, not the user's: one sentence and an error id, the traceback in the server log
    render_failure(exc, what="making the group decision")
    st.stop()
g = d.group
labels = {o.name: o.label for o in sc.objectives}
colours = services.colours(a)

if d.chosen and d.any_feasible:
    st.success(
        f"### The group's choice: {d.chosen}\n"
        f"Under **{d.rule}**: {RULE_MEANING.get(d.rule, '')}. Change the rule in the sidebar.",
        icon=":material/handshake:",
    )
elif d.chosen:
    st.error(
        f"### No candidate is acceptable to everyone\n{d.no_feasible_reason or ''} The best compromise among "
        f"the candidates the rules could compare is **{d.chosen}**; someone has to relax a constraint (see the "
        "Stakeholders page) before it can be chosen.",
        icon=":material/warning:",
    )
else:
    st.error("No group choice: no stakeholder could rank any candidate.")
if d.incumbent is not None:
    if d.incumbent == d.chosen:
        st.caption(f"Incumbent (in production today): **{d.incumbent}**, and the group keeps it.")
    elif d.incumbent in d.considered:
        st.caption(f"Incumbent (in production today): **{d.incumbent}**; see the Decision page for what changes.")
    else:
        st.caption(
            f"Incumbent (in production today): **{d.incumbent}**, left out of the group rules: "
            f"{dict(d.excluded).get(d.incumbent, 'not compared')}."
        )
taking = [r.profile.role or r.profile.name for r in d.taking_part]
absent = [r for r in d.profiles if r.score is None]
if absent:
    st.caption(
        f"Taking part: {', '.join(taking) or 'nobody'}. Not taking part: "
        + "; ".join(
            f"{r.profile.role or r.profile.name} ({r.profile.cannot_take_part or 'cannot rank'})" for r in absent
        )
    )

st.markdown("#### The group rules, side by side")
rules = pd.DataFrame(
    [
        {
            "rule": r.rule + (" (chosen)" if r.rule == d.rule else ""),
            "picks": r.winner or "nobody",
            "ties": ", ".join(w for w in r.winners if w != r.winner),
            "what it rewards": RULE_MEANING.get(r.rule, r.description),
        }
        for r in g.rules
    ]
)
st.table(rules.set_index("rule"))  # a static table: the long "what it rewards" cells wrap at any width
if g.disagree:
    st.markdown(
        "The rules **disagree**: each is a defensible way to aggregate, so the difference is a real trade-off "
        "between pleasing most people on average and not leaving anyone far behind."
    )
else:
    st.markdown("Every rule picks the same candidate: the choice does not depend on how you aggregate.")
if g.condorcet_winner:
    st.caption(f"{g.condorcet_winner} beats every other candidate in head-to-head majority votes (Condorcet winner).")
st.markdown(
    f"**Compared by the group rules: {len(g.candidates):,} of {len(d.candidates):,} candidates** "
    f"({g.basis}): {tables.some(g.candidates, most=20) or 'none'}."
)
if d.excluded:
    # A list, not a table: the reasons are sentences, and a table cell would cut them off.
    st.markdown("**Left out of the group rules:**\n" + "\n".join(f"- **{c}**: {why}" for c, why in d.excluded[:LISTED]))
    if len(d.excluded) > LISTED:
        st.caption(f"… and {len(d.excluded) - LISTED:,} more; every one with its reason in the file below.")
        st.download_button(
            f"All {len(d.excluded):,} left out (CSV)",
            pd.DataFrame(d.excluded, columns=["candidate", "why left out"]).to_csv(index=False).encode("utf-8"),
            file_name="left_out_of_the_group_rules.csv",
            mime="text/csv",
            key=state.widget("excluded_csv"),
        )

# Full width, one above the other: side by side, the heatmap and the table were both cut off on a laptop.
if g.profiles and g.candidates:
    columns, note = None, ""
    if len(g.candidates) > REGRET_COLUMNS:  # the chosen one and those whose largest regret is smallest
        worst = dict(zip(g.candidates, g.rule_result("minimax-regret").scores, strict=True))
        ranked = sorted(g.candidates, key=lambda c: (c != d.chosen, worst[c]))
        columns = ranked[:REGRET_COLUMNS]
        note = (
            f"{REGRET_COLUMNS} of the {len(g.candidates):,} compared candidates: the chosen one and those whose "
            "largest regret is smallest."
        )
    render.chart(make_regret_figure(g, chosen=d.chosen, candidates=columns, note=note), key=state.widget("regret"))
    st.caption(
        "Read across a row: how far each candidate falls short of that stakeholder's own favourite, on their "
        "own 0-to-1 scale. The chosen column shows what each person gives up."
    )
st.markdown("**Each stakeholder's favourite**")
st.dataframe(
    pd.DataFrame(
        [
            {
                "stakeholder": r.profile.role or r.profile.name,
                "favourite": r.favourite or ("takes no part" if r.score is None else "none feasible"),
                "regret with the choice": None
                if d.chosen not in g.candidates or r.profile.name not in g.profiles
                else round(g.regret[g.profiles.index(r.profile.name)][g.candidates.index(d.chosen)], 3),
            }
            for r in d.profiles
        ]
    ),
    hide_index=True,
    width="stretch",
    column_config={"regret with the choice": st.column_config.NumberColumn(format="%.3f")},
)


def how_firm(d: Decision) -> None:
    """The group's sensitivity checks: what-if draws, leave one out, statistical ties (a full decision's)."""
    gs = d.sensitivity
    c1, c2 = st.columns(2, gap="large")
    with c1:
        if len(gs.win_share) == 1:
            st.markdown(
                f"**{d.chosen}** is the only candidate the group rules could compare, so re-running them with other "
                "weights or measurements cannot test how firm the choice is: look at the candidates left out above."
            )
        elif gs.n_samples and gs.win_share:
            share = dict(gs.win_share).get(d.chosen or "", 0.0)
            shown, subtitle = list(gs.win_share), None
            if len(shown) > WIN_BARS:  # the candidates that won most often (many never win a draw)
                won = sorted((cv for cv in shown if cv[1] > 0), key=lambda cv: -cv[1])
                shown = won[:WIN_BARS]
                subtitle = f"The {len(shown)} most often picked; {len(won):,} of {len(gs.win_share):,} won any draw."
            # HTML bars, not a plotly chart: the page draws three more, and each costs the browser ~0.25 s
            bars = win_share_bars(shown, colours=colours)
            st.markdown("**How often the group rule picks each candidate**")
            st.markdown(
                ranking_html(
                    bars,
                    fmt="{:.0%}".format,
                    span=(0.0, 1.0),
                    caption=" ".join(filter(None, [subtitle, "Share of the what-if draws each one won."])),
                ),
                unsafe_allow_html=True,
            )
            st.markdown(
                f"In **{share:.0%}** of {gs.n_samples} what-if draws (everyone's weights nudged and every measurement "
                f"redrawn within its confidence interval) the {d.rule} rule still picks **{d.chosen}**. "
                + (
                    "It is not acceptable to everyone, though: no candidate satisfies every hard constraint."
                    if not d.any_feasible
                    else "That is a firm choice."
                    if share >= 0.7
                    else "That is a fragile choice: small changes flip it."
                )
            )
    with c2:
        loo = gs.leave_one_out
        st.markdown("**Leave one out**")
        if loo.changes:
            st.warning(
                "Removing a single other candidate changes the group's choice: "
                + "; ".join(f"without {c}, the choice is {w or 'nobody'}" for c, w in loo.changes[:8])
                + ". "
                + loo.note,
                icon=":material/warning:",
            )
        else:
            st.markdown(f"Removing any one other candidate leaves the choice at **{d.chosen}**.")
            if not loo.pool_independent:
                st.caption(
                    "Some weighted objectives have no fixed 'worst'/'ideal' bounds, so their scores depend on which "
                    "candidates are in the pool; this check shows the choice does not."
                )
        st.markdown("**Statistical ties**")
        if gs.ties:
            st.markdown(
                f"{tables.some(gs.ties)} cannot be told apart from {d.chosen} on any weighted objective (the "
                "differences are within the measurement noise): the data does not prefer one over the other."
            )
        else:
            st.markdown(f"No candidate is statistically tied with {d.chosen} on every weighted objective.")
        if gs.undetermined:
            st.caption(f"Cannot tell (no intervals on some objective): {tables.some(gs.undetermined)}.")


def one_at_a_time(d: Decision) -> None:
    """Each stakeholder's weight stability intervals, rank acceptabilities and leave one out (a full decision's)."""
    ranked = [r for r in d.profiles if r.sensitivity is not None]
    if ranked:
        who = render.remembered(
            st.selectbox,
            "Stakeholder",
            [r.profile.name for r in ranked],
            key="sensitivity_profile",
            default=ranked[0].profile.name,
            format_func=lambda nme: next(r.profile.role or nme for r in ranked if r.profile.name == nme),
        )
        r = next(r for r in ranked if r.profile.name == who)
        s = r.sensitivity
        # One above the other: in half a page the candidate and objective names were cut off on a laptop.
        if s.stability is not None:
            render.chart(make_weight_stability_figure(s.stability, labels=labels), key=state.widget("stability", who))
            st.caption(
                f"Each bar is how far that weight can move (the others scaled to make room) before "
                f"{s.winner} stops being {r.profile.role or who}'s favourite. A long bar: the favourite does not "
                "hinge on that weight."
            )
        else:
            st.caption(f"Weight stability intervals: {s.stability_note}")
        if s.acceptability is not None:
            render.chart(
                make_acceptability_figure(s.acceptability, top=ACCEPTABILITY_ROWS),
                key=state.widget("acceptability", who),
            )
            first = dict(zip(s.acceptability.candidates, s.acceptability.first, strict=True))
            st.caption(
                f"With weights and measurements resampled, {s.winner} comes first in {first.get(s.winner, 0):.0%} "
                "of draws."
            )
        if s.leave_one_out.changes:
            st.caption(
                "Leave one out: "
                + "; ".join(f"without {c}, the favourite is {w}" for c, w in s.leave_one_out.changes[:6])
                + f". {s.leave_one_out.note}"
            )


st.markdown("### How firm is the choice?")
if d.sensitivity_computed:
    how_firm(d)
else:  # the choice above is final; how firm it is comes by itself (never a placeholder shown as a result)
    render.sensitivity_pending(
        a,
        f"Checking how firm the choice is for {render.plural(len(sc.candidates), 'candidate')} in the background: "
        "hundreds of what-if draws (everyone's weights nudged, every measurement redrawn within its confidence "
        "interval), leaving out each other candidate, and statistical ties. The results appear here by themselves.",
    )
st.markdown("#### One stakeholder at a time")
if d.sensitivity_computed:
    one_at_a_time(d)
else:
    st.caption("Each stakeholder's weight stability intervals and rank acceptabilities come with the checks above.")
# Before the checks are done their warnings are not known (the quick decision's says only that it skipped them).
shown_warnings = d.warnings if d.sensitivity_computed else [w for w in d.warnings if w not in d.sensitivity.warnings]
if shown_warnings:
    so_far = "" if d.sensitivity_computed else " so far"
    with st.expander(f"Warnings from the decision engine ({len(shown_warnings)}{so_far})"):
        # Clipped: with thousands of candidates one warning can list them all (hundreds of kB to draw); the
        # decision record on the Decision page has every word.
        st.markdown("\n".join(f"- {tables.clip(w)}" for w in shown_warnings))
