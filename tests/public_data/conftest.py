"""Session fixtures: public datasets built once, and the real CLI run once per dataset.

The CLI runs in-process through ``analysis.cli.main``, the console script's entry point (see
``_public_cli.py``), with stdout and stderr captured, so the project's warnings-are-errors policy
applies to it. Results are recorded, never asserted here: each test asserts what it needs and says
what went wrong.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from _build import Case, build_case
from _public_cli import CliResult, run_cli

BOOTSTRAP = "200"


@dataclass
class PublicRun:
    """Everything the CLI produced for one dataset."""

    case: Case
    scorecard_path: Path
    decision_path: Path
    decision_incumbent_path: Path | None
    evaluate: CliResult
    decide: CliResult | None = None
    decide_incumbent: CliResult | None = None
    reports: dict[str, tuple[CliResult, Path]] = field(default_factory=dict)

    def scorecard(self) -> dict:
        if self.evaluate.code != 0 or not self.scorecard_path.is_file():
            pytest.fail(f"evaluate failed, so there is no scorecard:\n{self.evaluate.describe()}")
        return json.loads(self.scorecard_path.read_text(encoding="utf-8"))

    def decision(self, *, with_incumbent_flag: bool = False) -> tuple[CliResult, dict]:
        result = self.decide_incumbent if with_incumbent_flag else self.decide
        path = self.decision_incumbent_path if with_incumbent_flag else self.decision_path
        self.scorecard()  # fails first, and clearly, when evaluate did
        assert result is not None
        if result.code not in (0, 3) or path is None or not path.is_file():
            pytest.fail(f"decide did not write a decision record:\n{result.describe()}")
        return result, json.loads(path.read_text(encoding="utf-8"))

    def report(self, fmt: str) -> str:
        self.decision()
        result, path = self.reports[fmt]
        if result.code != 0 or not path.is_file():
            pytest.fail(f"report --format {fmt} failed:\n{result.describe()}")
        return path.read_text(encoding="utf-8")


def evaluate_argv(case: Case, out: Path) -> list:
    spec = case.spec
    argv = ["evaluate", "--data", case.data_csv, "--target", spec.target, "--task", spec.task]
    if spec.positive_label is not None:
        argv += ["--positive-label", spec.positive_label]
    for col in spec.sensitive:
        argv += ["--sensitive", col]
    for path in case.models.values():
        argv += ["--model", path]
    if case.incumbent_csv is not None:
        # No --id: the prediction file must be joined on the shared `id` column automatically.
        argv += ["--predictions", case.incumbent_csv, "--incumbent", case.incumbent_name]
    argv += ["--bootstrap", BOOTSTRAP, "--no-serving", "--no-explain", "--quiet", "--out", out]
    return argv


def run_dataset(case: Case) -> PublicRun:
    folder = case.folder
    run = PublicRun(
        case=case,
        scorecard_path=folder / "scorecard.json",
        decision_path=folder / "decision.json",
        decision_incumbent_path=(folder / "decision_incumbent.json") if case.incumbent_name else None,
        evaluate=run_cli(evaluate_argv(case, folder / "scorecard.json")),
    )
    if run.evaluate.code != 0:
        return run
    run.decide = run_cli(["decide", "--scorecard", run.scorecard_path, "--out", run.decision_path])
    if case.incumbent_name:
        run.decide_incumbent = run_cli(
            [
                "decide",
                "--scorecard",
                run.scorecard_path,
                "--incumbent",
                case.incumbent_name,
                "--out",
                run.decision_incumbent_path,
            ]
        )
    if run.decide.code in (0, 3) and run.decision_path.is_file():
        for fmt, suffix in (("md", "md"), ("json", "json"), ("html", "html")):
            out = folder / f"report.{suffix}"
            argv = ["report", "--scorecard", run.scorecard_path, "--decision", run.decision_path]
            argv += ["--format", fmt, "--timestamp", "2025-01-01T00:00:00+00:00", "--out", out]
            run.reports[fmt] = (run_cli(argv), out)
    return run


@pytest.fixture(scope="session")
def public_case(tmp_path_factory) -> Callable[[str], Case]:
    """``public_case(name)``: the dataset's files, built once per session."""
    cache: dict[str, Case] = {}

    def get(name: str) -> Case:
        if name not in cache:
            cache[name] = build_case(name, tmp_path_factory.mktemp(f"public_{name}"))
        return cache[name]

    return get


@pytest.fixture(scope="session")
def public_run(public_case) -> Callable[[str], PublicRun]:
    """``public_run(name)``: evaluate, decide (twice with an incumbent) and report, once per session."""
    cache: dict[str, PublicRun] = {}

    def get(name: str) -> PublicRun:
        if name not in cache:
            cache[name] = run_dataset(public_case(name))
        return cache[name]

    return get
