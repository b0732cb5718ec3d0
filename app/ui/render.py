"""Small UI helpers shared by pages: the sidebar frame, headers, guidance when data is missing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from analysis._errors import InputError
from analysis.decision import GROUP_RULES, METHODS
from analysis.figures import fit_title
from app.ui import services, state

#: Pixels a chart gets on a 1000 px wide screen (the narrowest the pages are laid out for), by the
#: share of the page its column takes: titles and subtitles are wrapped to fit (see ``chart``).
HALF = 255
THREE_QUARTERS = 395

METHOD_HELP = (
    "How one stakeholder's weights turn the objectives into one score. wsm (default) maps each objective "
    "between fixed 'worst acceptable' and 'ideal' values, so adding or removing a candidate never reorders "
    "the others."
)
RULE_HELP = (
    "How the stakeholders' rankings become one group choice. minimax-regret (default) picks the candidate "
    "whose worst disappointment, over all stakeholders, is smallest."
)


def plural(n: int, word: str) -> str:
    """``"1 candidate"``, ``"1,000 candidates"``."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def bind(key: str, default: Any) -> str:
    """Give a widget key its starting value once (so the widget needs no ``value=``); returns the key."""
    if key not in st.session_state:
        st.session_state[key] = default
    return key


def page_header(title: str, intro: str) -> None:
    """Title and a one-paragraph explanation of what the page is for."""
    st.title(title)
    st.markdown(intro)


def active_or_stop() -> services.Active:
    """The active scorecard, or an explanation (and stop) when the built-in one cannot be loaded."""
    try:
        return services.active()
    except InputError as exc:
        st.error(f"The default scorecard could not be loaded: {exc.message}")
        st.stop()
        raise  # pragma: no cover - st.stop raises


def chart(fig: go.Figure, *, key: str, width: int | None = None) -> None:
    """Draw a figure; in a column narrower than the page, wrap its titles to the column's ``width`` first.

    Only pass figures built for this call (not a cached, shared one): the titles are re-laid out in place.
    """
    if width is not None:
        fit_title(fig, width)
    st.plotly_chart(fig, key=key)


def waited(job: services.DecisionJob, notice: str) -> bool:
    """True once ``job`` is done (waiting :data:`services.DECISION_WAIT_S` for it); else ``notice`` and False.

    The notice says the work goes on in the background and refreshes itself until it is done, so no
    click is needed and the other pages stay usable meanwhile.
    """
    try:
        job.future.result(timeout=services.DECISION_WAIT_S)
    except TimeoutError:
        st.info(notice, icon=":material/hourglass:")
        _progress(job)
        return False
    except Exception:  # done, with an error the caller reads from the future
        pass
    return True


@st.fragment(run_every=1.0)
def _progress(job: services.DecisionJob) -> None:
    if job.future.done():
        st.rerun()
    st.caption(f"Computing for {job.elapsed():.0f} s.")


def group_decision(a: services.Active):
    """The group decision for the session's profiles, rule and method, or a notice and stop while it is computed.

    Small scorecards are done within the wait; larger ones say so and fill in by themselves (:func:`waited`).
    Raises :class:`InputError` when no decision can be made.
    """
    job = services.decision_job(a, state.profiles(), state.rule(), *state.scoring())
    assert job is not None  # started when missing
    n = len(a.scorecard.candidates)
    notice = (
        f"Weighing every stakeholder, the group rules and the sensitivity checks for {plural(n, 'candidate')} in "
        "the background: leave-one-out and hundreds of what-if draws take a while at this size. This page fills "
        "in by itself when they are done; the other pages work meanwhile."
    )
    if not waited(job, notice):
        st.stop()
    return job.future.result()


def missing(what: str, how: str) -> None:
    """Say what is missing from the current scorecard and how to get it (instead of failing)."""
    st.info(f"**{what}**\n\n{how}", icon=":material/info:")


def candidate_select(
    label: str,
    names: Sequence[str],
    *,
    key: str,
    default: str | None = None,
    help: str | None = None,
) -> str | None:
    """A selectbox of candidate names whose choice survives page changes (kept in prefs)."""
    names = list(names)
    if not names:
        return None
    current = state.pref(key, default)
    if current not in names:
        current = default if default in names else names[0]
    wkey = state.widget(key, services.active().key)
    bind(wkey, current)
    if st.session_state[wkey] not in names:
        st.session_state[wkey] = current
    value = st.selectbox(label, names, key=wkey, help=help)
    state.set_pref(key, value)
    return value


def remembered(
    widget_fn: Callable[..., Any], label: str, options: Sequence[Any], *, key: str, default: Any, **kw: Any
) -> Any:
    """A selectbox/radio/multiselect whose value is kept in prefs across pages."""
    options = list(options)
    current = state.pref(key, default)
    if isinstance(current, list):
        current = [c for c in current if c in options]
    elif current not in options:
        current = default if default in options else (options[0] if options else None)
    wkey = state.widget(key)
    bind(wkey, current)
    value = widget_fn(label, options, key=wkey, **kw)
    state.set_pref(key, value)
    return value


