"""PDF exporter: static charts drawn by kaleido, pages printed by headless Chromium.

Two steps, both offline and both with the system's Chromium (or Chrome):

1. kaleido 1.x (through choreographer) draws every figure to SVG in one browser session
   (``Kaleido(path=browser, mathjax=False)``: no MathJax, so nothing is fetched);
2. :func:`~analysis.report._html.report_to_print_html` lays the report out for A4 with the SVGs as
   ``data:`` images and no scripts (its Content-Security-Policy also forbids any), and
   ``chromium --headless --print-to-pdf`` prints it with a throw-away profile.

When no browser is found the export raises :class:`~analysis._errors.InputError` saying how to
install one or where to point ``browser``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from analysis._errors import InputError
from analysis.report._figures import make_report_figures
from analysis.report._html import plain_title, report_to_print_html
from analysis.report._record import Report

#: Executables tried, in order, when no browser is given.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: Width in CSS pixels the charts are drawn at (the A4 text width is about 700 px; SVG scales).
FIGURE_WIDTH = 900
BROWSER_MISSING = (
    "PDF export needs Chromium or Google Chrome, and none was found{where}. Install one (Debian/Ubuntu: "
    "apt-get install chromium) or give its path (--browser PATH, or BROWSER_PATH for the command line); "
    "HTML and Markdown exports work without a browser."
)


def find_browser(path: str | os.PathLike | None = None) -> str:
    """The browser to use: ``path`` when given (it must exist), else the first of :data:`BROWSER_NAMES` on PATH."""
    if path:
        p = Path(path)
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
        found = shutil.which(str(path))
        if found:
            return found
        raise InputError(BROWSER_MISSING.format(where=f" at {path}"), source="--browser")
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for fixed in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if os.access(fixed, os.X_OK):
            return fixed
    raise InputError(BROWSER_MISSING.format(where=""), source="--browser")


def _run_in_thread(coro_factory) -> Any:
    """Run a coroutine on a fresh event loop in its own thread (safe inside Streamlit or Jupyter)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro_factory())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=target, name="tradeoffs-kaleido", daemon=True)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def render_svgs(
    figures: Mapping[str, go.Figure], *, browser: str, width: int = FIGURE_WIDTH, timeout: float = 90.0
) -> dict[str, str]:
    """Draw each figure to SVG text with kaleido in one browser session."""
    if not figures:
        return {}
    try:
        import kaleido
    except ImportError:  # pragma: no cover - kaleido is installed with plotly's image export
        raise InputError("PDF export needs the kaleido package (pip install kaleido).") from None

    async def draw() -> dict[str, str]:
        out = {}
        async with kaleido.Kaleido(n=1, timeout=timeout, mathjax=False, path=browser) as k:
            for fid, fig in figures.items():
                height = int(fig.layout.height or 450)
                data = await k.calc_fig(fig, opts={"format": "svg", "width": width, "height": height})
                out[fid] = data.decode("utf-8") if isinstance(data, bytes) else str(data)
        return out

    try:
        return _run_in_thread(draw)
    except InputError:
        raise
    except Exception as exc:  # kaleido/choreographer raise many types when the browser fails
        raise InputError(
            f"could not draw the charts with the browser at {browser} ({type(exc).__name__}: {exc}); "
            "check that it starts headless, or pass another with --browser."
        ) from None


def print_html_to_pdf(html_text: str, *, browser: str, timeout: float = 120.0) -> bytes:
    """Print an HTML page to PDF with headless Chromium (no background network, temporary profile).

    Chromium's print path needs JavaScript enabled; the page itself forbids scripts through its
    Content-Security-Policy.
    """
    with tempfile.TemporaryDirectory(prefix="tradeoffs-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        page.write_text(html_text, encoding="utf-8")
        args = [
            browser,
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-extensions",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(2, "--no-sandbox")  # Chromium refuses to start as root with its sandbox
        try:
            proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(
                f"the browser at {browser} did not finish printing the PDF within {timeout:.0f} s."
            ) from None
        except OSError as exc:
            raise InputError(f"could not start the browser at {browser} ({exc}).", source="--browser") from None
        if not out.is_file() or out.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise InputError(
                f"the browser at {browser} did not write a PDF (exit code {proc.returncode}): {' / '.join(tail)}"
            )
        return out.read_bytes()


def report_to_pdf(report: Report, *, browser: str | os.PathLike | None = None, timeout: float = 120.0) -> bytes:
    """The report as PDF bytes: A4 pages, static charts, every user string escaped.

    Parameters
    ----------
    report : Report
        The report to print.
    browser : path, optional
        Chromium or Chrome; by default the first found on PATH (see :func:`find_browser`).
    timeout : float
        Seconds allowed for drawing the charts and for printing, each.
    """
    exe = find_browser(browser)
    figs = make_report_figures(report)
    svgs = render_svgs(figs, browser=exe, timeout=timeout)
    titles = {fid: plain_title(f) for fid, f in figs.items()}
    return print_html_to_pdf(report_to_print_html(report, svgs, titles), browser=exe, timeout=timeout)
