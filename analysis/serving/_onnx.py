"""ONNX: a scikit-learn-like wrapper over ONNX Runtime, and conversion of fitted models.

:class:`OnnxModel` runs an ``.onnx`` graph with ``predict``/``predict_proba`` over a DataFrame
(or an array), so the model loader and the serving harness treat it like any fitted model.
:func:`convert_to_onnx` converts a fitted scikit-learn estimator with skl2onnx, a native XGBoost
or LightGBM booster with onnxmltools and a CatBoost model with CatBoost's own ONNX export (numeric
features only), checks the converted graph against the original on evaluation rows, and reports
why when it cannot.

Input forms. A graph with one input per column (what skl2onnx needs for a pipeline whose
``ColumnTransformer`` selects columns by name, or for string columns) is fed a dict of column
arrays, each ``(n, 1)``: strings as ``StringTensorType``, integers as ``Int64TensorType``,
floats as ``FloatTensorType``; such a model exposes ``feature_names_in_`` and is served
one-row DataFrames. A graph with one tensor input is fed a float array and exposes
``feature_names_in_ = None``, so it is served NumPy rows, as an ONNX server would receive them.

onnxruntime and skl2onnx are optional (``pip install 'tradeoffs[onnx]'``), and so is onnxmltools
(``pip install 'tradeoffs[boosting]'``); they are imported when first used, and
:class:`OnnxModel` raises :class:`ImportError` without onnxruntime.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.metaestimators import available_if

from analysis.loading._boosting import LIBRARY_NAMES, BoosterModel

#: ``metadata_props`` keys written by :func:`convert_to_onnx` and read by :class:`OnnxModel`.
META_CLASSES = "tradeoffs.classes"
META_INPUT_FORM = "tradeoffs.input_form"
META_CONVERTER = "tradeoffs.converter"
#: The converter of each kind of model, as recorded in :attr:`OnnxConversion.converter`.
SKL2ONNX = "skl2onnx"
CONVERTERS: dict[str, str] = {
    "xgboost": "onnxmltools.convert_xgboost",
    "lightgbm": "onnxmltools.convert_lightgbm",
    "catboost": "catboost save_model(format='onnx')",
}
#: ONNX tensor element types and the NumPy dtype each input is cast to.
_NUMPY_TYPES: dict[str, Any] = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(bool)": np.bool_,
    "tensor(string)": object,
}
#: Longest error message kept from a failed conversion.
MAX_MESSAGE = 240


def _first_line(exc: BaseException, limit: int) -> str:
    text = str(exc).strip()
    text = text.splitlines()[0] if text else ""
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def short_error(exc: BaseException, limit: int = MAX_MESSAGE) -> str:
    r"""``Type: first line of the message`` (and of its cause), cut to about ``limit`` characters.

    Examples
    --------
    >>> short_error(ValueError("bad value\nmore detail"))
    'ValueError: bad value'
    """
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if cause is None:
        return _first_line(exc, limit)
    half = limit // 2
    return f"{_first_line(exc, half)} (cause: {_first_line(cause, half)})"


def _has_proba(model: OnnxModel) -> bool:
    return model._proba_output is not None


class OnnxModel:
    """A fitted model in an ONNX graph, run by ONNX Runtime on the CPU.

    Parameters
    ----------
    path_or_bytes : str, Path or bytes
        An ``.onnx`` file or its bytes.
    threads : int, default=1
        ONNX Runtime intra-op threads (inter-op: 1, sequential execution, no spinning).

    Attributes
    ----------
    classes_ : ndarray or None
        Class labels in probability-column order, when the graph records them.
    feature_names_in_ : ndarray of str or None
        Column names when the graph takes one input per column, else ``None``.
    n_features_in_ : int or None
        Number of input columns.
    model_bytes : bytes
        The serialized graph.

    Raises
    ------
    ImportError
        When onnxruntime is not installed.
    """

    def __init__(self, path_or_bytes: str | Path | bytes, *, threads: int = 1) -> None:
        import onnxruntime as ort

        if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            data = bytes(path_or_bytes)
        else:
            data = Path(path_or_bytes).read_bytes()
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        # Idle pool threads would otherwise spin and steal cores from whatever runs next.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])
        self.model_bytes = data
        self.threads = int(threads)
        meta = self._session.get_modelmeta().custom_metadata_map
        inputs = self._session.get_inputs()
        self._inputs = [(i.name, _NUMPY_TYPES.get(i.type, np.float32)) for i in inputs]
        form = meta.get(META_INPUT_FORM) or ("columns" if len(inputs) > 1 else "tensor")
        self.input_form = form
        if form == "columns":
            self.feature_names_in_: np.ndarray | None = np.asarray([i.name for i in inputs], dtype=object)
            self.n_features_in_: int | None = len(inputs)
        else:
            self.feature_names_in_ = None
            shape = inputs[0].shape
            self.n_features_in_ = shape[1] if len(shape) == 2 and isinstance(shape[1], int) else None
        outputs = self._session.get_outputs()
        self._label_output = outputs[0].name
        self._proba_output = outputs[1].name if len(outputs) > 1 else None
        self.classes_ = _read_classes(meta, data) if self._proba_output is not None else None

    def __repr__(self) -> str:
        return f"OnnxModel(input_form={self.input_form!r}, threads={self.threads})"

    # ---- feeding ---------------------------------------------------------------------
    def _feed(self, X: Any) -> dict[str, np.ndarray]:
        if self.input_form == "columns":
            if isinstance(X, pd.DataFrame):
                columns = {name: X[name].to_numpy() for name, _ in self._inputs}
            else:
                arr = np.asarray(X, dtype=object)
                arr = arr.reshape(1, -1) if arr.ndim == 1 else arr
                columns = {name: arr[:, j] for j, (name, _) in enumerate(self._inputs)}
            feed = {}
            for name, dtype in self._inputs:
                col = columns[name]
                if dtype is object:
                    col = col.astype(str) if col.dtype != object else col
                    feed[name] = np.asarray(col, dtype=object).reshape(-1, 1)
                else:
                    feed[name] = np.asarray(col, dtype=dtype).reshape(-1, 1)
            return feed
        name, dtype = self._inputs[0]
        arr = X.to_numpy() if isinstance(X, pd.DataFrame) else np.asarray(X)
        arr = arr.reshape(1, -1) if arr.ndim == 1 else arr
        return {name: np.ascontiguousarray(arr, dtype=dtype)}

    # ---- predicting ------------------------------------------------------------------
    def predict(self, X: Any) -> np.ndarray:
        """Labels (classifiers) or values (regressors), one per row."""
        (out,) = self._session.run([self._label_output], self._feed(X))
        return np.asarray(out).reshape(len(out), -1)[:, 0] if np.ndim(out) > 1 else np.asarray(out)

    @available_if(_has_proba)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one row per input row, columns in :attr:`classes_` order."""
        (out,) = self._session.run([self._proba_output], self._feed(X))
        if isinstance(out, list):  # a ZipMap output: one {class: probability} dict per row
            return np.asarray([list(row.values()) for row in out], dtype=np.float64)
        return np.asarray(out)


