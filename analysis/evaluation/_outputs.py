"""Checks on what a candidate returns, before anything is scored.

A model (or a predictions file) must give one label, probability row or score per evaluation
row, as finite numbers, with probabilities in ``[0, 1]``. Anything else used to surface deep in
the metrics as a broadcast error or scikit-learn's "Input contains NaN." without the model's
name; here it becomes one :class:`~analysis._errors.InputError` naming the candidate, what it
returned, how many rows and the first few of them.

What is an error and what is a note:

* wrong number of rows or a wrong shape: error (nothing can be scored);
* NaN or infinite probabilities, scores or regression predictions: error (every metric that
  reads them would be NaN or wrong, and a missing prediction cannot be scored as a guess);
* probabilities outside ``[0, 1]`` by more than :data:`PROBABILITY_TOLERANCE`: error (they are
  not probabilities; a score belongs in ``decision_function`` or ``y_score``); within it, the
  values are clipped (float rounding of a sum of leaves or a softmax);
* rows of a probability matrix that do not sum to 1 (by more than :data:`ROW_SUM_TOLERANCE`):
  a note on the candidate, since the metrics can still be computed from the columns as given.
"""

from __future__ import annotations

import numpy as np

from analysis._errors import InputError

#: Probabilities at most this far outside ``[0, 1]`` are float rounding and are clipped; further out they are an error.
PROBABILITY_TOLERANCE = 1e-6
#: Probability rows whose sum is further than this from 1 get a note (metrics use the columns as given).
ROW_SUM_TOLERANCE = 1e-3
#: Row numbers shown in a message.
ROWS_SHOWN = 5


def row_numbers(bad: np.ndarray, *, limit: int = ROWS_SHOWN) -> str:
    """The first few flagged rows, numbered as in a spreadsheet after the header (row 1 of the data is 2).

    The same numbering as :func:`analysis.loading.rows_with_missing`.

    >>> row_numbers(np.array([False, True, False, True]))
    '3, 5'
    >>> row_numbers(np.arange(8) > 0, limit=2)
    '3, 4 ...'
    """
    idx = np.flatnonzero(np.asarray(bad))
    shown = ", ".join(str(i + 2) for i in idx[:limit])
    return shown + (" ..." if len(idx) > limit else "")


def _as_float(values, *, who: str, what: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        kind = type(values).__name__
        raise InputError(
            f"{who} returned {what} that are not numbers ({kind}); return a numeric array.", source=who
        ) from None


def check_rows(values, *, n_rows: int, who: str, what: str, columns: int | None = None) -> np.ndarray:
    """``values`` as an array with one entry (or row of ``columns``) per input row, else :class:`InputError`.

    A column vector ``(n, 1)`` is taken as ``(n,)`` when ``columns`` is ``None``.

    >>> check_rows(np.zeros((3, 1)), n_rows=3, who="model 'm'", what="labels").shape
    (3,)
    """
    arr = np.asarray(values)
    if columns is None and arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim == 0:
        shape_ok = False
    elif columns is None:
        shape_ok = arr.ndim == 1
    else:
        shape_ok = arr.ndim == 2 and arr.shape[1] == columns or (columns == 2 and arr.ndim == 1)
    if arr.ndim >= 1 and arr.shape[0] != n_rows:
        raise InputError(
            f"{who} returned {what} for {arr.shape[0]:,} rows when asked for {n_rows:,} (shape {arr.shape}); "
            "it must return one per input row: check that it does not drop, filter or add rows.",
            source=who,
        )
    if not shape_ok:
        want = f"({n_rows:,},)" if columns is None else f"({n_rows:,}, {columns})"
        raise InputError(
            f"{who} returned {what} of shape {arr.shape} for {n_rows:,} rows where {want} was expected; "
            "check that it is a single-output model for this target.",
            source=who,
        )
    return arr


#: The end of a message about a model's bad outputs.
MODEL_FIX = "check its input preprocessing (missing or unexpected values in those rows)"
#: The end of a message about a predictions file's bad values.
FILE_FIX = "give a finite number in every row"


def rows_text(bad: np.ndarray) -> str:
    """``row 7`` or ``rows 7, 9``: :func:`row_numbers` with its noun."""
    return ("row " if int(np.sum(bad)) == 1 else "rows ") + row_numbers(bad)


def check_finite(
    values, *, who: str, what: str, where: str, verb: str = "returned", fix: str = MODEL_FIX
) -> np.ndarray:
    """``values`` as floats when every one is finite, else :class:`InputError` with counts and rows.

    ``where`` names the rows (``"rows of data.csv"``); a 2-D array is checked row by row.
    ``verb`` and ``fix`` fit the message to a model (``"returned"``) or a file (``"has"``).
    """
    arr = _as_float(values, who=who, what=what)
    finite = np.isfinite(arr)
    if finite.all():
        return arr
    row_ok = finite if arr.ndim == 1 else finite.all(axis=tuple(range(1, arr.ndim)))
    bad = ~row_ok
    nan = np.isnan(arr) if arr.ndim == 1 else np.isnan(arr).any(axis=tuple(range(1, arr.ndim)))
    kind = "NaN" if nan[bad].all() else ("infinite" if not nan.any() else "NaN or infinite")
    raise InputError(
        f"{who} {verb} {kind} {what} for {int(bad.sum()):,} of {len(arr):,} {where} ({rows_text(bad)}); {fix}.",
        source=who,
    )


def check_probabilities(
    values, *, who: str, where: str, what: str = "probabilities", verb: str = "returned", fix: str = MODEL_FIX
) -> tuple[np.ndarray, list[str]]:
    """Probabilities checked and clipped to ``[0, 1]``, and notes (rows that do not sum to 1).

    NaN or infinite values, and values outside ``[0, 1]`` by more than
    :data:`PROBABILITY_TOLERANCE`, raise :class:`InputError`.

    >>> P, notes = check_probabilities([[0.2, 0.8], [1 + 1e-9, -1e-9]], who="m", where="rows")
    >>> P.tolist(), notes
    ([[0.2, 0.8], [1.0, 0.0]], [])
    """
    P = check_finite(values, who=who, what=what, where=where, verb=verb, fix=fix)
    out_of_range = (P < -PROBABILITY_TOLERANCE) | (P > 1 + PROBABILITY_TOLERANCE)
    if out_of_range.any():
        bad = out_of_range if P.ndim == 1 else out_of_range.any(axis=1)
        raise InputError(
            f"{who} {verb} {what} outside [0, 1] (from {P.min():.4g} to {P.max():.4g}) for {int(bad.sum()):,} of "
            f"{len(P):,} {where} ({rows_text(bad)}); give probabilities, or give scores as a decision "
            "function (a predictions file's y_score column).",
            source=who,
        )
    P = np.clip(P, 0.0, 1.0)
    notes = []
    if P.ndim == 2 and len(P):
        gap = np.abs(P.sum(axis=1) - 1)
        off = gap > ROW_SUM_TOLERANCE
        if off.any():
            notes.append(
                f"{what} of {int(off.sum()):,} of {len(P):,} rows do not sum to 1 (off by up to {gap.max():.3g}, "
                f"{rows_text(off)}); metrics use them as given"
            )
    return P, notes
