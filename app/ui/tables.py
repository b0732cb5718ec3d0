"""Display tables: library records turned into text and cell styles for ``st.dataframe``.

Formatting only (no Streamlit, no computation of results): every number shown here was computed
by :mod:`analysis`. Cached by :mod:`app.ui.services`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.decision import FeasibilityResult, ParetoResult
from analysis.figures import fmt_pm
from analysis.objectives import Objective
from analysis.scorecard import Scorecard

MAX_ROWS = 500
#: Rows of the scorecard table per page: past this many candidates it is shown a page at a time.
PAGE_ROWS = 100
#: Notes and reasons listed one by one at most (a scorecard of thousands can have thousands).
LISTED = 50
BEST = "font-weight: 700;"
TIED = "background-color: #E6F2E6;"
INFEASIBLE = "background-color: #FBE1DE; color: #8A1C12;"
UNVERIFIABLE = "color: #7A7A7A; font-style: italic;"
MISSING = "color: #9A9A9A;"
FRONT_ROW = "font-weight: 600;"

LEGEND = (
    "**★** best on that objective · **≈** statistically tied with the best (the paired-bootstrap difference is "
    "not significant) · plain: significantly worse than the best · :red-background[red cell] breaks a hard "
    "constraint · *grey italics*: the constraint cannot be checked (value missing) · ±: half the width of the "
    "confidence interval."
)


def column_title(o: Objective) -> str:
    """``"ROC AUC ↑"``, ``"Latency p99 (ms) ↓"``: label, unit and which way is better."""
    unit = f" ({o.unit})" if o.unit and o.unit != "yes=1" else ""
    return f"{o.label}{unit} {'↑' if o.direction == 'max' else '↓'}"


@dataclass(frozen=True)
class ScorecardDisplay:
    """The scorecard as text with one CSS string per cell, ready for a pandas Styler."""

    text: pd.DataFrame
    css: pd.DataFrame
    objectives: dict[str, str]
    shown: int
    total: int
    infeasible: tuple[str, ...]


def _cell(v: float, lo: float, hi: float) -> str:
    if v != v:
        return "missing"
    return fmt_pm(v, (hi - lo) / 2 if lo == lo and hi == hi else None)


def _numbers(frame: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """``frame``'s rows ``names`` as a float array (NaN where missing), read at once rather than cell by cell."""
    return frame.loc[list(names)].to_numpy(dtype=float, na_value=np.nan)


