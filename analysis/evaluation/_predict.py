"""Turning candidates (models or prediction files) into aligned, encoded predictions."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis._errors import InputError, plain, plain_list
from analysis._labels import label_key
from analysis.evaluation._feature_types import check_feature_types, column_kind
from analysis.evaluation._outputs import FILE_FIX, check_finite, check_probabilities, check_rows, rows_text
from analysis.loading._datasets import file_sha256, load_table
from analysis.loading._join import join_rows
from analysis.loading._limits import DEFAULT_LIMITS, Limits
from analysis.loading._models import LoadedModel

TASKS = ("binary", "multiclass", "regression")


@dataclass(frozen=True)
class TargetSpec:
    """The task and how its labels are encoded (binary: negative 0, positive 1)."""

    task: str
    classes: tuple = ()  # original labels, in code order (binary: (negative, positive))

    @property
    def positive_label(self) -> Any:
        return self.classes[1] if self.task == "binary" else None

    def encode(self, values: Sequence, *, source: str) -> np.ndarray:
        """Original labels -> codes; unknown labels raise :class:`InputError`."""
        arr = np.asarray(values)
        if self.task == "regression":
            return arr.astype(float)
        lookup = {label_key(c): i for i, c in enumerate(self.classes)}
        uniques, inverse = np.unique(
            arr.astype(object).astype(str) if arr.dtype.kind not in "biuf" else arr, return_inverse=True
        )
        codes = np.empty(len(uniques), dtype=np.int64)
        for i, v in enumerate(uniques):
            code = lookup.get(label_key(v))
            if code is None:
                raise InputError(
                    f"{source} predicts label {plain(v)!r}, which is not a class of the target "
                    f"({plain_list(self.classes)})."
                )
            codes[i] = code
        out = codes[inverse.ravel()]
        return out


@dataclass(frozen=True)
class Predictions:
    """One candidate's predictions on the evaluation rows, encoded like the target."""

    name: str
    y_pred: np.ndarray
    y_prob: np.ndarray | None = None  # binary: P(positive) per row; multiclass: rows x classes
    y_score: np.ndarray | None = None  # binary ranking score (probability or decision function)
    score_kind: str = "none"  # "probability" | "decision_function" | "none"
    seconds: float | None = None
    source: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def resolve_features(
    loaded: LoadedModel, frame: pd.DataFrame, features: Sequence[str] | None, *, data_source: str
) -> list[str]:
    """The columns to pass to a model: its ``feature_names_in_``, else ``features``.

    A mismatch between the two, a column the data lacks, or a column holding text where the
    model was trained on numbers (or the reverse, see
    :func:`~analysis.evaluation._feature_types.check_feature_types`) raises :class:`InputError`
    naming the columns.
    """
    own = list(loaded.feature_names) if loaded.feature_names is not None else None
    if own is not None and features:
        missing = [c for c in own if c not in features]
        extra = [c for c in features if c not in own]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"the model also needs {', '.join(missing)}")
            if extra:
                parts.append(f"the model was not trained on {', '.join(extra)}")
            raise InputError(
                f"--features does not match the features model {loaded.path} was trained on: "
                f"{'; '.join(parts)}. Drop --features to use the model's own list.",
                source=loaded.path,
            )
    cols = own if own is not None else (list(features) if features else None)
    if cols is None:
        raise InputError(
            f"model {loaded.path} does not record its feature names (it was fitted on an array); "
            "pass the columns in order with --features a,b,c.",
            source=loaded.path,
        )
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError(
            f"model {loaded.path} needs column(s) {', '.join(missing)}, which {data_source} lacks; "
            "evaluate on data with the model's training columns.",
            source=loaded.path,
        )
    n_in = getattr(loaded.model, "n_features_in_", None)
    if own is None and n_in is not None and int(n_in) != len(cols):
        raise InputError(
            f"model {loaded.path} takes {int(n_in)} features but --features lists {len(cols)}.",
            source=loaded.path,
        )
    check_feature_types(loaded.model, frame, cols, who=model_label(loaded), data_source=data_source)
    return cols


