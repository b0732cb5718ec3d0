"""``tradeoffs log``: the append-only decision log (add, list, show, signoff, verify).

Where the log is: ``--db PATH_OR_URL``, else the ``TRADEOFFS_LOG_URL`` environment variable,
else ``~/.tradeoffs/decisions.sqlite``. A plain path is an SQLite file; any SQLAlchemy URL works
(``postgresql+psycopg://user@host/db`` for a team, with its driver installed).

Exit codes: 0 success; 2 bad input (one ``error:`` line); 4 ``log verify`` found a changed,
missing or out-of-order entry (it names the first one).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analysis._errors import InputError

if TYPE_CHECKING:
    from analysis.decision_log import DecisionLog

# The log, the report builder and the decision engine (SQLAlchemy, plotly, pandas) are imported
# by the subcommands that use them, so ``tradeoffs log --help`` stays fast.

#: ``tradeoffs log verify`` exit code when the log has been tampered with.
EXIT_TAMPERED = 4

#: Spelt out so that the help does not import the log (SQLAlchemy); equal to
#: ``analysis.decision_log.LOG_URL_ENV`` and ``DEFAULT_LOG_PATH`` (tests/cli/test_lazy_commands.py).
_DB_HELP = "Log file or database URL (default: $TRADEOFFS_LOG_URL, else ~/.tradeoffs/decisions.sqlite)."


def _open(db: str | None) -> DecisionLog:
    from analysis.decision_log import DecisionLog, resolve_log_url

    return DecisionLog(resolve_log_url(db, environ=os.environ))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _entries(n: int) -> str:
    return f"{n} {'entry' if n == 1 else 'entries'}"


def _short(text: str | None, n: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


@click.group("log")
def log() -> None:
    """The decision log: which model was chosen, when, by whom and why (append-only, hash-chained).

    \b
    tradeoffs log add --decision decision.json --scorecard scorecard.json --rationale "..."
    tradeoffs log list
    tradeoffs log show 1 [--format html --out decision-1.html]
    tradeoffs log signoff 1 --role "Risk & compliance" --name "A. Auditor" --comment "ok"
    tradeoffs log verify
    tradeoffs log publish 1 --mlflow-register models:/churn --alias champion
    """  # noqa: D301 - "\b" keeps click from rewrapping the examples


@log.command("add")
@click.option("--decision", "decision_path", required=True, type=click.Path(path_type=Path), help="From `decide`.")
@click.option(
    "--scorecard", "scorecard_path", required=True, type=click.Path(path_type=Path), help="The decision's scorecard."
)
@click.option("--rationale", help="Why the team chose as it did.")
@click.option("--supersedes", type=int, metavar="ID", help="The decision this one replaces.")
@click.option("--by", "recorded_by", metavar="NAME", help="Who records the decision.")
@click.option("--db", help=_DB_HELP)
def add(
    decision_path: Path,
    scorecard_path: Path,
    rationale: str | None,
    supersedes: int | None,
    recorded_by: str | None,
    db: str | None,
) -> None:
    """Record a decision (its full report) in the log."""
    from analysis.cli._decision import load_input
    from analysis.cli._report import decision_file_sha256, load_decision_file
    from analysis.decision_log import display_url
    from analysis.report import build_report

    record = load_decision_file(decision_path)
    directions = {o["name"]: o["direction"] for o in record.get("objectives", ()) if "name" in o}
    scorecard = load_input(scorecard_path, directions, set(directions))
    now = _now()
    report = build_report(
        scorecard, record, rationale=rationale, now=now, decision_sha256=decision_file_sha256(decision_path)
    )
    with _open(db) as store:
        new_id = store.append_decision(report, now=now, supersedes=supersedes, recorded_by=recorded_by)
        where = display_url(store.url)
    extra = f", superseding decision {supersedes}" if supersedes is not None else ""
    click.echo(f"Recorded decision {new_id} (chosen: {report.chosen}){extra} in {where}.")
    for w in report.warnings:
        if "made from a scorecard with SHA-256" in w:
            click.echo(f"warning: {w}", err=True)


@log.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@click.option("--db", help=_DB_HELP)
def list_(as_json: bool, db: str | None) -> None:
    """List every decision, oldest first."""
    with _open(db) as store:
        items = store.list()
    if as_json:
        click.echo(json.dumps([i.__dict__ for i in items], ensure_ascii=False))
        return
    if not items:
        click.echo("The log has no decisions yet; add one with `tradeoffs log add`.")
        return
    width = max(len("chosen"), *(len(i.chosen or "") for i in items))
    click.echo(f"{'id':>4}  {'recorded at':<25}  {'chosen':<{width}}  {'status':<16}  {'sign-offs':>9}  rationale")
    for i in items:
        status = i.status if i.superseded_by is None else f"superseded by {i.superseded_by}"
        click.echo(
            f"{i.id:>4}  {i.created_at:<25}  {(i.chosen or ''):<{width}}  {status:<16}  {i.signoffs:>9}  "
            f"{_short(i.rationale)}"
        )


@log.command("show")
@click.argument("decision_id", type=int)
@click.option("--format", "fmt", metavar="html|pdf|md|json", help="Export the stored report (with its sign-offs).")
@click.option("--out", "out_path", type=click.Path(path_type=Path), help="Where to write the exported report.")
@click.option("--browser", envvar="BROWSER_PATH", metavar="PATH", help="Chromium/Chrome for --format pdf.")
@click.option("--db", help=_DB_HELP)
def show(decision_id: int, fmt: str | None, out_path: Path | None, browser: str | None, db: str | None) -> None:
    """Show a decision, its sign-offs and its hashes; with --out, export its report."""
    from analysis.cli._report import export_report, resolve_format
    from analysis.scorecard import write_text_atomic

    with _open(db) as store:
        entry = store.get(decision_id)
    report = entry.report
    if out_path is not None:
        kind = resolve_format(fmt, out_path)
        payload = export_report(report, kind, browser=browser)
        write_text_atomic(out_path, payload)
        click.echo(f"Decision {decision_id}'s report ({kind}) written to {out_path}.")
        return
    if fmt is not None:
        click.echo("--format needs --out FILE.", err=True)
    status = "current" if entry.superseded_by is None else f"superseded by decision {entry.superseded_by}"
    click.echo(f"Decision {entry.id}: {entry.chosen} ({status})")
    click.echo(f"Recorded at {entry.created_at}" + (f" by {entry.recorded_by}" if entry.recorded_by else ""))
    if entry.supersedes is not None:
        click.echo(f"Supersedes decision {entry.supersedes}")
    if entry.rationale:
        click.echo(f"Rationale: {entry.rationale}")
    click.echo("")
    click.echo(report.summary)
    click.echo("")
    if entry.signoffs:
        click.echo("Sign-offs:")
        for s in entry.signoffs:
            comment = f": {s.comment}" if s.comment else ""
            click.echo(f"  {s.at}  {s.role}: {s.name}{comment}")
    else:
        click.echo("No sign-offs yet.")
    for p in entry.publications:
        by = f" by {p.by}" if p.by else ""
        click.echo(f"Published {p.at}{by} to {p.target}: {p.summary}")
    prov = report.provenance
    click.echo("")
    click.echo(f"Report SHA-256:    {entry.report_sha256}")
    click.echo(f"Entry hash:        {entry.entry_hash}")
    click.echo(f"Scorecard SHA-256: {(prov.get('scorecard') or {}).get('sha256')}")
    decision = prov.get("decision") or {}
    click.echo(f"Decision SHA-256:  {decision.get('sha256')}")


@log.command("signoff")
@click.argument("decision_id", type=int)
@click.option("--role", required=True, help="What the person answers for (e.g. 'Risk & compliance').")
@click.option("--name", required=True, help="The name of the person signing.")
@click.option("--comment", help="An optional remark.")
@click.option("--db", help=_DB_HELP)
def signoff(decision_id: int, role: str, name: str, comment: str | None, db: str | None) -> None:
    """Sign off a decision (appends a sign-off entry; the time is now)."""
    with _open(db) as store:
        new_id = store.sign_off(decision_id, role=role, name=name, comment=comment, now=_now())
    click.echo(f"Recorded sign-off {new_id}: {role} ({name}) on decision {decision_id}.")


@log.command("verify")
@click.option(
    "--expect-head",
    metavar="HASH",
    help="A head hash printed by an earlier verify and kept elsewhere: it must still be in the log, unchanged.",
)
@click.option("--db", help=_DB_HELP)
@click.pass_context
def verify(ctx: click.Context, expect_head: str | None, db: str | None) -> None:
    """Check the hash chain and print its head; exit 0 when intact, 4 naming the first broken entry otherwise.

    Keep the printed head hash somewhere the database's users cannot edit (a release note, a
    ticket); later, `verify --expect-head HASH` also catches entries removed from the end of the
    log or a log rewritten with recomputed hashes, which the chain alone cannot show.
    """
    from analysis.decision_log import display_url

    with _open(db) as store:
        result = store.verify(expected_head=expect_head)
        where = display_url(store.url)
    if result.ok:
        click.echo(f"Intact: {_entries(result.n_entries)} in {where}.")
        click.echo(f"Head: entry {result.n_entries}, hash {result.head_hash}")
        if result.anchor_id is not None:
            added = result.n_entries - result.anchor_id
            click.echo(
                f"The expected head is entry {result.anchor_id}: it and every entry before it are unchanged"
                + (f"; {_entries(added)} added since." if added else ".")
            )
        else:
            click.echo("Keep this hash elsewhere; check later with: tradeoffs log verify --expect-head HASH")
        return
    first = f"entry {result.broken_id}" if result.broken_id is not None else "the end of the log"
    click.echo(f"BROKEN at {first}: {result.reason}", err=True)
    click.echo(f"{_entries(result.n_entries)} before it verify; their head hash is {result.head_hash}.", err=True)
    ctx.exit(EXIT_TAMPERED)


@log.command("publish")
@click.argument("decision_id", type=int)
@click.option(
    "--mlflow-register",
    "target",
    required=True,
    metavar="models:/NAME",
    help="The registered model whose alias points at the chosen version (registered first if it is not one yet).",
)
@click.option("--alias", default="champion", show_default=True, help="The alias to set on the chosen version.")
@click.option(
    "--tracking-uri",
    metavar="URI",
    help="MLflow server (default: $MLFLOW_TRACKING_URI, else the one the chosen model came from).",
)
@click.option(
    "--require-signoffs",
    type=click.IntRange(0, 1000),
    default=0,
    show_default=True,
    help="Refuse unless the decision has at least this many sign-offs.",
)
@click.option("--by", "by", metavar="NAME", help="Who publishes.")
@click.option("--db", help=_DB_HELP)
def publish(
    decision_id: int,
    target: str,
    alias: str,
    tracking_uri: str | None,
    require_signoffs: int,
    by: str | None,
    db: str | None,
) -> None:
    """Point an MLflow registry alias at a decision's chosen version; the log records what was written where.

    Sets the alias (default champion) on the chosen candidate's version, tags the version with the
    decision record's and report's hashes, logs the report (HTML) and the decision record (JSON) as
    artifacts of the run that made the model, then appends a publication entry to the log.
    """
    from analysis.cli._report import export_report
    from analysis.decision_log import display_url
    from analysis.tracking import chosen_mlflow_source, mlflow_client, parse_register_target, publish_choice
    from analysis.tracking._client import TRACKING_URI_ENV

    parse_register_target(target)  # a malformed target is refused before anything is read
    with _open(db) as store:
        entry = store.get(decision_id)
        if entry.superseded_by is not None:
            raise InputError(
                f"decision {decision_id} was superseded by decision {entry.superseded_by}; publish "
                f"{entry.superseded_by} instead."
            )
        if len(entry.signoffs) < require_signoffs:
            raise InputError(
                f"decision {decision_id} has {len(entry.signoffs)} sign-off(s) and --require-signoffs asks for "
                f"{require_signoffs}; sign it off first (tradeoffs log signoff {decision_id} --role ... --name ...)."
            )
        report = entry.report
        info = chosen_mlflow_source(report)
        uri = tracking_uri or os.environ.get(TRACKING_URI_ENV) or info.get("tracking_uri")
        if not uri or "***" in uri:
            raise InputError(
                "which MLflow server? pass --tracking-uri URI (the chosen model's source does not keep a usable one).",
                source="--tracking-uri",
            )
        client = mlflow_client(uri)
        publication = publish_choice(
            client,
            uri,
            report,
            target=target,
            alias=alias,
            decision_id=decision_id,
            entry_hash=entry.entry_hash,
            report_sha256=entry.report_sha256,
            report_html=str(export_report(report, "html")),
            record_json=str(export_report(report, "json")),
        )
        summary = (
            f"alias {publication.alias!r} of {publication.registered_model} -> version {publication.version} "
            f"({publication.candidate}) at {publication.tracking_uri}"
        )
        try:
            new_id = store.record_publication(
                decision_id, target="mlflow", details=publication.to_dict(), summary=summary, now=_now(), by=by
            )
        except InputError as exc:
            raise InputError(f"MLflow was updated ({summary}) but the log could not record it: {exc.message}") from None
        where = display_url(store.url)
    previous = (
        f" (it pointed at version {publication.previous_version})"
        if publication.previous_version not in (None, publication.version)
        else ""
    )
    click.echo(
        f"Set alias {publication.alias!r} of registered model {publication.registered_model} to version "
        f"{publication.version} ({publication.candidate}){previous} at {publication.tracking_uri}."
    )
    for key, value in publication.tags.items():
        click.echo(f"  tag {key} = {value}")
    for artifact in publication.artifacts:
        click.echo(f"  logged {artifact}")
    for note in publication.notes:
        click.echo(f"  note: {note}")
    click.echo(f"Recorded publication {new_id} on decision {decision_id} in {where}.")


COMMANDS = [log]
