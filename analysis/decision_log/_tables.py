"""The log's tables (SQLAlchemy Core, portable types only) and the hash of an entry.

One table holds every entry (decisions, sign-offs, and publications: what was written to a model
registry about a decision), so a single hash chain orders them::

    tradeoffs_log_entries
      id              INTEGER  primary key; 1, 2, 3... with no gaps (assigned by the writer)
      kind            "decision" | "signoff" | "publication"
      created_at      ISO 8601 text (passed in by the caller; the CLI uses the clock)
      decision_id     the decision a sign-off signs or a publication publishes (NULL for decisions)
      supersedes      the decision a new decision replaces (NULL when none)
      chosen          the chosen candidate (decisions), for listing
      role, name      who signs (sign-offs), who recorded (decisions, optional), where and by whom (publications)
      comment         the sign-off's comment, the decision's rationale, or what a publication wrote
      payload         the decision record's JSON (decisions), the sign-off's or the publication's JSON
      payload_sha256  SHA-256 of payload (UTF-8)
      prev_hash       entry_hash of the entry before (64 zeros for the first); UNIQUE, so the chain cannot fork
      entry_hash      SHA-256 of the canonical JSON of every column above; UNIQUE

On SQLite and PostgreSQL, triggers created with the table refuse UPDATE and DELETE (and TRUNCATE)
(``_guards.py``). For a guarantee against the table's owner, give the application's account INSERT
and SELECT only (``docs/decision_log.md``); ``verify`` detects a changed or removed entry either way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, event

from analysis.decision_log._guards import install_guards

LOG_SCHEMA_VERSION = 1
GENESIS_HASH = "0" * 64
KINDS = ("decision", "signoff", "publication")
#: The columns the entry hash covers, in this order.
HASHED_COLUMNS = (
    "id",
    "kind",
    "created_at",
    "decision_id",
    "supersedes",
    "chosen",
    "role",
    "name",
    "comment",
    "payload_sha256",
    "prev_hash",
)

metadata = MetaData()

entries = Table(
    "tradeoffs_log_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("created_at", String(64), nullable=False),
    Column("decision_id", Integer, nullable=True),
    Column("supersedes", Integer, nullable=True),
    Column("chosen", String(512), nullable=True),
    Column("role", String(256), nullable=True),
    Column("name", String(256), nullable=True),
    Column("comment", Text, nullable=True),
    Column("payload", Text, nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False, unique=True),
    Column("entry_hash", String(64), nullable=False, unique=True),
)

meta = Table(
    "tradeoffs_log_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)


@event.listens_for(entries, "after_create")
def _guard_new_table(target: Table, connection: Any, **kw: Any) -> None:
    install_guards(connection)  # append-only from the first moment (SQLite, PostgreSQL)


def sha256_text(text: str) -> str:
    """SHA-256 of UTF-8 text, as hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(row: Mapping[str, Any]) -> str:
    """The hash of an entry: SHA-256 of the canonical JSON of :data:`HASHED_COLUMNS`."""
    body = {k: row.get(k) for k in HASHED_COLUMNS}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256_text(text)
