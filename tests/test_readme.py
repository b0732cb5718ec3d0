"""The README's test command is the one CI runs, lint included."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = next(line for line in readme.splitlines() if "pytest" in line and line.startswith("pip install"))
    assert command in ci.splitlines()
    # lint runs before the tests, so a formatting slip fails fast
    assert command.index("ruff check .") < command.index("ruff format --check .") < command.index("pytest")
    assert ci.rstrip().splitlines()[-1] == command  # the last line: its status is CI's status
