"""``tradeoffs report``: a scorecard and a decision as HTML, PDF, Markdown or the JSON decision record.

``--scorecard PATH`` is read as by ``rank`` and ``decide`` (a scorecard JSON or a metrics table).
With ``--decision DECISION.json`` (written by ``tradeoffs decide``) the report presents that
decision; the ranking options are then refused, because the record already fixes them. Without
it the report says "no decision recorded" and shows what the profiles would pick now: the
default profiles (or ``--profiles FILE``), or a single view built from ``--profile``,
``--weights``, ``--objective`` and ``--constraint`` exactly as ``tradeoffs rank`` builds it.

Exit codes: 0 written; 2 bad input (one ``error:`` line, nothing written).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import click

from analysis._errors import InputError
from analysis.cli._decision import (
    _incumbent as incumbent_name,
)
from analysis.cli._decision import (
    _profiles,
    bound_option,
    incumbent_option,
    load_input,
    method_option,
    objective_option,
    parse_bounds,
    parse_objective_specs,
    parse_weights,
    perf_option,
    profile_needs,
    scorecard_option,
    seed_option,
    weights_option,
)
from analysis.decision import (
    DEFAULT_RULE,
    GROUP_RULES,
    build_decision,
    check_decision_file,
    check_method,
    check_rule,
    find_profile,
    load_profiles,
    make_profile,
    parse_constraint,
)
from analysis.scorecard import load_json_file, write_text_atomic

# analysis.report (the report builder and its figures) is imported when a report is written, so
# ``tradeoffs report --help`` and ``tradeoffs log --help`` do not load it.

FORMATS = {"html": ".html", "pdf": ".pdf", "md": ".md", "json": ".json"}
_SUFFIX_FORMAT = {".html": "html", ".htm": "html", ".pdf": "pdf", ".md": "md", ".markdown": "md", ".json": "json"}


def resolve_format(fmt: str | None, out: Path) -> str:
    """The export format: ``--format`` or, without it, the output file's suffix."""
    if fmt is not None:
        key = fmt.lower()
        if key == "markdown":
            key = "md"
        if key not in FORMATS:
            raise InputError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}.", source="--format")
        return key
    key = _SUFFIX_FORMAT.get(out.suffix.lower())
    if key is None:
        raise InputError(
            f"cannot tell the format from {out.name}; pass --format {'|'.join(FORMATS)} (or name the file .html, "
            ".pdf, .md or .json).",
            source="--format",
        )
    return key


def decision_file_sha256(path: Path) -> str:
    """SHA-256 of the decision file as it is on disk (what an auditor's ``sha256sum`` prints)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_decision_file(path: Path) -> dict:
    """Read a decision file written by ``tradeoffs decide`` (InputError naming the file)."""
    if not path.is_file():
        raise InputError(f"decision file {path} does not exist; make one with `tradeoffs decide`.", source=str(path))
    data = load_json_file(path, hint="pass a record written by `tradeoffs decide`")
    check_decision_file(data, str(path))  # every field a report reads, typed; InputError naming its path
    return data


def parse_timestamp(text: str | None) -> datetime:
    """``--timestamp`` as a datetime (UTC when no zone is given); the clock when None."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--timestamp {text!r} is not an ISO 8601 time (e.g. 2026-01-31T12:00:00+00:00).") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def export_report(report, fmt: str, *, browser: str | None = None) -> str | bytes:
    """The report in one of :data:`FORMATS`."""
    from analysis.report import report_to_html, report_to_json, report_to_markdown, report_to_pdf

    if fmt == "html":
        return report_to_html(report)
    if fmt == "md":
        return report_to_markdown(report)
    if fmt == "json":
        return report_to_json(report)
    return report_to_pdf(report, browser=browser)


