"""Evaluations started from the browser: one background thread per session, cancellable.

The thread runs the library's whole pipeline, :func:`analysis.pipeline.run_evaluation`, with the
stages the user chose (:class:`analysis.pipeline.Stages`: serving, explanations, feature drift,
backtest), so a scorecard made here is the same kind of record as one made by
``tradeoffs evaluate``.

How cancelling works (the simplest honest approach): the thread passes the pipeline a
``progress(candidate, stage)`` callback. The callback records each finished stage (the page draws
one progress bar per candidate, over ``"load"`` and :meth:`Stages.names`) and, when the user has
pressed Cancel, raises :class:`Cancelled`, which unwinds the library call. So a cancel takes
effect at the next stage boundary: after the model being loaded or predicted, after the shared
bootstrap (which scores every candidate in one pass), after the serving measurement (which times
every candidate in interleaved rounds, so it ends for all of them at once), or after one
candidate's explanation or backtest. The thread is never killed mid-step, nothing half-built is
kept, and the page says "cancelling" until the thread has stopped.

The job object lives in the session's state only (:mod:`app.ui.state`), so no other session sees
it; the thread writes plain attributes that the page reads on its next run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analysis._errors import InputError
from analysis.evaluation import EvalData, EvalSettings, resolve_features
from analysis.loading import load_model, require_columns
from analysis.pipeline import Stages, run_evaluation
from analysis.scorecard import Scorecard

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


class Cancelled(Exception):
    """Raised inside the evaluation thread when the user pressed Cancel."""


@dataclass
class EvaluationJob:
    """One evaluation running in a background thread (read by the page, written by the thread)."""

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

    @property
    def done(self) -> bool:
        """Whether the thread has finished (with a result, an error, or cancelled)."""
        return self.finished is not None

    @property
    def cancelling(self) -> bool:
        """Cancel was pressed and the thread has not stopped yet."""
        return self.cancel_event.is_set() and not self.done

    def cancel(self) -> None:
        """Ask the thread to stop at the next stage boundary."""
        self.cancel_event.set()

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

    def _progress(self, candidate: str, stage: str) -> None:
        if stage == "serving":
            # Serving times every model in interleaved rounds, so it ends for all of them at once.
            for name in self.candidates:
                if self.is_model(name):
                    self._advance(name, stage)
        else:
            self._advance(candidate, stage)
        if self.cancel_event.is_set():
            raise Cancelled()

    def _advance(self, candidate: str, stage: str) -> None:
        stages = self.stages_of(candidate)
        current = self.stage.get(candidate)
        if stage not in stages or (current in stages and stages.index(current) >= stages.index(stage)):
            return
        self.stage[candidate] = stage

    def _run(
        self,
        data: EvalData,
        prediction_paths: Sequence[Path],
        settings: EvalSettings,
        stages: Stages,
        trust_pickle: bool,
    ) -> None:
        try:
            models = []
            for path in self.model_paths:
                models.append(load_model(path, trust_pickle=trust_pickle))
                self._progress(path.stem, LOAD)
            if stages.train_frame is not None and models:
                features = [c for m in models for c in resolve_features(m, data.frame, None, data_source=data.source)]
                try:
                    require_columns(
                        stages.train_frame,
                        list(dict.fromkeys(features)),
                        role="model feature",
                        source=self.train_source or "the training data",
                    )
                except InputError as exc:
                    raise InputError(exc.message, source=self.train_source) from None
            self.result = run_evaluation(
                data,
                models,
                list(prediction_paths),
                now=datetime.now(UTC).replace(microsecond=0),
                settings=settings,
                stages=stages,
                progress=self._progress,
                join=self.join,
                incumbent=self.incumbent,
            )
        except Cancelled:
            self.cancelled = True
        except InputError as exc:
            self.error = exc
        except Exception as exc:  # shown to the user as a message, never as a traceback
            self.failure = f"{type(exc).__name__}: {exc}"
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
) -> EvaluationJob:
    """Start the pipeline in a background thread and return the job at once.

    ``train_source`` names the training data file in messages about it (so the page can put them
    next to its upload). ``join`` (how prediction files meet the data rows) and ``incumbent`` (the
    candidate in production today) go to :func:`analysis.pipeline.run_evaluation` as they are.
    """
    stages = stages or Stages()
    names = [Path(p).stem for p in model_paths] + [Path(p).stem for p in prediction_paths]
    job = EvaluationJob(
        candidates=names,
        model_paths=[Path(p) for p in model_paths],
        stages=(LOAD, *stages.names()),
        train_source=train_source,
        join=join,
        incumbent=incumbent,
    )
    job.thread = threading.Thread(
        target=job._run,
        args=(data, [Path(p) for p in prediction_paths], settings, stages, trust_pickle),
        name="tradeoffs-evaluation",
        daemon=True,
    )
    job.thread.start()
    return job
