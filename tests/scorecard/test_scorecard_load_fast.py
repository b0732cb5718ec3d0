"""``load_scorecard`` reads a field at a time and gives what the record-by-record reading gives (issue 12).

The reference is the straightforward reading: the strict JSON reader (``parse_json_text``, a
Python check per float), every metric and comparison field checked record by record
(:func:`_reference_check_columns`, below), and each record built by its dataclass. The fast path
must give an equal scorecard with the same records (same value types, same key order, so the same
JSON and hash) and the same candidates x objectives arrays, and refuse every damaged file with
the same sentence.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import analysis.scorecard as scorecard_module
from analysis._errors import InputError
from analysis._scorecard_columns import RecordColumns, has_nonfinite_float
from analysis.scorecard import Comparison, MetricValue, Scorecard, load_scorecard, scorecard_to_json

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "scorecard.json"


def _reference_check_columns(items, source, name, text, numbers, columns=None):
    """The field checks one record at a time, field after field (the order the messages follow)."""
    for i, d in enumerate(items):
        if type(d) is not dict:
            raise scorecard_module._damaged(source, f"{name}[{i}]", d, "a record")
    for key in text + numbers:
        for i, d in enumerate(items):
            v = d.get(key)
            if key in text and type(v) is not str:
                raise scorecard_module._damaged(source, f"{name}[{i}].{key}", v, "text")
            if key in numbers:
                if type(v) not in (int, float, type(None)):
                    raise scorecard_module._damaged(source, f"{name}[{i}].{key}", v, "a number or null")
                if v is not None and not (-sys.float_info.max <= v <= sys.float_info.max):
                    raise scorecard_module._damaged(source, f"{name}[{i}].{key}", v, "a finite number or null")


def reference_load(path: Path, monkeypatch) -> Scorecard:
    """Strict JSON, record-by-record checks and records (no columns: ``RecordColumns.of`` declines)."""
    with monkeypatch.context() as m:
        m.setattr(scorecard_module, "_check_columns", _reference_check_columns)
        m.setattr(RecordColumns, "of", classmethod(lambda cls, items, keys: None))
        data = scorecard_module.load_json_file(path, hint=scorecard_module._SCORECARD_HINT)
        return Scorecard.from_dict(data, source=str(path))


def _outcome(load, path):
    try:
        return load(path)
    except InputError as exc:
        return exc.message


def assert_same_scorecard(fast: Scorecard, ref: Scorecard) -> None:
    """Equal records with the same value types and key order, the same JSON, the same dense arrays."""
    assert fast == ref
    for mine, theirs in ((fast.metrics, ref.metrics), (fast.comparisons, ref.comparisons)):
        assert [type(r) for r in mine] == [type(r) for r in theirs]
        assert [list(vars(r).items()) for r in mine] == [list(vars(r).items()) for r in theirs]
        assert [tuple(map(type, vars(r).values())) for r in mine] == [
            tuple(map(type, vars(r).values())) for r in theirs
        ]
    assert scorecard_to_json(fast) == scorecard_to_json(ref)
    looped = ref._dense_arrays(ref.candidate_names, list(ref.objective_names))  # record by record
    for key, array in fast.dense_arrays().items():
        np.testing.assert_array_equal(array, looped[key])
        assert not array.flags.writeable


def _write(tmp_path: Path, data, name: str = "sc.json", *, indent=1) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=True) + "\n", encoding="utf-8")
    return path


def _sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def grown(n: int, seed: int = 0) -> dict:
    """The built-in scorecard grown to ``n`` candidates: values moved by seeded noise, some missing."""
    data = _sample()
    rng = np.random.default_rng(seed)
    base = data["candidates"]
    by_name = {}
    for m in data["metrics"]:
        by_name.setdefault(m["candidate"], []).append(m)
    comps = {}
    for c in data["comparisons"]:
        comps.setdefault(c["candidate"], []).append(c)
    candidates, metrics, comparisons = [], [], []
    for i in range(n):
        src = base[i % len(base)]
        name = src["name"] if i < len(base) else f"{src['name']}_{i:05d}"
        candidates.append(dict(src, name=name))
        for m in by_name.get(src["name"], []):
            m = dict(m, candidate=name)
            if i >= len(base) and isinstance(m["value"], float):
                m["value"] = None if rng.random() < 0.02 else m["value"] + float(rng.normal(0, 0.01))
            metrics.append(m)
        comparisons += [dict(c, candidate=name) for c in comps.get(src["name"], [])]
    data.update(candidates=candidates, metrics=metrics, comparisons=comparisons)
    return data


# ---- the same scorecard ------------------------------------------------------------------------------
def test_builtin_scenario_reads_the_same(monkeypatch):
    fast = load_scorecard(SAMPLE)
    assert "_dense" in vars(fast)  # read by columns: the arrays come filled
    assert_same_scorecard(fast, reference_load(SAMPLE, monkeypatch))
    assert scorecard_to_json(fast) == SAMPLE.read_text(encoding="utf-8")


def test_a_grown_scorecard_reads_the_same(tmp_path, monkeypatch):
    data = grown(1500)
    path = _write(tmp_path, data)
    fast = load_scorecard(path)
    assert len(fast.metrics) == len(data["metrics"]) > 60_000
    assert_same_scorecard(fast, reference_load(path, monkeypatch))
    compact = _write(tmp_path, data, "compact.json", indent=None)  # layout does not matter
    assert_same_scorecard(load_scorecard(compact), fast)


def _odd_records(data: dict) -> None:
    """Everything a hand-edited file may hold that is still accepted."""
    m = data["metrics"]
    m[0]["value"] = 3  # an integer
    m[1]["ci_low"] = 10**300  # an integer within float range
    m[2] = {k: m[2][k] for k in reversed(list(m[2]))}  # keys in another order
    m.append(dict(m[3], value=None))  # the same cell again, missing: the first value stays
    m.append(dict(m[4], value=0.25))  # the same cell again: the second value wins
    m.append(dict(m[5], candidate="nobody"))  # a candidate the scorecard does not list
    m[6]["value"] = -0.0
    m[7]["value"] = 5e-324
    data["comparisons"][0]["significant"] = 1  # equals True, as before
    data["comparisons"][1]["significant"] = 0.0
    data["comparisons"][2]["diff"] = 7


@pytest.mark.parametrize(
    "edit",
    [
        _odd_records,
        lambda d: d.update(metrics=[], comparisons=[]),
        lambda d: d.pop("comparisons"),
        lambda d: d["metrics"][0].pop("ci_low"),  # the dataclass default (None)
        lambda d: d["metrics"].append(dict(d["metrics"][5], candidate="nobody")),  # skipped by the arrays
        lambda d: d["metrics"].append(dict(d["metrics"][5], objective="nothing")),
        lambda d: d["sections"].update(drift={"huge": 1e308, "tiny": -1e-320, "list": [[1.5, None]]}),
    ],
)
def test_accepted_variants_read_the_same(edit, tmp_path, monkeypatch):
    data = _sample()
    edit(data)
    path = _write(tmp_path, data)
    assert_same_scorecard(load_scorecard(path), reference_load(path, monkeypatch))


def test_from_dict_does_not_share_the_callers_dicts():
    data = _sample()
    sc = Scorecard.from_dict(data)
    before = sc.metrics[0].value
    data["metrics"][0]["value"] = 12345.0
    data["comparisons"][0]["diff"] = 12345.0
    assert sc.metrics[0].value == before
    assert sc.comparisons[0].diff != 12345.0


# ---- the same refusals ---------------------------------------------------------------------------------
def _set(path, value):
    def edit(d):
        target = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _text_edit(old, new):
    return lambda t: t.replace(old, new, 1)


def _deep(depth):
    value = 1.5
    for _ in range(depth):
        value = [value]
    return value


JSON_EDITS = [  # the data is edited, then written with NaN/Infinity allowed
    _set(["metrics", 0, "value"], float("nan")),
    _set(["metrics", 0, "ci_high"], float("inf")),
    _set(["comparisons", 3, "diff"], float("-inf")),
    _set(["metrics", 0, "value"], "0.5"),
    _set(["metrics", 1, "value"], [1, 2]),
    _set(["metrics", 1, "value"], [1, [float("inf")]]),
    _set(["metrics", 1, "value"], {"a": 1}),
    _set(["metrics", 2, "candidate"], ["x"]),
    _set(["metrics", 2, "objective"], None),
    _set(["metrics", 0, "ci_low"], True),
    _set(["metrics", 5, "value"], 10**309),  # an integer past float range
    _set(["metrics", 5, "value"], -(10**309)),
    _set(["metrics", 3], 5),
    _set(["metrics", 3], ["candidate", "objective"]),
    _set(["metrics"], {}),
    _set(["comparisons", 0, "significant"], "yes"),
    _set(["comparisons", 0, "significant"], 2),
    _set(["comparisons", 1, "best"], 3),
    _set(["comparisons", 1, "diff_ci_high"], "1"),
    lambda d: d["metrics"][0].update(unexpected=1),
    lambda d: d["comparisons"][0].pop("significant"),
    lambda d: d["metrics"][4].update(unexpected=float("inf")),
    lambda d: (d["metrics"][0].update(value="x"), d["comparisons"][0].update(diff="y")),  # the first named
    lambda d: (d["metrics"][9].update(value="x"), d["metrics"][2].update(candidate=1)),  # field order first
    _set(["objectives", 0, "worst"], "low"),
    _set(["task"], 5),
    _set(["candidates", 0, "errors"], 5),
    _set(["sections", "drift"], _deep(900)),
    _set(["sections", "drift"], {"x": [1.0, float("inf")]}),
    _set(["candidates", 0, "source", "path"], float("nan")),
    _set(["slices", 0], 5),
    _set(["dataset", "class_counts", "0"], 0.5),
    _set(["schema_version"], 2),
    _set(["schema"], "other"),
]

TEXT_EDITS = [  # the text is edited: literals json.dumps would not write
    _text_edit('"value": 0.', '"value": 1e999, "x": 0.'),
    _text_edit('"ci_high": 0.', '"ci_high": -1E+400, "x": 0.'),
    _text_edit('"value": 0.', '"value": ' + "9" * 400 + '.5, "x": 0.'),
    _text_edit('"value": 0.', '"value": ' + "9" * 5000 + ', "x": 0.'),
    _text_edit('"created_at": "', '"note": 1e999, "created_at": "'),
    _text_edit('"task": "binary"', '"task": "binary", "task": 1'),  # a duplicate key: the last one is read
    _text_edit('"task": "binary"', '"task": 1, "task": "binary"'),
    _text_edit('"metrics": [', '"metrics": [1e999, '),
    _text_edit('"value": 0.', '"value": NaN, "x": 0.'),
    _text_edit('"value": 0.', '"value": Infinity, "x": 0.'),
    _text_edit('"value": 0.', '"value": 1e999 "x": 0.'),  # out of range and, later, invalid: the first error
    _text_edit("{", "{,"),
    lambda t: t[: len(t) // 2],
    lambda t: "[" * 100_000 + "]" * 100_000,
    lambda t: "",
    lambda t: "1e999",
    lambda t: "null",
    lambda t: "[1.5, 2]",
    _text_edit('"name": "', '"name": "\\ud800'),  # a lone surrogate escape: read, as before
]


def _assert_same_outcome(path, monkeypatch):
    fast = _outcome(load_scorecard, path)
    ref = _outcome(lambda p: reference_load(p, monkeypatch), path)
    if isinstance(ref, str):
        assert fast == ref
    else:
        assert isinstance(fast, Scorecard), fast
        assert_same_scorecard(fast, ref)
    return fast


@pytest.mark.parametrize("edit", JSON_EDITS)
def test_damaged_data_is_refused_with_the_same_sentence(edit, tmp_path, monkeypatch):
    data = _sample()
    edit(data)
    outcome = _assert_same_outcome(_write(tmp_path, data), monkeypatch)
    assert isinstance(outcome, str), "every JSON_EDITS case is a refusal"


@pytest.mark.parametrize("edit", TEXT_EDITS)
def test_hostile_text_is_read_or_refused_the_same(edit, tmp_path, monkeypatch):
    path = tmp_path / "sc.json"
    path.write_text(edit(SAMPLE.read_text(encoding="utf-8")), encoding="utf-8", errors="surrogatepass")
    _assert_same_outcome(path, monkeypatch)


def test_known_refusals_keep_their_words(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "sc.json"
    value = '"value": 0.'
    cases = {
        text.replace(value, '"value": 1e999, "x": 0.', 1): "is not valid JSON (the number 1e999 is out of range)",
        text.replace(value, '"value": NaN, "x": 0.', 1): "is not valid JSON (NaN is not a JSON value)",
        "[" * 100_000 + "]" * 100_000: "is nested too deeply to read",
    }
    for content, words in cases.items():
        path.write_text(content, encoding="utf-8")
        with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
            load_scorecard(path)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())  # a byte-order mark is fine
    assert load_scorecard(path) == load_scorecard(SAMPLE)
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(InputError, match="is not UTF-8 text"):
        load_scorecard(path)


# ---- the helpers -------------------------------------------------------------------------------------
def test_columns_decline_what_is_not_plain_records():
    keys = ("a", "b")
    assert RecordColumns.of([{"a": 1, "b": 2}, [1, 2]], keys) is None
    assert RecordColumns.of([{"a": 1, "b": 2}, {"a": 1, "c": 2}], keys) is None
    assert RecordColumns.of([{"a": 1, "b": 2, "c": 3}], keys) is None
    assert RecordColumns.of([{"a": 1, "b": 2}, {"a": 3, "b": 4}], keys).ordered
    cols = RecordColumns.of([{"a": 1.5, "b": None}, {"b": float("nan"), "a": 10**400}], keys)
    assert cols is not None and cols.values == {"a": [1.5, 10**400], "b": [None, cols.values["b"][1]]}
    assert not cols.ordered  # its records are then built field by field
    assert cols.finite("a") and not cols.in_float_range("a")
    assert not cols.finite("b") and cols.nonfinite()


@pytest.mark.parametrize(
    ("tree", "found"),
    [
        (1.5, False),
        (math.inf, True),
        ({"a": [{"b": [None, "inf", 2]}]}, False),
        ({"a": [{"b": [None, -math.inf]}]}, True),
        ([[[[[math.nan]]]]], True),
        ([], False),
    ],
)
def test_nonfinite_search_looks_everywhere(tree, found):
    assert has_nonfinite_float(tree) is found


def test_records_built_around_the_readers_dicts_are_ordinary_records():
    sc = load_scorecard(SAMPLE)
    m = sc.metrics[0]
    assert type(m) is MetricValue and m == MetricValue(**vars(m))
    with pytest.raises(AttributeError):
        m.value = 1.0  # still frozen
    assert type(sc.comparisons[0]) is Comparison
