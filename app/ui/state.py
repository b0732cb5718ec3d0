"""Every session-state key of the dashboard, defined once, with the accessors pages use.

Session state is per browser session: uploads, evaluated scorecards, edited profiles and
sign-offs live here and nowhere else, so one session never sees another's. Module-level values
are constants only.

Widget keys are built by :func:`widget` (prefix ``w.``) and never hold the truth: a widget's
value is copied into a ``tradeoffs.*`` key, because Streamlit forgets widget keys of a page the
user has left. Keys that depend on the profiles include :func:`profiles_version`, which changes
whenever the profiles are replaced wholesale (a loaded file, a reset), so sliders start from the
new values.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import streamlit as st

from analysis.decision import StakeholderProfile, default_profiles
from analysis.report import SignOff as ReportSignOff
from analysis.scorecard import Scorecard
from app.ui import links

_P = "tradeoffs."
SESSION_ID = _P + "session_id"
PROFILES = _P + "profiles"
PROFILES_VERSION = _P + "profiles_version"
METHOD = _P + "method"
RULE = _P + "rule"
FOCUS = _P + "focus"
OWN = _P + "own"
OWN_COUNTER = _P + "own_counter"
USE_OWN = _P + "use_own"
UPLOAD_DIR = _P + "upload_dir"
UPLOADS = _P + "uploads"
ERRORS = _P + "errors"
JOB = _P + "job"
DATASET = _P + "dataset"
TRAIN_DATA = _P + "train_data"
SIGNOFFS = _P + "signoffs"
RATIONALE = _P + "rationale"
SELECTED = _P + "selected"
TRADE_AXES = _P + "trade_axes"
LINK_WARNINGS = _P + "link_warnings"
PREFS = _P + "prefs"
DEFAULTS = _P + "default_profiles"
PROFILES_FOR = _P + "profiles_for"
LINK_QUERY = _P + "link_query"
PERF = _P + "perf"
LOGGED = _P + "logged"
#: Role choices of the uploaded dataset: ``{"file_id", "guess" (RoleGuess), "choices" {name: value}}`` or None.
ROLES = _P + "roles"
#: Generation of each upload slot's uploader widget (bumped after each upload, so it shows empty again).
UPLOADER_GEN = _P + "uploader_gen"
#: Per-candidate checks against the data: ``{(kind, file_id, ...inputs): CandidateCheck}``.
PREFLIGHT = _P + "preflight"
#: The candidate in production today (a candidate name), or None. Other pages read it.
INCUMBENT = _P + "incumbent"
#: Match prediction files to data rows by position (True) rather than on the id column (False).
MATCH_BY_POSITION = _P + "match_by_position"
#: The last evaluation started from the Data & models page: what was left out and why, the own key.
LAST_EVALUATION = _P + "last_evaluation"
#: The session's :class:`app.ui.workers.SessionToken`: its cleanups run when Streamlit drops this state.
WORKER_TOKEN = _P + "worker_token"
#: Operating points added as candidates (Operating points page; the link's ``op``).
OPERATING_POINTS = _P + "operating_points"

GROUP = "Everyone (all stakeholders)"


def widget(*parts: object) -> str:
    """A widget key (``w.`` + parts): never the source of truth, see the module docstring."""
    return "w." + ".".join(str(p) for p in parts)


# ---- records kept in session state ---------------------------------------------------------------
@dataclass(frozen=True)
class OwnScorecard:
    """A scorecard this session brought (uploaded or evaluated), with its cache key."""

    key: str
    scorecard: Scorecard
    label: str


class SessionDir:
    """A per-session temporary folder for uploads, removed when the session's state is dropped."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="tradeoffs-upload-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), ignore_errors=True)

    def cleanup(self) -> None:
        """Remove the folder now."""
        self._finalizer()


@dataclass
class SavedUpload:
    """One uploaded file written to the session folder."""

    slot: str
    name: str
    path: Path
    size: int
    file_id: str


