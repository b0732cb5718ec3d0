"""The HTML report in a real headless Chromium, offline: every chart draws, nothing is fetched, nothing runs."""

from __future__ import annotations

import pytest
from _report_helpers import NOW, ROWS, make_decision, make_scorecard

from analysis.report import build_report, make_report_figures, report_to_html

pytestmark = pytest.mark.browser
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def page():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    import shutil

    exe = shutil.which("chromium") or "/usr/bin/chromium"
    import os

    if not os.access(exe, os.X_OK):
        pytest.skip("no Chromium at /usr/bin/chromium")
    p = sync_api.sync_playwright().start()
    browser = p.chromium.launch(executable_path=exe, args=ARGS)
    context = browser.new_context(offline=True)
    yield context.new_page()
    browser.close()
    p.stop()


def test_offline_html_draws_every_chart_and_runs_no_injected_script(page, tmp_path):
    hostile = ["<script>alert(1)</script>", "</script><img src=x onerror=alert(2)>", "gbm", "deep"]
    names = dict(zip(ROWS, hostile, strict=True))
    sc = make_scorecard({names[k]: v for k, v in ROWS.items()})
    report = build_report(sc, make_decision(sc), now=NOW, rationale="<img src=y onerror=alert(3)>")
    path = tmp_path / "report.html"
    path.write_text(report_to_html(report), encoding="utf-8")
    dialogs, errors, requests = [], [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto(path.as_uri())
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {len(make_report_figures(report))}")
    assert page.evaluate("document.querySelectorAll('.js-plotly-plot .main-svg').length") > 0
    assert dialogs == [] and errors == [] and requests == []