def scorecard_display(
    scorecard: Scorecard,
    feasibility: FeasibilityResult,
    pareto: ParetoResult | None,
    *,
    max_rows: int = MAX_ROWS,
    rows: Sequence[str] | None = None,
) -> ScorecardDisplay:
    """Every candidate x objective with intervals, best/tied marks, front and constraint status.

    With more than ``max_rows`` candidates, the Pareto-optimal ones come first and the table is
    cut at ``max_rows`` rows. ``rows`` (candidate names) shows those rows instead, in that order
    (names not in the scorecard are skipped): a page of a long table, or the candidates a search found.
    """
    frame = scorecard.to_frame()
    lo, hi = scorecard.interval_frames()
    names = list(frame.index)
    optimal = dict(zip(pareto.candidates, pareto.is_optimal, strict=True)) if pareto is not None else {}
    if rows is not None:
        known = set(names)
        names = [c for c in dict.fromkeys(rows) if c in known]
    elif len(names) > max_rows:
        names = sorted(names, key=lambda c: not optimal.get(c, False))[:max_rows]
    wanted = set(names)
    best = {c.objective: c.best for c in scorecard.comparisons}
    tied = {
        (c.objective, c.candidate) for c in scorecard.comparisons if c.significant is False and c.candidate in wanted
    }
    fails: dict[tuple[str, str], str] = {}
    n_fail: dict[str, int] = {}
    n_unverifiable: dict[str, int] = {}
    for check in feasibility.checks:  # one pass (FeasibilityResult.violations scans every check)
        fails.setdefault((check.candidate, check.objective), check.status)
        counter = n_fail if check.status == "fail" else n_unverifiable
        counter[check.candidate] = counter.get(check.candidate, 0) + 1
        if check.status == "fail":
            fails[(check.candidate, check.objective)] = "fail"
    feasible = dict(zip(feasibility.candidates, feasibility.feasible, strict=True))
    text: dict[str, list[str]] = {"Pareto-optimal": [], "Constraints": []}
    css: dict[str, list[str]] = {"Pareto-optimal": [], "Constraints": []}
    cols: dict[str, str] = {}
    for c in names:
        on = optimal.get(c)
        text["Pareto-optimal"].append(
            "✓ front" if on else ("excluded (missing value)" if on is None and pareto else "")
        )
        css["Pareto-optimal"].append(FRONT_ROW if on else "")
        n_unv = n_unverifiable.get(c, 0)
        if not feasible.get(c, True):
            text["Constraints"].append(f"✗ breaks {n_fail.get(c, 0)}")
            css["Constraints"].append(INFEASIBLE)
        elif n_unv:
            text["Constraints"].append(f"ok ({n_unv} unverifiable)")
            css["Constraints"].append(UNVERIFIABLE)
        else:
            text["Constraints"].append("ok")
            css["Constraints"].append("")
    values, lows, highs = _numbers(frame, names), _numbers(lo, names), _numbers(hi, names)
    position = {name: j for j, name in enumerate(frame.columns)}
    for o in scorecard.objectives:
        title = column_title(o)
        cols[title] = o.name
        col_text, col_css = [], []
        j = position[o.name]
        for i, c in enumerate(names):
            v, a, b = values[i, j], lows[i, j], highs[i, j]
            t = _cell(float(v), float(a), float(b))
            style = MISSING if v != v else ""
            if best.get(o.name) == c:
                t, style = f"★ {t}", style + BEST
            elif (o.name, c) in tied:
                t, style = f"≈ {t}", style + TIED
            status = fails.get((c, o.name))
            if status == "fail":
                style += INFEASIBLE
            elif status == "unverifiable":
                style += UNVERIFIABLE
            col_text.append(t)
            col_css.append(style)
        text[title] = col_text
        css[title] = col_css
    index = pd.Index(names, name="candidate")
    infeasible = tuple(c for c in frame.index if not feasible.get(c, True))
    return ScorecardDisplay(
        pd.DataFrame(text, index=index),
        pd.DataFrame(css, index=index),
        cols,
        len(names),
        len(frame.index),
        infeasible,
    )


def front_first(names: Sequence[str], pareto: ParetoResult | None) -> list[str]:
    """``names`` with the Pareto-optimal ones first, each part in its own order (the scorecard table's row order).

    Examples
    --------
    >>> from analysis.decision import compute_pareto, table_from_arrays
    >>> t = table_from_arrays(["a", "b", "c"], [("auc", "max")], np.array([[0.7], [0.9], [0.8]]))
    >>> front_first(t.candidates, compute_pareto(t, ["auc"]))
    ['b', 'a', 'c']
    """
    optimal = dict(zip(pareto.candidates, pareto.is_optimal, strict=True)) if pareto is not None else {}
    return sorted(names, key=lambda c: not optimal.get(c, False))


def find_candidates(names: Sequence[str], query: str) -> list[str]:
    """The names containing every word of ``query`` (case does not matter), in their own order.

    Examples
    --------
    >>> find_candidates(["knn", "knn_small", "mlp"], "KNN small")
    ['knn_small']
    """
    words = query.lower().split()
    return [n for n in names if all(w in n.lower() for w in words)]


def objectives_frame(objectives: Sequence[Objective]) -> pd.DataFrame:
    """What every column means: label, unit, which way is better, group and a sentence."""
    return pd.DataFrame(
        [
            {
                "objective": o.label,
                "unit": o.unit,
                "better": "higher" if o.direction == "max" else "lower",
                "group": o.group,
                "meaning": o.description,
                "name": o.name,
            }
            for o in objectives
        ]
    )


def _names(names: Sequence[str], *, most: int = 3) -> str:
    """Up to ``most`` names, or how many they are (a table cell stays narrow)."""
    return ", ".join(names) if len(names) <= most else f"{len(names)} candidates"


