"""Consensus page: the group's choice before its sensitivity checks are done, and failures in one sentence.

The full decision (every sensitivity check) is held on an event in these tests, as it takes 10-20
CPU-seconds at 10,000 candidates: the page must show the choice from the quick decision meanwhile,
never a placeholder as a result, and fill in the checks by itself once they are done. Nothing is
timed here (``bench/bench_app_browser.py`` measures the pages in a real browser).
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _app_helpers import charts, group_choice, new_app, run_until, texts

from analysis._errors import InputError
from analysis.scorecard import Scorecard, save_scorecard, scorecard_from_metrics_table
from app.ui import services

#: Candidates in the synthetic scorecard: enough that the page cannot be checked by eye, few enough to be quick.
N = 320
#: "Something went wrong while <what>; error id <6 hex digits>. The server log has the details."
FAILURE = r"Something went wrong while {what}; error id ([0-9a-f]{{6}})\. The server log has the details\."


def sweep_scorecard(builtin: Scorecard, n: int, *, seed: int = 0) -> Scorecard:
    """``n`` candidates: the fixture's ten as they are, then copies with every value moved by about 3% (seeded).

    The built-in scenario's objective and candidate names are kept, so its stakeholder profiles (and
    the constraints naming its candidates) apply.
    """
    base = builtin.to_frame()
    rng = np.random.default_rng(seed)
    values = base.to_numpy(dtype=float)[np.arange(n) % len(base)]
    factor = rng.normal(1.0, 0.03, values.shape)
    factor[: len(base)] = 1.0
    names = [*base.index, *(f"{base.index[i % len(base)]}_{i:04d}" for i in range(len(base), n))]
    frame = pd.DataFrame(values * factor, columns=base.columns)
    frame.insert(0, "candidate", names)
    directions = {o.name: o.direction for o in builtin.objectives}
    return scorecard_from_metrics_table(frame, directions=directions, source="sweep.csv")


def use_sweep(builtin: Scorecard, folder: Path, monkeypatch) -> Path:
    """Make a synthetic scorecard of :data:`N` candidates the dashboard's default; returns its path."""
    path = save_scorecard(sweep_scorecard(builtin, N), folder / "sweep.json")
    monkeypatch.setenv("TRADEOFFS_DEFAULT_SCORECARD", str(path))
    return path


def hold_full_decision(monkeypatch) -> threading.Event:
    """The full decision (with its sensitivity checks) waits until the event is set; the quick one runs at once."""
    release = threading.Event()
    build = services.build_decision

    def held_build(*args, sensitivity: bool = True, **kwargs):
        if sensitivity:
            release.wait(120)
        return build(*args, sensitivity=sensitivity, **kwargs)

    monkeypatch.setattr(services, "build_decision", held_build)
    return release


@pytest.fixture
def sweep(builtin, tmp_path, monkeypatch):
    return use_sweep(builtin, tmp_path, monkeypatch)


@pytest.fixture
def held(monkeypatch):
    release = hold_full_decision(monkeypatch)
    yield release
    release.set()  # never leave the decision thread waiting


def _titles(at) -> list[str]:
    return [json.loads(c)["layout"]["meta"]["title"] for c in charts(at)]


def test_the_choice_shows_before_the_sensitivity_checks_and_they_fill_in_by_themselves(sweep, held):
    chosen = group_choice(sweep)  # the library's full decision on the same inputs
    at = new_app("consensus")
    run_until(at, lambda at: "The group's choice" in texts(at))
    body = texts(at)
    assert f"The group's choice: {chosen}" in body
    rules = at.table[0].value
    assert len(rules) == 5 and rules.loc[next(r for r in rules.index if "(chosen)" in r), "picks"] == chosen
    assert "Regret" in " ".join(_titles(at))  # the rules' comparison is drawn already
    favourites = next(d.value for d in at.dataframe if "favourite" in d.value.columns)
    assert len(favourites) >= 3 and favourites["favourite"].notna().all()
    # The checks are announced as running, and none of their placeholders is shown as a result.
    assert f"Checking how firm the choice is for {N} candidates in the background" in body
    assert "what-if draws (everyone's weights nudged and every" not in body and "Leave one out" not in body
    assert "Statistical ties" not in body and "statistically tied" not in body
    assert "not computed" not in body and "sensitivity=False" not in body
    assert not any(t.startswith(("How often", "Weight stability")) for t in _titles(at))
    assert not [s for s in at.selectbox if s.label == "Stakeholder"]

    held.set()
    run_until(at, lambda at: "in the background" not in texts(at))
    body = texts(at)
    assert not at.exception and f"The group's choice: {chosen}" in body  # the same choice, now with its checks
    assert "what-if draws" in body and "Leave one out" in body and "Statistical ties" in body
    assert [s for s in at.selectbox if s.label == "Stakeholder"]


def test_a_small_scorecard_is_shown_whole_at_once(monkeypatch):
    monkeypatch.setattr(services, "DECISION_WAIT_S", 60.0)  # however busy the machine, ten candidates are done in it
    at = new_app("consensus")  # the fixture's ten candidates: the full decision is done within the wait
    body = texts(at)
    assert "The group's choice" in body and "in the background" not in body
    assert "what-if draws" in body and "Leave one out" in body


def test_an_unexpected_failure_is_one_sentence_with_an_error_id_and_the_traceback_goes_to_the_log(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("internal detail /srv/secret.py")

    monkeypatch.setattr(services, "build_decision", broken)
    monkeypatch.setattr(services, "DECISION_WAIT_S", 60.0)  # the page waits until both have failed (at once)
    at = new_app("consensus")
    assert not at.exception
    (error,) = [e.value for e in at.error]
    match = re.fullmatch(FAILURE.format(what="making the group decision"), error)
    assert match, error
    assert "internal detail" not in texts(at) and "Traceback" not in texts(at) and "RuntimeError" not in texts(at)
    logged = [r.getMessage() for r in caplog.records if r.name == "tradeoffs.app"]
    assert any(match.group(1) in m and "RuntimeError: internal detail" in m for m in logged)


def test_a_failure_in_the_sensitivity_checks_keeps_the_choice_and_says_so_where_they_go(monkeypatch, caplog):
    build = services.build_decision

    def checks_fail(*args, sensitivity: bool = True, **kwargs):
        if sensitivity:
            raise RuntimeError("the draws broke")
        return build(*args, sensitivity=sensitivity, **kwargs)

    monkeypatch.setattr(services, "build_decision", checks_fail)
    monkeypatch.setattr(services, "DECISION_WAIT_S", 60.0)  # the page waits until the checks have failed (at once)
    at = new_app("consensus")
    assert not at.exception
    assert f"The group's choice: {group_choice()}" in texts(at)
    (error,) = [e.value for e in at.error]
    match = re.fullmatch(FAILURE.format(what="checking how firm the group's choice is"), error)
    assert match, error
    assert "the draws broke" not in texts(at) and "what-if draws (everyone" not in texts(at)
    assert any(match.group(1) in r.getMessage() for r in caplog.records if r.name == "tradeoffs.app")


def test_a_decision_the_inputs_cannot_make_keeps_its_own_message(monkeypatch):
    def refused(*args, **kwargs):
        raise InputError("no stakeholder profiles given; pass a profile file or use the defaults.")

    monkeypatch.setattr(services, "build_decision", refused)
    at = new_app("consensus")
    assert [e.value for e in at.error] == [
        "The group decision could not be made: no stakeholder profiles given; pass a profile file or use the defaults."
    ]
