"""Before an evaluation: can each candidate be evaluated on this data, and if not, why.

An evaluation stops at the first candidate that cannot run, with a message about that one only.
:func:`check_candidates` asks every candidate the same questions first, with the loaders' and
the evaluation's own checks, and keeps every answer: a model file that does not load, a model
missing columns (all of them named, per model), a prediction file without a ``y_pred`` column or
whose rows cannot be matched to the data's. The caller evaluates the candidates that pass and
lists the others with their reasons.

Prediction files are matched to the data's rows as the evaluation will match them
(:func:`analysis.loading.join_rows`, ``join`` one of :data:`analysis.loading.JOINS`): on an id
column both tables share, or by position when asked (``join="order"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis._errors import InputError
from analysis.evaluation import EvalData, resolve_features
from analysis.evaluation._predict import PRED_COLUMNS, load_prediction_file
from analysis.loading import DEFAULT_LIMITS, Limits, LoadedModel, check_join, join_rows, load_model, load_table

__all__ = ["CandidateCheck", "check_candidates", "evaluable"]


@dataclass(frozen=True)
class CandidateCheck:
    """Whether one candidate can be evaluated on the data, and if not, why.

    Attributes
    ----------
    name : str
        The candidate's name (the file name without its suffix).
    kind : str
        ``"model"`` or ``"predictions"``.
    path : str
        The file checked.
    ok : bool
        Whether it can be evaluated.
    reason : str or None
        Why not (one sentence, naming the file as given), None when ``ok``.
    missing : tuple of str
        Columns a model needs that the data lacks (every one of them).
    alignment : str or None
        For a prediction file that can be evaluated: how its rows will be matched, in one line
        (``"joined on id (200 of 200 rows)"``, ``"matched by row order, as asked ..."``).
    """

    name: str
    kind: str
    path: str
    ok: bool
    reason: str | None = None
    missing: tuple[str, ...] = ()
    alignment: str | None = None


def _frame_of(data: EvalData | pd.DataFrame) -> tuple[pd.DataFrame, str, str | None]:
    if isinstance(data, EvalData):
        return data.frame, data.source, data.id_column
    return data, "the data", None


def _check_model(
    model: LoadedModel | str | Path,
    frame: pd.DataFrame,
    *,
    data_source: str,
    features: Sequence[str] | None,
    trust_pickle: bool,
    limits: Limits,
) -> CandidateCheck:
    path = model.path if isinstance(model, LoadedModel) else str(model)
    name = model.name if isinstance(model, LoadedModel) else Path(model).stem
    try:
        loaded = (
            model if isinstance(model, LoadedModel) else load_model(model, trust_pickle=trust_pickle, limits=limits)
        )
    except InputError as exc:
        return CandidateCheck(name, "model", path, False, exc.message)
    try:
        resolve_features(loaded, frame, features, data_source=data_source)
    except InputError as exc:
        wanted = list(loaded.feature_names) if loaded.feature_names is not None else list(features or ())
        missing = tuple(c for c in wanted if c not in frame.columns)
        return CandidateCheck(name, "model", path, False, exc.message, missing=missing)
    return CandidateCheck(name, "model", path, True)


def _check_predictions(
    path: str | Path,
    data: EvalData | pd.DataFrame,
    *,
    id_column: str | None,
    join: str,
    data_source: str,
    limits: Limits,
) -> CandidateCheck:
    name = Path(path).stem
    try:
        if isinstance(data, EvalData):
            # The evaluation's own reader: the columns, the join and the labels, checked as it will run.
            pred = load_prediction_file(
                path, data.frame, data.spec, id_column=id_column, join=join, data_name=data_source, limits=limits
            )
            text = pred.source.get("alignment_text")
        else:
            table = load_table(path, what="predictions file", limits=limits)
            if not any(c in table.columns for c in PRED_COLUMNS):
                raise InputError(
                    f"predictions file {path} has no y_pred column; columns found: "
                    f"{', '.join(map(str, table.columns))}. Name the predicted label column y_pred.",
                    source=str(path),
                )
            _, alignment = join_rows(table, data, id_column=id_column, join=join, source=str(path), data=data_source)
            text = alignment.text
    except InputError as exc:
        return CandidateCheck(name, "predictions", str(path), False, exc.message)
    return CandidateCheck(name, "predictions", str(path), True, alignment=text)


def check_candidates(
    models: Sequence[LoadedModel | str | Path],
    data: EvalData | pd.DataFrame,
    *,
    prediction_files: Sequence[str | Path] = (),
    id_column: str | None = None,
    join: str = "auto",
    features: Sequence[str] | None = None,
    data_source: str | None = None,
    trust_pickle: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[CandidateCheck, ...]:
    """Check every candidate against the data, without stopping at the first that fails.

    Parameters
    ----------
    models : sequence of LoadedModel or paths
        Model files (loaded here with :func:`analysis.loading.load_model`) or loaded models.
    data : EvalData or pandas.DataFrame
        The evaluation data (an ``EvalData`` also gives its source name and id column).
    prediction_files : sequence of paths
        Per-row predictions made elsewhere.
    id_column : str, optional
        The data's row id (default: the ``EvalData``'s).
    join : {"auto", "id", "order"}
        How prediction files are matched to the data's rows (see :func:`analysis.loading.join_rows`).
    features : sequence of str, optional
        Feature columns for models that do not record their own.
    data_source : str, optional
        How messages name the data (default: the ``EvalData``'s source, else "the data").
    trust_pickle : bool
        Whether pickle model files may be loaded.
    limits : Limits
        Size limits checked before each file is expanded (see ``docs/limits.md``); a file past
        them fails its check with the one-sentence reason.

    Returns
    -------
    tuple of CandidateCheck
        One per candidate, models first, in the order given.
    """
    check_join(join)
    frame, source, data_id = _frame_of(data)
    source = data_source or source
    id_column = id_column if id_column is not None else data_id
    checks = [
        _check_model(m, frame, data_source=source, features=features, trust_pickle=trust_pickle, limits=limits)
        for m in models
    ]
    checks += [
        _check_predictions(p, data, id_column=id_column, join=join, data_source=source, limits=limits)
        for p in prediction_files
    ]
    return tuple(checks)


def evaluable(checks: Sequence[CandidateCheck]) -> tuple[CandidateCheck, ...]:
    """The candidates that passed."""
    return tuple(c for c in checks if c.ok)
