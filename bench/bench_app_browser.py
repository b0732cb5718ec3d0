"""Benchmark of the dashboard in a real browser: every page at 10, 1,000 and 10,000 candidates.

Run from the repository root (about ten minutes; needs ``/usr/bin/chromium`` and Playwright)::

    python bench/bench_app_browser.py                       # sizes 10, 1000, 10000
    python bench/bench_app_browser.py --sizes 10000 --screenshots /tmp/shots

For each size it writes a seeded scorecard (10: the built-in scenario's own ``sample_data/scorecard.json``;
larger: that scenario grown with ``bench/decision_inputs.py``, the scenario's per-group slices and time
windows kept for its ten original candidates, so every page has something to draw), starts the real
dashboard (``streamlit run``, ``TRADEOFFS_DEFAULT_SCORECARD`` pointing at the file) and drives Debian's
Chromium through Playwright at 1440 x 2600 px (the main area scrolls inside the page, so a tall
viewport draws every chart). It prints, per page, the first load (the server fills its caches; the
Consensus and Decision pages compute the group decision, in the background, and count as idle only
once it is shown) and the best of ``--repeat`` more:

- **idle**: milliseconds from the start of navigation (``page.goto``, a full load of the page as a
  user opening its link gets it) until the page is *idle*, defined as: the page's title (``h1``) is
  drawn; no script (or fragment) runs for the page, as Streamlit's own messages on the websocket
  say (``session_status_changed``, ``script_finished``: the status widget alone misses a script
  that waits quietly); Streamlit's status widget and every spinner are gone; no element is marked
  stale by a rerun; every plotly chart has drawn its SVG;
  and then nothing happened for ``QUIET_MS``: no DOM mutation in the document and no long task
  (over 50 ms, ``PerformanceObserver`` ``longtask``) on the main thread. The figure is the time of
  the last such activity, not the end of the quiet window.
- **busy**: the main thread's long-task time in that span (JavaScript, layout and paint of tasks
  over 50 ms: where plotly's drawing goes).
- **choice shown at**: on Consensus and Decision, when the group's choice was first on screen (the quick
  decision, before the sensitivity checks that the page counts as idle only after).
- **gate**: when the page asked for a click instead of computing (the ``DECISION_LIMIT`` gate).
- **cpu** and **server**: CPU milliseconds of the browser's main thread (Chromium's ``ThreadTime``
  of the page's document) and of the dashboard's server processes over the same span, with the
  1-minute **load** average after it. On a shared machine wall-clock times grow with other
  people's work; CPU times hardly do, so they compare runs taken at different loads.

``--detail N`` gives the first ``N`` candidates of a grown scorecard the scenario's per-candidate
sections (slices, windows, curves, serving, explanations, decay, backtest, disparities; copies of
the original each was grown from, :func:`grow_details`), so the pages that draw a line or a bar per
candidate are measured with thousands to draw (default: the scenario's ten).

- **link**: the page reached as a user moves around the dashboard, by its link in the sidebar (from the
  Overview, itself reached by its link; no reload, so neither Streamlit's start nor plotly's script is
  paid again), from the click until idle.

and for the interactions, best of ``--repeat``: on Stakeholders, a weight slider moved one step with
the keyboard; on Trade-offs, the horizontal axis changed with its select box; on Operating points, the
threshold moved one step with the keyboard (the figures, group rates and front redrawn); each from the key press
(or option click) until idle again. In the same run, the figures alone: ``Plotly.newPlot`` in a
blank page with ``plotly.min.js`` (main-thread milliseconds until the next frame) of the Trade-offs
page's parallel coordinates as drawn now (SVG lines: a seeded sample with the whole front) next to
the old way (``go.Parcoords`` of every candidate), and of its scatter now (SVG points, a density for
a large dominated cloud) next to the old way (``go.Scattergl`` of every point).

No timing is asserted anywhere; a page that never becomes idle within ``--timeout`` is reported as
missing, never as a number.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "scorecard.json"
VIEWPORT = {"width": 1440, "height": 2600}
#: Nothing may happen for this long before a page counts as idle (milliseconds).
QUIET_MS = 600
#: The pages by URL path, in the sidebar's order except Consensus and Decision, which come last: the group
#: decision and the report check they start run in a background thread of the same server, which would
#: slow the pages measured while it runs.
PAGES = {
    "overview": "",
    "data": "data",
    "scorecard": "scorecard",
    "stakeholders": "stakeholders",
    "tradeoffs": "tradeoffs",
    "operating_points": "operating_points",
    "quality": "quality",
    "serving": "serving",
    "fairness": "fairness",
    "explanations": "explanations",
    "drift": "drift",
    "consensus": "consensus",
    "decision": "decision",
}
GATE_TEXT = ("Compute them anyway", "compute the group decision on the Consensus page first")

#: Installed before any page script: records the time of the last DOM mutation and every long task.
PROBE = """
window.__probe = {last: 0, long: []};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    window.__probe.long.push([e.startTime, e.duration]);
    window.__probe.last = Math.max(window.__probe.last, e.startTime + e.duration);
  }
}).observe({type: 'longtask', buffered: true});
const __watch = () => new MutationObserver(() => { window.__probe.last = performance.now(); })
  .observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
