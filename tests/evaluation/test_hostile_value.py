"""Money values that would overflow are refused where the data enters (ValueSpec.check), naming the column.

A CSV cell of ``1e999`` reads as infinity; ``1000 * inf * 0`` in :func:`value_terms` then gave
``RuntimeWarning: invalid value encountered in multiply`` (an error under this suite's warning
filter, a NaN objective otherwise): the CLI fuzzer's ``evaluate-data-infinite-value``. Values past
:data:`MAX_ABS_VALUE`, and value matrix entries that reach it, are refused the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis._errors import InputError
from analysis.evaluation._value import (
    MAX_ABS_VALUE,
    ValueSpec,
    parse_linear_expression,
    value_row_columns,
    value_terms,
)


def _frame(basket=(10.0, 20.0, 30.0, 40.0), fee=(1.0, 2.0, 3.0, 4.0)):
    return pd.DataFrame({"basket": list(basket), "fee": list(fee)})


def _refusal(spec: ValueSpec, frame: pd.DataFrame) -> str:
    with pytest.raises(InputError) as info:
        spec.check(frame, source="data.csv")
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message
    return message


def test_an_infinite_cell_is_refused_naming_the_column_and_how_many():
    message = _refusal(ValueSpec(("basket",)), _frame(basket=(10.0, np.inf, -np.inf, 1.0)))
    assert message.startswith("value column 'basket' in data.csv has 2 infinite value(s)"), message


def test_a_cell_beyond_the_limit_is_refused_with_the_limit():
    message = _refusal(ValueSpec(("basket",)), _frame(basket=(10.0, 1e300, 5.0, 1.0)))
    assert "has 1 value(s) larger than 1e250" in message


def test_both_kinds_are_counted_apart():
    message = _refusal(ValueSpec(("basket",)), _frame(basket=(np.inf, 1e300, -1e280, 1.0)))
    assert "1 infinite value(s)" in message and "2 value(s) larger than 1e250" in message


def test_a_value_matrix_that_overflows_is_refused_naming_the_entry():
    spec = ValueSpec((), {"tp": "1e200*basket", "fp": "-1", "fn": "0", "tn": "0"})
    message = _refusal(spec, _frame(basket=(10.0, 1e100, 5.0, 1.0)))
    assert message.startswith("value matrix tp = '1e200*basket' gives 1 row(s) of data.csv a value"), message


def test_an_infinite_term_in_an_expression_is_refused_where_it_is_parsed():
    with pytest.raises(InputError, match=r"value matrix tp: '1e999' is larger than 1e250"):
        parse_linear_expression("1e999*basket", where="value matrix tp")
    with pytest.raises(InputError, match=r"value matrix fp is inf; give a finite number"):
        parse_linear_expression(float("inf"), where="value matrix fp")
    with pytest.raises(InputError, match=r"value matrix fn is 1000000"):
        parse_linear_expression(10**400, where="value matrix fn")


def test_a_long_expression_is_shortened_in_the_message():
    with pytest.raises(InputError) as info:
        parse_linear_expression("0.1*basket + " + "?" * 5000, where="value matrix tp")
    assert len(str(info.value)) < 400


def test_large_but_usable_amounts_pass_and_score_without_a_warning():
    # At the limit, 1000 x value summed over the rows stays finite: no overflow warning, no NaN.
    big = MAX_ABS_VALUE
    spec = ValueSpec(("basket",), {"tp": "basket", "fp": "-1", "fn": "0", "tn": "0"})
    frame = _frame(basket=(big, -big, 1e12, 0.5))
    spec.check(frame, source="data.csv")
    terms = value_terms(value_row_columns(frame, spec), np.array([1, 1, 0, 1]), np.array([1, 1, 1, 0]), spec)
    assert all(np.isfinite(t).all() for t in terms.values())
    assert np.isfinite(terms["net_value_per_1k"].sum())
    assert terms["basket_captured_per_1k"].tolist() == [1000 * big, -1000 * big, 0.0, 0.0]
