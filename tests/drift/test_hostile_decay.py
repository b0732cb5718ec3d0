"""Window labels pandas writes but cannot read back (dates of year 0 and before) end in one InputError.

A time column with ``-0-07-23`` parses (pandas reads it as year 0) and its month window is written
as ``0000-07``; ``pd.Period("0000-07")`` then raises ``ValueError: year 0 is out of range``, which
used to escape ``tradeoffs evaluate`` (the CLI fuzzer's ``evaluate-data-year-zero``).
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis._errors import InputError
from analysis.drift import compute_decay, window_months
from analysis.drift._decay import window_period
from analysis.objectives import get_objective
from analysis.scorecard import Candidate, FrozenDict, Scorecard


def _card(labels, *, freq="M", time="when"):
    rows = [{"candidate": "a", "window": w, "n": 50, "roc_auc": 0.8 - 0.01 * i} for i, w in enumerate(labels)]
    return Scorecard(
        task="binary",
        objectives=(get_objective("roc_auc"),),
        candidates=(Candidate("a"),),
        metrics=(),
        windows=tuple(FrozenDict(r) for r in rows),
        settings=FrozenDict({"window": freq}),
        dataset=FrozenDict({"time": time} if time else {}),
    )


def test_pandas_writes_a_year_zero_window_it_cannot_read_back():
    # the premise: what evaluate does with such a time value
    label = str(pd.to_datetime(pd.Series(["2025-01-01", "-0-07-23"]), format="mixed").dt.to_period("M").iloc[1])
    assert label == "0000-07"
    with pytest.raises(ValueError, match="year 0 is out of range"):
        pd.Period(label, freq="M")


@pytest.mark.parametrize(("label", "freq"), [("0000-07", "M"), ("-005-07", "M"), ("0000-07-23", "D"), ("-001Q3", "Q")])
def test_a_window_before_year_one_is_refused_naming_the_time_column(label, freq):
    with pytest.raises(InputError) as info:
        compute_decay(_card(["2025-01", label] if freq == "M" else [label], freq=freq))
    message = str(info.value)
    assert f"window {label!r} of time column 'when' is not a date Tradeoffs can place" in message
    assert "use dates from year 1 to 9999" in message and "\n" not in message


def test_without_a_recorded_time_column_the_window_alone_is_named():
    with pytest.raises(InputError, match=r"^window '0000-07' is not a date Tradeoffs can place \(year 0"):
        compute_decay(_card(["2025-01", "0000-07"], time=None))


def test_a_damaged_label_is_shortened_in_the_message():
    with pytest.raises(InputError) as info:
        window_months(["2025-01", "x" * 5000], "M", column="when")
    assert len(str(info.value)) < 400


def test_year_one_and_ordinary_windows_still_work():
    assert window_period("0001-01", "M") == pd.Period("0001-01", freq="M")
    assert window_months(["0001-01", "0001-03"], "M").tolist() == [0.0, 2.0]
    out = compute_decay(_card(["2025-01", "2025-02", "2025-03"]))
    assert out.value("a", "auc_decay_per_month") == pytest.approx(0.01)
