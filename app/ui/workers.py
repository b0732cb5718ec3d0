"""The server-wide pool of worker processes that run untrusted work (evaluations of uploaded models).

An uploaded model runs code the server did not write (a slow or hostile ``predict``, a pickle the
operator allowed, a graph that allocates 7 GB). So it never runs in the Streamlit server process:

- **Processes, not threads.** Each task runs in a fresh Python process (``python -m app.ui.workers``,
  never ``fork`` of the threaded server; not ``multiprocessing``'s spawn either, which would run the
  page script again in the child, since Streamlit puts the script in ``sys.modules["__main__"]``),
  in a process group of its own, so a stop also reaches anything the task started. At most
  :attr:`PoolSettings.workers` run at once; others
  wait in a bounded queue (:attr:`PoolSettings.queue_size`), and past it :meth:`WorkerPool.submit`
  refuses with :class:`Busy` (one sentence). :meth:`WorkerPool.position` is a task's place in the queue.
- **Limits in the child** (:class:`Limits`), applied before the task's modules are imported: address
  space (``RLIMIT_AS``; a task going over it gets a ``MemoryError`` or dies), BLAS/OpenMP threads
  pinned, a lower CPU priority (``nice``, and its scheduler autogroup's: see :func:`_lower_priority`)
  so the server answers other sessions first, and no network
  (a new network namespace via ``unshare(CLONE_NEWNET)`` where the platform allows it; where it does not,
  the task runs with the network and the server log says so). The parent kills a task after
  :attr:`Limits.wall_seconds`.
- **Nothing is unpickled from the child.** The parent sends the task its arguments as pickle bytes
  (the parent trusts itself); the child answers with JSON lists of strings only (progress events, the
  result as JSON text, an error's message), read with a size cap.
- **Cancellation frees everything**: :meth:`WorkerPool.cancel` drops a waiting task or terminates the
  process (SIGTERM, then SIGKILL after :attr:`PoolSettings.grace_seconds`), and its slot goes to the next.

Sessions end without telling anyone (Streamlit has no public hook), so :class:`SessionWatch` runs each
session's cleanups (cancel its tasks, delete its uploads) on whichever comes first: the session's
token is garbage-collected (Streamlit dropped its state), or the runtime has not seen the session
connected for longer than its reconnect window (``server.disconnectedSessionTTL``): Streamlit keeps
a disconnected session's state in a TTL cache that is only purged by a later write, which can be
many minutes.

Shared mutable state, on purpose: the pool and the watch are server-wide resources (one queue for
every session), so they are module-level singletons created on first use under a lock
(:func:`pool`, :func:`session_watch`), not ``st.cache_resource`` entries (clearing Streamlit's caches
must not orphan running processes). Settings come from environment variables read at this edge
(:func:`settings_from_env`); ``TRADEOFFS_APP_WORKERS=0`` runs evaluations in a thread of the server
process instead (the old way: for development and for tests that patch the pipeline; no limits).
See ``docs/app_workers.md``.
"""

from __future__ import annotations

import collections
import ctypes
import dataclasses
import importlib
import itertools
import json
import logging
import os
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from analysis._errors import InputError

LOGGER = logging.getLogger("tradeoffs.app.workers")

#: How many evaluations run at once (0: in the server process, as threads, without limits).
ENV_WORKERS = "TRADEOFFS_APP_WORKERS"
#: How many evaluations may wait for a free worker.
ENV_QUEUE = "TRADEOFFS_APP_QUEUE"
#: Address-space limit of each worker, in GiB.
ENV_MEMORY = "TRADEOFFS_APP_WORKER_MEMORY_GB"
#: Wall-time limit of each worker, in seconds.
ENV_TIME = "TRADEOFFS_APP_WORKER_TIME_LIMIT_S"
#: CPU niceness of each worker (0-19), also given to its scheduler autogroup.
ENV_NICE = "TRADEOFFS_APP_WORKER_NICE"

GIB = 1024**3
#: Environment variables that size the BLAS/OpenMP thread pools of numpy, scikit-learn and ONNX Runtime.
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
#: The largest message a worker may send (its result is a scorecard's JSON text).
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


