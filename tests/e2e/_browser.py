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


def _start(cmd: list[str], env: dict, log: Path, port: int, timeout: float) -> subprocess.Popen | None:
    """Start the server and wait until it answers; None when it exited first (its port was taken)."""
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    end = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc
        except OSError:
            pass
        if proc.poll() is not None:
            return None
        if time.monotonic() > end:
            _stop(proc)
            raise RuntimeError(f"the dashboard did not start within {timeout:.0f} s; see {log}")
        time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running_app(log: Path, *, env: dict | None = None, timeout: float = 60.0, tries: int = 3):
    """``streamlit run app/streamlit_app.py`` on a free port; yields the base URL, stops it after.

    A port is free when chosen, not always when Streamlit binds it (another process can take it
    between the two): a server that exits before it answers is started again on another port.
    """
    for _ in range(tries):
        port = free_port()
        cmd = [
            sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        proc = _start(cmd, {**os.environ, **(env or {})}, log, port, timeout)
        if proc is not None:
            break
    else:
        raise RuntimeError(f"the dashboard exited before it answered, {tries} times; see {log}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


#: What a page says while work it waits for goes on in a background thread (the group decision, the report check).
BACKGROUND = "in the background"


#: ``data-test-script-state`` values of Streamlit's ``stApp`` element while a run is asked for or going on
#: ("initial": the session has not run yet).
RUNNING_STATES = ("initial", "running", "rerunRequested", "stopRequested")


#: Installed before any page script (``context.add_init_script``): counts the runs the frontend shows, each
#: time ``stApp``'s script state turns to "running" (a whole-page run or a fragment's).
RUN_COUNTER = """
window.__tradeoffsRuns = 0;
new MutationObserver((records) => {
  for (const r of records) {
    if (r.target.getAttribute('data-test-script-state') === 'running' && r.oldValue !== 'running') {
      window.__tradeoffsRuns += 1;
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""


def runs(page) -> int:
    """How many runs the page has shown so far (needs :data:`RUN_COUNTER`)."""
    return page.evaluate("() => window.__tradeoffsRuns || 0")


def settle_after(page, ran: int, *, start: float = 10.0, **kw) -> None:
    """:func:`settle` once a run has started since ``ran = runs(page)`` was read, before an action.

    After a click or a key, the frontend's script state stays "notRunning" until the server says the run
    began, so :func:`settle` alone could take that gap for the end. A run the frontend drew too fast to
    show is waited for ``start`` s at most, then the page is settled as usual.
    """
    try:
        page.wait_for_function("n => (window.__tradeoffsRuns || 0) > n", arg=ran, timeout=start * 1000)
    except Exception as exc:  # playwright's TimeoutError
        if type(exc).__name__ != "TimeoutError":
            raise
    settle(page, **kw)


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
