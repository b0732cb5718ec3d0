"""Public datasets as partitioned Parquet datasets: `tradeoffs evaluate --data DIR` equals the in-memory run.

Each test set is written as a few Parquet files with small row groups and evaluated by the real
command partition by partition (and, for one dataset, on a local Dask cluster); the scorecard must
carry the same figures as `tradeoffs evaluate --data test.csv` on the same rows: every metric's
value and interval, the slices and the windows. These test sets have fewer distinct scores than
the score bins, so ROC AUC and PR AUC are exact on both paths and equal too.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from _public_cli import run_cli

BOOTSTRAP = "60"


def _argv(case, data, out, *extra) -> list:
    spec = case.spec
    argv = ["evaluate", "--data", data, "--target", spec.target, "--task", spec.task]
    if spec.positive_label is not None:
        argv += ["--positive-label", spec.positive_label]
    for col in spec.sensitive:
        argv += ["--sensitive", col]
    for path in case.models.values():
        argv += ["--model", path]
    return argv + ["--bootstrap", BOOTSTRAP, "--no-serving", "--no-explain", "--quiet", "--out", out, *extra]


def _as_dataset(case, folder) -> None:
    frame = pd.read_csv(case.data_csv)
    folder.mkdir()
    third = -(-len(frame) // 3)
    for i in range(3):
        frame.iloc[i * third : (i + 1) * third].to_parquet(folder / f"part-{i}.parquet", row_group_size=97)


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9) or (math.isnan(a) and math.isnan(b))
    return a == b


def _same_records(left: list[dict], right: list[dict], keys: tuple[str, ...]) -> None:
    by_key = {tuple(r[k] for k in keys): r for r in right}
    assert len(left) == len(right)
    for row in left:
        other = by_key[tuple(row[k] for k in keys)]
        assert row.keys() == other.keys()
        for field, value in row.items():
            assert _close(value, other[field]), (tuple(row[k] for k in keys), field, value, other[field])


@pytest.mark.parametrize("name", ["arrests", "penguins", "diabetes"])
def test_partitioned_dataset_gives_the_in_memory_scorecard(name, public_case, tmp_path):
    case = public_case(name)
    _as_dataset(case, tmp_path / "dataset")
    whole = run_cli(_argv(case, case.data_csv, tmp_path / "whole.json"))
    assert whole.code == 0, whole.describe()
    parts = run_cli(_argv(case, tmp_path / "dataset", tmp_path / "parts.json"))
    assert parts.code == 0, parts.describe()
    a = json.loads((tmp_path / "whole.json").read_text())
    b = json.loads((tmp_path / "parts.json").read_text())
    assert [o["name"] for o in a["objectives"]] == [o["name"] for o in b["objectives"]]
    _same_records(a["metrics"], b["metrics"], ("candidate", "objective"))
    _same_records(a["comparisons"], b["comparisons"], ("objective", "candidate"))
    _same_records(a["slices"], b["slices"], ("candidate", "attribute", "group"))
    assert b["dataset"]["rows"] == a["dataset"]["rows"]
    assert b["dataset"]["partitioned"]["files"] == 3
    assert b["settings"]["scoring"]["where"] == "this process"
    if case.spec.task != "regression":
        assert b["dataset"]["class_counts"] == a["dataset"]["class_counts"]
        assert {e["method"] for e in b["sections"]["ranking"]["by_candidate"].values()} == {"exact"}


def test_partitioned_dataset_on_a_local_dask_cluster(public_case, tmp_path):
    pytest.importorskip("distributed")
    case = public_case("arrests")
    _as_dataset(case, tmp_path / "dataset")
    here = run_cli(_argv(case, tmp_path / "dataset", tmp_path / "here.json"))
    assert here.code == 0, here.describe()
    glob = str(tmp_path / "dataset" / "*.parquet")
    dask = run_cli(_argv(case, glob, tmp_path / "dask.json", "--scheduler", "local", "--workers", "2"))
    assert dask.code == 0, dask.describe()
    a = json.loads((tmp_path / "here.json").read_text())
    b = json.loads((tmp_path / "dask.json").read_text())
    _same_records(a["metrics"], b["metrics"], ("candidate", "objective"))
    _same_records(a["slices"], b["slices"], ("candidate", "attribute", "group"))
    assert b["settings"]["scoring"] == {
        "partitioned": True,
        "where": "a local Dask cluster",
        "workers": 2,
        "serving_and_explanation_rows": None,
    }
