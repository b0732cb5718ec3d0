"""Load test of the dashboard: do other sessions stay responsive while evaluations run?

Run from the repository root (loopback only; about five minutes, bounded by ``--budget``)::

    python bench/bench_app_load.py                     # evaluations in worker processes (the default)
    python bench/bench_app_load.py --mode thread       # the old way: threads of the server process

It starts ``tradeoffs app --headless --address 127.0.0.1 --port <free>`` and drives one Debian
Chromium through Playwright (async API, one browser context per session, so every context is a
separate Streamlit session):

- ``--browsing`` sessions (default 8) on the Stakeholders page, each moving the first weight slider one
  step with the keyboard, ``--moves`` times, a short random pause between moves. A move counts as
  *settled* once the server has finished a script run since the key press and the page is then idle
  as in ``bench/bench_app_browser.py``: the server says no script runs
  for the page (Streamlit's websocket messages), no status widget, spinner or stale element, and no
  DOM mutation for ``QUIET_MS``; the figure is the time of the page's last activity after the key press.
- ``--evaluating`` sessions (default 2) on the Data & models page, each with a sample of the built-in
  scenario's data and its model files uploaded before the measurement; during the loaded phase each
  presses Evaluate, and again whenever its evaluation has ended, until the browsing sessions are done.

Two phases on the same server, after two warm-up moves per session (so both phases move between
the same two, already computed, slider positions: what is measured is the rerun, not a cache miss):
**idle** (the browsing sessions alone) then **loaded** (the same moves while the evaluations run).
It prints the settle time's p50, p95 and max per phase, their ratio
(target: loaded p50 and p95 within 2x of idle), and how many evaluations finished. The browser runs on
the same machine as the server, so both phases pay for it alike. No figure is asserted anywhere; a move
that never settles within ``--timeout`` is counted as missing, never as a number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1280, "height": 1400}
#: Nothing may happen for this long before a page counts as idle (milliseconds).
QUIET_MS = 600

#: Installed before any page script: the time of the last DOM mutation and of the last long task.
PROBE = """
window.__probe = {last: 0};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) { window.__probe.last = Math.max(window.__probe.last, e.startTime + e.duration); }
}).observe({type: 'longtask', buffered: true});
const __watch = () => new MutationObserver(() => { window.__probe.last = performance.now(); })
  .observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
if (document.documentElement) { __watch(); } else { document.addEventListener('DOMContentLoaded', __watch); }
"""
READY = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('h1')) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-testid="stSpinner"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  if (main.innerText.includes('in the background')) return false;
  return true;
}"""
STATE = "() => ({now: performance.now(), last: window.__probe.last})"


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(log: Path, env: dict[str, str], *, timeout: float = 120.0):
    """``tradeoffs app`` on a free loopback port; yields the URL and stops the server (and its workers) after."""
    port = free_port()
    cmd = [sys.executable, "-m", "analysis.cli", "app", "--headless", "--address", "127.0.0.1", "--port", str(port)]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, **env}, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
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
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class ScriptStatus:
    """Whether the server runs a script for the page, from Streamlit's messages on the websocket."""

    def __init__(self, page) -> None:
        self.running = False
        #: Scripts (or fragments) finished so far, and when the last one did (``time.monotonic()``).
        self.finished = 0
        self.finished_at = 0.0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if isinstance(payload, str):
            return
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # not a ForwardMsg
            return
        kind = msg.WhichOneof("type")
        if kind == "session_status_changed":
            self.running = msg.session_status_changed.script_is_running
        elif kind == "new_session":
            self.running = True
        elif kind == "script_finished":
            self.running = False
            self.finished += 1
            self.finished_at = time.monotonic()


async def wait_idle(
    page, status: ScriptStatus, t0: float, *, timeout: float, after: int = -1, pressed: float = 0.0
) -> float | None:
    """Milliseconds from ``t0`` (``performance.now()``) to the page's last activity once idle; None on timeout.

    ``after``: the count of finished scripts before the key press; the page is idle only once the
    server has finished a run since (a loaded server may not have started it within ``QUIET_MS``). The
    figure is then at least that run's end (``pressed``: ``time.monotonic()`` at the key press).
    """
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            ready = await page.evaluate(READY)
            s = await page.evaluate(STATE)
        except Exception:  # a navigation in flight: try again
            await asyncio.sleep(0.05)
            continue
        answered = status.finished > after
        if answered and ready and not status.running and s["now"] - max(s["last"], t0) >= QUIET_MS:
            server_ms = (status.finished_at - pressed) * 1000 if after >= 0 else 0.0
            return max(max(s["last"], t0) - t0, server_ms)
        await asyncio.sleep(0.05)
    return None


