"""DecisionLog: append, supersede, sign off, list, get; SQLite in memory and on file."""

from __future__ import annotations

import inspect

import pytest
from _log_helpers import at, make_report, make_scorecard

from analysis._errors import InputError
from analysis.decision_log import DEFAULT_LOG_PATH, DecisionLog, resolve_log_url, to_url
from analysis.report import build_report


@pytest.fixture(params=["memory", "file"])
def log(request, tmp_path):
    url = "sqlite://" if request.param == "memory" else str(tmp_path / "sub" / "log.sqlite")
    with DecisionLog(url) as store:
        yield store


def test_append_list_get_and_sign_off(log):
    report = make_report()
    first = log.append_decision(report, now=at(1), recorded_by="Ana")
    s1 = log.sign_off(first, role="Risk & compliance", name="Bo", comment="fine", now=at(2))
    s2 = log.sign_off(first, role="Manager", name="Cy", now=at(3))
    assert (first, s1, s2) == (1, 2, 3)
    [summary] = log.list()
    assert summary.chosen == report.chosen and summary.status == "current" and summary.signoffs == 2
    assert summary.rationale == "the compromise" and summary.recorded_by == "Ana"
    entry = log.get(first)
    assert [s.role for s in entry.signoffs] == ["Risk & compliance", "Manager"]
    assert entry.signoffs[0].at == at(2).isoformat()
    assert entry.report.signoffs[0].name == "Bo"  # the stored report comes back with its sign-offs
    assert entry.report.chosen == report.chosen
    assert log.verify().ok and log.verify().n_entries == 3


def test_a_new_decision_supersedes_the_old_one(log):
    old = log.append_decision(make_report(), now=at(1))
    new = log.append_decision(make_report("changed our minds", minutes=5), now=at(5), supersedes=old)
    status = {d.id: (d.status, d.superseded_by) for d in log.list()}
    assert status == {old: ("superseded", new), new: ("current", None)}
    assert log.get(old).superseded_by == new
    with pytest.raises(InputError, match="superseded by decision 2; sign off 2 instead"):
        log.sign_off(old, role="Manager", name="Cy", now=at(6))
    with pytest.raises(InputError, match="already superseded by decision 2"):
        log.append_decision(make_report(), now=at(7), supersedes=old)
    assert len(log.entries()) == 2  # refused writes leave nothing behind
    assert log.verify().ok


def test_refusals_name_the_problem(log):
    with pytest.raises(InputError, match="no decision 7"):
        log.sign_off(7, role="Manager", name="Cy", now=at(1))
    with pytest.raises(InputError, match="no decision 3"):
        log.get(3)
    with pytest.raises(InputError, match="needs a role and a name"):
        log.sign_off(1, role=" ", name="x", now=at(1))
    provisional = build_report(make_scorecard(), None, now=at(0))
    with pytest.raises(InputError, match="only a recorded decision"):
        log.append_decision(provisional, now=at(1))
    first = log.append_decision(make_report(), now=at(1))
    signoff = log.sign_off(first, role="Manager", name="Cy", now=at(2))
    with pytest.raises(InputError, match=f"no decision {signoff}"):
        log.sign_off(signoff, role="Manager", name="Cy", now=at(3))  # a sign-off is not a decision


def test_there_is_no_update_or_delete_api():
    public = {n for n, _ in inspect.getmembers(DecisionLog) if not n.startswith("_")}
    assert public == {
        "append_decision",
        "sign_off",
        "record_publication",
        "list",
        "get",
        "entries",
        "verify",
        "close",
        "engine",
    }
    assert not any(word in n for n in public for word in ("update", "delete", "remove", "edit", "set", "replace"))


def test_file_log_persists_and_two_writers_share_one_chain(tmp_path):
    path = tmp_path / "log.sqlite"
    a, b = DecisionLog(path), DecisionLog(f"sqlite:///{path}")
    d1 = a.append_decision(make_report(), now=at(1))
    b.sign_off(d1, role="Manager", name="Cy", now=at(2))
    d2 = a.append_decision(make_report(), now=at(3), supersedes=d1)
    b.sign_off(d2, role="Manager", name="Cy", now=at(4))
    a.close()
    b.close()
    with DecisionLog(path) as again:
        assert [e.id for e in again.entries()] == [1, 2, 3, 4]
        assert again.verify().ok


def test_urls_and_the_default_location(tmp_path):
    assert to_url("sqlite://") == "sqlite://"
    assert to_url(tmp_path / "x.sqlite") == f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert resolve_log_url(None, environ={}).endswith(DEFAULT_LOG_PATH.replace("~", "").lstrip("/"))
    assert resolve_log_url(None, environ={"TRADEOFFS_LOG_URL": "sqlite://"}) == "sqlite://"
    assert resolve_log_url("sqlite:///a.db", environ={"TRADEOFFS_LOG_URL": "sqlite://"}) == "sqlite:///a.db"
    with pytest.raises(InputError, match="cannot open the decision log"):
        DecisionLog("nosuchdialect://user@host/db")
