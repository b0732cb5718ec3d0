"""The dashboard with thousands of candidates: every page renders, figures stay small and say what they sample.

The large scorecard is a seeded metrics table of 2,000 candidates with the built-in scenario's
objective names (so its stakeholder profiles apply) and two of its candidates' names (which its
constraints refer to). Timings at 10,000 are ``bench/bench_app_browser.py``'s job: nothing here is timed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from _app_helpers import charts, goto, new_app, settled, texts, widget

from analysis import figures as F
from analysis.decision import compute_pareto, table_from_arrays
from analysis.scorecard import save_scorecard, scorecard_from_metrics_table

N = 2_000


def metrics_table(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` candidates: quality trades against speed, fairness and value vary (seeded)."""
    rng = np.random.default_rng(seed)
    capacity = rng.uniform(0, 1, n)
    auc = 0.70 + 0.12 * capacity + rng.normal(0, 0.015, n)
    latency = np.exp(1.0 + 3.0 * capacity + rng.normal(0, 0.3, n))
    names = ["logistic_regression", "majority_baseline"] + [f"sweep_{i:05d}" for i in range(n - 2)]
    return pd.DataFrame(
        {
            "candidate": names,
            "roc_auc": auc,
            "pr_auc": auc - 0.35 + rng.normal(0, 0.01, n),
            "log_loss": 0.75 - 0.4 * auc + rng.normal(0, 0.01, n),
            "expected_calibration_error": rng.uniform(0.0, 0.12, n),
            "precision": 0.35 + 0.3 * capacity + rng.normal(0, 0.02, n),
            "recall": rng.uniform(0.2, 0.6, n),
            "worst_group_accuracy": 0.70 + 0.08 * capacity + rng.normal(0, 0.01, n),
            "demographic_parity_difference": rng.uniform(0.0, 0.25, n),
            "latency_ms_p99": latency,
            "latency_ms_p50": latency / 3,
            "cost_usd_per_million": latency * rng.uniform(0.01, 0.03, n),
            "net_value_per_1k": 300 + 900 * (auc - 0.7) + rng.normal(0, 20, n),
            "order_value_captured_per_1k": 3000 + 8000 * (auc - 0.7) + rng.normal(0, 100, n),
            "auc_decay_per_month": rng.uniform(0, 0.015, n),
        }
    )


@pytest.fixture(scope="module")
def large_path(tmp_path_factory):
    sc = scorecard_from_metrics_table(
        metrics_table(N),
        directions={"net_value_per_1k": "max", "order_value_captured_per_1k": "max", "auc_decay_per_month": "min"},
        source="sweep.csv",
    )
    return save_scorecard(sc, tmp_path_factory.mktemp("large") / "sweep.json")


@pytest.fixture
def large(large_path, monkeypatch):
    monkeypatch.setenv("TRADEOFFS_DEFAULT_SCORECARD", str(large_path))
    return large_path


# ---- which lines parallel coordinates draw ---------------------------------------------------------------
def test_parallel_rows_always_include_the_front_and_sample_the_rest_reproducibly():
    rng = np.random.default_rng(1)
    complete = rng.random(5000) > 0.05
    optimal = rng.random(5000) > 0.9
    rows = F.compute_parallel_rows(complete, optimal, sample=300, random_state=0)
    assert set(rows.front) == set(np.flatnonzero(complete & optimal))  # every front member, none missing values
    assert len(rows.sampled) == 300 and not set(rows.sampled) & set(rows.front)
    assert all(complete[i] and not optimal[i] for i in rows.sampled)
    assert rows.dominated == int((complete & ~optimal).sum()) and rows.missing == int((~complete).sum())
    assert rows == F.compute_parallel_rows(complete, optimal, sample=300, random_state=0)  # seeded
    assert rows.sampled != F.compute_parallel_rows(complete, optimal, sample=300, random_state=1).sampled
    every = F.compute_parallel_rows(complete, optimal, sample=None)
    assert not every.is_sample and every.shown == every.total == int(complete.sum())


