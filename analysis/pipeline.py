"""The whole evaluation: every stage that turns a dataset and candidates into one scorecard.

Stages, each optional except the first:

1. predictions and quality, fairness, value, windows (:mod:`analysis.evaluation`);
2. serving: latency, throughput, memory, cost (:mod:`analysis.serving`);
3. explanations: SHAP, explainability facts, proxy reliance (:mod:`analysis.explain`);
4. drift: decay per window (always, when there are windows), the backtest of retraining on
   older data and feature drift against a training period (:mod:`analysis.drift`).

The CLI (``tradeoffs evaluate``) and the dashboard both call :func:`run_evaluation`, so a
scorecard made in CI and one made in the browser are the same kind of record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from analysis.evaluation import EvalData, EvalSettings, evaluate_predictions, predict_candidates
from analysis.evaluation._evaluate import check_names
from analysis.evaluation._operating_points import OperatingRule, derive_candidates, inherit_parent_figures
from analysis.evaluation._predict import Predictions, load_prediction_file, resolve_features
from analysis.loading import DEFAULT_LIMITS, Limits, LoadedModel, check_join
from analysis.scorecard import FrozenDict, Scorecard

Progress = Callable[[str, str], None]

#: Progress stages in the order they run for a candidate.
STAGES = ("predict", "metrics", "serving", "explain", "backtest")


@dataclass(frozen=True)
class Stages:
    """Which optional stages to run, with their settings (``None`` = skip)."""

    serving: object | None = None  # analysis.serving.ServingSettings
    explain: object | None = None  # analysis.explain.ExplainSettings
    backtest: bool = False
    train_frame: pd.DataFrame | None = None  # training-period rows: backtest and feature drift

    def names(self) -> tuple[str, ...]:
        """The stages that will run, in order."""
        out = ["predict", "metrics"]
        if self.serving is not None:
            out.append("serving")
        if self.explain is not None:
            out.append("explain")
        if self.backtest:
            out.append("backtest")
        return tuple(out)


def prepare_train_frame(frame: pd.DataFrame, data: EvalData, *, backtest: bool, source: str) -> pd.DataFrame:
    """Training-period rows as the drift stages need them: time column parsed, target present.

    Raises :class:`InputError` naming ``source`` (the training file). The model feature columns
    are checked by :func:`run_evaluation`, once the models are known.
    """
    from analysis._errors import InputError
    from analysis.loading import require_columns

    needed = ([data.time] if data.time else []) + ([data.target] if backtest else [])
    try:
        require_columns(frame, needed, role="training", source=source)
    except InputError as exc:
        raise InputError(exc.message, source=source) from None
    out = frame.copy()
    if data.time:
        from analysis._time import read_time

        out[data.time] = read_time(out[data.time], source=source, column=data.time)
    return out


def _check_train_features(train: pd.DataFrame, cols: dict[str, list[str]]) -> None:
    from analysis._errors import InputError

    for name, needed in cols.items():
        missing = [c for c in needed if c not in train.columns]
        if missing:
            raise InputError(
                f"the training data lacks column(s) {', '.join(missing)} that model {name} uses; "
                "give training data with the same columns as the evaluation data.",
                source="training data",
            )


def check_incumbent(incumbent: str | None, names: Sequence[str]) -> str | None:
    """``incumbent`` when it names one of the candidates (or is ``None``), else :class:`InputError`.

    The incumbent is the candidate in production today; the message lists the candidate names.
    """
    from analysis._errors import InputError

    if incumbent is None or incumbent in names:
        return incumbent
    raise InputError(
        f"incumbent {incumbent!r} is not one of the candidates ({', '.join(names) or 'none'}); "
        "pass --incumbent with one of these names (a model or predictions file's name without its extension).",
        source="incumbent",
    )


def load_prediction_files(
    data: EvalData, paths: Sequence[str | Path], *, join: str = "auto", limits: Limits = DEFAULT_LIMITS
) -> list[Predictions]:
    """Every predictions file read and matched to the evaluation rows as ``join`` says.

    See :func:`analysis.loading.join_rows`; raises :class:`InputError` on the first bad file, or one
    beyond ``limits`` (docs/limits.md).
    """
    check_join(join)
    return [
        load_prediction_file(
            p,
            data.frame,
            data.spec,
            id_column=data.id_column,
            join=join,
            data_name=f"the data in {data.source}",
            limits=limits,
        )
        for p in paths
    ]


def _features_by_model(data: EvalData, models: Sequence[LoadedModel], features) -> dict[str, list[str]]:
    return {m.name: resolve_features(m, data.frame, features, data_source=data.source) for m in models}


def run_evaluation(
    data: EvalData,
    models: Sequence[LoadedModel],
    prediction_files: Sequence[str | Path] = (),
    *,
    now: datetime,
    settings: EvalSettings | None = None,
    stages: Stages | None = None,
    features: Sequence[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    serving_metadata: dict | None = None,
    progress: Progress | None = None,
    join: str = "auto",
    incumbent: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    operating_points: Sequence[OperatingRule] = (),
) -> Scorecard:
    """Run every requested stage and return one scorecard.

    Parameters
    ----------
    data : EvalData
        The checked evaluation dataset.
    models : sequence of LoadedModel
        Candidate models.
    prediction_files : sequence of paths
        Candidates given as per-row predictions (no serving or explanation for them).
    now : datetime
        Timestamp recorded in the scorecard.
    settings : EvalSettings, optional
        Bootstrap, slices and windows.
    stages : Stages, optional
        Optional stages (serving, explanations, backtest) and the training-period frame.
    features : sequence of str, optional
        Feature columns for models that do not record their own.
    workers, scheduler
        Parallel prediction (see :func:`analysis.evaluation.predict_candidates`).
    serving_metadata : dict, optional
        ``{candidate: metadata file}`` with measured serving figures for prediction-file candidates.
    progress : callable, optional
        ``progress(candidate, stage)`` after each stage of each candidate (stages in :data:`STAGES`).
    join : {"auto", "id", "order"}
        How prediction files are matched to the data rows (see :func:`analysis.loading.join_rows`):
        on a shared id column (``auto``, the default, refuses a file without one; ``id`` requires
        one), or by position (``order``). Recorded as ``settings["join"]``.
    incumbent : str, optional
        The candidate in production today; must name a candidate. Recorded as
        ``settings["incumbent"]`` (read it with :func:`analysis.scorecard.incumbent_of`).
    limits : Limits, default DEFAULT_LIMITS
        Size limits for the prediction files (docs/limits.md; ``Limits.from_environ`` for the operator's).
    operating_points : sequence of OperatingRule
        Rules (:func:`analysis.evaluation.parse_operating_points`) that add, for every scored candidate, a
        derived candidate at the threshold the rule picks, measured by cross-fitting (binary tasks); serving,
        cost and explanation figures are copied from the parent.

    Bad prediction files and an unknown incumbent raise :class:`InputError` before any model runs.
    """
    stages = stages or Stages()
    files = load_prediction_files(data, prediction_files, join=join, limits=limits)
    check_incumbent(incumbent, [m.name for m in models] + [p.name for p in files])
    preds = predict_candidates(
        data, models, (), features=features, workers=workers, scheduler=scheduler, progress=progress
    )
    for pred in files:
        preds.append(pred)
        if progress:
            progress(pred.name, "predict")
    settings = settings or EvalSettings()
    op_warnings: list[str] = []
    if operating_points:
        derived, op_warnings = derive_candidates(data, preds, tuple(operating_points), seed=settings.random_state)
        check_names([p.name for p in preds] + [p.name for p in derived])
        preds.extend(derived)
    scorecard = evaluate_predictions(data, preds, settings=settings, now=now, progress=progress)
    if op_warnings:
        shown = [*scorecard.dataset.get("warnings", ()), *op_warnings]
        scorecard = replace(scorecard, dataset=FrozenDict({**scorecard.dataset, "warnings": shown}))
    scorecard = replace(scorecard, settings=FrozenDict({**scorecard.settings, "join": join, "incumbent": incumbent}))
    by_name = {m.name: m for m in models}
    cols = _features_by_model(data, models, features)
    if stages.train_frame is not None:
        _check_train_features(stages.train_frame, cols)

    measured = {o.name for o in scorecard.objectives}
    scorecard = _model_stages(
        scorecard,
        data.frame,
        models,
        cols,
        stages,
        sensitive=data.sensitive,
        id_column=data.id_column,
        serving_metadata=serving_metadata,
        progress=progress,
    )
    if operating_points:  # serving, cost and explanations: the parent's
        scorecard = inherit_parent_figures(scorecard, {o.name for o in scorecard.objectives} - measured)

    from analysis.drift import compute_decay, drift_to_scorecard, feature_drift

    if scorecard.windows:
        scorecard = compute_decay(scorecard)
    if stages.train_frame is not None and models:
        union = list(dict.fromkeys(c for m in models for c in cols[m.name]))
        latest, label = _latest(data)
        table = feature_drift(
            stages.train_frame[union],
            latest[union],
            features=union,
            reference_label="training data",
            current_label=label,
        )
        scorecard = drift_to_scorecard(scorecard, table)
    if stages.backtest and stages.train_frame is not None and data.time and models:
        from analysis.drift import backtest, backtest_to_scorecard

        full = pd.concat([stages.train_frame, data.frame], ignore_index=True)
        result = backtest(
            {n: m.model for n, m in by_name.items()},
            full,
            target=data.target,
            time=data.time,
            features_by_model=cols,
            positive_label=data.spec.positive_label,
            progress=progress,
        )
        scorecard = backtest_to_scorecard(scorecard, result)
    return scorecard


def _model_stages(
    scorecard: Scorecard,
    frame: pd.DataFrame,
    models: Sequence[LoadedModel],
    cols: dict[str, list[str]],
    stages: Stages,
    *,
    sensitive: Sequence[str],
    id_column: str | None,
    serving_metadata: dict | None,
    progress: Progress | None,
) -> Scorecard:
    """Serving and explanations of the models, measured on ``frame``'s rows."""
    by_name = {m.name: m for m in models}
    if stages.serving is not None:
        from analysis.serving import measure_serving, serving_to_scorecard

        union = list(dict.fromkeys(c for m in models for c in cols[m.name]))
        report = measure_serving(
            {n: m.model for n, m in by_name.items()},
            frame[union],
            settings=stages.serving,
            # a model fetched from MLflow has no file left (its path is its URI): the size its file had
            model_files={n: m.path if Path(m.path).is_file() else m.size_bytes for n, m in by_name.items()},
            metadata=serving_metadata,
            features_by_model=cols,
            progress=(lambda name, stage, fraction: progress(name, "serving") if fraction >= 1 else None)
            if progress
            else None,
        )
        scorecard = serving_to_scorecard(scorecard, report)

    if stages.explain is not None and models:
        from analysis.explain import explain_candidates, explanations_to_scorecard

        frame = frame.set_index(id_column, drop=False) if id_column else frame
        report = explain_candidates(
            {n: m.model for n, m in by_name.items()},
            frame,
            sensitive=frame[list(sensitive)] if sensitive else None,
            settings=stages.explain,
            features_by_model=cols,
            progress=progress,
        )
        scorecard = explanations_to_scorecard(scorecard, report)
    return scorecard


#: Rows of the dataset read into this process for serving and explanations when it is scored partition by partition.
SAMPLE_ROWS = 20_000


def run_partitioned_evaluation(
    source: str | Path,
    roles,
    models: Sequence[LoadedModel],
    *,
    now: datetime,
    settings: EvalSettings | None = None,
    stages: Stages | None = None,
    features: Sequence[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    serving_metadata: dict | None = None,
    progress: Progress | None = None,
    incumbent: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Scorecard:
    """The whole evaluation of a Parquet dataset (a directory, a glob, or a file) scored partition by partition.

    Quality, fairness, value and windows come from :func:`analysis.evaluation.evaluate_partitions`:
    in this process one row group at a time (``scheduler=None``), or on a Dask cluster
    (``"local"`` starts one of ``workers`` processes; an address connects to a running
    scheduler) whose workers read the files themselves and send back only sums. Serving and
    explanations run here, on the first :data:`SAMPLE_ROWS` rows (recorded in the settings).
    Prediction files, feature drift and the backtest need the whole table in memory: they raise
    :class:`InputError` here (the CLI says so before any work).
    """
    from analysis._errors import InputError
    from analysis.evaluation._partitions import (
        DaskExecutor,
        LocalExecutor,
        evaluate_partitions,
        list_partitions,
        read_partition,
    )

    stages = stages or Stages()
    if stages.backtest or stages.train_frame is not None:
        raise InputError(
            "feature drift and the backtest need the evaluation table in memory; drop --train-data/--backtest for a "
            "partitioned Parquet dataset, or pass a single file without --scheduler."
        )
    check_incumbent(incumbent, [m.name for m in models])
    settings = settings or EvalSettings()
    from contextlib import nullcontext

    from analysis.evaluation._run import _dask_client

    parts = list_partitions(source, limits=limits)
    with nullcontext() if scheduler is None else _dask_client(scheduler, workers) as client:
        scorecard = evaluate_partitions(
            source,
            roles,
            models,
            settings=settings,
            now=now,
            features=features,
            executor=LocalExecutor() if client is None else DaskExecutor(client),
            progress=progress,
            partitions=parts,
        )
    sample_rows = None
    if (stages.serving is not None or stages.explain is not None) and models:
        needed = list(roles.sensitive)
        frames, rows = [], 0
        for part in parts:
            frame = read_partition(part, _sample_columns(part, models, features, needed))
            frames.append(frame)
            rows += len(frame)
            if rows >= SAMPLE_ROWS:
                break
        sample = pd.concat(frames, ignore_index=True).iloc[:SAMPLE_ROWS]
        sample_rows = len(sample)
        cols = {m.name: resolve_features(m, sample, features, data_source=str(source)) for m in models}
        scorecard = _model_stages(
            scorecard,
            sample,
            models,
            cols,
            stages,
            sensitive=roles.sensitive,
            id_column=None,
            serving_metadata=serving_metadata,
            progress=progress,
        )
    extra = {
        "join": None,
        "incumbent": incumbent,
        "scoring": {
            "partitioned": True,
            "where": "this process"
            if scheduler is None
            else ("a local Dask cluster" if scheduler == "local" else scheduler),
            "workers": workers if scheduler == "local" else None,
            "serving_and_explanation_rows": sample_rows,
        },
    }
    scorecard = replace(scorecard, settings=FrozenDict({**scorecard.settings, **extra}))
    from analysis.drift import compute_decay

    if scorecard.windows:
        scorecard = compute_decay(scorecard)
    return scorecard


def _sample_columns(part, models, features, needed) -> list[str]:
    cols = list(needed)
    for m in models:
        cols += list(m.feature_names) if m.feature_names is not None else list(features or ())
    return list(dict.fromkeys(cols))


def _latest(data: EvalData) -> tuple[pd.DataFrame, str]:
    """The latest time window of the evaluation data (all of it without a time column)."""
    if not data.time:
        return data.frame, "evaluation data"
    from analysis.drift import latest_window

    return latest_window(data.frame, time=data.time)
