"""Scoring a Parquet dataset partition by partition equals scoring it in memory, locally and on Dask."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from analysis._errors import InputError
from analysis.evaluation import build_group_indexes, predict_model, prepare_data
from analysis.evaluation._evaluate import _window_codes
from analysis.evaluation._partitions import (
    DaskExecutor,
    Roles,
    list_partitions,
    merge_sketches,
    score_partitions,
    sketch_scores,
)
from analysis.evaluation._score import score_predictions
from analysis.loading._models import LoadedModel

N_ROWS = 9_000
RESAMPLES = 20


def _frame(n: int = N_ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "grp": rng.choice(["a", "b", "c"], size=n, p=[0.6, 0.3, 0.1]),
            "zone": rng.integers(0, 25, size=n).astype(str),
            "ts": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 200, size=n), unit="D"),
        }
    )
    df["y"] = np.where(df.x1 + rng.normal(size=n) > 0.3, "yes", "no")
    return df


def _write(df: pd.DataFrame, folder, rows_per_file: int, row_group: int) -> None:
    folder.mkdir()
    for i, a in enumerate(range(0, len(df), rows_per_file)):
        df.iloc[a : a + rows_per_file].to_parquet(folder / f"part-{i:03d}.parquet", row_group_size=row_group)


def _model(name: str, est, df: pd.DataFrame) -> LoadedModel:
    est.fit(df[["x1", "x2"]], df.y)
    return LoadedModel(name, f"{name}.skops", est, "skops", "0" * 64, 0, type(est).__name__, ("x1", "x2"))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    df = _frame()
    folder = tmp_path_factory.mktemp("parquet") / "events"
    _write(df, folder, rows_per_file=2_500, row_group=1_000)
    models = [
        _model("tree", DecisionTreeClassifier(max_depth=4, random_state=0), df),
        _model("lr", LogisticRegression(), df),
    ]
    return df, folder, models


ROLES = Roles(source="events", target="y", sensitive=("grp", "zone"), time="ts")


def _in_memory(df, models):
    data = prepare_data(df, source="events", target="y", sensitive=("grp", "zone"), time="ts")
    preds = [predict_model(m, data.frame, ["x1", "x2"], data.spec, data_source="events") for m in models]
    groups = build_group_indexes(data.frame, data.sensitive)
    labels, codes = _window_codes(data, "M")
    scores = score_predictions(
        data, preds, groups=groups, window_codes=codes, n_windows=len(labels), n_resamples=RESAMPLES, random_state=3
    )
    return data, groups, labels, scores


def test_partitions_carry_global_row_positions(dataset):
    _, folder, _ = dataset
    parts = list_partitions(folder)
    assert [p.start for p in parts] == list(np.cumsum([0] + [p.n_rows for p in parts[:-1]]))
    assert sum(p.n_rows for p in parts) == N_ROWS
    assert len(parts) == 11  # files of 2,500, 2,500, 2,500 and 1,500 rows in row groups of 1,000
    assert list_partitions(str(folder / "*.parquet")) == parts


def test_plan_from_scans_matches_the_whole_table(dataset):
    df, folder, models = dataset
    res = score_partitions(list_partitions(folder), ROLES, models, n_resamples=0, random_state=0)
    data, groups, labels, _ = _in_memory(df, models)
    assert res.dataset.spec == data.spec
    assert res.dataset.group_labels == tuple((g.attribute, g.labels) for g in groups)
    assert res.dataset.windows == tuple(labels)
    assert res.dataset.rows == N_ROWS
    assert res.dataset.class_counts == {"no": int((df.y == "no").sum()), "yes": int((df.y == "yes").sum())}


def test_partitioned_scores_equal_in_memory_scores(dataset):
    df, folder, models = dataset
    res = score_partitions(list_partitions(folder), ROLES, models, n_resamples=RESAMPLES, random_state=3)
    _, _, _, mem = _in_memory(df, models)
    for part, whole in zip(res.scores, mem, strict=True):
        assert part.name == whole.name
        exact_bins = all(b.exact for b in part.bins)
        for key, values in part.metrics.items():
            if key in ("roc_auc", "pr_auc") and not exact_bins:
                continue  # checked against the bound below
            np.testing.assert_allclose(values, whole.metrics[key], rtol=0, atol=1e-12, err_msg=key)
        for key, values in part.groups.items():
            np.testing.assert_allclose(values, whole.groups[key], rtol=0, atol=1e-12, err_msg=str(key))
        for key, values in part.windows.items():
            if key in ("roc_auc", "pr_auc") and not exact_bins:
                continue
            np.testing.assert_allclose(values, whole.windows[key], rtol=0, atol=1e-12, err_msg=key)
    tree, lr = res.scores
    assert all(b.exact for b in tree.bins)  # a depth-4 tree has at most 16 distinct scores
    assert not any(b.exact for b in lr.bins)
    # Binned on both sides, with cut points from different quantile estimates: each is within its own bound
    # of the exact figure, so they are within the sum of the bounds of each other.
    whole_lr = mem[1]
    for key in ("roc_auc", "pr_auc"):
        gap = np.abs(lr.metrics[key] - whole_lr.metrics[key])
        assert (gap <= lr.bounds[key] + whole_lr.bounds[key] + 1e-12).all()


def test_dask_cluster_gives_the_local_result(dataset):
    distributed = pytest.importorskip("distributed")
    df, folder, models = dataset
    parts = list_partitions(folder)
    local = score_partitions(parts, ROLES, models, n_resamples=RESAMPLES, random_state=3)
    with (
        distributed.LocalCluster(
            n_workers=3,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = score_partitions(
            parts, ROLES, models, n_resamples=RESAMPLES, random_state=3, executor=DaskExecutor(client)
        )
        assert len(client.scheduler_info()["workers"]) == 3
    assert remote.plan == local.plan
    for a, b in zip(remote.scores, local.scores, strict=True):
        for key in a.metrics:
            np.testing.assert_allclose(a.metrics[key], b.metrics[key], rtol=0, atol=1e-12, err_msg=key)
        for key in a.groups:
            np.testing.assert_allclose(a.groups[key], b.groups[key], rtol=0, atol=1e-12, err_msg=str(key))
    assert remote.curves == local.curves


def test_sketches_merge_to_exact_bins_when_the_scores_are_few():
    parts = [sketch_scores(np.array([0.1, 0.2, 0.2])), sketch_scores(np.array([0.3, 0.1]))]
    bins = merge_sketches(parts, max_bins=4)
    assert bins.exact and bins.edges.tolist() == [0.1, 0.2, 0.3]
    many = [sketch_scores(np.linspace(0, 1, 50), max_bins=4), sketch_scores(np.linspace(0, 1, 60), max_bins=4)]
    binned = merge_sketches(many, max_bins=4)
    assert not binned.exact and binned.n_bins <= 4


def test_missing_target_values_name_the_files(tmp_path, dataset):
    df, _, models = dataset
    bad = df.copy()
    bad.loc[[5, 6, 7_000], "y"] = None
    folder = tmp_path / "bad"
    _write(bad, folder, rows_per_file=4_500, row_group=4_500)
    with pytest.raises(InputError, match=r"3 missing values \(part-000.parquet: 2, part-001.parquet: 1\)"):
        score_partitions(list_partitions(folder), ROLES, models, n_resamples=0, random_state=0)


def test_no_parquet_file_is_one_clear_message(tmp_path):
    with pytest.raises(InputError, match="matches no Parquet file"):
        list_partitions(str(tmp_path / "*.parquet"))
    (tmp_path / "x.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="is not a readable Parquet file"):
        list_partitions(tmp_path / "x.parquet")


def test_partitions_store_the_threshold_curves_of_the_whole_table(tmp_path):
    """The stored threshold curves (counts, value, error costs, money, per group and per combination of
    groups) summed partition by partition equal the curves of the whole table at the same thresholds."""
    from analysis.evaluation._evaluate import _threshold_inputs
    from analysis.evaluation._thresholds import threshold_section
    from analysis.evaluation._value import ValueSpec

    df = _frame(6_000, seed=5).drop(columns=["zone"])
    rng = np.random.default_rng(5)
    df["band"] = rng.choice(["young", "old"], size=len(df))
    df["amount"] = rng.gamma(2.0, 10.0, size=len(df)).round(2)
    folder = tmp_path / "events"
    _write(df, folder, rows_per_file=1_700, row_group=600)
    models = [
        _model("tree", DecisionTreeClassifier(max_depth=4, random_state=0), df),
        _model("lr", LogisticRegression(), df),
    ]
    value = ValueSpec(columns=("amount",), matrix={"tp": "0.1*amount + 2", "fp": "-1.5", "fn": "0", "tn": "0"})
    roles = Roles(source="events", target="y", sensitive=("grp", "band"), time="ts", value=value)
    res = score_partitions(list_partitions(folder), roles, models, n_resamples=0, random_state=0)
    data = prepare_data(df, source="events", target="y", sensitive=("grp", "band"), time="ts", value=value)
    groupings, if_pos, if_neg, captured = _threshold_inputs(data)
    for m in models:
        stored = res.curves[m.name]["thresholds"]
        assert 2 <= len(stored["thresholds"]) <= 200 and stored["score_kind"] == "probability"
        assert "cells" in stored and stored["cells"]["attributes"] == ["grp", "band"]
        p = predict_model(m, data.frame, ["x1", "x2"], data.spec, data_source="events")
        whole = threshold_section(
            data.y,
            p.y_score,
            groupings,
            value_if_positive=if_pos,
            value_if_negative=if_neg,
            captured=captured,
            grid=np.asarray(stored["thresholds"]),
        )
        _same(stored, whole, m.name)


def _same(a, b, path: str) -> None:
    if isinstance(b, dict):
        assert set(a) - {"score", "score_kind"} == set(b), (path, set(a) ^ set(b))
        for k in b:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(b, list):
        assert len(a) == len(b), path
        for i, (u, v) in enumerate(zip(a, b, strict=True)):
            _same(u, v, f"{path}[{i}]")
    elif isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), path  # money: sums in another order
    else:
        assert a == b, path
