"""Every page renders on the built-in scenario, guides when data is missing, and reacts to one interaction."""

from __future__ import annotations

import json

import pytest
from _app_helpers import charts, goto, new_app, run_until, settled, texts, widget

PAGES = (
    "overview",
    "data",
    "scorecard",
    "stakeholders",
    "tradeoffs",
    "operating_points",
    "consensus",
    "decision",
    "quality",
    "serving",
    "fairness",
    "explanations",
    "drift",
)


def test_every_page_renders_on_the_builtin_scenario():
    at = new_app()
    assert not at.exception
    for page in PAGES:
        goto(at, page)
        assert not at.error, (page, [e.value for e in at.error])
    assert "10 candidates" in "\n".join(str(m.value) for m in at.sidebar.markdown)


# ---- overview -------------------------------------------------------------------------------------
def test_overview_shows_the_scenario_and_each_favourite():
    at = new_app()
    assert at.title[0].value == "Tradeoffs"
    assert any("Restaurant" in s.value for s in at.subheader)
    favourites = at.table[0].value  # a static table, so its cells wrap on a narrow page
    assert len(favourites) == 6 and favourites["favourite"].notna().all()
    assert "cares most about" in favourites.columns


def test_sidebar_rule_goes_into_the_link():
    at = new_app()
    at.selectbox(key="w.rule").set_value("borda").run()
    assert at.query_params.get("rule") == "borda"


# ---- scorecard ------------------------------------------------------------------------------------
def test_scorecard_marks_front_ties_and_broken_constraints(builtin):
    at = new_app("scorecard")
    table = at.dataframe[0].value
    assert len(table) == len(builtin.candidates)
    assert table["Constraints"].str.startswith("✗").any()
    roc = next(c for c in table.columns if c.startswith("ROC AUC"))
    assert table[roc].str.startswith("★").sum() == 1
    assert table[roc].str.startswith("≈").any()
    assert "break a hard constraint" in texts(at)


def test_scorecard_focus_on_one_stakeholder_changes_the_front():
    at = new_app("scorecard")
    group = at.dataframe[0].value["Pareto-optimal"].tolist()
    widget(at, "selectbox", "Constraints and Pareto front of").set_value("sales").run()
    sales = at.dataframe[0].value
    assert group != sales["Pareto-optimal"].tolist()
    assert sales["Pareto-optimal"].str.startswith("✓").sum() == 2
    assert (sales["Constraints"] == "ok").all()  # sales' only constraint: beat the majority baseline


def test_scorecard_of_a_metrics_table_without_intervals(variant, builtin):
    variant(metrics=tuple(m.__class__(m.candidate, m.objective, m.value) for m in builtin.metrics), comparisons=())
    at = new_app("scorecard")
    table = at.dataframe[0].value
    assert not table.iloc[:, 2:].apply(lambda col: col.str.contains("±")).any().any()


# ---- stakeholders ---------------------------------------------------------------------------------
def _card_favourites(at) -> list[str]:
    return [str(s.value) for s in at.success if "Favourite" in str(s.value)]


def test_stakeholders_one_card_each_with_sliders_and_favourite():
    at = new_app("stakeholders")
    assert len(_card_favourites(at)) + sum("No candidate" in str(w.value) for w in at.warning) == 6
    assert any(s.key == "w.weight.0.sales.ad_fee_captured_per_1k" for s in at.slider)


def test_moving_a_weight_changes_the_ranking_and_the_link():
    at = new_app("stakeholders")
    before = _card_favourites(at)
    at.slider(key="w.weight.0.sales.ad_fee_captured_per_1k").set_value(0.0).run()
    at.slider(key="w.weight.0.sales.order_value_captured_per_1k").set_value(0.0).run()
    after = _card_favourites(at)
    assert before != after
    assert at.query_params["w.sales"].startswith("ad_fee_captured_per_1k:0,order_value_captured_per_1k:0")


def test_a_bad_constraint_is_shown_next_to_it():
    at = new_app("stakeholders")
    at.text_area(key="w.constraints.0.sales").set_value("ad_fee_captured_per_1k >> 3").run()
    assert any("cannot read" in str(e.value) and ">> 3" in str(e.value) for e in at.error)
    assert not at.exception


