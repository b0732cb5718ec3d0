"""Decision: pick the candidate, write why, collect sign-offs, download the decision record."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from analysis._errors import InputError
from app.ui import exports, render, services, state

OTHER = "Other"

a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Decision",
    "Record what the group decided: the candidate (the group rule's choice is preselected), why, and each "
    "stakeholder's sign-off. The download is a JSON record with the full reasoning behind the choice.",
)
if len(sc.candidates) > services.DECISION_LIMIT and not state.pref(f"force_decision:{a.key}"):
    st.info(
        f"This scorecard has {len(sc.candidates):,} candidates; compute the group decision on the Consensus page "
        "first (it takes minutes at this size).",
        icon=":material/hourglass:",
    )
    st.stop()
try:
    d = services.decision(a, state.profiles(), state.rule(), *state.scoring())
except InputError as exc:
    st.error(f"The group decision could not be made: {exc.message}")
    st.stop()

names = list(sc.candidate_names)
default = state.selected() if state.selected() in names else (d.chosen or names[0])
left, right = st.columns([1, 1], gap="large")
with left:
    key = render.bind(state.widget("decision_pick", a.key), default)
    picked = st.selectbox(
        "The candidate to ship",
        names,
        key=key,
        format_func=lambda c: f"{c} (the group's choice)" if c == d.chosen else c,
    )
    state.set_selected(picked)
    if picked != d.chosen:
        st.warning(
            f"This overrides the group rule's choice ({d.chosen}). Say why in the rationale; the record keeps both.",
            icon=":material/edit_note:",
        )
    fav_of = [r.profile.role or r.profile.name for r in d.profiles if r.favourite == picked]
    facts = [
        f"Favourite of: {', '.join(fav_of) if fav_of else 'nobody'}",
        "Satisfies every stakeholder's constraints"
        if d.group_feasibility.is_feasible(picked)
        else "Breaks: " + "; ".join(d.group_feasibility.violations(picked)[:4]),
        "On the Pareto front"
        if picked in d.pareto.front
        else f"Dominated (by {d.pareto.dominated_by[d.pareto.candidates.index(picked)]})",
    ]
    g = d.group
    if picked in g.candidates and g.profiles:
        worst = g.rule_result("minimax-regret").scores[g.candidates.index(picked)]
        facts.append(f"Largest regret of any stakeholder: {worst:.2f} (0 = everyone's favourite)")
    if picked != d.chosen and picked in d.sensitivity.ties:
        facts.append(f"Statistically tied with {d.chosen}")
    st.markdown("\n".join(f"- {f}" for f in facts))
    rkey = render.bind(state.widget("rationale"), state.rationale())
    rationale = st.text_area(
        "Rationale: why this candidate, what the group accepted to give up",
        key=rkey,
        height=160,
        placeholder="e.g. mlp keeps every stakeholder within 0.2 of their favourite; sales accepts a lower ad-fee "
        "capture for now; revisit when latency is measured on the production instance.",
    )
    state.set_rationale(rationale)
with right:
    st.markdown("#### Sign-offs")
    roles = [p.role or p.name for p in state.profiles()]
    with st.form(state.widget("signoff_form"), clear_on_submit=True):
        who = st.text_input("Name")
        role = st.selectbox("Role", [*roles, OTHER])
        comment = st.text_input("Comment (optional)")
        ok = st.form_submit_button("Sign off", type="primary")
    if ok:
        if not who.strip():
            st.error("Write your name to sign off.")
        else:
            state.add_signoff(
                state.SignOff(
                    name=who.strip(),
                    role=role,
                    time=datetime.now(UTC).replace(microsecond=0).isoformat(),
                    comment=comment.strip(),
                    candidate=picked,
                )
            )
    signoffs = state.signoffs()
    if signoffs:
        st.dataframe(pd.DataFrame([s.__dict__ for s in signoffs]), hide_index=True, width="stretch")
    signed = {s.role for s in signoffs if s.candidate == picked}
    waiting = [r for r in roles if r not in signed]
    if waiting:
        st.caption(f"Not yet signed off on {picked}: {', '.join(waiting)}.")
    else:
        st.success(f"Every role has signed off on {picked}.", icon=":material/verified:")
    st.caption("Sign-offs live in this browser session only; the downloaded record keeps them.")

signoffs = [dict(s.__dict__) for s in state.signoffs()]


def record_json() -> str:
    """Built when the button is clicked (on another thread: it only uses the values captured here)."""
    record = exports.decision_record(
        d,
        selected=picked,
        rationale=rationale,
        signoffs=signoffs,
        recorded_at=datetime.now(UTC).replace(microsecond=0),
        scorecard_label=a.label,
    )
    return exports.decision_record_json(record)


st.download_button(
    "Download the decision record (JSON)",
    record_json,
    file_name=f"decision-{picked}.json",
    mime="application/json",
    type="primary",
    key=state.widget("decision_download"),
    help="The library's decision record (every profile, group rule and sensitivity check) with the pick, the "
    "rationale and the sign-offs.",
)
