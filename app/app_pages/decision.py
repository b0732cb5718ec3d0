"""Decision: pick the candidate, write why, collect sign-offs, download the report, keep it in the decision log."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from analysis._errors import InputError
from analysis.decision import compute_switch
from analysis.decision_log import LOG_URL_ENV, DecisionSummary, VerifyResult, display_url
from analysis.report import report_to_html, report_to_json, report_to_markdown
from analysis.report._pdf import BROWSER_MISSING
from app.ui import render, services, state
from app.ui.errors import failure_message, render_failure
from app.ui.tables import switch_frame

OTHER = "Other"
#: The log table shows this many of the latest decisions.
LOG_ROWS = 200
#: The longest name the decision log keeps (its name columns are ``String(256)``).
NAME_CHARS = 256
#: The fields of this page by the command-line flag the decision log's messages name them with.
FIELDS = {
    "--by": "Recorded by",
    "--name": "Your name",
    "--role": "Your role",
    "--comment": "Your comment",
    "--rationale": "Rationale",
}
#: Why the downloads, the record and the sign-offs wait for the sensitivity checks.
NEEDS_CHECKS = (
    "The report records how firm the choice is, so signing off, downloading and recording wait for the "
    "sensitivity checks (leave-one-out, what-if draws, statistical ties)."
)


def now() -> datetime:
    """The time recorded with a sign-off or a log entry (UTC, whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)


def when(iso: str) -> str:
    """An ISO 8601 time as people read it (``2026-11-30 14:05 UTC``); other text as it is."""
    try:
        t = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    if t.utcoffset() is not None:
        t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%d %H:%M") + (" UTC" if t.tzinfo is not None else "")


def slug(name: str) -> str:
    """A candidate name made safe for a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "candidate"


def without_location(message: str, loc: services.LogLocation) -> str:
    """A log message with the server's file path or database URL left out (browser users need neither)."""
    for text in sorted({loc.url, loc.shown, display_url(loc.url)}, key=len, reverse=True):
        if text:
            message = message.replace(text, "the server's location")
    return message


def in_page_words(message: str) -> str:
    """A decision-log message with its command-line flags (``(--by)``) replaced by this page's field names."""

    def field(match: re.Match) -> str:
        names = [FIELDS[f] for f in re.findall(r"--[a-z-]+", match.group(1)) if f in FIELDS]
        return f"(the {' and '.join(f'“{n}”' for n in names)} field{'s' if len(names) > 1 else ''})" if names else ""

    return re.sub(r" ?\((--[^)]*)\)", lambda m: (" " + field(m)) if field(m) else "", message)


def log_problem_message(exc: Exception, loc: services.LogLocation, *, what: str) -> str:
    """What to show when the decision log refuses something: its own words in this page's terms, or an error id."""
    if isinstance(exc, InputError):
        return without_location(in_page_words(exc.message), loc)
    return failure_message(exc, what=what)


def pdf_problem(exc: Exception) -> str:
    """Why no PDF: the library's sentence (a missing browser as the operator fixes it), or an error id."""
    if not isinstance(exc, InputError):
        return failure_message(exc, what="making the PDF")
    if exc.source == "--browser" and exc.message.startswith(BROWSER_MISSING.split("{where}")[0]):
        return (
            "PDF export needs Chromium or Google Chrome on the server, and none was found there: the operator "
            "installs one (Debian/Ubuntu: apt-get install chromium) or points BROWSER_PATH at it. HTML and "
            "Markdown exports work without a browser."
        )
    return exc.message


def read_log(loc: services.LogLocation) -> tuple[tuple[DecisionSummary, ...], VerifyResult | None, str | None]:
    """The logged decisions, the integrity check, and a message when the log cannot be read."""
    if not services.log_exists(loc):
        return (), None, None
    try:
        log = services.decision_log(loc)
        return log.list(), log.verify(), None
    except InputError as exc:
        return (), None, f"The decision log cannot be opened: {without_location(in_page_words(exc.message), loc)}"
    except Exception as exc:  # a damaged database file: one sentence and an error id, the details in the server log
        return (), None, failure_message(exc, what="reading the decision log")


