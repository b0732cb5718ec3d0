"""The ``tradeoffs`` command.

Each subcommand lives in its own module and is listed here with its one-line summary; a
subcommand's module is imported only when that subcommand runs or prints its own help, so
``tradeoffs --help`` and a quick ``tradeoffs rank`` do not pay for scikit-learn, SQLAlchemy or
plotly (see :mod:`analysis.cli._lazy`). Subcommands parse options, call the library and print;
they compute nothing themselves. Exit codes: 0 success, 2 bad input (one message on stderr, no
traceback), 3 "no candidate satisfies every hard constraint" (``decide``), 1 an unexpected
internal error.
"""

from __future__ import annotations

import sys

import click

from analysis.cli._common import run_guarded
from analysis.cli._lazy import LazyCommand, LazyGroup

#: Every subcommand: where it is defined and the first paragraph of its help. The summaries
#: must equal the commands' docstrings (tests/cli/test_lazy_commands.py checks them).
SUBCOMMANDS: dict[str, LazyCommand] = {
    "app": LazyCommand(
        "analysis.cli._app",
        "app",
        "Start the dashboard on the built-in scenario (upload your own data in the browser).",
    ),
    "decide": LazyCommand(
        "analysis.cli._decision",
        "decide",
        "Apply every profile and a group rule; write the decision file.",
    ),
    "evaluate": LazyCommand(
        "analysis.cli._evaluate",
        "evaluate",
        "Measure every candidate on the same data and write a scorecard.",
    ),
    "import": LazyCommand(
        "analysis.cli._import",
        "import_",
        "Bring candidates in from elsewhere: an MLflow experiment's runs or a registered model's versions.",
    ),
    "log": LazyCommand(
        "analysis.cli._log",
        "log",
        "The decision log: which model was chosen, when, by whom and why (append-only, hash-chained).",
    ),
    "rank": LazyCommand(
        "analysis.cli._decision",
        "rank",
        "Rank candidates for one stakeholder: constraints, Pareto front and a score.",
    ),
    "report": LazyCommand(
        "analysis.cli._report",
        "report",
        "Write a report for people who will not open the dashboard.",
    ),
    "sample": LazyCommand(
        "analysis.cli._sample",
        "sample",
        "Regenerate the built-in restaurant scenario (data, models, card) into a folder.",
    ),
}


@click.group(
    cls=LazyGroup,
    lazy_commands=SUBCOMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="tradeoffs")
def cli() -> None:
    """Tradeoffs: choose the model to ship when stakeholders want different things."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tradeoffs`` console script."""
    return run_guarded(cli, argv if argv is not None else sys.argv[1:])
