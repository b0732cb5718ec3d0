"""Benchmark of the dashboard's server side: what a weight-slider move costs, at 10 and 10,000 candidates.

Run from the repository root (about a minute)::

    python -m bench.bench_app            # or: PYTHONPATH=. python bench/bench_app.py

Synthetic metrics tables (10 and 10,000 candidates x 17 objectives that the default stakeholder
profiles weigh, correlated like real ones) are turned into scorecards. It prints p50/p90 of:

1. **The slider path**: what a stakeholder card's ``st.fragment`` reruns when a weight moves:
   ``services.profile_view`` (one re-score; the Pareto front and the constraint checks come from the
   cache) + the ranking figure + its JSON (what ``st.plotly_chart`` sends). Next to it, the
   straightforward way: ``compute_profile_result``, which recomputes the front and the constraints
   on every move.
2. **Whole-page reruns** with ``AppTest``: the Stakeholders page (six cards) after a slider move, and
   the Trade-offs page after an axis change. An upper bound: in the browser a slider reruns only its
   card, and AppTest adds its own overhead.
3. **The trade-off scatter** at 10,000 candidates: ``make_tradeoff_figure`` as the Trade-offs page
   draws it (SVG; the dominated cloud as a density, the front as points) built and serialised,
   against ``px.scatter`` with the same hover data.
4. **Drawing it in Chromium** (when ``/usr/bin/chromium`` and Playwright are there): time of
   ``Plotly.newPlot`` for the page's figure against every point as a WebGL scatter (``go.Scattergl``,
   the page's figure before issue 12).

Every page in a real browser, at 10 to 10,000 candidates: ``bench/bench_app_browser.py``.

No timing is asserted anywhere; the tests check behaviour, this file reports speed.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.express as px

from analysis.decision import compute_pareto, compute_profile_result, default_profiles, table_from_scorecard
from analysis.figures import candidate_colours, make_ranking_figure, make_tradeoff_figure
from analysis.scorecard import save_scorecard, scorecard_from_metrics_table

APP = Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py"
DIRECTIONS = {
    "latency_ms_p99": "min",
    "latency_ms_p50": "min",
    "cost_usd_per_million": "min",
    "throughput_rows_per_s": "max",
    "model_size_mb": "min",
    "net_value_per_1k": "max",
    "ad_fee_captured_per_1k": "max",
    "order_value_captured_per_1k": "max",
    "sensitive_attribution_share": "min",
    "features_for_90pct_attribution": "min",
    "auc_decay_per_month": "min",
}


def synthetic_table(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` candidates with the objectives the default profiles weigh (quality trades against speed)."""
    rng = np.random.default_rng(seed)
    capacity = rng.uniform(0, 1, n)  # bigger models: better and slower
    auc = 0.70 + 0.12 * capacity + rng.normal(0, 0.015, n)
    latency = np.exp(1.0 + 3.0 * capacity + rng.normal(0, 0.3, n))
    return pd.DataFrame(
        {
            "candidate": [f"m{i:05d}" for i in range(n)],
            "roc_auc": auc,
            "pr_auc": auc - 0.35 + rng.normal(0, 0.01, n),
            "log_loss": 0.75 - 0.4 * auc + rng.normal(0, 0.01, n),
            "expected_calibration_error": rng.uniform(0.0, 0.12, n),
            "precision": 0.35 + 0.3 * capacity + rng.normal(0, 0.02, n),
            "recall": rng.uniform(0.2, 0.6, n),
            "worst_group_accuracy": 0.70 + 0.08 * capacity + rng.normal(0, 0.01, n),
            "equalized_odds_difference": rng.uniform(0.0, 0.3, n),
            "demographic_parity_difference": rng.uniform(0.0, 0.25, n),
            "latency_ms_p99": latency,
            "latency_ms_p50": latency / 3,
            "cost_usd_per_million": latency * rng.uniform(0.01, 0.03, n),
            "throughput_rows_per_s": 1e5 / latency,
            "model_size_mb": np.exp(rng.normal(2, 1.5, n)),
            "net_value_per_1k": 300 + 900 * (auc - 0.7) + rng.normal(0, 20, n),
            "ad_fee_captured_per_1k": rng.uniform(0, 60, n),
            "order_value_captured_per_1k": 3000 + 8000 * (auc - 0.7) + rng.normal(0, 100, n),
            "sensitive_attribution_share": rng.uniform(0, 0.1, n),
            "features_for_90pct_attribution": rng.integers(3, 30, n).astype(float),
            "auc_decay_per_month": rng.uniform(0, 0.015, n),
        }
    )


def quantiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p90 in milliseconds."""
    ms = sorted(1000 * s for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]


def timed(fn, repeat: int) -> list[float]:
    out = []
    for k in range(repeat):
        t0 = time.perf_counter()
        fn(k)
        out.append(time.perf_counter() - t0)
    return out


def bench_slider_path(n: int, repeat: int = 25) -> tuple[float, float, float, float]:
    """p50/p90 of the cached slider path and of the straightforward one, in ms."""
    from app.ui import services

    sc = scorecard_from_metrics_table(synthetic_table(n), directions=DIRECTIONS, source=f"synthetic {n}")
    active = services.Active(f"bench:{n}", sc, "synthetic", False)
    colours = candidate_colours(sc.candidate_names)
    sales = next(p for p in default_profiles() if p.name == "sales")
    table = table_from_scorecard(sc)

    def moved(k: int):
        weights = dict(sales.weights)
        weights["recall"] = 1.0 + 0.5 * (k % 19)
        return sales.__class__(**{**sales.__dict__, "weights": tuple(weights.items())})

    services.profile_view(active, sales, "wsm")  # first view fills the front and feasibility caches

    def cached(k: int) -> None:
        p = moved(k)
        view = services.profile_view(active, p, "wsm")
        make_ranking_figure(view.score, feasibility=view.feasibility, colours=colours, top=8, title=None).to_json()

    def straightforward(k: int) -> None:
        r = compute_profile_result(table, moved(k), method="wsm")
        make_ranking_figure(r.score, feasibility=r.feasibility, colours=colours, top=8, title=None).to_json()

    return (*quantiles(timed(cached, repeat)), *quantiles(timed(straightforward, max(5, repeat // 3))))


def bench_pages(n: int, repeat: int = 12) -> tuple[float, float, float, float]:
    """p50/p90 of AppTest reruns: Stakeholders after a slider move, Trade-offs after an axis change."""
    from streamlit.testing.v1 import AppTest

    sc = scorecard_from_metrics_table(synthetic_table(n), directions=DIRECTIONS, source=f"synthetic {n}")
    with tempfile.TemporaryDirectory() as tmp:
        path = save_scorecard(sc, Path(tmp) / "synthetic.json")
        os.environ["TRADEOFFS_DEFAULT_SCORECARD"] = str(path)
        at = AppTest.from_file(str(APP), default_timeout=600).run()
        at.switch_page("app_pages/stakeholders.py").run()
        slider = "w.weight.0.sales.recall"

        def move(k: int) -> None:
            at.slider(key=slider).set_value(1.0 + 0.5 * (k % 19)).run()

        move(1)
        stakeholders = timed(move, repeat)
        at.switch_page("app_pages/tradeoffs.py").run()
        axes = ["cost_usd_per_million", "latency_ms_p99", "net_value_per_1k", "model_size_mb"]

        def axis(k: int) -> None:
            at.selectbox(key=f"w.trade_x.builtin:{path}@{path.stat().st_mtime_ns}").set_value(axes[k % 4]).run()

        axis(0)
        trade = timed(axis, repeat)
        assert not at.exception, at.exception
    return (*quantiles(stakeholders), *quantiles(trade))


def bench_scatter(n: int = 10_000, repeat: int = 7) -> tuple[float, float]:
    """Milliseconds to build and serialise the trade-off scatter: Scattergl builder vs px.scatter."""
    sc = scorecard_from_metrics_table(synthetic_table(n), directions=DIRECTIONS, source="synthetic")
    table = table_from_scorecard(sc)
    front = compute_pareto(table, ["latency_ms_p99", "roc_auc"])
    colours = candidate_colours(sc.candidate_names)
    fast = timed(
        lambda k: make_tradeoff_figure(
            table, "latency_ms_p99", "roc_auc", front, colours=colours, webgl=False
        ).to_json(),
        repeat,
    )
    frame = sc.to_frame().reset_index()
    frame["front"] = np.where(front.is_optimal, "Pareto-optimal", "dominated")
    naive = timed(
        lambda k: px.scatter(
            frame, x="latency_ms_p99", y="roc_auc", color="front", hover_name="candidate", hover_data=["front"]
        ).to_json(),
        repeat,
    )
    return statistics.median(fast) * 1000, statistics.median(naive) * 1000


def bench_browser_draw(n: int = 10_000, repeat: int = 5) -> tuple[float, float] | None:
    """Median milliseconds of ``Plotly.newPlot`` in headless Chromium: the page's figure vs a WebGL scatter."""
    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not chromium.exists():
        return None
    import plotly

    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    sc = scorecard_from_metrics_table(synthetic_table(n), directions=DIRECTIONS, source="synthetic")
    table = table_from_scorecard(sc)
    front = compute_pareto(table, ["latency_ms_p99", "roc_auc"])
    colours = candidate_colours(sc.candidate_names)
    page_fig = make_tradeoff_figure(table, "latency_ms_p99", "roc_auc", front, colours=colours, webgl=False)
    gl = make_tradeoff_figure(table, "latency_ms_p99", "roc_auc", front, colours=colours, density_above=None)
    draw = """async (spec) => {
        const times = [];
        for (let k = 0; k < REPEAT; k++) {
            const div = document.createElement('div');
            div.style.width = '1000px'; div.style.height = '600px';
            document.body.appendChild(div);
            const t0 = performance.now();
            await Plotly.newPlot(div, spec.data, spec.layout);
            times.push(performance.now() - t0);
            Plotly.purge(div); div.remove();
        }
        times.sort((a, b) => a - b);
        return times[Math.floor(times.length / 2)];
    }""".replace("REPEAT", str(repeat))
    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=args)
        page = browser.new_page()
        page.set_content("<html><body></body></html>")
        page.add_script_tag(path=str(plotly_js))
        fast = page.evaluate(draw, json.loads(page_fig.to_json()))
        slow = page.evaluate(draw, json.loads(gl.to_json()))
        browser.close()
    return fast, slow


