"""Start-up time of the ``tradeoffs`` command, and which imports it is made of.

    python bench/bench_startup.py              # best of 5 per command
    python bench/bench_startup.py --repeat 9   # more runs on a noisy machine

Each figure is the wall time of a whole process, the way a user or a CI gate runs it: the
installed ``tradeoffs`` console script started with ``subprocess`` (stdout discarded), best of N.
Next to it, measured in the same run:

- ``python -c pass``: the interpreter's own start-up, the floor no command can go under;
- ``import analysis.cli``: what every command pays before it knows what to do;
- the eager way: the same command after importing every subcommand and the libraries their
  modules imported at the top before issue 12 (the evaluation stack with scikit-learn and scipy,
  the data loaders, the decision log with SQLAlchemy, the report builder with plotly), which is
  what ``analysis/cli/__init__.py`` did for every command; the ratio is eager / lazy;
- the command's work: the time inside ``main()`` once its module is imported.

Then, for each command, one run under ``python -X importtime`` and the modules that took longest
(cumulative, the two outermost levels), so the figure and its cause are printed together.
A run that fails is reported as missing, never as zero.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCORECARD = ROOT / "sample_data" / "scorecard.json"
#: What the pre-issue-12 ``analysis/cli/__init__.py`` imported for every command: every subcommand
#: module, and the libraries those modules imported at their top.
EAGER_IMPORTS = (
    "analysis.cli._app",
    "analysis.cli._decision",
    "analysis.cli._evaluate",
    "analysis.cli._log",
    "analysis.cli._report",
    "analysis.cli._sample",
    "analysis.evaluation",
    "analysis.loading",
    "analysis.pipeline",
    "analysis.scenario",
    "analysis.scorecard",
    "analysis.decision",
    "analysis.decision_log",
    "analysis.report",
)
MAIN = "import sys; from analysis.cli import main; sys.exit(main(sys.argv[1:]))"
EAGER = f"import sys, {', '.join(EAGER_IMPORTS)}; from analysis.cli import main; sys.exit(main(sys.argv[1:]))"
WORK = (
    "import sys, time; from analysis.cli import SUBCOMMANDS, main; SUBCOMMANDS[sys.argv[1]].load(); "
    "t = time.perf_counter(); rc = main(sys.argv[1:]); "
    "sys.stderr.write(f'__work_s__ {time.perf_counter() - t!r}\\n'); sys.exit(rc)"
)
_IMPORT_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \|( +)(\S+)")


def console_script() -> list[str]:
    """The installed ``tradeoffs`` script itself (not a pyenv/venv shim, whose start-up is not ours)."""
    here = Path(sys.executable).parent / "tradeoffs"
    found = str(here) if here.exists() else shutil.which("tradeoffs")
    if found is None:
        sys.exit("bench_startup: no `tradeoffs` script; install the project with `pip install -e .`")
    return [found]


def run(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def best_wall(cmd: list[str], repeat: int, *, cwd: Path, env: dict[str, str]) -> tuple[float | None, str]:
    """Best wall time of ``repeat`` runs, or (None, why) when a run fails."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        proc = run(cmd, cwd=cwd, env=env)
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            return None, f"exit {proc.returncode}: {last}"
        times.append(elapsed)
    return min(times), f"median {statistics.median(times):.2f} s"


def work_seconds(argv: list[str], repeat: int, *, cwd: Path, env: dict[str, str]) -> float | None:
    """Best time inside ``main()`` once the command's module is imported (None if it failed)."""
    found = []
    for _ in range(repeat):
        proc = run([sys.executable, "-c", WORK, *argv], cwd=cwd, env=env)
        match = re.search(r"__work_s__ (\S+)", proc.stderr)
        if proc.returncode != 0 or match is None:
            return None
        found.append(float(match.group(1)))
    return min(found)


