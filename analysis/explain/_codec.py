"""A lossless float encoding of a DataFrame, so model-agnostic explainers can mix rows.

The permutation explainer builds hybrid rows (some columns from the row being explained, the
others from a background row) as float matrices. :class:`FrameCodec` turns the user's DataFrame
into such a matrix (non-numeric columns become category codes) and turns any matrix whose
entries come from encoded rows back into a DataFrame with the original column names and dtypes,
so the model receives exactly what it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class FrameCodec:
    """Encoder/decoder between a DataFrame's rows and a float matrix.

    Attributes
    ----------
    columns : tuple of str
        Column order of the matrix.
    dtypes : tuple
        Original dtypes, restored by :meth:`decode`.
    categories : tuple of (pandas.Index or None)
        Per column: the values coded ``0..k-1`` for non-numeric columns, ``None`` for numeric ones.
    """

    columns: tuple[str, ...]
    dtypes: tuple
    categories: tuple

    @classmethod
    def fit(cls, frame: pd.DataFrame) -> FrameCodec:
        """Learn the codes of every non-numeric column of ``frame`` (missing values included)."""
        cats = []
        for col in frame.columns:
            s = frame[col]
            if _is_numeric(s):
                cats.append(None)
            else:
                # pd.unique keeps None and NaN apart (factorize would merge them), so decoding is lossless
                cats.append(pd.Index(pd.unique(s.astype(object)), dtype=object))
        return cls(tuple(map(str, frame.columns)), tuple(frame.dtypes), tuple(cats))

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows of ``frame`` as a float matrix (columns in :attr:`columns` order)."""
        out = np.empty((len(frame), len(self.columns)), dtype=np.float64)
        for j, (col, cats) in enumerate(zip(self.columns, self.categories, strict=True)):
            s = frame[col]
            if cats is None:
                out[:, j] = s.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                codes = cats.get_indexer(s.astype(object))
                if (codes < 0).any():
                    raise ValueError(f"column {col!r} has values the codec was not fitted on")
                out[:, j] = codes
        return out

    def decode(self, matrix: np.ndarray) -> pd.DataFrame:
        """A DataFrame with the original columns and dtypes from an encoded matrix."""
        data = {}
        for j, (col, dtype, cats) in enumerate(zip(self.columns, self.dtypes, self.categories, strict=True)):
            values = matrix[:, j]
            if cats is None:
                data[col] = pd.Series(values).astype(dtype)
            else:
                data[col] = pd.Series(cats.to_numpy()[values.astype(np.int64)], dtype=object).astype(dtype)
        return pd.DataFrame(data)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
