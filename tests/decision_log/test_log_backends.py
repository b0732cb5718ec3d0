"""The same log on SQLite and on a real PostgreSQL server: append-only at the database, field
lengths checked before any SQL, the head hash as an external anchor."""

from __future__ import annotations

import pandas as pd
import pytest
from _log_helpers import ROWS, at, make_report
from sqlalchemy import delete, event, text, update
from sqlalchemy.exc import DatabaseError

from analysis._errors import InputError
from analysis.decision import build_decision
from analysis.decision_log import DecisionLog, entry_hash
from analysis.decision_log._guards import GUARDS, PG_FUNCTION, guard_state
from analysis.decision_log._tables import entries
from analysis.report import build_report
from analysis.scorecard import scorecard_from_metrics_table


def _filled(url: str) -> DecisionLog:
    store = DecisionLog(url)
    d1 = store.append_decision(make_report(), now=at(1), recorded_by="Ana")
    store.sign_off(d1, role="Risk & compliance", name="Bo", now=at(2))
    d3 = store.append_decision(make_report("second thoughts"), now=at(3), supersedes=d1)
    store.sign_off(d3, role="Manager", name="Cy", comment="fine", now=at(4))
    return store


def _unguarded(store: DecisionLog, *statements) -> None:
    """What the table's owner can still do: switch the triggers off, then change rows."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE tradeoffs_log_entries DISABLE TRIGGER USER"))
        else:
            for name in GUARDS["sqlite"]:
                conn.execute(text(f"DROP TRIGGER {name}"))
        for statement in statements:
            conn.execute(statement)


@pytest.fixture
def filled(log_url):
    with _filled(log_url) as store:
        yield store


def test_the_database_refuses_update_delete_and_truncate(filled):
    dialect = filled.engine.dialect.name
    refused = [
        update(entries).where(entries.c.id == 1).values(chosen="knn"),
        delete(entries).where(entries.c.id == 4),
        text("UPDATE tradeoffs_log_entries SET name = 'Mallory'"),
    ]
    if dialect == "postgresql":  # statement-level triggers: even a change of nothing is refused
        refused += [text("TRUNCATE tradeoffs_log_entries"), delete(entries).where(entries.c.id == 999)]
    for statement in refused:
        with pytest.raises(DatabaseError, match="append-only"):
            with filled.engine.begin() as conn:
                conn.execute(statement)
    with filled.engine.connect() as conn:
        assert set(guard_state(conn)) == set(GUARDS[dialect])
    result = filled.verify()
    assert result.ok and result.n_entries == 4
    assert result.head_hash == filled.entries()[-1].entry_hash


def test_the_chain_verifies_and_an_anchor_survives_later_entries(filled):
    entries_now = filled.entries()
    assert [e.prev_hash for e in entries_now[1:]] == [e.entry_hash for e in entries_now[:-1]]
    anchor = filled.verify().head_hash
    filled.sign_off(3, role="Sales", name="Di", now=at(5))
    result = filled.verify(expected_head=anchor.upper())
    assert result.ok and result.anchor_id == 4 and result.n_entries == 5
    assert filled.verify(expected_head="0" * 64).anchor_id == 0  # the empty log's head is in every chain


def test_a_deleted_last_entry_is_caught_by_the_anchored_head(filled):
    anchor = filled.verify().head_hash
    _unguarded(filled, delete(entries).where(entries.c.id == 4))
    assert filled.verify().ok  # the chain alone cannot tell that it once had entry 4
    result = filled.verify(expected_head=anchor)
    assert not result.ok and result.broken_id is None and result.n_entries == 3
    assert "is not in the log" in result.reason and "removed from its end" in result.reason


def test_a_rehashed_chain_is_caught_by_the_anchored_head(filled):
    anchor = filled.verify().head_hash
    with filled.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(entries.select().order_by(entries.c.id)).mappings()]
    rows[1]["name"] = "Mallory"  # rewrite sign-off 2, then recompute every hash after it
    statements = []
    for i in range(1, len(rows)):
        rows[i]["prev_hash"] = rows[i - 1]["entry_hash"]
        rows[i]["entry_hash"] = entry_hash(rows[i])
        statements.append(
            update(entries)
            .where(entries.c.id == rows[i]["id"])
            .values(name=rows[i]["name"], prev_hash=rows[i]["prev_hash"], entry_hash=rows[i]["entry_hash"])
        )
    _unguarded(filled, *statements)
    # Sign-off 4 names decision 3's old hash, so this rewrite is caught without an anchor too...
    assert not filled.verify().ok
    # ...but the anchored head catches any rewrite: the anchored hash is gone.
    result = filled.verify(expected_head=anchor)
    assert not result.ok and result.n_entries < 4


def test_a_log_without_its_triggers_gets_them_back_on_open(log_url):
    with DecisionLog(log_url) as store, store.engine.begin() as conn:
        dialect = conn.dialect.name
        for name in GUARDS[dialect]:
            conn.execute(text(f"DROP TRIGGER {name}" + (" ON tradeoffs_log_entries" if dialect != "sqlite" else "")))
        if dialect == "postgresql":
            conn.execute(text(f"DROP FUNCTION {PG_FUNCTION}()"))
        assert guard_state(conn) == {}
    with DecisionLog(log_url) as again, again.engine.connect() as conn:
        assert guard_state(conn) == dict.fromkeys(GUARDS[dialect], True)
    if dialect == "postgresql":  # disabled triggers are switched back on
        with DecisionLog(log_url) as store, store.engine.begin() as conn:
            conn.execute(text("ALTER TABLE tradeoffs_log_entries DISABLE TRIGGER USER"))
            assert not any(guard_state(conn).values())
        with DecisionLog(log_url) as again, again.engine.connect() as conn:
            assert all(guard_state(conn).values())


def _sql_during(store: DecisionLog, call) -> list[str]:
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return statements


LONG = "x" * 300


def test_an_overlong_field_is_refused_before_any_sql(filled):
    cases = [
        (
            lambda: filled.append_decision(make_report(), now=at(5), supersedes=3, recorded_by=LONG),
            "the name of who records the decision (--by)",
            256,
        ),
        (lambda: filled.sign_off(3, role="Manager", name=LONG, now=at(5)), "the sign-off's name (--name)", 256),
        (lambda: filled.sign_off(3, role=LONG, name="Cy", now=at(5)), "the sign-off's role (--role)", 256),
        (lambda: filled.sign_off(3, role="Manager", name="Cy", now=LONG), "the time of the entry (`now`)", 64),
    ]
    for call, field, limit in cases:
        with pytest.raises(InputError) as info:
            assert _sql_during(filled, call) == []
        assert str(info.value) == f"{field} is 300 characters long; the decision log keeps at most {limit}: shorten it."
    assert len(filled.entries()) == 4


def test_the_limit_itself_fits_on_every_backend(filled):
    new = filled.sign_off(3, role="r" * 256, name="n" * 256, comment="c" * 10_000, now=at(5))
    entry = filled.get(3).signoffs[-1]
    assert (entry.id, len(entry.role), len(entry.name), len(entry.comment)) == (new, 256, 256, 10_000)
    assert filled.verify().ok


def test_text_a_database_cannot_store_is_refused_the_same_way(filled):
    cases = [
        ({"comment": "a\x00b"}, "the sign-off's comment (--comment) contains a NUL character (\\x00)"),
        ({"name": "caf\udce9"}, "the sign-off's name (--name) holds bytes that are not valid UTF-8"),
    ]
    for kwargs, expected in cases:
        args = {"role": "Manager", "name": "Cy", **kwargs}
        with pytest.raises(InputError) as info:
            assert _sql_during(filled, lambda args=args: filled.sign_off(3, now=at(5), **args)) == []
        assert str(info.value).startswith(expected)
    assert len(filled.entries()) == 4


def test_an_id_no_column_can_hold_is_no_such_decision(filled):
    for bad in (0, -1, 2**31, 10**15):
        with pytest.raises(InputError, match=f"there is no decision {bad} in the log"):
            filled.sign_off(bad, role="Manager", name="Cy", now=at(5))
        with pytest.raises(InputError, match=f"there is no decision {bad} in the log"):
            filled.get(bad)
    with pytest.raises(InputError, match=f"there is no decision {10**15}"):
        filled.append_decision(make_report(), now=at(5), supersedes=10**15)


def test_a_candidate_name_longer_than_its_column_is_refused(log_url):
    rows = [{**r, "candidate": r["candidate"] + "_" + "v" * 520} for r in ROWS]
    sc = scorecard_from_metrics_table(pd.DataFrame(rows), directions={}, source="runs.csv")
    report = build_report(sc, build_decision(sc, random_state=0, n_samples=30, group_samples=10, now=at(0)), now=at(0))
    with DecisionLog(log_url) as store:
        with pytest.raises(InputError) as info:
            assert _sql_during(store, lambda: store.append_decision(report, now=at(1))) == []
        assert str(info.value) == (
            f"the chosen candidate's name is {len(report.chosen)} characters long; the decision log keeps at most 512: "
            "shorten it."
        )
        assert store.entries() == ()
