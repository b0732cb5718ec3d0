"""Evaluations started from the browser: in a worker process of the server-wide pool, cancellable.

The evaluation runs the library's whole pipeline, :func:`analysis.pipeline.run_evaluation`, with the
stages the user chose (:class:`analysis.pipeline.Stages`: serving, explanations, feature drift,
backtest), so a scorecard made here is the same kind of record as one made by
``tradeoffs evaluate``.

Where it runs (:mod:`app.ui.workers`): uploaded models run code the server did not write, so the
pipeline runs in a separate process of the server-wide pool, with a memory limit, a time limit,
pinned BLAS threads and no network; the job waits in the pool's bounded queue first
(:attr:`EvaluationJob.position`). The child reports each finished stage through the pipeline's
``progress(candidate, stage)`` callback as a JSON event (the page draws one progress bar per
candidate, over ``"load"`` and :meth:`Stages.names`) and returns the scorecard as its JSON text,
which the parent parses into a :class:`Scorecard`: nothing from the child is unpickled. Cancel
terminates the process at once (the slot goes to the next job); when the session ends its jobs are
cancelled (:func:`app.ui.workers.on_session_end`).

With ``TRADEOFFS_APP_WORKERS=0`` the pipeline runs in a thread of the server process instead (the
old way, without limits; for development and tests that patch :func:`run_evaluation`). There,
Cancel takes effect at the next stage boundary: the callback raises :class:`Cancelled`, which
unwinds the library call, and the page says "cancelling" until the thread has stopped.

The job object lives in the session's state only (:mod:`app.ui.state`), so no other session sees
it; the pool's thread (or the evaluation thread) writes plain attributes that the page reads on its
next run. Unexpected failures reach the user as one sentence with an error id
(:mod:`app.ui.errors`); the traceback goes to the server log.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analysis._errors import InputError
from analysis.evaluation import EvalData, EvalSettings, resolve_features
from analysis.loading import DEFAULT_LIMITS, Limits, load_model, load_table, require_columns
from analysis.pipeline import Stages, run_evaluation
from analysis.preflight import CandidateCheck, check_candidates
from analysis.scorecard import Scorecard, scorecard_to_json
from app.ui import errors, workers

#: The app's own first stage of a model file (the pipeline's stages follow, see ``Stages.names``).
LOAD = "load"
#: Stages of a prediction-file candidate: it has no model to time, explain or refit.
PREDICTION_STAGES: tuple[str, ...] = ("predict", "metrics")
#: Wording of each stage on the progress bars.
STAGE_LABELS: dict[str, str] = {
    "load": "loaded",
    "predict": "predicted",
    "metrics": "metrics done",
    "serving": "serving measured",
    "explain": "explained",
    "backtest": "backtest done",
}


#: Time budget of the whole explanation stage started from the browser (seconds; per model at most half).
EXPLAIN_BUDGET_S = 30.0


def build_stages(
    *, serving: bool, explain: bool, backtest: bool, train_frame: pd.DataFrame | None, random_state: int = 0
) -> Stages:
    """The pipeline stages the Data & models page offers, with the browser's settings.

    Serving in quick mode (it slows every session of the server while it runs); explanations
    within :data:`EXPLAIN_BUDGET_S`; feature drift whenever training data is given; the backtest
    only with training data.
    """
    from analysis.explain import ExplainSettings
    from analysis.serving import ServingSettings

    return Stages(
        serving=ServingSettings.quick_mode(random_state=random_state) if serving else None,
        explain=ExplainSettings(
            total_budget_seconds=EXPLAIN_BUDGET_S, budget_seconds=EXPLAIN_BUDGET_S / 2, random_state=random_state
        )
        if explain
        else None,
        backtest=bool(backtest and train_frame is not None),
        train_frame=train_frame,
    )


#: What the user was doing, in failure messages ("Something went wrong while ...").
WHAT = "evaluating the candidates"
#: Next to a model file the server fetched from MLflow: where it came from (``analysis.tracking.source_info``).
MLFLOW_SIDECAR = ".mlflow.json"


class Cancelled(Exception):
    """Raised inside the evaluation thread when the user pressed Cancel."""


def evaluate(
    data: EvalData,
    model_paths: Sequence[Path],
    prediction_paths: Sequence[Path],
    *,
    settings: EvalSettings,
    stages: Stages,
    trust_pickle: bool,
    join: str,
    incumbent: str | None,
    train_source: str | None,
    now: datetime,
    progress: Callable[[str, str], None],
    limits: Limits = DEFAULT_LIMITS,
) -> Scorecard:
    """Load the model files and run the pipeline: the same steps in a worker process or a thread.

    Each model file and prediction file is checked against ``limits`` (the server's size limits) before it
    is expanded.
    """
    models = []
    for path in model_paths:
        loaded = load_model(path, trust_pickle=trust_pickle, limits=limits)
        origin = path.with_name(path.name + MLFLOW_SIDECAR)
        if origin.is_file():  # fetched from MLflow by the server (app.ui.uploads.add_mlflow_models)
            from analysis.tracking import with_mlflow_source

            loaded = with_mlflow_source(loaded, json.loads(origin.read_text(encoding="utf-8")))
        models.append(loaded)
        progress(path.stem, LOAD)
    if stages.train_frame is not None and models:
        features = [c for m in models for c in resolve_features(m, data.frame, None, data_source=data.source)]
        try:
            require_columns(
                stages.train_frame,
                list(dict.fromkeys(features)),
                role="model feature",
                source=train_source or "the training data",
            )
        except InputError as exc:
            raise InputError(exc.message, source=train_source) from None
    return run_evaluation(
        data,
        models,
        list(prediction_paths),
        now=now,
        settings=settings,
        stages=stages,
        progress=progress,
        join=join,
        incumbent=incumbent,
        limits=limits,
    )


def evaluate_in_worker(payload: bytes, emit: Callable[..., None]) -> str:
    """Entry point in the worker process: :func:`evaluate` on the pickled arguments; the scorecard as JSON.

    ``payload`` comes from the server (trusted); the answer is text only, parsed by the server.
    """
    kwargs = pickle.loads(payload)  # noqa: S301 - written by the server process for this worker
    sc = evaluate(**kwargs, progress=lambda candidate, stage: emit("progress", candidate, stage))
    return scorecard_to_json(sc)


@dataclass
class EvaluationJob:
    """One evaluation, waiting or running in a worker (or a thread), read by the page.

    ``error`` is an :class:`InputError` for the user to fix; ``failure`` the one sentence shown for
    anything else (a limit reached, or "something went wrong" with an error id).
    """

    candidates: list[str]
    model_paths: list[Path]
    stages: tuple[str, ...] = (LOAD, "predict", "metrics")
    train_source: str | None = None
    join: str = "auto"
    incumbent: str | None = None
    stage: dict[str, str] = field(default_factory=dict)
    result: Scorecard | None = None
    error: InputError | None = None
    failure: str | None = None
    cancelled: bool = False
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    task: workers.Task | None = None
    pool: workers.WorkerPool | None = None

    @property
    def done(self) -> bool:
        """Whether the evaluation has finished (with a result, an error, or cancelled)."""
        return self.finished is not None

    @property
    def cancelling(self) -> bool:
        """Cancel was pressed and the evaluation has not stopped yet."""
        return self.cancel_event.is_set() and not self.done

    @property
    def position(self) -> int | None:
        """Place in the server's queue while waiting for a worker (1 = next), else None."""
        if self.task is None or self.pool is None or self.task.state != workers.WAITING:
            return None
        return self.pool.position(self.task)

    def cancel(self) -> None:
        """Stop the evaluation: its worker process at once (a thread: at the next stage boundary)."""
        self.cancel_event.set()
        if self.task is not None and self.pool is not None:
            self.pool.cancel(self.task)

    def is_model(self, candidate: str) -> bool:
        """Whether the candidate is a model file (else a prediction file)."""
        return candidate in {p.stem for p in self.model_paths}

    def stages_of(self, candidate: str) -> tuple[str, ...]:
        """The stages one candidate goes through, in order."""
        if self.is_model(candidate):
            return self.stages
        return tuple(s for s in self.stages if s in PREDICTION_STAGES)

    def fraction(self, candidate: str) -> float:
        """How far one candidate is, from 0 to 1."""
        stages = self.stages_of(candidate)
        done = self.stage.get(candidate)
        return 0.0 if done not in stages else (stages.index(done) + 1) / len(stages)

    def label(self, candidate: str) -> str:
        """What the progress bar of one candidate says."""
        stages = self.stages_of(candidate)
        done = self.stage.get(candidate)
        if done not in stages:
            return f"{candidate}: waiting"
        i = stages.index(done)
        nxt = f" · next: {stages[i + 1]}" if i + 1 < len(stages) else ""
        return f"{candidate}: {STAGE_LABELS.get(done, done + ' done')} ({i + 1} of {len(stages)}){nxt}"

    def elapsed(self) -> float:
        """Seconds since the start (until the end when finished)."""
        return (self.finished or time.monotonic()) - self.started

    def _record(self, candidate: str, stage: str) -> None:
        if stage == "serving":
            # Serving times every model in interleaved rounds, so it ends for all of them at once.
            for name in self.candidates:
                if self.is_model(name):
                    self._advance(name, stage)
        elif candidate in self.candidates:
            self._advance(candidate, stage)

    def _progress(self, candidate: str, stage: str) -> None:
        self._record(candidate, stage)
        if self.cancel_event.is_set():
            raise Cancelled()

    def _advance(self, candidate: str, stage: str) -> None:
        stages = self.stages_of(candidate)
        current = self.stage.get(candidate)
        if stage not in stages or (current in stages and stages.index(current) >= stages.index(stage)):
            return
        self.stage[candidate] = stage

    # -- in a thread of the server (TRADEOFFS_APP_WORKERS=0) -----------------------------------------
    def _run(
        self,
        data: EvalData,
        prediction_paths: Sequence[Path],
        settings: EvalSettings,
        stages: Stages,
        trust_pickle: bool,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        try:
            self.result = evaluate(
                data,
                self.model_paths,
                prediction_paths,
                settings=settings,
                stages=stages,
                trust_pickle=trust_pickle,
                join=self.join,
                incumbent=self.incumbent,
                train_source=self.train_source,
                now=datetime.now(UTC).replace(microsecond=0),
                progress=self._progress,
                limits=limits,
            )
        except Cancelled:
            self.cancelled = True
        except InputError as exc:
            self.error = exc
        except Exception as exc:  # shown to the user as one sentence with an error id, never as a traceback
            self.failure = errors.failure_message(exc, what=WHAT)
        finally:
            self.finished = time.monotonic()

    # -- in a worker process ---------------------------------------------------------------------------
    def _on_event(self, parts: tuple[str, ...]) -> None:
        if len(parts) == 3 and parts[0] == "progress":
            self._record(parts[1], parts[2])

    def _on_done(self, task: workers.Task) -> None:
        try:
            if task.outcome == workers.RESULT:
                self.result = Scorecard.from_dict(json.loads(task.result or ""), source="the evaluation worker")
            elif task.outcome == workers.INPUT_ERROR:
                self.error = InputError(task.message or "", source=task.source)
            elif task.outcome == workers.CANCELLED:
                self.cancelled = True
            elif workers.limit_message(task) is not None:
                self.failure = workers.limit_message(task)
                errors.LOGGER.warning("evaluation task %s stopped: %s", task.id, task.details)
            elif task.outcome == workers.CRASH:
                error_id = errors.log_failure(what=WHAT, details=task.details or "")
                self.failure = (
                    f"The evaluation's worker process stopped without a result (exit code {task.exitcode}): a model "
                    f"may have crashed or gone over the {task.limits.memory_text()} memory limit; error id "
                    f"{error_id}, the server log has the details."
                )
            else:
                error_id = errors.log_failure(what=WHAT, details=task.details or "no details")
                self.failure = errors.failure_sentence(WHAT, error_id)
        except Exception as exc:  # a result the server cannot read
            self.result = None
            self.failure = errors.failure_message(exc, what="reading the evaluation's result")
        finally:
            self.finished = time.monotonic()


def start_evaluation(
    data: EvalData,
    model_paths: Sequence[Path],
    prediction_paths: Sequence[Path] = (),
    *,
    settings: EvalSettings,
    stages: Stages | None = None,
    train_source: str | None = None,
    trust_pickle: bool = False,
    join: str = "auto",
    incumbent: str | None = None,
    pool: workers.WorkerPool | None = None,
    session: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> EvaluationJob:
    """Queue the pipeline in the server's worker pool (or start a thread) and return the job at once.

    ``train_source`` names the training data file in messages about it (so the page can put them
    next to its upload). ``join`` (how prediction files meet the data rows) and ``incumbent`` (the
    candidate in production today) go to :func:`analysis.pipeline.run_evaluation` as they are.
    ``pool`` is the pool to use (default :func:`app.ui.workers.pool`; a pool of 0 workers means a
    thread of this process); ``session`` tags the task so the session's end cancels it. ``limits``
    (the server's, :func:`app.ui.uploads.limits`) bound what each model file may expand to.

    Raises
    ------
    app.ui.workers.Busy
        When the server's queue is full (its message is the sentence to show).
    """
    stages = stages or Stages()
    pool = pool or workers.pool()
    names = [Path(p).stem for p in model_paths] + [Path(p).stem for p in prediction_paths]
    job = EvaluationJob(
        candidates=names,
        model_paths=[Path(p) for p in model_paths],
        stages=(LOAD, *stages.names()),
        train_source=train_source,
        join=join,
        incumbent=incumbent,
    )
    if pool.settings.workers == 0:
        job.thread = threading.Thread(
            target=job._run,
            args=(data, [Path(p) for p in prediction_paths], settings, stages, trust_pickle, limits),
            name="tradeoffs-evaluation",
            daemon=True,
        )
        job.thread.start()
        return job
    payload = pickle.dumps(
        {
            "data": data,
            "model_paths": job.model_paths,
            "prediction_paths": [Path(p) for p in prediction_paths],
            "settings": settings,
            "stages": stages,
            "trust_pickle": trust_pickle,
            "join": join,
            "incumbent": incumbent,
            "train_source": train_source,
            "now": datetime.now(UTC).replace(microsecond=0),
            "limits": limits,
        },
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    job.pool = pool
    job.task = pool.submit(
        f"{__name__}:evaluate_in_worker", payload, session=session, on_event=job._on_event, on_done=job._on_done
    )
    return job


# ---- the check of uploaded model files, in a worker too ----------------------------------------------
def check_in_worker(payload: bytes, emit: Callable[..., None]) -> str:
    """Entry point in a worker process: load the data file and check each model file against it (JSON)."""
    kwargs = pickle.loads(payload)  # noqa: S301 - written by the server process for this worker
    frame = load_table(kwargs.pop("data_path"), what="data file", limits=kwargs["limits"])
    checks = check_candidates(kwargs.pop("model_paths"), frame, **kwargs)
    return json.dumps([dataclasses.asdict(c) for c in checks])


def check_models(
    data_path: Path,
    model_paths: Sequence[Path],
    *,
    data_source: str,
    trust_pickle: bool,
    pool: workers.WorkerPool | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[CandidateCheck]:
    """Each uploaded model file loaded and checked against the data, in a worker process (waits for it).

    Loading a model runs its code (a pickle, a skops file's allowed types, an ONNX graph), so it is
    untrusted work like the evaluation; the checks have a pool of their own
    (:func:`app.ui.workers.check_pool`) so they never wait behind a long evaluation. With a pool of 0
    workers the check runs in this process. A model whose check hit a limit or failed is listed as
    not evaluable, with the sentence; so is a model file that would expand past ``limits`` (the
    server's size limits, :func:`app.ui.uploads.limits`), which the worker checks before loading it.

    Raises
    ------
    app.ui.workers.Busy
        When the check pool's queue is full.
    """
    if not model_paths:
        return []
    pool = pool or workers.check_pool()
    kwargs = {"data_source": data_source, "trust_pickle": trust_pickle, "limits": limits}
    if pool.settings.workers == 0:
        frame = load_table(data_path, what="data file", limits=limits)
        return list(check_candidates(list(model_paths), frame, **kwargs))
    payload = pickle.dumps({"data_path": Path(data_path), "model_paths": [Path(p) for p in model_paths], **kwargs})
    task = pool.submit(f"{__name__}:check_in_worker", payload)
    task.wait()
    if task.outcome == workers.RESULT:
        try:
            return [
                CandidateCheck(**{**c, "missing": tuple(c.get("missing") or ())}) for c in json.loads(task.result or "")
            ]
        except (ValueError, TypeError) as exc:
            sentence = errors.failure_message(exc, what="reading the model check's result")
    elif task.outcome == workers.INPUT_ERROR:
        raise InputError(task.message or "", source=task.source)
    elif workers.limit_message(task) is not None:
        sentence = workers.limit_message(task).replace("The evaluation", "Checking the model files", 1)
    else:
        error_id = errors.log_failure(what="checking the model files", details=task.details or "no details")
        sentence = errors.failure_sentence("checking the model files", error_id)
    return [CandidateCheck(Path(p).stem, "model", str(p), False, sentence) for p in model_paths]
