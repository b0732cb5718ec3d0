"""Decay of a candidate's quality over the evaluation windows, from the scorecard's windows table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis._errors import InputError
from analysis.drift._objectives import decay_objectives
from analysis.objectives import get_objective
from analysis.scorecard import MetricValue, Scorecard, short_repr

#: Average days per month, for windows that are not calendar months.
DAYS_PER_MONTH = 365.2425 / 12
_FALLBACK = ("roc_auc", "accuracy", "rmse")


def window_period(label: str, freq: str, *, column: str | None = None) -> pd.Period:
    """The period a window label names (``"2025-07"``, ``"2025Q3"``...).

    Raises
    ------
    InputError
        For a label pandas cannot read back: a window before year 1 or after 9999 (pandas writes
        dates of year 0 and below, which a time column of ``-0-07-23`` gives, but cannot parse
        them), or a damaged scorecard's label. The message names the time ``column`` when given.

    Examples
    --------
    >>> window_period("2025-07", "M")
    Period('2025-07', 'M')
    >>> window_period("0000-07", "M", column="when")
    Traceback (most recent call last):
    ...
    analysis._errors.InputError: window '0000-07' of time column 'when' is not a date Tradeoffs can place (...
    """
    try:
        return pd.Period(label, freq=freq)
    except (ValueError, TypeError, OverflowError) as exc:  # pandas' DateParseError is a ValueError
        where = f" of time column {short_repr(column)}" if column else ""
        why = str(exc) if len(str(exc)) <= 100 else str(exc)[:97] + "..."
        raise InputError(
            f"window {short_repr(label)}{where} is not a date Tradeoffs can place ({why}); use dates from "
            "year 1 to 9999, or drop the rows with other dates.",
            source=column or "windows",
        ) from None


def window_months(labels: list[str], freq: str, *, column: str | None = None) -> np.ndarray:
    """Window positions in months since the first window.

    Calendar-month windows are whole months apart; other windows (weeks, quarters, days) are
    placed at their start date, in average months of 30.44 days. A label that is not a date
    raises :class:`InputError` (see :func:`window_period`; ``column`` names the time column).

    Examples
    --------
    >>> window_months(["2025-07", "2025-08", "2025-10"], "M").tolist()
    [0.0, 1.0, 3.0]
    """
    periods = [window_period(label, freq, column=column) for label in labels]
    if freq.upper().startswith("M"):
        ordinals = np.array([p.ordinal for p in periods], dtype=float)
        return ordinals - ordinals.min()
    starts = pd.DatetimeIndex([p.start_time for p in periods])
    return np.asarray((starts - starts.min()).days, dtype=float) / DAYS_PER_MONTH


def compute_decay(scorecard: Scorecard, *, metric: str | None = None, min_window_rows: int = 1) -> Scorecard:
    """A copy of ``scorecard`` with decay objectives and a ``decay`` section.

    Parameters
    ----------
    scorecard : Scorecard
        With a per-window table (evaluate with a time column).
    metric : str, optional
        The quality metric to follow; default ``roc_auc``, else ``accuracy``, else ``rmse``
        (the first one the windows table has).
    min_window_rows : int, default=1
        Windows with fewer rows are left out of the trend.

    Returns
    -------
    Scorecard
        With ``<short>_decay_per_month`` and ``<short>_gap_first_last`` (see
        :mod:`analysis.drift._objectives`) for every candidate: ``None`` (missing) when the
        candidate has fewer than two windows with a value.

    Raises
    ------
    InputError
        When the scorecard has no windows or not the metric.
    """
    frame = scorecard.windows_frame()
    if frame.empty:
        raise InputError(
            "the scorecard has no per-window metrics, so decay cannot be measured; evaluate with a time column "
            "(--time) to get monthly windows.",
            source="windows",
        )
    if metric is None:
        metric = next((m for m in _FALLBACK if m in frame.columns and frame[m].notna().any()), None)
        if metric is None:
            raise InputError("the windows table has none of roc_auc, accuracy or rmse; name the metric to follow.")
    if metric not in frame.columns:
        raise InputError(
            f"the windows table has no {metric!r} column; it has: {', '.join(map(str, frame.columns))}.",
            source="metric",
        )
    direction = get_objective(metric).direction
    worse = -1.0 if direction == "max" else 1.0  # slope sign that means "getting worse"
    freq = str(scorecard.settings.get("window", "M"))
    column = scorecard.dataset.get("time")
    column = column if isinstance(column, str) else None
    labels = sorted(frame["window"].astype(str).unique(), key=lambda w: window_period(w, freq, column=column))
    x_of = dict(zip(labels, window_months(labels, freq, column=column), strict=True))
    decay_obj, gap_obj = decay_objectives(metric)
    metrics: list[MetricValue] = []
    per_candidate: dict[str, dict] = {}
    for name in scorecard.candidate_names:
        rows = frame[(frame["candidate"] == name) & (frame["n"] >= min_window_rows)]
        rows = rows[pd.to_numeric(rows[metric], errors="coerce").notna()]
        rows = rows.assign(_x=rows["window"].astype(str).map(x_of)).sort_values("_x")
        decay = gap = slope = None
        if len(rows) >= 2:
            x = rows["_x"].to_numpy(dtype=float)
            y = rows[metric].to_numpy(dtype=float)
            slope = float(np.polyfit(x, y, 1)[0])
            decay = worse * slope
            gap = worse * float(y[-1] - y[0])
        metrics.append(MetricValue(name, decay_obj.name, decay))
        metrics.append(MetricValue(name, gap_obj.name, gap))
        per_candidate[name] = {
            "decay_per_month": decay,
            "gap_first_last": gap,
            "slope_per_month": slope,
            "first_window": str(rows["window"].iloc[0]) if len(rows) else None,
            "last_window": str(rows["window"].iloc[-1]) if len(rows) else None,
            "n_windows": int(len(rows)),
            "series": {str(w): float(v) for w, v in zip(rows["window"], rows[metric], strict=True)},
        }
    section = {
        "metric": metric,
        "objectives": [decay_obj.name, gap_obj.name],
        "window": freq,
        "windows": labels,
        "unit": "per month",
        "rule": (
            f"decay = {'minus ' if worse < 0 else ''}the least-squares slope of {metric} against window start in "
            f"months (calendar months are 1 apart); gap = {'first minus last' if worse < 0 else 'last minus first'} "
            f"window; positive = getting worse; windows with fewer than {min_window_rows} rows left out"
        ),
        "candidates": per_candidate,
    }
    return scorecard.with_objectives((decay_obj, gap_obj), metrics).with_section("decay", section)
