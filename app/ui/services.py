"""The only module with Streamlit caching. Cache keys are cheap identifiers, never big objects.

Every derived result is cached under the *scorecard key* (``builtin:<file>@<mtime>`` for the
built-in scenario, ``session:<session id>:<n>`` for a scorecard a session brought) plus small
hashable arguments (an objective subset, the text of some constraints, a weight vector). The
scorecard itself is passed as an unhashed ``_scorecard`` argument, so nothing large is hashed on a
rerun. A per-session key contains that session's random id, so one session can never be served
another's results; per-session entries expire (``ttl``) and are bounded (``max_entries``).

``st.cache_resource`` is used for frozen records (scorecards, decision tables, fronts, scores,
decisions): they are shared read-only and cannot be mutated by a page. ``st.cache_data`` (which
copies) is used for the small display tables.

Group decisions (:func:`decision_job`) are computed in one background thread and kept by their
inputs, so a page never blocks for the minute a decision takes at 10,000 candidates.

What a weight slider costs: :func:`profile_view` re-scores one profile (``score_table``); the
front (by objective subset) and the feasibility (by constraint text) come from the cache, and
no evaluation, SHAP, fairness or front computation runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy.engine import make_url

from analysis._errors import InputError
from analysis.decision import (
    Decision,
    DecisionTable,
    Dominance,
    FeasibilityResult,
    ParetoResult,
    ScoreResult,
    StakeholderProfile,
    TradeStep,
    build_decision,
    compute_dominance,
    compute_feasibility,
    compute_pareto,
    compute_trade_ratios,
    default_profiles,
    parse_constraint,
    resolve_profiles,
    score_table,
    table_from_scorecard,
)
from analysis.decision_log import LOG_URL_ENV, DecisionLog, display_url, resolve_log_url
from analysis.figures import candidate_colours
from analysis.report import Report, SignOff, build_report, report_to_pdf
from analysis.scenario import DatasetCard, load_card, load_card_profiles
from analysis.scorecard import Scorecard, load_scorecard
from app.ui import state, tables

#: An operator may point the dashboard at another default scorecard (tests use it too).
ENV_SCORECARD = "TRADEOFFS_DEFAULT_SCORECARD"
#: Per-session cache entries live this long after their last use (seconds).
TTL = 3600
#: A page waits this long for the group decision before showing that it is being computed (seconds).
DECISION_WAIT_S = 2.0
#: Up to this many candidates the Fairness page waits for the group decision (to preselect its choice);
#: above, it uses the decision only once another page has had it computed.
DECISION_LIMIT = 300


@dataclass(frozen=True)
class Active:
    """The scorecard the pages show, with its cache key and a label for people."""

    key: str
    scorecard: Scorecard
    label: str
    builtin: bool
    #: The key of the scorecard before the session's operating points were added (== ``key`` without any).
    base_key: str = ""
    #: Why some of the session's operating points could not be added (one sentence each).
    point_warnings: tuple[str, ...] = ()


# ---- the built-in scenario ----------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def builtin_card() -> DatasetCard:
    """The built-in scenario's dataset card (read once per server)."""
    return load_card()


def builtin_path() -> Path | None:
    """The shipped scorecard of the built-in scenario (or the operator's), if there is one."""
    env = os.environ.get(ENV_SCORECARD)
    if env:
        return Path(env)
    path = builtin_card().folder / "scorecard.json"
    return path if path.is_file() else None


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_file(path: str, mtime_ns: int) -> Scorecard:
    return load_scorecard(path)


@st.cache_resource(
    show_spinner="Evaluating the built-in scenario once for this server: about half a minute, then it is instant."
)
def _evaluate_builtin() -> Scorecard:
    """The card's models on its test data, with feature drift against its training data.

    Serving (it would disturb every session's timings while it runs), explanations and the
    backtest are left to ``tradeoffs evaluate --card``, whose scorecard the app reads when shipped.
    """
    from analysis.pipeline import Stages, run_evaluation
    from analysis.scenario import load_card_data, load_card_train_frame

    card = builtin_card()
    data, models = load_card_data(card)
    return run_evaluation(
        data,
        models,
        now=datetime.now(UTC).replace(microsecond=0),
        stages=Stages(train_frame=load_card_train_frame(card)),
    )


