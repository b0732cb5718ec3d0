"""Where the figures were measured: CPU, cores, threads, load, library versions.

The busy rule: the machine is flagged busy when the 1-minute load average, read before or after
the measurement, exceeds ``cores - threads + 0.5``, with ``cores = os.cpu_count()``. The load
average counts runnable threads on the whole machine; the measurement itself keeps ``threads``
of them busy, so a load above ``cores - threads`` means other work was competing for the cores
the measurement did not use, and the 0.5 absorbs background noise. The after-reading still
includes part of the measurement's own load (the average decays over a minute), which makes the
rule err on the side of flagging.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

#: Sentence shown next to figures measured on a busy machine.
BUSY_NOTE = "tail latencies measured on a busy machine are not to be trusted"
BUSY_RULE = "busy when the 1-minute load average before or after the run exceeds cores - threads + 0.5"
#: Distributions whose versions are recorded (absent ones are left out).
LIBRARIES: tuple[str, ...] = (
    "numpy", "pandas", "scikit-learn", "threadpoolctl", "onnxruntime", "skl2onnx", "onnx", "skops",
)

LoadAvg = Callable[[], tuple[float, float, float]]


@dataclass(frozen=True)
class EnvironmentRecord:
    """The machine and software a serving report was measured on.

    Attributes
    ----------
    cpu_model : str
        From ``/proc/cpuinfo`` (``platform.processor()`` elsewhere).
    logical_cores : int
        ``os.cpu_count()``.
    usable_cores : int
        ``len(os.sched_getaffinity(0))`` where available, else ``logical_cores``.
    threads : int
        Threads the measurement was pinned to.
    load_before, load_after : tuple of float or None
        1-, 5- and 15-minute load averages.
    busy : bool
        The busy rule's verdict (see the module docstring).
    busy_rule, busy_note : str
        The rule, and :data:`BUSY_NOTE` when busy (else ``""``).
    python, platform : str
    libraries : tuple of (str, str)
        ``(distribution, version)`` pairs.
    threadpools : tuple of (str, int)
        ``(library, threads)`` of the BLAS/OpenMP pools seen while measuring.
    """

    cpu_model: str
    logical_cores: int
    usable_cores: int
    threads: int
    load_before: tuple[float, float, float] | None
    load_after: tuple[float, float, float] | None
    busy: bool
    busy_rule: str
    busy_note: str
    python: str
    platform: str
    libraries: tuple[tuple[str, str], ...]
    threadpools: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        out = dict(self.__dict__)
        out["libraries"] = dict(self.libraries)
        out["threadpools"] = [{"library": lib, "threads": n} for lib, n in self.threadpools]
        return out


def compute_busy(
    load_before: float | None, load_after: float | None, *, cores: int, threads: int
) -> bool:
    """The busy rule: a 1-minute load above ``cores - threads + 0.5`` before or after.

    Examples
    --------
    >>> compute_busy(0.2, 1.4, cores=2, threads=1)
    False
    >>> compute_busy(0.2, 1.6, cores=2, threads=1)
    True
    """
    limit = cores - threads + 0.5
    return any(load is not None and load > limit for load in (load_before, load_after))


def read_cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "Processor", "cpu model") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def read_loadavg(loadavg: LoadAvg | None = None) -> tuple[float, float, float] | None:
    """The load averages, or ``None`` where the platform has none."""
    try:
        values = (loadavg or os.getloadavg)()
    except (OSError, AttributeError):
        return None
    return (float(values[0]), float(values[1]), float(values[2]))


def library_versions() -> tuple[tuple[str, str], ...]:
    """Versions of the libraries that shape serving speed (installed ones only)."""
    out = [("python", platform.python_version())]
    for name in LIBRARIES:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(out)


def threadpool_summary() -> tuple[tuple[str, int], ...]:
    """``(internal_api, num_threads)`` of each loaded BLAS/OpenMP pool."""
    from threadpoolctl import threadpool_info

    return tuple((str(i.get("internal_api")), int(i.get("num_threads", 0))) for i in threadpool_info())


def build_environment(
    *,
    threads: int,
    load_before: tuple[float, float, float] | None,
    load_after: tuple[float, float, float] | None,
    threadpools: tuple[tuple[str, int], ...] = (),
    cores: int | None = None,
) -> EnvironmentRecord:
    """Assemble the record and apply the busy rule."""
    logical = cores if cores is not None else (os.cpu_count() or 1)
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = logical
    busy = compute_busy(
        None if load_before is None else load_before[0],
        None if load_after is None else load_after[0],
        cores=logical,
        threads=threads,
    )
    return EnvironmentRecord(
        cpu_model=read_cpu_model(),
        logical_cores=logical,
        usable_cores=usable,
        threads=threads,
        load_before=load_before,
        load_after=load_after,
        busy=busy,
        busy_rule=BUSY_RULE,
        busy_note=BUSY_NOTE if busy else "",
        python=platform.python_version(),
        platform=platform.platform(),
        libraries=library_versions(),
        threadpools=threadpools,
    )
