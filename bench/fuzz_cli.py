"""A longer fuzzing run over the CLI's file inputs than CI affords; prints what it found.

Every target of ``tests/fuzz/_cli_fuzz.py`` (the scorecard JSON of rank/decide/report, a metrics
table CSV, profile YAML, a decision JSON, a dataset card and a data CSV of evaluate) is run on
mutated copies of its real seed file, round-robin over targets and mutations, with seeds that
continue from ``--start``, until ``--seconds`` have passed or ``--examples`` have run. Each run
is in-process (as ``tradeoffs`` runs), under a hang alarm and an address-space limit. Printed:
inputs run, exit codes, seconds, and each distinct problem (one line per exception site or kind)
with how often it happened and the first input that showed it; with ``--save DIR`` those inputs
are written there to be replayed.

    python bench/fuzz_cli.py --seconds 300
    python bench/fuzz_cli.py --target decide-profiles --examples 500 --save /tmp/crashes
"""

from __future__ import annotations

import argparse
import collections
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
import _cli_fuzz as fuzz  # noqa: E402


def _signature(problem: str) -> str:
    """A problem without its details (paths, numbers, quoted values), to count distinct ones."""
    head = problem.split(" (", 1)[0] if problem.startswith("exception escaped") else problem[:60]
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'", "'…'", head))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--examples", type=int, default=None, help="stop after this many inputs")
    parser.add_argument("--target", action="append", choices=sorted(fuzz.TARGETS), help="repeatable; default all")
    parser.add_argument("--start", type=int, default=0, help="first mutation seed")
    parser.add_argument("--save", type=Path, help="write the first input of each distinct problem here")
    args = parser.parse_args(argv)
    targets = [fuzz.TARGETS[t] for t in (args.target or sorted(fuzz.TARGETS))]
    with tempfile.TemporaryDirectory(prefix="fuzz-cli-") as tmp:
        work = Path(tmp)
        began = time.perf_counter()
        seeds = fuzz.write_seeds(work / "seeds")
        fuzz.make_decision_seed(seeds, work / "seeds")
        seed_bytes = {t.name: seeds[t.seed].read_bytes() for t in targets}
        for t in targets:  # the seeds themselves must pass, and warm every import up
            outcome, problem = fuzz.run_example(t, seed_bytes[t.name], seeds, work / "run", memory=None)
            if problem or outcome.code != 0:
                print(f"seed of {t.name} does not run cleanly: exit {outcome.code}, {problem}, {outcome.err!r}")
                return 1
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"seeds ready in {time.perf_counter() - began:.1f} s; fuzzing {len(targets)} target(s)", flush=True)
        codes: collections.Counter[str] = collections.Counter()
        per_target: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        problems: dict[tuple[str, str], list] = {}
        slowest = (0.0, "")
        n = 0
        seed = args.start
        started = time.perf_counter()
        while time.perf_counter() - started < args.seconds and (args.examples is None or n < args.examples):
            for mutation in fuzz.MUTATIONS:
                for t in targets:
                    data = fuzz.mutate(seed_bytes[t.name], t.suffix, mutation, seed)
                    outcome, problem = fuzz.run_example(t, data, seeds, work / "run")
                    n += 1
                    key = "crash" if outcome.code is None else str(outcome.code)
                    codes[key] += 1
                    per_target[t.name][key] += 1
                    if outcome.seconds > slowest[0]:
                        slowest = (outcome.seconds, f"{t.name} {mutation} seed {seed}")
                    if problem:
                        sig = (t.name, _signature(problem))
                        if sig not in problems:
                            problems[sig] = [0, mutation, seed, problem]
                            print(f"  new: {t.name} {mutation} seed {seed}: {problem[:300]}", flush=True)
                            if args.save:
                                args.save.mkdir(parents=True, exist_ok=True)
                                (args.save / f"{t.name}-{mutation}-{seed}{t.suffix}").write_bytes(data)
                        problems[sig][0] += 1
            seed += 1
        seconds = time.perf_counter() - started
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\n{n} inputs in {seconds:.0f} s ({n / seconds:.1f}/s), seeds {args.start}..{seed - 1}")
    print("exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(codes.items())))
    for name, c in sorted(per_target.items()):
        print(f"  {name:<24} " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items())))
    print(f"slowest input: {slowest[0]:.2f} s ({slowest[1]}); peak RSS grew {(rss1 - rss0) / 1024:.0f} MB")
    print(f"distinct problems: {len(problems)} ({sum(p[0] for p in problems.values())} inputs)")
    for (target, _), (count, mutation, s, problem) in sorted(problems.items(), key=lambda kv: -kv[1][0]):
        print(f"  {count:>5}x {target} (first: {mutation} seed {s}): {problem[:400]}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
