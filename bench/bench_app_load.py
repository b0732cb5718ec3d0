"""Load test of the dashboard: do other sessions stay responsive while evaluations run?

Run from the repository root (loopback only; about seven minutes, bounded by ``--budget``)::

    python bench/bench_app_load.py                     # evaluations in worker processes (the default)
    python bench/bench_app_load.py --mode thread       # the old way: threads of the server process
    TRADEOFFS_APP_WORKER_NICE=0 python bench/bench_app_load.py   # workers as equals of the server
    python bench/bench_app_load.py --profile /tmp/prof # also py-spy the server, per phase and round

It starts ``tradeoffs app --headless --address 127.0.0.1 --port <free>`` (no file watcher: an edit in
the checkout mid-run would make the server re-import the app) and drives Debian's Chromium through
Playwright (async API, one browser context per session, so every context is a separate Streamlit
session):

- ``--browsing`` sessions (default 8) in one Chromium, on the Stakeholders page, each moving the first
  weight slider one step with the keyboard between the same two positions, ``--moves`` times per
  phase, a short random pause between moves. A move counts as *settled* once the server has finished
  a script run since the key press and the page is then idle as in ``bench/bench_app_browser.py``:
  the server says no script runs for the page (Streamlit's websocket messages), no status widget,
  spinner or stale element, and no DOM mutation for ``QUIET_MS``; the figure is the time of the
  page's last activity after the key press. Its *server part* is the time until the run's
  ``script_finished`` message arrived; the rest is the browser drawing the answer. After each settled
  move the page's URL is read: it must have changed with the weight and equal the URL the session had
  the last time at that position, else the shareable link is *behind the weights*.
- ``--evaluating`` sessions (default 2) in a second Chromium of their own, at ``--evaluator-nice``
  (default 19, its scheduler autogroup too): their users' browsers are not on the server, so their
  drawing should not take the CPU from the browsing sessions' browser, which shares this machine. On
  the Data & models page, each with a sample of the built-in scenario's data and its model files
  uploaded before the measurement; during a loaded phase each presses Evaluate, and again whenever
  its evaluation has ended, and cancels at the phase's end (the worker is stopped before the next
  idle phase).

After two warm-up moves per session (so every phase moves between the same two, already computed,
slider positions: what is measured is the rerun, not a cache miss), **idle** (the browsing sessions
alone) and **loaded** (the same moves while the evaluations run, ``--warmup`` seconds after they
started) alternate ``--rounds`` times, the moves split evenly, so that other users' work on a shared
machine falls on both phases alike. It prints per phase the settle time's p50, p95 and max, the
server part's p50 and p95, the ratio of the phases (target: loaded p50 and p95 within 2x of idle),
the evaluations that ended, the 1-minute load average, and where the CPU went (cores in use on
average: the server, its workers, each browser, and everything else on the machine). No figure is
asserted anywhere; a move that never settles within ``--timeout`` is counted as missing, never as a
number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
  // the run's state as the frontend keeps it (the status widget shows only after a run's first 0.5 s)
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
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
    """``tradeoffs app`` on a free loopback port; yields its URL and process id, and stops it (and its workers) after.

    On POSIX the command replaces itself with Streamlit (``exec``), so the process id is the server's.
    """
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
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass(frozen=True)
class Move:
    """One slider move: its settle time (ms; None: never settled) and whether the URL lagged after it."""

    settle: float | None
    #: Of ``settle``, the time until the server's run had finished (ms).
    server: float | None
    #: Rerun requests the page sent for the move (a second one can stop the first run midway).
    requests: int
    #: True: the page's URL did not show the new weight once the move had settled (None: not settled).
    url_behind: bool | None


class ScriptStatus:
    """Whether the server runs a script for the page, from Streamlit's messages on the websocket."""

    def __init__(self, page) -> None:
        self.running = False
        #: Scripts (or fragments) finished so far, and when the last one did (``time.monotonic()``).
        self.finished = 0
        self.finished_at = 0.0
        #: Rerun requests the page sent (a key press on a slider sends one).
        self.requests = 0
        page.on("websocket", self._socket)

    def _socket(self, ws) -> None:
        ws.on("framereceived", self._frame)
        ws.on("framesent", self._sent)

    def _sent(self, payload) -> None:
        if isinstance(payload, str):
            return
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # not a BackMsg
            return
        if msg.WhichOneof("type") == "rerun_script":
            self.requests += 1

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
) -> tuple[float, float] | None:
    """Milliseconds from ``t0`` (``performance.now()``) to the page's last activity once idle; None on timeout.

    ``after``: the count of finished scripts before the key press; the page is idle only once the
    server has finished a run since (a loaded server may not have started it within ``QUIET_MS``). The
    figure is then at least that run's end (``pressed``: ``time.monotonic()`` at the key press). Returns
    ``(settle, server)``: ``server`` is the part until the server's run had finished (its
    ``script_finished`` message arrived), the rest is the browser drawing the answer.
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
            return max(max(s["last"], t0) - t0, server_ms), server_ms
        await asyncio.sleep(0.05)
    return None


@dataclass
class Session:
    """One browser context (one Streamlit session) and what the bench tracks of it."""

    context: Any
    page: Any
    status: ScriptStatus
    #: Which of the two slider positions the session is at (0: where it started, 1: one step right).
    position: int = 0
    #: The page's query string the first time the session settled at each position.
    url_at: dict[int, str] = field(default_factory=dict)


async def open_session(browser, url: str) -> Session:
    """A new browser context (a new Streamlit session) with the idle probe, on ``url``."""
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(PROBE)
    page = await context.new_page()
    status = ScriptStatus(page)
    await page.goto(url, wait_until="commit")
    await wait_idle(page, status, 0.0, timeout=180)
    return Session(context, page, status)


async def query_string(page) -> str | None:
    """The page's query string now (what a user copies as the shareable link), None while navigating."""
    try:
        return await page.evaluate("() => window.location.search")
    except Exception:  # a navigation in flight
        return None


