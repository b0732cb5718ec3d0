"""Whether each data column holds the kind of values (text or numbers) a model was trained on.

A CSV keeps no column types: the scenario's ``user_zone`` codes (``'47101'``) come back from
``test.csv`` as integers, and a column of category codes written as numbers stays numbers. A
scikit-learn ``OneHotEncoder``/``OrdinalEncoder`` trained on text then fails inside ``predict``
with ``TypeError: '<' not supported between instances of 'int' and 'str'``, naming neither the
column nor a fix. :func:`check_feature_types` finds every fitted encoder in a model (pipelines,
column transformers, ensembles, at any depth), reads the columns it was fitted on
(``feature_names_in_``) and the kind of its ``categories_``, and compares them with the data
before anything is predicted. Models it cannot see into (ONNX, custom classes, encoders fitted
on arrays) are left to :func:`analysis.evaluation._predict.predict_model`, which explains the
failure if one comes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis._errors import InputError, plain

#: How deep into nested estimators the encoder search goes (a stacking ensemble of pipelines of
#: column transformers of pipelines is 5 levels).
MAX_DEPTH = 8
#: Distinct values inspected to decide whether an object column holds text or numbers (from its first
#: 50 times as many rows, so a column of millions of rows is never scanned whole).
SAMPLE_VALUES = 1000


def _children(obj: Any) -> Iterator[Any]:
    """Estimators held by ``obj`` (its attributes, and lists/tuples/dicts of them), not arrays."""
    attrs = getattr(obj, "__dict__", None)
    if not isinstance(attrs, dict):
        return
    for value in attrs.values():
        stack = [value]
        while stack:
            v = stack.pop()
            if isinstance(v, (list, tuple)):
                stack.extend(v)
            elif isinstance(v, dict):
                stack.extend(v.values())
            elif hasattr(v, "get_params") and hasattr(v, "__dict__"):
                yield v


def fitted_encoders(model: Any) -> list[tuple[Any, tuple[str, ...], list]]:
    """``(encoder, columns, categories)`` for every fitted encoder in ``model`` that recorded its column names.

    An encoder is an estimator with ``categories_`` and ``feature_names_in_`` of the same length
    (scikit-learn's ``OneHotEncoder``, ``OrdinalEncoder`` and ``TargetEncoder`` fitted on a
    DataFrame, as inside a ``ColumnTransformer``).
    """
    out = []
    seen: set[int] = set()
    stack = [(model, 0)]
    while stack:
        obj, depth = stack.pop()
        if id(obj) in seen or depth > MAX_DEPTH:
            continue
        seen.add(id(obj))
        cats = getattr(obj, "categories_", None)
        names = getattr(obj, "feature_names_in_", None)
        if isinstance(cats, (list, tuple)) and names is not None and len(names) == len(cats):
            out.append((obj, tuple(str(n) for n in names), list(cats)))
        stack.extend((child, depth + 1) for child in _children(obj))
    return out


def _value_kind(values) -> str | None:
    """``"text"``, ``"number"``, ``"mixed"`` (both) or ``None`` (nothing to judge) for a set of values."""
    kinds = set()
    for v in values:
        if v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT:
            continue
        if isinstance(v, (bool, np.bool_)):
            continue
        if isinstance(v, (str, np.str_)):
            kinds.add("text")
        elif isinstance(v, (int, float, np.integer, np.floating)):
            kinds.add("number")
        else:
            return None
    if len(kinds) == 2:
        return "mixed"
    return kinds.pop() if kinds else None


def category_kind(categories) -> str | None:
    """What an encoder was trained on: ``"text"``, ``"number"`` or ``None`` (mixed or other)."""
    arr = np.asarray(categories)
    if arr.dtype.kind in "iuf":
        return "number"
    if arr.dtype.kind in "US":
        return "text"
    kind = _value_kind(arr[:SAMPLE_VALUES].tolist())
    return None if kind == "mixed" else kind


def column_kind(series: pd.Series) -> str | None:
    """What a data column holds: ``"text"``, ``"number"``, ``"mixed"`` or ``None`` (bool, dates, empty)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _value_kind(series.cat.categories[:SAMPLE_VALUES].tolist())
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_numeric_dtype(dtype):
        # an empty column read from a CSV is all-NaN floats: nothing says it holds numbers
        return None if pd.api.types.is_float_dtype(dtype) and not series.notna().any() else "number"
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return "text"
    if pd.api.types.is_object_dtype(dtype):
        sample = pd.unique(series.iloc[: 50 * SAMPLE_VALUES].dropna())[:SAMPLE_VALUES]
        return _value_kind(list(sample))
    return None


def _example(categories) -> str:
    values = [c for c in list(categories)[:3] if not (isinstance(c, float) and c != c)]
    return ", ".join(repr(plain(v)) for v in values)


def check_feature_types(model: Any, frame: pd.DataFrame, columns: Sequence[str], *, who: str, data_source: str) -> None:
    """:class:`InputError` when a column holds text where the model's encoder learned numbers, or the reverse.

    Parameters
    ----------
    model : estimator
        The fitted model (anything; only fitted encoders found inside it are checked).
    frame : DataFrame
        The evaluation rows (an empty frame with the right dtypes will do).
    columns : sequence of str
        The columns the model is given.
    who : str
        The model as named in messages (``"model 'hgb' (models/hgb.skops)"``).
    data_source : str
        The data as named in messages.
    """
    given = set(columns)
    for _, names, cats in fitted_encoders(model):
        for name, categories in zip(names, cats, strict=True):
            if name not in given or name not in frame.columns:
                continue
            trained = category_kind(categories)
            holds = column_kind(frame[name])
            if trained is None or holds is None or holds == trained:
                continue
            words = {"text": "text", "number": "numbers"}
            if holds == "mixed":
                one = "text" if trained == "text" else "a number"
                raise InputError(
                    f"column {name!r} in {data_source} holds both numbers and text, but {who} was trained on "
                    f"{words[trained]} (such as {_example(categories)}); make every value of the column {one}.",
                    source=name,
                )
            fix = (
                "save the data as Parquet, which keeps column types (a CSV cannot mark numerals as text)"
                if trained == "text"
                else "convert the column to numbers, or use a model trained on text"
            )
            raise InputError(
                f"column {name!r} holds {words[holds]} in {data_source} but {who} was trained on {words[trained]} "
                f"(such as {_example(categories)}); {fix}.",
                source=name,
            )
