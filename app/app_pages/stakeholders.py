"""Stakeholders: one card per profile with its weights and constraints as controls, and its ranking live."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from analysis._errors import InputError
from analysis.decision import make_profile, parse_constraint, parse_profiles
from analysis.figures import ranking_bars, ranking_html
from app.ui import errors, exports, render, services, state, tables, uploads

a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Stakeholders",
    "Each card is one person or team: what they are responsible for, what they care about (their weights) "
    "and their hard limits (constraints). Move a weight and their ranking and favourite update at once; only "
    "the ratios between weights matter. The page address keeps your changes, so the link reproduces this view.",
)
labels = {o.name: o.label for o in sc.objectives}
units = {o.name: o.unit for o in sc.objectives}


CHOOSE = "(choose an objective)"


def add_weight(name: str, key: str) -> None:
    """Callback: give the chosen objective weight 1 and reset the chooser."""
    objective = st.session_state[key]
    if objective in labels:
        state.set_weight(name, objective, 1.0)
    st.session_state[key] = CHOOSE


def weight_max(w: float) -> float:
    """Slider range: 0 to 10, or further for a profile file with larger weights."""
    return float(max(10.0, w))


@st.fragment
def card(name: str) -> None:
    """One stakeholder's card; a slider move reruns this card only."""
    p = next((p for p in state.profiles() if p.name == name), None)
    if p is None:
        return
    version = state.profiles_version()
    # Who they are across the card, then two columns: their controls | their ranking. Three columns squeezed
    # the ranking chart at 1000 px (names and scores cut); two leave it ~300 px even there.
    st.markdown(f"### {p.role or p.name}")
    st.caption(f"profile `{p.name}` · influence in the group rules ×{p.influence:g}")
    if p.rationale:
        first = tables.first_sentence(p.rationale)
        st.markdown(first)
        if len(p.rationale) > len(first) + 1:
            with st.expander("Their full rationale"):
                st.write(p.rationale)
    controls, ranking = st.columns([2, 3], gap="medium")
    with controls:
        st.markdown("**What they care about** (weights; only the ratios matter)")
        for obj, w in p.weights:
            if obj not in labels:
                st.caption(f"{obj}: weight {w:g}, not measured in this scorecard (ignored)")
                continue
            key = render.bind(state.widget("weight", version, name, obj), float(w))
            value = st.slider(
                f"{labels[obj]}" + (f" ({units[obj]})" if units[obj] else ""),
                0.0,
                weight_max(w),
                step=0.5,
                format="%.1f",
                key=key,
                help=sc.objective(obj).description,
            )
            if value != w:
                state.set_weight(name, obj, value)
                p = next(p for p in state.profiles() if p.name == name)
        extra = [o.name for o in sc.objectives if o.name not in dict(p.weights)]
        akey = render.bind(state.widget("add_weight", version, name), CHOOSE)
        st.selectbox(
            "Also weigh",
            [CHOOSE, *extra],
            format_func=lambda n: labels.get(n, n),
            key=akey,
            on_change=add_weight,
            args=(name, akey),
        )
        st.markdown("**Hard limits** (constraints, one per line)")
        ckey = render.bind(state.widget("constraints", version, name), "\n".join(str(c) for c in p.constraints))
        text = st.text_area(
            "Constraints",
            key=ckey,
            height=100,
            label_visibility="collapsed",
            help="For example `latency_ms_p99 <= 50`, `roc_auc >= 0.7` or `roc_auc >= logistic_regression + 0.02` "
            "(at least 2 points better than that candidate).",
        )
        lines = [t.strip() for t in text.splitlines() if t.strip()]
        if lines != [str(c) for c in p.constraints]:
            try:
                cons = tuple(parse_constraint(t, source=f"constraints of {name}") for t in lines)
                state.update_profile(name, replace(p, constraints=cons))
                p = next(p for p in state.profiles() if p.name == name)
            except InputError as exc:
                st.error(exc.message)
    with ranking:
        view = services.profile_view(a, p, *state.scoring())
        if not p.takes_part:
            st.info(f"Takes no part in the decision: {p.cannot_take_part}", icon=":material/block:")
        elif view.favourite:
            st.success(f"Favourite: **{view.favourite}**", icon=":material/star:")
        elif view.score is None and not view.objectives:
            st.info(
                "Cannot rank here: none of the objectives they weigh is measured in this scorecard. Give a "
                "measured one a weight with 'Also weigh'.",
                icon=":material/info:",
            )
        elif view.score is None:
            st.error(view.warnings[0] if view.warnings else "Cannot rank here.")
        else:
            st.warning("No candidate satisfies their constraints.", icon=":material/block:")
        if view.score is not None:
            bars = ranking_bars(
                view.score, feasibility=view.feasibility, colours=services.colours(a), labels=labels, top=8
            )
            st.markdown(ranking_html(bars), unsafe_allow_html=True)  # names escaped there; why not a chart: its doc
            outside = view.score.outside_unit_interval
            if outside:
                st.caption(
                    f"Scores of {', '.join(outside[:4])}{' …' if len(outside) > 4 else ''} leave 0..1: some of their "
                    "values lie beyond this stakeholder's worst/ideal bounds, and the score extrapolates rather "
                    "than clip (so a better candidate always scores higher). Notes say which values."
                )
            n_bad = len(view.feasibility.candidates) - sum(view.feasibility.feasible)
            st.caption(
                f"Their top 8 by score ({view.method}, {'higher' if view.score.higher_is_better else 'lower'} is "
                f"better; hover a bar for its parts); hatched bars break their constraints "
                f"({n_bad} of {len(view.feasibility.candidates):,} candidates do)."
            )
        if p.resolution:
            st.caption(
                "Weighs "
                + "; ".join(
                    f"{kind[1:].replace('_', ' ')}: {', '.join(labels.get(o, o) for o in got) or 'not measured'}"
                    for kind, got in p.resolution
                )
                + "."
            )
        for note in p.notes:
            if "reference" in note or "incumbent" in note or "baseline rule" in note:
                st.caption(note)
        if view.score is not None and view.score.partial:
            st.caption(
                tables.clip(
                    "Scored on the objectives they have (weights rescaled): "
                    + "; ".join(f"{c} (no {', '.join(labels.get(o, o) for o in g)})" for c, g in view.score.partial)
                    + "."
                )
            )
        if view.warnings:
            with st.expander(f"Notes ({len(view.warnings)})"):
                for w in view.warnings:
                    st.caption(tables.clip(w))  # one note can name thousands of candidates
    with st.expander("Edit role, rationale or influence; remove"):
        role = st.text_input("Role", p.role, key=state.widget("role", version, name))
        rationale = st.text_area("Rationale", p.rationale, key=state.widget("rationale", version, name))
        influence = st.number_input(
            "Influence in the group rules",
            0.1,
            10.0,
            float(p.influence),
            step=0.5,
            key=state.widget("influence", version, name),
        )
        if (role, rationale, influence) != (p.role, p.rationale, p.influence):
            state.update_profile(name, replace(p, role=role, rationale=rationale, influence=float(influence)))
            st.rerun(scope="app")
        if st.button(
            "Remove this stakeholder", key=state.widget("remove", version, name), disabled=len(state.profiles()) <= 1
        ):
            state.remove_profile(name)
            st.rerun(scope="app")


