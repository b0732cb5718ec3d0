"""The CLI fuzzer's parts, shared by tests/fuzz/test_fuzz_cli_inputs.py and bench/fuzz_cli.py.

A *target* is one file input of one ``tradeoffs`` command: the scorecard JSON of ``rank``,
``decide`` and ``report``, a metrics table CSV given to ``rank``, the profile YAML given to
``decide``, the decision JSON given to ``report``, the dataset card and the data CSV given to
``evaluate``. Every target starts from a real, valid *seed* file (:func:`write_seeds`: a trimmed
copy of the built-in scenario's scorecard, its profiles and card, a tiny dataset and model) and
is run with every other input valid, so the mutated file is what is tested.

:func:`mutate` applies one named mutation (byte flips, truncation, inserted junk, hostile numbers,
wrong types in JSON/YAML values, deep nesting, duplicate keys, a BOM, another encoding...) with a
seeded ``random.Random``, so a (target, mutation, seed) triple names an input exactly.
:func:`run_cli` runs ``tradeoffs`` in-process the way the console script does
(:func:`analysis.cli.main`), under a hang alarm and an address-space limit, and
:func:`problem` says what is wrong with an outcome: anything but exit 0 or 2 (3 too for
``decide``), an exception escaping ``main``, a traceback in the output, or an exit 2 that is not
one short ``error:`` line (or that wrote the output file).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import random
import re
import resource
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
DEFAULT_PROFILES = ROOT / "analysis" / "decision" / "default_profiles.yaml"

HANG_S = 30  # an example that runs longer than this is a hang (a bound, not a timing assertion)
MEMORY_BUDGET = 1 << 30  # address space an example may add before it fails with MemoryError
MAX_MESSAGE_CHARS = 1000  # "one short message"
KEPT_CANDIDATES = ("logistic_regression", "random_forest", "majority_baseline")


# ---- seeds ----------------------------------------------------------------------------------------
def _keep(value, names: set[str], dropped: set[str]):
    """``value`` without the entries about candidates outside ``names`` (keys or ``candidate`` fields)."""
    if isinstance(value, dict):
        return {k: _keep(v, names, dropped) for k, v in value.items() if k not in dropped}
    if isinstance(value, list):
        return [
            _keep(v, names, dropped)
            for v in value
            if not (isinstance(v, dict) and v.get("candidate", next(iter(names))) not in names)
            and not (isinstance(v, dict) and v.get("name") in dropped)
            and not (isinstance(v, str) and v in dropped)
        ]
    return value


def small_scorecard() -> dict:
    """The built-in scenario's scorecard cut to three candidates (every objective and section kept)."""
    data = json.loads((SAMPLE / "scorecard.json").read_text(encoding="utf-8"))
    names = set(KEPT_CANDIDATES)
    dropped = {c["name"] for c in data["candidates"]} - names
    out = _keep(data, names, dropped)
    out["comparisons"] = [c for c in out["comparisons"] if c["best"] in names]
    return out


