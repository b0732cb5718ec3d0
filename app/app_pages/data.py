"""Data & models: the built-in scenario, or your own dataset and models, a scorecard or a metrics table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis._errors import InputError
from analysis.evaluation import EvalSettings, ValueSpec, prepare_data
from analysis.loading import fingerprint_dataset, load_table
from analysis.objectives import REGISTRY
from analysis.pipeline import prepare_train_frame
from analysis.scorecard import load_scorecard, scorecard_from_metrics_table
from app.ui import jobs, render, services, state, uploads

NONE = "(none)"
#: Every place an evaluation's message can go (cleared when a new evaluation starts).
PLACES = ("data", "train", "models", "predictions", "target", "sensitive", "time", "id", "value", "evaluate")
KINDS = (
    "A dataset and model files: evaluate them here",
    "A scorecard made by `tradeoffs evaluate`",
    "A metrics table: one row per candidate",
)
DIRECTIONS = ("higher is better", "lower is better", "leave out")


def show_error(place: str) -> None:
    """The message that belongs next to ``place``, if any."""
    message = state.errors().get(place)
    if message:
        st.error(message, icon=":material/error:")


def table_uploader(kind: str, label: str, help_text: str, *, get, put, what: str) -> None:
    """A CSV/Parquet uploader whose parsed table lives in session state (read once per new file)."""
    f = st.file_uploader(
        label,
        type=["csv", "parquet"],
        key=state.widget("up", kind),
        max_upload_size=uploads.LIMITS_MB[kind],
        help=help_text,
    )
    if f is None:
        if get() is not None:
            uploads.forget(kind)
            put(None)
        state.set_error(kind, None)
        return
    try:
        saved = uploads.save(f, kind)
        current = get()
        if current is None or current[0].file_id != saved.file_id:
            state.set_error(kind, None)
            put((saved, load_table(saved.path, what=what)))
    except InputError as exc:
        put(None)
        fail(exc, kind)


def fail(exc: InputError, place: str) -> None:
    """Keep a library message, in user terms, next to the widget it is about."""
    state.set_error(place, uploads.humanize(exc.message))


render.page_header(
    "Data & models",
    "The dashboard opens on the built-in scenario. Bring your own candidates in one of three ways: a dataset "
    "with model files (evaluated here, with a progress bar per candidate), a scorecard JSON made by "
    "`tradeoffs evaluate` elsewhere, or a plain metrics table such as a sweep's results. Files stay in this "
    "browser session only.",
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
        table_uploader(
            "data",
            f"Evaluation data (CSV or Parquet, up to {uploads.LIMITS_MB['data']} MB)",
            "The rows every candidate is scored on: features, the true label, and optionally sensitive "
            "attributes, a timestamp and money columns.",
            get=state.dataset,
            put=state.set_dataset,
            what="data file",
        )
        show_error("data")
        if state.dataset() is not None:
            saved, frame = state.dataset()
            st.caption(f"{saved.name}: {len(frame):,} rows, {frame.shape[1]} columns")
            st.dataframe(frame.head(5), width="stretch", height=210)
    with right:
        models = st.file_uploader(
            f"Model files ({', '.join('.' + t for t in uploads.model_types())}; up to "
            f"{uploads.LIMITS_MB['models']} MB each)",
            type=uploads.model_types(),
            accept_multiple_files=True,
            key=state.widget("up", "models"),
            max_upload_size=uploads.LIMITS_MB["models"],
            help="Fitted scikit-learn models saved with skops, or ONNX graphs. Each file is one candidate, named "
            "after the file.",
        )
        saved_models, refused = uploads.sync("models", list(models or []))
        if refused:
            state.set_error("models", " ".join(m for _, m in refused))
        elif state.errors().get("models", "").endswith("MB limit for a model file; upload a smaller file."):
            state.set_error("models", None)
        show_error("models")
        preds = st.file_uploader(
            "Prediction files made elsewhere (optional; CSV or Parquet)",
            type=["csv", "parquet"],
            accept_multiple_files=True,
            key=state.widget("up", "predictions"),
            max_upload_size=uploads.LIMITS_MB["predictions"],
            help="A y_pred column and optionally y_prob (probability of the positive class), y_score or "
            "proba_<class> columns; joined on the id column when both tables have it, else by row order.",
        )
        saved_preds, refused_p = uploads.sync("predictions", list(preds or []))
        if refused_p:
            state.set_error("predictions", " ".join(m for _, m in refused_p))
        show_error("predictions")

    if state.dataset() is None:
        st.info("Upload a dataset to choose what its columns mean.", icon=":material/arrow_upward:")
        return
    saved, frame = state.dataset()
    columns = [str(c) for c in frame.columns]
    numeric = [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    st.markdown("#### What the columns mean")
    c1, c2, c3 = st.columns(3)
    with c1:
        guess = next((c for c in ("target", "label", "y", "ordered", "churned") if c in columns), columns[-1])
        target = st.selectbox(
            "Target (what the models predict)",
            columns,
            index=columns.index(guess),
            key=state.widget("col", saved.file_id, "target"),
        )
        values = sorted(frame[target].dropna().unique().tolist(), key=str)
        positive = None
        if 2 <= len(values) <= 20:
            positive = st.selectbox(
                "Positive class", values, index=len(values) - 1, key=state.widget("col", saved.file_id, "positive")
            )
        show_error("target")
    with c2:
        sensitive = st.multiselect(
            "Sensitive attributes (fairness per group)",
            [c for c in columns if c != target],
            key=state.widget("col", saved.file_id, "sensitive"),
        )
        show_error("sensitive")
        time_col = st.selectbox(
            "Time column (metrics per month)", [NONE, *columns], key=state.widget("col", saved.file_id, "time")
        )
        show_error("time")
    with c3:
        id_col = st.selectbox(
            "Row id (joins prediction files)", [NONE, *columns], key=state.widget("col", saved.file_id, "id")
        )
        show_error("id")
        value_cols = st.multiselect(
            "Money columns (value captured on true positives)",
            [c for c in numeric if c != target],
            key=state.widget("col", saved.file_id, "value"),
        )
        show_error("value")
    with st.expander("Value matrix and evaluation settings (optional)"):
        st.caption(
            "What each outcome is worth per request: a number or an expression of columns such as "
            "`0.15*order_value + ad_fee`. Leave empty to sum the money columns over true positives."
        )
        m1, m2, m3, m4 = st.columns(4)
        matrix = {}
        for col, outcome in zip((m1, m2, m3, m4), ("tp", "fp", "fn", "tn"), strict=True):
            text = col.text_input(outcome, key=state.widget("col", saved.file_id, "matrix", outcome))
            if text.strip():
                matrix[outcome] = text.strip()
        s1, s2, s3 = st.columns(3)
        n_boot = s1.number_input(
            "Bootstrap resamples",
            0,
            5000,
            300,
            step=100,
            key=state.widget("eval", "bootstrap"),
            help="Paired resamples for intervals and significance; 0 = no intervals.",
        )
        confidence = s2.selectbox(
            "Confidence level", (0.9, 0.95, 0.99), index=1, key=state.widget("eval", "confidence")
        )
        min_group = s3.number_input("Smallest trusted group", 1, 10_000, 30, key=state.widget("eval", "min_group"))

    stages_choice = what_to_measure(data_time=time_col != NONE)

    job = state.job()
    running = job is not None and not job.done
    ready = bool(state.uploads().get("models") or state.uploads().get("predictions"))
    if not ready:
        st.info("Add at least one model file or prediction file to evaluate.", icon=":material/arrow_upward:")
    if st.button("Evaluate", type="primary", disabled=running or not ready, key=state.widget("eval", "go")):
        for place in PLACES:
            state.set_error(place, None)
        state.set_pref("data_notice", None)
        roles = {target: "target", **{s: "sensitive" for s in sensitive}, **{v: "value" for v in value_cols}}
        if time_col != NONE:
            roles[time_col] = "time"
        if id_col != NONE:
            roles[id_col] = "id"
        try:
            data = prepare_data(
                frame,
                source=str(saved.path),
                target=target,
                positive_label=positive,
                sensitive=sensitive,
                time=None if time_col == NONE else time_col,
                id_column=None if id_col == NONE else id_col,
                value=ValueSpec(tuple(value_cols), matrix or None),
                fingerprint=fingerprint_dataset(saved.path, frame),
            )
            settings = EvalSettings(
                n_bootstrap=int(n_boot), confidence=float(confidence), min_group_size=int(min_group)
            )
            train = state.train_data()
            train_frame = (
                None
                if train is None
                else prepare_train_frame(train[1], data, backtest=stages_choice["backtest"], source=str(train[0].path))
            )
            state.set_job(
                jobs.start_evaluation(
                    data,
                    [m.path for m in state.uploads().get("models", [])],
                    [p.path for p in state.uploads().get("predictions", [])],
                    settings=settings,
                    stages=jobs.build_stages(**stages_choice, train_frame=train_frame),
                    train_source=None if train is None else str(train[0].path),
                    trust_pickle=uploads.trust_pickle(),
                )
            )
            state.set_pref("job_roles", roles)
        except InputError as exc:
            fail(exc, uploads.place_of(exc, roles))
        st.rerun()
    show_error("evaluate")
    progress()


def what_to_measure(*, data_time: bool) -> dict[str, bool]:
    """The optional pipeline stages, and the training data that enables feature drift and the backtest."""
    st.markdown("#### What to measure")
    st.caption(
        "Always measured: predictions, quality with confidence intervals, fairness per group, business value, and "
        "metrics per time window when there is a time column. The stages below add the other pages' figures."
    )
    w1, w2 = st.columns(2, gap="large")
    with w1:
        serving = st.checkbox(
            "Measure serving (quick mode; the whole server's timing is affected while it runs)",
            key=state.widget("eval", "serving"),
            wrap=True,
            help="Single-row latency percentiles, throughput against batch size, model size, peak memory and "
            "dollars per million predictions, timed on this server in quick mode (200 single-row calls per model, "
            "a few seconds each). Everyone using this server is slowed meanwhile, and their activity makes the "
            "figures noisier (the scorecard flags a busy machine). Prediction files have no model to time.",
        )
        explain = st.checkbox(
            "Explain with SHAP",
            key=state.widget("eval", "explain"),
            wrap=True,
            help=f"SHAP attributions on up to 500 evaluation rows within {jobs.EXPLAIN_BUDGET_S:.0f} s in all "
            "(exact explainers first): feature importance, explainability facts and reliance on proxies of the "
            "sensitive attributes. Prediction files cannot be explained.",
        )
    with w2:
        table_uploader(
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
        if train is not None:
            st.caption(f"{train[0].name}: {len(train[1]):,} rows, {train[1].shape[1]} columns")
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
        backtest = st.checkbox(
            "Backtest (refit on older data)",
            key=state.widget("eval", "backtest"),
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
        sc = job.result
        source = state.dataset()[0].name if state.dataset() else "your data"
        state.set_own(sc, f"{source}: {render.plural(len(sc.candidates), 'candidate')}")
        state.set_pref(
            "data_notice",
            f"Evaluated {render.plural(len(sc.candidates), 'candidate')} in {job.elapsed():.1f} s. "
            "Every page now shows your scorecard.",
        )
    elif job.error is not None:
        fail(job.error, uploads.place_of(job.error, state.pref("job_roles", {})))
    elif job.cancelled:
        state.set_pref("data_notice", "Evaluation cancelled; nothing was kept.")
    else:
        state.set_error("evaluate", f"The evaluation failed: {job.failure}")
    st.rerun()


@st.fragment(run_every=0.5)
def running_fragment() -> None:
    """One progress bar per candidate and a Cancel button; hands over to the page when done."""
    job = state.job()
    if job is None:
        return
    if job.done:
        st.rerun(scope="app")
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
        except InputError as exc:
            fail(exc, "scorecard")
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
            state.set_pref("table_frame", load_table(saved.path, what="metrics table"))
            state.set_pref("table_file", f.file_id)
    except InputError as exc:
        fail(exc, "table")
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
        known = REGISTRY.get(c)
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
        except InputError as exc:
            fail(exc, "table")
    show_error("table")


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
else:
    metrics_table()
