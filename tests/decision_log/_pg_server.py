"""A throwaway PostgreSQL server for the log's tests (Debian's ``postgresql`` binaries).

:func:`start_server` runs ``initdb`` and ``pg_ctl start`` in a fresh folder under the system's
temporary directory, listening on a free loopback port with trust authentication (and its unix
socket in that folder). PostgreSQL refuses to run as root, so under root (tests and CI run as
root) both run as the ``postgres`` system user that the Debian package creates. Durability is
switched off (``fsync=off``): the data is thrown away.

Run it by hand to point ``tradeoffs log`` at a real server::

    python tests/decision_log/_pg_server.py     # prints the URL, stops on Enter
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Where Debian's ``postgresql-NN`` packages put the server binaries.
BIN_GLOB = "/usr/lib/postgresql/*/bin"


class Unavailable(RuntimeError):
    """No server can be started here (the message says why, for a skip reason)."""


@dataclass
class Server:
    """A running server: the superuser's URL, and how to stop it."""

    base: Path
    port: int
    user_cmd: tuple[str, ...]
    pg_ctl: str

    @property
    def url(self) -> str:
        """The superuser's SQLAlchemy URL (database ``postgres``)."""
        return self.url_for("postgres")

    def url_for(self, database: str, user: str = "postgres") -> str:
        """The URL of another database (or as another user) on this server."""
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def schema_url(self, schema: str, user: str = "postgres") -> str:
        """The URL that works in ``schema`` (of database ``postgres``) as ``user``."""
        return f"{self.url_for('postgres', user)}?options=-csearch_path%3D{schema}"

    def halt(self) -> None:
        """Stop at once (``pg_ctl stop -m immediate``), keeping the folder (a start can be tried again)."""
        subprocess.run(
            [*self.user_cmd, self.pg_ctl, "-D", str(self.base / "data"), "stop", "-m", "immediate", "-w"],
            capture_output=True,
            timeout=30,
            check=False,
        )

    def stop(self) -> None:
        """Stop at once and delete the folder."""
        try:
            self.halt()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def _bindir() -> Path:
    found = sorted(glob.glob(BIN_GLOB), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    for candidate in reversed(found):
        if Path(candidate, "initdb").is_file() and Path(candidate, "pg_ctl").is_file():
            return Path(candidate)
    raise Unavailable(
        f"no PostgreSQL server binaries ({BIN_GLOB}/initdb and pg_ctl): install Debian's postgresql package"
    )


def _traversable(folder: Path) -> bool:
    """Whether every folder down to ``folder`` lets other users through (o+x)."""
    return all(p.stat().st_mode & stat.S_IXOTH for p in [folder.resolve(), *folder.resolve().parents])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> Server:
    """Start a server; raises :class:`Unavailable` when it cannot be done here (no binaries, no user to run
    it as, initdb refused), and RuntimeError when a server that can run here did not start."""
    bindir = _bindir()
    user_cmd: tuple[str, ...] = ()
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no 'postgres' user to run the server as") from None
        runuser = shutil.which("runuser")
        if runuser is None:
            raise Unavailable("running as root and `runuser` is missing (util-linux)")
        user_cmd = (runuser, "-u", "postgres", "--")
    tmp = Path(tempfile.gettempdir())
    if owner is not None and not _traversable(tmp):  # the postgres user must reach its folder
        tmp = Path("/tmp")
    base = Path(tempfile.mkdtemp(prefix="tradeoffs-pg-", dir=tmp))
    base.chmod(0o700)
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}

    def run(step: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run([*user_cmd, *step], capture_output=True, text=True, env=env, timeout=120, check=False)

    def log() -> str:
        return (base / "server.log").read_text(errors="replace")[-500:] if (base / "server.log").exists() else ""

    initdb = [str(bindir / "initdb"), "-D", str(base / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
    done = run([*initdb, "--no-locale", "--no-sync", "--no-instructions"])
    if done.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        raise Unavailable(f"initdb failed: {(done.stderr or done.stdout).strip()}")
    # The port is free when chosen, not when the server binds it: another process can take it between the two,
    # so a start that fails is tried again on another port (then it is a failure, never a silent skip).
    for _ in range(3):
        server = Server(base, _free_port(), user_cmd, str(bindir / "pg_ctl"))
        options = (
            f"-c listen_addresses=127.0.0.1 -p {server.port} -k {base} -c fsync=off -c full_page_writes=off "
            "-c synchronous_commit=off"
        )
        done = run([server.pg_ctl, "-D", str(base / "data"), "-l", str(base / "server.log"), "-w", "-t", "60"]
                   + ["-o", options, "start"])  # fmt: skip
        if done.returncode == 0:
            return server
        failure = f"pg_ctl start failed: {(done.stderr or done.stdout).strip()} {log()}"
        server.halt()
    shutil.rmtree(base, ignore_errors=True)
    raise RuntimeError(failure)


if __name__ == "__main__":
    running = start_server()
    try:
        print(running.url, flush=True)
        input("PostgreSQL is running; press Enter to stop it. ")
    finally:
        running.stop()