def _default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 2
    return max(1, cores // 2)


@dataclass(frozen=True)
class Limits:
    """What one worker process may use.

    Parameters
    ----------
    memory_bytes : int or None
        Address-space limit (``RLIMIT_AS``); None for none.
    wall_seconds : float
        The parent kills the worker after this long.
    threads : int
        BLAS/OpenMP threads of the worker.
    nice : int
        Added to the worker's niceness, and given to its scheduler autogroup where the kernel has
        them, so the server (and anything else interactive on the machine) comes first for the CPU;
        the worker still gets every cycle nobody else wants.
    isolate_network : bool
        Put the worker in a network namespace of its own (no network), where the platform allows it.
    """

    memory_bytes: int | None = 4 * GIB
    wall_seconds: float = 15 * 60.0
    threads: int = 1
    nice: int = 19
    isolate_network: bool = True

    def memory_text(self) -> str:
        """The memory limit in words (``4 GiB``)."""
        if self.memory_bytes is None:
            return "no memory limit"
        return f"{self.memory_bytes / GIB:g} GiB"

    def time_text(self) -> str:
        """The time limit in words (``15 min``)."""
        s = self.wall_seconds
        return f"{s / 60:g} min" if s >= 60 else f"{s:g} s"


@dataclass(frozen=True)
class PoolSettings:
    """Size of the pool and limits of its workers (see :func:`settings_from_env`)."""

    workers: int = field(default_factory=_default_workers)
    queue_size: int = 8
    limits: Limits = Limits()
    #: Seconds between SIGTERM and SIGKILL when a worker is stopped.
    grace_seconds: float = 2.0


def _env_number(
    environ: Mapping[str, str], name: str, kind: type, *, minimum: float, maximum: float | None = None
) -> Any:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bound = f"of at least {minimum:g}" if maximum is None else f"from {minimum:g} to {maximum:g}"
        raise InputError(
            f"{name}={raw!r} is not a {'whole ' if kind is int else ''}number {bound}; "
            f"set it to such a number or unset it for the default.",
            source=name,
        )
    return value


def settings_from_env(environ: Mapping[str, str] | None = None) -> PoolSettings:
    """The pool's settings from ``TRADEOFFS_APP_*`` environment variables (defaults where unset).

    ``TRADEOFFS_APP_WORKERS`` (default: half the cores, at least 1; 0 runs in the server process),
    ``TRADEOFFS_APP_QUEUE`` (default 8), ``TRADEOFFS_APP_WORKER_MEMORY_GB`` (default 4),
    ``TRADEOFFS_APP_WORKER_TIME_LIMIT_S`` (default 900), ``TRADEOFFS_APP_WORKER_NICE`` (default 19).

    >>> settings_from_env({"TRADEOFFS_APP_WORKERS": "2", "TRADEOFFS_APP_WORKER_MEMORY_GB": "1.5"}).limits.memory_text()
    '1.5 GiB'
    """
    environ = os.environ if environ is None else environ
    base = PoolSettings()
    workers = _env_number(environ, ENV_WORKERS, int, minimum=0)
    queue = _env_number(environ, ENV_QUEUE, int, minimum=0)
    memory = _env_number(environ, ENV_MEMORY, float, minimum=0.25)
    wall = _env_number(environ, ENV_TIME, float, minimum=1)
    nice = _env_number(environ, ENV_NICE, int, minimum=0, maximum=19)
    limits = Limits(
        memory_bytes=base.limits.memory_bytes if memory is None else int(memory * GIB),
        wall_seconds=base.limits.wall_seconds if wall is None else wall,
        nice=base.limits.nice if nice is None else nice,
    )
    return PoolSettings(
        workers=base.workers if workers is None else workers,
        queue_size=base.queue_size if queue is None else queue,
        limits=limits,
    )


class Busy(Exception):
    """The queue is full: the message is one sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- the child side -------------------------------------------------------------------------------
def apply_limits(limits: Limits) -> dict[str, str]:
    """Limit the current process (a fresh worker, before it imports numpy); returns what was applied.

    Network isolation needs a single-threaded process and either ``CAP_SYS_ADMIN`` or unprivileged
    user namespaces; when neither is there the worker keeps the network and the report says why.
    """
    applied: dict[str, str] = {}
    for var in THREAD_VARS:
        os.environ[var] = str(limits.threads)
    applied["threads"] = str(limits.threads)
    if limits.isolate_network:
        applied["network"] = _unshare_network()
    if limits.nice:
        applied["nice"] = _lower_priority(limits.nice)
    if limits.memory_bytes is not None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        applied["memory"] = limits.memory_text()
    return applied


def _lower_priority(nice: int) -> str:
    """Add ``nice`` to this process's niceness and to its autogroup's; returns what was done, in words.

    Linux with ``CONFIG_SCHED_AUTOGROUP`` (``/proc/sys/kernel/sched_autogroup_enabled`` = 1: Debian's
    and Ubuntu's kernels, and this project's development machines) shares the CPU fairly between
    *autogroups* first, one per session, and a process's nice value counts only inside its own group.
    A worker is a session of its own (``setsid``, for its process group), so a plain ``nice`` left it
    an equal of the whole server: a busy loop at nice 10 in its own session took 48% of a CPU against a
    nice-0 loop, 10% in the same session, 1% with its autogroup at nice 19 (issue 13, see
    ``docs/app_workers.md``). The autogroup's nice is set only when this process leads its session,
    so no other process's group is touched.
    """
    try:
        os.nice(nice)
    except OSError as exc:
        return f"unchanged ({exc.strerror})"
    path = "/proc/self/autogroup"
    if not os.path.exists(path):
        return str(nice)  # no autogroups here: the nice value is what counts
    if os.getsid(0) != os.getpid():
        return f"{nice}; autogroup left alone (the worker shares its session)"
    level = min(19, nice)
    for _ in range(20):  # the kernel takes one change per 100 ms from unprivileged processes (EAGAIN)
        try:
            with open(path, "w") as f:
                f.write(str(level))
            with open(path) as f:  # "/autogroup-123 nice 19": report what the kernel has, not what was asked
                return f"{nice}; autogroup {f.read().split()[-1]}"
        except BlockingIOError:
            time.sleep(0.1)
        except (OSError, IndexError) as exc:
            return f"{nice}; autogroup unchanged ({getattr(exc, 'strerror', None) or exc})"
    return f"{nice}; autogroup unchanged (busy)"


def _unshare_network() -> str:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError):
        return "kept (no unshare on this platform)"
    if unshare(_CLONE_NEWNET) == 0:
        return "off"
    if unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
        return "off (user namespace)"
    return f"kept (unshare failed: {os.strerror(ctypes.get_errno())})"


def _read_frame(stream: Any) -> bytes:
    (size,) = struct.unpack("!Q", stream.read(8))
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the server closed the worker's input early")
    return data


def worker_main(fd: int) -> None:
    """``python -m app.ui.workers FD``: read the task from stdin, run it, answer on the pipe ``FD``."""
    conn = Connection(fd, readable=False)
    header = json.loads(_read_frame(sys.stdin.buffer))
    payload = _read_frame(sys.stdin.buffer)
    sys.stdin.close()
    sys.path[:] = [*sys.path, *(p for p in header["sys_path"] if p not in sys.path)]
    _child_main(conn, header["target"], payload, Limits(**header["limits"]))


def _child_main(conn: Any, target: str, payload: bytes, limits: Limits) -> None:
    """Entry point of a worker process: apply the limits, run ``target(payload, emit)``, answer in JSON."""

    def send(*parts: str | None) -> None:
        conn.send_bytes(json.dumps(parts).encode("utf-8"))

    try:
        applied = apply_limits(limits)
        send("limits", json.dumps(applied))
        module, _, name = target.partition(":")
        fn = getattr(importlib.import_module(module), name)
        result = fn(payload, lambda *parts: send("event", *(str(p) for p in parts)))
        send("result", str(result))
    except MemoryError:
        send("memory")
    except InputError as exc:
        send("input_error", exc.message, exc.source)
    except BaseException as exc:  # reported to the parent, which logs it with an error id
        send("failure", type(exc).__name__, traceback.format_exc())
    finally:
        conn.close()


# ---- the parent side ------------------------------------------------------------------------------
WAITING, RUNNING, DONE = "waiting", "running", "done"
#: How a task ended.
RESULT, INPUT_ERROR, FAILURE, MEMORY, TIME, CRASH, CANCELLED = (
    "result",
    "input_error",
    "failure",
    "memory",
    "time",
    "crash",
    "cancelled",
)
_ids = itertools.count(1)


@dataclass(eq=False)
class Task:
    """One unit of untrusted work: its state, then its outcome (written by the pool's threads only).

    ``result`` is the child's answer as text (JSON); ``message``/``source`` an :class:`InputError`'s;
    ``details`` what the server log needs (a child's traceback, an exit code), never shown to users.
    """

    target: str
    payload: bytes = field(repr=False)
    session: str | None = None
    on_event: Callable[[tuple[str, ...]], None] | None = field(default=None, repr=False)
    on_done: Callable[[Task], None] | None = field(default=None, repr=False)
    id: int = field(default_factory=lambda: next(_ids))
    state: str = WAITING
    outcome: str | None = None
    result: str | None = field(default=None, repr=False)
    message: str | None = None
    source: str | None = None
    details: str | None = field(default=None, repr=False)
    exitcode: int | None = None
    pid: int | None = None
    applied: dict[str, str] = field(default_factory=dict)
    limits: Limits = Limits()
    cancel_requested: threading.Event = field(default_factory=threading.Event, repr=False)
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the task has ended (tests and scripts; pages poll :attr:`state`)."""
        return self.finished.wait(timeout)


class WorkerPool:
    """At most ``settings.workers`` tasks in processes at once, ``settings.queue_size`` more waiting.

    Parameters
    ----------
    settings : PoolSettings
        Size, queue bound and limits.
    """

    def __init__(self, settings: PoolSettings | None = None) -> None:
        self.settings = settings or PoolSettings()
        self._lock = threading.Lock()
        self._waiting: collections.deque[Task] = collections.deque()
        self._running: set[Task] = set()
        self._threads: set[threading.Thread] = set()

    # -- what pages ask ---------------------------------------------------------------------------
    def submit(
        self,
        target: str,
        payload: bytes,
        *,
        session: str | None = None,
        on_event: Callable[[tuple[str, ...]], None] | None = None,
        on_done: Callable[[Task], None] | None = None,
    ) -> Task:
        """Queue ``target(payload, emit)`` (``"module:function"``, importable in the child); start it if a slot is free.

        Raises
        ------
        Busy
            When every worker is busy and the queue is full.
        """
        task = Task(target, payload, session=session, on_event=on_event, on_done=on_done, limits=self.settings.limits)
        with self._lock:
            free = len(self._running) < self.settings.workers
            if not free and len(self._waiting) >= self.settings.queue_size:
                raise Busy(
                    f"The server is busy: {len(self._running)} evaluation(s) running and {len(self._waiting)} "
                    "waiting, the most it takes; try again in a few minutes."
                )
            self._waiting.append(task)
            self._dispatch()
        return task

    def position(self, task: Task) -> int | None:
        """The task's place in the queue (1 = next to start), or None when it is not waiting."""
        with self._lock:
            for i, t in enumerate(self._waiting, start=1):
                if t is task:
                    return i
        return None

    def counts(self) -> tuple[int, int]:
        """``(running, waiting)`` tasks."""
        with self._lock:
            return len(self._running), len(self._waiting)

    def cancel(self, task: Task) -> None:
        """Drop a waiting task, or stop a running one's process (its slot goes to the next task)."""
        task.cancel_requested.set()
        with self._lock:
            if task in self._waiting:
                self._waiting.remove(task)
            else:
                return  # running (its supervisor stops the process) or already done
        self._finish(task, CANCELLED)

    def cancel_session(self, session: str) -> int:
        """Cancel every waiting and running task of one session; returns how many."""
        with self._lock:
            tasks = [t for t in (*self._waiting, *self._running) if t.session == session]
        for t in tasks:
            self.cancel(t)
        return len(tasks)

    def shutdown(self, *, timeout: float = 10.0) -> None:
        """Cancel everything and wait for the workers to stop."""
        with self._lock:
            tasks = [*self._waiting, *self._running]
        for t in tasks:
            self.cancel(t)
        end = time.monotonic() + timeout
        for th in list(self._threads):
            th.join(max(0.0, end - time.monotonic()))

    # -- internals --------------------------------------------------------------------------------
    def _dispatch(self) -> None:
        """Start waiting tasks while slots are free (the lock is held)."""
        while self._waiting and len(self._running) < self.settings.workers:
            task = self._waiting.popleft()
            task.state = RUNNING
            self._running.add(task)
            th = threading.Thread(target=self._supervise, args=(task,), name=f"tradeoffs-worker-{task.id}", daemon=True)
            self._threads.add(th)
            th.start()

    def _finish(self, task: Task, outcome: str) -> None:
        task.outcome = outcome
        task.state = DONE
        if task.on_done is not None:
            try:
                task.on_done(task)
            except Exception:  # a page's callback must not kill the pool's thread
                LOGGER.exception("the callback of task %s failed", task.id)
        task.finished.set()

    def _supervise(self, task: Task) -> None:
        """Run one task's process to its end (a thread per running task; it owns the process)."""
        outcome = FAILURE
        try:
            outcome = self._run_process(task)
        except Exception:
            task.details = traceback.format_exc()
            outcome = FAILURE
        finally:
            with self._lock:
                self._running.discard(task)
                self._threads.discard(threading.current_thread())
                self._dispatch()
            self._finish(task, outcome)

    def _run_process(self, task: Task) -> str:
        if task.cancel_requested.is_set():
            return CANCELLED
        limits = self.settings.limits
        read_fd, write_fd = os.pipe()
        env = {**os.environ, **{var: str(limits.threads) for var in THREAD_VARS}}
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", __name__, str(write_fd)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                pass_fds=(write_fd,),
                env=env,
                start_new_session=True,
            )
        finally:
            os.close(write_fd)
        reader = Connection(read_fd, writable=False)
        task.pid = proc.pid
        try:
            header = json.dumps(
                {"target": task.target, "limits": dataclasses.asdict(limits), "sys_path": sys.path}
            ).encode("utf-8")
            try:
                proc.stdin.write(struct.pack("!Q", len(header)) + header + struct.pack("!Q", len(task.payload)))
                proc.stdin.write(task.payload)
                proc.stdin.close()
            except OSError as exc:  # the worker died before reading its task
                task.details = f"the worker did not take its task: {exc}"
                proc.wait(5)
                return CRASH
            return self._watch(task, proc, reader, time.monotonic() + limits.wall_seconds)
        finally:
            reader.close()
            self._stop(proc)
            task.exitcode = proc.returncode

    def _watch(self, task: Task, proc: Any, reader: Any, deadline: float) -> str:
        while True:
            if task.cancel_requested.is_set():
                return CANCELLED
            if time.monotonic() > deadline:
                task.details = f"killed after the {task.limits.time_text()} time limit"
                return TIME
            try:
                ready = reader.poll(0.1)
            except (EOFError, OSError):
                ready = False
            if not ready:
                if proc.poll() is None:
                    continue
                proc.wait(1.0)
                try:
                    ready = reader.poll(0)
                except (EOFError, OSError):
                    ready = False
                if not ready:
                    task.details = f"the worker exited with code {proc.returncode} without an answer"
                    return CRASH
            try:
                raw = reader.recv_bytes(MAX_MESSAGE_BYTES)
            except EOFError:
                try:
                    proc.wait(1.0)
                except subprocess.TimeoutExpired:
                    pass
                task.details = f"the worker closed its pipe (exit code {proc.returncode})"
                return CRASH
            except OSError as exc:
                task.details = f"the worker's message could not be read ({exc}; at most {MAX_MESSAGE_BYTES} bytes)"
                return FAILURE
            outcome = self._read(task, raw)
            if outcome is not None:
                return outcome

    def _read(self, task: Task, raw: bytes) -> str | None:
        """One message of the child (a JSON list of strings); the outcome when it is the last."""
        try:
            parts = json.loads(raw)
        except (ValueError, RecursionError):
            parts = None
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str | None) for p in parts):
            task.details = f"the worker sent a message that is not a list of strings: {raw[:200]!r}"
            return FAILURE
        kind, rest = parts[0], parts[1:]
        if kind == "event":
            if task.on_event is not None:
                try:
                    task.on_event(tuple(str(p) for p in rest))
                except Exception:
                    LOGGER.exception("the event callback of task %s failed", task.id)
            return None
        if kind == "limits" and rest:
            try:
                task.applied = {str(k): str(v) for k, v in json.loads(rest[0]).items()}
            except (ValueError, AttributeError):
                task.applied = {}
            if not str(task.applied.get("network", "off")).startswith("off"):
                LOGGER.warning("worker %s runs with the network: %s", task.id, task.applied.get("network"))
            return None
        if kind == "result" and rest:
            task.result = rest[0]
            return RESULT
        if kind == "input_error" and rest:
            task.message, task.source = rest[0], rest[1] if len(rest) > 1 else None
            return INPUT_ERROR
        if kind == "memory":
            task.details = f"MemoryError under the {task.limits.memory_text()} limit"
            return MEMORY
        if kind == "failure":
            task.details = "\n".join(p or "" for p in rest)
            return MEMORY if rest and rest[0] == "MemoryError" else FAILURE
        task.details = f"the worker sent an unknown message: {raw[:200]!r}"
        return FAILURE

    def _stop(self, proc: subprocess.Popen) -> None:
        """SIGTERM to the worker's process group, then SIGKILL after the grace period; always reaps it."""
        try:
            proc.wait(0.2)  # a worker that just answered exits on its own
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(self.settings.grace_seconds)
            except subprocess.TimeoutExpired:
                pass
        _signal_group(proc.pid, signal.SIGKILL)  # the worker, if still there, and anything it started
        proc.wait()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def limit_message(task: Task) -> str | None:
    """The one sentence a user sees when a limit stopped the task (None for other outcomes)."""
    limits = task.limits
    if task.outcome == MEMORY:
        return (
            f"The evaluation went over the {limits.memory_text()} memory limit of its worker and was stopped; "
            "evaluate fewer or smaller models or a sample of the rows, or ask the operator to raise "
            f"{ENV_MEMORY}."
        )
    if task.outcome == TIME:
        return (
            f"The evaluation went over the {limits.time_text()} time limit of its worker and was stopped; turn "
            f"off the slow stages (serving, SHAP, backtest), evaluate a sample of the rows, or ask the operator to "
            f"raise {ENV_TIME}."
        )
    return None


