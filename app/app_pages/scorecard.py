"""Scorecard: every candidate on every objective, with intervals, the front, ties and broken constraints."""

from __future__ import annotations

import streamlit as st

from app.ui import render, services, state, tables

a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Scorecard",
    "Every candidate measured on the same rows. Each cell shows the value and its confidence interval; "
    "**★** marks the best candidate on that objective and **≈** the ones whose difference from the best is not "
    "statistically significant. Red cells break a hard constraint of the stakeholders you pick below.",
)
profiles = state.profiles()
names = [p.name for p in profiles]
choices = [state.GROUP, *names]
focus = state.focus() if state.focus() in choices else state.GROUP
c1, c2 = st.columns([1, 2])
with c1:
    key = render.bind(state.widget("focus", state.profiles_version()), focus)
    focus = st.selectbox(
        "Constraints and Pareto front of",
        choices,
        key=key,
        format_func=lambda n: n if n == state.GROUP else next(p.role or p.name for p in profiles if p.name == n),
        help="The group checks every stakeholder's constraints and draws the front over every objective someone "
        "weighs; a single stakeholder uses their own constraints and weighted objectives.",
    )
    state.set_focus(focus)
if focus == state.GROUP:
    feas = services.feasibility(a, profiles)
    front_objectives = services.group_objectives(a, profiles)
else:
    view = services.profile_view(a, next(p for p in profiles if p.name == focus), *state.scoring())
    feas = view.feasibility
    front_objectives = view.objectives
front = services.pareto(a, front_objectives) if front_objectives else None
groups = list(dict.fromkeys(o.group for o in sc.objectives))
with c2:
    shown_groups = render.remembered(
        st.multiselect,
        "Objective groups to show",
        groups,
        key="scorecard_groups",
        default=groups,
        help="quality: predictive quality; fairness: gaps between groups; value: money per 1,000 requests; "
        "serving and cost: speed and dollars; explainability; drift: decay over time.",
    )
total = len(sc.candidates)
found: list[str] | None = None
if total <= tables.PAGE_ROWS:
    display = services.scorecard_display(a, feas, front)
    where = ""
else:
    # A page of rows at a time (styling thousands of rows took seconds on every rerun), and a search for any
    # candidate. The first page is cached; another page or a search formats just its rows.
    f1, f2 = st.columns([2, 1])
    with f1:
        query = st.text_input(
            "Find candidates",
            key=state.widget("scorecard_find", a.key),
            placeholder="part of a name, e.g. knn",
            help="Shows the candidates whose name contains every word you type, whatever page they are on.",
        )
    found = tables.find_candidates(sc.candidate_names, query) if query.strip() else None
    if found is not None:
        display = tables.scorecard_display(sc, feas, front, rows=found[: tables.PAGE_ROWS])
        where = (
            f"{len(found):,} of {total:,} candidates match “{query.strip()}”"
            + (f"; showing the first {display.shown:,}." if len(found) > display.shown else ".")
            if found
            else f"No candidate's name contains “{query.strip()}”: clear the search to page through all {total:,}."
        )
    else:
        pages = -(-total // tables.PAGE_ROWS)
        with f2:
            page = st.number_input(
                "Page",
                1,
                pages,
                key=state.widget("scorecard_page", a.key),
                help=f"{tables.PAGE_ROWS} candidates per page, Pareto-optimal first.",
            )
        start = (int(page) - 1) * tables.PAGE_ROWS
        if start == 0:
            display = services.scorecard_display(a, feas, front, max_rows=tables.PAGE_ROWS)
        else:
            order = tables.front_first(sc.candidate_names, front)
            display = tables.scorecard_display(sc, feas, front, rows=order[start : start + tables.PAGE_ROWS])
        where = (
            f"Showing {start + 1:,}–{start + display.shown:,} of {total:,} candidates (Pareto-optimal first), page "
            f"{int(page):,} of {pages:,}."
        )
cols = ["Pareto-optimal", "Constraints"] + [
    title for title, name in display.objectives.items() if sc.objective(name).group in shown_groups
]
if display.shown:
    styler = display.text[cols].style.apply(lambda _: display.css[cols], axis=None)
    st.dataframe(
        styler,
        width="stretch",
        height=min(38 + 35 * display.shown, 640),
        column_config={"_index": st.column_config.Column("candidate", pinned=True)},
    )
st.caption(tables.LEGEND)
if display.shown < display.total:
    st.caption(
        f"{where} The Trade-offs page draws all of them, and the file below has every value."
        if found is None
        else f"{where} The file below has every candidate's values."
    )
    values = services.frames(a)[0]
    st.download_button(
        f"Every candidate's values ({display.total:,} rows, CSV)",
        lambda: values.to_csv(index_label="candidate").encode("utf-8"),  # made when downloaded
        file_name="scorecard_values.csv",
        mime="text/csv",
        icon=":material/download:",
        key=state.widget("scorecard_csv"),
    )

on_front = front.front if front is not None else ()
lines = []
if front is not None:
    k = len(front.objectives)
    over = (
        ", ".join(sc.objective(n).label for n in front.objectives)
        if k <= 5
        else f"the {k} objectives {'someone weighs' if focus == state.GROUP else 'they weigh'}"
    )
    lines.append(
        f"**{len(on_front):,}** of {len(front.candidates):,} candidates on the Pareto front over {over}: no other "
        "candidate is at least as good on all of them and better on one."
    )
    if k > 5 and len(on_front) > 0.6 * len(front.candidates):
        lines.append(
            "With this many objectives nearly every candidate is on the front; pick one stakeholder above for a "
            "sharper front."
        )
    if front.excluded:
        lines.append(f"Left out of the front for a missing value: {', '.join(front.excluded)}.")
if display.infeasible:
    lines.append(
        f"**{len(display.infeasible):,}** break a hard constraint: {', '.join(display.infeasible[:12])}"
        + ("…" if len(display.infeasible) > 12 else "")
        + "."
    )
else:
    lines.append("Every candidate satisfies the constraints (or they cannot be checked).")
st.markdown("  \n".join(lines))

with st.expander("Why each infeasible candidate is out"):
    if not display.infeasible:
        st.write("Nobody is out.")
    for c in display.infeasible[:50]:
        st.markdown(f"**{c}**: " + "; ".join(feas.violations(c)))
    for w in feas.warnings:
        st.caption(tables.clip(w))
with st.expander("What each column means"):
    st.dataframe(tables.objectives_frame(sc.objectives), hide_index=True, width="stretch")
data_warnings = [str(w) for w in sc.dataset.get("warnings") or ()]
if data_warnings:  # where the data cannot support the figures (written by the evaluation)
    st.warning(
        "**The evaluation data cannot fully support some figures:**\n"
        + "\n".join(f"- {tables.clip(w)}" for w in data_warnings),
        icon=":material/warning:",
    )
notes = [(c.name, n) for c in sc.candidates for n in (*c.errors, *c.notes)]
if notes:
    with st.expander(f"Notes on candidates ({len(notes):,})"):
        for name, n in notes[: tables.LISTED]:
            st.markdown(f"- **{name}**: {n}")
        if len(notes) > tables.LISTED:
            st.caption(f"… and {len(notes) - tables.LISTED:,} more notes (the scorecard file has them all).")