@dataclass(frozen=True)
class SessionSignOff:
    """A sign-off given in this session on one candidate (``at``: ISO 8601 time).

    The library's :class:`analysis.report.SignOff` (same fields, same order) plus the candidate it is
    on, since the page keeps sign-offs for several candidates until one is recorded.
    """

    role: str
    name: str
    at: str
    comment: str
    candidate: str

    def to_report(self) -> ReportSignOff:
        """The library's sign-off record (what ``build_report`` and the decision log take)."""
        return ReportSignOff(role=self.role, name=self.name, at=self.at, comment=self.comment or None)


@dataclass
class Prefs:
    """Small per-session view choices (kept when the user leaves a page)."""

    values: dict[str, Any] = field(default_factory=dict)


# ---- initialisation ------------------------------------------------------------------------------
def init() -> None:
    """Create every key once per session; the first run reads the shared view from the URL."""
    ss = st.session_state
    if SESSION_ID in ss:
        return
    ss[SESSION_ID] = uuid.uuid4().hex
    # The profiles depend on the scorecard shown (its measured objectives, its incumbent), which
    # is known only after the pages' services run: ensure_profiles() sets them on every run.
    ss[LINK_QUERY] = dict(st.query_params.to_dict())
    ss[PROFILES_FOR] = None
    defaults = default_profiles()
    ss[DEFAULTS] = defaults
    _, method, rule, warnings = links.decode_view(ss[LINK_QUERY], defaults)
    ss[PROFILES] = defaults
    ss[PROFILES_VERSION] = 0
    ss[METHOD] = method
    ss[RULE] = rule
    ss[LINK_WARNINGS] = ()
    ss[FOCUS] = GROUP
    ss[OWN] = None
    ss[OWN_COUNTER] = 0
    ss[USE_OWN] = False
    ss[UPLOADS] = {}
    ss[ERRORS] = {}
    ss[JOB] = None
    ss[DATASET] = None
    ss[TRAIN_DATA] = None
    ss[SIGNOFFS] = []
    ss[RATIONALE] = ""
    ss[SELECTED] = None
    ss[TRADE_AXES] = None
    ss[PREFS] = Prefs()
    ss[PERF] = None
    ss[LOGGED] = {}
    ss[ROLES] = None
    ss[UPLOADER_GEN] = {}
    ss[PREFLIGHT] = {}
    ss[INCUMBENT] = None
    ss[MATCH_BY_POSITION] = False
    ss[LAST_EVALUATION] = None
    ss[OPERATING_POINTS], _ = links.decode_points(ss[LINK_QUERY])


def ensure_profiles(context: str, defaults: tuple[StakeholderProfile, ...]) -> None:
    """Start from ``defaults`` whenever the scorecard (or its incumbent) changes.

    ``context`` says what the defaults were resolved for. The first time, a shared link's weights and
    constraints apply on top of them; later changes of scorecard start again from its defaults.
    """
    ss = st.session_state
    if ss[PROFILES_FOR] == context:
        return
    first = ss[PROFILES_FOR] is None
    ss[PROFILES_FOR] = context
    ss[DEFAULTS] = tuple(defaults)
    if first and ss[LINK_QUERY]:
        profiles, _, _, warnings = links.decode_view(ss[LINK_QUERY], defaults)
        ss[LINK_WARNINGS] = warnings + links.decode_points(ss[LINK_QUERY])[1]
    else:
        profiles = tuple(defaults)
        if not first:
            ss[OPERATING_POINTS] = ()  # added to another scorecard's candidates
    ss[PROFILES] = profiles
    if not first:
        ss[PROFILES_VERSION] += 1  # widgets restart from the new defaults


def session_id() -> str:
    """This browser session's random id (part of every per-session cache key)."""
    return st.session_state[SESSION_ID]


# ---- the shared view: profiles, method, rule ------------------------------------------------------
def defaults() -> tuple[StakeholderProfile, ...]:
    """The profiles this scorecard starts with (what a link is relative to and Reset returns to)."""
    return st.session_state[DEFAULTS]


