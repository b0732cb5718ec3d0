"""No sentence in a report claims more than the decision computed.

Each scenario builds a real decision on a small synthetic scorecard and checks the Markdown, the
HTML's text and the JSON record: who was compared (exactly ``decision.considered``), what was
left out and why, whether any candidate satisfies every constraint (never "firm" when none
does), profiles that could not take part, what each profile's kinds resolved to, and the
incumbent (switch, keep, none named, left out).
"""

from __future__ import annotations

import html
import json
import math
import re

import pytest
from _report_helpers import NOW, ROWS, make_scorecard

from analysis.decision import build_decision, make_profile
from analysis.report import build_report, check_record, report_to_html, report_to_json, report_to_markdown

# ---- helpers ---------------------------------------------------------------------------------------
_TAG = re.compile(r"<[^>]+>")
_INLINE = re.compile(r"</?(?:span|i|strong|code|em|b)\b[^>]*>")


def _html_text(page: str) -> str:
    """The visible text of a report page (scripts and their JSON dropped, tags removed, entities decoded)."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    page = re.sub(r"<style\b.*?</style>", " ", page, flags=re.S)
    page = _INLINE.sub("", page)  # inline markup (swatches, code, emphasis) is part of the sentence
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", page)).replace("\u2060", ""))


def _md_text(md: str) -> str:
    """Markdown without its backslash escapes and emphasis (what a reader sees)."""
    text = re.sub(r"\\(.)", r"\1", md)
    return re.sub(r"\s+", " ", text.replace("**", ""))


def _outputs(scorecard, decision):
    report = build_report(scorecard, decision, now=NOW)
    record = json.loads(report_to_json(report))
    check_record(record)
    return report, _md_text(report_to_markdown(report)), _html_text(report_to_html(report)), record


def _decide(scorecard, profiles, **kwargs):
    kwargs = {"random_state": 0, "n_samples": 40, "group_samples": 30, "now": NOW} | kwargs
    return build_decision(scorecard, profiles, **kwargs)


QUALITY = make_profile("quality", {"roc_auc": 2, "log_loss": 1}, role="Data science")
SPEED = make_profile("speed", {"latency_ms_p99": 1, "cost_usd_per_million": 1}, role="Infrastructure")
VALUE = make_profile("value", {"net_value_per_1k": 1, "roc_auc": 1}, role="Sales")

_OVERCLAIMS = ("every candidate", "all candidates", "all 4 candidates", "all the candidates")


def _no_overclaim(text: str, decision) -> None:
    if set(decision.considered) != set(decision.candidates):
        for phrase in _OVERCLAIMS:
            assert phrase not in text.lower(), phrase


def _compared_claim(text: str, decision) -> None:
    """The sentence about who was compared names exactly the considered candidates."""
    n = len(decision.candidates)
    if set(decision.considered) == set(decision.candidates):
        assert f"The group rules compared all {n} candidates." in text
        return
    m = re.search(rf"The group rules compared {len(decision.considered)} of the {n} candidates \(([^)]*)\)", text)
    assert m, text[:2000]
    named = set(re.split(r", | and ", m.group(1)))
    assert named == set(decision.considered)


# ---- (a) no candidate satisfies every constraint -----------------------------------------------------
@pytest.fixture(scope="module")
def infeasible():
    sc = make_scorecard()
    profiles = (
        make_profile("quality", {"roc_auc": 1}, role="Data science", constraints=["roc_auc >= 0.9"]),
        make_profile("speed", {"latency_ms_p99": 1}, role="Infrastructure", constraints=["latency_ms_p99 <= 1"]),
    )
    d = _decide(sc, profiles)
    assert not d.any_feasible and d.no_feasible_reason
    return sc, d, *_outputs(sc, d)


def test_no_feasible_candidate_is_never_called_firm(infeasible):
    _sc, d, report, md, text, record = infeasible
    for out in (report.summary, md, text):
        assert "firm" not in out.lower()
        assert "No candidate satisfies every profile's constraints" in out or "No candidate satisfies every" in out
    assert "Recommendation: ship" not in report.summary
    assert "breaks at least one" in report.summary
    assert record["choice"]["any_feasible"] is False
    assert record["choice"]["no_feasible_reason"] == d.no_feasible_reason


def test_no_feasible_reason_is_quoted(infeasible):
    _sc, d, report, md, text, _record = infeasible
    # the failing constraints, as the decision states them
    for clause in ("'roc_auc >= 0.9' (quality) fails for", "'latency_ms_p99 <= 1' (speed) fails for"):
        assert clause in d.no_feasible_reason
        assert clause in report.summary
        assert clause in md and clause in text


def test_no_feasible_compared_sentence_is_exact(infeasible):
    _sc, d, report, md, text, record = infeasible
    assert record["choice"]["considered"] == list(d.considered)
    for out in (report.summary, md, text):
        _compared_claim(out, d)
        _no_overclaim(out, d)


# ---- (b) a candidate left out for missing figures ----------------------------------------------------
@pytest.fixture(scope="module")
def missing():
    rows = {k: dict(v) for k, v in ROWS.items()}
    rows["deep"]["roc_auc"] = math.nan
    sc = make_scorecard(rows)
    d = _decide(sc, (QUALITY, SPEED, VALUE))
    assert "deep" not in d.considered
    assert dict(d.excluded).get("deep")
    return sc, d, *_outputs(sc, d)


def test_excluded_candidate_is_named_with_its_reason(missing):
    _sc, d, report, md, text, record = missing
    reason = dict(d.excluded)["deep"]
    assert "roc_auc" in reason
    for out in (report.summary, md, text):
        assert f"deep ({reason})" in out
        _compared_claim(out, d)
        _no_overclaim(out, d)
    assert {"candidate": "deep", "reason": reason} in record["choice"]["excluded"]
    row = next(c for c in record["candidates"] if c["name"] == "deep")
    assert row["considered"] is False and row["left_out_reason"] == reason
    assert all(c["considered"] for c in record["candidates"] if c["name"] in d.considered)


def test_unscored_candidate_is_marked_in_the_profile_view(missing):
    _sc, _d, report, md, _text, _record = missing
    quality = next(p for p in report.why["profiles"] if p["name"] == "quality")
    assert "deep" in quality["unscored"]
    assert "Not scored (measurements missing): deep" in md


def test_partial_scores_are_marked():
    rows = {k: dict(v) for k, v in ROWS.items()}
    rows["deep"]["log_loss"] = math.nan
    sc = make_scorecard(rows)
    rescale = make_profile("quality", {"roc_auc": 3, "log_loss": 1}, role="Data science", missing="rescale")
    d = _decide(sc, (rescale, SPEED))
    assert dict(d.profile_result("quality").score.partial).get("deep") == ("log_loss",)
    report, md, text, record = _outputs(sc, d)
    prof = next(p for p in record["why"]["profiles"] if p["name"] == "quality")
    assert prof["partial"] == [{"candidate": "deep", "scored_without": ["log_loss"]}]
    line = "Scored on part of their objectives (weights rescaled over what was measured): deep (without Log loss)"
    assert line in md and line in text


# ---- (c) an incumbent named and not chosen --------------------------------------------------------------
@pytest.fixture(scope="module")
def switching():
    sc = make_scorecard()
    d = _decide(sc, (QUALITY, SPEED, VALUE), incumbent="logreg")
    assert d.incumbent == "logreg" and d.chosen not in (None, "logreg") and d.switch
    return sc, d, *_outputs(sc, d)


def test_switch_section_names_both_models(switching):
    _sc, d, report, md, text, record = switching
    title = f"What changes if we switch from logreg to {d.chosen}"
    assert f"## {title}" in report_to_markdown(report)
    assert title in text
    assert record["choice"]["incumbent"] == "logreg"
    assert record["choice"]["switch_to"] == d.chosen
    assert [r["objective"] for r in record["choice"]["switch"]] == [r.objective for r in d.switch]
    assert "It would replace logreg, the model in production today" in report.summary
    assert "In production today: logreg" in md


def _section(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i : text.index(end, i)]


def test_switch_rows_state_overlap_honestly(switching):
    _sc, d, report, md, text, _record = switching
    raw_md = report_to_markdown(report)
    section = _section(raw_md, "## What changes if we switch", "## Why")
    for out in (section, _section(text, "What changes if we switch", "Hard constraints")):
        assert "significant" not in out.lower()
        assert "neither is a significance test" in out
    md = section
    overlapping = [r for r in d.switch if r.clear is False]
    clear = [r for r in d.switch if r.clear is True]
    assert md.count("intervals overlap: may be noise") == len(overlapping)
    assert md.count("| do not overlap |") == len(clear)
    for r in d.switch:
        if r.better is True:
            assert re.search(rf"\| {re.escape(r.label)} \|[^\n]*\(better\)", md)
        elif r.better is False:
            assert re.search(rf"\| {re.escape(r.label)} \|[^\n]*\(worse\)", md)


def test_incumbent_left_out_is_said_with_its_reason():
    sc = make_scorecard()
    strict = make_profile("quality", {"roc_auc": 1}, role="Data science", constraints=["roc_auc >= 0.6"])
    d = _decide(sc, (strict, SPEED), incumbent="baseline")
    reason = dict(d.excluded)["baseline"]
    report, md, text, _record = _outputs(sc, d)
    assert f"The group rules left baseline out: {reason}." in report.summary
    assert f"The group rules left the incumbent baseline out: {reason}." in md
    assert f"What changes if we switch from baseline to {d.chosen}" in text


# ---- (d) the incumbent is chosen ------------------------------------------------------------------------
def test_incumbent_chosen_says_keep():
    sc = make_scorecard()
    d0 = _decide(sc, (QUALITY, SPEED, VALUE))
    d = _decide(sc, (QUALITY, SPEED, VALUE), incumbent=d0.chosen)
    assert d.chosen == d.incumbent and d.switch == ()
    report, md, text, record = _outputs(sc, d)
    assert f"## Keep {d.chosen}" in report_to_markdown(report)
    assert f"Keep {d.chosen}: the {d.rule} rule" in text
    assert f"This keeps {d.chosen}, the model in production today." in report.summary
    assert "What changes if we switch" not in md
    assert record["choice"]["switch"] == [] and record["choice"]["switch_to"] is None


def test_no_incumbent_says_how_to_name_one():
    sc = make_scorecard()
    d = _decide(sc, (QUALITY, SPEED, VALUE))
    assert d.incumbent is None
    report, md, text, record = _outputs(sc, d)
    assert "No model in production (incumbent) was named" in md
    assert "--incumbent NAME" in md and "--incumbent NAME" in text
    assert "No model in production (incumbent) was named" in report.summary
    assert record["choice"]["incumbent"] is None


# ---- profiles: resolution, notes, profiles that cannot take part ----------------------------------------
def test_default_roles_show_resolution_and_notes():
    sc = make_scorecard()
    d = _decide(sc, None)
    report, md, text, record = _outputs(sc, d)
    ml = next(p for p in record["why"]["profiles"] if p["name"] == "ml_engineer")
    assert ml["resolution"]["@primary_quality"] == ["roc_auc"]
    assert "Kinds of objective resolved: @primary_quality → ROC AUC" in md
    note = d.profile_result("ml_engineer").profile.notes[-1]
    assert note in ml["notes"]
    assert f"Note: {note}" in text


def test_profile_that_cannot_take_part_is_listed_with_its_reason():
    sc = make_scorecard()
    ghost = make_profile("ghost", {"recall": 1}, role="Marketing")
    d = _decide(sc, (QUALITY, SPEED, ghost))
    ghost_result = d.profile_result("ghost")
    assert ghost_result.score is None
    report, md, text, record = _outputs(sc, d)
    entry = next(x for x in record["choice"]["profiles_not_taking_part"] if x["profile"] == "ghost")
    reason = entry["reason"]
    assert reason
    assert f"Marketing could not take part ({reason.rstrip('.')})" in report.summary
    assert f"Could not take part in the group rules: Marketing ({reason})." in md
    assert f"takes no part: {reason}" in text
    assert "Marketing" not in report.summary.split("weighed")[0]


def test_older_decision_records_still_render():
    """A record from before incumbents and exclusions: nothing is claimed that it does not hold."""
    from analysis.decision import decision_to_dict

    sc = make_scorecard()
    data = decision_to_dict(_decide(sc, (QUALITY, SPEED, VALUE), incumbent="logreg"))
    for key in ("incumbent", "no_feasible_reason", "switch"):
        data.pop(key)
    data["group"].pop("excluded")
    for p in data["profiles"]:
        for key in ("takes_part", "cannot_take_part_reason", "resolution", "notes"):
            p.pop(key)
    report, md, text, record = _outputs(sc, data)
    assert record["choice"]["incumbent"] is None and record["choice"]["excluded"] == []
    assert "No model in production (incumbent) was named" in md
    for out in (report.summary, md, text):
        _compared_claim(out, _Considered(data))


class _Considered:
    """The two views of a decision record that :func:`_compared_claim` reads."""

    def __init__(self, data):
        self.considered = tuple(data["group"]["considered"])
        self.candidates = tuple(data["candidates"])


def test_one_compared_candidate_is_never_called_firm():
    sc = make_scorecard(ROWS)
    strict = make_profile("strict", {"roc_auc": 1, "log_loss": 1}, constraints=["roc_auc >= 0.865"])
    d = _decide(sc, [strict])
    assert d.considered == ("deep",)
    _, md, page, _ = _outputs(sc, d)
    for text in (md, page):
        assert "only candidate the group rules could compare" in text
        assert not re.search(r"(choice|pick) is (fairly )?firm", text, re.I)
        assert "came out on top in 100%" not in text


@pytest.mark.parametrize(
    ("rationale", "said"),
    [
        ("best compromise", "The team's reason: best compromise. "),
        ("  Cheapest to run!  ", "The team's reason: Cheapest to run! "),
        ("fits the budget (see notes)", "The team's reason: fits the budget (see notes). "),
    ],
)
def test_the_team_s_reason_is_one_sentence_of_the_summary(rationale, said):
    sc = make_scorecard()
    report = build_report(sc, _decide(sc, (QUALITY, SPEED, VALUE)), rationale=rationale, now=NOW)
    assert said in report.summary + " "
