"""``tradeoffs app``: start the Streamlit dashboard."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click


@click.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--address", default="localhost", show_default=True, help="Interface to listen on.")
@click.option("--headless/--browser", default=False, help="Do not open a browser window.")
def app(port: int, address: str, headless: bool) -> None:
    """Start the dashboard on the built-in scenario (upload your own data in the browser)."""
    import app as app_pkg

    entry = Path(app_pkg.__file__).resolve().parent / "streamlit_app.py"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(entry),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true" if headless else "false",
        "--browser.gatherUsageStats",
        "false",
    ]
    click.echo(f"starting the dashboard on http://{address}:{port} (Ctrl+C to stop)")
    raise SystemExit(subprocess.call(cmd))
