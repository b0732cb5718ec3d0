"""Reports: a scorecard and a decision, for people who will never open the dashboard.

Data flow::

    Scorecard (+ Decision or its JSON record, sign-offs, rationale, now)
        --build_report--> Report                  (pure; aggregates only, never data rows)
        --report_to_html------> str               (one self-contained file, interactive charts)
        --report_to_pdf-------> bytes             (static charts; needs Chromium)
        --report_to_markdown--> str               (a pull request or a wiki)
        --report_to_json------> str               (the versioned decision record)
        --report_tables_to_csv> {name: str}       (spreadsheet-safe tables)

Every exporter is a pure function of the :class:`Report` (the PDF one also drives a browser), so
the dashboard's download buttons and the command line produce the same files. The JSON record's
format is ``decision_record.schema.json`` beside this file, described in ``docs/decision_record.md``.
"""

from analysis.report._build import build_report, decision_record_dict
from analysis.report._csv import frame_to_csv, report_tables_to_csv, rows_to_csv, scorecard_tables_to_csv
from analysis.report._figures import (
    FIGURES,
    make_report_decay_figure,
    make_report_drift_figure,
    make_report_fairness_figure,
    make_report_figures,
    make_report_importance_figure,
    make_report_interval_figure,
    make_report_regret_figure,
    make_report_serving_figure,
    make_report_tradeoff_figure,
    make_report_win_share_figure,
)
from analysis.report._format import csv_cell, html_text, md_text, script_json
from analysis.report._html import figure_json, report_to_html, report_to_print_html
from analysis.report._json import check_record, record_schema, report_to_dict, report_to_json, validate_schema
from analysis.report._markdown import report_to_markdown
from analysis.report._pdf import find_browser, report_to_pdf
from analysis.report._record import (
    RECORD_SCHEMA,
    RECORD_SCHEMA_VERSION,
    STATUSES,
    Report,
    SignOff,
    report_from_json,
)

__all__ = [
    "FIGURES",
    "RECORD_SCHEMA",
    "RECORD_SCHEMA_VERSION",
    "STATUSES",
    "Report",
    "SignOff",
    "build_report",
    "check_record",
    "csv_cell",
    "decision_record_dict",
    "figure_json",
    "find_browser",
    "frame_to_csv",
    "html_text",
    "make_report_decay_figure",
    "make_report_drift_figure",
    "make_report_fairness_figure",
    "make_report_figures",
    "make_report_importance_figure",
    "make_report_interval_figure",
    "make_report_regret_figure",
    "make_report_serving_figure",
    "make_report_tradeoff_figure",
    "make_report_win_share_figure",
    "md_text",
    "record_schema",
    "report_from_json",
    "report_tables_to_csv",
    "report_to_dict",
    "report_to_html",
    "report_to_json",
    "report_to_markdown",
    "report_to_pdf",
    "report_to_print_html",
    "rows_to_csv",
    "scorecard_tables_to_csv",
    "script_json",
    "validate_schema",
]