# ---- sessions that end without a word -------------------------------------------------------------
class SessionWatch:
    """Runs each session's cleanups once, when the session has ended.

    Parameters
    ----------
    is_alive : callable
        ``is_alive(runtime_session_id)``: whether the session is connected now.
    grace_seconds : float
        How long a session may stay disconnected (it may reconnect) before its cleanups run.
    interval : float
        Seconds between two checks of the watch's thread.
    clock : callable
        Monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        *,
        is_alive: Callable[[str], bool],
        grace_seconds: float,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._is_alive = is_alive
        self.grace_seconds = grace_seconds
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._cleanups: dict[str, dict[str, Callable[[], None]]] = {}
        self._runtime_id: dict[str, str | None] = {}
        self._last_seen: dict[str, float] = {}
        self._thread: threading.Thread | None = None

    def track(self, key: str, name: str, cleanup: Callable[[], None], *, runtime_id: str | None = None) -> None:
        """Run ``cleanup`` when session ``key`` ends (``name`` replaces an earlier cleanup of that name)."""
        with self._lock:
            self._cleanups.setdefault(key, {})[name] = cleanup
            self._runtime_id[key] = runtime_id or self._runtime_id.get(key)
            self._last_seen[key] = self._clock()
            start = self._thread is None and self.interval > 0
            if start:
                self._thread = threading.Thread(target=self._loop, name="tradeoffs-session-watch", daemon=True)
        if start:
            self._thread.start()

    def tracked(self) -> list[str]:
        """Keys of the sessions with cleanups pending."""
        with self._lock:
            return list(self._cleanups)

    def end(self, key: str) -> None:
        """Run and forget every cleanup of a session (the session ended; a second call does nothing)."""
        with self._lock:
            cleanups = self._cleanups.pop(key, {})
            self._runtime_id.pop(key, None)
            self._last_seen.pop(key, None)
        for name, fn in cleanups.items():
            try:
                fn()
            except Exception:
                LOGGER.exception("cleanup %r of an ended session failed", name)
        if cleanups:
            LOGGER.info("session %s ended: ran %s", key[:8], ", ".join(cleanups))

    def check(self) -> list[str]:
        """One pass: end the sessions disconnected for longer than the grace period; returns their keys."""
        now = self._clock()
        ended = []
        with self._lock:
            items = list(self._runtime_id.items())
        for key, rid in items:
            if rid is None or self._is_alive(rid):
                with self._lock:
                    if key in self._last_seen:
                        self._last_seen[key] = now
            elif now - self._last_seen.get(key, now) > self.grace_seconds:
                ended.append(key)
        for key in ended:
            self.end(key)
        return ended

    def _loop(self) -> None:
        while True:
            time.sleep(self.interval)
            try:
                self.check()
            except Exception:
                LOGGER.exception("the session watch failed a check")


class SessionToken:
    """Held only in one session's state: when Streamlit drops that state, the session's cleanups run."""

    def __init__(self, watch: SessionWatch, key: str) -> None:
        self.key = key
        self._finalizer = weakref.finalize(self, watch.end, key)


# ---- the server-wide singletons -------------------------------------------------------------------
_LOCK = threading.Lock()
_POOL: WorkerPool | None = None
_CHECK_POOL: WorkerPool | None = None
_WATCH: SessionWatch | None = None
#: The highest nice value of the checks of uploaded model files (a user waits for them).
CHECK_NICE = 10


def pool() -> WorkerPool:
    """The server's pool (created on first use from :func:`settings_from_env`)."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = WorkerPool(settings_from_env())
        return _POOL