def _read_classes(meta: dict[str, str], data: bytes) -> np.ndarray | None:
    """Class labels from our metadata, else from the classifier node's ``classlabels_*``."""
    if META_CLASSES in meta:
        return np.asarray(json.loads(meta[META_CLASSES]))
    try:
        import onnx
    except ImportError:  # pragma: no cover - onnx comes with skl2onnx
        return None
    graph = onnx.load_from_string(data).graph
    for node in graph.node:
        for attr in node.attribute:
            if attr.name in ("classlabels_ints", "classlabels_int64s"):
                return np.asarray(list(attr.ints))
            if attr.name == "classlabels_strings":
                return np.asarray([s.decode("utf-8") for s in attr.strings], dtype=object)
    return None


# ---- conversion ----------------------------------------------------------------------
@dataclass(frozen=True)
class OnnxConversion:
    """The outcome of converting one model.

    Attributes
    ----------
    model : OnnxModel or None
        The converted model, ``None`` when conversion failed.
    error : str or None
        Why conversion failed (short), else ``None``.
    input_form : str or None
        ``"columns"`` or ``"tensor"``.
    max_abs_diff : float or None
        Largest absolute difference between the original's outputs and the graph's, over
        ``compared_rows`` evaluation rows (probabilities when the original has them).
    tolerance : float
        The largest difference accepted as "the same model".
    compared_rows : int
    seconds : float
        Time the conversion and check took (not part of any serving figure).
    converter : str or None
        What converted the model: ``"skl2onnx"``, ``"onnxmltools.convert_xgboost"``,
        ``"onnxmltools.convert_lightgbm"`` or ``"catboost save_model(format='onnx')"`` (see
        :data:`CONVERTERS`); ``None`` when no converter applies.
    """

    model: OnnxModel | None
    error: str | None
    input_form: str | None
    max_abs_diff: float | None
    tolerance: float
    compared_rows: int
    seconds: float
    converter: str | None = None

    @property
    def matches(self) -> bool | None:
        """Whether the outputs agree within the tolerance (``None`` when not converted)."""
        if self.max_abs_diff is None:
            return None
        return bool(self.max_abs_diff <= self.tolerance)

    def to_dict(self) -> dict:
        """Plain-JSON form (without the model)."""
        return {
            "error": self.error,
            "input_form": self.input_form,
            "max_abs_diff": self.max_abs_diff,
            "tolerance": self.tolerance,
            "matches": self.matches,
            "compared_rows": self.compared_rows,
            "seconds": self.seconds,
            "converter": self.converter,
        }


