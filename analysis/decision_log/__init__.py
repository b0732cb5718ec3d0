"""The decision log: which model was chosen, when, by whom and why, kept where it cannot be quietly edited.

Decisions and sign-offs are appended to one table of a database (an SQLite file by default, any
SQLAlchemy URL such as PostgreSQL for a team), each entry carrying the hash of the one before.
There is no update and no delete: a new decision supersedes an old one, and ``verify`` names the
first entry that was changed. On SQLite and PostgreSQL the database refuses UPDATE and DELETE too
(triggers), and every text field is checked against its column before any SQL runs. See
``docs/decision_record.md``, and ``docs/decision_log.md`` for running it on a database server.

Example::

    log = DecisionLog("sqlite:///decisions.sqlite")
    decision_id = log.append_decision(report, now=now)           # report = build_report(...)
    log.sign_off(decision_id, role="Risk & compliance", name="A. Auditor", now=now)
    log.verify().ok
"""

from analysis.decision_log._log import (
    DEFAULT_LOG_PATH,
    LOG_URL_ENV,
    PUBLICATION_SCHEMA,
    SIGNOFF_SCHEMA,
    DecisionEntry,
    DecisionLog,
    DecisionSummary,
    LogEntry,
    PublicationEntry,
    SignOffEntry,
    VerifyResult,
    display_url,
    resolve_log_url,
    to_url,
)
from analysis.decision_log._tables import GENESIS_HASH, HASHED_COLUMNS, LOG_SCHEMA_VERSION, entry_hash

__all__ = [
    "DEFAULT_LOG_PATH",
    "GENESIS_HASH",
    "HASHED_COLUMNS",
    "LOG_SCHEMA_VERSION",
    "LOG_URL_ENV",
    "PUBLICATION_SCHEMA",
    "SIGNOFF_SCHEMA",
    "DecisionEntry",
    "DecisionLog",
    "DecisionSummary",
    "LogEntry",
    "PublicationEntry",
    "SignOffEntry",
    "VerifyResult",
    "display_url",
    "entry_hash",
    "resolve_log_url",
    "to_url",
]