a = render.active_or_stop()
sc = a.scorecard
render.page_header(
    "Decision",
    "Record what the group decided: the candidate (the group rule's choice is preselected), why, and each "
    "stakeholder's sign-off. Download the report (HTML, PDF, Markdown, or the JSON decision record) for people "
    "who will never open the dashboard, and keep the decision in the append-only decision log.",
)
try:
    d = render.group_decision_so_far(a)  # the choice first; the sensitivity checks may still be computing
except InputError as exc:
    st.error(f"The group decision could not be made: {exc.message}")
    st.stop()
except Exception as exc:  # ours, not the user's: one sentence and an error id, the traceback in the server log
    render_failure(exc, what="making the group decision")
    st.stop()
dkey = services.decision_key(state.profiles(), state.rule(), *state.scoring(), incumbent=d.incumbent)
roles = [p.role or p.name for p in state.profiles()]

# ---- the pick, the rationale, the sign-offs -------------------------------------------------------
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
    if picked != d.chosen and not d.sensitivity_computed:
        facts.append(f"Whether it is statistically tied with {d.chosen}: being checked")
    elif picked != d.chosen and picked in d.sensitivity.ties:
        facts.append(f"Statistically tied with {d.chosen}")
    if not d.any_feasible:
        facts.insert(0, f"No candidate satisfies every stakeholder's constraints: {d.no_feasible_reason or ''}")
    if d.incumbent is not None:
        facts.append(
            f"Incumbent (in production today): {d.incumbent}" + (" — keep it" if picked == d.incumbent else "")
        )
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
    with st.form(state.widget("signoff_form"), clear_on_submit=True):
        who = st.text_input("Name")
        role = st.selectbox("Role", [*roles, OTHER])
        comment = st.text_input("Comment (optional)")
        ok = st.form_submit_button(
            f"Sign off on {picked}",
            type="primary",
            disabled=not d.sensitivity_computed,
            help=None if d.sensitivity_computed else NEEDS_CHECKS,
        )
    if not d.sensitivity_computed:
        st.caption("Signing off opens when the sensitivity checks are done (below).")
    if ok and d.sensitivity_computed:
        if not who.strip():
            st.error("Write your name to sign off.")
        else:
            state.add_signoff(
                state.SessionSignOff(
                    name=who.strip(), role=role, at=now().isoformat(), comment=comment.strip(), candidate=picked
                )
            )
    signoffs = state.signoffs()
    if signoffs:
        st.dataframe(
            pd.DataFrame(
                [
                    {"name": s.name, "role": s.role, "time": when(s.at), "comment": s.comment, "candidate": s.candidate}
                    for s in signoffs
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    signed = {s.role for s in state.signoffs_for(picked)}
    waiting = [r for r in roles if r not in signed]
    if waiting:
        st.caption(f"Not yet signed off on {picked}: {', '.join(waiting)}.")
    else:
        st.success(f"Every role has signed off on {picked}.", icon=":material/verified:")
    st.caption(
        f"Sign-offs made here are kept in this browser session. Those on {picked} go into the report below, and "
        "into the decision log with it when you record the decision."
    )

# ---- what changes if we switch from the incumbent -------------------------------------------------
if d.incumbent is not None and picked != d.incumbent:
    rows = (
        d.switch
        if picked == d.chosen
        else compute_switch(
            services.decision_table(a), d.incumbent, picked, [o for r in d.taking_part for o in r.objectives]
        )
    )
    st.markdown(f"#### What changes if we switch from {d.incumbent} to {picked}")
    st.table(switch_frame(rows).set_index("objective"))  # static: its cells wrap at any width
    st.caption(
        "Each interval describes one model on its own; overlapping intervals mean the change may be noise "
        "(this is not a paired significance test). The objectives are those the stakeholders taking part weigh."
    )

# ---- the report, in every format ------------------------------------------------------------------
st.divider()
st.markdown("#### Download the report")
loc = services.log_location()
log_summaries, log_check, log_problem = read_log(loc)
mine = state.signoffs_for(picked)
view = None
waiting_for = "Recording opens when the report is ready (above)."  # why recording waits, while it does
if not d.sensitivity_computed:  # the report of a decision without its checks would show placeholders as results
    computing = render.sensitivity_pending(
        a,
        f"Checking how firm the choice is for {render.plural(len(sc.candidates), 'candidate')} in the background. "
        f"{NEEDS_CHECKS} The downloads appear here by themselves when the checks are done.",
    )
    waiting_for = (
        "Recording opens when the sensitivity checks are done (above): the report records how firm the choice is."
        if computing
        else "Nothing to record: the sensitivity checks failed (above)."
    )
else:
    view, check = services.report(
        a, d, dkey, selected=picked, rationale=rationale.strip(), signoffs=[s.to_report() for s in mine]
    )
    if render.waited(
        check,
        f"Preparing the report on {picked} in the background ({render.plural(len(sc.candidates), 'candidate')}); "
        "the downloads and the log appear here when it is ready.",
    ):
        try:
            check.future.result()
        except InputError as exc:
            st.error(f"The report could not be built: {exc.message}")
            view, waiting_for = None, "Nothing to record: the report could not be built (above)."
        except Exception as exc:  # ours: one sentence and an error id, the traceback in the server log
            render_failure(exc, what="building the report")
            view, waiting_for = None, "Nothing to record: the report could not be built (above)."
    else:
        view = None
# "decision recorded" only while this decision is in the log (a log replaced or emptied since does not count)
recorded_id = state.logged().get(view.key) if view is not None else None
if recorded_id not in {s.id for s in log_summaries}:
    recorded_id = None
recorded = recorded_id is not None
st.caption(
    f"One report on {picked} in four formats: the question, every candidate's measurements, why this choice, "
    f"how robust it is, fairness, serving, drift, the rationale and {render.plural(len(mine), 'sign-off')}. HTML "
    "opens offline with interactive charts; Markdown suits a pull request or a wiki; JSON is the decision record "
    "(`tradeoffs.decision_record`, docs/decision_record.md); PDF has static charts. Each file is generated when "
    "you download it (the PDF when you prepare it)."
)
if recorded:
    st.caption(f'Recorded in the decision log as decision #{recorded_id}: the files say "decision recorded".')
else:
    st.caption(
        'Not recorded in the decision log yet: until you record it below, the files say "no decision recorded '
        '(provisional view)".'
    )
if view is not None:
    stem = f"decision-{slug(picked)}"
    c1, c2 = st.columns(2)  # two per row: full labels at 1000 px
    c3, c4 = st.columns(2)
    c1.download_button(
        "HTML report",
        lambda v=view, r=recorded: report_to_html(services.report_file(v, recorded=r)),
        file_name=f"{stem}.html",
        mime="text/html",
        on_click="ignore",
        type="primary",
        icon=":material/download:",
        width="stretch",
        key=state.widget("download", "html"),
    )
    c2.download_button(
        "Markdown report",
        lambda v=view, r=recorded: report_to_markdown(services.report_file(v, recorded=r)),
        file_name=f"{stem}.md",
        mime="text/markdown",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
        key=state.widget("download", "md"),
    )
    c3.download_button(
        "JSON decision record",
        lambda v=view, r=recorded: report_to_json(services.report_file(v, recorded=r)),
        file_name=f"{stem}.json",
        mime="application/json",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
        key=state.widget("download", "json"),
    )
    with c4:
        ready = state.pref("pdf_ready")  # (report key, recorded, when prepared) of the prepared PDF
        if ready and (ready[0], ready[1]) == (view.key, recorded):
            prepared_at = datetime.fromisoformat(ready[2])
            try:
                with st.spinner("Preparing the PDF…"):
                    pdf = services.report_pdf(view, recorded=recorded, prepared_at=prepared_at)  # cached
            except Exception as exc:  # kept and shown next to the button (an unexpected one: an error id)
                state.set_pref("pdf_ready", None)
                state.set_pref("pdf_error", (view.key, pdf_problem(exc)))
                st.rerun()
            st.download_button(
                "PDF report",
                pdf,
                file_name=f"{stem}.pdf",
                mime="application/pdf",
                on_click="ignore",
                icon=":material/download:",
                width="stretch",
                key=state.widget("download", "pdf"),
                help=f"Generated at {when(ready[2])}"
                + ("." if recorded else "; prepare it again after recording the decision."),
            )
        else:
            if st.button(
                "Prepare PDF",
                icon=":material/picture_as_pdf:",
                width="stretch",
                key=state.widget("download", "prepare_pdf"),
                help="About 5 seconds: Chromium draws the charts and prints A4 pages. The download appears here.",
            ):
                with st.spinner("Chromium is drawing the charts and printing the pages (about 5 s)…"):
                    prepared_at = now()
                    try:
                        services.report_pdf(view, recorded=recorded, prepared_at=prepared_at)
                    except Exception as exc:  # kept and shown next to the button (an unexpected one: an error id)
                        state.set_pref("pdf_error", (view.key, pdf_problem(exc)))
                    else:
                        state.set_pref("pdf_ready", (view.key, recorded, prepared_at.isoformat()))
                        state.set_pref("pdf_error", None)
                st.rerun()
        error = state.pref("pdf_error")
        if error and error[0] == view.key:
            st.error(error[1], icon=":material/error:")


# ---- the decision log -----------------------------------------------------------------------------
def decision_label(s: DecisionSummary) -> str:
    """How a logged decision is named in the selectors."""
    return f"#{s.id}: {s.chosen} ({when(s.created_at)})"


def record_form(log_summaries: tuple[DecisionSummary, ...], loc: services.LogLocation) -> None:
    """Record the report above as a new decision (optionally superseding a current one)."""
    st.markdown("**Record this decision**")
    done = recorded_id
    current = [s for s in log_summaries if s.status == "current"]
    by_id = {s.id: s for s in current}
    with st.form(state.widget("log_record_form")):
        by = st.text_input("Recorded by (optional)", max_chars=NAME_CHARS, key=state.widget("log", "by"))
        supersedes = 0  # 0: no decision (ids start at 1)
        if by_id:
            supersedes = st.selectbox(
                "Replaces",
                [0, *reversed(list(by_id))],
                format_func=lambda i: "nothing: a new decision" if i == 0 else decision_label(by_id[i]),
                key=state.widget("log", "supersedes"),
                help="A decision in the log is never edited: a new one supersedes it, and the old one is kept.",
            )
        go = st.form_submit_button(
            "Record this decision in the log",
            type="primary",
            disabled=view is None or done is not None,
            help=None if view is not None or done is not None else waiting_for,
        )
    if done is not None:
        st.caption(f"This report (on {picked}, with this rationale and these sign-offs) is decision #{done}.")
    elif view is None:
        st.caption(waiting_for)
    if go and view is not None:
        at = now()
        try:
            new_id = services.decision_log(loc).append_decision(
                services.report_file(view, recorded=True, now=at),
                now=at,
                supersedes=supersedes or None,
                recorded_by=by.strip() or None,
            )
        except Exception as exc:  # an InputError in its own words, anything else one sentence and an error id
            st.error(log_problem_message(exc, loc, what="recording the decision"), icon=":material/error:")
            return
        state.set_logged(view.key, new_id)
        state.set_pref("log_notice", f"Recorded as decision #{new_id} ({picked}).")
        st.rerun()


def signoff_form(log_summaries: tuple[DecisionSummary, ...], loc: services.LogLocation) -> None:
    """Sign off a decision already in the log (a new log entry; the time is now)."""
    st.markdown("**Sign off a recorded decision**")
    current = [s for s in log_summaries if s.status == "current"]
    if not current:
        st.caption("Nothing to sign off yet: record a decision first.")
        return
    ids = [s.id for s in reversed(current)]
    by_id = {s.id: s for s in current}
    mine = [i for i in state.logged().values() if i in by_id]
    with st.form(state.widget("log_signoff_form"), clear_on_submit=True):
        target = st.selectbox(
            "Decision",
            ids,
            index=ids.index(mine[-1]) if mine else 0,
            format_func=lambda i: decision_label(by_id[i]),
            key=state.widget("log", "target"),
        )
        who = st.text_input("Your name", max_chars=NAME_CHARS, key=state.widget("log", "name"))
        role = st.selectbox("Your role", [*roles, OTHER], key=state.widget("log", "role"))
        comment = st.text_input("Your comment (optional)", key=state.widget("log", "comment"))
        ok = st.form_submit_button("Sign off in the log")
    if ok:
        if not who.strip():
            st.error("Write your name to sign off.")
            return
        try:
            services.decision_log(loc).sign_off(
                target, role=role, name=who.strip(), comment=comment.strip() or None, now=now()
            )
        except Exception as exc:  # an InputError in its own words, anything else one sentence and an error id
            st.error(log_problem_message(exc, loc, what="signing off in the decision log"), icon=":material/error:")
            return
        state.set_pref("log_notice", f"Sign-off recorded on decision #{target}.")  # the table shows who
        st.rerun()


def log_table(log_summaries: tuple[DecisionSummary, ...], loc: services.LogLocation) -> None:
    """Past decisions, newest first."""
    if not log_summaries:
        st.caption("No decision recorded yet.")
        return
    shown = list(reversed(log_summaries))[:LOG_ROWS]
    rows = [
        {
            "id": s.id,
            "recorded at": when(s.created_at),
            "chosen": s.chosen,
            "status": s.status if s.superseded_by is None else f"{s.status} by #{s.superseded_by}",
            "sign-offs": "; ".join(services.log_signoffs(loc, s.id, s.signoffs)) or "none",
            "rationale": s.rationale or "",
            "recorded by": s.recorded_by or "",
        }
        for s in shown
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=state.widget("log", "table"))
    if len(log_summaries) > LOG_ROWS:
        st.caption(f"The latest {LOG_ROWS} of {len(log_summaries):,} decisions; `tradeoffs log list` shows all.")


def decision_log_section() -> None:
    """Whether the log is intact, recording, signing off, and the past decisions (where it is: the operator's)."""
    st.divider()
    st.markdown("#### Decision log")
    where = (
        f"chosen by the operator with `{LOG_URL_ENV}`"
        if loc.from_env
        else f"the default location; the operator sets `{LOG_URL_ENV}` to a file or a database URL to share another"
    )
    kind = "an SQLite file" if loc.is_file else "a database"
    st.caption(
        f"Log: the server's decision log ({kind}, {where}). Append-only and hash-chained: an entry is never edited, "
        "a new decision supersedes an old one, and the integrity check names the first entry changed since it was "
        "written."
    )
    if log_problem is not None:
        st.error(log_problem, icon=":material/error:")
        return
    if log_check is not None:
        entries = f"{log_check.n_entries:,} {'entry' if log_check.n_entries == 1 else 'entries'}"
        if log_check.ok:
            st.success(
                f"Log intact: {entries} checked; head hash {log_check.head_hash[:16]}… (publish it to detect entries "
                "removed later).",
                icon=":material/verified_user:",
            )
        else:
            where_broken = f"broken at entry {log_check.broken_id}" if log_check.broken_id is not None else "broken"
            st.error(f"Log {where_broken}: {log_check.reason}", icon=":material/gpp_bad:")
    else:
        st.info("The log is empty: recording the first decision creates it.", icon=":material/info:")
    notice = state.pref("log_notice")
    if notice:
        st.success(notice, icon=":material/check_circle:")
        state.set_pref("log_notice", None)
    l1, r1 = st.columns(2, gap="large")
    with l1:
        record_form(log_summaries, loc)
    with r1:
        signoff_form(log_summaries, loc)
    st.markdown("**Past decisions**")
    log_table(log_summaries, loc)


decision_log_section()