if (document.documentElement) { __watch(); } else { document.addEventListener('DOMContentLoaded', __watch); }
"""

#: What the Consensus and Decision pages say while the group decision is computed in the background.
WAITING = "in the background"

#: True when the page looks finished (the quiet window is checked separately).
READY = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('h1')) return false;
  // the run's state as the frontend keeps it (the status widget shows only after a run's first 0.5 s)
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (document.querySelector('[data-testid="stSpinner"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  if (main.innerText.includes(WAITING)) return false;  // the group decision is still being computed
  for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!c.querySelector('.main-svg')) return false;
  }
  return true;
}""".replace("WAITING", json.dumps(WAITING))

STATE = """(t0) => {
  const p = window.__probe, now = performance.now();
  const busy = p.long.filter(([s, d]) => s + d > t0).reduce((acc, [s, d]) => acc + d - Math.max(0, t0 - s), 0);
  return {now: now, last: p.last, busy: busy};
}"""


@dataclass(frozen=True)
class Timing:
    """One measurement: milliseconds to idle and main-thread long-task time, or why it is missing.

    ``cpu_ms`` is the CPU time of the browser's main thread and ``server_ms`` that of the dashboard's
    server (its process and children) over the same span: unlike wall-clock times they hardly grow
    when other people load the machine, so they compare runs taken at different loads.
    """

    idle_ms: float | None
    busy_ms: float | None
    gate: bool = False
    note: str = ""
    cpu_ms: float | None = None
    server_ms: float | None = None
    load: float | None = None
    #: When the page's main answer was first on screen (Consensus and Decision: the group's choice, from
    #: the quick decision, before the sensitivity checks fill in), ms from the same start; None: not tracked.
    shown_ms: float | None = None


class CpuClock:
    """CPU milliseconds of the browser page's main thread (CDP ``Performance``) and of the server's processes.

    Chromium's ``ThreadTime`` metric counts the main thread's CPU time of the current document and starts
    again with each navigation; the server's is read from ``/proc`` (Linux; ``None`` elsewhere), summed over
    the ``streamlit run`` process this script started and its children.
    """

    def __init__(self, context, page) -> None:
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self.server = _child_pid("streamlit")

    def browser_ms(self) -> float | None:
        try:
            metrics = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        except Exception:  # the page is navigating: the metric is unavailable
            return None
        return 1000.0 * metrics["ThreadTime"] if "ThreadTime" in metrics else None

    def server_ms(self) -> float | None:
        return None if self.server is None else _tree_cpu_ms(self.server)


def _proc_stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # the fields after the command name (which may hold spaces)


def _child_pid(word: str) -> int | None:
    """The pid of a child process of this one whose command line contains ``word`` (None when not found)."""
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _proc_stat(int(entry.name))
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if fields and int(fields[1]) == os.getpid() and word in cmd:
            return int(entry.name)
    return None


def _tree_cpu_ms(root: int) -> float | None:
    """User + system CPU milliseconds of ``root`` and its live descendants (from ``/proc``)."""
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _proc_stat(int(entry.name))
        if fields:
            parent[int(entry.name)] = int(fields[1])
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) * 1000.0 / tick
    if root not in cpu:
        return None
    tree, grew = {root}, True
    while grew:
        more = {p for p, pp in parent.items() if pp in tree} - tree
        grew = bool(more)
        tree |= more
    return sum(cpu[p] for p in tree)


