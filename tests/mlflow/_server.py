"""A real MLflow tracking server on loopback for the tests (SQLite backend, local artifact store).

Started with ``python -m mlflow server`` in its own process group, on a free port, with
telemetry and job execution off; ready when ``GET /health`` answers. Stopped (the whole group)
at the end of the session. Nothing here mocks MLflow.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

#: What conftest.py logs: the experiment and the registered model.
EXPERIMENT = "arrests"
MODEL_NAME = "arrests-release"
#: Seconds to wait for the server to answer /health (it takes ~8 s on a quiet 2-core machine).
START_TIMEOUT = 120.0
QUIET_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
}


@dataclass
class MlflowServer:
    uri: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=15)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(uri: str) -> bool:
    try:
        with urllib.request.urlopen(uri + "/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def start_server(folder: Path, *, attempts: int = 3) -> MlflowServer:
    """Start ``mlflow server`` storing everything under ``folder``; retried on another port if it dies."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **QUIET_ENV}
    last = ""
    for attempt in range(attempts):
        port = _free_port()
        uri = f"http://127.0.0.1:{port}"
        log_path = folder / f"server-{attempt}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "mlflow",
                    "server",
                    "--backend-store-uri",
                    f"sqlite:///{(folder / 'mlflow.db').resolve()}",
                    "--artifacts-destination",
                    str((folder / "artifacts").resolve()),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=folder,
                start_new_session=True,
            )
        server = MlflowServer(uri, process, log_path)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _healthy(uri):
                return server
            time.sleep(0.25)
        last = server.log_tail()
        server.stop()
    raise RuntimeError(f"mlflow server did not start after {attempts} attempts; its log ends:\n{last}")