def profiles() -> tuple[StakeholderProfile, ...]:
    """The current stakeholder profiles (defaults, the link's, or edited)."""
    return st.session_state[PROFILES]


def profiles_version() -> int:
    """Changes whenever the profiles are replaced wholesale."""
    return st.session_state[PROFILES_VERSION]


def set_profiles(new: tuple[StakeholderProfile, ...]) -> None:
    """Replace every profile (a loaded file, a reset): widgets restart from the new values."""
    st.session_state[PROFILES] = tuple(new)
    st.session_state[PROFILES_VERSION] += 1
    sync_url()


def update_profile(name: str, new: StakeholderProfile) -> None:
    """Replace one profile in place (a slider moved, a constraint edited), and the URL with it.

    Writing the URL is a point where Streamlit stops a run when a newer rerun request waits (the
    message is then never sent). In the script's body the change is undone then, so the page's
    comparison of its widgets with the state (``if value != w: set_weight(...)``) makes it again on
    the next run, URL included: kept, the next run would see nothing to do and the link would stay
    behind (issue 13), since a fragment's run does not end with :func:`sync_url` as a full run
    does. A callback keeps its change (it runs once per change; undone, the user's action would be
    lost): the next full run writes the URL.
    """
    ss = st.session_state
    before = ss[PROFILES]
    ss[PROFILES] = tuple(new if p.name == name else p for p in before)
    try:
        sync_url()
    except BaseException:  # Streamlit's rerun/stop: the URL was not written
        if _in_script_body():
            ss[PROFILES] = before
        raise


def set_weight(name: str, objective: str, weight: float) -> None:
    """Set one weight of one profile (adds the objective when the profile did not weigh it)."""
    p = next(p for p in profiles() if p.name == name)
    weights = dict(p.weights)
    weights[objective] = float(weight)
    update_profile(name, replace(p, weights=tuple(weights.items())))


def add_profile(profile: StakeholderProfile) -> None:
    """Add a profile at the end (widgets of the others keep their state)."""
    st.session_state[PROFILES] = (*profiles(), profile)
    sync_url()


def remove_profile(name: str) -> None:
    """Remove a profile."""
    st.session_state[PROFILES] = tuple(p for p in profiles() if p.name != name)
    st.session_state[PROFILES_VERSION] += 1
    sync_url()


def method() -> str:
    """The scoring method every profile uses."""
    return st.session_state[METHOD]


def rule() -> str:
    """The group rule that picks the chosen candidate."""
    return st.session_state[RULE]


def perf() -> str | None:
    """The performance objective Dynascore expresses every objective in (None: not chosen)."""
    return st.session_state[PERF]


def set_perf(value: str | None) -> None:
    """Set Dynascore's performance objective."""
    st.session_state[PERF] = value


def scoring() -> tuple[str, str | None]:
    """``(method, perf)``: the scoring method, and Dynascore's performance objective when it is used."""
    return method(), (perf() if method() == "dynascore" else None)


def set_method(value: str) -> None:
    """Set the scoring method."""
    st.session_state[METHOD] = value
    sync_url()


def set_rule(value: str) -> None:
    """Set the group rule."""
    st.session_state[RULE] = value
    sync_url()


def link_warnings() -> tuple[str, ...]:
    """What the opening link asked for that could not be applied (shown once)."""
    return st.session_state[LINK_WARNINGS]


