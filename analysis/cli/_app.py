"""``tradeoffs app``: start the Streamlit dashboard.

The command becomes the Streamlit server (``exec`` on POSIX), so a signal sent to
``tradeoffs app`` (SIGTERM from ``kill``, Docker or systemd; SIGINT from Ctrl+C) reaches the server
itself and no orphan keeps the port. Where there is no ``exec`` (Windows) the command runs
Streamlit as a child, forwards every stop signal to it and exits with its code
(:func:`run_forwarding`). Streamlit never asks for an e-mail address on the terminal,
so the command also starts where stdin is not a terminal (Docker, ``nohup``, CI).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import click

_ALL_INTERFACES = ("0.0.0.0", "::", "")


def streamlit_command(entry: Path, *, port: int, address: str, headless: bool | None) -> list[str]:
    """The ``python -m streamlit run`` command line of the dashboard.

    ``headless=None`` leaves ``server.headless`` to Streamlit: its own default (no browser on a
    machine without a display) or ``STREAMLIT_SERVER_HEADLESS`` / a config file when set.
    """
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
        # Streamlit's first run otherwise stops at an "Email:" prompt, and exits 255 with no
        # message when stdin is not a terminal.
        "--server.showEmailPrompt",
        "false",
        "--browser.gatherUsageStats",
        "false",
    ]
    if headless is not None:
        cmd += ["--server.headless", "true" if headless else "false"]
    return cmd


def dashboard_url(address: str, port: int) -> str:
    """The URL to open for a server listening on ``address``:``port``."""
    host = "localhost" if address in _ALL_INTERFACES else address
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{port}"


def log_location_line(environ: Mapping[str, str]) -> str:
    """Where the dashboard's decision log is, for the operator's console (browser users never see it)."""
    from analysis._errors import InputError
    from analysis.decision_log import LOG_URL_ENV, display_url, resolve_log_url

    try:
        url = resolve_log_url(None, environ=environ)
    except InputError as exc:
        return f"Decision log: {exc.message}"
    how = (
        f"from {LOG_URL_ENV}"
        if (environ.get(LOG_URL_ENV) or "").strip()
        else f"the default; set {LOG_URL_ENV} to change it"
    )
    return f"Decision log: {display_url(url)} ({how})"


#: Signals a supervisor or a terminal sends to stop a server, where the platform has them.
STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP", "SIGBREAK") if hasattr(signal, n))


def run_forwarding(cmd: list[str]) -> int:
    """Run ``cmd`` as a child, pass every stop signal this process gets on to it, and return its exit code.

    The path where ``exec`` is not available (Windows): without it, SIGTERM stopped only the
    ``tradeoffs`` process and left Streamlit serving. A child killed by a signal returns
    ``128 + signal``, as a shell reports it. The child is killed if this function is left any
    other way (an exception), so it never outlives the command. Call from the main thread.
    """
    child: list[subprocess.Popen] = []  # the child, once started
    early: list[int] = []  # signals that came before it was

    def forward(signum: int, frame: object) -> None:
        if not child:
            early.append(signum)
            return
        try:
            child[0].send_signal(signum)
        except (ProcessLookupError, ValueError):  # already gone; a signal Windows cannot send (Ctrl+C reaches it)
            pass

    # The handlers go in before the child starts: a stop signal between the two is passed on, not fatal.
    previous = {sig: signal.signal(sig, forward) for sig in STOP_SIGNALS}
    try:
        proc = subprocess.Popen(cmd)
        child.append(proc)
        for signum in early:
            forward(signum, None)
        code = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child and child[0].poll() is None:
            child[0].kill()
            child[0].wait()
    return 128 - code if code < 0 else code


def _run(cmd: list[str]) -> int:
    """Become ``cmd`` (POSIX); elsewhere run it, forwarding stop signals, and return its exit code."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(cmd[0], cmd)  # does not return; the signals now go to Streamlit itself
    return run_forwarding(cmd)


#: Spelt out so that ``app --help`` does not import the MLflow module; equal to
#: ``analysis.tracking.ALLOWED_URIS_ENV`` (tests/mlflow/test_mlflow_app.py checks it).
MLFLOW_URIS_ENV = "TRADEOFFS_MLFLOW_TRACKING_URIS"


@click.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.option(
    "--address",
    default="localhost",
    show_default=True,
    help="Interface to listen on (0.0.0.0: every interface, e.g. in a container).",
)
@click.option(
    "--headless/--browser",
    default=None,
    help="Do not open a browser window / open one. Default: Streamlit's (a browser only when the "
    "machine has a display; STREAMLIT_SERVER_HEADLESS=true is honoured).",
)
@click.option(
    "--mlflow-uri",
    "mlflow_uris",
    multiple=True,
    metavar="URI",
    help="An MLflow tracking server the Data & models page may read runs and models from (repeatable; "
    f"adds to ${MLFLOW_URIS_ENV}). The dashboard reaches no other server on its users' behalf.",
)
def app(port: int, address: str, headless: bool | None, mlflow_uris: tuple[str, ...]) -> None:
    """Start the dashboard on the built-in scenario (upload your own data in the browser).

    \b
    Examples:
      tradeoffs app
      tradeoffs app --headless --port 8502
      tradeoffs app --headless --address 0.0.0.0    # in a container
      tradeoffs app --mlflow-uri http://127.0.0.1:5000
    """  # noqa: D301 - "\b" keeps click from rewrapping the examples
    import app as app_pkg
    from analysis.loading._limits import Limits

    Limits.from_environ(os.environ)  # a bad TRADEOFFS_MAX_* value stops here (exit 2), not under every uploader
    if mlflow_uris:
        known = [u for u in os.environ.get(MLFLOW_URIS_ENV, "").split(",") if u.strip()]
        os.environ[MLFLOW_URIS_ENV] = ",".join(dict.fromkeys([*known, *mlflow_uris]))
    entry = Path(app_pkg.__file__).resolve().parent / "streamlit_app.py"
    click.echo(f"Tradeoffs dashboard: {dashboard_url(address, port)} (Ctrl+C to stop)")
    click.echo(log_location_line(os.environ))
    raise SystemExit(_run(streamlit_command(entry, port=port, address=address, headless=headless)))