def _tiny_frame():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    n = 240
    frame = pd.DataFrame(
        {
            "row_id": np.arange(n),
            "x1": rng.normal(size=n).round(3),
            "x2": rng.normal(size=n).round(3),
            "region": rng.choice(["north", "south"], size=n),
            "when": pd.date_range("2025-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "basket": rng.gamma(2.0, 10.0, size=n).round(2),
        }
    )
    frame["label"] = ((frame.x1 - frame.x2 + rng.logistic(size=n)) > 0).astype(int)
    return frame


def _tiny_models(frame, folder: Path) -> list[str]:
    import skops.io as sio
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression

    files = []
    X, y = frame[["x1", "x2"]], frame["label"]
    for name, est in (("logreg", LogisticRegression()), ("baseline", DummyClassifier(strategy="prior"))):
        path = folder / f"{name}.skops"
        sio.dump(est.fit(X, y), path)
        files.append(path.name)
    return files


def write_seeds(folder: Path) -> dict[str, Path]:
    """Write every seed file into ``folder``; return them by name."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = {}
    sc = folder / "scorecard.json"
    sc.write_text(json.dumps(small_scorecard(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    seeds["scorecard"] = sc
    seeds["profiles"] = folder / "profiles.yaml"
    seeds["profiles"].write_bytes((SAMPLE / "profiles.yaml").read_bytes())
    seeds["default_profiles"] = folder / "default_profiles.yaml"
    seeds["default_profiles"].write_bytes(DEFAULT_PROFILES.read_bytes())
    table = folder / "table.csv"
    table.write_text(
        "candidate,roc_auc,roc_auc_ci_low,roc_auc_ci_high,log_loss,latency_ms_p99,cost_usd_per_million\n"
        "logreg,0.81,0.79,0.83,0.45,2.5,0.8\n"
        "forest,0.86,0.84,0.88,0.39,31.0,6.0\n"
        "boosting,0.87,0.85,0.89,0.37,9.5,2.1\n"
        "baseline,0.5,,,0.69,0.1,0.01\n",
        encoding="utf-8",
    )
    seeds["table"] = table
    frame = _tiny_frame()
    data = folder / "data.csv"
    frame.to_csv(data, index=False)
    seeds["data"] = data
    models = _tiny_models(frame, folder)
    card = {
        "name": "fuzz seed",
        "description": "A tiny dataset and two models.",
        "test_file": str(data.resolve()),  # absolute: the fuzzed card is written elsewhere
        "id": "row_id",
        "target": "label",
        "positive_label": 1,
        "time": "when",
        "sensitive": ["region"],
        "features": ["x1", "x2"],
        "value_columns": ["basket"],
        "value_matrix": {"tp": "0.1*basket", "fp": "-1", "fn": "0", "tn": "0"},
        "incumbent": "logreg",
        "join": "auto",
        "models": [
            {"name": Path(m).stem, "file": str((folder / m).resolve()), "family": "linear", "description": "seed"}
            for m in models
        ],
    }
    seeds["card"] = folder / "card.yaml"
    seeds["card"].write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
    return seeds


# ---- targets --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """One file input of one command: its seed, and the command line around the fuzzed file."""

    name: str
    seed: str  # key of write_seeds()
    suffix: str
    argv: Callable[[Path, Path, dict[str, Path]], list[str]]  # (fuzzed file, output folder, seeds)
    codes: frozenset[int] = frozenset({0, 2})
    out_name: str | None = None  # the output file, which an exit 2 must not leave behind


def _evaluate_argv(card: Path, out: Path, data: Path | None = None) -> list[str]:
    argv = ["evaluate", "--card", str(card), "--out", str(out / "scorecard.json")]
    if data is not None:
        argv += ["--data", str(data)]
    return argv + ["--bootstrap", "0", "--no-serving", "--no-explain", "--quiet"]


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("rank-scorecard", "scorecard", ".json", lambda f, o, s: ["rank", "--scorecard", str(f), "--json"]),
        Target(
            "rank-profile",
            "profiles",
            ".yaml",
            lambda f, o, s: ["rank", "--scorecard", str(s["scorecard"]), "--profiles", str(f), "--profile", "product"],
        ),
        Target(
            "rank-table",
            "table",
            ".csv",
            lambda f, o, s: ["rank", "--scorecard", str(f), "--json"],
        ),
        Target(
            "decide-scorecard",
            "scorecard",
            ".json",
            lambda f, o, s: ["decide", "--scorecard", str(f), "--out", str(o / "decision.json")],
            frozenset({0, 2, 3}),
            "decision.json",
        ),
        Target(
            "decide-profiles",
            "profiles",
            ".yaml",
            lambda f, o, s: [
                "decide",
                "--scorecard",
                str(s["scorecard"]),
                "--profiles",
                str(f),
                "--out",
                str(o / "decision.json"),
            ],
            frozenset({0, 2, 3}),
            "decision.json",
        ),
        Target(
            "decide-default-profiles",
            "default_profiles",
            ".yaml",
            lambda f, o, s: [
                "decide",
                "--scorecard",
                str(s["table"]),
                "--profiles",
                str(f),
                "--out",
                str(o / "decision.json"),
            ],
            frozenset({0, 2, 3}),
            "decision.json",
        ),
        Target(
            "report-scorecard",
            "scorecard",
            ".json",
            lambda f, o, s: [
                "report",
                "--scorecard",
                str(f),
                "--out",
                str(o / "report.md"),
                "--timestamp",
                "2026-01-01",
            ],
            out_name="report.md",
        ),
        Target(
            "report-decision",
            "decision",
            ".json",
            lambda f, o, s: [
                "report",
                "--scorecard",
                str(s["scorecard"]),
                "--decision",
                str(f),
                "--out",
                str(o / "report.md"),
                "--timestamp",
                "2026-01-01",
            ],
            out_name="report.md",
        ),
        Target("evaluate-card", "card", ".yaml", lambda f, o, s: _evaluate_argv(f, o), out_name="scorecard.json"),
        Target(
            "evaluate-data",
            "data",
            ".csv",
            lambda f, o, s: _evaluate_argv(s["card"], o, data=f),
            out_name="scorecard.json",
        ),
    )
}


# ---- running the CLI ------------------------------------------------------------------------------
class Hang(BaseException):  # noqa: N818 - BaseException, so no `except Exception` in the CLI can swallow it
    """Raised by the alarm when an example runs past :data:`HANG_S`."""


@dataclass(frozen=True)
class Outcome:
    """What one run of ``tradeoffs`` did."""

    code: int | None  # None when an exception escaped main()
    out: str
    err: str
    error: str | None  # "TypeError at analysis/scorecard.py:123 (msg)" when an exception escaped
    seconds: float


def _vm_size() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@contextlib.contextmanager
def _bounded(hang_s: int, memory: int | None) -> Iterator[None]:
    """Run the block under an alarm (raises :class:`Hang`) and, on Linux, an address-space limit."""

    def on_alarm(signum, frame):
        raise Hang(f"no result within {hang_s} s")

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(hang_s)
    old_limit = resource.getrlimit(resource.RLIMIT_AS)
    size = _vm_size() if memory else None
    if size is not None:
        hard = old_limit[1]
        soft = size + memory if hard == resource.RLIM_INFINITY else min(size + memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old_handler)
        if size is not None:
            resource.setrlimit(resource.RLIMIT_AS, old_limit)


def _where(exc: BaseException) -> str:
    """``Type at file:line (message)`` of the innermost frame in the project (else the innermost)."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if str(ROOT) in f.filename and "/tests/" not in f.filename] or frames
    at = f" at {Path(own[-1].filename).relative_to(ROOT) if str(ROOT) in own[-1].filename else own[-1].filename}"
    at += f":{own[-1].lineno}" if own else ""
    return f"{type(exc).__name__}{at if own else ''} ({str(exc)[:200]})"


def run_cli(argv: list[str], *, hang_s: int = HANG_S, memory: int | None = MEMORY_BUDGET) -> Outcome:
    """Run ``tradeoffs ARGV`` in this process as the console script does, capturing its output."""
    import warnings

    from analysis.cli import main

    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    code: int | None = None
    error = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("error")  # as in the test suite: a warning is a failure too
            with _bounded(hang_s, memory):
                code = main(argv)
    except SystemExit as exc:  # what a console script would do with it
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # noqa: BLE001 - recording what escaped is the point
        if isinstance(exc, KeyboardInterrupt):
            raise
        error = _where(exc)
    return Outcome(code, out.getvalue(), err.getvalue(), error, time.perf_counter() - started)


def problem(outcome: Outcome, target: Target, out_dir: Path) -> str | None:
    """What is wrong with ``outcome`` for a user, or None when it is a clean exit."""
    if outcome.error is not None:
        return f"exception escaped: {outcome.error}"
    if outcome.code not in target.codes:
        return f"exit code {outcome.code}; stderr: {outcome.err[-300:]!r}"
    if "Traceback" in outcome.out or "Traceback" in outcome.err:
        return f"traceback in the output: {outcome.err[-300:]!r}"
    if outcome.code == 2:
        err = outcome.err
        if not err.startswith("error: ") or err.count("\n") != 1 or not err.endswith("\n"):
            return f"exit 2 without exactly one 'error:' line: {err[:400]!r}"
        if len(err) > MAX_MESSAGE_CHARS:
            return f"exit 2 with a {len(err)}-character message: {err[:200]!r}..."
        if target.out_name and (out_dir / target.out_name).exists():
            return f"exit 2 but {target.out_name} was written"
    return None


# ---- mutations ------------------------------------------------------------------------------------
HOSTILE_NUMBERS = (
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    "1e308",
    "-0",
    "5e-324",
    "99999999999999999999999999999999999999",
    "-1",
    "0",
    '"0.5"',
    "null",
    "true",
    "[]",
    "{}",
)
JUNK = (
    b"\x00",
    b"\xff\xfe\xfd",
    b"{",
    b"}",
    b"[",
    b"]]]]",
    b'"',
    b"\\",
    b"\n",
    b"\r\n",
    b"\t",
    b"- ",
    b": ",
    b",",
    b";",
    b"&a ",
    b"*a ",
    b"!!python/object/apply:os.getcwd []",
    b"!!binary AAAA",
    b"? ",
    b"---\n",
    b"...\n",
    b"%YAML 1.1\n",
    "\u00e9\u202e\ufeff\U0001f642".encode(),
    b"x" * 5000,
    b"1e999",
    b"NaN",
    b"-Infinity",
    b"9" * 400,
)
HOSTILE_VALUES = (
    None,
    True,
    False,
    0,
    -1,
    10**30,
    -(10**30),
    1e308,
    -1e308,
    5e-324,
    math.nan,
    math.inf,
    -math.inf,
    "",
    " ",
    "x" * 5000,
    "NaN",
    "0.5",
    "🙂\u202e",
    "../../etc/passwd",
    "@primary_quality",
    [],
    {},
    [1, 2],
    [None],
    ["a", "a"],
    {"a": 1},
    {"": None},
)
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_JSON_KEY_LINE = re.compile(rb'^(\s*)("[^"\n]+"):\s*([^\n]*?),?$', re.M)
_YAML_KEY_LINE = re.compile(rb"^(\s*(?:- )?)([A-Za-z_@][\w@.\-]*):[ \t]*([^\n]*)$", re.M)


def _nested(depth: int, rng: random.Random):
    value: object = rng.choice([1, "x", None])
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


def _tree_paths(value, path=(), out=None, limit=4000):
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    out.append(path)
    if isinstance(value, dict):
        for k, v in value.items():
            _tree_paths(v, path + (k,), out, limit)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _tree_paths(v, path + (i,), out, limit)
    return out


def _parse(data: bytes, suffix: str):
    text = data.decode("utf-8")
    return json.loads(text) if suffix == ".json" else yaml.safe_load(text)


def _dump(value, suffix: str) -> bytes:
    if suffix == ".json":
        return (json.dumps(value, indent=1, ensure_ascii=False, allow_nan=True) + "\n").encode("utf-8")
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True).encode("utf-8")


