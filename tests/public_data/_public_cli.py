"""Run the real `tradeoffs` command in-process and record what it did."""

from __future__ import annotations

import contextlib
import io
import traceback
from dataclasses import dataclass

from analysis.cli import main


@dataclass(frozen=True)
class CliResult:
    """One `tradeoffs ...` invocation."""

    argv: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"`tradeoffs {' '.join(self.argv)}` exited {self.code}\n"
            f"--- stdout ---\n{self.stdout[-3000:]}\n--- stderr ---\n{self.stderr[-3000:]}"
        )


def run_cli(argv: list) -> CliResult:
    """Run the `tradeoffs` command in-process; an uncaught exception is exit code 1 with its traceback."""
    argv = [str(a) for a in argv]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # pragma: no cover - main returns codes, but be safe
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception:
            traceback.print_exc()
            code = 1
    return CliResult(tuple(argv), int(code), out.getvalue(), err.getvalue())
