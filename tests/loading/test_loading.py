"""Loading datasets, prediction files and models directly (the CLI tests cover the messages end to end)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis._errors import InputError
from analysis.evaluation import TargetSpec, load_prediction_file
from analysis.loading import TRUSTED_TYPES, load_model, load_table


def test_parquet_and_csv_read_the_same(binary_frame, tmp_path):
    binary_frame.to_parquet(tmp_path / "d.parquet")
    binary_frame.to_csv(tmp_path / "d.csv", index=False)
    a = load_table(tmp_path / "d.parquet")
    b = load_table(tmp_path / "d.csv")
    assert a.shape == b.shape and list(a.columns) == list(b.columns)


def test_semicolon_csv_gets_a_hint(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("a;b;c\n1;2;3\n")
    with pytest.raises(InputError, match="';' or tabs"):
        load_table(path)


def test_damaged_parquet(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(InputError, match="not a readable Parquet"):
        load_table(path)


def test_unknown_suffix(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"whatever")
    with pytest.raises(InputError, match="reads .csv, .tsv and .parquet"):
        load_table(path)


def test_prediction_file_without_a_shared_id_is_refused_unless_order_is_asked(tmp_path):
    frame = pd.DataFrame({"x": range(3)})
    pd.DataFrame({"y_pred": [0, 1, 0]}).to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(InputError, match="no id column shared with the data"):
        load_prediction_file(tmp_path / "p.csv", frame, TargetSpec("binary", (0, 1)), id_column=None)


def test_prediction_file_by_order_needs_same_length(tmp_path):
    frame = pd.DataFrame({"x": range(5)})
    pd.DataFrame({"y_pred": [0, 1, 0]}).to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(InputError, match="has 3 rows but the data has 5"):
        load_prediction_file(tmp_path / "p.csv", frame, TargetSpec("binary", (0, 1)), id_column=None, join="order")


def test_prediction_file_with_probabilities_outside_unit_interval(tmp_path):
    frame = pd.DataFrame({"x": range(3)})
    pd.DataFrame({"y_pred": [0, 1, 0], "y_prob": [0.1, 1.5, 0.2]}).to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(InputError, match="outside \\[0, 1\\]"):
        load_prediction_file(tmp_path / "p.csv", frame, TargetSpec("binary", (0, 1)), id_column=None, join="order")


def test_prediction_file_unknown_label(tmp_path):
    frame = pd.DataFrame({"x": range(3)})
    pd.DataFrame({"y_pred": [0, 2, 0]}).to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(InputError, match="label 2"):
        load_prediction_file(tmp_path / "p.csv", frame, TargetSpec("binary", (0, 1)), id_column=None, join="order")


def test_object_without_predict_is_refused(tmp_path):
    import skops.io as sio

    path = tmp_path / "array.skops"
    sio.dump(np.arange(3), path)
    with pytest.raises(InputError, match="no predict method"):
        load_model(path)


def test_loaded_model_records_hash_and_features(fitted_models):
    loaded = load_model(fitted_models["logreg"])
    assert loaded.name == "logreg" and loaded.format == "skops"
    assert len(loaded.sha256) == 64 and loaded.size_bytes > 0
    assert loaded.feature_names == ("x1", "x2", "colour")
    assert loaded.model_type.startswith("Pipeline(")


def test_allow_list_is_ours_not_the_files():
    """Nothing that executes arbitrary code is on the list."""
    assert not any(t.startswith(("builtins.", "posix.", "os.", "subprocess.", "_operator.")) for t in TRUSTED_TYPES)


def test_analysis_never_imports_streamlit():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "analysis"
    offenders = [p for p in root.rglob("*.py") if "import streamlit" in p.read_text()]
    assert offenders == []


def test_parquet_columns_and_a_partial_read(binary_frame, tmp_path):
    from analysis.loading._datasets import parquet_columns

    binary_frame.to_parquet(tmp_path / "d.parquet", index=False)
    binary_frame.to_csv(tmp_path / "d.csv", index=False)
    assert parquet_columns(tmp_path / "d.parquet") == list(binary_frame.columns)
    assert parquet_columns(tmp_path / "d.csv") is None
    part = load_table(tmp_path / "d.parquet", columns=["label", "x1"])
    assert list(part.columns) == ["label", "x1"] and len(part) == len(binary_frame)
    with pytest.raises(InputError, match="does not exist"):
        parquet_columns(tmp_path / "nope.parquet")


def test_evaluate_reads_only_the_columns_it_needs(binary_frame, fitted_models):
    from analysis.cli._evaluate import needed_columns
    from analysis.evaluation import ValueSpec

    columns = [*binary_frame.columns, "unused_wide_column"]
    models = [load_model(p) for p in fitted_models.values()]
    value = ValueSpec(("basket",), {"tp": "0.1*basket + 1"})
    roles = ["label", "region", "age_band", "when", None]
    got = needed_columns(columns, roles=roles, value=value, models=models, features=[], predictions=False)
    assert got == ["x1", "x2", "colour", "region", "age_band", "when", "basket", "label"]
    # Everything when a name is missing (the usual message lists the file's columns), for CSV, or when
    # prediction files must find a shared id column.
    assert needed_columns(columns, roles=["nope"], value=value, models=models, features=[], predictions=False) is None
    assert needed_columns(None, roles=roles, value=value, models=models, features=[], predictions=False) is None
    assert needed_columns(columns, roles=roles, value=value, models=models, features=[], predictions=True) is None
