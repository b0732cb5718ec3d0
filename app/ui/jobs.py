"""Evaluations started from the browser: one background thread per session, cancellable.

How cancelling works (the simplest honest approach): :func:`start_evaluation` runs the library's
``evaluate_candidates`` in a daemon thread and passes it a ``progress(candidate, stage)``
callback. The callback records each finished stage (the page draws one progress bar per
candidate) and, when the user has pressed Cancel, raises :class:`Cancelled`, which unwinds the
library call. So a cancel takes effect at the next stage boundary: after the model being loaded or
predicted, or after the shared bootstrap (which scores every candidate in one pass and is the
longest single step). The thread is never killed mid-step, nothing half-built is kept, and the
page says "cancelling" until the thread has stopped.

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

from analysis._errors import InputError
from analysis.evaluation import EvalData, EvalSettings, ValueSpec, evaluate_candidates, prepare_data
from analysis.loading import fingerprint_dataset, load_model, load_table
from analysis.scenario import DatasetCard
from analysis.scorecard import Scorecard

#: Stages a candidate goes through, in order ("load" only for model files).
STAGES: tuple[str, ...] = ("load", "predict", "metrics")


class Cancelled(Exception):
    """Raised inside the evaluation thread when the user pressed Cancel."""


def evaluate_card(card: DatasetCard, *, now: datetime, settings: EvalSettings | None = None) -> Scorecard:
    """Evaluate a dataset card's models on its test data (what ``tradeoffs evaluate --card`` does)."""
    frame = load_table(card.test_path)
    data = prepare_data(
        frame,
        source=str(card.test_path),
        target=card.target,
        positive_label=card.positive_label,
        sensitive=card.sensitive,
        time=card.time,
        id_column=card.id,
        value=ValueSpec(tuple(card.value_columns), dict(card.value_matrix) if card.value_matrix else None),
        fingerprint=fingerprint_dataset(card.test_path, frame),
    )
    models = [load_model(p) for p in card.model_paths]
    return evaluate_candidates(data, models, now=now, settings=settings or EvalSettings())


@dataclass
class EvaluationJob:
    """One evaluation running in a background thread (read by the page, written by the thread)."""

    candidates: list[str]
    model_paths: list[Path]
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

    def fraction(self, candidate: str) -> float:
        """How far one candidate is, from 0 to 1 (model files load first; prediction files do not)."""
        stages = STAGES if candidate in {p.stem for p in self.model_paths} else STAGES[1:]
        done = self.stage.get(candidate)
        return 0.0 if done not in stages else (stages.index(done) + 1) / len(stages)

    def elapsed(self) -> float:
        """Seconds since the start (until the end when finished)."""
        return (self.finished or time.monotonic()) - self.started

    def _progress(self, candidate: str, stage: str) -> None:
        self.stage[candidate] = stage
        if self.cancel_event.is_set():
            raise Cancelled()

    def _run(
        self,
        data: EvalData,
        prediction_paths: Sequence[Path],
        settings: EvalSettings,
        trust_pickle: bool,
    ) -> None:
        try:
            models = []
            for path in self.model_paths:
                models.append(load_model(path, trust_pickle=trust_pickle))
                self._progress(path.stem, "load")
            self.result = evaluate_candidates(
                data,
                models,
                list(prediction_paths),
                now=datetime.now(UTC).replace(microsecond=0),
                settings=settings,
                progress=self._progress,
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
    trust_pickle: bool = False,
) -> EvaluationJob:
    """Start evaluating in a background thread and return the job at once."""
    names = [Path(p).stem for p in model_paths] + [Path(p).stem for p in prediction_paths]
    job = EvaluationJob(candidates=names, model_paths=[Path(p) for p in model_paths])
    job.thread = threading.Thread(
        target=job._run,
        args=(data, [Path(p) for p in prediction_paths], settings, trust_pickle),
        name="tradeoffs-evaluation",
        daemon=True,
    )
    job.thread.start()
    return job
