"""The ``tradeoffs`` command.

Each subcommand lives in its own module and is registered here. Subcommands parse options,
call the library and print; they compute nothing themselves. Exit codes: 0 success, 2 bad
input (one message on stderr, no traceback), 3 "no candidate satisfies every hard
constraint" (``decide``), 1 an unexpected internal error.
"""

from __future__ import annotations

import sys

import click

from analysis.cli._common import run_guarded


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="tradeoffs")
def cli() -> None:
    """Tradeoffs: choose the model to ship when stakeholders want different things."""


def _register() -> None:
    from analysis.cli import _app, _decision, _evaluate, _log, _report, _sample

    for command in (
        _evaluate.evaluate,
        _sample.sample,
        _app.app,
        *_decision.COMMANDS,
        *_report.COMMANDS,
        *_log.COMMANDS,
    ):
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tradeoffs`` console script."""
    return run_guarded(cli, argv if argv is not None else sys.argv[1:])