def test_loading_a_profile_file_replaces_the_cards():
    at = new_app("stakeholders")
    text = "profiles:\n  - name: cfo\n    role: Finance\n    weights: {net_value_per_1k: 1}\n"
    widget(at, "file_uploader", "Load a profile file").set_value(("p.yaml", text.encode(), "application/x-yaml"))
    at.run()
    assert any(m.value == "### Finance" for m in at.markdown)
    assert len(_card_favourites(at)) == 1


def test_a_broken_profile_file_is_refused_with_its_line():
    at = new_app("stakeholders")
    text = "profiles:\n  - name: cfo\n    weights: {net_value_per_1k: -1}\n"
    widget(at, "file_uploader", "Load a profile file").set_value(("bad.yaml", text.encode(), "application/x-yaml"))
    at.run()
    assert any("bad.yaml line 3" in str(e.value) for e in at.error)


def test_adding_a_stakeholder():
    at = new_app("stakeholders")
    widget(at, "text_input", "Short name").input("support")
    widget(at, "text_input", "Role").input("Customer support")
    widget(at, "multiselect", "What they care about").set_value(["recall"])
    at.button[[b.label for b in at.button].index("Add")].click().run()
    assert any(m.value == "### Customer support" for m in at.markdown)


# ---- trade-offs -----------------------------------------------------------------------------------
def test_tradeoffs_draws_the_front_with_reversed_min_axes():
    at = new_app("tradeoffs")
    spec = json.loads(charts(at)[0])
    assert any(t.get("name") == "Pareto front" for t in spec["data"])
    assert spec["layout"]["xaxis"]["autorange"] == "reversed"  # latency: lower is better
    assert "Latency p99" in spec["layout"]["xaxis"]["title"]["text"]


def test_tradeoffs_explains_a_dominated_candidate(builtin):
    from analysis.decision import compute_pareto, table_from_scorecard

    at = new_app("tradeoffs")
    axes = [widget(at, "selectbox", "Horizontal axis").value, widget(at, "selectbox", "Vertical axis").value]
    front = compute_pareto(table_from_scorecard(builtin), axes)
    # measured serving figures differ between fixtures: ask the library which candidate is dominated
    dominated = next(c for c, ok in zip(front.candidates, front.is_optimal, strict=True) if not ok)
    widget(at, "selectbox", "Explain a candidate").set_value(dominated).run()
    assert "is dominated by" in texts(at)
    widget(at, "selectbox", "Horizontal axis").set_value("net_value_per_1k").run()
    spec = json.loads(charts(at)[0])
    assert "autorange" not in spec["layout"]["xaxis"] or spec["layout"]["xaxis"]["autorange"] is True


def test_tradeoffs_with_a_single_objective_says_so(variant, builtin):
    keep = {"roc_auc"}
    variant(
        objectives=tuple(o for o in builtin.objectives if o.name in keep),
        metrics=tuple(m for m in builtin.metrics if m.objective in keep),
    )
    at = new_app("tradeoffs")
    assert "fewer than two objectives" in texts(at)


# ---- consensus ------------------------------------------------------------------------------------
def test_consensus_rules_regret_and_sensitivity():
    at = settled(new_app("consensus"))
    text = texts(at)
    assert "The group's choice" in text
    assert "what-if draws" in text and "Leave one out" in text
    rules = at.table[0].value
    assert len(rules) == 5 and "what it rewards" in rules.columns
    assert len(charts(at)) >= 3


def test_changing_the_rule_changes_the_choice():
    at = settled(new_app("consensus"))
    first = next(s.value for s in at.success if "group's choice" in s.value)
    at.selectbox(key="w.rule").set_value("borda").run()
    second = next(s.value for s in at.success if "group's choice" in s.value)
    assert first != second


def test_consensus_with_hundreds_of_candidates_computes_in_the_background_without_a_click(monkeypatch):
    import numpy as np
    import pandas as pd

    from app.ui import services

    monkeypatch.setattr(services, "DECISION_WAIT_S", 0.0)  # show the "computing" notice however fast it is
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"candidate": [f"c{i}" for i in range(400)], "roc_auc": rng.uniform(0.6, 0.9, 400)})
    at = new_app("data")
    widget(at, "radio", "What do you have?").set_value("A metrics table: one row per candidate").run()
    from _app_helpers import csv_bytes

    widget(at, "file_uploader", "Metrics table").set_value(("sweep.csv", csv_bytes(frame), "text/csv"))
    at.run()
    at.button(key="w.table.go").click().run()
    goto(at, "consensus")
    assert not any("anyway" in str(b.label) for b in at.button)  # no click asked for: it is computing
    assert "400 candidates in the background" in texts(at)
    run_until(at, lambda at: "in the background" not in texts(at))  # the page fills in by itself
    assert not at.exception
    assert "No group choice" in texts(at)  # roc_auc alone: no default role can rank (the record says so)