def _in_script_body() -> bool:
    """Whether the current run is in the page's script (True), not in a widget callback before it."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx is None or bool(getattr(ctx, "has_script_started", True))


def sync_url() -> None:
    """Write the shared view into the page URL (only the keys that differ from the defaults)."""
    wanted = links.encode_view(profiles(), defaults(), method=method(), rule=rule(), points=operating_points())
    current = st.query_params.to_dict()
    keep = {k: v for k, v in current.items() if not links.is_view_param(k)}
    target = {**keep, **wanted}
    if target != current:
        st.query_params.from_dict(target)


def operating_points() -> tuple:
    """The operating points this session added as candidates (``analysis.operating_points.OperatingPoint``)."""
    return st.session_state[OPERATING_POINTS]


def add_operating_point(point) -> None:
    """Add an operating point to the shared decision (and to the link)."""
    points = operating_points()
    if point not in points:
        st.session_state[OPERATING_POINTS] = (*points, point)
    sync_url()


def remove_operating_point(point) -> None:
    """Take an added operating point out of the shared decision (and out of the link)."""
    st.session_state[OPERATING_POINTS] = tuple(p for p in operating_points() if p != point)
    if selected() == point.name:
        set_selected(None)
    sync_url()


def focus() -> str:
    """Whose constraints and front the scorecard and trade-off pages show (a profile or the group)."""
    return st.session_state[FOCUS]


def set_focus(value: str) -> None:
    """Set the focus (``GROUP`` or a profile name)."""
    st.session_state[FOCUS] = value


# ---- the active scorecard -------------------------------------------------------------------------
def own() -> OwnScorecard | None:
    """The scorecard this session brought, if any."""
    return st.session_state[OWN]


def set_own(scorecard: Scorecard, label: str) -> OwnScorecard:
    """Keep a new scorecard of this session and make it the active one."""
    st.session_state[OWN_COUNTER] += 1
    rec = OwnScorecard(f"session:{session_id()}:{st.session_state[OWN_COUNTER]}", scorecard, label)
    st.session_state[OWN] = rec
    st.session_state[USE_OWN] = True
    st.session_state[SELECTED] = None
    st.session_state[TRADE_AXES] = None
    return rec


def use_own() -> bool:
    """Whether the session's own scorecard (rather than the built-in one) is active."""
    return bool(st.session_state[USE_OWN]) and own() is not None


def set_use_own(value: bool) -> None:
    """Switch between the built-in scenario and the session's own scorecard."""
    st.session_state[USE_OWN] = bool(value)
    st.session_state[SELECTED] = None
    st.session_state[TRADE_AXES] = None


# ---- uploads, errors and the evaluation job -------------------------------------------------------
def upload_dir() -> Path:
    """This session's upload folder (created on first use, removed with the session)."""
    ss = st.session_state
    if ss.get(UPLOAD_DIR) is None:
        ss[UPLOAD_DIR] = SessionDir()
    return ss[UPLOAD_DIR].path


def uploads() -> dict[str, list[SavedUpload]]:
    """Saved uploads by slot (``data``, ``models``, ``predictions``, ``scorecard``, ``table``, ``profiles``)."""
    return st.session_state[UPLOADS]


def errors() -> dict[str, str]:
    """Messages by the place they belong to (an upload slot or a column selector)."""
    return st.session_state[ERRORS]


def set_error(place: str, message: str | None) -> None:
    """Show (or clear, with None) the message next to ``place``."""
    if message is None:
        errors().pop(place, None)
    else:
        errors()[place] = message


def job() -> Any:
    """The running or finished evaluation job of this session (see :mod:`app.ui.jobs`)."""
    return st.session_state[JOB]


def set_job(value: Any) -> None:
    """Keep the session's evaluation job."""
    st.session_state[JOB] = value


def dataset() -> Any:
    """The uploaded dataset of this session: ``(SavedUpload, DataFrame)`` or None."""
    return st.session_state[DATASET]


def set_dataset(value: Any) -> None:
    """Keep the uploaded dataset."""
    st.session_state[DATASET] = value


def train_data() -> Any:
    """The uploaded training-period data of this session: ``(SavedUpload, DataFrame)`` or None."""
    return st.session_state[TRAIN_DATA]


def set_train_data(value: Any) -> None:
    """Keep the uploaded training data."""
    st.session_state[TRAIN_DATA] = value