@click.command("report")
@scorecard_option
@click.option(
    "--decision",
    "decision_path",
    type=click.Path(path_type=Path),
    help="Decision file from `tradeoffs decide`; without it the report says 'no decision recorded'.",
)
@click.option("--format", "fmt", metavar="html|pdf|md|json", help="Output format (default: from --out's suffix).")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), help="Output file.")
@click.option("--rationale", help="Why the team chose as it did (shown on top of the report).")
@objective_option("Rank on this objective with this direction (repeatable; as in `rank`).")
@click.option("--profile", "profile_name", metavar="NAME", help="Report one profile's view (as in `rank`).")
@click.option("--profiles", "profiles_path", type=click.Path(path_type=Path), help="Profile file (YAML/JSON).")
@method_option
@weights_option
@bound_option
@click.option("--constraint", "constraint_specs", multiple=True, metavar='"NAME<=X"', help="Hard constraint.")
@perf_option
@click.option("--rule", default=DEFAULT_RULE, show_default=True, metavar="|".join(GROUP_RULES), help="Group rule.")
@seed_option
@click.option(
    "--browser",
    envvar="BROWSER_PATH",
    metavar="PATH",
    help="Chromium/Chrome for --format pdf (default: found on PATH; env BROWSER_PATH).",
)
@click.option("--timestamp", metavar="ISO-8601", help="The report's timestamp (default: now), for reproducible files.")
@incumbent_option
def report(
    scorecard_path: Path,
    decision_path: Path | None,
    fmt: str | None,
    out_path: Path,
    rationale: str | None,
    objective_specs: tuple[str, ...],
    profile_name: str | None,
    profiles_path: Path | None,
    method: str,
    weights_spec: str | None,
    bound_specs: tuple[str, ...],
    constraint_specs: tuple[str, ...],
    perf: str | None,
    rule: str,
    seed: int,
    browser: str | None,
    timestamp: str | None,
    incumbent: str | None,
) -> None:
    """Write a report for people who will not open the dashboard.

    \b
    tradeoffs report --scorecard scorecard.json --decision decision.json --out report.html
    tradeoffs report --scorecard scorecard.json --decision decision.json --format pdf --out report.pdf
    tradeoffs report --scorecard runs.csv --objective acc:max --objective ms:min --out runs.md
    tradeoffs report --scorecard scorecard.json --decision decision.json --format json --out record.json

    HTML is one self-contained file (opens offline, interactive charts, no raw data); PDF has
    static charts and needs Chromium or Chrome; Markdown suits a pull request or a wiki; JSON is
    the decision record (schema tradeoffs.decision_record, see docs/decision_record.md). The
    file is written atomically.
    """  # noqa: D301 - "\b" keeps click from rewrapping the examples
    from analysis.report import build_report

    kind = resolve_format(fmt, out_path)
    now = parse_timestamp(timestamp)
    if decision_path is not None:
        given = [
            name
            for name, value in (
                ("--objective", objective_specs),
                ("--profile", profile_name),
                ("--profiles", profiles_path),
                ("--weights", weights_spec),
                ("--bound", bound_specs),
                ("--constraint", constraint_specs),
                ("--perf", perf),
                ("--method", None if method == "wsm" else method),
                ("--rule", None if rule == DEFAULT_RULE else rule),
                ("--incumbent", incumbent),
            )
            if value
        ]
        if given:
            raise InputError(
                f"{', '.join(given)} cannot be combined with --decision: the decision file already fixes these "
                "settings. Re-run `tradeoffs decide` with them, or drop --decision."
            )
        record = load_decision_file(decision_path)
        directions = {o["name"]: o["direction"] for o in record.get("objectives", ())}
        scorecard = load_input(scorecard_path, directions, set(directions))
        result = build_report(
            scorecard, record, rationale=rationale, now=now, decision_sha256=decision_file_sha256(decision_path)
        )
    else:
        check_method(method)
        check_rule(rule)
        directions = parse_objective_specs(objective_specs)
        weights = parse_weights(weights_spec)
        bounds = parse_bounds(bound_specs)
        extra = [parse_constraint(c, source="--constraint") for c in constraint_specs]
        single = profile_name is not None or weights is not None or bool(directions) or bool(extra)
        if single:
            base = find_profile(_profiles(profiles_path), profile_name) if profile_name is not None else None
            if weights is None:
                weights = base.weight_map if base is not None else {n: 1.0 for n in directions}
            if not weights:
                raise InputError("--constraint needs objectives to rank on: add --objective, --weights or --profile.")
            profiles = (
                make_profile(
                    base.name if base is not None else "command_line",
                    weights,
                    role=base.role if base is not None else "Command line",
                    constraints=list(base.constraints if base is not None else ()) + extra,
                    bounds=base.bound_map if base is not None else None,
                    rationale=base.rationale if base is not None else "",
                ),
            )
        else:
            profiles = load_profiles(profiles_path) if profiles_path is not None else _profiles(None)
        names, template = profile_needs(profiles)
        needed = set(directions) | set(bounds) | names
        if perf:
            needed.add(perf)
        scorecard = load_input(scorecard_path, directions, needed, keep_registered=template)
        if not scorecard.objectives:
            raise InputError(
                f"{scorecard_path} has none of the objectives the profiles rank on "
                f"({', '.join(sorted(needed))}); name its columns with --objective NAME:max|min."
            )
        overrides = [o.with_direction(directions[o.name]) for o in scorecard.objectives if o.name in directions]
        decision = build_decision(
            scorecard,
            profiles,
            rule=rule,
            method=method,
            bounds=bounds,
            perf=perf,
            objectives=overrides,
            random_state=seed,
            now=now,
            incumbent=incumbent_name(scorecard, incumbent),
        )
        result = build_report(scorecard, decision, rationale=rationale, now=now, provisional=True)
    payload = export_report(result, kind, browser=browser)
    write_text_atomic(out_path, payload)
    size = len(payload.encode("utf-8")) if isinstance(payload, str) else len(payload)
    what = result.chosen or "no candidate"
    state = "decision" if result.status == "decided" else "no decision recorded"
    click.echo(f"Report ({kind}, {state}; chosen: {what}) written to {out_path} ({size:,} bytes).")
    if result.warnings:
        click.echo(f"{len(result.warnings)} warning(s) in the report; see its Warnings section.")


COMMANDS = [report]