# ---- decision -------------------------------------------------------------------------------------
def test_decision_preselects_the_group_choice_and_records_signoffs():
    at = settled(new_app("decision"))
    pick = widget(at, "selectbox", "The candidate to ship")
    assert "(the group's choice)" in pick.format_func(pick.value)
    widget(at, "text_input", "Name").input("Ada")
    widget(at, "text_input", "Comment").input("fine by me")
    at.button[[b.label for b in at.button].index(f"Sign off on {pick.value}")].click().run()
    table = next(d.value for d in at.dataframe if "name" in d.value.columns)
    assert table["name"].tolist() == ["Ada"] and table["role"].tolist() == ["ML engineer"]
    # the built-in scenario names an incumbent: the page says what changes if we switch to the pick
    switch = next(t.value for t in at.table if "intervals" in t.value.columns)
    assert "ROC AUC" in switch.index.tolist()
    assert [b.label for b in at.get("download_button")] == ["HTML report", "Markdown report", "JSON decision record"]
    assert any(b.label == "Prepare PDF" for b in at.button)


def test_overriding_the_group_choice_warns():
    at = settled(new_app("decision"))
    pick = widget(at, "selectbox", "The candidate to ship")
    other = next(o for o in pick.options if o != pick.value)
    pick.set_value(other).run()
    assert any("overrides the group rule's choice" in str(w.value) for w in at.warning)


# ---- quality --------------------------------------------------------------------------------------
def test_quality_curves_and_significance():
    at = new_app("quality")
    titles = [json.loads(c)["layout"]["title"]["text"] for c in charts(at)]
    assert any(t.startswith("ROC curve") for t in titles)
    assert any(t.startswith("Calibration") for t in titles)
    assert any(t.startswith("Confusion matrix: ") for t in titles)
    assert "tied with the best (difference not significant)" in at.table[0].value.columns


def test_quality_metric_choice_changes_the_chart():
    at = new_app("quality")
    widget(at, "selectbox", "Metric").set_value("log_loss").run()
    assert json.loads(charts(at)[0])["layout"]["title"]["text"].startswith("Log loss")


def test_quality_without_curves_says_how_to_get_them(variant):
    variant(keep=("fairness",))
    at = new_app("quality")
    assert "No ROC, precision-recall or calibration curves" in texts(at)


# ---- serving --------------------------------------------------------------------------------------
def test_serving_latency_against_the_slo():
    at = new_app("serving")
    over = at.metric[0].value
    widget(at, "number_input", "Latency budget").set_value(0.5).run()
    assert at.metric[0].value != over
    assert any("SLO 0.5 ms" in c for c in charts(at))


def test_serving_missing_says_how_to_measure(variant):
    variant(keep=("fairness", "curves"))
    at = new_app("serving")
    assert "--serving" in texts(at)


def test_serving_cost_follows_the_edited_price():
    at = new_app("serving")
    cost = next(c for c in charts(at) if "Cost per million" in c)
    widget(at, "number_input", "Price (USD per hour)").set_value(10.0).run()
    assert next(c for c in charts(at) if "Cost per million" in c) != cost


# ---- fairness -------------------------------------------------------------------------------------
def test_fairness_slices_disparities_and_proxies():
    at = new_app("fairness")
    assert any("by group" in json.loads(c)["layout"]["title"]["text"] for c in charts(at))
    assert any("user_zone" in str(v) for v in at.dataframe[-1].value["proxies it uses"])


def test_fairness_intersections_and_small_group_warnings(variant, builtin):
    from analysis.scorecard import FrozenDict

    slices = tuple(FrozenDict({**dict(s), "small": True}) if s["group"] == "high & 55+" else s for s in builtin.slices)
    variant(keep=("fairness",), slices=slices)
    at = new_app("fairness")
    widget(at, "selectbox", "Sensitive attribute").set_value("income_band & age_band").run()
    assert any("high & 55+" in c for c in charts(at))
    assert any("smaller than" in str(w.value) and "high & 55+" in str(w.value) for w in at.warning)


