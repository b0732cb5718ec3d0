"""From a pipeline's transformed columns back to the columns the user supplied.

The exact explainers see the final estimator's input: the preprocessing output, where a
categorical column became several one-hot columns. :func:`compute_source_map` reads the fitted
preprocessing's structure (``ColumnTransformer.transformers_`` and ``output_indices_``, each
encoder's categories, each selector's support) to name the source column of every output
column, and :func:`aggregate_to_source` sums attributions over the output columns of each source.
Summing is exact for additive attributions: the sum over a source's columns is that source's
attribution in the game where the source column is one player.

Supported steps: ``ColumnTransformer`` (with ``remainder``), nested ``Pipeline``,
``OneHotEncoder`` (with ``drop`` and infrequent categories), ``KBinsDiscretizer``, feature
selectors, ``SimpleImputer`` (with ``add_indicator``), ``MissingIndicator``, ``"passthrough"``
and column-wise transformers (scalers, ``OrdinalEncoder``, ``PowerTransformer``,
``QuantileTransformer``, ``Binarizer``, ``FunctionTransformer`` that is the identity or declares
``feature_names_out="one-to-one"``). Anything that mixes columns (PCA, polynomial features, a
custom transformer) has no map; the caller then explains the whole pipeline model-agnostically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn import preprocessing
from sklearn.compose import ColumnTransformer
from sklearn.feature_selection import SelectorMixin
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import Pipeline

_COLUMNWISE = (
    preprocessing.StandardScaler,
    preprocessing.MinMaxScaler,
    preprocessing.MaxAbsScaler,
    preprocessing.RobustScaler,
    preprocessing.PowerTransformer,
    preprocessing.QuantileTransformer,
    preprocessing.OrdinalEncoder,
    preprocessing.Binarizer,
)


class UnmappableError(ValueError):
    """The preprocessing mixes columns, so transformed columns have no single source column."""


@dataclass(frozen=True)
class SourceMap:
    """The source column of each transformed column.

    Attributes
    ----------
    features : tuple of str
        Source columns, in the order the model takes them.
    source : ndarray of int
        ``source[j]`` is the index in ``features`` of transformed column ``j``.
    """

    features: tuple[str, ...]
    source: np.ndarray

    @property
    def n_outputs(self) -> int:
        """Number of transformed columns."""
        return len(self.source)


def compute_source_map(preprocessing_step: Any, features: Sequence[str]) -> SourceMap:
    """Map every output column of fitted preprocessing to the input column it comes from.

    Parameters
    ----------
    preprocessing_step : transformer, Pipeline or None
        The fitted preprocessing (``pipeline[:-1]``); ``None`` or ``"passthrough"`` is the identity.
    features : sequence of str
        The columns the preprocessing takes, in order.

    Returns
    -------
    SourceMap

    Raises
    ------
    UnmappableError
        When a step mixes columns or is not understood.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.preprocessing import OneHotEncoder
    >>> enc = OneHotEncoder().fit(pd.DataFrame({"c": ["a", "b", "c"]}))
    >>> compute_source_map(enc, ["c"]).source.tolist()
    [0, 0, 0]
    """
    source = _map(preprocessing_step, len(features))
    return SourceMap(tuple(map(str, features)), np.asarray(source, dtype=np.int64))


def aggregate_to_source(values: np.ndarray, source_map: SourceMap) -> np.ndarray:
    """Sum attributions of transformed columns into their source columns.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_transformed) or (n_rows, n_transformed, n_outputs)
        Attributions of the transformed columns.
    source_map : SourceMap
        From :func:`compute_source_map`.

    Returns
    -------
    ndarray of shape (n_rows, n_sources[, n_outputs])
        The row sums are unchanged: ``result.sum(axis=1) == values.sum(axis=1)``.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.shape[1] != source_map.n_outputs:
        raise ValueError(f"attributions have {values.shape[1]} columns; the map has {source_map.n_outputs}")
    matrix = np.zeros((source_map.n_outputs, len(source_map.features)))
    matrix[np.arange(source_map.n_outputs), source_map.source] = 1.0
    if values.ndim == 2:
        return values @ matrix
    return np.einsum("ntk,ts->nsk", values, matrix)


