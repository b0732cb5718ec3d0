"""Every `tradeoffs ... --help`: no stray backspace marker, and each example on its own line."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from analysis.cli import cli


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, command in sorted(group.commands.items()):
        out.append(((*path, name), command))
        if isinstance(command, click.Group):
            out += _commands(command, (*path, name))
    return out


COMMANDS = _commands(cli)


def test_every_command_is_checked():
    names = {" ".join(path) for path, _ in COMMANDS}
    expected = {"evaluate", "rank", "decide", "report", "sample", "app", "log"}
    assert expected <= names
    assert {"log add", "log list", "log show", "log signoff", "log verify"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_has_no_stray_backspace_and_examples_stay_on_their_lines(path, command):
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "\\b" not in text
    assert "\x08" not in text
    lines = [line.strip() for line in text.splitlines()]
    # Each example in the docstring (a line starting with "tradeoffs ") is printed as a line of its own.
    examples = [line.strip() for line in (command.help or "").splitlines() if line.strip().startswith("tradeoffs ")]
    for example in examples:
        assert example in lines, f"{example!r} was rewrapped in:\n{text}"
    # No help line runs two invocations together.
    for line in lines:
        assert line.count("tradeoffs ") <= 1 or line.startswith("Usage:"), line


@pytest.mark.parametrize("name", ["evaluate", "rank", "decide", "report", "log", "app"])
def test_commands_with_examples_show_them(name):
    text = CliRunner().invoke(cli, [name, "--help"], terminal_width=80).output
    assert any(line.strip().startswith(f"tradeoffs {name}") for line in text.splitlines()), text
