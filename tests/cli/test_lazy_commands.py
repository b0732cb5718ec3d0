"""The lazy subcommand table: its summaries cannot drift from the commands, and the help is unchanged."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from analysis.cli import SUBCOMMANDS, cli
from analysis.cli._lazy import LazyCommand, LazyCommands


@pytest.fixture(scope="module")
def real_commands() -> dict[str, click.Command]:
    return {name: entry.load() for name, entry in SUBCOMMANDS.items()}


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_table_entry_is_the_command_with_that_name(name, real_commands):
    command = real_commands[name]
    assert command.name == name
    assert cli.get_command(click.Context(cli), name) is command


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_summary_gives_the_same_short_help_as_the_docstring_at_every_width(name, real_commands):
    command, placeholder = real_commands[name], SUBCOMMANDS[name].placeholder(name)
    # The placeholder only carries help text: the real command must not shorten it otherwise.
    assert command.short_help is None and not command.hidden and not command.deprecated
    for limit in range(1, 200):
        assert placeholder.get_short_help_str(limit) == command.get_short_help_str(limit), limit
    # And the summary is the docstring's first paragraph, word for word.
    assert SUBCOMMANDS[name].summary.split() == (command.help or "").split("\n\n")[0].split()


def _eager_group(real_commands) -> click.Group:
    group = click.Group(
        "cli",
        commands=dict(real_commands),
        help=cli.help,
        params=list(cli.params),
        context_settings=cli.context_settings,
    )
    return group


@pytest.mark.parametrize("width", [50, 80, 100, 200])
def test_group_help_is_the_text_an_eager_group_prints(width, real_commands):
    lazy = CliRunner().invoke(cli, ["--help"], terminal_width=width, prog_name="tradeoffs")
    eager = CliRunner().invoke(_eager_group(real_commands), ["--help"], terminal_width=width, prog_name="tradeoffs")
    assert lazy.exit_code == eager.exit_code == 0
    assert lazy.output == eager.output
    for name in SUBCOMMANDS:
        assert f"  {name} " in lazy.output


def test_lazy_commands_import_on_lookup_only():
    table = {"sample": SUBCOMMANDS["sample"], "app": SUBCOMMANDS["app"]}
    commands = LazyCommands(table)
    assert list(commands) == ["sample", "app"] and len(commands) == 2 and "app" in commands
    assert not commands.is_loaded("app") and commands.lazy("app") is SUBCOMMANDS["app"]
    assert commands["app"].name == "app" and commands.is_loaded("app") and commands.lazy("app") is None
    extra = click.Command("extra")
    commands["extra"] = extra
    assert list(commands) == ["sample", "app", "extra"] and commands.get("extra") is extra
    del commands["sample"]
    assert "sample" not in commands and len(commands) == 2
    assert commands.get("missing") is None
    with pytest.raises(KeyError):
        del commands["missing"]


def test_a_table_entry_that_is_not_a_command_is_a_programming_error():
    with pytest.raises(TypeError, match="analysis.cli._common.run_guarded is not a click command"):
        LazyCommand("analysis.cli._common", "run_guarded", "x").load()


def test_log_db_help_names_the_real_defaults():
    from analysis.cli._log import _DB_HELP
    from analysis.decision_log import DEFAULT_LOG_PATH, LOG_URL_ENV

    assert _DB_HELP == f"Log file or database URL (default: ${LOG_URL_ENV}, else {DEFAULT_LOG_PATH})."
