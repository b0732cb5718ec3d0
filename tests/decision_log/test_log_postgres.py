"""PostgreSQL only: the role with SELECT and INSERT only (docs/decision_log.md), concurrent writers,
and database errors worded in one line."""

from __future__ import annotations

import logging
import threading

import pytest
from _log_helpers import at, make_report
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from analysis._errors import InputError
from analysis.decision_log import DecisionLog


def _grant(pg_admin, schema: str, role: str, privileges: str) -> None:
    # The statements docs/decision_log.md gives, for the test's schema.
    with pg_admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {role}"))
        tables = f"{schema}.tradeoffs_log_entries, {schema}.tradeoffs_log_meta"
        conn.execute(text(f"GRANT {privileges} ON {tables} TO {role}"))


def test_an_insert_and_select_role_cannot_change_the_log_even_without_triggers(
    pg_server, pg_admin, pg_schema, pg_url, caplog
):
    with DecisionLog(pg_url) as owner:  # the owner creates the tables, with their triggers
        owner.append_decision(make_report(), now=at(1))
    role = f"app_{pg_schema}"
    _grant(pg_admin, pg_schema, role, "SELECT, INSERT")
    app_url = pg_server.schema_url(pg_schema, role)
    with DecisionLog(app_url) as app:
        assert app.sign_off(1, role="Manager", name="Cy", now=at(2)) == 2
    with DecisionLog(pg_url) as owner, owner.engine.begin() as conn:
        conn.execute(text("ALTER TABLE tradeoffs_log_entries DISABLE TRIGGER USER"))
    with caplog.at_level(logging.WARNING, logger="analysis.decision_log"), DecisionLog(app_url) as app:
        # The account cannot switch the triggers back on: a warning, and the log still opens.
        assert "this account cannot restore them" in caplog.text and "must be owner" in caplog.text
        for statement in (
            "UPDATE tradeoffs_log_entries SET name = 'Mallory'",
            "DELETE FROM tradeoffs_log_entries",
            "TRUNCATE tradeoffs_log_entries",
        ):
            with pytest.raises(DatabaseError, match="permission denied for table tradeoffs_log_entries"):
                with app.engine.begin() as conn:
                    conn.execute(text(statement))
        assert app.verify().ok and app.verify().n_entries == 2


def test_a_refused_write_is_one_line_without_sql(pg_server, pg_admin, pg_schema, pg_url):
    DecisionLog(pg_url).close()
    role = f"reader_{pg_schema}"
    _grant(pg_admin, pg_schema, role, "SELECT")
    with DecisionLog(pg_server.schema_url(pg_schema, role)) as reader:
        with pytest.raises(InputError) as info:
            reader.append_decision(make_report(), now=at(1), recorded_by="Ana")
    message = str(info.value)
    assert message.startswith("cannot write to the decision log at postgresql+psycopg://")
    assert message.endswith(": permission denied for table tradeoffs_log_entries")
    assert "\n" not in message and "INSERT" not in message and "Ana" not in message


def test_concurrent_writers_share_one_chain(pg_url):
    with DecisionLog(pg_url) as store:
        store.append_decision(make_report(), now=at(0))
        errors: list[BaseException] = []

        def sign(k: int) -> None:
            try:
                for j in range(2):  # each writer loses at most 4 races (the others' writes) < 8 retries
                    store.sign_off(1, role="Manager", name=f"writer {k}.{j}", now=at(1))
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)

        threads = [threading.Thread(target=sign, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert [e.id for e in store.entries()] == list(range(1, 8))
        assert store.verify().ok


def test_an_unreachable_server_is_one_line(pg_server):
    dead = pg_server.url_for("postgres").replace(f":{pg_server.port}/", ":1/")
    with pytest.raises(InputError) as info:
        DecisionLog(dead)
    message = str(info.value)
    assert message.startswith("cannot open the decision log at postgresql+psycopg://postgres@127.0.0.1:1/postgres: ")
    assert "\n" not in message and "Connection refused" in message