async def browse(s: Session, moves: int, *, seed: int, timeout: float) -> list[Move]:
    """Move the first weight slider ``moves`` times between two positions, timing each move until settled.

    After each settled move the page's URL is read: it must have changed with the weight and be the
    same as the last time the session was at that position, else the shareable link lags behind the
    session's weights (:attr:`Move.url_behind`).
    """
    rng = random.Random(seed)
    thumb = s.page.locator('[data-testid="stSlider"] input[type="range"]').first
    out = []
    for _ in range(moves):
        await asyncio.sleep(rng.uniform(0.2, 1.0))
        await thumb.focus()
        before = await query_string(s.page)
        after_runs, requests = s.status.finished, s.status.requests
        t0 = await s.page.evaluate("() => performance.now()")
        pressed = time.monotonic()
        await thumb.press("ArrowLeft" if s.position else "ArrowRight")
        s.position = 1 - s.position
        idle = await wait_idle(s.page, s.status, t0, timeout=timeout, after=after_runs, pressed=pressed)
        sent = s.status.requests - requests
        if idle is None:
            out.append(Move(None, None, sent, None))
            continue
        now = await query_string(s.page)
        seen = s.url_at.setdefault(s.position, now)
        out.append(Move(*idle, sent, url_behind=now is None or now == before or now != seen))
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
    # Cancel, until the page no longer shows an evaluation (the worker is stopped before the next idle
    # phase); the progress fragment redraws the button every second, so a click can miss it
    cancel = page.get_by_role("button", name="Cancel")
    end = time.monotonic() + 60
    while await busy.count() and time.monotonic() < end:
        try:
            if await cancel.count():
                await cancel.first.click(timeout=2_000)
        except Exception:  # redrawn under the click: try again
            pass
        await asyncio.sleep(0.25)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by linear interpolation."""
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1] if len(values) > 1 else values[0]


@dataclass
class Phase:
    """What one phase (idle or loaded) gathered over its rounds."""

    name: str
    moves: list[Move] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    loads: list[float] = field(default_factory=list)

    def add(self, moves: list[Move], cpu: dict[str, float], seconds: float, load: float) -> None:
        """One round's moves, CPU seconds by group, wall seconds and load average at its start."""
        self.moves += moves
        for k, v in cpu.items():
            self.cpu[k] = self.cpu.get(k, 0.0) + v
        self.seconds += seconds
        self.loads.append(load)


