"""`tradeoffs evaluate --data DIR|GLOB`: a Parquet dataset scored partition by partition, and its bad inputs."""

from __future__ import annotations

import json

import pytest
from _cli_helpers import assert_bad

from analysis.cli import main


@pytest.fixture
def dataset(binary_frame, tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    for i, a in enumerate(range(0, len(binary_frame), 700)):
        binary_frame.iloc[a : a + 700].to_parquet(folder / f"part-{i}.parquet", row_group_size=250)
    return folder


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def args(data, models, out, *extra):
    argv = ["evaluate", "--data", data, "--target", "label", "--sensitive", "region", "--time", "when"]
    for m in models:
        argv += ["--model", m]
    return argv + ["--bootstrap", "20", "--quiet", "--no-serving", "--out", out, *extra]


def test_dataset_directory_is_scored_by_partition(dataset, binary_frame, fitted_models, tmp_path, capsys):
    out = tmp_path / "sc.json"
    code, stdout, err = run(args(dataset, fitted_models.values(), out, "--value-col", "basket"), capsys)
    assert code == 0, err
    sc = json.loads(out.read_text())
    assert sc["dataset"]["rows"] == 2000
    assert sc["dataset"]["partitioned"] == {"files": 3, "partitions": 9, "unit": "Parquet row group"}
    assert sc["settings"]["scoring"]["partitioned"] is True
    assert len(sc["windows"]) == 2 * len({w["window"] for w in sc["windows"]})
    assert "basket_captured_per_1k" in {o["name"] for o in sc["objectives"]}
    # 2,000 rows: no model has more distinct scores than the 2,048 bins, so ROC AUC is exact here too.
    assert {e["method"] for e in sc["sections"]["ranking"]["by_candidate"].values()} == {"exact"}
    # The same rows in memory give the same figures.
    whole = tmp_path / "whole.parquet"
    binary_frame.to_parquet(whole)
    code, _, err = run(args(whole, fitted_models.values(), tmp_path / "w.json", "--value-col", "basket"), capsys)
    assert code == 0, err
    expected = {(m["candidate"], m["objective"]): m for m in json.loads((tmp_path / "w.json").read_text())["metrics"]}
    for m in sc["metrics"]:
        other = expected[(m["candidate"], m["objective"])]
        for field in ("value", "ci_low", "ci_high"):
            assert m[field] == pytest.approx(other[field], abs=1e-9), (m["candidate"], m["objective"], field)


def test_prediction_files_cannot_join_a_partitioned_dataset(dataset, fitted_models, tmp_path, capsys):
    preds = tmp_path / "p.csv"
    preds.write_text("row_id,y_pred\n0,1\n")
    out = tmp_path / "sc.json"
    code, _, err = run(args(dataset, [fitted_models["logreg"]], out, "--predictions", preds), capsys)
    assert_bad(code, err, out, "--predictions cannot be joined to the partitioned dataset", str(dataset))


def test_backtest_needs_the_table_in_memory(dataset, fitted_models, tmp_path, capsys):
    out = tmp_path / "sc.json"
    code, _, err = run(args(dataset, [fitted_models["logreg"]], out, "--train-data", "x.csv"), capsys)
    assert_bad(code, err, out, "--train-data and --backtest need the evaluation table in memory")


def test_missing_sensitive_column_is_named_before_any_work(dataset, fitted_models, tmp_path, capsys):
    out = tmp_path / "sc.json"
    argv = args(dataset, [fitted_models["logreg"]], out)
    argv[argv.index("region")] = "regoin"
    code, _, err = run(argv, capsys)
    assert_bad(code, err, out, "regoin")


def test_glob_without_files_is_one_message(fitted_models, tmp_path, capsys):
    out = tmp_path / "sc.json"
    code, _, err = run(args(tmp_path / "nothing" / "*.parquet", [fitted_models["logreg"]], out), capsys)
    assert_bad(code, err, out, "matches no Parquet file")


def test_a_file_with_other_columns_is_named(dataset, binary_frame, fitted_models, tmp_path, capsys):
    binary_frame.drop(columns=["region"]).iloc[:10].to_parquet(dataset / "part-9.parquet")
    out = tmp_path / "sc.json"
    code, _, err = run(args(dataset, [fitted_models["logreg"]], out), capsys)
    assert_bad(code, err, out, "part-9.parquet lacks column(s) 'region'")