async def open_session(browser, url: str):
    """A new browser context (a new Streamlit session) with the idle probe, on ``url``."""
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(PROBE)
    page = await context.new_page()
    status = ScriptStatus(page)
    await page.goto(url, wait_until="commit")
    await wait_idle(page, status, 0.0, timeout=180)
    return context, page, status


async def browse(page, status, moves: int, *, seed: int, timeout: float) -> list[float | None]:
    """Move the first weight slider ``moves`` times (right, left, ...), timing each move until settled."""
    rng = random.Random(seed)
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').first
    out = []
    for k in range(moves):
        await asyncio.sleep(rng.uniform(0.2, 1.0))
        await thumb.focus()
        after = status.finished
        t0 = await page.evaluate("() => performance.now()")
        pressed = time.monotonic()
        await thumb.press("ArrowLeft" if k % 2 else "ArrowRight")
        out.append(await wait_idle(page, status, t0, timeout=timeout, after=after, pressed=pressed))
    return out


async def prepare_evaluation(page, status, data: Path, models: list[Path]) -> None:
    """Upload the dataset and the model files on the Data & models page (before any measurement)."""
    inputs = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    await inputs.nth(0).set_input_files(str(data))
    await page.get_by_text("What the columns mean").wait_for(timeout=180_000)
    await wait_idle(page, status, 0.0, timeout=180)
    await inputs.nth(1).set_input_files([str(m) for m in models])
    await page.get_by_role("button", name="Evaluate", exact=True).wait_for(timeout=180_000)
    await wait_idle(page, status, 0.0, timeout=300)