def test_fairness_without_explanations_says_proxy_reliance_is_unknown(variant):
    variant(keep=("fairness",))
    at = new_app("fairness")
    assert "proxy reliance is unknown" in texts(at)


def test_fairness_without_slices_says_how(variant):
    variant(slices=())
    at = new_app("fairness")
    assert "--sensitive" in texts(at)


# ---- explanations ---------------------------------------------------------------------------------
def test_explanations_importance_comparison_and_one_row():
    at = new_app("explanations")
    titles = [json.loads(c)["layout"]["title"]["text"] for c in charts(at)]
    assert any(t.startswith("What logistic_regression relies on") for t in titles)
    assert any(t.startswith("Which features each candidate relies on") for t in titles)
    assert any(t.startswith("Why logistic_regression scored row") for t in titles)
    widget(at, "selectbox", "Candidate").set_value("random_forest").run()
    titles = [json.loads(c)["layout"]["title"]["text"] for c in charts(at)]
    assert any(t.startswith("What random_forest relies on") for t in titles)


def test_explanations_missing_says_how(variant):
    variant(keep=("curves",))
    at = new_app("explanations")
    assert "has no explanations" in texts(at)


# ---- drift ----------------------------------------------------------------------------------------
def test_drift_windows_backtest_and_features():
    at = new_app("drift")
    titles = [json.loads(c)["layout"]["title"]["text"] for c in charts(at)]
    assert any(t.startswith("ROC AUC over time") for t in titles)
    assert any(t.startswith("Backtest") for t in titles)
    assert any(t.startswith("Which features moved") for t in titles)
    widget(at, "selectbox", "Feature").set_value("cuisine").run()
    assert any(json.loads(c)["layout"]["title"]["text"].startswith("cuisine") for c in charts(at))


@pytest.mark.parametrize("keep", [("trend",), ()])
def test_drift_missing_sections_say_how(variant, keep):
    variant(keep=keep, **({} if keep else {"windows": ()}))
    at = new_app("drift")
    text = texts(at)
    assert "No backtest" in text and "No feature drift" in text
    if not keep:
        assert "--time" in text


def test_without_a_scorecard_file_the_builtin_scenario_is_evaluated_once(monkeypatch, builtin):
    import analysis.pipeline
    from app.ui import services

    calls = []

    def evaluate(data, models, prediction_files=(), *, now, stages=None, **kw):
        calls.append((data.source.rsplit("/", 1)[-1], len(models), stages.train_frame is not None, stages.names()))
        return builtin

    monkeypatch.delenv("TRADEOFFS_DEFAULT_SCORECARD")
    monkeypatch.setattr(services, "builtin_path", lambda: None)
    monkeypatch.setattr(analysis.pipeline, "run_evaluation", evaluate)
    first, second = new_app("scorecard"), new_app("overview")
    from analysis.scenario import load_card

    n_models = len(load_card().models)  # 12 with the boosting extra (XGBoost, LightGBM), 10 without
    assert calls == [
        ("test.parquet", n_models, True, ("predict", "metrics"))
    ]  # with feature drift; no serving, no SHAP
    assert len(first.dataframe[0].value) == len(builtin.candidates)
    assert any("Restaurant" in s.value for s in second.subheader)


# ---- guidance names only flags that exist ---------------------------------------------------------
def _options(command: str) -> set[str]:
    from analysis.cli import cli

    cmd = cli.commands[command]
    return {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}


def test_guidance_names_only_flags_the_command_line_has(variant):
    import re

    variant(keep=(), windows=())  # every page then says how to get what is missing
    at = new_app()
    spans = []
    for page in PAGES:
        goto(at, page)
        for element in texts(at).split("\n"):
            spans += re.findall(r"`([^`]*--[^`]*)`", element)
    assert any("--train-data" in s for s in spans) and any("--backtest" in s for s in spans)
    for span in spans:
        command = re.match(r"tradeoffs (\w+)", span)
        known = _options(command.group(1) if command else "evaluate")
        flags = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", span))
        assert flags <= known, (span, flags - known)