def summary(phase: Phase) -> dict:
    """p50/p95/max of the settled moves of one phase (and of their server part), misses, URL lags, CPU."""
    ok = [m for m in phase.moves if m.settle is not None]
    out = {
        "phase": phase.name,
        "moves": len(phase.moves),
        "missing": len(phase.moves) - len(ok),
        "url_behind": sum(bool(m.url_behind) for m in ok),
        "repeated": sum(m.requests > 1 for m in phase.moves),
        "cpu": phase.cpu,
        "seconds": phase.seconds,
        "load": statistics.fmean(phase.loads) if phase.loads else float("nan"),
    }
    if ok:
        settle, server = [m.settle for m in ok], [m.server for m in ok]
        out.update(p50=percentile(settle, 0.5), p95=percentile(settle, 0.95), max=max(settle))
        out.update(server_p50=percentile(server, 0.5), server_p95=percentile(server, 0.95))
    return out


def show(s: dict) -> str:
    """One printed line of a phase."""
    if "p50" not in s:
        return f"  {s['phase']:<8} missing (none of {s['moves']} moves settled)"
    return (
        f"  {s['phase']:<8} p50 {s['p50']:7.0f} ms   p95 {s['p95']:7.0f} ms   max {s['max']:7.0f} ms   "
        f"(server part p50 {s['server_p50']:.0f} ms, p95 {s['server_p95']:.0f} ms; "
        f"{s['moves'] - s['missing']} of {s['moves']} moves settled; URL behind the weights after "
        f"{s['url_behind']}; {s['repeated']} sent more than one rerun request; load average {s['load']:.1f})"
    )


def show_cpu(s: dict) -> str:
    """Where the machine's CPU went during one phase (cores in use on average)."""
    parts = "  ".join(f"{k} {v / s['seconds']:.2f}" for k, v in s["cpu"].items())
    return f"  {s['phase']:<8} cores busy over {s['seconds']:.0f} s: {parts}"


class CpuMeter:
    """CPU seconds used by the server, its worker processes, each browser and everything else on the machine.

    ``browsers`` maps a name to the browser's main process (its renderers are its descendants). Workers
    are the server's children: the ones running now, plus what ended ones used (reaped by the server).
    """

    def __init__(self, server_pid: int, browsers: dict[str, int]) -> None:
        import psutil

        self._psutil = psutil
        self.server = psutil.Process(server_pid)
        self.browsers = {name: psutil.Process(pid) for name, pid in browsers.items()}
        self._seen: dict[int, float] = {}  # CPU seconds of live workers at the last reading

    @staticmethod
    def _own(p) -> float:
        t = p.cpu_times()
        return t.user + t.system

    def _tree(self, root) -> float:
        total = self._own(root)
        for child in root.children(recursive=True):
            try:
                total += self._own(child)
            except self._psutil.Error:  # ended meanwhile
                pass
        return total

    def read(self) -> dict[str, float]:
        """Cumulative CPU seconds now, by group; ``machine`` is every CPU of the machine, ``other`` the rest."""
        t = self.server.cpu_times()
        live = 0.0
        for child in self.server.children(recursive=True):
            try:
                live += self._own(child)
            except self._psutil.Error:
                pass
        out = {
            "server": t.user + t.system,
            "workers": t.children_user + t.children_system + live,
            **{f"browser:{name}": self._tree(p) for name, p in self.browsers.items()},
        }
        m = self._psutil.cpu_times()
        out["machine"] = sum(getattr(m, k, 0.0) for k in ("user", "nice", "system", "irq", "softirq", "steal"))
        return out

    @staticmethod
    def spent(start: dict[str, float], end: dict[str, float]) -> dict[str, float]:
        """CPU seconds used between two readings; ``other`` is the machine's less the groups above."""
        out = {k: max(0.0, end[k] - start[k]) for k in start}
        out["other"] = max(0.0, out["machine"] - sum(v for k, v in out.items() if k != "machine"))
        return out


