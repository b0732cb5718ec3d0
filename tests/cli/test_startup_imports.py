"""What each ``tradeoffs`` command imports at start-up, read from ``python -X importtime`` (no timing).

Start-up time is import time: scikit-learn + scipy cost about 2 s, SQLAlchemy 0.5 s, pandas 0.5 s
on this project's CI machine. Each command imports what it needs when it needs it:

- ``tradeoffs --help`` imports click and ``analysis.cli`` only (no numpy, no pandas, no YAML);
- ``tradeoffs CMD --help`` imports CMD's module only, plus the library its options are built from:
  the decision engine (numpy, pandas, YAML) for ``rank``, ``decide`` and ``report``, the data loaders
  (pandas) for ``evaluate``; never scikit-learn, scipy, plotly, SQLAlchemy or the app;
- ``tradeoffs rank`` on a table reads it with pandas and scores with numpy, and imports none of the
  heavy modules below.

The test runs the console script's entry point in a fresh interpreter under ``-X importtime`` and
names the import chain of any module that should not be there.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from analysis.cli import SUBCOMMANDS

#: Never needed to print help or to rank a table.
HEAVY = (
    "sklearn",
    "scipy",
    "plotly",
    "streamlit",
    "sqlalchemy",
    "skops",
    "onnx",
    "onnxruntime",
    "shap",
    "fairlearn",
    "jinja2",
    "dask",
    "distributed",
    "matplotlib",
    "joblib",
)
#: Needed to read and score a table, not to print the list of commands.
DATA = ("numpy", "pandas", "pyarrow", "yaml")
#: Everything ``tradeoffs --help`` may import from this project.
HELP_MODULES = {"analysis", "analysis._errors", "analysis.cli", "analysis.cli._common", "analysis.cli._lazy"}

PROBE = "import sys; from analysis.cli import main; sys.exit(main(sys.argv[1:]))"
_LINE = re.compile(r"import time:\s+\d+ \|\s+\d+ \|( +)(\S+)")


def imports_of(*argv: str, cwd) -> dict[str, tuple[str, ...]]:
    """Every module a fresh ``tradeoffs ARGV`` imports -> the chain of modules that imported it."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [(len(m.group(1)), m.group(2)) for m in map(_LINE.match, proc.stderr.splitlines()) if m]
    # importtime prints a module after everything it imported, one level deeper: read backwards,
    # each module comes before the modules it imported.
    chains: dict[str, tuple[str, ...]] = {}
    stack: list[tuple[int, str]] = []
    for depth, name in reversed(rows):
        while stack and stack[-1][0] >= depth:
            stack.pop()
        chains.setdefault(name, tuple(n for _, n in stack))
        stack.append((depth, name))
    assert "analysis.cli" in chains, proc.stderr[-2000:]
    return chains


def assert_none_of(tops, chains: dict[str, tuple[str, ...]]) -> None:
    """Fail naming each imported package of ``tops`` and the chain of imports that pulled it in."""
    found = sorted(m for m in chains if m.split(".")[0] in tops and "." not in m)
    found = found or sorted(m for m in chains if m.split(".")[0] in tops)
    lines = [" <- ".join((m, *reversed(chains[m]))) for m in found]
    assert not lines, "imported (module <- imported by <- ...):\n" + "\n".join(lines)


def test_group_help_imports_only_the_command_line(tmp_path):
    chains = imports_of("--help", cwd=tmp_path)
    assert_none_of(HEAVY + DATA, chains)
    assert {m for m in chains if m.split(".")[0] == "analysis"} <= HELP_MODULES


def test_version_imports_only_the_command_line(tmp_path):
    chains = imports_of("--version", cwd=tmp_path)
    assert_none_of(HEAVY + DATA, chains)


#: What each ``tradeoffs CMD --help`` may import besides its own module.
HELP_NEEDS = {
    "app": (),
    "sample": (),
    "log": (),
    "import": (),
    "evaluate": ("numpy", "pandas", "pyarrow"),  # --join's choices come from analysis.loading
    "rank": DATA,
    "decide": DATA,
    "report": DATA,
}


def test_every_command_says_what_its_help_may_import():
    assert set(HELP_NEEDS) == set(SUBCOMMANDS)


@pytest.mark.parametrize("name", sorted(HELP_NEEDS))
def test_command_help_imports_only_that_command(name, tmp_path):
    chains = imports_of(name, "--help", cwd=tmp_path)
    assert_none_of(HEAVY + tuple(set(DATA) - set(HELP_NEEDS[name])), chains)
    own = {SUBCOMMANDS[name].module} | ({"analysis.cli._decision"} if name == "report" else set())
    others = {entry.module for entry in SUBCOMMANDS.values()} - own
    assert sorted(others & set(chains)) == []


def test_rank_on_a_small_table_imports_no_heavy_module(tmp_path):
    table = tmp_path / "runs.csv"
    rows = [f"m{i},{0.7 + i / 100},{0.5 - i / 100},{10 + 3 * i}" for i in range(10)]
    table.write_text("candidate,roc_auc,log_loss,latency_ms_p99\n" + "\n".join(rows) + "\n", encoding="utf-8")
    chains = imports_of("rank", "--scorecard", str(table), "--bound", "latency_ms_p99=100:0", cwd=tmp_path)
    assert_none_of(HEAVY, chains)
    assert "analysis.cli._decision" in chains and "analysis.cli._evaluate" not in chains


def test_python_m_analysis_cli_is_the_command(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "analysis.cli", "rank", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage: tradeoffs rank [OPTIONS]")