profiles = state.profiles()
for p in profiles:
    with st.container(border=True, key=state.widget("card", p.name)):
        card(p.name)

st.divider()
t1, t2, t3 = st.columns(3, gap="large")
with t1:
    st.markdown("#### Add a stakeholder")
    with st.form(state.widget("add_form"), clear_on_submit=True):
        new_name = st.text_input("Short name (no spaces)", placeholder="support")
        new_role = st.text_input("Role", placeholder="Customer support")
        new_why = st.text_area("Why they care", height=80)
        new_objs = st.multiselect(
            "What they care about (weight 1 each; adjust on the card)",
            [o.name for o in sc.objectives],
            format_func=lambda n: labels.get(n, n),
        )
        submitted = st.form_submit_button("Add")
    if submitted:
        try:
            if not new_name.strip() or any(ch.isspace() for ch in new_name.strip()):
                raise InputError("give the stakeholder a short name without spaces.", source="name")
            if new_name.strip() in [p.name for p in profiles]:
                raise InputError(f"there is already a stakeholder called {new_name.strip()!r}.", source="name")
            state.add_profile(
                make_profile(
                    new_name.strip(), dict.fromkeys(new_objs, 1.0), role=new_role.strip(), rationale=new_why.strip()
                )
            )
            st.rerun()
        except InputError as exc:
            st.error(exc.message)
with t2:
    st.markdown("#### Save or load profiles")
    st.download_button(
        "Download these profiles (YAML)",
        lambda snapshot=profiles: exports.profiles_to_yaml(snapshot),
        file_name="profiles.yaml",
        mime="application/x-yaml",
        key=state.widget("profiles_download"),
        help="The format of docs/profiles.md; `tradeoffs decide --profiles profiles.yaml` reads it too.",
    )
    f = st.file_uploader(
        "Load a profile file (YAML or JSON)",
        type=["yaml", "yml", "json"],
        key=state.widget("up", "profiles"),
        max_upload_size=uploads.LIMITS_MB["profiles"],
    )
    if f is not None and state.pref("profiles_file") != f.file_id:
        try:
            uploads.check_size(f.name, f.size, "profiles")
            loaded = parse_profiles(f.getvalue().decode("utf-8"), source=f.name)
            state.set_profiles(loaded)
            state.set_pref("profiles_file", f.file_id)
            state.set_error("profiles", None)
            st.rerun()
        except UnicodeDecodeError:
            state.set_error("profiles", f"{f.name} is not UTF-8 text; save the profile file as UTF-8.")
        except Exception as exc:  # InputError: its sentence; anything else: one sentence, an error id, the log
            state.set_error("profiles", errors.failure_message(exc, what=f"reading {f.name}"))
    if state.errors().get("profiles"):
        st.error(state.errors()["profiles"])
with t3:
    st.markdown("#### Start over")
    st.caption("Back to the six default stakeholders and their weights.")
    if st.button("Reset to the defaults", key=state.widget("reset_profiles")):
        state.set_profiles(state.defaults())
        st.rerun()