def _map(step: Any, n_in: int) -> np.ndarray:
    """Output-column -> input-column indices of one fitted step taking ``n_in`` columns."""
    if step is None or (isinstance(step, str) and step == "passthrough"):
        return np.arange(n_in)
    if isinstance(step, str) and step == "drop":
        return np.arange(0)
    if isinstance(step, Pipeline):
        current = np.arange(n_in)
        for _, sub in step.steps:
            current = current[_map(sub, len(current))]
        return current
    if isinstance(step, ColumnTransformer):
        return _map_column_transformer(step, n_in)
    if isinstance(step, preprocessing.OneHotEncoder):
        return np.repeat(np.arange(n_in), _one_hot_widths(step))
    if isinstance(step, preprocessing.KBinsDiscretizer):
        if step.encode == "ordinal":
            return np.arange(n_in)
        return np.repeat(np.arange(n_in), np.asarray(step.n_bins_, dtype=int))
    if isinstance(step, SelectorMixin):
        return np.asarray(step.get_support(indices=True), dtype=np.int64)
    if isinstance(step, SimpleImputer):
        kept = np.arange(n_in)
        stats = np.asarray(step.statistics_)
        if not getattr(step, "keep_empty_features", False) and step.strategy != "constant" and stats.dtype.kind == "f":
            kept = np.flatnonzero(~np.isnan(stats))
        if step.add_indicator and step.indicator_ is not None:
            return np.concatenate([kept, np.asarray(step.indicator_.features_, dtype=np.int64)])
        return kept
    if isinstance(step, MissingIndicator):
        return np.asarray(step.features_, dtype=np.int64)
    if isinstance(step, _COLUMNWISE):
        return np.arange(n_in)
    if isinstance(step, preprocessing.FunctionTransformer):
        if step.func is None or step.feature_names_out == "one-to-one":
            return np.arange(n_in)
    raise UnmappableError(
        f"{type(step).__name__} may mix columns, so its outputs cannot be traced to one input column each"
    )


def _one_hot_widths(encoder: preprocessing.OneHotEncoder) -> np.ndarray:
    widths = getattr(encoder, "_n_features_outs", None)
    if widths is not None:
        return np.asarray(widths, dtype=int)
    drop = getattr(encoder, "drop_idx_", None)
    out = np.array([len(c) for c in encoder.categories_], dtype=int)
    if drop is not None:
        out -= np.array([d is not None for d in drop], dtype=int)
    return out


def _map_column_transformer(ct: ColumnTransformer, n_in: int) -> np.ndarray:
    total = max((s.stop for s in ct.output_indices_.values()), default=0)
    out = np.full(total, -1, dtype=np.int64)
    inputs = getattr(ct, "_transformer_to_input_indices", None)
    names_in = list(getattr(ct, "feature_names_in_", []))
    for name, transformer, columns in ct.transformers_:
        where = ct.output_indices_.get(name, slice(0, 0))
        if where.stop - where.start == 0:
            continue
        if inputs is not None and name in inputs:
            idx = np.asarray(inputs[name], dtype=np.int64)
        else:
            idx = _resolve_columns(columns, names_in, n_in)
        local = _map(transformer, len(idx))
        if len(local) != where.stop - where.start:
            width = where.stop - where.start
            raise UnmappableError(f"transformer {name!r} gives {width} columns, expected {len(local)}")
        out[where] = idx[local]
    if (out < 0).any():
        raise UnmappableError("some ColumnTransformer outputs could not be traced")
    return out


def _resolve_columns(columns: Any, names_in: list[str], n_in: int) -> np.ndarray:
    if isinstance(columns, (str, int, np.integer)):
        columns = [columns]
    if isinstance(columns, slice):
        return np.arange(n_in)[columns]
    arr = np.asarray(columns)
    if arr.dtype == bool:
        return np.flatnonzero(arr)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    try:
        return np.array([names_in.index(str(c)) for c in arr], dtype=np.int64)
    except ValueError:
        raise UnmappableError(f"ColumnTransformer columns {list(arr)} could not be resolved") from None
