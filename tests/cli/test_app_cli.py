"""`tradeoffs app` as a newcomer runs it: a fresh HOME, stdin closed, then stopped with SIGTERM.

Streamlit's first run used to stop at an "Email:" prompt (exit 255 without a word when stdin was
not a terminal), and SIGTERM to `tradeoffs app` used to leave the Streamlit child serving.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from analysis.cli._app import dashboard_url, log_location_line, streamlit_command

STARTUP_TIMEOUT_S = 120.0  # generous: two shared cores; nothing here asserts on a duration
STOP_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tradeoffs() -> list[str]:
    """The installed console script (as a user types it), else the same entry point via Python."""
    script = Path(sys.executable).with_name("tradeoffs")
    if script.exists():
        return [str(script)]
    found = shutil.which("tradeoffs")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from analysis.cli import main; sys.exit(main())"]


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.read().strip() == b"ok"
    except OSError:
        return False


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGTERM and closing stdin are POSIX")
def test_app_starts_without_a_prompt_and_stops_on_sigterm(tmp_path):
    home = tmp_path / "home"  # no ~/.streamlit/credentials.toml: Streamlit's first run
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_") and k != "DISPLAY"}
    env["HOME"] = str(home)
    port = _free_port()
    log = tmp_path / "app.log"
    # `exec ... <&-`: stdin closed, as under nohup or in a CI job; the shell's exec keeps the PID.
    cmd = ["sh", "-c", 'exec "$@" <&-', "sh", *_tradeoffs(), "app", "--headless", "--port", str(port)]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            cmd, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        end = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(port):
            assert proc.poll() is None, f"tradeoffs app exited {proc.returncode}:\n{log.read_text()}"
            assert time.monotonic() < end, f"the dashboard did not answer on port {port}:\n{log.read_text()}"
            time.sleep(0.5)
        printed = log.read_text()
        assert f"http://localhost:{port}" in printed
        assert "Email" not in printed
        assert "Decision log: " in printed  # the operator's console says where the log is; the page does not

        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=STOP_TIMEOUT_S)
        # Had a child outlived `tradeoffs app`, it would still be listening.
        assert not _listening(port), f"port {port} still served after SIGTERM:\n{log.read_text()}"
    finally:
        if proc.poll() is None or _listening(port):
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the whole session this test started, nothing else
            except ProcessLookupError:
                pass
            proc.wait(timeout=STOP_TIMEOUT_S)
    assert not (home / ".streamlit" / "credentials.toml").exists()


def test_streamlit_command_never_prompts_and_leaves_headless_to_streamlit_when_not_given(tmp_path):
    default = streamlit_command(tmp_path / "app.py", port=8501, address="localhost", headless=None)
    assert default[default.index("--server.showEmailPrompt") + 1] == "false"
    assert "--server.headless" not in default  # STREAMLIT_SERVER_HEADLESS keeps its meaning
    for flag, value in ((True, "true"), (False, "false")):
        cmd = streamlit_command(tmp_path / "app.py", port=8501, address="localhost", headless=flag)
        assert cmd[cmd.index("--server.headless") + 1] == value


@pytest.mark.parametrize(
    ("address", "url"),
    [
        ("localhost", "http://localhost:8501"),
        ("0.0.0.0", "http://localhost:8501"),
        ("127.0.0.1", "http://127.0.0.1:8501"),
        ("::1", "http://[::1]:8501"),
    ],
)
def test_dashboard_url(address, url):
    assert dashboard_url(address, 8501) == url


def test_the_operator_is_told_where_the_decision_log_is_without_its_password():
    assert "(the default; set TRADEOFFS_LOG_URL to change it)" in log_location_line({})
    line = log_location_line({"TRADEOFFS_LOG_URL": "postgresql+psycopg://team:secret@db/log"})
    assert "secret" not in line and "db/log" in line and "(from TRADEOFFS_LOG_URL)" in line
