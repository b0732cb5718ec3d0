"""Reading a time column: dates as text or datetimes, and numbers that are dates.

pandas reads a column of numbers as nanoseconds since 1970, so epoch seconds (``1735689600``) became
1970-01-01 00:00:01.7 and every row fell into one window. :func:`read_time` reads numbers by what they
can be: ``YYYYMMDD`` (``20250701``), a year (``2025``), or seconds, milliseconds, microseconds or
nanoseconds since 1970 by their size; other numbers (a day counter, a month index) are refused with a
message, never read as 1970.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis._errors import InputError, short_message

#: Epoch values at least this large are read as times since 1970 (1e8 s is March 1973), by their size:
#: below 1e11 seconds (up to the year 5138), below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds.
_EPOCH_FROM = 1e8
_UNITS = ((1e11, "s"), (1e14, "ms"), (1e17, "us"))


def read_time(series: pd.Series, *, source: str, column: str) -> pd.Series:
    """The time column as datetimes; :class:`InputError` naming the column when it cannot be read as dates.

    Examples
    --------
    >>> read_time(pd.Series([1735689600, 1751328000]), source="t.csv", column="ts").dt.date.astype(str).tolist()
    ['2025-01-01', '2025-07-01']
    >>> read_time(pd.Series([20250701, 20251231]), source="t.csv", column="day").dt.date.astype(str).tolist()
    ['2025-07-01', '2025-12-31']
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return _numeric_time(series, source=source, column=column)
    try:
        return pd.to_datetime(series, format="mixed")
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(
            f"time column {column!r} in {source} could not be read as dates ({short_message(exc)}); use ISO "
            "dates such as 2025-07-01 or 2025-07-01T12:00.",
            source=column,
        ) from None


def _numeric_time(series: pd.Series, *, source: str, column: str) -> pd.Series:
    values = series.dropna().to_numpy(dtype=float)
    if not len(values):
        return pd.to_datetime(series)
    lo, hi = float(values.min()), float(values.max())
    whole = bool(np.isfinite(values).all() and (values == np.round(values)).all())
    if whole and lo >= 1000_01_01 and hi <= 2999_12_31:
        parsed = pd.to_datetime(series.astype("Int64").astype("string"), format="%Y%m%d", errors="coerce")
        if parsed.notna().sum() == len(values):
            return parsed
    if whole and lo >= 1000 and hi <= 2999:
        return pd.to_datetime(series.astype("Int64").astype("string"), format="%Y")
    if np.isfinite(values).all() and lo >= _EPOCH_FROM:
        unit = next((u for limit, u in _UNITS if hi < limit), "ns")
        return pd.to_datetime(series, unit=unit)
    raise InputError(
        f"time column {column!r} in {source} holds numbers from {lo:g} to {hi:g}, which are not dates: not "
        "YYYYMMDD, years, or seconds (or milliseconds) since 1970. Give dates such as 2025-07-01, or epoch "
        "seconds.",
        source=column,
    )