def check_pool() -> WorkerPool:
    """The server's pool for short checks of uploaded model files (one worker, a 2 min limit).

    Separate from :func:`pool` so a check never waits behind an evaluation; 0 workers (in the server
    process) when ``TRADEOFFS_APP_WORKERS=0``. At most nice 10: the user who uploaded waits for the
    check (the page runs on when it is done), so it yields less than an evaluation does.
    """
    global _CHECK_POOL
    with _LOCK:
        if _CHECK_POOL is None:
            s = settings_from_env()
            limits = dataclasses.replace(
                s.limits, wall_seconds=min(s.limits.wall_seconds, 120.0), nice=min(s.limits.nice, CHECK_NICE)
            )
            _CHECK_POOL = WorkerPool(PoolSettings(workers=min(s.workers, 1), queue_size=16, limits=limits))
        return _CHECK_POOL


def replace_pool(new: WorkerPool | None) -> WorkerPool | None:
    """Put another pool in place (tests, benchmarks); returns the one it replaces (None: made on next use)."""
    global _POOL
    with _LOCK:
        old, _POOL = _POOL, new
        return old


def _runtime_alive(session_id: str) -> bool:
    from streamlit.runtime import Runtime

    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)


def session_watch() -> SessionWatch:
    """The server's session watch (grace: Streamlit's ``server.disconnectedSessionTTL``)."""
    global _WATCH
    with _LOCK:
        if _WATCH is None:
            from streamlit import config

            ttl = float(config.get_option("server.disconnectedSessionTTL") or 120)
            _WATCH = SessionWatch(is_alive=_runtime_alive, grace_seconds=ttl)
        return _WATCH


def session_key() -> str:
    """The current Streamlit session's key in the watch (its token is created on first use)."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from app.ui.state import WORKER_TOKEN  # not at the top: a worker process imports this module before its limits

    token = st.session_state.get(WORKER_TOKEN)
    if token is None:
        ctx = get_script_run_ctx()
        token = SessionToken(session_watch(), f"{ctx.session_id if ctx else 'none'}:{os.urandom(6).hex()}")
        st.session_state[WORKER_TOKEN] = token
    return token.key


def on_session_end(name: str, cleanup: Callable[[], None]) -> str:
    """Run ``cleanup`` when the current Streamlit session ends; returns the session's key.

    ``cleanup`` must not refer to the session's state (that would keep the state alive).
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    key = session_key()
    ctx = get_script_run_ctx()
    session_watch().track(key, name, cleanup, runtime_id=ctx.session_id if ctx else None)
    return key


if __name__ == "__main__":
    worker_main(int(sys.argv[1]))
