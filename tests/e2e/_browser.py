"""Helpers for the real-browser tests: start the dashboard on a free port, drive Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app" / "streamlit_app.py"
FIXTURE = ROOT / "tests" / "app" / "data" / "builtin_scorecard.json"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
WIDTH = 1440


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(log: Path, *, env: dict | None = None, timeout: float = 60.0):
    """``streamlit run app/streamlit_app.py`` on a free port; yields the base URL, stops it after."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            end = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > end:
                    raise RuntimeError(f"the dashboard did not start; see {log}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


#: What a page says while work it waits for goes on in a background thread (the group decision, the report check).
BACKGROUND = "in the background"


#: ``data-test-script-state`` values of Streamlit's ``stApp`` element while a run is asked for or going on
#: ("initial": the session has not run yet).
RUNNING_STATES = ("initial", "running", "rerunRequested", "stopRequested")


def app_state(page) -> tuple[str | None, str | None]:
    """The frontend's script-run and connection states, as Streamlit's own end-to-end tests read them."""
    app = page.locator('[data-testid="stApp"]')
    if app.count() == 0:
        return None, None
    return app.get_attribute("data-test-script-state"), app.get_attribute("data-test-connection-state")


def settle(page, *, timeout: float = 120.0, quiet: float = 0.8) -> None:
    """Wait until a page title is drawn, the script has finished, no background work is awaited, and the
    page was still for ``quiet`` s.

    "Finished" is the script-run state Streamlit's frontend keeps on ``stApp`` (the running-man status
    widget is no guide: it appears only after a run has gone on for 0.5 s, so on a busy machine a page was
    taken as still while its script was half-way, and an upload went to whichever uploader was drawn yet).
    """
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout * 1000)
    end = time.monotonic() + timeout
    still_since = None
    while time.monotonic() < end:
        script, connection = app_state(page)
        running = script in RUNNING_STATES or connection != "CONNECTED"
        spinner = page.locator('[data-testid="stSpinner"]').count() > 0
        waiting = page.locator('[data-testid="stMain"]').get_by_text(BACKGROUND).count() > 0
        if running or spinner or waiting:
            still_since = None
        elif still_since is None:
            still_since = time.monotonic()
        elif time.monotonic() - still_since >= quiet:
            return
        time.sleep(0.1)
    raise AssertionError(f"the page kept running (script {script}, connection {connection})")


def uploader(page, slot: str):
    """The file input of the Data & models page's uploader for ``slot`` (``data``, ``models``, ``predictions``),
    found by its widget key whatever the uploader's generation and wherever it is drawn."""
    return page.locator(f'[class*="st-key-w-up-{slot}-"] input[type="file"]')


def exceptions(page) -> list[str]:
    """Texts of Streamlit exception boxes on the page."""
    return [e.inner_text() for e in page.locator('[data-testid="stException"]').all()]


def screenshot(page, name: str) -> Path:
    """A screenshot of the whole page (the main area scrolls, so the viewport is stretched to fit)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]'); return m ? m.scrollHeight : 1000; }"
    )
    page.set_viewport_size({"width": WIDTH, "height": max(800, min(int(height) + 40, 8000))})
    settle(page, quiet=0.8)  # plotly redraws at the new size
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    return path


def group_choice() -> str:
    """The group's choice on the fixture, from the library (the page must show the same)."""
    from analysis.decision import build_decision
    from analysis.scenario import load_card, load_card_profiles
    from analysis.scorecard import load_scorecard

    sc, card = load_scorecard(FIXTURE), load_card()
    incumbent = sc.settings.get("incumbent") or card.incumbent
    return build_decision(sc, load_card_profiles(card), random_state=0, incumbent=incumbent).chosen