def test_parallel_figure_at_thousands_draws_the_whole_front_and_says_what_it_samples():
    rng = np.random.default_rng(0)
    n = 3000
    objs = [("auc", "max"), ("ms", "min"), ("gap", "min")]
    t = table_from_arrays([f"c{i}" for i in range(n)], objs, rng.random((n, 3)))
    front = compute_pareto(t, ["auc", "ms", "gap"])
    fig = F.make_parallel_figure(t, ["auc", "ms", "gap"], front, colours=F.candidate_colours(t.candidates))
    assert all(isinstance(d, go.Scatter) for d in fig.data)  # SVG lines, no WebGL Parcoords
    (front_trace,) = [d for d in fig.data if d.name.startswith("Pareto front")]
    assert set(front_trace.text) == set(front.front)
    (grey,) = [d for d in fig.data if d.name.startswith("dominated")]
    assert np.isnan(np.asarray(grey.y, dtype=float)).sum() == F.PARALLEL_SAMPLE  # one gap after each line
    shown = len(front.front) + F.PARALLEL_SAMPLE
    assert f"{shown:,} of {n:,} candidates shown, front always included" in fig.layout.meta["subtitle"]
    assert (fig.layout.meta["shown"], fig.layout.meta["total"]) == (shown, n)


# ---- every page at 2,000 candidates -----------------------------------------------------------------
PAGES = [
    "overview",
    "scorecard",
    "stakeholders",
    "tradeoffs",
    "consensus",
    "decision",
    "quality",
    "serving",
    "fairness",
    "explanations",
    "drift",
]


def test_every_page_renders_at_thousands_of_candidates_without_asking_for_a_click(large, monkeypatch):
    from app.ui import services

    monkeypatch.setattr(services, "DECISION_WAIT_S", 0.0)  # the group decision goes on in the background
    at = new_app()
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.title, page
        assert not any("anyway" in str(b.label) for b in at.button), page
        if page in ("consensus", "decision"):
            body = texts(at)
            assert f"{N:,} candidates in the background" in body or "group's choice" in body, page


def test_tradeoffs_page_at_thousands_says_what_it_samples(large):
    at = new_app("tradeoffs")
    body = texts(at)
    assert f"of {N:,} candidates shown, front always included" in body
    assert len(charts(at)) == 2
    assert all('"scattergl"' not in c and '"parcoords"' not in c for c in charts(at))  # no WebGL to set up


def test_consensus_draws_the_leading_candidates_and_offers_the_rest_as_a_file(tmp_path, monkeypatch):
    import json

    sc = scorecard_from_metrics_table(
        metrics_table(120, seed=3),
        directions={"net_value_per_1k": "max", "order_value_captured_per_1k": "max", "auc_decay_per_month": "min"},
        source="sweep.csv",
    )
    monkeypatch.setenv("TRADEOFFS_DEFAULT_SCORECARD", str(save_scorecard(sc, tmp_path / "sweep120.json")))
    at = settled(new_app("consensus"))
    body = texts(at)
    compared = int(body.split("Compared by the group rules: ")[1].split(" of ")[0].replace(",", ""))
    left_out = 120 - compared
    assert left_out > 15  # this scorecard leaves many out: 15 are listed, all are in the file
    assert body.count("- **") >= 15 and f"and {left_out - 15:,} more" in body
    (button,) = [b for b in at.get("download_button") if "left out" in b.label]
    assert button.label == f"All {left_out:,} left out (CSV)"
    specs = [json.loads(c) for c in charts(at)]
    (regret,) = [s for s in specs if s["layout"]["meta"]["title"].startswith("Regret")]
    assert len(regret["data"][0]["x"]) == min(compared, 20)
    (acceptability,) = [s for s in specs if s["layout"]["meta"]["title"].startswith("How often each candidate takes")]
    assert (
        len(acceptability["data"][0]["y"]) == 15
        and "candidates most often first" in acceptability["layout"]["meta"]["subtitle"]
    )