def model_label(loaded: LoadedModel) -> str:
    """A model as messages name it: ``model 'hgb' (models/hgb.skops)``."""
    return f"model {loaded.name!r} ({loaded.path})"


def _explain_predict_failure(exc: Exception, X: pd.DataFrame, loaded: LoadedModel, data_source: str) -> InputError:
    text = str(exc)
    nan_cols = [c for c in X.columns if X[c].isna().any()]
    non_numeric = [
        c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])
    ]
    if nan_cols and ("NaN" in text or "nan" in text.lower() or "missing" in text.lower()):
        counts = ", ".join(f"{c} ({int(X[c].isna().sum())} rows)" for c in nan_cols)
        return InputError(
            f"model {loaded.path} cannot take missing values, and {data_source} has NaNs in {counts}; "
            "fill or drop those rows, or use a model that handles missing values.",
            source=loaded.path,
        )
    if non_numeric and ("convert" in text or "string" in text.lower() or "float" in text):
        return InputError(
            f"model {loaded.path} cannot take non-numeric feature(s) {', '.join(non_numeric)} in "
            f"{data_source}; encode them as numbers or save a pipeline that encodes them.",
            source=loaded.path,
        )
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    type_clash = isinstance(exc, TypeError) and ("not supported between instances" in text or "isnan" in text)
    if type_clash and any(column_kind(X[c]) in ("mixed", "number") for c in X.columns):
        mixed = [c for c in X.columns if column_kind(X[c]) == "mixed"]
        numeric = [c for c in X.columns if column_kind(X[c]) == "number"]
        hint = (
            f"column(s) {', '.join(map(repr, mixed))} hold both numbers and text; make each column one kind"
            if mixed
            else f"check whether numeric column(s) {', '.join(map(repr, numeric[:8]))}"
            + (" ..." if len(numeric) > 8 else "")
            + " should hold text for this model (a CSV turns text codes such as '47101' into numbers; Parquet keeps "
            "column types)"
        )
        return InputError(
            f"{model_label(loaded)} failed to predict on {data_source} ({type(exc).__name__}: {first}); {hint}.",
            source=loaded.path,
        )
    return InputError(
        f"model {loaded.path} failed to predict on {data_source} ({type(exc).__name__}: {first}).",
        source=loaded.path,
    )


def _align_proba(proba: np.ndarray, model_classes: Sequence, target: TargetSpec, source: str) -> np.ndarray:
    """Reorder probability columns from the model's ``classes_`` to the target's classes."""
    proba = np.asarray(proba, dtype=float)
    if proba.ndim == 1:
        proba = np.column_stack([1 - proba, proba])
    keys = [label_key(c) for c in model_classes]
    out = np.zeros((proba.shape[0], len(target.classes)))
    for j, cls in enumerate(target.classes):
        if label_key(cls) in keys:
            out[:, j] = proba[:, keys.index(label_key(cls))]
    unknown = [c for c in model_classes if label_key(c) not in {label_key(t) for t in target.classes}]
    if unknown:
        raise InputError(
            f"{source} knows class(es) {plain_list(unknown)} that the target does not have; "
            "is the target column right?",
            source=source,
        )
    return out


def _booster_codes(model: Any, classes: Sequence, target: TargetSpec) -> str | None:
    """When a native booster's classes are the codes 0..k-1 and the target's labels are not: the note that reads them.

    XGBoost and LightGBM boosters know no labels, only the codes they were trained on. Code ``i``
    is read as the target's ``i``-th class: for a binary target code 1 is the positive label and 0
    the other one; for more classes, the labels in sorted order (scikit-learn's ``LabelEncoder``
    order, which ``XGBClassifier`` asks for). The note says so, so that a wrong reading is seen.
    """
    from analysis.loading._boosting import BoosterModel

    if not isinstance(model, BoosterModel) or target.task == "regression":
        return None
    keys = [label_key(c) for c in classes]
    k = len(target.classes)
    if keys != [label_key(i) for i in range(k)] or {label_key(t) for t in target.classes} == set(keys):
        return None
    read = ", ".join(f"{i} as {plain(c)!r}" for i, c in enumerate(target.classes))
    how = "1 is the positive label" if target.task == "binary" else "codes in the labels' sorted order"
    return f"the {model.kind} predicts class codes 0..{k - 1}, read as the target's labels: {read} ({how})"