def sidebar() -> None:
    """The shared frame: which scorecard is shown, the scoring method and group rule, the link."""
    with st.sidebar:
        try:
            a = services.active()
        except InputError as exc:
            st.error(exc.message)
            return
        sc = a.scorecard
        rows = sc.dataset.get("rows")
        if not a.builtin:
            what = "your scorecard"
        elif a.label == services.builtin_card().name:
            what = "the built-in scenario"
        else:
            what = "the default scorecard"
        st.markdown(
            f"**Showing:** {what}  \n"
            f"{a.label}  \n{plural(len(sc.candidates), 'candidate')} · {plural(len(sc.objectives), 'objective')}"
            + (f" · {plural(rows, 'row')}" if isinstance(rows, int) else "")
        )
        if state.own() is not None:
            current = "Yours" if state.use_own() else "Built-in scenario"
            ukey = bind(state.widget("use_own"), current)
            if st.session_state[ukey] != current:
                st.session_state[ukey] = current
            st.radio(
                "Scorecard",
                ["Built-in scenario", "Yours"],
                key=ukey,
                horizontal=True,
                on_change=lambda: state.set_use_own(st.session_state[ukey] == "Yours"),
            )
        mkey = bind(state.widget("method"), state.method())
        if st.session_state[mkey] != state.method():
            st.session_state[mkey] = state.method()
        st.selectbox(
            "Scoring method",
            METHODS,
            key=mkey,
            help=METHOD_HELP,
            on_change=lambda: state.set_method(st.session_state[mkey]),
        )
        if state.method() == "dynascore":
            names = [o.name for o in sc.objectives]
            current = state.perf() if state.perf() in names else ("roc_auc" if "roc_auc" in names else names[0])
            state.set_perf(current)
            pkey = bind(state.widget("perf", a.key), current)
            st.selectbox(
                "Dynascore units (performance objective)",
                names,
                key=pkey,
                help="Dynascore expresses every objective in units of this one (Ma et al. 2021).",
                on_change=lambda: state.set_perf(st.session_state[pkey]),
            )
        rkey = bind(state.widget("rule"), state.rule())
        if st.session_state[rkey] != state.rule():
            st.session_state[rkey] = state.rule()
        st.selectbox(
            "Group rule",
            GROUP_RULES,
            key=rkey,
            help=RULE_HELP,
            on_change=lambda: state.set_rule(st.session_state[rkey]),
        )
        st.caption(
            "The address bar holds the current weights, constraints, method and rule: copy it to share "
            "exactly this view."
        )
        for w in state.link_warnings():
            st.warning(w)


# ---- the group decision as far as it is computed (issue 12) ---------------------------------------
# Added in a block of its own: pages show the choice from the quick decision (no sensitivity checks)
# as soon as it is ready, and the sensitivity parts fill in by themselves when the full one is done.
def _succeeded(job: services.DecisionJob | None) -> bool:
    return job is not None and job.future.done() and job.future.exception() is None


def group_decision_so_far(a: services.Active) -> services.Decision:
    """The group decision as far as it is computed, or a notice and stop while not even the choice is known.

    The full decision when it is done within the wait (small scorecards: the page looks as it always
    did); else the quick one (``sensitivity_computed`` False: the choice, every stakeholder's pick
    and the rules' rankings, never a sensitivity figure), and the page calls
    :func:`sensitivity_pending` where the sensitivity parts go. Once the quick one is done, a rerun
    (a click on the page) no longer waits for the full one. Raises :class:`InputError` when no
    decision can be made, and any other exception of the computation as it is (the page turns it
    into one sentence).
    """
    from concurrent.futures import wait

    quick, full = services.decision_jobs(a, state.profiles(), state.rule(), *state.scoring())
    if not _succeeded(quick):
        wait([full.future], timeout=services.DECISION_WAIT_S)
    if full.future.done() and (full.future.exception() is None or not _succeeded(quick)):
        return full.future.result()
    if _succeeded(quick):  # the full one is computing, or failed in its sensitivity checks (shown there)
        return quick.future.result()
    if quick is not None and quick.future.done() and isinstance(quick.future.exception(), InputError):
        return quick.future.result()  # raises: the full decision will say the same
    n = len(a.scorecard.candidates)
    st.info(
        f"Weighing every stakeholder and the group rules for {plural(n, 'candidate')} in the background: the "
        "group's choice appears here in a moment, and how firm it is (leave-one-out, hundreds of what-if draws) "
        "after it. This page fills in by itself; the other pages work meanwhile.",
        icon=":material/hourglass:",
    )
    _first_result(quick if quick is not None and not quick.future.done() else full)
    st.stop()
    raise AssertionError("unreachable")  # pragma: no cover - st.stop raises


@st.fragment(run_every=0.5)
def _first_result(job: services.DecisionJob) -> None:
    if job.future.done():
        st.rerun()
    st.caption(f"Computing for {job.elapsed():.0f} s.")


def sensitivity_pending(a: services.Active, notice: str) -> bool:
    """Where a quick decision's sensitivity parts go: ``notice`` while they are computed (True), or the failure.

    While the full decision is computed, the notice (it should say "in the background") and a fragment
    that reruns the page when it is done; if it failed, one sentence with an error id (False).
    """
    from app.ui.errors import render_failure

    job = services.decision_job(a, state.profiles(), state.rule(), *state.scoring())
    assert job is not None  # started when missing
    if job.future.done():
        exc = job.future.exception()
        if exc is None:  # done since this run started: the rerun shows it
            st.rerun()
        render_failure(exc, what="checking how firm the group's choice is")
        return False
    st.info(notice, icon=":material/hourglass:")
    _progress(job)
    return True
