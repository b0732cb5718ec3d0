"""A decision file that check_decision_file accepts is one a report can read, whatever was edited in it.

Hypothesis puts a hostile value (wrong type, empty, huge, nested, or the field removed) at any path
of the golden decision (tests/report/golden/decision_input.json) and checks two things:

* the column-wise fast check (``_all_match``) and the field-by-field walk (``_check``) agree, so the
  fast path never lets through what the walk would refuse, nor refuses what it would let through;
* when the file passes, ``build_report``, the Markdown and JSON exporters and the two charts drawn
  from the decision's numbers (win shares, regret) run on it with no exception but InputError (a
  decision naming a candidate the scorecard lacks, say): the TypeErrors a report used to raise on
  a decision file's values (``float({})`` in a weight interval) cannot happen.
"""

from __future__ import annotations

import copy

import pytest
from _report_helpers import NOW, golden_decision, make_scorecard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis._errors import InputError
from analysis.decision._export import _DECISION_FILE, _all_match, _check, _Wrong, check_decision_file
from analysis.report import (
    build_report,
    make_report_regret_figure,
    make_report_win_share_figure,
    report_to_json,
    report_to_markdown,
)

_DROP = object()
HOSTILE_VALUES = (
    None,
    True,
    0,
    -1,
    1.5,
    1e308,
    10**30,
    "",
    "x" * 300,
    "0.5",
    "<script>",
    [],
    {},
    [1, "a"],
    {"a": None},
    [None],
    _DROP,
)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def _edited(data: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(data)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    if value is _DROP:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


def _walk_refuses(data) -> bool:
    try:
        _check(data, _DECISION_FILE)
    except _Wrong:
        return True
    return False


@pytest.fixture(scope="module")
def seed():
    return golden_decision()


@pytest.fixture(scope="module")
def seed_paths(seed):
    return [p for p in _paths(seed) if p]


@pytest.fixture(scope="module")
def scorecard():
    return make_scorecard()


def test_the_seed_passes_and_makes_a_report(seed, scorecard):
    check_decision_file(seed, "decision_input.json")
    assert "gbm" in report_to_markdown(build_report(scorecard, seed, now=NOW))


def test_the_weight_interval_the_fuzzer_found_is_refused_before_the_report(seed):
    edited = _edited(seed, ("profiles", 0, "sensitivity", "weight_intervals", 0, "low"), {})
    with pytest.raises(InputError, match=r"profiles\[0\]\.sensitivity\.weight_intervals\[0\]\.low is \{\}"):
        check_decision_file(edited, "d.json")


@settings(
    max_examples=80,
    derandomize=True,  # the same inputs on every run
    deadline=None,  # nothing here is about time
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_edit_is_refused_or_readable_by_a_report(seed, seed_paths, scorecard, data):
    path = data.draw(st.sampled_from(seed_paths), label="path")
    value = data.draw(st.sampled_from(HOSTILE_VALUES), label="value")
    edited = _edited(seed, path, value)
    assert _all_match([edited], _DECISION_FILE) != _walk_refuses(edited), "the fast check and the walk disagree"
    try:
        check_decision_file(edited, "d.json")
    except InputError:
        return
    try:
        report = build_report(scorecard, edited, now=NOW)
    except InputError:
        return
    assert report_to_markdown(report) and report_to_json(report)
    # the two charts drawn from the decision's own numbers (the HTML export draws them; it is too slow here)
    make_report_win_share_figure(report)
    make_report_regret_figure(report)