def builtin() -> Active:
    """The built-in scenario, already evaluated (shipped file, else evaluated once and cached)."""
    path = builtin_path()
    card = builtin_card()
    if path is not None:
        mtime = path.stat().st_mtime_ns
        sc = _load_file(str(path), mtime)
        source = str(sc.dataset.get("source") or "")
        name = card.name if source.endswith(card.test_file) else path.name  # an operator's own default
        return Active(f"builtin:{path}@{mtime}", sc, name, True)
    return Active("builtin:evaluated", _evaluate_builtin(), card.name, True)


def _base() -> Active:
    own = state.own()
    if state.use_own() and own is not None:
        return Active(own.key, own.scorecard, own.label, False, own.key)
    b = builtin()
    return Active(b.key, b.scorecard, b.label, b.builtin, b.key)


@st.cache_resource(show_spinner=False, max_entries=32, ttl=TTL)
def _with_points(key: str, _scorecard: Scorecard, points: tuple[str, ...]):
    from analysis.operating_points import decode_point, with_operating_points

    return with_operating_points(_scorecard, [decode_point(p) for p in points])


def active() -> Active:
    """The scorecard every page shows: the session's own when chosen, else the built-in one.

    With the operating points the session added (Operating points page, or the link's ``op``) as
    extra candidates; ``base_key`` is the key without them, so adding one keeps the stakeholders'
    profiles as they are.
    """
    base = _base()
    points = state.operating_points()
    if not points:
        return base
    from analysis.operating_points import encode_point

    texts = tuple(encode_point(p) for p in points)
    scorecard, added, warnings = _with_points(base.key, base.scorecard, texts)
    if not added:
        return Active(base.key, base.scorecard, base.label, base.builtin, base.key, warnings)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    return Active(f"{base.key}|op:{digest}", scorecard, base.label, base.builtin, base.key, warnings)


@st.cache_resource(show_spinner=False)
def _prewarm_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="tradeoffs-prewarm")


@st.cache_resource(show_spinner=False, max_entries=32, ttl=TTL)
def _sha256_job(key: str, _scorecard: Scorecard) -> Future:
    sc = _scorecard
    return _prewarm_pool().submit(lambda: sc.sha256)


def prewarm_sha256(a: Active) -> Future:
    """``a.scorecard.sha256`` computing in a background thread, asked for once per scorecard key.

    Every decision records the scorecard's hash, which means writing its JSON: one to several
    CPU-seconds at 10,000 candidates. Asked for once the page has been drawn (the entry script,
    after ``navigation.run()``), it is ready, kept on the scorecard, before the first decision needs
    it; a decision asking sooner waits for this computation instead of repeating it. Not sooner:
    threads take turns on the interpreter lock, so hashing while a page is drawn makes the page
    wait (1 s of page work took 2-4 s next to it at 10,000 candidates). ``future.result()`` is the
    hex digest.
    """
    return _sha256_job(a.key, a.scorecard)


def incumbent(a: Active) -> str | None:
    """The model in production today for the active scorecard, when one is named and is a candidate.

    A session's own scorecard: the Data page's choice, else what the scorecard recorded. The built-in
    scenario: what its scorecard recorded, else its card's ``incumbent``.
    """
    names = set(a.scorecard.candidate_names)
    chosen = state.incumbent() if not a.builtin else None
    for name in (chosen, a.scorecard.settings.get("incumbent"), builtin_card().incumbent if a.builtin else None):
        if name and name in names:
            return str(name)
    return None