def _structural(data: bytes, suffix: str, rng: random.Random, op: str) -> bytes:
    """A JSON/YAML tree mutation (CSV falls back to a byte mutation)."""
    if suffix not in (".json", ".yaml"):
        return _bytes_op(data, rng, "insert")
    tree = _parse(data, suffix)
    paths = [p for p in _tree_paths(tree) if p]
    if not paths:
        return _dump(rng.choice(HOSTILE_VALUES), suffix)
    # the top-level fields and the first records are where meaning lives: pick them more often
    shallow = [p for p in paths if len(p) <= 3]
    path = rng.choice(shallow if shallow and rng.random() < 0.6 else paths)
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if op == "retype":
        parent[last] = rng.choice(HOSTILE_VALUES)
    elif op == "deep":
        parent[last] = _nested(rng.choice([30, 200, 800]), rng)
    elif op == "drop":
        del parent[last]
    elif op == "dup":  # a repeated list entry (same candidate twice) or a renamed key
        if isinstance(parent, list):
            parent.insert(last, json.loads(json.dumps(parent[last], allow_nan=True)))
        else:
            parent[f"{last}_"] = parent[last]
    elif op == "rename":
        if isinstance(parent, dict):
            parent[rng.choice(["", "x", "name", "schema", "weights", str(last).upper()])] = parent.pop(last)
        else:
            parent[last] = str(parent[last])
    return _dump(tree, suffix)