def top_imports(argv: list[str], *, cwd: Path, env: dict[str, str], n: int = 6) -> list[str]:
    """The slowest imports of one ``-X importtime`` run of ``tradeoffs ARGV``.

    The outermost modules (what the process itself imported), then the packages (``pandas``,
    ``analysis.decision``...) that took longest wherever they were imported, each with the chain
    of modules that pulled it in.
    """
    proc = run([sys.executable, "-X", "importtime", "-c", MAIN, *argv], cwd=cwd, env=env)
    if proc.returncode != 0:
        return ["missing (the -X importtime run failed)"]
    lines = [m for m in map(_IMPORT_LINE.match, proc.stderr.splitlines()) if m]
    outer, packages = [], []
    stack: list[tuple[int, str]] = []
    for match in reversed(lines):  # importtime prints a module after its imports: read backwards
        depth, name, seconds = len(match.group(2)), match.group(3), int(match.group(1)) / 1e6
        while stack and stack[-1][0] >= depth:
            stack.pop()
        chain = [parent for _, parent in reversed(stack)]
        stack.append((depth, name))
        if not chain:
            outer.append((seconds, name, ""))
        is_package = "." not in name or (name.startswith("analysis.") and name.count(".") == 1)
        if chain and is_package and not name.startswith("_"):
            packages.append((seconds, name, "  <- " + " <- ".join(chain[:4]) + (" <- ..." if len(chain) > 4 else "")))
    out = [f"{seconds:6.3f} s  {name}" for seconds, name, _ in sorted(outer, reverse=True)[:3]]
    out += [f"{seconds:6.3f} s    {name}{via}" for seconds, name, via in sorted(packages, reverse=True)[:n]]
    return out


def fmt(seconds: float | None) -> str:
    return "   missing" if seconds is None else f"{seconds:8.3f} s"


def write_table(path: Path, rows: int = 10) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            ["candidate", "roc_auc", "log_loss", "worst_group_accuracy", "demographic_parity_difference"]
            + ["latency_ms_p99", "cost_usd_per_million"]
        )
        for i in range(rows):
            out.writerow(
                [f"model_{i}", 0.70 + 0.02 * i, 0.55 - 0.02 * i, 0.6 + 0.01 * (i % 3), 0.02 * (i % 4)]
                + [
                    5.0 + 7 * i,
                    0.5 + 0.3 * i,
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="Runs per figure; the best is printed.")
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.pop("PYTHONWARNINGS", None)
    script = console_script()
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        write_table(cwd / "runs.csv")
        commands = [
            ("tradeoffs --help", ["--help"]),
            ("tradeoffs rank (10 rows)", ["rank", "--scorecard", str(cwd / "runs.csv")]),
            ("tradeoffs decide (built-in)", ["decide", "--scorecard", str(SCORECARD), "--out", str(cwd / "d.json")]),
            ("tradeoffs evaluate --help", ["evaluate", "--help"]),
        ]
        print(f"Start-up of `tradeoffs`, wall time of whole processes, best of {args.repeat} ({script[0]})")
        floor, _ = best_wall([sys.executable, "-c", "pass"], args.repeat, cwd=cwd, env=env)
        base, _ = best_wall([sys.executable, "-c", "import analysis.cli"], args.repeat, cwd=cwd, env=env)
        print(f"  {'python -c pass':<30}{fmt(floor)}")
        label = "python -c 'import analysis.cli'"
        print(f"  {label:<30}{fmt(base)}")
        print()
        header = f"  {'command':<30}{'lazy (now)':>11}{'eager':>11}{'eager/lazy':>12}{'work':>11}   note"
        print(header)
        causes = {}
        for label, argv in commands:
            lazy, note = best_wall([*script, *argv], args.repeat, cwd=cwd, env=env)
            eager, _ = best_wall([sys.executable, "-c", EAGER, *argv], args.repeat, cwd=cwd, env=env)
            runs = "--help" not in argv
            work = work_seconds(argv, args.repeat, cwd=cwd, env=env) if runs else None
            ratio = f"{eager / lazy:10.1f}x" if lazy and eager else "   missing"
            work_text = fmt(work) if runs else f"{'-':>10}"
            print(f"  {label:<30}{fmt(lazy)}{fmt(eager)}  {ratio}{work_text}   {note}")
            causes[label] = top_imports(argv, cwd=cwd, env=env)
        print()
        print("Slowest imports of each command (cumulative, one -X importtime run): outermost, then packages")
        for label, lines in causes.items():
            print(f"  {label}")
            for line in lines:
                print(f"    {line}")
    print()
    print("Targets (issue 12): --help under 0.5 s, rank on 10 rows under 1.5 s, on a quiet machine.")


if __name__ == "__main__":
    main()