@st.cache_resource(show_spinner=False, max_entries=32, ttl=TTL)
def _role_profiles(key: str, _scorecard: Scorecard, builtin: bool, incumbent: str | None):
    base = load_card_profiles(builtin_card()) if builtin else default_profiles()
    return resolve_profiles(
        base,
        _table(key, _scorecard),
        task=_scorecard.task,
        incumbent=incumbent,
        dataset=dict(_scorecard.dataset),
    )


def role_profiles(a: Active) -> tuple[StakeholderProfile, ...]:
    """The stakeholders this scorecard starts with: the built-in scenario's own profiles, else the
    default roles resolved against what the scorecard measured (and its incumbent)."""
    return _role_profiles(a.key, a.scorecard, a.builtin, incumbent(a))


def profiles_context(a: Active) -> str:
    """What the current profiles were resolved for (the scorecard and its incumbent)."""
    return f"{a.base_key or a.key}|{incumbent(a) or ''}"


# ---- derived records, cached by the scorecard key ---------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=32, ttl=TTL)
def _table(key: str, _scorecard: Scorecard) -> DecisionTable:
    return table_from_scorecard(_scorecard)


def decision_table(a: Active) -> DecisionTable:
    """The candidates x objectives table of the active scorecard."""
    return _table(a.key, a.scorecard)


@st.cache_resource(show_spinner=False, max_entries=32, ttl=TTL)
def _colours(key: str, _scorecard: Scorecard) -> dict[str, str]:
    return candidate_colours(_scorecard.candidate_names)


def colours(a: Active) -> dict[str, str]:
    """One colour per candidate, the same on every page."""
    return _colours(a.key, a.scorecard)


@st.cache_resource(show_spinner=False, max_entries=256, ttl=TTL)
def _pareto(key: str, _scorecard: Scorecard, objectives: tuple[str, ...]) -> ParetoResult:
    return compute_pareto(_table(key, _scorecard), list(objectives))


def pareto(a: Active, objectives: Sequence[str]) -> ParetoResult:
    """The Pareto front over ``objectives`` (cached by objective subset)."""
    return _pareto(a.key, a.scorecard, tuple(objectives))


@st.cache_resource(show_spinner=False, max_entries=256, ttl=TTL)
def _feasibility(key: str, _scorecard: Scorecard, constraints: tuple[tuple[str | None, str], ...]) -> FeasibilityResult:
    parsed = [(who, parse_constraint(text)) for who, text in constraints]
    return compute_feasibility(_table(key, _scorecard), parsed)


def feasibility(a: Active, profiles: Sequence[StakeholderProfile]) -> FeasibilityResult:
    """Which candidates satisfy every constraint of ``profiles`` (cached by constraint text)."""
    named = len(profiles) > 1
    cons = tuple((p.name if named else None, str(c)) for p in profiles for c in p.constraints)
    return _feasibility(a.key, a.scorecard, cons)


@st.cache_resource(show_spinner=False, max_entries=64, ttl=TTL)
def _score(
    key: str,
    _scorecard: Scorecard,
    objectives: tuple[str, ...],
    weights: tuple[float, ...],
    bounds: tuple[tuple[str, float, float], ...],
    method: str,
    perf: str | None,
    missing: str = "exclude",
    min_weight_share: float = 0.5,
) -> ScoreResult:
    sub = _table(key, _scorecard).select(list(objectives))
    return score_table(
        sub,
        dict(zip(objectives, weights, strict=True)),
        method=method,
        bounds={n: (w, i) for n, w, i in bounds},
        perf=perf,
        missing=missing,
        min_weight_share=min_weight_share,
    )


@dataclass(frozen=True)
class ProfileView:
    """One stakeholder applied to the active scorecard (without the sensitivity checks).

    The same rules as :func:`analysis.decision.compute_profile_result` (weighted objectives the
    scorecard lacks are reported and left out; the favourite is the best-scored feasible
    candidate), built from cached parts so a slider move re-scores only.
    """

    profile: StakeholderProfile
    method: str
    objectives: tuple[str, ...]
    missing: tuple[str, ...]
    score: ScoreResult | None
    feasibility: FeasibilityResult
    pareto: ParetoResult | None
    favourite: str | None
    warnings: tuple[str, ...]


