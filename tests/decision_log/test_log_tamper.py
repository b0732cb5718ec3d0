"""Tampering is refused by SQLite and, once forced, found by verify (first broken entry named)."""

from __future__ import annotations

import pytest
from _log_helpers import at, make_report
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from analysis._errors import InputError
from analysis.decision_log import DecisionLog, entry_hash
from analysis.decision_log._tables import entries


@pytest.fixture(params=["memory", "file"])
def log(request, tmp_path):
    url = "sqlite://" if request.param == "memory" else str(tmp_path / "log.sqlite")
    with DecisionLog(url) as store:
        d1 = store.append_decision(make_report(), now=at(1))
        store.sign_off(d1, role="Risk & compliance", name="Bo", now=at(2))
        d3 = store.append_decision(make_report("second thoughts"), now=at(3), supersedes=d1)
        store.sign_off(d3, role="Manager", name="Cy", now=at(4))
        assert store.verify().ok
        yield store


def _force(store, statement):
    """What an attacker with write access to the file does: drop the guards, then change rows."""
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS tradeoffs_log_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS tradeoffs_log_no_delete"))
        conn.execute(statement)


def test_sqlite_refuses_updates_and_deletes(log):
    for statement in (update(entries).where(entries.c.id == 1).values(chosen="x"), delete(entries)):
        with pytest.raises(DatabaseError, match="append-only"):
            with log.engine.begin() as conn:
                conn.execute(statement)
    assert log.verify().ok


def test_a_changed_field_is_found(log):
    _force(log, update(entries).where(entries.c.id == 2).values(name="Mallory"))
    result = log.verify()
    assert not result.ok and result.broken_id == 2 and "fields were changed" in result.reason
    assert result.n_entries == 1


def test_a_changed_report_is_found(log):
    payload = log.get(3).report_json.replace("second thoughts", "first thoughts")
    _force(log, update(entries).where(entries.c.id == 3).values(payload=payload))
    result = log.verify()
    assert not result.ok and result.broken_id == 3 and "content" in result.reason


def test_a_rewritten_entry_with_recomputed_hashes_is_found(log):
    # The attacker also recomputes the entry's own hashes: the next entry no longer follows it.
    with log.engine.connect() as conn:
        row = dict(conn.execute(entries.select().where(entries.c.id == 2)).mappings().one())
    row["name"] = "Mallory"
    new_hash = entry_hash(row)
    _force(log, update(entries).where(entries.c.id == 2).values(name="Mallory", entry_hash=new_hash))
    result = log.verify()
    assert not result.ok and result.broken_id == 2 and "does not follow entry 2" in result.reason


def test_a_removed_entry_is_found(log):
    _force(log, delete(entries).where(entries.c.id == 2))
    result = log.verify()
    assert not result.ok and result.broken_id == 2 and "missing" in result.reason


def test_removal_from_the_end_needs_the_anchored_head(log):
    head = log.verify().head_hash
    _force(log, delete(entries).where(entries.c.id == 4))
    assert log.verify().ok  # an unanchored log cannot tell it ever had entry 4
    result = log.verify(expected_head=head)
    assert not result.ok and result.broken_id is None and "removed from its end" in result.reason


def test_a_publication_is_chained_and_a_changed_one_is_found(log):
    details = {"registered_model": "churn", "version": "3", "alias": "champion", "tags": {"k": "v"}}
    pid = log.record_publication(3, target="mlflow", details=details, summary="alias champion -> 3", now=at(5), by="Al")
    assert log.verify().ok and log.verify().n_entries == 5
    (published,) = log.get(3).publications
    assert (published.id, published.target, published.by, published.details) == (pid, "mlflow", "Al", details)
    assert log.get(1).publications == ()
    with log.engine.connect() as conn:
        changed = conn.execute(entries.select().where(entries.c.id == pid)).mappings().one()["payload"]
    _force(log, update(entries).where(entries.c.id == pid).values(payload=changed.replace('"3"', '"4"')))
    result = log.verify()
    assert not result.ok and result.broken_id == pid and "changed after it was written" in result.reason


def test_a_publication_of_a_decision_that_is_not_there_is_refused(log):
    with pytest.raises(InputError):
        log.record_publication(99, target="mlflow", details={}, summary="x", now=at(5))
    assert log.verify().n_entries == 4