#: Rows passed to a model at a time: bounds the memory of its intermediate arrays.
PREDICT_ROWS = 262_144
#: Final estimators whose ``predict`` is ``classes_[argmax(predict_proba)]`` (ties to the first
#: class), so one ``predict_proba`` call gives both the labels and the probabilities. Others
#: (an SVC with Platt scaling, a stratified DummyClassifier, custom classes, ONNX sessions) are
#: asked for both.
ARGMAX_ESTIMATORS = frozenset(
    {
        "BernoulliNB",
        "CalibratedClassifierCV",
        "ComplementNB",
        "DecisionTreeClassifier",
        "ExtraTreeClassifier",
        "ExtraTreesClassifier",
        "GaussianNB",
        "GradientBoostingClassifier",
        "HistGradientBoostingClassifier",
        "KNeighborsClassifier",
        "LinearDiscriminantAnalysis",
        "LogisticRegression",
        "LogisticRegressionCV",
        "MLPClassifier",
        "MultinomialNB",
        "QuadraticDiscriminantAnalysis",
        "RandomForestClassifier",
    }
)


def _final_estimator(model):
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model


def labels_from_proba(model) -> bool:
    """Whether ``model.predict`` equals ``classes_[argmax(predict_proba)]`` (see :data:`ARGMAX_ESTIMATORS`)."""
    final = _final_estimator(model)
    name = type(final).__name__
    if type(final).__module__.split(".")[0] != "sklearn" or getattr(model, "classes_", None) is None:
        return False
    if name == "DummyClassifier":
        return getattr(final, "strategy", None) in ("most_frequent", "prior")
    return name in ARGMAX_ESTIMATORS


