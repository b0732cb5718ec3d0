"""What a serving call looks like: the method called and the input it is given.

A request carries what the model was fitted on: a one-row DataFrame when the model knows its
feature names (``feature_names_in_``, set when it was fitted on a DataFrame), else a NumPy row.
Rows are drawn once per measurement from the evaluation data with a seeded generator and shared
by every candidate, so all candidates answer the same requests. Inputs are built before timing
starts: the figures time the model, not the slicing of the evaluation frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis._errors import InputError

#: Methods tried, in order, when the method is ``auto``.
METHOD_ORDER: tuple[str, ...] = ("predict_proba", "decision_function", "predict")
DATAFRAME = "DataFrame"
Columns = tuple[str, ...] | None
NDARRAY = "ndarray"


def choose_method(model: Any, method: str = "auto") -> str:
    """The prediction method to time: ``predict_proba``, else ``decision_function``, else ``predict``.

    Raises
    ------
    InputError
        When the model has none of them (or not the one asked for).
    """
    names = METHOD_ORDER if method == "auto" else (method,)
    for name in names:
        if callable(getattr(model, name, None)):
            return name
    raise InputError(
        f"a {type(model).__name__} has no {' / '.join(names)} method, so it cannot be served; "
        "pass a fitted model (or a metadata file with its measured figures)."
    )


def input_kind(model: Any) -> str:
    """``"DataFrame"`` when the model was fitted on a DataFrame, else ``"ndarray"``."""
    return DATAFRAME if getattr(model, "feature_names_in_", None) is not None else NDARRAY


def model_columns(model: Any, X: pd.DataFrame, features: Sequence[str] | None = None) -> tuple[str, ...] | None:
    """The columns to send a model: its ``feature_names_in_`` (else ``features``) when X has them all.

    ``None`` means all of X's columns, in X's order (as the evaluation pipeline does, a model
    fitted on a subset of the features is sent that subset). ``features`` are the columns of a
    model that records no names (fitted on an array), in its order, as the evaluation resolved
    them (``--features``): it is sent those columns' values, by position.
    """
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        names = features
    if names is None:
        return None
    names = tuple(str(n) for n in names)
    if names == tuple(map(str, X.columns)) or not set(names) <= set(map(str, X.columns)):
        return None
    return names


class InputPool:
    """Requests and batches drawn once from the evaluation data, in both input kinds.

    Every accessor takes ``columns`` (``None`` for all of X's columns), so candidates fitted on
    different feature subsets get the same rows, restricted to their own features.

    Parameters
    ----------
    X : DataFrame
        Evaluation rows (features only).
    n_rows : int
        Number of single-row requests to draw (without replacement when the data has enough).
    batch_sizes : sequence of int
        One batch is drawn per size, with replacement only when the size exceeds the data.
    random_state : int
        Seed of every draw.
    """

    def __init__(self, X: pd.DataFrame, *, n_rows: int, batch_sizes: Sequence[int], random_state: int) -> None:
        if not isinstance(X, pd.DataFrame):
            raise InputError(f"X must be a pandas DataFrame of evaluation rows, not {type(X).__name__}.")
        if len(X) == 0 or X.shape[1] == 0:
            raise InputError("X has no rows or no columns; serving needs evaluation rows to send.")
        self.X = X
        rng = np.random.default_rng(random_state)
        n = len(X)
        self.row_index = rng.choice(n, size=n_rows, replace=n_rows > n)
        self.batch_index = {int(b): rng.choice(n, size=int(b), replace=int(b) > n) for b in batch_sizes}
        self._frames: dict[Columns, pd.DataFrame] = {}
        self._arrays: dict[Columns, np.ndarray] = {}
        self._rows: dict[tuple[str, Columns], list] = {}
        self._batches: dict[tuple[str, int, Columns], Any] = {}

    def replaced(self, size: int) -> bool:
        """Whether the batch of ``size`` rows was drawn with replacement."""
        return size > len(self.X)

    def frame(self, columns: Columns = None) -> pd.DataFrame:
        """The evaluation rows restricted to ``columns``."""
        if columns not in self._frames:
            self._frames[columns] = self.X if columns is None else self.X[list(columns)]
        return self._frames[columns]

    def array(self, columns: Columns = None) -> np.ndarray:
        """The evaluation rows as one NumPy array (built once per column set)."""
        if columns not in self._arrays:
            self._arrays[columns] = self.frame(columns).to_numpy()
        return self._arrays[columns]

    def take(self, kind: str, index: np.ndarray, columns: Columns = None) -> Any:
        """Rows ``index`` of the evaluation data in input kind ``kind``."""
        if kind == DATAFRAME:
            return self.frame(columns).iloc[index]
        return np.ascontiguousarray(self.array(columns)[index])

    def rows(self, kind: str, columns: Columns = None) -> list:
        """The single-row requests (one-row DataFrames or 1 x n arrays)."""
        key = (kind, columns)
        if key not in self._rows:
            if kind == DATAFRAME:
                frame = self.frame(columns)
                self._rows[key] = [frame.iloc[[i]] for i in self.row_index]
            else:
                arr = self.array(columns)
                self._rows[key] = [np.ascontiguousarray(arr[i : i + 1]) for i in self.row_index]
        return self._rows[key]

    def batch(self, kind: str, size: int, columns: Columns = None) -> Any:
        """The batch of ``size`` rows."""
        key = (kind, int(size), columns)
        if key not in self._batches:
            self._batches[key] = self.take(kind, self.batch_index[int(size)], columns)
        return self._batches[key]

    def server_batch(self, kind: str, start: int, size: int, columns: Columns = None) -> Any:
        """``size`` request rows starting at request ``start`` (cycling), for the server scenario."""
        positions = (np.arange(start, start + size) % len(self.row_index)).astype(np.intp)
        if size == 1:
            return self.rows(kind, columns)[int(positions[0])]
        return self.take(kind, self.row_index[positions], columns)


def bind(model: Any, method: str) -> Callable[[Any], Any]:
    """The bound prediction method (looked up once, outside any timed loop)."""
    return getattr(model, method)


def n_jobs_notes(model: Any, threads: int) -> list[str]:
    """Notes for parameters that start workers the thread limit does not reach."""
    get_params = getattr(model, "get_params", None)
    if not callable(get_params):
        return []
    try:
        params = get_params(deep=True)
    except Exception:  # a third-party get_params may fail; the note is only advice
        return []
    notes = []
    for key, value in params.items():
        if key.split("__")[-1] == "n_jobs" and value not in (None, 1):
            notes.append(
                f"{key}={value}: joblib workers are not limited by threads={threads}, so this "
                "candidate may use more cores than stated."
            )
    return notes
