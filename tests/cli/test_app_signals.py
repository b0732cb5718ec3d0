"""SIGTERM and SIGINT to `tradeoffs app` stop the dashboard: the process exits, the port is freed, no child is left.

`tradeoffs app` becomes the Streamlit server (``os.execv`` on POSIX), so the signal reaches the
server itself. These tests start the real console script with stdin closed, in a session of its
own, wait until Streamlit answers its health check, send one signal to the PID they started and
check three things: the process exits (code 0, Streamlit's clean stop) within a bound, nothing
listens on the port afterwards, and no process of the session, nor any process seen as a
descendant while it ran, is still alive. Bounds are generous (two shared cores); nothing asserts
on a duration. The path without ``exec`` (Windows) is checked with a small child: the signal is
forwarded, the child's exit code returned, and the child does not outlive the command.
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

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.name != "posix" or not Path("/proc/self/stat").exists(), reason="POSIX signals and /proc are needed"
    ),
]

STARTUP_TIMEOUT_S = 120.0  # generous: a fresh Streamlit start on two shared cores; nothing asserts on a duration
STOP_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tradeoffs() -> list[str]:
    """The installed console script, as a user types it (else the same entry point via Python)."""
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


def _processes() -> dict[int, tuple[int, int, str]]:
    """Every live process: pid -> (parent pid, session id, start time in clock ticks)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # exited while we looked
            continue
        # "pid (comm) state ppid pgrp session ... starttime(22nd field)"; comm may hold spaces and ")"
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":  # a zombie holds no port and runs nothing
            continue
        out[int(entry)] = (int(fields[1]), int(fields[3]), fields[19])
    return out


def _descendants(pid: int, procs: dict[int, tuple[int, int, str]]) -> dict[int, str]:
    """The processes below ``pid`` (children, grandchildren...): pid -> start time."""
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for p, (ppid, _, start) in procs.items():
            if ppid == parent and p not in found:
                found[p] = start
                frontier.append(p)
    return found


@pytest.fixture(params=[signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def stop_signal(request):
    return request.param


def test_a_signal_stops_the_dashboard_and_leaves_no_child(tmp_path, stop_signal):
    home = tmp_path / "home"  # a fresh HOME: Streamlit's first run, as a newcomer's
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_") and k != "DISPLAY"}
    env["HOME"] = str(home)
    port = _free_port()
    log = tmp_path / "app.log"
    with open(log, "w") as out:
        try:
            proc = subprocess.Popen(
                [*_tradeoffs(), "app", "--headless", "--port", str(port)],
                cwd=tmp_path,
                env=env,
                stdin=subprocess.DEVNULL,  # no terminal, as under nohup, Docker or CI
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own session: whatever it starts is found by session id
            )
        except OSError as exc:
            pytest.skip(f"cannot start tradeoffs app: {exc}")
    seen: dict[int, str] = {}
    try:
        end = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(port):
            if proc.poll() is not None:
                text = log.read_text()
                if "No module named streamlit" in text:
                    pytest.skip("streamlit is not installed")
                pytest.fail(f"tradeoffs app exited {proc.returncode} before answering:\n{text}")
            assert time.monotonic() < end, f"no answer on port {port} within {STARTUP_TIMEOUT_S} s:\n{log.read_text()}"
            seen.update(_descendants(proc.pid, _processes()))
            time.sleep(0.25)
        seen.update(_descendants(proc.pid, _processes()))

        proc.send_signal(stop_signal)
        code = proc.wait(timeout=STOP_TIMEOUT_S)
        after = _processes()
        left = {p for p, (_, sid, _) in after.items() if sid == proc.pid}
        left |= {p for p, start in seen.items() if p in after and after[p][2] == start}
        assert not left, f"processes left after {stop_signal.name}: {sorted(left)}:\n{log.read_text()}"
        assert not _listening(port), f"port {port} still served after {stop_signal.name}:\n{log.read_text()}"
        assert code == 0, f"exit code {code} after {stop_signal.name}:\n{log.read_text()}"
    finally:
        try:  # the process group this test started (the server and anything it left), nothing else
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=STOP_TIMEOUT_S)


# The path without exec (Windows), run here on POSIX with a small child instead of Streamlit.
_CHILD = """
import os, signal, sys, time
def stop(signum, frame):
    print(f"child got {signum}", flush=True)
    sys.exit(7)
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
print(os.getpid(), flush=True)
time.sleep(60)
sys.exit(1)
"""
_PARENT = "import sys; from analysis.cli._app import run_forwarding; sys.exit(run_forwarding(sys.argv[1:]))"


def test_without_exec_the_signal_is_forwarded_and_the_childs_exit_code_returned(stop_signal):
    proc = subprocess.Popen(
        [sys.executable, "-c", _PARENT, sys.executable, "-c", _CHILD],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        child = int(proc.stdout.readline())  # the child runs and has its handlers
        proc.send_signal(stop_signal)  # to the parent only, as `kill PID` or a supervisor does
        out, _ = proc.communicate(timeout=STOP_TIMEOUT_S)
        assert proc.returncode == 7, out  # the child's own exit code, propagated
        assert f"child got {int(stop_signal)}" in out
        assert child not in _processes(), "the child outlived the command"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=STOP_TIMEOUT_S)