def roles() -> dict | None:
    """The uploaded dataset's proposed roles and the user's choices (see :data:`ROLES`), or None."""
    return st.session_state[ROLES]


def set_roles(value: dict | None) -> None:
    """Keep the dataset's roles (None when the dataset is removed)."""
    st.session_state[ROLES] = value


def uploader_generation(slot: str) -> int:
    """Part of an upload slot's widget key: a new number gives an empty uploader."""
    return st.session_state[UPLOADER_GEN].get(slot, 0)


def bump_uploader(slot: str) -> None:
    """Show an empty uploader for ``slot`` on the next run (its files are kept in :func:`uploads`)."""
    gens = st.session_state[UPLOADER_GEN]
    gens[slot] = gens.get(slot, 0) + 1


def preflight() -> dict:
    """Per-candidate checks against the data, by what they depend on (see :data:`PREFLIGHT`)."""
    return st.session_state[PREFLIGHT]


def incumbent() -> str | None:
    """The candidate in production today (chosen on the Data & models page), or None."""
    return st.session_state[INCUMBENT]


def set_incumbent(name: str | None) -> None:
    """Keep the incumbent (None: there is none)."""
    st.session_state[INCUMBENT] = name


def match_by_position() -> bool:
    """Whether prediction files are matched to data rows by position (else on the id column)."""
    return bool(st.session_state[MATCH_BY_POSITION])


def set_match_by_position(value: bool) -> None:
    """Keep how prediction files are matched to data rows."""
    st.session_state[MATCH_BY_POSITION] = bool(value)


def last_evaluation() -> dict | None:
    """The last evaluation started on the Data & models page: ``{"left_out": [(name, reason)], "own": key}``."""
    return st.session_state[LAST_EVALUATION]


def set_last_evaluation(value: dict | None) -> None:
    """Keep what the last evaluation left out (and, once done, which scorecard it made)."""
    st.session_state[LAST_EVALUATION] = value


# ---- the decision record --------------------------------------------------------------------------
def signoffs() -> list[SessionSignOff]:
    """Sign-offs recorded in this session."""
    return st.session_state[SIGNOFFS]


def add_signoff(item: SessionSignOff) -> None:
    """Record a sign-off."""
    st.session_state[SIGNOFFS] = [*signoffs(), item]


def signoffs_for(candidate: str) -> tuple[SessionSignOff, ...]:
    """This session's sign-offs on one candidate (the ones a report on that candidate carries)."""
    return tuple(s for s in signoffs() if s.candidate == candidate)


def logged() -> dict[str, int]:
    """Decisions this session recorded in the decision log: ``{report key: decision id}``."""
    return st.session_state[LOGGED]


def set_logged(report_key: str, decision_id: int) -> None:
    """Remember that the report under ``report_key`` was recorded as ``decision_id``."""
    st.session_state[LOGGED] = {**logged(), report_key: decision_id}


def rationale() -> str:
    """The written rationale of the decision."""
    return st.session_state[RATIONALE]


def set_rationale(text: str) -> None:
    """Keep the rationale."""
    st.session_state[RATIONALE] = text


def selected() -> str | None:
    """The candidate picked on the decision page (None: the group's choice)."""
    return st.session_state[SELECTED]


def set_selected(value: str | None) -> None:
    """Keep the picked candidate."""
    st.session_state[SELECTED] = value


def trade_axes() -> tuple[str, str] | None:
    """The objectives of the trade-off scatter (None: defaults)."""
    return st.session_state[TRADE_AXES]


def set_trade_axes(x: str, y: str) -> None:
    """Keep the objectives of the trade-off scatter."""
    st.session_state[TRADE_AXES] = (x, y)


def pref(name: str, default: Any = None) -> Any:
    """A small view choice (a selected attribute, metric, SLO) kept across pages."""
    return st.session_state[PREFS].values.get(name, default)


def set_pref(name: str, value: Any) -> None:
    """Keep a small view choice."""
    st.session_state[PREFS].values[name] = value