def column_initial_types(X: pd.DataFrame) -> list[tuple[str, Any]]:
    """skl2onnx initial types, one ``(n, 1)`` input per column, from the DataFrame's dtypes."""
    from skl2onnx.common.data_types import (
        BooleanTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    types: list[tuple[str, Any]] = []
    for name, dtype in X.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype):
            types.append((str(name), BooleanTensorType([None, 1])))
        elif pd.api.types.is_integer_dtype(dtype):
            types.append((str(name), Int64TensorType([None, 1])))
        elif pd.api.types.is_float_dtype(dtype):
            types.append((str(name), FloatTensorType([None, 1])))
        elif pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
            raise TypeError(f"column {name!r} has dtype {dtype}, which has no ONNX tensor type")
        else:
            types.append((str(name), StringTensorType([None, 1])))
    return types


def _wants_columns(model: Any, X: pd.DataFrame) -> bool:
    from sklearn.compose import ColumnTransformer

    if not all(pd.api.types.is_numeric_dtype(d) and not pd.api.types.is_bool_dtype(d) for d in X.dtypes):
        return True
    steps = getattr(model, "steps", None) or []
    return any(isinstance(est, ColumnTransformer) for _, est in steps) or isinstance(model, ColumnTransformer)


def _to_onnx_bytes(model: Any, X: pd.DataFrame, form: str) -> bytes:
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    if form == "columns":
        initial_types = column_initial_types(X)
    else:
        initial_types = [("X", FloatTensorType([None, X.shape[1]]))]
    options = {"zipmap": False} if hasattr(model, "predict_proba") else None
    onx = to_onnx(model, initial_types=initial_types, options=options)
    classes = getattr(model, "classes_", None)
    meta = {META_INPUT_FORM: form, META_CONVERTER: SKL2ONNX}
    if classes is not None:
        meta[META_CLASSES] = json.dumps(np.asarray(classes).tolist())
    return _add_metadata(onx, meta)


def _add_metadata(onx: Any, meta: dict[str, str]) -> bytes:
    for key, value in meta.items():
        prop = onx.metadata_props.add()
        prop.key, prop.value = key, value
    return onx.SerializeToString()


def _booster_onnx_bytes(model: BoosterModel, n_features: int) -> bytes:
    """The booster as an ONNX graph with one float tensor input ``(n, n_features)``."""
    if model.library == "catboost":
        import onnx

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.onnx"
            model.booster.save_model(str(path), format="onnx")
            onx = onnx.load(str(path))
    else:
        from onnxmltools.convert.common.data_types import FloatTensorType

        initial_types = [("input", FloatTensorType([None, n_features]))]
        if model.library == "xgboost":
            from onnxmltools import convert_xgboost

            booster = model.booster.copy()  # onnxmltools reads only f0..fN feature names
            booster.feature_names = None
            booster.feature_types = None
            onx = convert_xgboost(booster, initial_types=initial_types)
        else:
            from onnxmltools import convert_lightgbm

            onx = convert_lightgbm(model.booster, initial_types=initial_types, zipmap=False)
    meta = {META_INPUT_FORM: "tensor", META_CONVERTER: CONVERTERS[model.library]}
    if model.classes_ is not None:
        meta[META_CLASSES] = json.dumps(np.asarray(model.classes_).tolist())
    return _add_metadata(onx, meta)


def _booster_blocker(model: BoosterModel, X: pd.DataFrame) -> str | None:
    """Why a booster cannot be converted (categorical features, missing converter), else ``None``."""
    name = LIBRARY_NAMES[model.library]
    if model.categorical_features:
        return (
            f"not converted: the {name} model has categorical feature(s) {', '.join(model.categorical_features)}, "
            "and the ONNX conversion takes numeric features only"
        )
    text = [str(c) for c, d in X.dtypes.items() if not pd.api.types.is_numeric_dtype(d)]
    if text:
        return f"not converted: column(s) {', '.join(text)} are not numeric; the ONNX conversion takes numbers only"
    if X.shape[1] != model.n_features_in_:
        return f"not converted: the model takes {model.n_features_in_} features and the rows have {X.shape[1]} columns"
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        return f"not converted: {exc.name} is not installed (pip install 'tradeoffs[onnx]')"
    if model.library != "catboost":
        try:
            import onnxmltools  # noqa: F401
        except ImportError:
            return "not converted: onnxmltools is not installed (pip install 'tradeoffs[boosting]')"
    return None


