"""CSV exports of the report's and the scorecard's tables, safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (``=HYPERLINK(...)`` leaks data when clicked). Every text cell and column name that
starts with one of them gets a leading ``'`` (:func:`~analysis.report._format.csv_cell`); numbers
are written as numbers. Only aggregates are exported: metric values, per-group rates, serving
figures, never data rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from analysis.report._format import csv_cell
from analysis.report._record import Report
from analysis.scorecard import Scorecard


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, Mapping):
        value = "; ".join(f"{k}={v}" for k, v in value.items())
    return csv_cell(value if isinstance(value, (int, float, bool)) else str(value))


def rows_to_csv(rows: Iterable[Mapping], columns: Sequence[str] | None = None) -> str:
    """CSV text of a list of mappings (columns: ``columns`` or every key in first-seen order)."""
    rows = list(rows)
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([_cell(str(c)) for c in columns])
    for r in rows:
        writer.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue()


def frame_to_csv(frame: pd.DataFrame, *, index: bool = False) -> str:
    """A DataFrame as spreadsheet-safe CSV (for the dashboard's download buttons)."""
    data = frame.reset_index() if index else frame
    return rows_to_csv(data.to_dict(orient="records"), [str(c) for c in data.columns])


def report_tables_to_csv(report: Report) -> dict[str, str]:
    """The report's tables as CSV texts: ``{"metrics.csv": ..., "fairness.csv": ..., ...}``.

    Always ``candidates.csv`` and ``metrics.csv``; ``profiles.csv``, ``fairness.csv``,
    ``fairness_groups.csv``, ``serving.csv`` and ``drift.csv`` when the report has them.
    """
    out = {
        "candidates.csv": rows_to_csv(report.candidates),
        "metrics.csv": rows_to_csv(report.metrics, ["candidate", "objective", "value", "ci_low", "ci_high"]),
    }
    if report.why is not None and report.why.get("profiles"):
        rows = []
        for p in report.why["profiles"]:
            for t in p["top"]:
                rows.append({"profile": p["name"], "role": p["role"], **dict(t)})
        out["profiles.csv"] = rows_to_csv(rows, ["profile", "role", "candidate", "rank", "score", "feasible"])
    if report.fairness is not None:
        out["fairness.csv"] = rows_to_csv(report.fairness["rows"])
        if report.fairness.get("groups"):
            out["fairness_groups.csv"] = rows_to_csv(report.fairness["groups"])
    if report.serving is not None:
        rows = [
            {"candidate": r["candidate"], "runtime": r.get("runtime"), "status": r.get("status"), **dict(r["figures"])}
            for r in report.serving["rows"]
        ]
        out["serving.csv"] = rows_to_csv(rows)
    feats = ((report.drift or {}).get("features") or {}).get("features")
    if feats:
        out["drift.csv"] = rows_to_csv(feats)
    return out


def scorecard_tables_to_csv(scorecard: Scorecard) -> dict[str, str]:
    """A scorecard's tables (metrics, comparisons, fairness slices, windows) as spreadsheet-safe CSV."""
    out = {
        "metrics.csv": rows_to_csv(
            [m.__dict__ for m in scorecard.metrics], ["candidate", "objective", "value", "ci_low", "ci_high"]
        )
    }
    if scorecard.comparisons:
        out["comparisons.csv"] = rows_to_csv([c.__dict__ for c in scorecard.comparisons])
    if scorecard.slices:
        out["slices.csv"] = rows_to_csv([dict(s) for s in scorecard.slices])
    if scorecard.windows:
        out["windows.csv"] = rows_to_csv([dict(w) for w in scorecard.windows])
    return out