def _bytes_op(data: bytes, rng: random.Random, op: str) -> bytes:
    n = len(data)
    pos = rng.randrange(n + 1) if n else 0
    if op == "flip":
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if b:
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        return bytes(b)
    if op == "truncate":
        return data[:pos]
    if op == "insert":
        return data[:pos] + rng.choice(JUNK) + data[pos:]
    if op == "delete":
        return data[:pos] + data[pos + rng.randint(1, 64) :]
    if op == "repeat":
        chunk = data[pos : pos + rng.randint(1, 200)]
        return data[:pos] + chunk * rng.randint(2, 50) + data[pos:]
    if op == "number":
        numbers = list(_NUMBER.finditer(data))
        if not numbers:
            return _bytes_op(data, rng, "insert")
        m = rng.choice(numbers)
        return data[: m.start()] + rng.choice(HOSTILE_NUMBERS).encode() + data[m.end() :]
    raise ValueError(op)


def _dup_key(data: bytes, suffix: str, rng: random.Random) -> bytes:
    """Repeat one ``key: value`` line right after itself, with a hostile value (a duplicate key)."""
    pattern = _JSON_KEY_LINE if suffix == ".json" else _YAML_KEY_LINE
    lines = list(pattern.finditer(data))
    if not lines:
        return _bytes_op(data, rng, "insert")
    m = rng.choice(lines)
    value = rng.choice(HOSTILE_NUMBERS).encode()
    sep = b"," if suffix == ".json" else b""
    if suffix == ".json" and not data[m.end() - 1 : m.end()] == b",":
        # the last member of an object: put the copy first so the commas stay right
        return data[: m.start()] + m.group(1) + m.group(2) + b": " + value + b",\n" + data[m.start() :]
    return data[: m.end()] + b"\n" + m.group(1) + m.group(2) + b": " + value + sep + data[m.end() :]