def profile_view(a: Active, profile: StakeholderProfile, method: str, perf: str | None = None) -> ProfileView:
    """Rank the active scorecard's candidates for one stakeholder (``perf``: Dynascore's units)."""
    table = decision_table(a)
    have = set(table.objective_names)
    present = tuple(n for n, w in profile.weights if w > 0 and n in have)
    missing = tuple(n for n, w in profile.weights if w > 0 and n not in have)
    feas = feasibility(a, [profile])
    warnings = list(feas.warnings)
    score = front = favourite = None
    if not profile.takes_part:
        warnings.insert(0, f"takes no part: {profile.cannot_take_part}")
        return ProfileView(profile, method, (), missing, None, feas, None, None, tuple(warnings))
    if missing:
        warnings.insert(0, f"weights {', '.join(missing)}, which this scorecard lacks; ranked on the rest.")
    if present:
        weights = tuple(dict(profile.weights)[n] for n in present)
        cols = present
        if method == "dynascore" and perf is not None and perf not in present:
            cols, weights = (*present, perf), (*weights, 0.0)  # as compute_profile_result does
        bounds = tuple(b for b in profile.bounds if b[0] in cols)
        try:
            score = _score(
                a.key, a.scorecard, cols, weights, bounds, method, perf, profile.missing, profile.min_weight_share
            )
        except InputError as exc:  # e.g. a profile's bounds contradict this scorecard's directions
            warnings.insert(0, f"cannot rank: {exc.message}")
        else:
            warnings += list(score.warnings)
            front = pareto(a, present)
            unscored = set(score.unscored)
            ok = dict(zip(feas.candidates, feas.feasible, strict=True))
            favourite = next((c for c in score.order if ok.get(c) and c not in unscored), None)
    else:
        warnings.insert(0, "none of its weighted objectives is in this scorecard, so it cannot rank.")
    return ProfileView(profile, method, present, missing, score, feas, front, favourite, tuple(warnings))


def group_objectives(a: Active, profiles: Sequence[StakeholderProfile]) -> tuple[str, ...]:
    """Every objective some profile weighs and the scorecard has (the group's front objectives)."""
    have = set(decision_table(a).objective_names)
    out: list[str] = []
    for p in profiles:
        for n, w in p.weights:
            if w > 0 and n in have and n not in out:
                out.append(n)
    return tuple(out)


@st.cache_resource(show_spinner=False, max_entries=512, ttl=TTL)
def _dominance(key: str, _scorecard: Scorecard, candidate: str, objectives: tuple[str, ...]) -> Dominance:
    return compute_dominance(_table(key, _scorecard), candidate, list(objectives))


def dominance(a: Active, candidate: str, objectives: Sequence[str]) -> Dominance:
    """Who dominates ``candidate`` on ``objectives``, and where each is better."""
    return _dominance(a.key, a.scorecard, candidate, tuple(objectives))


@st.cache_resource(show_spinner=False, max_entries=256, ttl=TTL)
def _trades(key: str, _scorecard: Scorecard, x: str, y: str) -> tuple[TradeStep, ...]:
    return compute_trade_ratios(_table(key, _scorecard), x, y)


def trade_ratios(a: Active, x: str, y: str) -> tuple[TradeStep, ...]:
    """What each step along the two-objective front gains and costs."""
    return _trades(a.key, a.scorecard, x, y)