def convert_to_onnx(
    model: Any,
    X: pd.DataFrame,
    *,
    threads: int = 1,
    tolerance: float = 1e-4,
    check_rows: int = 1000,
    random_state: int = 0,
) -> OnnxConversion:
    """Convert a fitted model to ONNX and check it against the original.

    A scikit-learn estimator or pipeline is converted with skl2onnx; a native booster
    (:class:`~analysis.loading.BoosterModel`) with onnxmltools (XGBoost, LightGBM) or CatBoost's
    own export, on numeric features only, as one float tensor input. Never raises for a model
    that cannot be converted: the reason is in ``error``, and ``converter`` says what was used.

    Parameters
    ----------
    model : estimator
        A fitted scikit-learn estimator or pipeline, or a :class:`~analysis.loading.BoosterModel`.
    X : DataFrame
        Evaluation rows, restricted to the model's ``feature_names_in_`` when it has them:
        their dtypes give the input types, and up to ``check_rows`` of them (seeded) are
        predicted by both models for the check.
    threads : int, default=1
        ONNX Runtime intra-op threads of the converted model.
    tolerance : float, default=1e-4
        Largest absolute difference accepted as the same model.
    check_rows : int, default=1000
        Evaluation rows predicted by both models for the check.
    random_state : int, default=0
        Seed of the rows checked.
    """
    start = time.perf_counter()
    tried_forms: list[str] = []

    converter: str | None = None

    def failed(message: str, form: str | None = None) -> OnnxConversion:
        return OnnxConversion(None, message, form, None, tolerance, 0, time.perf_counter() - start, converter)

    names = getattr(model, "feature_names_in_", None)
    if names is not None and set(map(str, names)) <= set(map(str, X.columns)):
        X = X[[str(n) for n in names]]  # the model's own features, in its order
    if isinstance(model, BoosterModel):
        converter = CONVERTERS[model.library]
        form = "tensor"
        blocker = _booster_blocker(model, X)
        if blocker is not None:
            return failed(blocker)
        try:
            data = _booster_onnx_bytes(model, X.shape[1])
        except Exception as exc:  # each converter raises its own types for what it cannot convert
            return failed(f"conversion failed: {short_error(exc)}", form)
    else:
        try:
            from sklearn.base import BaseEstimator
        except ImportError:  # pragma: no cover - scikit-learn is a dependency
            return failed("scikit-learn is not installed")
        if not isinstance(model, BaseEstimator):
            return failed(f"not converted: a {type(model).__name__} is not a scikit-learn estimator")
        converter = SKL2ONNX
        try:
            import onnxruntime  # noqa: F401
            import skl2onnx  # noqa: F401
        except ImportError as exc:
            return failed(f"not converted: {exc.name} is not installed (pip install 'tradeoffs[onnx]')")
        first = "columns" if _wants_columns(model, X) else "tensor"
        forms = (first, "tensor" if first == "columns" else "columns")
        first_error = None
        data = None
        form = first
        for form in forms:
            if form == "tensor" and not all(pd.api.types.is_numeric_dtype(d) for d in X.dtypes):
                continue
            tried_forms.append(form)
            try:
                data = _to_onnx_bytes(model, X, form)
                break
            except Exception as exc:  # skl2onnx raises many types for unsupported models
                first_error = first_error or short_error(exc)
        if data is None:
            return failed(f"conversion failed: {first_error}", tried_forms[0] if tried_forms else None)
    try:
        onnx_model = OnnxModel(data, threads=threads)
        rng = np.random.default_rng(random_state)
        rows = rng.choice(len(X), size=min(check_rows, len(X)), replace=False)
        sample = X.iloc[rows]
        both_proba = hasattr(model, "predict_proba") and hasattr(onnx_model, "predict_proba")
        method = "predict_proba" if both_proba else "predict"
        feed = sample if onnx_model.feature_names_in_ is not None else sample.to_numpy()
        expected = np.asarray(getattr(model, method)(sample))
        actual = np.asarray(getattr(onnx_model, method)(feed)).reshape(expected.shape)
        if expected.dtype.kind in "fiub" and actual.dtype.kind in "fiub":
            gap = np.abs(expected.astype(np.float64) - actual.astype(np.float64))
            diff = float(gap.max()) if gap.size else 0.0
        else:  # labels: the share of rows whose label differs
            diff = float(np.mean(expected.astype(str) != actual.astype(str)))
    except Exception as exc:  # a graph that loads but does not run is a failed conversion too
        return failed(f"converted graph does not run: {short_error(exc)}", form)
    seconds = time.perf_counter() - start
    return OnnxConversion(onnx_model, None, form, diff, tolerance, len(rows), seconds, converter)