def test_decision_page_prepares_the_report_in_the_background_and_then_offers_it(monkeypatch):
    import threading

    from _app_helpers import run_until

    from app.ui import services

    release = threading.Event()
    build = services._build

    def slow_build(*args, **kwargs):  # a report that takes long to build (as at 10,000 candidates)
        release.wait(60)
        return build(*args, **kwargs)

    monkeypatch.setattr(services, "_build", slow_build)
    at = new_app("decision")
    # the quick decision first, then the full one, then the report: wait until the page says it prepares it
    run_until(at, lambda at: "Preparing the report on" in texts(at))
    assert not at.get("download_button")
    assert widget_labels(at, "selectbox")[0] == "The candidate to ship"  # the rest of the page works meanwhile
    release.set()
    run_until(at, lambda at: "Preparing the report on" not in texts(at))
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["HTML report", "Markdown report", "JSON decision record"]


def widget_labels(at, kind: str) -> list[str]:
    return [str(w.label) for w in getattr(at, kind)]


def test_scorecard_page_shows_the_first_rows_and_offers_every_one_as_a_file(large):
    at = new_app("scorecard")
    assert f"of {N:,} candidates (Pareto-optimal first)" in texts(at)
    (button,) = [b for b in at.get("download_button") if "Every candidate" in b.label]
    assert button.label == f"Every candidate's values ({N:,} rows, CSV)"


def test_engine_warnings_naming_thousands_of_candidates_are_clipped_on_the_page():
    from app.ui import tables

    long = "left out of the group rules: " + "; ".join(f"c{i}: fails roc_auc" for i in range(2000))
    shown = tables.clip(long)
    assert shown.startswith(long[:400]) and shown.endswith(f"({len(long) - 400:,} more characters)")
    assert tables.clip("short") == "short"


def test_parallel_figure_names_front_lines_on_hover_only_while_they_can_be_told_apart():
    a = np.linspace(0, 1, 400)
    t = table_from_arrays([f"c{i}" for i in range(400)], [("auc", "max"), ("ms", "max")], np.c_[a, 1 - a])
    front = compute_pareto(t, ["auc", "ms"])
    assert len(front.front) == 400  # more than the 300 lines named on hover
    fig = F.make_parallel_figure(t, ["auc", "ms"], front)
    (line,) = [d for d in fig.data if d.name.startswith("Pareto front")]
    assert line.hoverinfo == "skip" and line.text is None
    assert np.isnan(np.asarray(line.y, dtype=float)).sum() == 400  # still every front member drawn


# ---- every page at 10,000 candidates, 300 of them with per-candidate detail -----------------------------
HUGE = 10_000
DETAILED = 300


