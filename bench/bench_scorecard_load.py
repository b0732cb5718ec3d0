"""Benchmark of reading a scorecard file and hashing it, at 10, 1,000 and 10,000 candidates (issue 12).

Run from the repository root (two to three minutes on a quiet machine)::

    OMP_NUM_THREADS=1 python bench/bench_scorecard_load.py [--sizes 10,1000,10000] [--repeat 3]

Inputs: the built-in scenario's scorecard grown to n candidates by ``bench/decision_inputs.py``
(seeded; 44 objectives, so 10,000 candidates make 440,000 metric and 222,000 comparison records,
about 137 MB). For each size, measured in the same process, median of ``--repeat`` runs, CPU
seconds of this process and wall seconds:

* ``json.loads``: the plain standard-library reader alone, no checks and no records (a floor);
* ``before``: ``load_scorecard`` as it was before the field-at-a-time reading (the module at
  ``--before``, read from git), then ``dense_arrays()`` (the candidates x objectives arrays every
  page's table is made from);
* ``now``: ``load_scorecard`` then ``dense_arrays()`` (already filled by the reading);
* ``sha256 before`` / ``sha256 now``: ``Scorecard.sha256`` of a freshly read scorecard (what the first
  decision records), with the old and the current writer; the two hashes must be equal;
* ``orjson.loads``, when orjson happens to be installed: it is no dependency of Tradeoffs, printed
  only to size what adding it would give.

It prints the machine's load average next to the figures: on a busy machine CPU seconds grow
too (shared caches), so compare figures from one run. No figure is asserted anywhere.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from decision_inputs import write_scorecard  # noqa: E402

from analysis.scorecard import load_scorecard, scorecard_to_json  # noqa: E402

#: The last commit with the record-by-record reader and the previous JSON writer.
BEFORE = "a1cbe2cd0db11ece45cd53d44130e7ecde10af96"


def sha256_of(text: str) -> str:
    """What ``Scorecard.sha256`` is: the SHA-256 of the scorecard's JSON text in UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def before_module(rev: str) -> ModuleType | None:
    """``analysis/scorecard.py`` as it was at ``rev``, imported under another name (None without git)."""
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:analysis/scorecard.py"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"before: missing (git show {rev[:10]} failed: {exc})")
        return None
    folder = Path(tempfile.mkdtemp(prefix="scorecard-before-"))
    path = folder / "scorecard_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("scorecard_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["scorecard_before"] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median CPU seconds and wall seconds of ``fn()`` over ``repeat`` runs, and the last result."""
    cpu, wall, result = [], [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        c, w = time.process_time(), time.perf_counter()
        result = fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall), result


def row(label: str, cpu: float, wall: float, reference: float | None = None) -> None:
    ratio = f"   {reference / cpu:5.1f}x less CPU" if reference else ""
    print(f"  {label:<34} {cpu:8.3f} CPU-s {wall:8.3f} s wall{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,1000,10000", help="comma-separated candidate counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", default=BEFORE, help="git revision of the reader to compare with")
    args = parser.parse_args()
    old = before_module(args.before)
    try:
        import orjson
    except ImportError:
        orjson = None
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} logical cores; OMP_NUM_THREADS=1")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = write_scorecard(Path(tmp) / f"sc{n}.json", n)
            mb = path.stat().st_size / 1e6
            print(f"\n{n:,} candidates ({mb:,.1f} MB):")
            cpu, wall, _ = measure(lambda p=path: json.loads(p.read_bytes()), args.repeat)
            row("json.loads (no checks, no records)", cpu, wall)
            if orjson is not None:
                cpu, wall, _ = measure(lambda p=path: orjson.loads(p.read_bytes()), args.repeat)
                row("orjson.loads (not a dependency)", cpu, wall)
            base = None
            if old is not None:
                base, wall, _ = measure(lambda p=path: old.load_scorecard(p).dense_arrays(), args.repeat)
                row("before: load_scorecard + arrays", base, wall)
            cpu, wall, _ = measure(lambda p=path: load_scorecard(p).dense_arrays(), args.repeat)
            row("now:    load_scorecard + arrays", cpu, wall, base)
            cpu, wall, _ = measure(lambda p=path: load_scorecard(p), args.repeat)
            row("now:    load_scorecard alone", cpu, wall)
            hashes = []
            if old is not None:
                sc = old.load_scorecard(path)
                base, wall, digest = measure(lambda sc=sc: sha256_of(old.scorecard_to_json(sc)), 1)
                row("sha256 before (first decision)", base, wall)
                hashes.append(digest)
                del sc
            sc = load_scorecard(path)
            cpu, wall, digest = measure(lambda sc=sc: sha256_of(scorecard_to_json(sc)), args.repeat)
            row("sha256 now (first decision)", cpu, wall, base)
            hashes.append(digest)
            del sc
            print(f"  same hash before and now: {'yes' if len(set(hashes)) == 1 else 'NO: ' + ', '.join(hashes)}")
            print(f"  load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
