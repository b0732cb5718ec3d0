"""Explaining rows within a time budget: probe, pilot, extrapolate, shrink or skip.

The rule, for one candidate with budget ``B`` seconds (setup included) and ``n`` rows asked:

1. *probe*: explain one row (it absorbs first-call costs). If the time so far plus the probe's
   time for each of the other ``min_rows - 1`` rows exceeds ``B``, skip, with the estimate.
2. *pilot*: explain rows up to ``pilot_rows``; their mean time per row is the estimate.
3. *extrapolate*: ``estimated_seconds = elapsed + per_row * rows left``. When it exceeds ``B``,
   shrink the sample to the rows that fit; fewer than ``min_rows`` means skip.
4. *run* the rest in chunks of about one second, re-checking the clock before each chunk, so
   a bad estimate costs at most one chunk.

Rows are explained in the order of the sample, so a shrunk sample is a prefix of the full one.
A skipped candidate reports no attributions (``None``), never zeros.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Target duration of one chunk after the pilot, in seconds.
CHUNK_SECONDS = 1.0
#: Largest chunk, in rows.
MAX_CHUNK_ROWS = 250
#: Chunks are sized for ``SAFETY`` times the measured time per row, to stay inside the budget.
SAFETY = 1.1


@dataclass(frozen=True)
class BudgetOutcome:
    """How a budgeted run went.

    Attributes
    ----------
    status : str
        ``"ok"`` (every row asked), ``"shrunk"`` (a prefix that fit the budget) or ``"skipped"``.
    rows : int
        Rows explained (0 when skipped).
    seconds_per_row : float or None
        Pilot estimate of the time per row.
    estimated_seconds : float or None
        Extrapolated time for every row asked, setup included.
    reason : str or None
        Why the sample was shrunk or skipped.
    """

    status: str
    rows: int
    seconds_per_row: float | None
    estimated_seconds: float | None
    reason: str | None


def run_within_budget(
    explain: Callable[[int, int], Any],
    n_rows: int,
    *,
    budget_seconds: float,
    started: float,
    timer: Callable[[], float],
    pilot_rows: int,
    min_rows: int,
) -> tuple[list[Any], BudgetOutcome]:
    """Call ``explain(start, stop)`` on consecutive row ranges until done or out of time.

    Parameters
    ----------
    explain : callable
        ``explain(start, stop)`` explains sample rows ``start:stop`` and returns a part.
    n_rows : int
        Rows asked for.
    budget_seconds : float
        Budget of the candidate, counted from ``started``.
    started : float
        ``timer()`` when the candidate started (setup counts against the budget).
    timer : callable
        Monotonic clock in seconds.
    pilot_rows : int
        Rows timed (after the one-row probe) before sizing the sample.
    min_rows : int
        Fewest rows worth reporting; capped at ``n_rows``.

    Returns
    -------
    parts : list
        What ``explain`` returned, in row order (empty when skipped).
    outcome : BudgetOutcome
    """
    min_rows = max(1, min(min_rows, n_rows))

    def elapsed() -> float:
        return timer() - started

    def skip(reason: str, per_row: float | None, estimate: float | None) -> tuple[list[Any], BudgetOutcome]:
        return [], BudgetOutcome("skipped", 0, per_row, estimate, reason)

    if elapsed() > budget_seconds:
        return skip(
            f"setting up the explainer took {elapsed():.3g} s, over the {budget_seconds:.3g} s budget", None, None
        )
    before = timer()
    parts = [explain(0, 1)]
    probe = max(timer() - before, 0.0)
    done = 1
    if elapsed() + probe * (min_rows - 1) > budget_seconds:
        estimate = elapsed() + probe * (n_rows - 1)
        return skip(
            f"the one-row probe took {probe:.3g} s, so the minimum of {min_rows} rows would take about "
            f"{elapsed() + probe * (min_rows - 1):.3g} s, over the {budget_seconds:.3g} s budget",
            probe,
            estimate,
        )
    per_row = probe
    pilot_stop = min(max(pilot_rows, 1) + 1, n_rows)
    if pilot_stop > done:
        before = timer()
        parts.append(explain(done, pilot_stop))
        per_row = max(timer() - before, 0.0) / (pilot_stop - done)
        done = pilot_stop
    estimate = elapsed() + per_row * (n_rows - done)
    if done < min_rows and elapsed() + per_row * (min_rows - done) > budget_seconds:
        return skip(
            f"the pilot measured {per_row:.3g} s per row, so the minimum of {min_rows} rows would take about "
            f"{elapsed() + per_row * (min_rows - done):.3g} s, over the {budget_seconds:.3g} s budget",
            per_row,
            estimate,
        )
    while done < n_rows:
        left = budget_seconds - elapsed()
        fit = math.floor(left / (per_row * SAFETY)) if per_row > 0 else n_rows - done
        per_chunk = max(1, int(CHUNK_SECONDS / per_row)) if per_row > 0 else MAX_CHUNK_ROWS
        size = min(n_rows - done, MAX_CHUNK_ROWS, per_chunk, fit)
        if size <= 0:
            break
        before = timer()
        parts.append(explain(done, done + size))
        spent = max(timer() - before, 0.0)
        per_row = (per_row * done + spent) / (done + size)
        done += size
    if done < min_rows:
        return skip(
            f"only {done} of the minimum {min_rows} rows fit the {budget_seconds:.3g} s budget "
            f"({per_row:.3g} s per row)",
            per_row,
            estimate,
        )
    if done == n_rows:
        return parts, BudgetOutcome("ok", done, per_row, estimate, None)
    reason = (
        f"shrunk from {n_rows} to {done} rows to fit the {budget_seconds:.3g} s budget "
        f"(the pilot estimated {estimate:.3g} s for all rows)"
    )
    return parts, BudgetOutcome("shrunk", done, per_row, estimate, reason)
