"""Time budgets: a pilot, an estimate, a smaller sample or a skip with the reason; never a crash."""

from __future__ import annotations

import numpy as np
import pytest
from _explain_fakes import FakeClock, SlowModel

from analysis.explain import ExplainSettings, explain_candidates, run_within_budget

# 4 features, background of 4 rows, 1 pair of orders: 2 * 3 * 4 + 1 = 25 model rows per explained row.
ROWS_PER_ROW = 25
BASE = dict(
    sample_size=100,
    agnostic_background_size=4,
    n_permutations=1,
    pilot_rows=5,
    min_sample_size=10,
    total_budget_seconds=1e6,
)


def _explain(model, X, clock, **settings):
    return explain_candidates({"slow": model}, X, settings=ExplainSettings(**{**BASE, **settings}), timer=clock)


def test_a_generous_budget_explains_every_row(fitted, mixed):
    X, _ = mixed
    clock = FakeClock()
    report = _explain(SlowModel(fitted["logreg"], clock, 0.001), X, clock, budget_seconds=100.0)
    c = report["slow"]
    assert c.status == "ok" and c.sample_size == 100 and c.reason is None
    assert c.explainer == "permutation"  # an unknown model type is explained model-agnostically
    # every model row costs 1 ms; the estimate from the pilot is exact with this clock
    assert c.seconds_per_row == pytest.approx(ROWS_PER_ROW * 0.001)
    assert c.seconds == pytest.approx(c.estimated_seconds) == pytest.approx(c.seconds_per_row * 100 + 0.004)


def test_a_small_budget_shrinks_the_sample_and_says_so(fitted, mixed):
    X, _ = mixed
    clock = FakeClock()
    report = _explain(SlowModel(fitted["logreg"], clock, 0.001), X, clock, budget_seconds=1.0)
    c = report["slow"]
    assert c.status == "shrunk" and 10 <= c.sample_size < 100
    assert c.seconds <= 1.0
    assert "shrunk from 100 to" in c.reason and "budget" in c.reason
    assert c.estimated_seconds > 1.0
    assert c.values.shape[0] == c.sample_size == len(c.sample_positions)
    # the shrunk sample is a prefix of the full draw, and still adds up
    assert c.sample_positions == report.sample_positions[: c.sample_size]
    np.testing.assert_allclose(c.values.sum(axis=1) + np.array(c.base_value), c.outputs, atol=1e-12)


def test_a_tiny_budget_skips_with_a_reason_and_reports_nothing(fitted, mixed):
    X, _ = mixed
    clock = FakeClock()
    report = _explain(SlowModel(fitted["logreg"], clock, 0.001), X, clock, budget_seconds=0.2)
    c = report["slow"]
    assert c.status == "skipped" and "budget" in c.reason and "minimum of 10 rows" in c.reason
    assert c.sample_size is None and c.values is None and c.importance == () and c.local == ()
    figures = c.figures()
    assert figures["features_for_90pct_attribution"] is None
    assert figures["sensitive_attribution_share"] is None and figures["proxy_attribution_share"] is None
    assert c.estimated_seconds > 0.2


def test_a_failing_model_is_recorded_not_raised(fitted, mixed):
    X, _ = mixed
    clock = FakeClock()
    report = explain_candidates(
        {"down": SlowModel(fitted["logreg"], clock, 0.0, fail=True), "tree": fitted["tree"]},
        X,
        settings=ExplainSettings(sample_size=20),
        timer=clock,
    )
    assert report["down"].status == "failed" and "model server is down" in report["down"].reason
    assert report["down"].figures()["features_for_90pct_attribution"] is None
    assert report["tree"].status == "ok"


def test_the_total_budget_is_shared_and_exact_explainers_go_first(fitted, mixed):
    X, _ = mixed
    clock = FakeClock()
    order = []
    models = {"slow": SlowModel(fitted["logreg"], clock, 0.001), "tree": fitted["tree"]}
    report = explain_candidates(
        models,
        X,
        settings=ExplainSettings(**{**BASE, "budget_seconds": 100.0, "total_budget_seconds": 2.0}),
        timer=clock,
        progress=lambda name, stage: order.append((name, stage)),
    )
    assert order == [("tree", "explain"), ("slow", "explain")]
    assert report.names == ("slow", "tree")  # the report keeps the given order
    assert report["tree"].budget_seconds == pytest.approx(1.0)  # 2 s shared by 2 candidates
    assert report["slow"].budget_seconds == pytest.approx(2.0)  # the tree took no (fake) time
    assert report["slow"].status == "shrunk" and report.seconds <= 2.0


def test_run_within_budget_unit():
    def run(budget):
        clock = FakeClock()

        def explain(start, stop):
            clock.advance(0.5 * (stop - start))
            return (start, stop)

        return run_within_budget(explain, 40, budget_seconds=budget, started=0.0, timer=clock, pilot_rows=3, min_rows=2)

    parts, outcome = run(10.0)
    assert outcome.status == "shrunk" and outcome.rows == sum(b - a for a, b in parts) <= 20
    assert parts[0] == (0, 1) and parts[1] == (1, 4)  # probe, then pilot
    assert outcome.estimated_seconds == pytest.approx(20.0)
    parts, outcome = run(0.7)  # the probe alone says two rows need 1 s
    assert outcome.status == "skipped" and parts == [] and "probe" in outcome.reason
    parts, outcome = run(100.0)
    assert outcome.status == "ok" and outcome.rows == 40 and outcome.reason is None