def _delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def _browser_helpers():
    """``tests/e2e/_browser.py`` (running_app, CHROMIUM, CHROMIUM_ARGS), loaded by path."""
    spec = importlib.util.spec_from_file_location("_browser", ROOT / "tests" / "e2e" / "_browser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_scorecard(n: int, folder: Path, *, detail: int = 10) -> Path:
    """The scorecard of ``n`` candidates the dashboard opens (seeded; see the module docstring).

    ``detail`` candidates (the first ones) carry the per-candidate sections (see :func:`grow_details`).
    """
    if n == 10:
        return SAMPLE
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from decision_inputs import make_scorecard_dict

    base = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data = make_scorecard_dict(n, seed=0)
    data["slices"], data["windows"] = base["slices"], base["windows"]  # the ten originals keep their names
    grow_details(data, min(detail, n))
    path = folder / f"scorecard_{n}_{detail}.json"
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
    return path


def grow_details(data: dict, count: int) -> dict:
    """Give the first ``count`` candidates of a grown scorecard (``data``, as JSON) the per-candidate detail.

    The scenario's own ten have slices, windows, curves, serving measurements, explanations, decay,
    backtest, disparities and ranking bounds; candidate ``i`` beyond them gets a copy of those of the
    original it was grown from (``i % 10``, as ``decision_inputs`` grows metrics), under its own name.
    So every per-candidate chart has ``count`` candidates to draw (a sweep where every model was
    evaluated in full), while the metrics of all candidates differ as before. Changes ``data`` in place.
    """
    names = [c["name"] for c in data["candidates"]]
    originals = names[:10]
    return copy_details(data, {names[i]: originals[i % len(originals)] for i in range(len(originals), count)})


def copy_details(data: dict, source: dict[str, str]) -> dict:
    """Add to ``data`` (a scorecard as JSON) the per-candidate detail of ``source[new]`` under each name ``new``.

    Copies slices, windows and the per-candidate entries of the sections ``curves``, ``serving``,
    ``explanations``, ``decay``, ``trend``, ``backtest``, ``fairness`` and ``ranking`` (those it has).
    Changes ``data`` in place and returns it.
    """
    grown = [(new, old) for new, old in source.items() if new != old]

    def rows(items, key: str = "candidate") -> list:
        by: dict[str, list] = {}
        for r in items:
            by.setdefault(r[key], []).append(r)
        return list(items) + [dict(r, **{key: new}) for new, old in grown for r in by.get(old, ())]

    def keyed(mapping) -> dict:
        return {**mapping, **{new: mapping[old] for new, old in grown if old in mapping}}

    data["slices"], data["windows"] = rows(data.get("slices", ())), rows(data.get("windows", ()))
    sec = data.setdefault("sections", {})
    if "curves" in sec:
        sec["curves"] = keyed(sec["curves"])
    if "serving" in sec:
        by_name = {e["name"]: e for e in sec["serving"]["candidates"]}
        extra = [dict(by_name[old], name=new) for new, old in grown if old in by_name]
        sec["serving"]["candidates"] = list(sec["serving"]["candidates"]) + extra
    for name, key in (("explanations", "candidates"), ("decay", "candidates"), ("trend", "slope")):
        if name in sec and key in sec[name]:
            sec[name][key] = keyed(sec[name][key])
    if "backtest" in sec:
        sec["backtest"]["rows"] = rows(sec["backtest"]["rows"])
        sec["backtest"]["supplied"] = rows(sec["backtest"]["supplied"])
    if "fairness" in sec:
        sec["fairness"]["by_attribute"] = {a: keyed(v) for a, v in sec["fairness"]["by_attribute"].items()}
    if "ranking" in sec:
        sec["ranking"]["by_candidate"] = keyed(sec["ranking"]["by_candidate"])
    return data


class ScriptStatus:
    """Whether the server runs a script for the page, from Streamlit's own messages on the websocket.

    Every ``ForwardMsg`` the browser receives is decoded; ``session_status_changed`` says whether a
    script (or a fragment) is running and ``script_finished`` that it ended. The status widget in
    the page is not enough: a script that waits quietly (on a background computation) shows none.
    """

    def __init__(self, page) -> None:
        self.running = False
        self.messages = 0
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
        self.messages += 1
        kind = msg.WhichOneof("type")
        if kind == "session_status_changed":
            self.running = msg.session_status_changed.script_is_running
        elif kind == "new_session":
            self.running = True
        elif kind == "script_finished":
            self.running = False


#: Text that appears with each page's main answer, by URL path (see ``Timing.shown_ms``).
SHOWN_TEXT = {"consensus": "The group rules, side by side", "decision": "Sign-offs"}


def wait_idle(page, t0: float, *, timeout: float, shown: str | None = None) -> Timing:
    """Wait until the page is idle (module docstring); times relative to ``t0`` (``performance.now()``).

    With ``shown``, also when that text first appeared (``Timing.shown_ms``).
    """
    status: ScriptStatus = page.script_status
    end = time.monotonic() + timeout
    shown_ms = None
    while time.monotonic() < end:
        try:
            ready = page.evaluate(READY)
            s = page.evaluate(STATE, t0)
            if shown and shown_ms is None and page.get_by_text(shown, exact=True).count():
                shown_ms = page.evaluate("() => performance.now()") - t0
        except Exception:  # a navigation in flight destroys the context: try again
            time.sleep(0.05)
            continue
        if ready and not status.running and s["now"] - max(s["last"], t0) >= QUIET_MS:
            gate = any(page.get_by_text(t).count() for t in GATE_TEXT)
            return Timing(max(s["last"], t0) - t0, s["busy"], gate, shown_ms=shown_ms)
        time.sleep(0.05)
    return Timing(None, None, note=f"not idle after {timeout:.0f} s")


def _with_cpu(t: Timing, clock: CpuClock | None, browser: float | None, server: float | None) -> Timing:
    if clock is None or t.idle_ms is None:
        return replace(t, load=os.getloadavg()[0])
    return replace(t, cpu_ms=browser, server_ms=_delta(clock.server_ms(), server), load=os.getloadavg()[0])


def open_page(page, url: str, *, timeout: float) -> Timing:
    """A full load of ``url`` until idle, from the start of navigation."""
    clock: CpuClock | None = getattr(page, "cpu_clock", None)
    server = clock.server_ms() if clock else None
    page.goto(url, wait_until="commit")
    t = wait_idle(page, 0.0, timeout=timeout, shown=SHOWN_TEXT.get(url.rsplit("/", 1)[-1]))
    return _with_cpu(t, clock, clock.browser_ms() if clock else None, server)  # ThreadTime restarted with the load


def _interaction(page, act, *, timeout: float) -> Timing:
    """``act()`` (a key press, a click) until idle again, with the CPU spent meanwhile."""
    clock: CpuClock | None = getattr(page, "cpu_clock", None)
    browser, server = (clock.browser_ms(), clock.server_ms()) if clock else (None, None)
    t0 = page.evaluate("() => performance.now()")
    act()
    t = wait_idle(page, t0, timeout=timeout)
    return _with_cpu(t, clock, _delta(clock.browser_ms(), browser) if clock else None, server)


def move_slider(page, k: int, *, timeout: float) -> Timing:
    """The first weight slider on the page moved one step with the keyboard (right, then left), until idle."""
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').first
    thumb.focus()
    return _interaction(page, lambda: thumb.press("ArrowLeft" if k % 2 else "ArrowRight"), timeout=timeout)


def change_axis(page, k: int, *, timeout: float) -> Timing:
    """The Trade-offs page's horizontal axis set to another objective, until idle."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Horizontal axis").first
    box.click()
    options = page.locator('[role="listbox"] [role="option"]')
    options.first.wait_for()
    count = options.count()
    option = options.nth((3 + 2 * k) % count)
    return _interaction(page, option.click, timeout=timeout)


def navigate(page, sub: str, *, timeout: float) -> Timing:
    """The page reached the way a user moves around: its link in the sidebar clicked (no reload), from the
    Overview (itself reached by its link and left idle first), until idle."""
    page.locator('[data-testid="stSidebarNav"] a').first.click()  # the Overview
    wait_idle(page, page.evaluate("() => performance.now()"), timeout=timeout)
    target = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{sub}"]').first
    return _interaction(page, target.click, timeout=timeout)


def best(timings: list[Timing]) -> Timing:
    """The fastest measured run (a failed one only when all failed)."""
    ok = [t for t in timings if t.idle_ms is not None]
    return min(ok, key=lambda t: t.idle_ms) if ok else timings[-1]


def show(t: Timing) -> str:
    """``idle busy cpu server load`` for a table cell."""
    if t.idle_ms is None:
        return f"missing ({t.note})"

    def ms(v: float | None) -> str:
        return "   n/a" if v is None else f"{v:6.0f}"

    load = "" if t.load is None else f" load {t.load:4.1f}"
    shown = "" if t.shown_ms is None else f" (choice shown at {t.shown_ms:.0f})"
    return (
        f"{t.idle_ms:7.0f} busy {t.busy_ms:6.0f} cpu {ms(t.cpu_ms)} server {ms(t.server_ms)}{load}"
        + (" (asks for a click)" if t.gate else "")
        + shown
    )


def bench_size(browser, helpers, n: int, folder: Path, args) -> dict:
    """Every page and both interactions at ``n`` candidates."""
    path = write_scorecard(n, folder, detail=args.detail)
    env = {"TRADEOFFS_DEFAULT_SCORECARD": str(path), "TRADEOFFS_LOG_URL": str(folder / f"log{n}.sqlite")}
    out: dict = {"pages": {}}
    with helpers.running_app(folder / f"streamlit{n}.log", env=env, timeout=120) as url:
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(PROBE)
        page = context.new_page()
        page.script_status = ScriptStatus(page)
        page.cpu_clock = CpuClock(context, page)
        out["first"] = open_page(page, url, timeout=args.timeout)  # the server reads the file once
        for name, sub in PAGES.items():
            if args.pages and name not in args.pages:
                continue
            first = open_page(page, f"{url}/{sub}", timeout=args.timeout)  # fills the server's caches
            if first.idle_ms is None:  # still computing: loading it again would only wait as long
                again = Timing(None, None, note="not repeated")
            else:
                again = best([open_page(page, f"{url}/{sub}", timeout=args.timeout) for _ in range(args.repeat)])
            out["pages"][name] = (first, again)
            if first.idle_ms is not None and name != "overview":
                out.setdefault("navigated", {})[name] = best(
                    [navigate(page, sub, timeout=args.timeout) for _ in range(args.repeat)]
                )
            if args.screenshots:
                args.screenshots.mkdir(parents=True, exist_ok=True)
                _screenshot(page, args.screenshots / f"{n}_{name}.png")
            if name == "stakeholders":
                out["slider"] = best([move_slider(page, k, timeout=args.timeout) for k in range(args.repeat)])
            if name == "tradeoffs":
                out["axis"] = best([change_axis(page, k, timeout=args.timeout) for k in range(args.repeat)])
            if name == "operating_points":  # its first slider is the threshold
                out["threshold"] = best([move_slider(page, k, timeout=args.timeout) for k in range(args.repeat)])
        context.close()
    return out


def _screenshot(page, path: Path) -> None:
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]'); return m ? m.scrollHeight : 1000; }"
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(800, min(int(height) + 40, 9000))})
    wait_idle(page, page.evaluate("() => performance.now()"), timeout=30)
    page.screenshot(path=str(path))
    page.set_viewport_size(VIEWPORT)


def old_parallel_figure(table, dims, front):
    """The straightforward way (the page's figure before issue 12): ``go.Parcoords`` of every candidate."""
    import numpy as np
    import plotly.graph_objects as go

    values = table.values[:, [table.column(o) for o in dims]]
    ok = np.isfinite(values).all(axis=1)
    on = set(front.front)
    flags = [1.0 if table.candidates[i] in on else 0.0 for i in np.flatnonzero(ok)]
    dimensions = []
    for j, name in enumerate(dims):
        o, v = table.objective(name), values[ok, j]
        lo, hi = float(v.min()), float(v.max())
        dimensions.append({"label": o.label, "values": v, "range": [lo, hi] if o.direction == "max" else [hi, lo]})
    line = {"color": flags, "colorscale": [[0, "#A8A8A8"], [1, "#1B1B1B"]], "cmin": 0, "cmax": 1}
    fig = go.Figure(go.Parcoords(line=line, dimensions=dimensions, labelangle=-25, labelside="top"))
    fig.update_layout(height=460, margin={"t": 150, "l": 60, "r": 80, "b": 30})
    return fig


#: Draws a figure ``REPEAT`` times in a blank page; the best main-thread time, until the next frame.
DRAW = """async (spec) => {
    const times = [];
    for (let k = 0; k < REPEAT; k++) {
        const div = document.createElement('div');
        div.style.width = '1300px'; div.style.height = '480px';
        document.body.appendChild(div);
        const t0 = performance.now();
        await Plotly.newPlot(div, spec.data, spec.layout);
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        times.push(performance.now() - t0);
        Plotly.purge(div); div.remove();
    }
    times.sort((a, b) => a - b);
    return times[0];
}"""


def bench_kernels(browser, n: int, folder: Path, repeat: int, detail: int = 10) -> dict[str, tuple[float, float, str]]:
    """``Plotly.newPlot`` ms of the Trade-offs page's two figures now, next to the old way, at ``n`` candidates."""
    import plotly

    from analysis.decision import compute_pareto, table_from_scorecard

    try:
        from analysis.figures import PARALLEL_SAMPLE, candidate_colours, make_parallel_figure, make_tradeoff_figure
    except ImportError:  # a checkout from before the sampled figure: its pages are still measured
        return {}
    from analysis.scenario import load_card, load_card_profiles
    from analysis.scorecard import load_scorecard

    sc = load_scorecard(write_scorecard(n, folder, detail=detail))
    table = table_from_scorecard(sc)
    weighed: list[str] = []
    for p in load_card_profiles(load_card()):
        weighed += [o for o, w in p.weights if w > 0 and o in table.objective_names and o not in weighed]
    dims = weighed[:6]
    front = compute_pareto(table, dims)
    colours = candidate_colours(sc.candidate_names)
    parallel = make_parallel_figure(table, dims, front, colours=colours, sample=PARALLEL_SAMPLE)
    x, y = "latency_ms_p99", "roc_auc"
    front2 = compute_pareto(table, [x, y])
    scatter_now = make_tradeoff_figure(table, x, y, front2, colours=colours, webgl=False)
    scatter_old = make_tradeoff_figure(table, x, y, front2, colours=colours, webgl=True, density_above=None)
    page = browser.new_page()
    page.set_content("<html><body></body></html>")
    page.add_script_tag(path=str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js"))
    draw = DRAW.replace("REPEAT", str(repeat))

    def ms(fig) -> float:
        return page.evaluate(draw, json.loads(fig.to_json()))

    meta = parallel.layout.meta
    out = {
        "parallel": (
            ms(parallel),
            ms(old_parallel_figure(table, dims, front)),
            f"SVG, {meta['shown']:,} lines (front {meta['front']:,}) vs Parcoords, {meta['total']:,} lines",
        ),
        "scatter": (
            ms(scatter_now),
            ms(scatter_old),
            "SVG points or density vs Scattergl of every point",
        ),
    }
    page.close()
    return out


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,10000", help="candidate counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="loads per page (best is printed)")
    parser.add_argument("--pages", type=lambda s: s.split(","), default=None, help="only these pages")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a page counts as missing")
    parser.add_argument("--screenshots", type=Path, default=None, help="save a full-page screenshot of each page")
    parser.add_argument(
        "--detail",
        type=int,
        default=10,
        help="candidates with per-candidate sections (slices, windows, curves, serving, explanations, ...); "
        "default: the scenario's ten",
    )
    args = parser.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    helpers = _browser_helpers()
    if not helpers.CHROMIUM.exists():
        raise SystemExit(f"skipped: Chromium is not installed at {helpers.CHROMIUM}")
    from playwright.sync_api import sync_playwright

    sizes = [int(s) for s in args.sizes.split(",")]
    print("Time to idle in Chromium, ms (idle and busy: see the docstring). Pages: the first visit (the server")
    print(f"fills its caches; Consensus and Decision compute the group decision) and the best of {args.repeat} more.")
    print(
        "Interactions, and link (the page reached by its sidebar link from the Overview, no reload): "
        f"best of {args.repeat}."
    )
    print("Figures alone: Plotly.newPlot in a blank page, best main-thread ms.")
    print("cpu: the browser main thread's CPU ms; server: the server's CPU ms; load: 1-minute load average after.")
    print(f"Per-candidate sections for the first {args.detail:,} candidates. Load now: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        folder = Path(tmp)
        browser = p.chromium.launch(executable_path=str(helpers.CHROMIUM), args=helpers.CHROMIUM_ARGS)
        for n in sizes:
            report_size(
                n,
                bench_size(browser, helpers, n, folder, args),
                bench_kernels(browser, n, folder, args.repeat, args.detail),
            )
        browser.close()


def report_size(n: int, r: dict, kernels: dict) -> None:
    """Print one size's figures (as soon as they are measured)."""
    print(f"--- {n:,} candidates")
    print(f"  {'first open of the app':<24}{show(r['first']):>30}")
    for name, (first, again) in r["pages"].items():
        print(f"  {name:<24}first {show(first)}")
        print(f"  {'':<24}again {show(again)}")
    for name, t in r.get("navigated", {}).items():
        print(f"  {name:<24}link  {show(t)}")
    for label, key in (
        ("stakeholders: slider", "slider"),
        ("trade-offs: new axis", "axis"),
        ("operating points: threshold", "threshold"),
    ):
        if r.get(key):
            print(f"  {label:<24}{show(r[key]):>30}")
    for kind, (now, before, what) in kernels.items():
        print(f"  figure: {kind:<16}{now:8.0f} ms   before {before:8.0f} ms  ({before / now:5.1f}x)   {what}")
    print(flush=True)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