@contextmanager
def profiled(pid: int, out: Path | None, *, rate: int = 50):
    """Record the server with py-spy (``--format raw``: collapsed stacks per thread) while the block runs.

    Without ``out`` nothing is recorded. py-spy samples without stopping the server (``--nonblocking``).
    """
    if out is None:
        yield
        return
    cmd = ["py-spy", "record", "--pid", str(pid), "--format", "raw", "--output", str(out), "--rate", str(rate)]
    proc = subprocess.Popen([*cmd, "--nonblocking", "--threads"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def launch(p, *, nice: int) -> tuple[Any, int]:
    """A Chromium of its own; returns it and its main process id (reniced by ``nice`` with its children)."""
    import psutil

    me = psutil.Process()
    before = {c.pid for c in me.children(recursive=True)}
    browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    new = [c for c in me.children(recursive=True) if c.pid not in before and "chrom" in c.name()]
    root = next(c for c in new if c.parent() is None or c.parent().pid not in {n.pid for n in new})
    renice(root.pid, nice)
    return browser, root.pid


def renice(pid: int, nice: int) -> None:
    """Set the niceness of a process and its descendants (new renderers inherit it from the zygote).

    Chromium leads a session of its own, so where Linux groups the scheduler by session (autogroups)
    its group's nice is set too: without it the niced browser still took as much CPU as the server.
    """
    import psutil

    if not nice:
        return
    root = psutil.Process(pid)
    for proc in (root, *root.children(recursive=True)):
        try:
            proc.nice(nice)
        except psutil.Error:
            pass
    autogroup = Path(f"/proc/{pid}/autogroup")
    if autogroup.exists() and os.getsid(pid) == pid:
        autogroup.write_text(str(nice))


async def run(args, folder: Path, gathered: dict) -> None:
    """Both phases on one server; their records go into ``gathered`` as they fill (kept if the budget runs out)."""
    import pandas as pd
    from playwright.async_api import async_playwright

    data = folder / "impressions.parquet"
    pd.read_parquet(ROOT / "sample_data" / "test.parquet").sample(args.rows, random_state=0).to_parquet(data)
    models = sorted((ROOT / "sample_data" / "models").glob("*.skops"))[: args.models]
    env = {
        "TRADEOFFS_LOG_URL": str(folder / "decisions.sqlite"),
        "TRADEOFFS_APP_WORKERS": "0" if args.mode == "thread" else str(args.workers or ""),
        # No file watcher: an edit in the checkout during the run would make the server re-import the app
        # mid-phase (and watching costs CPU too), which is not what is measured.
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    }
    env = {k: v for k, v in env.items() if v != ""}
    with running_app(args.log or folder / "streamlit.log", env) as (url, server_pid):
        async with async_playwright() as p:
            browsing_browser, browsing_pid = await launch(p, nice=0)
            evaluating_browser, evaluating_pid = await launch(p, nice=args.evaluator_nice)
            browsers = [await open_session(browsing_browser, f"{url}/stakeholders") for _ in range(args.browsing)]
            evaluators = [await open_session(evaluating_browser, f"{url}/data") for _ in range(args.evaluating)]
            for e in evaluators:
                await prepare_evaluation(e.page, e.status, data, models)
            renice(evaluating_pid, args.evaluator_nice)  # renderers started since
            meter = CpuMeter(server_pid, {"browsing": browsing_pid, "evaluating": evaluating_pid})
            # warm-up: the two slider positions each session alternates between are computed (and cached) once
            await asyncio.gather(*(browse(b, 2, seed=50 + i, timeout=args.timeout) for i, b in enumerate(browsers)))
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
            idle, loaded, log = Phase("idle"), Phase("loaded"), []
            gathered.update(idle=idle, loaded=loaded, evaluations=log)

            async def measure(phase: Phase, round_: int) -> None:
                load, start, t = os.getloadavg()[0], meter.read(), time.monotonic()
                out = args.profile / f"{phase.name}_{round_}.txt" if args.profile else None
                with profiled(server_pid, out):
                    seed = 1000 * round_ + (100 if phase is loaded else 0)
                    runs = [browse(b, per_round, seed=seed + i, timeout=args.timeout) for i, b in enumerate(browsers)]
                    moves = [m for r in await asyncio.gather(*runs) for m in r]
                phase.add(moves, meter.spent(start, meter.read()), time.monotonic() - t, load)

            per_round = args.moves // args.rounds
            for round_ in range(1, args.rounds + 1):
                await measure(idle, round_)
                stop = asyncio.Event()
                loops = [asyncio.create_task(keep_evaluating(e.page, stop, log)) for e in evaluators]
                await asyncio.sleep(args.warmup)  # the evaluations are under way
                await measure(loaded, round_)
                if args.screenshots and round_ == args.rounds:
                    args.screenshots.mkdir(parents=True, exist_ok=True)
                    for i, e in enumerate(evaluators):
                        await e.page.screenshot(path=str(args.screenshots / f"evaluating_{i}.png"), full_page=True)
                    await browsers[0].page.screenshot(path=str(args.screenshots / "browsing_0.png"), full_page=True)
                stop.set()
                await asyncio.gather(*loops)  # cancelled, and the workers stopped, before the next idle round
            await browsing_browser.close()
            await evaluating_browser.close()


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("process", "thread"), default="process", help="where evaluations run")
    parser.add_argument("--workers", type=int, default=None, help="TRADEOFFS_APP_WORKERS (default: the app's)")
    parser.add_argument("--browsing", type=int, default=8, help="sessions moving a slider")
    parser.add_argument("--evaluating", type=int, default=2, help="sessions running evaluations")
    parser.add_argument("--moves", type=int, default=6, help="slider moves per browsing session and phase")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="idle and loaded phases alternate this many times (the moves split evenly), so other users' load "
        "on the machine falls on both alike",
    )
    parser.add_argument("--rows", type=int, default=3000, help="rows of the evaluation data")
    parser.add_argument("--models", type=int, default=10, help="how many of the scenario's model files")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of evaluation before the loaded moves")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a move counts as missing")
    parser.add_argument(
        "--evaluator-nice",
        type=int,
        default=19,
        help="niceness of the evaluating sessions' own Chromium (their users' browsers are not on the server; "
        "0 lets it compete with the server as an equal)",
    )
    parser.add_argument("--profile", type=Path, default=None, help="record the server with py-spy per phase here")
    parser.add_argument("--screenshots", type=Path, default=None, help="save the pages at the end of the loaded phase")
    parser.add_argument("--log", type=Path, default=None, help="keep the server's log in this file")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds before the whole run is abandoned")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"skipped: Chromium is not installed at {CHROMIUM}")
    if args.rounds < 1 or args.moves % args.rounds:
        raise SystemExit(f"--moves {args.moves} must split evenly into --rounds {args.rounds}")
    if args.profile and shutil.which("py-spy") is None:
        raise SystemExit("--profile needs py-spy on the PATH: pip install py-spy")
    gathered: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            asyncio.run(asyncio.wait_for(run(args, Path(tmp), gathered), timeout=args.budget))
        except TimeoutError:
            if not gathered or not gathered["loaded"].moves:
                raise SystemExit(f"abandoned after the {args.budget:.0f} s budget, before a loaded phase") from None
            print(f"Abandoned after the {args.budget:.0f} s budget: the figures of the rounds done so far.")
    r = {name: summary(gathered[name]) for name in ("idle", "loaded")}
    r["evaluations"] = gathered["evaluations"]
    print(
        f"Slider settle on Stakeholders, {args.browsing} sessions x {args.moves} moves per phase; "
        f"{args.evaluating} sessions evaluating {args.models} models on {args.rows:,} rows in the loaded phase "
        f"(mode: {args.mode}{'' if args.workers is None else f', {args.workers} worker(s)'}, "
        f"TRADEOFFS_APP_WORKER_NICE={os.environ.get('TRADEOFFS_APP_WORKER_NICE', 'unset')}; evaluating "
        f"sessions' Chromium at nice {args.evaluator_nice}; {args.rounds} rounds)."
    )
    print(show(r["idle"]))
    print(show(r["loaded"]))
    if "p50" in r["idle"] and "p50" in r["loaded"]:
        p50, p95 = (r["loaded"][q] / r["idle"][q] for q in ("p50", "p95"))
        print(f"  ratio    p50 {p50:.2f}x   p95 {p95:.2f}x   (target: within 2x)")
    print(f"  evaluations ended during the loaded phases: {json.dumps(r['evaluations'])}")
    print(show_cpu(r["idle"]))
    print(show_cpu(r["loaded"]))
    print(
        f"  (load average: 1 minute, at the start of each phase, on {os.cpu_count()} cores; other users' work counts)"
    )
    if args.profile:
        print(f"  py-spy profiles of the server (collapsed stacks), per phase and round: {args.profile}/*.txt")


if __name__ == "__main__":
    main()
