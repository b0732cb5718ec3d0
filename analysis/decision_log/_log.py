"""``DecisionLog``: an append-only, hash-chained record of decisions and sign-offs in a database.

The API has no update and no delete: a decision is never edited, a new one supersedes it, and a
sign-off is a new entry that names the decision (and that decision's entry hash). Every entry
carries the hash of the one before, so :meth:`DecisionLog.verify` finds the first entry that was
changed, removed or inserted out of order. Anchor the head hash it reports somewhere else (a
release note, a ticket) to also detect entries removed from the end.

Nothing here reads the clock or the environment: ``now`` is passed in, and the URL is given
(:func:`resolve_log_url` turns the CLI's ``--db`` and ``TRADEOFFS_LOG_URL`` into one).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from analysis._errors import InputError
from analysis.decision_log._fields import check_entry_fields, check_entry_id, describe_db_error
from analysis.decision_log._guards import lock_for_setup, restore_guards
from analysis.decision_log._tables import (
    GENESIS_HASH,
    KINDS,
    LOG_SCHEMA_VERSION,
    entries,
    entry_hash,
    meta,
    metadata,
    sha256_text,
)
from analysis.report import Report, SignOff, report_from_json, report_to_json

#: Where the log lives when neither ``--db`` nor ``TRADEOFFS_LOG_URL`` says otherwise.
DEFAULT_LOG_PATH = "~/.tradeoffs/decisions.sqlite"
#: The environment variable the command line reads for the log's URL or path.
LOG_URL_ENV = "TRADEOFFS_LOG_URL"
SIGNOFF_SCHEMA = "tradeoffs.signoff"
PUBLICATION_SCHEMA = "tradeoffs.publication"
_RETRIES = 8
_HASH = re.compile(r"[0-9a-f]{64}")
logger = logging.getLogger("analysis.decision_log")


def to_url(value: str | Path) -> str:
    """A SQLAlchemy URL from a URL (``postgresql+psycopg://...``) or a file path (an SQLite file)."""
    text = str(value).strip()
    if not text:
        raise InputError("the decision log location is empty; pass --db PATH or a database URL.", source="--db")
    if "://" in text:
        return text
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def resolve_log_url(db: str | None = None, *, environ: Mapping[str, str] | None = None) -> str:
    """The log's URL: ``db`` (``--db``), else ``environ[TRADEOFFS_LOG_URL]``, else :data:`DEFAULT_LOG_PATH`."""
    value = db or (environ or {}).get(LOG_URL_ENV) or DEFAULT_LOG_PATH
    return to_url(value)


def display_url(url: str) -> str:
    """The URL with any password hidden (for messages)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _iso(now: datetime | str) -> str:
    if isinstance(now, datetime):
        return now.isoformat()
    if isinstance(now, str) and now.strip():
        return now.strip()
    raise InputError("the time of the entry (`now`) is missing.")


@dataclass(frozen=True)
class LogEntry:
    """One row of the log, as stored."""

    id: int
    kind: str
    created_at: str
    decision_id: int | None
    supersedes: int | None
    chosen: str | None
    role: str | None
    name: str | None
    comment: str | None
    payload_sha256: str
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True)
class SignOffEntry:
    """A sign-off as the log holds it."""

    id: int
    decision_id: int
    role: str
    name: str
    at: str
    comment: str | None
    entry_hash: str

    def to_signoff(self) -> SignOff:
        """As a report :class:`~analysis.report.SignOff`."""
        return SignOff(self.role, self.name, self.at, self.comment)


@dataclass(frozen=True)
class PublicationEntry:
    """What was written to a model registry about a decision (``log publish``), as the log holds it."""

    id: int
    decision_id: int
    at: str
    target: str
    by: str | None
    summary: str | None
    details: dict
    entry_hash: str


@dataclass(frozen=True)
class DecisionSummary:
    """A decision in :meth:`DecisionLog.list`."""

    id: int
    created_at: str
    chosen: str | None
    status: str  # "current" | "superseded"
    supersedes: int | None
    superseded_by: int | None
    signoffs: int
    rationale: str | None
    recorded_by: str | None
    entry_hash: str


@dataclass(frozen=True)
class DecisionEntry:
    """A decision with its report and every sign-off recorded for it."""

    id: int
    created_at: str
    chosen: str | None
    supersedes: int | None
    superseded_by: int | None
    rationale: str | None
    recorded_by: str | None
    report_json: str
    report_sha256: str
    entry_hash: str
    signoffs: tuple[SignOffEntry, ...]
    publications: tuple[PublicationEntry, ...] = ()

    @property
    def report(self) -> Report:
        """The stored report, with the sign-offs recorded since (in the order they were made)."""
        stored = report_from_json(self.report_json, source=f"decision {self.id}")
        return stored.with_signoffs(list(stored.signoffs) + [s.to_signoff() for s in self.signoffs])


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :meth:`DecisionLog.verify`.

    ``n_entries`` entries verify and ``head_hash`` is the last of those entries' hash (entry
    ``n_entries``; 64 zeros for an empty log): anchor it elsewhere. ``broken_id`` is the first
    entry that cannot be trusted (None when intact, or when the anchored head is not in the log);
    ``anchor_id`` is the entry whose hash is the ``expected_head`` given to ``verify`` (0 for the
    empty log's head; None when none was given or it is not in the log).
    """

    ok: bool
    n_entries: int
    head_hash: str
    broken_id: int | None = None
    reason: str = ""
    anchor_id: int | None = None


class DecisionLog:
    """An append-only decision log in any SQLAlchemy database (an SQLite file by default).

    Parameters
    ----------
    url : str or Path
        A SQLAlchemy URL (``sqlite:///decisions.sqlite``, ``sqlite://`` in memory,
        ``postgresql+psycopg://user@host/db``) or a file path for SQLite.

    Examples
    --------
    >>> log = DecisionLog("sqlite://")
    >>> log.list()
    ()
    >>> log.verify().ok
    True
    """

    def __init__(self, url: str | Path) -> None:
        self.url = to_url(url)
        self._engine = self._connect(self.url)
        try:
            with self._engine.begin() as conn:
                lock_for_setup(conn)
                metadata.create_all(conn)  # a new entries table comes with its append-only triggers
                version = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
                if version is None:
                    conn.execute(insert(meta).values(key="schema_version", value=str(LOG_SCHEMA_VERSION)))
                elif int(version) > LOG_SCHEMA_VERSION:
                    raise InputError(
                        f"the decision log at {display_url(self.url)} has schema version {version}; this Tradeoffs "
                        f"reads version {LOG_SCHEMA_VERSION}. Upgrade Tradeoffs."
                    )
        except InputError:
            self._engine.dispose()
            raise
        except SQLAlchemyError as exc:
            self._engine.dispose()
            raise InputError(
                f"cannot open the decision log at {display_url(self.url)}: {describe_db_error(exc)}"
            ) from None
        self._restore_guards()

    def _restore_guards(self) -> None:
        # A log created before the triggers existed, or whose triggers were dropped or disabled.
        try:
            with self._engine.begin() as conn:
                repaired = restore_guards(conn)
        except SQLAlchemyError as exc:
            logger.warning(
                "the decision log at %s lacks its append-only triggers, or has them switched off, and this account "
                "cannot restore them (%s); see docs/decision_log.md",
                display_url(self.url),
                describe_db_error(exc),
            )
            return
        if repaired:
            logger.warning(
                "the decision log at %s lacked its append-only triggers %s (created before them, or dropped or "
                "disabled since); they are back",
                display_url(self.url),
                ", ".join(repaired),
            )

    @staticmethod
    def _connect(url: str) -> Engine:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise InputError(f"{url!r} is not a database URL or a file path.", source="--db") from None
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database in ("", ":memory:") or database.startswith("file::memory:"):
                kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
            else:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            # hide_parameters: a database error's text (logged at DEBUG) never carries the entries' values
            return create_engine(url, hide_parameters=True, **kwargs)
        except (NoSuchModuleError, ArgumentError, ImportError) as exc:
            raise InputError(
                f"cannot open the decision log at {display_url(url)}: {exc}. Install the database's driver "
                "(for PostgreSQL: pip install psycopg) or check the URL.",
                source="--db",
            ) from None

    # ---- lifecycle -------------------------------------------------------------------------------------
    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for administrators and tests; the log itself never updates rows)."""
        return self._engine

    # ---- writing -----------------------------------------------------------------------------------------
    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            raise InputError(
                f"cannot read the decision log at {display_url(self.url)}: {describe_db_error(exc)}"
            ) from None

    def _append(self, fields: dict, check=None) -> int:
        check_entry_fields(fields)  # before any SQL: the same refusal on every database
        last: Exception | None = None
        for attempt in range(_RETRIES):
            try:
                with self._engine.begin() as conn:
                    if check is not None:
                        check(conn)
                    head = conn.execute(
                        select(entries.c.id, entries.c.entry_hash).order_by(entries.c.id.desc()).limit(1)
                    ).first()
                    row = {
                        **fields,
                        "id": 1 if head is None else int(head.id) + 1,
                        "prev_hash": GENESIS_HASH if head is None else head.entry_hash,
                    }
                    row["entry_hash"] = entry_hash(row)
                    conn.execute(insert(entries).values(**row))
                return row["id"]
            except IntegrityError as exc:  # another writer appended first: re-read the head
                last = exc
            except OperationalError as exc:
                if "locked" not in str(exc.orig).lower() and "busy" not in str(exc.orig).lower():
                    raise self._write_error(exc) from None
                last = exc
            except SQLAlchemyError as exc:
                raise self._write_error(exc) from None
            time.sleep(0.05 * (attempt + 1))
        reason = describe_db_error(last) if isinstance(last, SQLAlchemyError) else "no reason given"
        raise InputError(f"the decision log at {display_url(self.url)} is busy; try again ({reason}).")

    def _write_error(self, exc: SQLAlchemyError) -> InputError:
        return InputError(f"cannot write to the decision log at {display_url(self.url)}: {describe_db_error(exc)}")

    def _decision_row(self, conn, decision_id: int):
        if check_entry_id(decision_id) is None:  # an id no INTEGER column holds: no SQL for it
            row = None
        else:
            row = conn.execute(select(entries).where(entries.c.id == decision_id)).mappings().first()
        if row is None or row["kind"] != "decision":
            raise InputError(f"there is no decision {decision_id} in the log; `tradeoffs log list` shows them.")
        return row

    def _superseded_by(self, conn, decision_id: int) -> int | None:
        return conn.execute(
            select(func.min(entries.c.id)).where(entries.c.kind == "decision", entries.c.supersedes == decision_id)
        ).scalar()

    def append_decision(
        self,
        report: Report,
        *,
        now: datetime | str,
        supersedes: int | None = None,
        recorded_by: str | None = None,
    ) -> int:
        """Record a decision (its report's JSON); returns the new entry's id.

        Parameters
        ----------
        report : Report
            A report built from a recorded decision (``status == "decided"``) with a chosen candidate.
        now : datetime or str
            When it is recorded.
        supersedes : int, optional
            The decision this one replaces (it must be current: not superseded already).
        recorded_by : str, optional
            Who recorded it.
        """
        if not isinstance(report, Report):
            raise InputError(f"append_decision needs a Report; got {type(report).__name__}.")
        if report.status != "decided":
            raise InputError(
                "only a recorded decision can enter the log: build the report from a `tradeoffs decide` record "
                f"(this report's status is {report.status!r})."
            )
        if report.chosen is None:
            raise InputError("the decision chose no candidate; there is nothing to record.")
        fields = {
            "kind": "decision",
            "created_at": _iso(now),
            "decision_id": None,
            "supersedes": supersedes,
            "chosen": report.chosen,
            "role": None,
            "name": recorded_by or None,
            "comment": report.rationale,
            "payload": report_to_json(report),
        }
        check_entry_fields(fields)  # the payload's hash needs valid text, too
        fields["payload_sha256"] = sha256_text(fields["payload"])

        def check(conn) -> None:
            if supersedes is None:
                return
            self._decision_row(conn, supersedes)
            later = self._superseded_by(conn, supersedes)
            if later is not None:
                raise InputError(
                    f"decision {supersedes} was already superseded by decision {later}; supersede {later}."
                )

        return self._append(fields, check)

    def sign_off(
        self,
        decision_id: int,
        *,
        role: str,
        name: str,
        now: datetime | str,
        comment: str | None = None,
    ) -> int:
        """Record a sign-off on a current decision; returns the new entry's id."""
        role = (role or "").strip()
        name = (name or "").strip()
        if not role or not name:
            raise InputError("a sign-off needs a role and a name (--role ROLE --name NAME).")
        at = _iso(now)
        comment = comment.strip() if comment and comment.strip() else None
        box: dict[str, str] = {}

        def check(conn) -> None:
            row = self._decision_row(conn, decision_id)
            later = self._superseded_by(conn, decision_id)
            if later is not None:
                raise InputError(
                    f"decision {decision_id} was superseded by decision {later}; sign off {later} instead."
                )
            box["hash"] = row["entry_hash"]

        def fields_with(conn) -> None:
            check(conn)
            body = {
                "schema": SIGNOFF_SCHEMA,
                "schema_version": 1,
                "decision_id": decision_id,
                "decision_entry_hash": box["hash"],
                "role": role,
                "name": name,
                "at": at,
                "comment": comment,
            }
            payload = json.dumps(body, sort_keys=True, ensure_ascii=False)
            fields.update(payload=payload, payload_sha256=sha256_text(payload))

        fields = {
            "kind": "signoff",
            "created_at": at,
            "decision_id": decision_id,
            "supersedes": None,
            "chosen": None,
            "role": role,
            "name": name,
            "comment": comment,
        }
        return self._append(fields, fields_with)

    def record_publication(
        self,
        decision_id: int,
        *,
        target: str,
        details: Mapping[str, Any],
        summary: str,
        now: datetime | str,
        by: str | None = None,
    ) -> int:
        """Record what was written to a model registry (``target``, e.g. ``"mlflow"``) about a decision.

        ``details`` (plain JSON: the server, model, version, alias, tags, artifacts) is the
        entry's payload, with the decision's entry hash; ``summary`` is one line for listings.
        The decision may be superseded by now: the record says what was written, whenever.
        """
        at = _iso(now)
        by = by.strip() if by and by.strip() else None
        box: dict[str, str] = {}

        def fields_with(conn) -> None:
            box["hash"] = self._decision_row(conn, decision_id)["entry_hash"]
            body = {
                "schema": PUBLICATION_SCHEMA,
                "schema_version": 1,
                "decision_id": decision_id,
                "decision_entry_hash": box["hash"],
                "target": target,
                "at": at,
                "by": by,
                "details": dict(details),
            }
            payload = json.dumps(body, sort_keys=True, ensure_ascii=False)
            fields.update(payload=payload, payload_sha256=sha256_text(payload))

        fields = {
            "kind": "publication",
            "created_at": at,
            "decision_id": decision_id,
            "supersedes": None,
            "chosen": None,
            "role": target,
            "name": by,
            "comment": summary,
        }
        return self._append(fields, fields_with)

    # ---- reading -----------------------------------------------------------------------------------------
    def entries(self) -> tuple[LogEntry, ...]:
        """Every entry in order (without payloads)."""
        cols = [c for c in entries.c if c.name != "payload"]
        with self._reading(), self._engine.connect() as conn:
            rows = conn.execute(select(*cols).order_by(entries.c.id)).mappings().all()
        return tuple(LogEntry(**dict(r)) for r in rows)

    def list(self) -> tuple[DecisionSummary, ...]:
        """Every decision, oldest first, with its status and number of sign-offs."""
        with self._reading(), self._engine.connect() as conn:
            rows = (
                conn.execute(
                    select(
                        entries.c.id,
                        entries.c.created_at,
                        entries.c.chosen,
                        entries.c.supersedes,
                        entries.c.comment,
                        entries.c.name,
                        entries.c.entry_hash,
                    )
                    .where(entries.c.kind == "decision")
                    .order_by(entries.c.id)
                )
                .mappings()
                .all()
            )
            counts = dict(
                conn.execute(
                    select(entries.c.decision_id, func.count())
                    .where(entries.c.kind == "signoff")
                    .group_by(entries.c.decision_id)
                ).all()
            )
        superseded_by: dict[int, int] = {}
        for r in rows:
            if r["supersedes"] is not None and r["supersedes"] not in superseded_by:
                superseded_by[r["supersedes"]] = r["id"]
        return tuple(
            DecisionSummary(
                id=r["id"],
                created_at=r["created_at"],
                chosen=r["chosen"],
                status="superseded" if r["id"] in superseded_by else "current",
                supersedes=r["supersedes"],
                superseded_by=superseded_by.get(r["id"]),
                signoffs=int(counts.get(r["id"], 0)),
                rationale=r["comment"],
                recorded_by=r["name"],
                entry_hash=r["entry_hash"],
            )
            for r in rows
        )

    def get(self, decision_id: int) -> DecisionEntry:
        """A decision with its stored report and its sign-offs."""
        with self._reading(), self._engine.connect() as conn:
            row = self._decision_row(conn, decision_id)
            later = self._superseded_by(conn, decision_id)
            others = (
                conn.execute(
                    select(entries)
                    .where(entries.c.kind.in_(("signoff", "publication")), entries.c.decision_id == decision_id)
                    .order_by(entries.c.id)
                )
                .mappings()
                .all()
            )
        signs = [s for s in others if s["kind"] == "signoff"]
        published = [p for p in others if p["kind"] == "publication"]
        return DecisionEntry(
            id=row["id"],
            created_at=row["created_at"],
            chosen=row["chosen"],
            supersedes=row["supersedes"],
            superseded_by=later,
            rationale=row["comment"],
            recorded_by=row["name"],
            report_json=row["payload"],
            report_sha256=row["payload_sha256"],
            entry_hash=row["entry_hash"],
            signoffs=tuple(
                SignOffEntry(s["id"], decision_id, s["role"], s["name"], s["created_at"], s["comment"], s["entry_hash"])
                for s in signs
            ),
            publications=tuple(_publication(p, decision_id) for p in published),
        )

    # ---- auditing ----------------------------------------------------------------------------------------
    def verify(self, *, expected_head: str | None = None) -> VerifyResult:
        """Check every entry and the chain; the first entry that cannot be trusted is named.

        Checks, in order, for each entry: ids run 1, 2, 3... with no gap; the payload matches its
        hash; the entry's hash matches its fields; it names the hash of the entry before; a
        sign-off names an earlier decision and that decision's hash.

        Parameters
        ----------
        expected_head : str, optional
            A head hash anchored elsewhere earlier (``head_hash`` of an earlier ``verify``). The log
            must still hold that entry, with every entry before it unchanged; entries appended
            since are fine. This catches what the chain alone cannot: entries removed from the
            end, or a whole chain rewritten with recomputed hashes.

        Examples
        --------
        >>> log = DecisionLog("sqlite://")
        >>> result = log.verify(expected_head="0" * 64)   # the empty log's head
        >>> result.ok, result.n_entries, result.anchor_id
        (True, 0, 0)
        """
        anchor = None
        if expected_head is not None:
            anchor = expected_head.strip().lower()
            if not _HASH.fullmatch(anchor):
                raise InputError(
                    f"the expected head {_clip(expected_head)!r} is not a hash: pass the 64 hexadecimal characters "
                    "that `tradeoffs log verify` printed as the head hash.",
                    source="--expect-head",
                )
        prev = GENESIS_HASH
        expected_id = 1
        decisions: dict[int, str] = {}
        n = 0
        anchor_id = 0 if anchor == GENESIS_HASH else None

        def broken(entry_id: int | None, reason: str) -> VerifyResult:
            return VerifyResult(False, n, prev, entry_id, reason)

        with self._reading(), self._engine.connect() as conn:
            # A server-side cursor on PostgreSQL: closed even when the loop returns early.
            rows = conn.execution_options(yield_per=64).execute(select(entries).order_by(entries.c.id))
            with rows:
                for row in rows.mappings():
                    rid = row["id"]
                    if rid != expected_id:
                        where = f"entry {expected_id}" + (f" to {rid - 1}" if rid - 1 > expected_id else "")
                        return broken(
                            expected_id, f"{where} is missing: the log jumps from entry {expected_id - 1} to {rid}."
                        )
                    if row["kind"] not in KINDS:
                        return broken(rid, f"entry {rid} has an unknown kind {row['kind']!r}.")
                    if sha256_text(row["payload"]) != row["payload_sha256"]:
                        return broken(
                            rid, f"entry {rid}'s content (its report or sign-off) was changed after it was written."
                        )
                    if entry_hash(row) != row["entry_hash"]:
                        return broken(
                            rid, f"entry {rid}'s fields were changed after it was written (its hash no longer matches)."
                        )
                    if row["prev_hash"] != prev:
                        return broken(
                            rid - 1 if rid > 1 else rid,
                            f"entry {rid} does not follow entry {rid - 1}: entry {rid - 1} was rewritten "
                            f"(hash recomputed) or entry {rid} was altered.",
                        )
                    if row["kind"] in ("signoff", "publication"):
                        target = row["decision_id"]
                        try:
                            body = json.loads(row["payload"])
                        except json.JSONDecodeError:
                            return broken(rid, f"entry {rid}'s {row['kind']} is not valid JSON.")
                        if target not in decisions or body.get("decision_entry_hash") != decisions[target]:
                            what = "sign-off" if row["kind"] == "signoff" else "publication"
                            return broken(rid, f"{what} {rid} does not match an earlier decision {target}.")
                    else:
                        decisions[rid] = row["entry_hash"]
                    prev = row["entry_hash"]
                    if prev == anchor:
                        anchor_id = rid
                    expected_id += 1
                    n += 1
        if anchor is not None and anchor_id is None:
            return VerifyResult(
                False,
                n,
                prev,
                None,
                f"the expected head {anchor[:12]}… is not in the log (which ends at entry {n}, hash {prev[:12]}…): "
                "entries were removed from its end, or it was rewritten or replaced.",
            )
        return VerifyResult(True, n, prev, anchor_id=anchor_id)


def _publication(row: Mapping[str, Any], decision_id: int) -> PublicationEntry:
    try:
        details = dict(json.loads(row["payload"]).get("details") or {})
    except (json.JSONDecodeError, AttributeError, TypeError):
        details = {}
    return PublicationEntry(
        row["id"], decision_id, row["created_at"], row["role"], row["name"], row["comment"], details, row["entry_hash"]
    )


def _clip(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
