"""Subcommands imported when they are used, so ``tradeoffs --help`` imports none of them.

Each subcommand's module pulls in what the command needs (scikit-learn for ``evaluate``,
SQLAlchemy for ``log``, plotly for ``report``); importing them all for every command cost
2-3 s of start-up. :class:`LazyGroup` keeps a table of where each subcommand lives and its
one-line summary: the group's help page is written from the summaries, and a subcommand's
module is imported the first time the subcommand is looked up (to run it or print its own
help). ``tests/cli/test_lazy_commands.py`` checks that every summary matches the real
command's, so the table cannot drift from the docstrings.

This is click's documented pattern for lazy loading (a group whose ``get_command`` imports on
demand), with the lookup done by the group's ``commands`` mapping so that code reading
``group.commands[name]`` keeps working.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from gettext import gettext as _
from typing import Any

import click


@dataclass(frozen=True)
class LazyCommand:
    """Where a subcommand is defined, and its summary for the group's help page.

    Parameters
    ----------
    module : str
        The module that defines the command, e.g. ``"analysis.cli._decision"``.
    attribute : str
        The command object's name in that module.
    summary : str
        The first paragraph of the command's help (its docstring), from which click makes
        the short help shown in the group's command list.
    """

    module: str
    attribute: str
    summary: str

    def load(self) -> click.Command:
        """Import the module and return the command."""
        # __import__ rather than importlib.import_module: only the former is timed by
        # ``python -X importtime``, which bench/bench_startup.py reads to name the slow imports.
        command = getattr(__import__(self.module, fromlist=[self.attribute]), self.attribute)
        if not isinstance(command, click.Command):  # a wrong table entry is a programming error
            raise TypeError(f"{self.module}.{self.attribute} is not a click command")
        return command

    def placeholder(self, name: str) -> click.Command:
        """A command that only carries the summary, to format the group's help without importing."""
        return click.Command(name, help=self.summary)


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's subcommands by name; each is imported the first time it is looked up.

    Iterating, ``len`` and ``in`` import nothing; ``mapping[name]`` (and ``get``, ``items``,
    ``values``) import the command's module.

    >>> commands = LazyCommands({"sample": LazyCommand("analysis.cli._sample", "sample", "Regenerate...")})
    >>> list(commands), "sample" in commands, commands.is_loaded("sample")
    (['sample'], True, False)
    >>> commands["sample"].name, commands.is_loaded("sample")
    ('sample', True)
    """

    def __init__(self, table: Mapping[str, LazyCommand]) -> None:
        self._table = dict(table)
        self._loaded: dict[str, click.Command] = {}

    def is_loaded(self, name: str) -> bool:
        """Whether the command ``name`` has been imported (or added directly)."""
        return name in self._loaded

    def lazy(self, name: str) -> LazyCommand | None:
        """The table entry of a command that has not been imported yet, else ``None``."""
        return None if name in self._loaded else self._table.get(name)

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            self._loaded[name] = self._table[name].load()  # KeyError for an unknown name
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._loaded and name not in self._table:
            raise KeyError(name)
        self._loaded.pop(name, None)
        self._table.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._loaded or name in self._table

    def __iter__(self) -> Iterator[str]:
        yield from self._table
        yield from (name for name in self._loaded if name not in self._table)

    def __len__(self) -> int:
        return len(self._table.keys() | self._loaded.keys())


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use (see :class:`LazyCommands`).

    Parameters
    ----------
    lazy_commands : Mapping[str, LazyCommand]
        Subcommand name -> where it lives and its summary.
    **kwargs
        Passed to :class:`click.Group`.
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, commands=LazyCommands(lazy_commands), **kwargs)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the subcommands from the table's summaries, importing none of them."""
        commands: MutableMapping[str, click.Command] = self.commands
        if not isinstance(commands, LazyCommands):  # replaced by a caller: nothing is lazy
            super().format_commands(ctx, formatter)
            return
        rows = []
        for name in self.list_commands(ctx):
            entry = commands.lazy(name)
            command = entry.placeholder(name) if entry is not None else commands.get(name)
            if command is not None and not command.hidden:
                rows.append((name, command))
        if not rows:
            return
        # As click.Group.format_commands: allow for 3 times the default spacing.
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section(_("Commands")):  # click translates this heading the same way
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])