def _reencode(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace")
    choice = rng.choice(["utf-16", "utf-32", "latin-1", "cp1252", "bom"])
    if choice == "bom":
        return b"\xef\xbb\xbf" + data
    if choice in ("latin-1", "cp1252"):
        text = text.replace("e", "\u00e9", 3)
        return text.encode(choice, errors="replace")
    return text.encode(choice)


MUTATIONS: tuple[str, ...] = (
    "flip",
    "truncate",
    "insert",
    "delete",
    "repeat",
    "number",
    "retype",
    "deep",
    "drop",
    "dup",
    "rename",
    "dup-key",
    "encoding",
    "empty",
    "deep-text",
)


def mutate(data: bytes, suffix: str, mutation: str, seed: int) -> bytes:
    """``data`` changed by ``mutation`` (one of :data:`MUTATIONS`), drawn with ``random.Random(seed)``."""
    rng = random.Random(f"{mutation}:{seed}")
    if mutation == "empty":
        return rng.choice([b"", b"\n", b"   ", b"\xef\xbb\xbf", b"null\n", b"[]\n", b"{}\n", b"0\n"])
    if mutation == "deep-text":  # nesting beyond any parser's recursion limit, as raw text
        # JSON's C parser rejects 100,000 levels at once; PyYAML (pure Python) needs a few thousand
        depth = rng.choice([1000, 20000, 100000] if suffix == ".json" else [1000, 2000, 5000])
        opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}"), (b"- ", b""), (b"a:\n" + b" ", b"")])
        if closer:
            return opener * depth + b"1" + closer * depth
        return b"".join(opener.replace(b" ", b" " * (i % 40 + 1)) for i in range(min(depth, 3000))) + b"1\n"
    if mutation == "encoding":
        return _reencode(data, rng)
    if mutation == "dup-key":
        return _dup_key(data, suffix, rng)
    if mutation in ("retype", "deep", "drop", "dup", "rename"):
        try:
            return _structural(data, suffix, rng, mutation)
        except (ValueError, yaml.YAMLError, TypeError, KeyError, IndexError, RecursionError):
            return _bytes_op(data, rng, "flip")  # an already broken file: mutate its bytes
    return _bytes_op(data, rng, mutation)


def make_decision_seed(seeds: dict[str, Path], folder: Path) -> Path:
    """The decision seed: what ``tradeoffs decide`` writes for the seed scorecard."""
    path = folder / "decision.json"
    outcome = run_cli(["decide", "--scorecard", str(seeds["scorecard"]), "--out", str(path)], memory=None)
    if outcome.code not in (0, 3) or not path.exists():
        raise RuntimeError(f"the seed decision could not be made: {outcome}")
    seeds["decision"] = path
    return path


def run_example(
    target: Target, data: bytes, seeds: dict[str, Path], work: Path, **kwargs
) -> tuple[Outcome, str | None]:
    """Write ``data`` as the target's file in a fresh folder under ``work`` and run the command on it."""
    work.mkdir(parents=True, exist_ok=True)
    fuzzed = work / f"input{target.suffix}"
    fuzzed.write_bytes(data)
    out_dir = work / "out"
    out_dir.mkdir(exist_ok=True)
    for f in out_dir.iterdir():
        f.unlink()
    outcome = run_cli(target.argv(fuzzed, out_dir, seeds), **kwargs)
    return outcome, problem(outcome, target, out_dir)