def _predict_rows(model, X: pd.DataFrame, task: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Labels, probabilities and decision scores of ``X``, each model method called once per row."""
    has_proba = task != "regression" and callable(getattr(model, "predict_proba", None))
    proba = score = None
    raw_pred = None
    if has_proba:
        try:
            proba = np.asarray(model.predict_proba(X))
        except (AttributeError, NotImplementedError):
            proba = None
    if proba is not None and labels_from_proba(model):
        classes = np.asarray(model.classes_)
        P = proba if proba.ndim == 2 else np.column_stack([1 - proba, proba])
        raw_pred = classes[np.argmax(P, axis=1)]
    else:
        raw_pred = np.asarray(model.predict(X))
    if task != "regression" and proba is None and callable(getattr(model, "decision_function", None)):
        score = np.asarray(model.decision_function(X), dtype=float)
    return raw_pred, proba, score


def _check_part(part: tuple, *, n_rows: int, who: str, task: str, n_classes: int) -> tuple:
    """One batch's (labels, probabilities, scores) with one entry per input row, else :class:`InputError`."""
    raw, proba, score = part
    raw = check_rows(raw, n_rows=n_rows, who=who, what="predictions" if task == "regression" else "labels")
    if proba is not None:
        proba = check_rows(proba, n_rows=n_rows, who=who, what="probabilities", columns=n_classes)
    if score is not None and task == "binary":
        score = check_rows(score, n_rows=n_rows, who=who, what="decision scores")
    return raw, proba, score


def predict_model(
    loaded: LoadedModel,
    frame: pd.DataFrame,
    features: Sequence[str],
    target: TargetSpec,
    *,
    data_source: str,
    predict_rows: int = PREDICT_ROWS,
) -> Predictions:
    """Run a model on the evaluation rows and encode its outputs.

    The rows go to the model ``predict_rows`` at a time, and a scikit-learn classifier whose
    labels are the argmax of its probabilities (:func:`labels_from_proba`) is asked only for
    ``predict_proba``: one pass over the rows gives both. What the model returns is checked
    (:mod:`analysis.evaluation._outputs`): a wrong number of rows or shape, NaN or infinite
    values, or probabilities outside [0, 1] raise :class:`InputError` naming the model.
    """
    model = loaded.model
    who = model_label(loaded)
    classes = getattr(model, "classes_", None)
    if classes is None:
        classes = target.classes
    notes: list[str] = []
    codes = _booster_codes(model, classes, target)
    if codes is not None:  # a booster that predicts 0..k-1 for a target with other labels
        classes = target.classes
        notes.append(codes)
    start = time.perf_counter()
    parts: list[tuple] = []
    X = None
    try:
        # Floating-point warnings from inside the model (an overflow, "invalid value encountered in
        # matmul") are dropped: its outputs are checked below, and a NaN becomes one clear error.
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            for a in range(0, len(frame), predict_rows):
                X = frame.iloc[a : a + predict_rows][list(features)]
                part = _predict_rows(model, X, target.task)
                parts.append(_check_part(part, n_rows=len(X), who=who, task=target.task, n_classes=len(classes)))
    except InputError:
        raise
    except Exception as exc:
        raise _explain_predict_failure(exc, frame[list(features)], loaded, data_source) from None
    raw_pred = np.concatenate([p[0].ravel() for p in parts]) if parts else np.zeros(0)
    proba = np.concatenate([p[1] for p in parts]) if parts and parts[0][1] is not None else None
    score = np.concatenate([p[2] for p in parts]) if parts and parts[0][2] is not None else None
    del parts
    seconds = time.perf_counter() - start
    where = f"rows of {data_source}"
    if target.task == "regression" or raw_pred.dtype.kind == "f":
        check_finite(raw_pred, who=who, what="predictions" if target.task == "regression" else "labels", where=where)
    if codes is not None:
        raw_pred = np.asarray(target.classes, dtype=object)[raw_pred.astype(np.int64)]
    y_pred = target.encode(raw_pred, source=loaded.path)
    y_prob = y_score = None
    kind = "none"
    if score is not None and target.task == "binary":
        score = check_finite(score, who=who, what="decision scores", where=where)
    if proba is not None:
        proba, proba_notes = check_probabilities(proba, who=who, where=where)
        notes += proba_notes
        P = _align_proba(proba, classes, target, loaded.path)
        y_prob = P[:, 1] if target.task == "binary" else P
        y_score = y_prob if target.task == "binary" else None
        kind = "probability"
    elif score is not None and target.task == "binary":
        y_score = score.ravel()
        kind = "decision_function"
        notes.append("no predict_proba: ranking metrics use decision_function; probability metrics are missing")
    elif target.task != "regression":
        notes.append(
            "the model has neither predict_proba nor decision_function: ROC AUC, PR AUC, log loss, "
            "Brier score and calibration are missing"
        )
    return Predictions(
        name=loaded.name,
        y_pred=y_pred,
        y_prob=y_prob,
        y_score=y_score,
        score_kind=kind,
        seconds=seconds,
        source=loaded.source_dict(),
        notes=tuple(notes),
    )


PRED_COLUMNS = ("y_pred", "prediction", "pred")


def load_prediction_file(
    path: str | Path,
    frame: pd.DataFrame,
    target: TargetSpec,
    *,
    id_column: str | None,
    name: str | None = None,
    join: str = "auto",
    data_name: str = "the data",
    limits: Limits = DEFAULT_LIMITS,
) -> Predictions:
    """Read per-row predictions made elsewhere and align them with the evaluation rows.

    The file has a ``y_pred`` (or ``prediction``) column, optionally ``y_prob`` (probability of
    the positive class), ``y_score`` (any ranking score) or ``proba_<class>`` columns. Rows are
    matched as ``join`` says (see :func:`analysis.loading.join_rows`): ``"auto"`` joins on a
    shared id column (``id_column`` first) and refuses a file without one, ``"id"`` requires
    one, ``"order"`` matches by position. The candidate's ``source`` records it as
    ``alignment`` (``{"how", "column", "asked", "rows"}``) and ``alignment_text`` (one line).
    The file is checked against ``limits`` before it is read (see :func:`analysis.loading.load_table`).
    """
    path = Path(path)
    table = load_table(path, what="predictions file", limits=limits)
    pred_col = next((c for c in PRED_COLUMNS if c in table.columns), None)
    if pred_col is None:
        raise InputError(
            f"predictions file {path} has no y_pred column; columns found: {', '.join(table.columns)}. "
            "Name the predicted label column y_pred.",
            source=str(path),
        )
    table, alignment = join_rows(table, frame, id_column=id_column, join=join, source=str(path), data=data_name)
    if table[pred_col].isna().any():
        raise InputError(
            f"predictions file {path} has {int(table[pred_col].isna().sum())} empty {pred_col} values "
            f"({rows_text(table[pred_col].isna().to_numpy())} of {data_name}); give a prediction for every row.",
            source=str(path),
        )
    who = f"predictions file {path}"
    file_check = {"who": who, "where": f"rows of {data_name}", "verb": "has", "fix": FILE_FIX}
    if target.task == "regression" or pd.api.types.is_float_dtype(table[pred_col]):
        what = f"{pred_col} values" if target.task == "regression" else f"{pred_col} labels"
        _numeric(table, [pred_col], who=who)
        check_finite(table[pred_col].to_numpy(), **file_check, what=what)
    y_pred = target.encode(table[pred_col].to_numpy(), source=str(path))
    y_prob = y_score = None
    kind = "none"
    notes = [f"predictions read from {path.name}: {alignment.text}"]
    proba_cols = [f"proba_{c}" for c in target.classes]
    if target.task == "binary" and "y_prob" in table.columns:
        _numeric(table, ["y_prob"], who=who)
        y_prob, _ = check_probabilities(table["y_prob"].to_numpy(), **file_check, what="y_prob values")
        y_score, kind = y_prob, "probability"
    elif target.task != "regression" and all(c in table.columns for c in proba_cols):
        _numeric(table, proba_cols, who=who)
        P, more = check_probabilities(
            table[proba_cols].to_numpy(), **file_check, what=f"{', '.join(proba_cols)} values"
        )
        notes += more
        y_prob = P[:, 1] if target.task == "binary" else P
        y_score = y_prob if target.task == "binary" else None
        kind = "probability"
    elif target.task == "binary" and "y_score" in table.columns:
        _numeric(table, ["y_score"], who=who)
        y_score = check_finite(table["y_score"].to_numpy(), **file_check, what="y_score values")
        kind = "decision_function"
    return Predictions(
        name=name or path.stem,
        y_pred=y_pred,
        y_prob=y_prob,
        y_score=y_score,
        score_kind=kind,
        source={
            "kind": "predictions",
            "path": path.name,
            "sha256": file_sha256(path),
            "size_bytes": path.stat().st_size,
            "alignment": alignment.to_dict(),
            "alignment_text": alignment.text,
        },
        notes=tuple(notes),
    )


def _numeric(table: pd.DataFrame, columns: Sequence[str], *, who: str) -> None:
    """:class:`InputError` naming the first of ``columns`` that is not numeric, with an example value."""
    for c in columns:
        col = table[c]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            continue
        values = pd.to_numeric(col, errors="coerce")
        bad = values.isna() & col.notna()
        if bad.any():
            example = col[bad].iloc[0]
            raise InputError(
                f"column {c!r} of {who} holds {plain(example)!r} ({rows_text(bad.to_numpy())}), "
                "which is not a number; give numbers only.",
                source=c,
            )
        table[c] = values