async def keep_evaluating(page, stop: asyncio.Event, log: list[str]) -> None:
    """Press Evaluate, and again each time the evaluation has ended, until ``stop`` is set; then cancel.

    Each ended evaluation is logged with its wall time and how it ended (the page's notice or error).
    """
    main = page.locator('[data-testid="stMain"]')
    button = page.get_by_role("button", name="Evaluate", exact=True)
    busy = main.get_by_text(re.compile(r"^(Evaluating \d+ candidate|Waiting for a free worker)"))
    while not stop.is_set():
        try:
            await button.click(timeout=10_000)
            await busy.first.wait_for(timeout=30_000)
        except Exception:  # the page was rerunning: try again
            continue
        started = time.monotonic()
        while not stop.is_set() and await busy.count():
            await asyncio.sleep(0.5)
        if stop.is_set():
            break
        await asyncio.sleep(1.0)
        text = await main.inner_text()
        ended = re.search(r"Evaluated \d+ candidates?|Something went wrong[^\n]*|The evaluation[^\n]*", text)
        log.append(f"{ended.group(0) if ended else 'ended'} ({time.monotonic() - started:.0f} s)")
    cancel = page.get_by_role("button", name="Cancel")
    if await cancel.count():
        await cancel.first.click()


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by linear interpolation."""
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1] if len(values) > 1 else values[0]


def summary(name: str, settles: list[float | None]) -> dict:
    """p50/p95/max of the settled moves of one phase, and how many never settled."""
    ok = [s for s in settles if s is not None]
    out = {"phase": name, "moves": len(settles), "missing": len(settles) - len(ok)}
    if ok:
        out.update(p50=percentile(ok, 0.5), p95=percentile(ok, 0.95), max=max(ok))
    return out


def show(s: dict) -> str:
    """One printed line of a phase."""
    if "p50" not in s:
        return f"  {s['phase']:<8} missing (none of {s['moves']} moves settled)"
    return (
        f"  {s['phase']:<8} p50 {s['p50']:7.0f} ms   p95 {s['p95']:7.0f} ms   max {s['max']:7.0f} ms   "
        f"({s['moves'] - s['missing']} of {s['moves']} moves settled)"
    )


async def run(args, folder: Path) -> dict:
    """Both phases on one server; returns the figures."""
    import pandas as pd
    from playwright.async_api import async_playwright

    data = folder / "impressions.parquet"
    pd.read_parquet(ROOT / "sample_data" / "test.parquet").sample(args.rows, random_state=0).to_parquet(data)
    models = sorted((ROOT / "sample_data" / "models").glob("*.skops"))[: args.models]
    env = {
        "TRADEOFFS_LOG_URL": str(folder / "decisions.sqlite"),
        "TRADEOFFS_APP_WORKERS": "0" if args.mode == "thread" else str(args.workers or ""),
    }
    env = {k: v for k, v in env.items() if v != ""}
    with running_app(args.log or folder / "streamlit.log", env) as url:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            browsers = [await open_session(browser, f"{url}/stakeholders") for _ in range(args.browsing)]
            evaluators = [await open_session(browser, f"{url}/data") for _ in range(args.evaluating)]
            for _, page, status in evaluators:
                await prepare_evaluation(page, status, data, models)
            # warm-up: the two slider positions each session alternates between are computed (and cached) once
            await asyncio.gather(
                *(browse(pg, st, 2, seed=50 + i, timeout=args.timeout) for i, (_, pg, st) in enumerate(browsers))
            )
            load = {"idle": os.getloadavg()[0]}
            moves = [browse(pg, st, args.moves, seed=i, timeout=args.timeout) for i, (_, pg, st) in enumerate(browsers)]
            idle = [s for r in await asyncio.gather(*moves) for s in r]

            stop, log = asyncio.Event(), []
            loops = [asyncio.create_task(keep_evaluating(pg, stop, log)) for _, pg, _ in evaluators]
            await asyncio.sleep(args.warmup)  # the evaluations are under way
            moves = [
                browse(pg, st, args.moves, seed=100 + i, timeout=args.timeout) for i, (_, pg, st) in enumerate(browsers)
            ]
            loaded = [s for r in await asyncio.gather(*moves) for s in r]
            load["loaded"] = os.getloadavg()[0]
            if args.screenshots:
                args.screenshots.mkdir(parents=True, exist_ok=True)
                for i, (_, pg, _) in enumerate(evaluators):
                    await pg.screenshot(path=str(args.screenshots / f"evaluating_{i}.png"), full_page=True)
                await browsers[0][1].screenshot(path=str(args.screenshots / "browsing_0.png"), full_page=True)
            stop.set()
            await asyncio.gather(*loops)
            await browser.close()
    return {"idle": summary("idle", idle), "loaded": summary("loaded", loaded), "evaluations": log, "load": load}


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("process", "thread"), default="process", help="where evaluations run")
    parser.add_argument("--workers", type=int, default=None, help="TRADEOFFS_APP_WORKERS (default: the app's)")
    parser.add_argument("--browsing", type=int, default=8, help="sessions moving a slider")
    parser.add_argument("--evaluating", type=int, default=2, help="sessions running evaluations")
    parser.add_argument("--moves", type=int, default=6, help="slider moves per browsing session and phase")
    parser.add_argument("--rows", type=int, default=3000, help="rows of the evaluation data")
    parser.add_argument("--models", type=int, default=10, help="how many of the scenario's model files")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of evaluation before the loaded moves")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a move counts as missing")
    parser.add_argument("--screenshots", type=Path, default=None, help="save the pages at the end of the loaded phase")
    parser.add_argument("--log", type=Path, default=None, help="keep the server's log in this file")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds before the whole run is abandoned")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"skipped: Chromium is not installed at {CHROMIUM}")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            r = asyncio.run(asyncio.wait_for(run(args, Path(tmp)), timeout=args.budget))
        except TimeoutError:
            raise SystemExit(f"abandoned after the {args.budget:.0f} s budget") from None
    print(
        f"Slider settle on Stakeholders, {args.browsing} sessions x {args.moves} moves per phase; "
        f"{args.evaluating} sessions evaluating {args.models} models on {args.rows:,} rows in the loaded phase "
        f"(mode: {args.mode}{'' if args.workers is None else f', {args.workers} worker(s)'})."
    )
    print(show(r["idle"]))
    print(show(r["loaded"]))
    if "p50" in r["idle"] and "p50" in r["loaded"]:
        p50, p95 = (r["loaded"][q] / r["idle"][q] for q in ("p50", "p95"))
        print(f"  ratio    p50 {p50:.2f}x   p95 {p95:.2f}x   (target: within 2x)")
    print(f"  evaluations ended during the loaded phase: {json.dumps(r['evaluations'])}")
    print(
        f"  machine load average (1 min) at the start of each phase: idle {r['load']['idle']:.1f}, "
        f"loaded {r['load']['loaded']:.1f} on {os.cpu_count()} cores (other users' work counts too)"
    )


if __name__ == "__main__":
    main()
