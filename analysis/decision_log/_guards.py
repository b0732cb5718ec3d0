"""The log's entries table is append-only at the database, not only in the API.

SQLite: triggers ``tradeoffs_log_no_update`` and ``tradeoffs_log_no_delete`` raise on ``UPDATE`` and
``DELETE`` (SQLite has no ``TRUNCATE``). PostgreSQL: the trigger function
``tradeoffs_log_refuse_change()`` raises, and the statement-level triggers
``tradeoffs_log_no_update``, ``tradeoffs_log_no_delete`` and ``tradeoffs_log_no_truncate`` call it
before ``UPDATE``, ``DELETE`` and ``TRUNCATE`` (PostgreSQL 11 or newer). They are created with the
table, and :func:`restore_guards` adds any that are missing (a log created before they existed) or
re-enables any that were disabled, each time a :class:`~analysis.decision_log.DecisionLog` opens.

Triggers stop the application and anyone who does not own the table; the table's owner (or a
superuser) can disable or drop them. For a guarantee against the application's own account, give
it ``SELECT`` and ``INSERT`` only (``docs/decision_log.md``), and keep the anchored head hash that
``verify`` prints.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

TABLE = "tradeoffs_log_entries"
MESSAGE = "the Tradeoffs decision log is append-only"
#: The triggers each database gets, by SQLAlchemy dialect name.
GUARDS: dict[str, tuple[str, ...]] = {
    "sqlite": ("tradeoffs_log_no_update", "tradeoffs_log_no_delete"),
    "postgresql": ("tradeoffs_log_no_update", "tradeoffs_log_no_delete", "tradeoffs_log_no_truncate"),
}
PG_FUNCTION = "tradeoffs_log_refuse_change"
#: Serialises the creation of tables and triggers by concurrent first opens (pg_advisory_xact_lock).
PG_LOCK_KEY = 0x7472_6164_656F_6666  # "tradeoff"

_PG_FUNCTION_DDL = f"""\
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = '{MESSAGE}: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' is refused',
    HINT = 'a new decision supersedes an old one; nothing in the log is edited or removed';
END
$body$"""


def _operation(name: str) -> str:
    return name.rsplit("_", 1)[-1].upper()


def guard_ddl(dialect: str, name: str) -> str:
    """The statement that creates one trigger of :data:`GUARDS` on ``dialect``."""
    op = _operation(name)
    if dialect == "sqlite":
        return f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    return f"CREATE TRIGGER {name} BEFORE {op} ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"


def guard_state(conn: Connection) -> dict[str, bool]:
    """The guards present on the entries table: trigger name -> enabled."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        rows = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"), {"t": TABLE}
        )
        return {name: True for (name,) in rows}
    if dialect == "postgresql":
        rows = conn.execute(
            text("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = to_regclass(:t) AND NOT tgisinternal"),
            {"t": TABLE},
        )
        return {name: str(enabled) != "D" for name, enabled in rows}
    return {}


def lock_for_setup(conn: Connection) -> None:
    """On PostgreSQL, hold a transaction-scoped lock so that two first opens do not race."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})


def install_guards(conn: Connection, *, only: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Create the guards (or ``only`` these) on the connection's database; returns their names."""
    dialect = conn.dialect.name
    names = GUARDS.get(dialect, ())
    if only is not None:
        names = tuple(n for n in names if n in only)
    if names and dialect == "postgresql":
        conn.exec_driver_sql(_PG_FUNCTION_DDL)
    for name in names:
        conn.exec_driver_sql(guard_ddl(dialect, name))
    return names


def restore_guards(conn: Connection) -> tuple[str, ...]:
    """Add missing guards and re-enable disabled ones; returns the names that were repaired."""
    lock_for_setup(conn)
    state = guard_state(conn)
    wanted = GUARDS.get(conn.dialect.name, ())
    missing = tuple(n for n in wanted if n not in state)
    disabled = tuple(n for n in wanted if state.get(n) is False)
    install_guards(conn, only=missing)
    for name in disabled:
        conn.exec_driver_sql(f"ALTER TABLE {TABLE} ENABLE TRIGGER {name}")
    return missing + disabled
