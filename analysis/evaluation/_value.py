"""Business value: what each candidate's decisions are worth in money.

A *value matrix* gives the gain (or loss, negative) of each outcome: true positive, false
positive, false negative, true negative. Each entry is a number or a per-row linear
expression of dataset columns such as ``"0.15*order_value + ad_fee"``; expressions are parsed
by a tiny grammar (numbers, column names, ``*``, ``+``, ``-``), never by ``eval``.

Objectives, all per 1,000 requests so that datasets of different sizes compare:

* ``net_value_per_1k``: the value matrix applied to every row's outcome;
* ``<column>_captured_per_1k`` for each value column: the column summed over true positives
  (for the built-in scenario, order value and ad fees of the recommended restaurants that were
  ordered from, which is what sales and the manager argue about).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._errors import InputError
from analysis.objectives import NET_VALUE, Objective, captured_objective
from analysis.scorecard import short_repr

OUTCOMES = ("tp", "fp", "fn", "tn")
#: Largest size of a per-row value (a value column's cell, or what a value matrix entry gives for a
#: row). The objectives are 1,000 x a weighted mean over rows, so sums reach about 1,000 x rows
#: (up to 1e12) x bootstrap weight (up to 1e3) x this, which must stay below the largest float
#: (1.8e308): far beyond any money amount, and it refuses what would overflow (1e999 reads as inf).
MAX_ABS_VALUE = 1e250
_MAX_TEXT = "1e250"
_TERM = re.compile(
    r"^\s*(?:(?P<num>[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(?:\*\s*(?P<col1>[A-Za-z_][A-Za-z0-9_]*))?"
    r"|(?P<col2>[A-Za-z_][A-Za-z0-9_]*)(?:\s*\*\s*(?P<num2>[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?))?)\s*$"
)


def parse_linear_expression(text: str | float, *, where: str) -> list[tuple[float, str | None]]:
    """Parse ``"0.15*order_value + ad_fee - 2"`` into ``[(0.15, 'order_value'), (1, 'ad_fee'), (-2, None)]``."""
    if isinstance(text, (int, float)):
        number = float(text) if isinstance(text, float) or abs(text) <= MAX_ABS_VALUE else math.inf
        if not abs(number) <= MAX_ABS_VALUE:
            raise InputError(f"{where} is {short_repr(text)}; give a finite number of at most {_MAX_TEXT}.")
        return [(number, None)]
    expr = str(text).strip()
    if not expr:
        raise InputError(f"{where} is empty; give a number or an expression like 0.15*order_value + ad_fee.")
    pieces = re.split(r"([+-])", expr)
    terms: list[tuple[float, str | None]] = []
    sign = 1.0
    expect_term = True
    for piece in pieces:
        if piece in ("+", "-"):
            sign = sign * (-1.0 if piece == "-" else 1.0)
            continue
        if not piece.strip():
            if piece and not expect_term:
                continue
            continue
        m = _TERM.match(piece)
        if m is None:
            raise InputError(
                f"{where}: cannot read {short_repr(piece.strip())} in {short_repr(expr)}; use numbers, column "
                "names, '*' and '+'/'-' only (for example 0.15*order_value + ad_fee)."
            )
        num = m.group("num") or m.group("num2")
        col = m.group("col1") or m.group("col2")
        coef = float(num) if num is not None else 1.0
        if not abs(coef) <= MAX_ABS_VALUE:
            raise InputError(f"{where}: {short_repr(num)} is larger than {_MAX_TEXT}; use a smaller unit.")
        terms.append((sign * coef, col))
        sign = 1.0
        expect_term = False
    if not terms:
        raise InputError(f"{where}: {short_repr(expr)} has no terms.")
    return terms


@dataclass(frozen=True)
class ValueSpec:
    """What business value to measure: captured columns and an optional value matrix."""

    columns: tuple[str, ...] = ()
    matrix: Mapping[str, str | float] | None = None

    def check(self, frame: pd.DataFrame, *, source: str) -> None:
        """Raise :class:`InputError` when a named column is missing, not numeric or not a usable amount.

        Usable: no missing values, and every cell and every row's value matrix entry finite and at
        most :data:`MAX_ABS_VALUE` in size (so no sum over rows can overflow).
        """
        needed = list(self.columns)
        if self.matrix:
            unknown = set(self.matrix) - set(OUTCOMES)
            if unknown:
                raise InputError(
                    f"value matrix entries {', '.join(sorted(unknown))} are not outcomes; use tp, fp, fn, tn."
                )
            for outcome, expr in self.matrix.items():
                needed += [c for _, c in parse_linear_expression(expr, where=f"value matrix {outcome}") if c]
        for col in dict.fromkeys(needed):
            if col not in frame.columns:
                raise InputError(
                    f"value column {col!r} is not in {source}; columns found: {', '.join(map(str, frame.columns))}.",
                    source=col,
                )
            if not pd.api.types.is_numeric_dtype(frame[col]):
                raise InputError(f"value column {col!r} in {source} is not numeric.", source=col)
            if frame[col].isna().any():
                raise InputError(
                    f"value column {col!r} in {source} has {int(frame[col].isna().sum())} missing values; "
                    "fill them (for example with 0) or drop those rows.",
                    source=col,
                )
            values = frame[col].to_numpy(dtype=float)
            n_bad = _too_large(values)
            if n_bad:
                n_inf = int(np.isinf(values).sum())
                what = f"{n_inf} infinite value(s) (1e999 reads as infinite)" if n_inf else ""
                what += (" and " if n_inf and n_bad > n_inf else "") + (
                    f"{n_bad - n_inf} value(s) larger than {_MAX_TEXT}" if n_bad > n_inf else ""
                )
                raise InputError(
                    f"value column {col!r} in {source} has {what}; money values must be finite numbers of at most "
                    f"{_MAX_TEXT}: fix or drop those rows.",
                    source=col,
                )
        for outcome, expr in (self.matrix or {}).items():
            with np.errstate(over="ignore", invalid="ignore"):  # an overflow here is what is being looked for
                n_bad = _too_large(_evaluate_expression(frame, expr, where=f"value matrix {outcome}"))
            if n_bad:
                raise InputError(
                    f"value matrix {outcome} = {short_repr(expr)} gives {n_bad} row(s) of {source} a value that is "
                    f"infinite or larger than {_MAX_TEXT}; use smaller numbers (another unit).",
                    source=f"value matrix {outcome}",
                )

    def objectives(self) -> list[Objective]:
        """The value objectives this spec produces."""
        out = [captured_objective(c) for c in self.columns]
        if self.matrix:
            out.append(NET_VALUE)
        return out


def _too_large(values: np.ndarray) -> int:
    """How many of ``values`` are NaN, infinite or larger than :data:`MAX_ABS_VALUE` in size."""
    return int(np.count_nonzero(~(np.abs(values) <= MAX_ABS_VALUE)))


def _evaluate_expression(frame: pd.DataFrame, expr: str | float, *, where: str) -> np.ndarray:
    total = np.zeros(len(frame))
    for coef, col in parse_linear_expression(expr, where=where):
        total = total + coef * (frame[col].to_numpy(dtype=float) if col else 1.0)
    return total


def value_row_columns(frame: pd.DataFrame, spec: ValueSpec) -> dict[str, np.ndarray]:
    """Per-row value of each outcome (``tp``/``fp``/``fn``/``tn``) and each captured column."""
    out = {f"col:{c}": frame[c].to_numpy(dtype=float) for c in spec.columns}
    if spec.matrix:
        for outcome in OUTCOMES:
            out[f"matrix:{outcome}"] = _evaluate_expression(
                frame, spec.matrix.get(outcome, 0.0), where=f"value matrix {outcome}"
            )
    return out


def value_terms(
    rows: Mapping[str, np.ndarray], y_true: np.ndarray, y_pred: np.ndarray, spec: ValueSpec
) -> dict[str, np.ndarray]:
    """Per-row terms whose weighted mean x 1000 is each value objective."""
    y = np.asarray(y_true, bool)
    p = np.asarray(y_pred, bool)
    tp = y & p
    out = {f"{c}_captured_per_1k": 1000.0 * rows[f"col:{c}"] * tp for c in spec.columns}
    if spec.matrix:
        value = np.select(
            [tp, ~y & p, y & ~p],
            [rows["matrix:tp"], rows["matrix:fp"], rows["matrix:fn"]],
            default=rows["matrix:tn"],
        )
        out["net_value_per_1k"] = 1000.0 * value
    return out


def parse_value_matrix(items: Sequence[str]) -> dict[str, str]:
    """Parse CLI ``--value-matrix tp=EXPR`` items."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise InputError(
                f"--value-matrix {item!r} is not OUTCOME=EXPRESSION; for example tp=0.15*order_value+ad_fee."
            )
        key, expr = item.split("=", 1)
        key = key.strip().lower()
        if key not in OUTCOMES:
            raise InputError(f"--value-matrix {item!r}: {key!r} is not one of tp, fp, fn, tn.")
        out[key] = expr.strip()
    return out


def decision_values(frame: pd.DataFrame, spec: ValueSpec, y_true: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Each row's value if decided positive and if decided negative, from the value matrix (None without one).

    Positive: the true-positive value on a positive row, the false-positive value on a negative one;
    negative: the false-negative or true-negative value. What a threshold's net value sums
    (``analysis.evaluation._thresholds.threshold_counts``).
    """
    if not spec.matrix:
        return None
    rows = value_row_columns(frame, spec)
    y = np.asarray(y_true) == 1
    return np.where(y, rows["matrix:tp"], rows["matrix:fp"]), np.where(y, rows["matrix:fn"], rows["matrix:tn"])
