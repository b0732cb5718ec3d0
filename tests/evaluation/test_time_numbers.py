"""A time column of numbers is read as the dates it holds (epoch seconds, milliseconds, YYYYMMDD, years), never as
nanoseconds since 1970; numbers that are not dates are refused with one message naming the column."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis._errors import InputError
from analysis._time import read_time
from analysis.cli import main


@pytest.mark.parametrize(
    ("values", "first", "last"),
    [
        ([1735689600, 1767139200], "2025-01-01", "2025-12-31"),  # epoch seconds
        ([1735689600.5, 1767139200.25], "2025-01-01", "2025-12-31"),
        ([1735689600000, 1767139200000], "2025-01-01", "2025-12-31"),  # milliseconds
        ([1735689600000000, 1767139200000000], "2025-01-01", "2025-12-31"),  # microseconds
        ([1735689600 * 10**9, 1767139200 * 10**9], "2025-01-01", "2025-12-31"),  # nanoseconds
        ([20250101, 20251231], "2025-01-01", "2025-12-31"),  # YYYYMMDD
        ([2019, 2025], "2019-01-01", "2025-01-01"),  # years
    ],
)
def test_numbers_that_are_dates_are_read_as_those_dates(values, first, last):
    got = read_time(pd.Series(values + [None]), source="t.csv", column="ts")
    assert str(got.iloc[0].date()) == first and str(got.iloc[1].date()) == last and pd.isna(got.iloc[2])


@pytest.mark.parametrize("values", [[1, 2, 365], [0.5, 12.0], [-5, 10], [20251340, 20250101]])
def test_numbers_that_are_not_dates_are_refused_naming_the_column(values):
    with pytest.raises(InputError, match="time column 'day' in t.csv holds numbers from .* which are not dates"):
        read_time(pd.Series(values), source="t.csv", column="day")


def test_text_and_datetimes_are_read_as_before():
    assert str(read_time(pd.Series(["2025-07-01", "2025-07-02T12:00"]), source="s", column="t").iloc[1]) == (
        "2025-07-02 12:00:00"
    )
    dt = pd.Series(pd.to_datetime(["2025-01-05"]))
    assert read_time(dt, source="s", column="t") is dt
    with pytest.raises(InputError, match="could not be read as dates"):
        read_time(pd.Series(["soon", "later"]), source="s", column="t")


def test_evaluate_puts_epoch_seconds_into_their_months(binary_frame, fitted_models, tmp_path, capsys):
    frame = binary_frame.copy()
    epoch = pd.Timestamp("1970-01-01")
    frame["when"] = (pd.to_datetime(frame["when"]) - epoch) // pd.Timedelta(seconds=1)  # epoch seconds (ints)
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "scorecard.json"
    argv = ["evaluate", "--data", data, "--target", "label", "--time", "when", "--model", fitted_models["logreg"]]
    argv += ["--out", out, "--bootstrap", "20", "--quiet", "--no-serving"]
    assert main([str(a) for a in argv]) == 0, capsys.readouterr().err
    import json

    windows = {w["window"] for w in json.loads(out.read_text())["windows"]}
    expected = {str(p) for p in pd.to_datetime(binary_frame["when"]).dt.to_period("M").unique()}
    assert windows == expected and not any(w.startswith("1970") for w in windows)