def clip(text: str, *, most: int = 400) -> str:
    """``text``, or its first ``most`` characters and how many more (a warning listing thousands of candidates).

    Examples
    --------
    >>> clip("abcdef", most=3)
    'abc… (3 more characters)'
    """
    return text if len(text) <= most else f"{text[:most]}… ({len(text) - most:,} more characters)"


def some(names: Sequence[str], *, most: int = 10) -> str:
    """The first ``most`` names and how many more (a cell stays readable with thousands of candidates)."""
    if len(names) <= most + 2:
        return ", ".join(names)
    return ", ".join(names[:most]) + f" and {len(names) - most:,} more"


def significance_frame(scorecard: Scorecard, objectives: Sequence[str]) -> pd.DataFrame:
    """Per objective: the best candidate, who is tied with it and who is significantly worse.

    The "significantly worse" cell counts the candidates when there are more than three (it is
    usually everyone not tied), so the table fits the page.
    """
    by: dict[str, dict[str, list[str]]] = {}
    best: dict[str, str] = {}
    for c in scorecard.comparisons:
        if c.objective not in objectives:
            continue
        best[c.objective] = c.best
        slot = "tied" if c.significant is False else ("worse" if c.significant else "untested")
        by.setdefault(c.objective, {}).setdefault(slot, []).append(c.candidate)
    rows = []
    for name in objectives:
        if name not in best:
            continue
        o = scorecard.objective(name)
        d = by.get(name, {})
        worse = d.get("worse", [])
        rows.append(
            {
                "objective": o.label,
                "best": best[name],
                "tied with the best (difference not significant)": some(d.get("tied", [])) or "nobody",
                "significantly worse": ("all the others" if worse and not d.get("untested") else _names(worse))
                if worse
                else "nobody",
                "no test (no interval)": some(d.get("untested", [])),
            }
        )
    return pd.DataFrame(rows)


def explanation_status(entry: Mapping) -> str:
    """An explanation entry's status in words: ``"sample shrunk to 115 of 200 rows to fit the time budget"``.

    ``ok`` reads "ok"; a skipped or failed entry gives its reason after a dash. The full reason
    of a shrunk sample (budget, estimate) is :func:`explanation_reason`.
    """
    status = str(entry.get("status") or "unknown")
    reason = str(entry.get("reason") or "").strip()
    if status == "shrunk":
        n, asked = entry.get("sample_size"), entry.get("sample_size_requested")
        rows = f"{n:,} of {asked:,} rows" if isinstance(n, int) and isinstance(asked, int) else "fewer rows"
        return f"sample shrunk to {rows} to fit the time budget"
    if status in ("skipped", "failed"):
        return f"{status} — {reason}" if reason else status
    return status


def explanation_reason(entry: Mapping) -> str | None:
    """The stage's own reason for a shrunk, skipped or failed explanation (``None`` when it is ok)."""
    reason = str(entry.get("reason") or entry.get("skipped_reason") or "").strip()
    return reason or None


def first_sentence(text: str) -> str:
    """The first sentence of a rationale (for compact cards)."""
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def switch_frame(rows: Sequence) -> pd.DataFrame:
    """What changes if we switch (:class:`analysis.decision.SwitchRow` records), one row per objective."""

    def value(v: float, ci: tuple[float, float]) -> str:
        if not np.isfinite(v):
            return "missing"
        if all(np.isfinite(ci)):
            return f"{v:.4g} [{ci[0]:.4g}, {ci[1]:.4g}]"
        return f"{v:.4g}"

    out = []
    for r in rows:
        unit = f" {r.unit}" if r.unit and r.unit != "yes=1" else ""
        if not np.isfinite(r.change):
            change = "unknown (missing)"
        elif r.better is None:
            change = "no change"
        else:
            change = f"{r.change:+.4g}{unit} ({'better' if r.better else 'worse'})"
        out.append(
            {
                "objective": r.label,
                "incumbent": value(r.incumbent, r.incumbent_ci),
                "new": value(r.chosen, r.chosen_ci),
                "change": change,
                "intervals": "unknown"
                if r.clear is None
                else ("do not overlap" if r.clear else "overlap: may be noise"),
            }
        )
    return pd.DataFrame(out, columns=["objective", "incumbent", "new", "change", "intervals"])
