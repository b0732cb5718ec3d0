"""Data & models: the built-in scenario, or your own dataset and models, a scorecard or a metrics table.

Uploads and choices live in the session (``app.ui.state``), not in widgets: a user who leaves the
page and comes back finds the files, the column roles and the settings as they left them. The
column roles start from :func:`analysis.columns.guess_roles` (each with its reason), and every
candidate is checked against the data before the evaluation (:func:`analysis.preflight.check_candidates`),
so one model missing a column is listed with its reason while the others are evaluated.

Evaluations run in the server's worker pool (:mod:`app.ui.jobs`, :mod:`app.ui.workers`): the page
shows the job's place in the queue, then a progress bar per candidate. Failures show one sentence
(:mod:`app.ui.errors`): an input problem next to its widget, anything else with an error id.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from analysis._errors import InputError
from analysis.columns import guess_positive_label, guess_roles
from analysis.evaluation import EvalSettings, ValueSpec, prepare_data
from analysis.loading import fingerprint_dataset, load_table
from analysis.objectives import find_objective
from analysis.pipeline import prepare_train_frame
from analysis.preflight import CandidateCheck, check_candidates
from analysis.scorecard import load_scorecard, scorecard_from_metrics_table
from analysis.tracking import allowed_tracking_uris
from app.ui import errors, jobs, render, services, state, uploads, workers

NONE = "(none)"
#: The incumbent selectbox's "there is none" option.
NO_INCUMBENT = "none"
#: Every place an evaluation's message can go (cleared when a new evaluation starts).
PLACES = ("data", "train", "models", "predictions", "target", "sensitive", "time", "id", "value", "evaluate")
KINDS = (
    "A dataset and model files: evaluate them here",
    "A scorecard made by `tradeoffs evaluate`",
    "A metrics table: one row per candidate",
    "Runs and models in MLflow",
)
MLFLOW_WHAT = ("An experiment's runs", "A registered model's versions")
DIRECTIONS = ("higher is better", "lower is better", "leave out")
BY_POSITION = "Match prediction files to data rows by position (no shared id column)"


def show_error(place: str) -> None:
    """The message that belongs next to ``place``, if any."""
    message = state.errors().get(place)
    if message:
        st.error(message, icon=":material/error:")


def fail(exc: InputError, place: str) -> None:
    """Keep a library message, in user terms, next to the widget it is about."""
    state.set_error(place, uploads.humanize(exc.message))


def kept(
    fn: Callable[..., Any],
    label: str,
    *args: Any,
    key: str,
    store: dict,
    name: str,
    default: Any,
    valid: Callable[[Any], bool] = lambda _: True,
    put: Callable[[Any], None] | None = None,
    **kw: Any,
) -> Any:
    """A widget whose value lives in ``store[name]`` (session state), the one source of truth.

    The widget is seeded from the store on every run and the store changes only when the user
    changes the widget (``on_change``), so a widget state Streamlit dropped (the page was left, a
    rerun was interrupted) can never overwrite the user's choice. ``valid`` says whether a kept
    value still fits the widget's options (else ``default`` is used); ``put`` also receives a new
    value when ``store`` is a temporary view of state kept elsewhere.
    """
    value = store.get(name, default)
    if not valid(value):
        value = default
    store[name] = value
    st.session_state[key] = value

    def changed() -> None:
        store[name] = st.session_state[key]
        if put is not None:
            put(store[name])

    return fn(label, *args, key=key, on_change=changed, **kw)


def eval_choices() -> dict:
    """The evaluation settings chosen on this page (bootstrap, stages...), kept for the session."""
    store = state.pref("data_eval_choices")
    if store is None:
        store = {}
        state.set_pref("data_eval_choices", store)
    return store


render.page_header(
    "Data & models",
    "The dashboard opens on the built-in scenario. Bring your own candidates in one of four ways: a dataset "
    "with model files (evaluated here, with a progress bar per candidate), a scorecard JSON made by "
    "`tradeoffs evaluate` elsewhere, a plain metrics table such as a sweep's results, or the runs and models "
    "of an MLflow server. Files stay in this browser session only, until you remove them.",
)

# ---- the built-in scenario ----------------------------------------------------------------------
card = services.builtin_card()
with st.container(border=True):
    st.markdown(f"**Built-in scenario: {card.name}**")
    st.caption(card.description)
    st.markdown(
        f"Target `{card.target}` (positive = {card.positive_label!r}) · sensitive attributes "
        f"{', '.join(f'`{s}`' for s in card.sensitive)} · time `{card.time}` · value columns "
        f"{', '.join(f'`{v}`' for v in card.value_columns)} · {len(card.models)} candidate models."
    )
    if state.use_own():
        if st.button("Show the built-in scenario again", key=state.widget("data", "to_builtin")):
            state.set_use_own(False)
            st.rerun()
    elif state.own() is not None:
        if st.button(f"Show your scorecard ({state.own().label})", key=state.widget("data", "to_own")):
            state.set_use_own(True)
            st.rerun()

st.subheader("Bring your own")
kind = render.remembered(st.radio, "What do you have?", KINDS, key="data_kind", default=KINDS[0], horizontal=True)


# ---- 1. dataset + models ------------------------------------------------------------------------
def set_dataset(value: Any) -> None:
    """Keep (or drop) the dataset; its column roles start again from the proposal."""
    state.set_dataset(value)
    state.set_roles(None)
    state.preflight().clear()


def current_roles(saved: state.SavedUpload, frame: pd.DataFrame) -> dict:
    """The dataset's proposed roles and the user's choices (the proposal is made once per file)."""
    roles = state.roles()
    if roles is None or roles["file_id"] != saved.file_id:
        roles = {"file_id": saved.file_id, "guess": guess_roles(frame), "choices": {}}
        state.set_roles(roles)
    return roles


def proposed(value: Any, guessed: Any, reason: str | None) -> None:
    """Say why a role holds its value, while it is still the proposal."""
    if reason and value == guessed:
        st.caption(f"Proposed: {reason}.")


def dataset_and_models() -> None:
    """Upload a dataset, choose its columns' roles, upload models/predictions, evaluate."""
    if uploads.trust_pickle():
        st.warning(
            "Pickle model files are enabled on this server (`TRADEOFFS_TRUST_PICKLE=1`). Loading a pickle runs "
            "any code inside it: upload only files you would run yourself.",
            icon=":material/warning:",
        )
    left, right = st.columns(2, gap="large")
    with left:
        uploads.render_table_uploader(
            "data",
            f"Evaluation data (CSV or Parquet, up to {uploads.LIMITS_MB['data']} MB)",
            "The rows every candidate is scored on: features, the true label, and optionally sensitive "
            "attributes, a timestamp and money columns.",
            get=state.dataset,
            put=set_dataset,
            what="data file",
        )
        show_error("data")
        if state.dataset() is not None:
            st.dataframe(state.dataset()[1].head(5), width="stretch", height=210)
    with right:
        uploads.render_files_uploader(
            "models",
            f"Model files ({', '.join('.' + t for t in uploads.model_types())}; up to "
            f"{uploads.LIMITS_MB['models']} MB each)",
            uploads.model_types(),
            "Fitted scikit-learn models saved with skops, ONNX graphs, or XGBoost (.json, .ubj), LightGBM (.txt) "
            "and CatBoost (.cbm) models saved by the library itself. Each file is one candidate, named after the "
            'file. Models in MLflow: choose "Runs and models in MLflow" above.',
        )
        show_error("models")
        uploads.render_files_uploader(
            "predictions",
            "Prediction files made elsewhere (optional; CSV or Parquet)",
            ["csv", "parquet"],
            "A y_pred column and optionally y_prob (probability of the positive class), y_score or "
            "proba_<class> columns; joined on an id column the file shares with the data, or by position when "
            "the box below is ticked.",
        )
        show_error("predictions")
        by_position = kept(
            st.checkbox,
            BY_POSITION,
            key=state.widget("data", "by_position"),
            store={"value": state.match_by_position()},
            name="value",
            default=False,
            put=state.set_match_by_position,
            wrap=True,
            help="Leave it unticked to join each prediction file on an id column it shares with the data (the "
            "safe way: a shuffled file matched by position scores like a coin toss while looking fine). Tick it "
            "only when the files have one prediction per data row, in the data's order, and no id column.",
        )
        state.set_match_by_position(by_position)

    if state.dataset() is None:
        st.info("Upload a dataset to choose what its columns mean.", icon=":material/arrow_upward:")
        return
    saved, frame = state.dataset()
    roles = current_roles(saved, frame)
    guess, choices = roles["guess"], roles["choices"]
    columns = [str(c) for c in frame.columns]
    numeric = [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    fid = saved.file_id
    st.markdown("#### What the columns mean")
    st.caption("Proposed from the column names and values; change anything that is wrong.")
    c1, c2, c3 = st.columns(3)
    with c1:
        target = kept(
            st.selectbox,
            "Target (what the models predict)",
            columns,
            key=state.widget("col", fid, "target"),
            store=choices,
            name="target",
            default=guess.target,
            valid=lambda v: v is None or v in columns,
            index=None,
            placeholder="Choose the column the models predict",
        )
        if guess.target is None:
            st.caption("No column is named like a target: choose the one the models predict.")
        proposed(target, guess.target, guess.target_reason)
        positive = None
        if target is not None:
            values = sorted(frame[target].dropna().unique().tolist(), key=str)
            if 2 <= len(values) <= 20:
                default, reason = (
                    (guess.positive_label, guess.positive_reason)
                    if target == guess.target
                    else guess_positive_label(frame[target])
                )
                default = default if default in values else values[-1]
                positive = kept(
                    st.selectbox,
                    "Positive class",
                    values,
                    key=state.widget("col", fid, "positive", target),
                    store=choices,
                    name=f"positive.{target}",
                    default=default,
                    valid=lambda v: v in values,
                )
                proposed(positive, default, reason)
        show_error("target")
    with c2:
        sensitive_options = [c for c in columns if c != target]
        sensitive = kept(
            st.multiselect,
            "Sensitive attributes (fairness per group)",
            sensitive_options,
            key=state.widget("col", fid, "sensitive"),
            store=choices,
            name="sensitive",
            default=[c for c in guess.sensitive if c in sensitive_options],
            valid=lambda v: isinstance(v, list) and all(c in sensitive_options for c in v),
        )
        proposed(sorted(sensitive), sorted(guess.sensitive), guess.sensitive_reason)
        show_error("sensitive")
        time_col = kept(
            st.selectbox,
            "Time column (metrics per month)",
            [NONE, *columns],
            key=state.widget("col", fid, "time"),
            store=choices,
            name="time",
            default=guess.time_column or NONE,
            valid=lambda v: v == NONE or v in columns,
        )
        proposed(time_col, guess.time_column, guess.time_reason)
        show_error("time")
    with c3:
        id_col = kept(
            st.selectbox,
            "Row id (joins prediction files)",
            [NONE, *columns],
            key=state.widget("col", fid, "id"),
            store=choices,
            name="id",
            default=guess.id_column or NONE,
            valid=lambda v: v == NONE or v in columns,
        )
        proposed(id_col, guess.id_column, guess.id_reason)
        show_error("id")
        value_options = [c for c in numeric if c != target]
        value_cols = kept(
            st.multiselect,
            "Money columns (value captured on true positives)",
            value_options,
            key=state.widget("col", fid, "value"),
            store=choices,
            name="value",
            default=[],
            valid=lambda v: isinstance(v, list) and all(c in value_options for c in v),
        )
        show_error("value")
    if guess.notes:
        st.caption("Not proposed: " + " ".join(guess.notes))
    with st.expander("Value matrix and evaluation settings (optional)"):
        st.caption(
            "What each outcome is worth per request: a number or an expression of columns such as "
            "`0.15*order_value + ad_fee`. Leave empty to sum the money columns over true positives."
        )
        m1, m2, m3, m4 = st.columns(4)
        matrix = {}
        for col, outcome in zip((m1, m2, m3, m4), ("tp", "fp", "fn", "tn"), strict=True):
            with col:
                text = kept(
                    st.text_input,
                    outcome,
                    key=state.widget("col", fid, "matrix", outcome),
                    store=choices,
                    name=f"matrix.{outcome}",
                    default="",
                    valid=lambda v: isinstance(v, str),
                )
            if text.strip():
                matrix[outcome] = text.strip()
        s1, s2, s3 = st.columns(3)
        settings_store = eval_choices()
        with s1:
            n_boot = kept(
                st.number_input,
                "Bootstrap resamples",
                0,
                5000,
                key=state.widget("eval", "bootstrap"),
                store=settings_store,
                name="bootstrap",
                default=300,
                step=100,
                help="Paired resamples for intervals and significance; 0 = no intervals.",
            )
        with s2:
            confidence = kept(
                st.selectbox,
                "Confidence level",
                (0.9, 0.95, 0.99),
                key=state.widget("eval", "confidence"),
                store=settings_store,
                name="confidence",
                default=0.95,
                valid=lambda v: v in (0.9, 0.95, 0.99),
            )
        with s3:
            min_group = kept(
                st.number_input,
                "Smallest trusted group",
                1,
                10_000,
                key=state.widget("eval", "min_group"),
                store=settings_store,
                name="min_group",
                default=30,
            )

    stages_choice = what_to_measure(data_time=time_col != NONE)
    roles_of = {
        "target": target,
        "positive": positive,
        "sensitive": sensitive,
        "time": None if time_col == NONE else time_col,
        "id": None if id_col == NONE else id_col,
        "value": value_cols,
        "matrix": matrix,
    }
    settings = {"n_boot": int(n_boot), "confidence": float(confidence), "min_group": int(min_group)}
    evaluate_section(saved, frame, roles_of, settings, stages_choice, join="order" if by_position else "auto")


def candidate_checks(saved: state.SavedUpload, frame: pd.DataFrame, *, id_col: str | None, join: str):
    """Every uploaded model and prediction file checked against the data (each check made once per input)."""
    memo = state.preflight()
    wanted: list[tuple[tuple, state.SavedUpload]] = []
    for m in uploads.kept("models"):
        wanted.append((("model", m.file_id, saved.file_id), m))
    for p in uploads.kept("predictions"):
        wanted.append((("predictions", p.file_id, saved.file_id, id_col, join), p))
    todo = [(k, item) for k, item in wanted if k not in memo]
    if todo:
        with st.spinner(f"Checking {render.plural(len(todo), 'candidate')} against {saved.name}…"):
            models = [item.path for k, item in todo if k[0] == "model"]
            files = [item.path for k, item in todo if k[0] == "predictions"]
            # model files run code when loaded: checked in a worker process (app.ui.jobs.check_models)
            limits = uploads.limits()
            checks = jobs.check_models(
                saved.path, models, data_source=saved.name, trust_pickle=uploads.trust_pickle(), limits=limits
            ) + list(
                check_candidates(
                    [],
                    frame,
                    prediction_files=files,
                    id_column=id_col,
                    join=join,
                    data_source=saved.name,
                    limits=limits,
                )
            )
            for (k, _), c in zip(todo, checks, strict=True):
                memo[k] = c
    keys = {k for k, _ in wanted}
    for k in [k for k in memo if k not in keys]:
        del memo[k]
    return [memo[k] for k, _ in wanted]


def left_out_message(bad: list[CandidateCheck], total: int, source: str) -> str:
    """Every candidate that cannot be evaluated, with its reason (all of them, never only the first)."""
    lines = [
        f"- **{c.name}** ({'model' if c.kind == 'model' else 'prediction file'}): {uploads.humanize(c.reason or '')}"
        for c in bad
    ]
    head = (
        f"**None of the {render.plural(total, 'candidate')} can be evaluated on {source}:**"
        if len(bad) == total
        else f"**{len(bad)} of {render.plural(total, 'candidate')} cannot be evaluated on {source} and will be "
        "left out:**"
    )
    return head + "\n" + "\n".join(lines)


def evaluate_section(
    saved: state.SavedUpload,
    frame: pd.DataFrame,
    roles_of: dict,
    settings: dict,
    stages_choice: dict[str, bool],
    *,
    join: str,
) -> None:
    """The candidates' check, the incumbent, the Evaluate button and what the last evaluation did."""
    st.markdown("#### Evaluate")
    checks = candidate_checks(saved, frame, id_col=roles_of["id"], join=join)
    names = [c.name for c in checks]
    good = [c for c in checks if c.ok]
    bad = [c for c in checks if not c.ok]

    options = [NO_INCUMBENT, *names]
    with st.columns([1, 2])[0]:
        choice = kept(
            st.selectbox,
            "Incumbent (in production today)",
            options,
            key=state.widget("data", "incumbent"),
            store={"value": state.incumbent() or NO_INCUMBENT},
            name="value",
            default=NO_INCUMBENT,
            put=lambda v: state.set_incumbent(None if v == NO_INCUMBENT else v),
            valid=lambda v: v in options,
            help="The candidate in production today, if it is among the candidates: other pages compare the others "
            "against it. A model file or a prediction file, named after the file.",
        )
    incumbent = None if choice == NO_INCUMBENT else choice
    state.set_incumbent(incumbent)
    if incumbent is not None and incumbent not in {c.name for c in good}:
        st.caption(f"{incumbent} cannot be evaluated on this data, so this evaluation will have no incumbent.")

    job = state.job()
    running = job is not None and not job.done
    if not checks:
        st.info("Add at least one model file or prediction file to evaluate.", icon=":material/arrow_upward:")
    elif bad:
        (st.error if not good else st.warning)(left_out_message(bad, len(checks), saved.name), icon=":material/block:")
    elif len(checks) > 1:
        st.caption(f"All {len(checks)} candidates can be evaluated on {saved.name}.")
    for c in good:
        if c.kind == "predictions":
            st.caption(f"{c.name}: rows will be {uploads.humanize(c.alignment or '')}.")
    if roles_of["target"] is None:
        st.caption("Choose the target column to evaluate.")
    clicked = st.button(
        "Evaluate" if not bad or not good else f"Evaluate {len(good)} of {render.plural(len(checks), 'candidate')}",
        type="primary",
        disabled=running or not good or roles_of["target"] is None,
        key=state.widget("eval", "go"),
    )
    if clicked and good and roles_of["target"] is not None:
        start(saved, frame, roles_of, settings, stages_choice, good=good, bad=bad, join=join, incumbent=incumbent)
    show_error("evaluate")
    progress()
    last_evaluation()


def start(
    saved: state.SavedUpload,
    frame: pd.DataFrame,
    roles_of: dict,
    settings: dict,
    stages_choice: dict[str, bool],
    *,
    good: list[CandidateCheck],
    bad: list[CandidateCheck],
    join: str,
    incumbent: str | None,
) -> None:
    """Check the roles and start the evaluation of the candidates that passed their check."""
    for place in PLACES:
        state.set_error(place, None)
    state.set_pref("data_notice", None)
    target = roles_of["target"]
    roles = {target: "target", **{s: "sensitive" for s in roles_of["sensitive"]}}
    roles.update({v: "value" for v in roles_of["value"]})
    if roles_of["time"]:
        roles[roles_of["time"]] = "time"
    if roles_of["id"]:
        roles[roles_of["id"]] = "id"
    try:
        data = prepare_data(
            frame,
            source=str(saved.path),
            target=target,
            positive_label=roles_of["positive"],
            sensitive=roles_of["sensitive"],
            time=roles_of["time"],
            id_column=roles_of["id"],
            value=ValueSpec(tuple(roles_of["value"]), roles_of["matrix"] or None),
            fingerprint=fingerprint_dataset(saved.path, frame),
        )
        train = state.train_data()
        train_frame = (
            None
            if train is None
            else prepare_train_frame(train[1], data, backtest=stages_choice["backtest"], source=str(train[0].path))
        )
        names = {c.name for c in good}
        pool = workers.pool()
        session = workers.on_session_end("uploads", functools.partial(uploads.delete_folder, state.upload_dir()))
        workers.on_session_end("evaluations", functools.partial(pool.cancel_session, session))
        state.set_job(
            jobs.start_evaluation(
                data,
                [m.path for m in uploads.kept("models") if m.path.stem in names],
                [p.path for p in uploads.kept("predictions") if p.path.stem in names],
                settings=EvalSettings(
                    n_bootstrap=settings["n_boot"],
                    confidence=settings["confidence"],
                    min_group_size=settings["min_group"],
                ),
                stages=jobs.build_stages(**stages_choice, train_frame=train_frame),
                train_source=None if train is None else str(train[0].path),
                trust_pickle=uploads.trust_pickle(),
                join=join,
                incumbent=incumbent if incumbent in names else None,
                pool=pool,
                session=session,
                limits=uploads.limits(),
            )
        )
        state.set_pref("job_roles", roles)
        state.set_last_evaluation({"left_out": [(c.name, uploads.humanize(c.reason or "")) for c in bad], "own": None})
    except InputError as exc:
        fail(exc, uploads.place_of(exc, roles))
    except workers.Busy as exc:
        state.set_error("evaluate", exc.message)
    except Exception as exc:  # one sentence and an error id; the traceback goes to the server log
        state.set_error("evaluate", errors.failure_message(exc, what="starting the evaluation"))
    st.rerun()


def last_evaluation() -> None:
    """What the last evaluation made here did, in the open: how prediction files were matched, what was left out."""
    last = state.last_evaluation()
    own = state.own()
    if last is None or own is None or last.get("own") != own.key:
        return
    lines = []
    for c in own.scorecard.candidates:
        if c.source.get("kind") != "predictions":
            continue
        text = c.source.get("alignment_text") or c.source.get("alignment")
        lines.append(f"- **{c.name}**: {uploads.humanize(str(text)) if text else 'not recorded'}")
    if lines:
        st.markdown("**How each prediction file was matched to the data rows**\n" + "\n".join(lines))
    if last["left_out"]:
        st.markdown(
            "**Left out of this evaluation**\n"
            + "\n".join(f"- **{name}**: {reason}" for name, reason in last["left_out"])
        )


def what_to_measure(*, data_time: bool) -> dict[str, bool]:
    """The optional pipeline stages, and the training data that enables feature drift and the backtest."""
    st.markdown("#### What to measure")
    st.caption(
        "Always measured: predictions, quality with confidence intervals, fairness per group, business value, and "
        "metrics per time window when there is a time column. The stages below add the other pages' figures."
    )
    store = eval_choices()
    w1, w2 = st.columns(2, gap="large")
    with w1:
        serving = kept(
            st.checkbox,
            "Measure serving (quick mode; the whole server's timing is affected while it runs)",
            key=state.widget("eval", "serving"),
            store=store,
            name="serving",
            default=False,
            wrap=True,
            help="Single-row latency percentiles, throughput against batch size, model size, peak memory and "
            "dollars per million predictions, timed on this server in quick mode (200 single-row calls per model, "
            "a few seconds each). Everyone using this server is slowed meanwhile, and their activity makes the "
            "figures noisier (the scorecard flags a busy machine). Prediction files have no model to time.",
        )
        explain = kept(
            st.checkbox,
            "Explain with SHAP",
            key=state.widget("eval", "explain"),
            store=store,
            name="explain",
            default=False,
            wrap=True,
            help=f"SHAP attributions on up to 500 evaluation rows within {jobs.EXPLAIN_BUDGET_S:.0f} s in all "
            "(exact explainers first): feature importance, explainability facts and reliance on proxies of the "
            "sensitive attributes. Prediction files cannot be explained.",
        )
    with w2:
        uploads.render_table_uploader(
            "train",
            f"Training data (optional; CSV or Parquet, up to {uploads.LIMITS_MB['train']} MB)",
            "Rows from the period the models were trained on, with the models' feature columns (and the "
            "time column and the target, for the backtest). Enables feature drift and the backtest.",
            get=state.train_data,
            put=state.set_train_data,
            what="training data file",
        )
        show_error("train")
        train = state.train_data()
        st.checkbox(
            "Feature drift (automatic when training data is given)",
            value=train is not None,
            disabled=True,
            wrap=True,
            key=state.widget("eval", "drift", train[0].file_id if train is not None else "none"),
            help="Population stability index and a two-sample test per feature of the model files: the training "
            "data against the latest window of the evaluation data (all of it without a time column).",
        )
        can_backtest = train is not None and data_time
        backtest = kept(
            st.checkbox,
            "Backtest (refit on older data)",
            key=state.widget("eval", "backtest"),
            store=store,
            name="backtest",
            default=False,
            disabled=not can_backtest,
            wrap=True,
            help="Refits each scikit-learn model on windows ending 6, 2 and 1 months before the latest month and "
            "tests it on the latest month, so decay with data age shows. One refit per window and model: the "
            "slowest stage.",
        )
        if not can_backtest:
            st.caption("The backtest needs training data and a time column.")
    return {"serving": serving, "explain": explain, "backtest": bool(backtest and can_backtest)}


def progress() -> None:
    """Progress of the session's evaluation (polled while it runs), then its outcome."""
    job = state.job()
    if job is None:
        return
    if not job.done:
        running_fragment()
        return
    state.set_job(None)
    if job.result is not None:
        sc = uploads.scorecard_without_server_paths(job.result)
        source = state.dataset()[0].name if state.dataset() else "your data"
        own = state.set_own(sc, f"{source}: {render.plural(len(sc.candidates), 'candidate')}")
        last = state.last_evaluation() or {"left_out": []}
        state.set_last_evaluation({**last, "own": own.key})
        left = len(last["left_out"])
        state.set_pref(
            "data_notice",
            f"Evaluated {render.plural(len(sc.candidates), 'candidate')} in {job.elapsed():.1f} s"
            + (f" ({render.plural(left, 'candidate')} left out, listed under Evaluate)" if left else "")
            + ". Every page now shows your scorecard.",
        )
    elif job.error is not None:
        fail(job.error, uploads.place_of(job.error, state.pref("job_roles", {})))
    elif job.cancelled:
        state.set_pref("data_notice", "Evaluation cancelled; nothing was kept.")
    else:
        state.set_error("evaluate", job.failure or errors.failure_sentence(jobs.WHAT, "missing"))
    st.rerun()


@st.fragment(run_every=1.0)
def running_fragment() -> None:
    """One progress bar per candidate and a Cancel button; hands over to the page when done."""
    job = state.job()
    if job is None:
        return
    if job.done:
        st.rerun(scope="app")
    position = job.position
    if position is not None:
        running, waiting = job.pool.counts()
        st.markdown(f"**Waiting for a free worker: number {position} in the queue** · {job.elapsed():.0f} s")
        st.caption(
            f"This server runs {render.plural(job.pool.settings.workers, 'evaluation')} at once in worker "
            f"processes ({running} running, {waiting} waiting now); yours starts when a worker is free."
        )
    else:
        st.markdown(f"**Evaluating {render.plural(len(job.candidates), 'candidate')}** · {job.elapsed():.0f} s")
    st.caption(
        "Stages of each model: "
        + " → ".join(job.stages)
        + (" (prediction files: predict → metrics)" if any(not job.is_model(c) for c in job.candidates) else "")
        + ("; feature drift against the training data is computed once for all." if job.train_source else ".")
    )
    for name in job.candidates:
        st.progress(job.fraction(name), text=job.label(name))
    if job.cancelling:
        st.warning(
            "Cancelling: the current step finishes first (the shared bootstrap or the serving measurement can take "
            "a while)."
            if job.thread is not None
            else "Cancelling: stopping the worker process."
        )
    else:
        st.button("Cancel", on_click=job.cancel, key=state.widget("eval", "cancel"))


# ---- 2. a scorecard file ------------------------------------------------------------------------
def scorecard_file() -> None:
    """Upload a scorecard JSON written by ``tradeoffs evaluate``."""
    f = st.file_uploader(
        f"Scorecard (JSON, up to {uploads.LIMITS_MB['scorecard']} MB)",
        type=["json"],
        key=state.widget("up", "scorecard"),
        max_upload_size=uploads.LIMITS_MB["scorecard"],
        help="Written by `tradeoffs evaluate ... --out scorecard.json` on any machine.",
    )
    if f is None:
        state.set_error("scorecard", None)
        return
    if state.pref("scorecard_file") != f.file_id:
        try:
            saved = uploads.save(f, "scorecard")
            sc = load_scorecard(saved.path)
            state.set_own(sc, f"{f.name}: {render.plural(len(sc.candidates), 'candidate')}")
            state.set_pref("scorecard_file", f.file_id)
            state.set_pref("data_notice", f"Loaded {f.name}. Every page now shows it.")
            state.set_error("scorecard", None)
            st.rerun()
        except Exception as exc:  # an InputError's sentence, or one sentence and an error id
            state.set_error("scorecard", errors.failure_message(exc, what=f"reading {f.name}"))
    show_error("scorecard")


# ---- 3. a metrics table ---------------------------------------------------------------------------
def metrics_table() -> None:
    """Upload a metrics table and give each numeric column a direction."""
    f = st.file_uploader(
        f"Metrics table (CSV or Parquet, up to {uploads.LIMITS_MB['table']} MB)",
        type=["csv", "parquet"],
        key=state.widget("up", "table"),
        max_upload_size=uploads.LIMITS_MB["table"],
        help="One row per candidate: a column naming it plus numeric columns. Columns <name>_ci_low and "
        "<name>_ci_high are read as that column's interval.",
    )
    if f is None:
        state.set_error("table", None)
        return
    try:
        saved = uploads.save(f, "table")
        if state.pref("table_file") != f.file_id:
            state.set_pref("table_frame", load_table(saved.path, what="metrics table", limits=uploads.limits()))
            state.set_pref("table_file", f.file_id)
    except Exception as exc:  # an InputError's sentence, or one sentence and an error id
        state.set_error("table", errors.failure_message(exc, what=f"reading {f.name}"))
        show_error("table")
        return
    frame: pd.DataFrame = state.pref("table_frame")
    cols = [str(c) for c in frame.columns]
    cand = st.selectbox(
        "Column naming the candidates",
        cols,
        index=cols.index("candidate") if "candidate" in cols else 0,
        key=state.widget("table", f.file_id, "candidate"),
    )
    numeric = [
        c
        for c in cols
        if c != cand and pd.api.types.is_numeric_dtype(frame[c]) and not c.endswith(("_ci_low", "_ci_high"))
    ]
    st.markdown("**Which way is better for each column?** Known metrics start with their usual direction.")
    grid = st.columns(3)
    directions = {}
    for i, c in enumerate(numeric):
        known = find_objective(str(c))
        default = 2 if known is None else (0 if known.direction == "max" else 1)
        d = grid[i % 3].selectbox(c, DIRECTIONS, index=default, key=state.widget("table", f.file_id, "dir", c))
        if d != "leave out":
            directions[c] = "max" if d == DIRECTIONS[0] else "min"
    st.caption(f"{len(frame):,} candidates · {len(directions)} of {len(numeric)} numeric columns used.")
    if st.button("Use this table", type="primary", disabled=not directions, key=state.widget("table", "go")):
        keep = [cand, *directions]
        keep += [f"{c}{s}" for c in directions for s in ("_ci_low", "_ci_high") if f"{c}{s}" in cols]
        try:
            sc = scorecard_from_metrics_table(frame[keep], directions=directions, source=f.name, candidate_column=cand)
            state.set_own(sc, f"{f.name}: {len(sc.candidates):,} candidates")
            state.set_pref("data_notice", f"Loaded {f.name}. Every page now shows it.")
            state.set_error("table", None)
            st.rerun()
        except Exception as exc:  # an InputError's sentence, or one sentence and an error id
            state.set_error("table", errors.failure_message(exc, what=f"reading {f.name}"))
    show_error("table")


# ---- 4. MLflow -------------------------------------------------------------------------------------
def mlflow_source() -> None:
    """Read an experiment's runs or a registered model's versions; use their metrics, or add their models."""
    allowed = allowed_tracking_uris()
    if not allowed:
        st.info(
            "This dashboard reaches no MLflow server: a server that fetched any address a visitor typed would let "
            "visitors probe its network. Its operator names the servers it may read: `tradeoffs app --mlflow-uri "
            "http://mlflow.internal:5000` (or `TRADEOFFS_MLFLOW_TRACKING_URIS`). From a shell, `tradeoffs import "
            "mlflow` does the same.",
            icon=":material/info:",
        )
        return
    store = state.pref("mlflow_form")
    if store is None:
        store = {}
        state.set_pref("mlflow_form", store)
    c1, c2, c3 = st.columns([2, 1, 2])
    with c1:
        uri = kept(
            st.text_input,
            "Tracking URI",
            key=state.widget("mlflow", "uri"),
            store=store,
            name="uri",
            default=allowed[0],
            help=f"One of the servers this dashboard may read: {', '.join(allowed)}.",
        )
        show_error("tracking_uri")
    with c2:
        what = kept(
            st.radio,
            "Read",
            MLFLOW_WHAT,
            key=state.widget("mlflow", "what"),
            store=store,
            name="what",
            default=MLFLOW_WHAT[0],
            valid=lambda v: v in MLFLOW_WHAT,
        )
    with c3:
        experiment = what == MLFLOW_WHAT[0]
        name = kept(
            st.text_input,
            "Experiment name" if experiment else "Registered model name",
            key=state.widget("mlflow", "name", what),
            store=store,
            name=f"name.{what}",
            default="",
        )
        filter_string = ""
        if experiment:
            filter_string = kept(
                st.text_input,
                "Filter (optional)",
                key=state.widget("mlflow", "filter"),
                store=store,
                name="filter",
                default="",
                placeholder="metrics.roc_auc > 0.7",
                help="MLflow's run filter: metrics.NAME, params.NAME, tags.NAME, attributes.run_name; joined by and.",
            )
        show_error("mlflow")
    if st.button("Read from MLflow", type="primary", disabled=not name.strip(), key=state.widget("mlflow", "read")):
        state.set_error("tracking_uri", None)
        state.set_error("mlflow", None)
        try:
            with st.spinner(f"Reading {name} from {uri}..."):
                checked, imported = uploads.read_mlflow(
                    uri,
                    experiment=name.strip() if experiment else None,
                    registered_model=None if experiment else name.strip(),
                    filter_string=filter_string.strip() or None,
                )
            state.set_pref("mlflow_import", (checked, imported))
        except InputError as exc:
            state.set_pref("mlflow_import", None)
            fail(exc, "tracking_uri" if exc.source in ("tracking_uri", "--tracking-uri") else "mlflow")
        except Exception as exc:  # one sentence and an error id
            state.set_pref("mlflow_import", None)
            state.set_error("mlflow", errors.failure_message(exc, what=f"reading {name} from MLflow"))
        st.rerun()
    found = state.pref("mlflow_import")
    if found is None:
        return
    mlflow_runs(*found)


def mlflow_runs(uri: str, imported: Any) -> None:
    """The runs read: their logged metrics and whether each model can be measured here."""
    st.markdown(f"#### {render.plural(len(imported.runs), 'candidate')} from MLflow {imported.what}")
    metrics = sorted({m for r in imported.runs for m in r.metrics})
    rows = []
    for r in imported.runs:
        row = {"candidate": r.name, "run": r.run_name, "model": r.model_uri or "(no logged model)"}
        row |= {m: r.metrics.get(m) for m in metrics}
        if r.model is None:
            row["measured here?"] = "no: the run logged no model"
        elif r.model.loadable:
            row["measured here?"] = f"yes: {r.model.flavor} ({r.model.file})"
        else:
            row["measured here?"] = f"no: {r.model.reason}"
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), width="stretch", hide_index=True)
    st.caption(
        "These are the figures each run logged, each on whatever data its author used. To compare the models on "
        "the same rows, add them to the candidates and evaluate them on one dataset."
    )
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Use the logged metrics as the scorecard**")
        grid = st.columns(2)
        directions = {}
        for i, m in enumerate(metrics):
            known = find_objective(m)
            default = 2 if known is None else (0 if known.direction == "max" else 1)
            d = grid[i % 2].selectbox(m, DIRECTIONS, index=default, key=state.widget("mlflow", "dir", m))
            if d != "leave out":
                directions[m] = "max" if d == DIRECTIONS[0] else "min"
        if st.button("Use these metrics", disabled=not directions, key=state.widget("mlflow", "use")):
            from analysis.tracking import runs_scorecard

            try:
                sc, _ = runs_scorecard(imported, directions)
                state.set_own(sc, f"MLflow {imported.what}: {render.plural(len(sc.candidates), 'candidate')}")
                state.set_pref("data_notice", f"Loaded the logged metrics of MLflow {imported.what}.")
                state.set_error("mlflow_use", None)
                st.rerun()
            except InputError as exc:
                fail(exc, "mlflow_use")
        show_error("mlflow_use")
    with right:
        st.markdown("**Measure the models here**")
        loadable = [r for r in imported.runs if r.model is not None and r.model.loadable]
        if not loadable:
            st.caption("None of these models can be loaded safely here (the table says why).")
            return
        chosen = st.multiselect(
            "Models to add to the candidates",
            [r.name for r in loadable],
            default=[r.name for r in loadable],
            key=state.widget("mlflow", "pick", imported.what),
        )
        if st.button(
            f"Add {render.plural(len(chosen), 'model')}", disabled=not chosen, key=state.widget("mlflow", "add")
        ):
            try:
                with st.spinner("Downloading the model files..."):
                    added = uploads.add_mlflow_models(uri, [r for r in loadable if r.name in chosen])
                state.set_pref(
                    "data_notice",
                    f'Added {", ".join(added)} to the model files: choose "{KINDS[0]}" and upload the evaluation '
                    "data to measure them.",
                )
                state.set_error("mlflow_add", None)
                st.rerun()
            except InputError as exc:
                fail(exc, "mlflow_add")
            except Exception as exc:  # one sentence and an error id
                state.set_error("mlflow_add", errors.failure_message(exc, what="downloading the models"))
        show_error("mlflow_add")


notice = state.pref("data_notice")
if notice:
    st.success(notice, icon=":material/check_circle:")
    if state.use_own():
        n1, n2, n3, _ = st.columns([1, 1, 1, 2])
        n1.page_link("app_pages/scorecard.py", label="See the scorecard", icon=":material/table_chart:")
        n2.page_link("app_pages/stakeholders.py", label="Weigh it", icon=":material/groups:")
        n3.page_link("app_pages/tradeoffs.py", label="See the trade-offs", icon=":material/scatter_plot:")
if kind == KINDS[0]:
    dataset_and_models()
elif kind == KINDS[1]:
    scorecard_file()
elif kind == KINDS[2]:
    metrics_table()
else:
    mlflow_source()
