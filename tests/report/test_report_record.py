"""The report record: sections, statuses, round trip, schema, and guards on its inputs."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from _report_helpers import NOW, golden_decision, golden_report, make_scorecard

from analysis._errors import InputError
from analysis.report import (
    RECORD_SCHEMA,
    build_report,
    check_record,
    record_schema,
    report_from_json,
    report_tables_to_csv,
    report_to_html,
    report_to_json,
    report_to_markdown,
    validate_schema,
)


def _reports():
    sc = make_scorecard()
    return {
        "decided": golden_report(),
        "provisional": build_report(sc, golden_decision(), now=NOW, provisional=True),
        "none": build_report(sc, None, now=NOW),
    }


@pytest.mark.parametrize("status", ["decided", "provisional", "none"])
def test_every_status_validates_against_the_schema(status):
    report = _reports()[status]
    assert report.status == status
    data = json.loads(report_to_json(report))
    assert data["schema"] == RECORD_SCHEMA
    assert validate_schema(data, record_schema()) == []
    check_record(data)


@pytest.mark.parametrize("status", ["decided", "provisional", "none"])
def test_schema_agrees_with_jsonschema(status):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(record_schema())
    validator.check_schema(record_schema())
    data = json.loads(report_to_json(_reports()[status]))
    assert [e.message for e in validator.iter_errors(data)] == []


def test_validator_reports_what_is_wrong():
    data = json.loads(report_to_json(golden_report()))
    del data["summary"]
    data["status"] = "maybe"
    data["metrics"][0]["value"] = "high"
    errors = validate_schema(data, record_schema())
    assert any("missing required field 'summary'" in e for e in errors)
    assert any("$.status" in e for e in errors)
    assert any("$.metrics[0].value" in e for e in errors)
    with pytest.raises(InputError, match="not a valid decision record"):
        check_record(data)


def test_json_round_trips_exactly():
    report = golden_report()
    text = report_to_json(report)
    back = report_from_json(text)
    assert back == report
    assert report_to_json(back) == text


def test_newer_record_version_is_refused():
    data = json.loads(report_to_json(golden_report()))
    data["schema_version"] = 99
    with pytest.raises(InputError, match="schema version 99"):
        report_from_json(json.dumps(data))


def test_no_decision_says_so_everywhere():
    report = _reports()["none"]
    assert report.choice is None and report.chosen is None
    assert "No decision has been recorded" in report.summary
    md = report_to_markdown(report)
    assert "no decision recorded" in md.lower()
    assert report.title == "Model comparison: no decision recorded"


def test_provisional_report_is_labelled():
    report = _reports()["provisional"]
    assert report.status == "provisional"
    assert "No decision has been recorded" in report.summary
    assert "No decision recorded. What follows is what the group rule would pick" in report_to_markdown(report)


def test_content_sections_of_the_decided_report():
    r = golden_report()
    assert r.chosen == golden_decision()["chosen"]
    assert [s.role for s in r.signoffs] == ["Risk & compliance", "Manager"]
    assert r.rationale and r.rationale in r.summary
    assert {p["name"] for p in r.why["profiles"]} == {p["name"] for p in golden_decision()["profiles"]}
    assert set(r.why["regret"]) == set(golden_decision()["group"]["regret"])
    assert r.robustness["n_samples"] == golden_decision()["sensitivity"]["n_samples"]
    assert list(r.fairness["groups_for"]) == [r.chosen]
    assert r.explanations["proxies"][0]["feature"] == "zone"
    assert r.serving["assumptions"]["instance"] == "c7i.large"
    assert r.drift["features"]["counts"]["major"] == 1
    prov = r.provenance
    assert prov["decision"]["matches_scorecard"] is True
    assert len(prov["scorecard"]["sha256"]) == 64 and len(prov["decision"]["sha256"]) == 64
    assert prov["generated_at"] == NOW.isoformat()


def test_floats_have_fixed_precision():
    data = json.loads(report_to_json(golden_report()))
    values = [m["value"] for m in data["metrics"] if isinstance(m["value"], float)]
    assert all(len(f"{v:.15g}".replace("-", "").replace(".", "").lstrip("0")) <= 6 for v in values)


def test_selected_candidate_overrides_the_rule_and_says_so():
    sc = make_scorecard()
    decision = golden_decision()
    other = next(c for c in decision["candidates"] if c != decision["chosen"])
    r = build_report(sc, decision, now=NOW, selected=other, rationale="Legal prefers it.")
    assert r.chosen == other and r.choice["group_choice"] == decision["chosen"]
    assert r.choice["overrides_group_choice"] is True
    assert f"The team chose {other}, not the group rule's pick {decision['chosen']}" in r.summary
    assert "Legal prefers it." in r.summary


def test_decision_from_another_scorecard_is_refused_or_flagged():
    decision = golden_decision()
    sc = make_scorecard()
    renamed = replace(sc, candidates=tuple(replace(c, name=c.name + "_x") for c in sc.candidates))
    with pytest.raises(InputError, match="made from another scorecard"):
        build_report(renamed, decision, now=NOW)
    changed = replace(sc, created_at="2027-01-01T00:00:00+00:00")
    r = build_report(changed, decision, now=NOW)
    assert any("check that they belong together" in w for w in r.warnings)
    assert r.provenance["decision"]["matches_scorecard"] is False


def test_bad_inputs_raise_input_errors():
    sc = make_scorecard()
    with pytest.raises(InputError, match="needs `now`"):
        build_report(sc, None, now="")
    with pytest.raises(InputError, match="not a Tradeoffs decision record"):
        build_report(sc, {"schema": "something else"}, now=NOW)
    with pytest.raises(InputError, match="needs a Scorecard"):
        build_report({"not": "a scorecard"}, None, now=NOW)
    with pytest.raises(InputError, match="not in the scorecard"):
        build_report(sc, golden_decision(), now=NOW, selected="nobody")
    with pytest.raises(InputError, match="lacks role"):
        build_report(sc, golden_decision(), now=NOW, signoffs=[{"name": "x", "at": "2026"}])


def test_csv_tables_cover_the_sections():
    tables = report_tables_to_csv(golden_report())
    assert {"candidates.csv", "metrics.csv", "profiles.csv", "fairness.csv", "serving.csv", "drift.csv"} <= set(tables)
    assert tables["metrics.csv"].splitlines()[0] == "candidate,objective,value,ci_low,ci_high"


def test_html_is_self_contained_and_has_every_chart():
    from analysis.report import make_report_figures

    report = golden_report()
    html = report_to_html(report)
    figures = make_report_figures(report)
    assert len(figures) == 9
    assert html.count('class="fig-data"') == len(figures)
    assert html.count("<script src") == 0 and 'src="http' not in html and "<link" not in html
    assert html.count("Content-Security-Policy") == 1