def main() -> None:
    """Print every figure."""
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    print("1. Slider path (one stakeholder card): re-score + ranking figure + JSON")
    print(f"{'candidates':>10}  {'cached p50':>10}  {'p90':>8}  {'recompute p50':>13}  {'p90':>8}  {'ratio':>6}")
    for n in (10, 10_000):
        c50, c90, s50, s90 = bench_slider_path(n)
        print(f"{n:>10,}  {c50:>8.1f}ms  {c90:>6.1f}ms  {s50:>11.1f}ms  {s90:>6.1f}ms  {s50 / c50:>5.1f}x")
    print()
    print("2. Whole-page reruns (AppTest; includes AppTest's own overhead)")
    print(f"{'candidates':>10}  {'stakeholders p50':>16}  {'p90':>8}  {'trade-offs p50':>14}  {'p90':>8}")
    for n in (10, 10_000):
        s50, s90, t50, t90 = bench_pages(n)
        print(f"{n:>10,}  {s50:>14.1f}ms  {s90:>6.1f}ms  {t50:>12.1f}ms  {t90:>6.1f}ms")
    print()
    fast, naive = bench_scatter()
    print("3. Trade-off scatter, 10,000 candidates, built and serialised (median)")
    print(f"   make_tradeoff_figure (the page's):   {fast:8.1f} ms")
    print(f"   px.scatter:                          {naive:8.1f} ms   ({naive / fast:.1f}x slower)")
    drawn = bench_browser_draw()
    print()
    print("4. Drawing the 10,000-point scatter in headless Chromium (Plotly.newPlot, median)")
    if drawn is None:
        print("   skipped: /usr/bin/chromium or Playwright is missing")
    else:
        now, before = drawn
        print(f"   the page's figure (SVG, density + front): {now:8.1f} ms")
        print(f"   every point as WebGL (go.Scattergl):      {before:8.1f} ms   ({before / now:.1f}x slower)")


if __name__ == "__main__":
    main()