def profiles_key(profiles: Sequence[StakeholderProfile]) -> str:
    """A short fingerprint of the profiles (their file form), for cache keys."""
    text = json.dumps([p.to_dict() for p in profiles], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class DecisionJob:
    """Work computed in the background (a group decision, a report check): its future and when it was asked for."""

    future: Future
    submitted: float  # time.monotonic()

    def elapsed(self) -> float:
        """Seconds since it was asked for."""
        return time.monotonic() - self.submitted


class _DecisionJobs:
    """Group decisions (and report checks) by their inputs, computed one at a time in a background thread.

    A decision at 10,000 candidates takes longer than a page should block (a script run cannot be
    interrupted while the library computes, so every page of the session would wait): pages ask
    for it here, wait :data:`DECISION_WAIT_S`, and show that it is being computed until it is.
    Bounded like the other caches: the oldest finished decisions are dropped beyond ``max_entries``.
    """

    def __init__(self, max_entries: int = 16) -> None:
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tradeoffs-decision")
        self._jobs: OrderedDict[tuple, DecisionJob] = OrderedDict()
        self._max = max_entries

    def get(self, key: tuple, build: Callable[[], Decision] | None) -> DecisionJob | None:
        with self._lock:
            job = self._jobs.get(key)
            if job is None and build is None:
                return None
            if job is None:
                job = DecisionJob(self._pool.submit(build), time.monotonic())
                self._jobs[key] = job
            self._jobs.move_to_end(key)
            finished = [k for k, j in self._jobs.items() if j.future.done() and k != key]
            while len(self._jobs) > self._max and finished:
                del self._jobs[finished.pop(0)]
            return job


@st.cache_resource(show_spinner=False)
def _decision_jobs() -> _DecisionJobs:
    return _DecisionJobs()


def decision_job(
    a: Active,
    profiles: Sequence[StakeholderProfile],
    rule: str,
    method: str,
    perf: str | None = None,
    *,
    start: bool = True,
) -> DecisionJob | None:
    """The group decision with its sensitivity checks, computing in the background (seeded).

    Asked for once per scorecard key and :func:`decision_key`; ``job.future.result()`` is the
    :class:`Decision` or raises its :class:`InputError`. ``start=False``: only a job already asked
    for (else ``None``).
    """
    p = tuple(profiles)
    inc = incumbent(a)
    key = (a.key, decision_key(p, rule, method, perf, incumbent=inc))
    sc = a.scorecard

    def build() -> Decision:
        return build_decision(sc, p, rule=rule, method=method, perf=perf, random_state=0, incumbent=inc)

    return _decision_jobs().get(key, build if start else None)


def decision(
    a: Active, profiles: Sequence[StakeholderProfile], rule: str, method: str, perf: str | None = None
) -> Decision:
    """The group decision with its sensitivity checks, waited for (seeded: the same inputs give the same record)."""
    job = decision_job(a, profiles, rule, method, perf)
    assert job is not None  # started when missing
    return job.future.result()


# ---- figures --------------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=256, ttl=TTL)
def _figure(key: str, kind: str, args: tuple, _build: Callable[[], go.Figure]) -> go.Figure:
    return _build()


def figure(a: Active, kind: str, args: tuple, build: Callable[[], go.Figure]) -> go.Figure:
    """A figure cached by the scorecard key, its kind and ``args`` (everything it depends on).

    ``st.plotly_chart`` only reads a figure (``to_dict``), so a cached figure is shared safely; a page
    must pass in ``args`` every input of ``build``.
    """
    return _figure(a.key, kind, args, build)


# ---- operating points --------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=32, ttl=TTL)
def _curves(key: str, _scorecard: Scorecard):
    from analysis.operating_points import load_curves

    return load_curves(_scorecard)


def curves(a: Active):
    """The active scorecard's stored threshold curves by candidate (``analysis.operating_points.Curve``)."""
    return _curves(a.key, a.scorecard)


@st.cache_resource(show_spinner=False, max_entries=64, ttl=TTL)
def _cloud(key: str, _scorecard: Scorecard, x: str, y: str):
    from analysis.operating_points import operating_point_cloud

    return operating_point_cloud(_scorecard, x, y)


def operating_cloud(a: Active, x: str, y: str) -> dict:
    """Every stored operating point on objectives ``x`` and ``y`` with their front (cached by the axes)."""
    return _cloud(a.key, a.scorecard, x, y)


# ---- display tables ---------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=16, ttl=TTL)
def _frames(key: str, _scorecard: Scorecard) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (_scorecard.to_frame(), *_scorecard.interval_frames())


def frames(a: Active) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Candidates x objectives values, lower and upper interval bounds (pivoted once per scorecard)."""
    return _frames(a.key, a.scorecard)


@st.cache_data(show_spinner=False, max_entries=16, ttl=TTL)
def _significance(key: str, _scorecard: Scorecard, objectives: tuple[str, ...]) -> pd.DataFrame:
    return tables.significance_frame(_scorecard, objectives)


def significance(a: Active, objectives: Sequence[str]) -> pd.DataFrame:
    """Per objective: the best candidate, who is tied with it, who is worse (see :func:`tables.significance_frame`)."""
    return _significance(a.key, a.scorecard, tuple(objectives))


@st.cache_data(show_spinner=False, max_entries=64, ttl=TTL)
def _scorecard_display(
    key: str,
    _scorecard: Scorecard,
    focus_key: str,
    _feasibility: FeasibilityResult,
    _pareto: ParetoResult | None,
    max_rows: int,
) -> tables.ScorecardDisplay:
    return tables.scorecard_display(_scorecard, _feasibility, _pareto, max_rows=max_rows)


def scorecard_display(
    a: Active,
    feas: FeasibilityResult,
    front: ParetoResult | None,
    *,
    max_rows: int = tables.MAX_ROWS,
) -> tables.ScorecardDisplay:
    """The scorecard as display text and cell styles (cached by the constraints and front objectives)."""
    focus_key = repr((feas.constraints, front.objectives if front is not None else None))
    return _scorecard_display(a.key, a.scorecard, focus_key, feas, front, max_rows)


# ---- serving costs under another price ----------------------------------------------------------
@st.cache_resource(show_spinner=False)
def instance_prices():
    """The example instance price list of :mod:`analysis.serving` (None when that module is unavailable)."""
    try:
        from analysis.serving import load_instance_prices

        return load_instance_prices()
    except (ImportError, InputError):
        return None


@dataclass(frozen=True)
class ServingCost:
    """Dollars per million predictions of one serving entry under the chosen price."""

    name: str
    variant: bool
    single: float | None
    batch: float | None


@st.cache_data(show_spinner=False, max_entries=256, ttl=TTL)
def _serving_costs(key: str, _scorecard: Scorecard, usd_per_hour: float, vcpus: int, utilisation: float) -> list:
    from analysis.serving import compute_cost_per_million, compute_workers

    out = []
    for e in (_scorecard.sections.get("serving") or {}).get("candidates", ()):
        values = []
        for kind in ("cost_single", "cost_batch"):
            assumption = ((e.get(kind) or {}).get("assumption")) or {}
            seconds = assumption.get("seconds_per_prediction")
            threads = int(assumption.get("threads") or 1)
            values.append(
                None
                if not seconds
                else compute_cost_per_million(
                    seconds,
                    usd_per_hour=usd_per_hour,
                    workers=compute_workers(vcpus, threads),
                    utilisation=utilisation,
                )
            )
        out.append(ServingCost(e["name"], e.get("kind") == "variant", values[0], values[1]))
    return out


def serving_costs(a: Active, usd_per_hour: float, vcpus: int, utilisation: float) -> list[ServingCost]:
    """Cost per million of every serving entry at another price, with the library's cost formula."""
    return _serving_costs(a.key, a.scorecard, float(usd_per_hour), int(vcpus), float(utilisation))


# ---- reports ----------------------------------------------------------------------------------
#: Chromium or Chrome for the PDF export when it is not on PATH (the command line reads it too).
ENV_BROWSER = "BROWSER_PATH"


def decision_key(
    profiles: Sequence[StakeholderProfile],
    rule: str,
    method: str,
    perf: str | None = None,
    *,
    incumbent: str | None = None,
) -> str:
    """What :func:`decision` is cached by, besides the scorecard key (profiles, rule, method, units, incumbent)."""
    return f"{profiles_key(tuple(profiles))}|{rule}|{method}|{perf or ''}|{incumbent or ''}"


@dataclass(frozen=True)
class ReportView:
    """What a report is built from (frozen records), with the fingerprint of all of it.

    A view holds no built report: every file is built when it is made (:func:`report_file`), so its
    "generated" time is the time of that build and its status what is true then.
    """

    key: str
    scorecard: Scorecard
    decision: Decision
    selected: str
    rationale: str
    signoffs: tuple[tuple[str, str, str, str | None], ...]


def _signoff_rows(signoffs: Sequence[SignOff]) -> tuple[tuple[str, str, str, str | None], ...]:
    return tuple((s.role, s.name, s.at, s.comment) for s in signoffs)


def _build(view: ReportView, *, recorded: bool, now: datetime) -> Report:
    return build_report(
        view.scorecard,
        view.decision,
        selected=view.selected,
        rationale=view.rationale or None,
        signoffs=[SignOff(*row) for row in view.signoffs],
        now=now,
        provisional=not recorded,
    )


#: The fixed time of the check build (never shown: no file is made from it).
_CHECK_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def report(
    a: Active, d: Decision, dkey: str, *, selected: str, rationale: str, signoffs: Sequence[SignOff]
) -> tuple[ReportView, DecisionJob]:
    """The inputs of the report on ``d`` with the team's pick, rationale and sign-offs, and the check of them.

    ``dkey`` is :func:`decision_key` of the profiles, rule and method ``d`` was made with. The check
    builds the report once per inputs in the background (a minute at 10,000 candidates):
    ``job.future.result()`` raises :class:`InputError` when no report can be built from them.
    """
    rows = _signoff_rows(signoffs)
    text = json.dumps([a.key, dkey, selected, rationale, rows], ensure_ascii=False)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
    view = ReportView(key, a.scorecard, d, selected, rationale, rows)

    def check() -> bool:
        _build(view, recorded=False, now=_CHECK_TIME)
        return True

    job = _decision_jobs().get(("report", key), check)
    assert job is not None  # started when missing
    return view, job


def report_file(view: ReportView, *, recorded: bool, now: datetime | None = None) -> Report:
    """The report as of ``now`` (default: this moment), not cached: its "generated" time is when it was built.

    ``recorded`` says whether this decision is in the decision log: only then is the status
    "decided" ("decision recorded"); before, the report is provisional ("no decision recorded").
    """
    return _build(view, recorded=recorded, now=now or datetime.now(UTC).replace(microsecond=0))


@st.cache_resource(show_spinner=False, max_entries=8, ttl=TTL)
def _pdf(key: str, recorded: bool, prepared_at: str, _view: ReportView) -> bytes:
    report = report_file(_view, recorded=recorded, now=datetime.fromisoformat(prepared_at))
    return report_to_pdf(report, browser=os.environ.get(ENV_BROWSER) or None)


def report_pdf(view: ReportView, *, recorded: bool, prepared_at: datetime) -> bytes:
    """The report as PDF, generated at ``prepared_at`` (about 5 s: Chromium draws the charts and prints).

    Cached by the report's key, its status and ``prepared_at`` (when "Prepare PDF" was pressed), so
    the PDF's "generated" time is when it was made. Raises :class:`InputError` when no browser is
    found or it fails.
    """
    return _pdf(view.key, recorded, prepared_at.isoformat(), view)


# ---- the decision log -------------------------------------------------------------------------
@dataclass(frozen=True)
class LogLocation:
    """Where the decision log is, and why there."""

    url: str
    shown: str  # for people: the SQLite file's path, else the URL with any password hidden
    is_file: bool  # an SQLite file
    from_env: bool


def log_location() -> LogLocation:
    """``TRADEOFFS_LOG_URL`` when the operator set it, else the library's default file."""
    url = resolve_log_url(None, environ=os.environ)
    parsed = make_url(url)
    file = parsed.database if parsed.get_backend_name() == "sqlite" and parsed.database else None
    is_file = bool(file) and not file.startswith(("file:", ":memory:"))
    shown = file if is_file else display_url(url)
    return LogLocation(url, shown, is_file, bool(os.environ.get(LOG_URL_ENV, "").strip()))


def log_exists(loc: LogLocation) -> bool:
    """False only for an SQLite file that does not exist yet (opening it would create it)."""
    return not loc.is_file or Path(loc.shown).expanduser().is_file()


@st.cache_resource(show_spinner=False, max_entries=4)
def _log(url: str) -> DecisionLog:
    return DecisionLog(url)


def decision_log(loc: LogLocation) -> DecisionLog:
    """The decision log (one connection pool per server and URL; raises :class:`InputError`)."""
    return _log(loc.url)


@st.cache_data(show_spinner=False, max_entries=2048, ttl=TTL)
def _log_signoffs(url: str, decision_id: int, n_later: int) -> tuple[str, ...]:
    # Entries are append-only: a decision's sign-offs change only when ``n_later`` does.
    entry = _log(url).get(decision_id)
    return tuple(f"{s.name} ({s.role})" for s in entry.report.signoffs)


def log_signoffs(loc: LogLocation, decision_id: int, n_later: int) -> tuple[str, ...]:
    """``"name (role)"`` of every sign-off of a logged decision: those in its report, then the later ones."""
    return _log_signoffs(loc.url, decision_id, n_later)


# ---- the group decision before its sensitivity checks (issue 12) ---------------------------------
# Added in a block of its own: the choice, each stakeholder's pick and the rules' rankings come from a
# decision built with ``sensitivity=False`` (a second or two at 10,000 candidates), while the full one
# (10-20 CPU-seconds there) is computed after it.
@st.cache_resource(show_spinner=False)
def _quick_decision_jobs() -> _DecisionJobs:
    return _DecisionJobs()


def quick_decision_job(
    a: Active,
    profiles: Sequence[StakeholderProfile],
    rule: str,
    method: str,
    perf: str | None = None,
    *,
    start: bool = True,
) -> DecisionJob | None:
    """The group decision without its sensitivity checks (``sensitivity=False``), computed in the background.

    The same choice, profiles and rules as :func:`decision_job`'s for the same inputs (seeded the
    same way); its :class:`Decision` has ``sensitivity_computed`` False and placeholders for every
    sensitivity check, so it is for showing the choice only (never exported, never shown as
    robustness). Computed in a thread of its own, so it never queues behind a full decision or a
    report check. ``start=False``: only a job already asked for (else ``None``).
    """
    p = tuple(profiles)
    inc = incumbent(a)
    key = (a.key, decision_key(p, rule, method, perf, incumbent=inc))
    sc = a.scorecard

    def build() -> Decision:
        return build_decision(
            sc, p, rule=rule, method=method, perf=perf, random_state=0, incumbent=inc, sensitivity=False
        )

    return _quick_decision_jobs().get(key, build if start else None)


def decision_jobs(
    a: Active, profiles: Sequence[StakeholderProfile], rule: str, method: str, perf: str | None = None
) -> tuple[DecisionJob | None, DecisionJob]:
    """``(quick, full)``: the group decision without and with its sensitivity checks, both asked for.

    ``quick`` is None when the full decision is already done (nothing to show before it). When
    neither was asked for yet, the full decision's queue first waits for the quick one, so the two
    do not compete for the interpreter lock: the choice comes sooner and the whole is not later.
    """
    full = decision_job(a, profiles, rule, method, perf, start=False)
    if full is not None and full.future.done():
        return None, full
    quick = quick_decision_job(a, profiles, rule, method, perf)
    assert quick is not None  # started when missing
    if full is None:
        p = tuple(profiles)
        key = (a.key, decision_key(p, rule, method, perf, incumbent=incumbent(a)))
        _decision_jobs().get(("after the quick decision", key), quick.future.exception)  # waits, never raises
        full = decision_job(a, p, rule, method, perf)
        assert full is not None  # started when missing
    return quick, full
