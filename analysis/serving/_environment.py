"""Where the figures were measured: CPU, cores, threads, load, library versions.

The busy rule, where ``/proc/stat`` exists (Linux): during the measurement, the CPU time used by
*other* processes (the machine's busy time minus this process's own CPU time, over the wall time)
is averaged in cores; the machine is busy when others used more than ``cores - threads - 0.5``
cores (at least a quarter core), i.e. when they competed for the cores the measurement did not
use. This counts only what happened while timing, so the evaluation's own earlier work (which
lingers in the 1-minute load average for a minute) does not flag its own serving figures.
Elsewhere, the fallback is the 1-minute load average before or after exceeding
``cores - threads + 0.5``. Both load averages are recorded either way.
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
BUSY_RULE = (
    "busy when other processes used more than cores - threads - 0.5 cores (at least 0.25) on average while "
    "timing (from /proc/stat); without /proc/stat, when the 1-minute load average exceeds cores - threads + 0.5"
)
LOAD_RULE = "busy when the 1-minute load average before or after the run exceeds cores - threads + 0.5"
#: Distributions whose versions are recorded (absent ones are left out).
LIBRARIES: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scikit-learn",
    "threadpoolctl",
    "onnxruntime",
    "skl2onnx",
    "onnx",
    "skops",
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
    others_cpu_cores : float or None
        Average cores used by other processes while timing (``None`` without ``/proc/stat``).
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
    others_cpu_cores: float | None = None

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        out = dict(self.__dict__)
        out["libraries"] = dict(self.libraries)
        out["threadpools"] = [{"library": lib, "threads": n} for lib, n in self.threadpools]
        return out


def compute_busy(
    load_before: float | None,
    load_after: float | None,
    *,
    cores: int,
    threads: int,
    others_cpu_cores: float | None = None,
) -> bool:
    """The busy rule (see the module docstring).

    Examples
    --------
    >>> compute_busy(0.2, 1.4, cores=2, threads=1)
    False
    >>> compute_busy(0.2, 1.6, cores=2, threads=1)
    True
    >>> compute_busy(1.9, 1.9, cores=2, threads=1, others_cpu_cores=0.1)  # our own load lingered
    False
    >>> compute_busy(0.2, 0.2, cores=2, threads=1, others_cpu_cores=0.8)
    True
    """
    if others_cpu_cores is not None:
        return others_cpu_cores > max(cores - threads - 0.5, 0.25)
    limit = cores - threads + 0.5
    return any(load is not None and load > limit for load in (load_before, load_after))


CpuTimes = Callable[[], "tuple[float, float] | None"]


def read_cpu_times(stat: Path = Path("/proc/stat")) -> tuple[float, float] | None:
    """``(machine busy CPU seconds over all cores, this process's CPU seconds)``, or ``None``."""
    try:
        fields = stat.read_text(encoding="ascii").splitlines()[0].split()
    except (OSError, IndexError, UnicodeDecodeError):
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(x) for x in fields[1:]]
    # user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait
    busy = sum(ticks) - ticks[3] - (ticks[4] if len(ticks) > 4 else 0)
    own = os.times()
    return busy / os.sysconf("SC_CLK_TCK"), own.user + own.system


def others_cpu(before: tuple[float, float] | None, after: tuple[float, float] | None, wall_s: float) -> float | None:
    """Average cores used by other processes between two :func:`read_cpu_times` readings."""
    if before is None or after is None or wall_s <= 0:
        return None
    machine = after[0] - before[0]
    own = after[1] - before[1]
    return max(0.0, (machine - own) / wall_s)


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
    others_cpu_cores: float | None = None,
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
        others_cpu_cores=others_cpu_cores,
    )
    return EnvironmentRecord(
        cpu_model=read_cpu_model(),
        logical_cores=logical,
        usable_cores=usable,
        threads=threads,
        load_before=load_before,
        load_after=load_after,
        busy=busy,
        busy_rule=BUSY_RULE if others_cpu_cores is not None else LOAD_RULE,
        busy_note=BUSY_NOTE if busy else "",
        python=platform.python_version(),
        platform=platform.platform(),
        libraries=library_versions(),
        threadpools=threadpools,
        others_cpu_cores=None if others_cpu_cores is None else round(others_cpu_cores, 3),
    )