def _bench_module():
    """``bench/bench_app_browser.py`` (its ``copy_details`` grows per-candidate sections), loaded by path."""
    import importlib.util
    import sys

    from _app_helpers import ROOT

    spec = importlib.util.spec_from_file_location("bench_app_browser", ROOT / "bench" / "bench_app_browser.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def huge_path(tmp_path_factory):
    """10,000 candidates (:func:`metrics_table`); the first 300 have the built-in scenario's per-candidate sections.

    The first ten are named after the scenario's ten and keep their slices, windows, curves, serving,
    explanations, decay, backtest and disparities; candidates 10..299 get copies of those of candidate
    ``i % 10`` (as the browser benchmark's ``--detail`` does), so every per-candidate chart has 300 to draw.
    """
    import json

    from _app_helpers import FIXTURE

    base = json.loads(FIXTURE.read_text(encoding="utf-8"))
    originals = [c["name"] for c in base["candidates"]]
    frame = metrics_table(HUGE)
    frame.loc[: len(originals) - 1, "candidate"] = originals
    sc = scorecard_from_metrics_table(
        frame,
        directions={"net_value_per_1k": "max", "order_value_captured_per_1k": "max", "auc_decay_per_month": "min"},
        source="sweep.csv",
    )
    data = sc.to_dict()
    data.update(
        task=base["task"], dataset=base["dataset"], slices=base["slices"], windows=base["windows"],
        sections=base["sections"],
    )  # fmt: skip
    data["settings"] = {**data["settings"], "incumbent": "logistic_regression"}
    _bench_module().copy_details(data, {frame.at[i, "candidate"]: originals[i % 10] for i in range(10, DETAILED)})
    path = tmp_path_factory.mktemp("huge") / "sweep10k.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def huge(huge_path, monkeypatch):
    monkeypatch.setenv("TRADEOFFS_DEFAULT_SCORECARD", str(huge_path))
    return huge_path


def _sections(path) -> dict:
    import json

    return json.loads(path.read_text(encoding="utf-8"))["sections"]


def _specs(at) -> dict[str, dict]:
    """The page's figures by title (as drawn: the title before any wrapping)."""
    import json

    out = {}
    for c in charts(at):
        spec = json.loads(c)
        out[str((spec["layout"].get("meta") or {}).get("title"))] = spec
    return out


def _points(trace: dict) -> int:
    """Points a trace draws (typed arrays counted by their bytes)."""
    for axis in ("y", "x", "z"):
        v = trace.get(axis)
        if isinstance(v, dict) and "bdata" in v:
            import base64

            return len(base64.b64decode(v["bdata"])) // int(v["dtype"][1:])
        if isinstance(v, list):
            return len(v)
    return 0


def _candidate_traces(spec: dict, names: set[str]) -> set[str]:
    return {t["name"] for t in spec["data"] if t.get("name") in names}


def test_quality_at_ten_thousand_draws_the_best_and_the_incumbent_and_says_so(huge):
    at = new_app("quality")
    body, specs = texts(at), _specs(at)
    (interval,) = [s for t, s in specs.items() if t == "ROC AUC"]
    assert len(interval["data"]) == 16  # the 15 best and the incumbent, one trace each
    assert f"16 of {HUGE:,} candidates shown: the 15 best by ROC AUC and the incumbent (logistic_regression)." in body
    roc = specs["ROC curve"]
    curves = [t for t in roc["data"] if t["name"] != "chance"]
    assert len(curves) == 11 and sum(_points(t) for t in roc["data"]) < 2_000
    assert f"11 of {DETAILED:,} candidates with curves drawn by default: the 10 best by ROC AUC" in body
    colours = [t["line"]["color"] for t in curves if "line" in t]
    assert len(set(colours)) == len(colours)  # told apart, although the page's colours repeat past twenty


def test_serving_at_ten_thousand_draws_the_fastest_and_counts_every_one(huge):
    at = new_app("serving")
    body, specs = texts(at), _specs(at)
    latency = specs["Latency of a single-row request"]
    rows = {y for t in latency["data"] for y in (t.get("y") or []) if y is not None}
    assert len({F.base_name(r) for r in rows}) == 11 and "logistic_regression" in rows
    assert "logistic_regression[onnx]" in rows  # with the runtime variants of those drawn
    lines = [t["name"] for t in specs["Throughput against batch size (one worker)"]["data"]]
    assert len(lines) == len(rows)
    assert all(_points(t) == len(rows) for t in specs["Cost per million predictions"]["data"])
    assert f"11 of {DETAILED:,} measured candidates shown: the 10 best by p99 latency and the incumbent" in body
    entries = _sections(huge)["serving"]["candidates"]
    measured = len([e for e in entries if e.get("latency")])
    assert measured > DETAILED and str(at.metric[0].value).endswith(f"of {measured:,}")  # counts every one


def test_drift_at_ten_thousand_draws_the_best_in_the_latest_window_and_lists_their_rows(huge):
    at = new_app("drift")
    body, specs = texts(at), _specs(at)
    (window,) = [s for t, s in specs.items() if t.endswith("over time")]
    assert len(window["data"]) == 11
    assert f"11 of {DETAILED:,} candidates drawn by default: the 10 best by ROC AUC in the latest window" in body
    (trend,) = [d.value for d in at.dataframe if "change per window" in d.value.columns]
    assert len(trend) == 11 and f"Rows of the 11 candidates drawn above, of {DETAILED:,} with a trend." in body
    backtest = specs["Backtest: how much quality fresher training data buys"]
    assert len({t["legendgroup"] for t in backtest["data"]}) == 11
    refit = len({r["candidate"] for r in _sections(huge)["backtest"]["rows"]})
    assert f"11 of {refit:,} candidates shown: the 10 best by ROC AUC on the test month as supplied" in body


def test_drift_candidates_chosen_by_hand_are_drawn_and_the_caption_says_so(huge):
    at = new_app("drift")
    widget(at, "multiselect", "Candidates").set_value(["sweep_00123", "knn"]).run()
    (window,) = [s for t, s in _specs(at).items() if t.endswith("over time")]
    assert {t["name"] for t in window["data"]} == {"sweep_00123", "knn"}
    assert f"2 of {DETAILED:,} candidates drawn: your choice above." in texts(at)


def test_fairness_at_ten_thousand_draws_the_fairest_with_the_chosen_ones(huge):
    at = new_app("fairness")
    body, specs = texts(at), _specs(at)
    chosen = widget(at, "multiselect", "Candidates").value
    assert 0 < len(chosen) <= 5
    (disparity,) = [s for t, s in specs.items() if t == "Demographic parity difference"]
    bars = disparity["data"][0]["y"]
    assert 10 <= len(bars) <= 10 + len(chosen) + 1 and set(chosen) <= set(bars)
    assert f"of {DETAILED:,} candidates shown: the 10 best by demographic parity difference" in body
    (table,) = [d.value for d in at.dataframe if "DP difference" in d.value.columns]
    assert list(table["candidate"]) == bars
    (proxies,) = [d.value for d in at.dataframe if "share on proxies" in d.value.columns]
    assert len(proxies) <= len(chosen) + 1 and f"of {DETAILED:,} explained" in body


def test_explanations_at_ten_thousand_list_and_compare_the_best(huge):
    at = new_app("explanations")
    body, specs = texts(at), _specs(at)
    (facts,) = [t.value for t in at.table]
    assert len(facts) == 11
    heat = specs["Which features each candidate relies on"]["data"][0]
    assert list(heat["x"]) == list(facts.index)
    assert f"11 of {DETAILED:,} explained candidates shown: the 10 best by ROC AUC and the incumbent" in body


def test_scorecard_at_ten_thousand_shows_a_page_and_finds_any_candidate(huge):
    at = new_app("scorecard")
    (table,) = [d.value for d in at.dataframe if "Constraints" in d.value.columns]
    assert len(table) == 100
    assert f"Showing 1–100 of {HUGE:,} candidates (Pareto-optimal first), page 1 of 100." in texts(at)
    widget(at, "number_input", "Page").set_value(3).run()
    (table3,) = [d.value for d in at.dataframe if "Constraints" in d.value.columns]
    assert len(table3) == 100 and not set(table3.index) & set(table.index)
    assert f"Showing 201–300 of {HUGE:,} candidates" in texts(at)
    widget(at, "text_input", "Find candidates").set_value("SWEEP_09990").run()
    (found,) = [d.value for d in at.dataframe if "Constraints" in d.value.columns]
    assert list(found.index) == ["sweep_09990"]
    assert f"1 of {HUGE:,} candidates match “SWEEP_09990”." in texts(at)
    widget(at, "text_input", "Find candidates").set_value("no such model").run()
    assert not [d for d in at.dataframe if "Constraints" in d.value.columns]
    assert "No candidate's name contains “no such model”" in texts(at)


def test_tradeoffs_and_stakeholders_at_ten_thousand_stay_small(huge):

    at = new_app("tradeoffs")
    specs = _specs(at)
    (scatter,) = [s for t, s in specs.items() if " against " in t]
    assert any(t["type"] == "heatmap" for t in scatter["data"])  # the dominated ones as a density
    front = [t for t in scatter["data"] if t["name"].startswith("Pareto-optimal")]
    assert sum(_points(t) for t in front) < 200
    parallel = specs["Every objective at once"]
    meta = parallel["layout"]["meta"]
    assert meta["total"] == HUGE and meta["shown"] == meta["front"] + F.PARALLEL_SAMPLE
    assert sum(_points(t) for t in parallel["data"]) == meta["shown"] * (len(at.multiselect[0].value) + 1)
    assert f"of {HUGE:,} candidates shown, front always included" in texts(at)
    goto(at, "stakeholders")
    rankings = [m.value for m in at.markdown if m.value.startswith('<div role="list">')]
    assert len(rankings) == 6 and all(r.count("<div title=") == 8 for r in rankings)  # top 8 of 10,000 each
    assert not charts(at)  # bars in HTML, not six plotly charts
    assert f"of {HUGE:,} candidates do" in texts(at)
