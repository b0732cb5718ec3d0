"""Size limits on the command line: every file a command reads is checked first; a bomb is exit 2 and one line.

The limits are the defaults, or the ``TRADEOFFS_MAX_*`` variables (``docs/limits.md``), read once
per command. Every bomb is built here, small on disk: a real deflate bomb of zeros, and a Parquet
file whose footer declares a trillion rows.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _cli_helpers import assert_bad

from analysis.cli import main

MIB = 1 << 20
SCHEMA = b'{"__class__": "LogisticRegression", "__module__": "sklearn.linear_model", "protocol": 2}'
#: Rows a forged footer declares (20,000 times the default limit of 50 million).
DECLARED_ROWS = 10**12


def zeros_bomb(path, mib: int = 64):
    """A ``.skops`` archive whose one member inflates from about 64 KB to ``mib`` MiB of zeros."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", SCHEMA)
        with archive.open("0.npy", "w") as member:
            for _ in range(mib):
                member.write(bytes(MIB))
    return path


def _varint(n: int) -> bytes:
    """``n`` as a Thrift compact-protocol i64 (zigzag, then 7 bits a byte)."""
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        if n < 0x80:
            return bytes(out + bytes([n]))
        out.append((n & 0x7F) | 0x80)
        n >>= 7


def forged_rows_parquet(path, frame: pd.DataFrame, rows: int = DECLARED_ROWS):
    """``frame`` written as Parquet, then its footer's row counts rewritten to say ``rows``.

    The frame has a distinctive row count (1,234,567 is unlikely to appear in the footer as anything
    else); every place the footer records it (the file, the row group, each column's values) is
    replaced, and the footer's length updated. No data is touched: only a reader that trusts the
    footer, as the limit checks do, sees the declared rows.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, compression="zstd", store_schema=False, row_group_size=len(frame))  # one row group
    raw = path.read_bytes()
    length = int.from_bytes(raw[-8:-4], "little")
    footer = raw[-8 - length : -8]
    old, new = _varint(len(frame)), _varint(rows)
    assert footer.count(old) >= 2, "the row count was not found in the footer"
    footer = footer.replace(old, new)
    path.write_bytes(raw[: -8 - length] + footer + len(footer).to_bytes(4, "little") + b"PAR1")
    assert pq.ParquetFile(path).metadata.num_rows == rows
    return path


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def evaluate_args(data, out, *, models=(), predictions=(), extra=()):
    argv = ["evaluate", "--data", data, "--target", "label", "--quiet", "--no-serving", "--bootstrap", "20"]
    for m in models:
        argv += ["--model", m]
    for p in predictions:
        argv += ["--predictions", p]
    return [*argv, "--out", out, *extra]


@pytest.fixture
def data_csv(binary_frame, tmp_path):
    path = tmp_path / "data.csv"
    binary_frame.to_csv(path, index=False)
    return path


@pytest.fixture(autouse=True)
def _no_operator_limits(monkeypatch):
    """Each test sets the limits it means; none comes from the environment the tests run in."""
    import os

    for name in [k for k in os.environ if k.startswith("TRADEOFFS_MAX_") or k == "TRADEOFFS_RATIO_EXEMPT_BYTES"]:
        monkeypatch.delenv(name)


# ---------------------------------------------------------------------------------------
# evaluate: models, data, predictions, training data
# ---------------------------------------------------------------------------------------
def test_a_zip_bomb_model_is_refused_before_it_is_expanded(data_csv, tmp_path, capsys):
    bomb = zeros_bomb(tmp_path / "bomb.skops")
    assert bomb.stat().st_size < 128 * 1024
    out = tmp_path / "sc.json"
    code, _, err = run(evaluate_args(data_csv, out, models=[bomb]), capsys)
    assert_bad(
        code,
        err,
        out,
        f"model file {bomb} member '0.npy' expands from",
        "to 64.0 MiB",
        "decompression bomb",
        "TRADEOFFS_MAX_COMPRESSION_RATIO",
    )


def test_a_parquet_declaring_a_trillion_rows_is_refused_from_its_footer(binary_frame, fitted_models, tmp_path, capsys):
    frame = binary_frame.sample(1_234_567, replace=True, random_state=0)[["label", "x1"]]
    data = forged_rows_parquet(tmp_path / "huge.parquet", frame)
    out = tmp_path / "sc.json"
    code, _, err = run(evaluate_args(data, out, models=[fitted_models["logreg"]]), capsys)
    assert_bad(code, err, out, f"data file {data} has 1,000,000,000,000 rows, over the limit of 50,000,000")


def test_limits_from_the_environment_apply_to_every_file_evaluate_reads(
    binary_frame, data_csv, fitted_models, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "sc.json"
    data = tmp_path / "data.parquet"
    binary_frame.to_parquet(data)
    preds = tmp_path / "preds.csv"
    binary_frame[["row_id"]].assign(y_pred=binary_frame["label"]).to_csv(preds, index=False)
    model = fitted_models["logreg"]
    cases = [
        # (variable, value, argv, fragments)
        ("TRADEOFFS_MAX_TABLE_ROWS", "1000", evaluate_args(data, out, models=[model]), (f"data file {data}",)),
        ("TRADEOFFS_MAX_TABLE_BYTES", "16K", evaluate_args(data, out, models=[model]), ("over the limit of 16.0 KiB",)),
        (
            "TRADEOFFS_MAX_TABLE_FILE_BYTES",
            "40K",  # the 13 KB predictions file passes; the 170 KB data file does not
            evaluate_args(data_csv, out, predictions=[preds], extra=["--id", "row_id"]),
            (f"data file {data_csv} is",),
        ),
        (
            "TRADEOFFS_MAX_TABLE_FILE_BYTES",
            "8K",  # the data is Parquet (limited by rows and size in memory, not bytes on disk)
            evaluate_args(data, out, models=[model], predictions=[preds], extra=["--id", "row_id"]),
            (f"predictions file {preds} is",),
        ),
        (
            "TRADEOFFS_MAX_MODEL_FILE_BYTES",
            "1K",
            evaluate_args(data_csv, out, models=[model]),
            (f"model file {model} is", "1.0 KiB"),
        ),
        (
            "TRADEOFFS_MAX_TABLE_FILE_BYTES",
            "100K",  # the evaluation data passes as Parquet; the training CSV does not
            evaluate_args(data, out, models=[model], extra=["--train-data", data_csv]),
            (f"training data file {data_csv} is",),
        ),
    ]
    for name, value, argv, fragments in cases:
        monkeypatch.setenv(name, value)
        code, _, err = run(argv, capsys)
        assert_bad(code, err, out, *fragments, name)
        monkeypatch.delenv(name)


def test_raising_a_limit_in_the_environment_lets_a_file_through(data_csv, tmp_path, capsys, monkeypatch):
    bomb = zeros_bomb(tmp_path / "bomb.skops", mib=20)
    out = tmp_path / "sc.json"
    code, _, err = run(evaluate_args(data_csv, out, models=[bomb]), capsys)
    assert_bad(code, err, out, "TRADEOFFS_MAX_COMPRESSION_RATIO")
    monkeypatch.setenv("TRADEOFFS_RATIO_EXEMPT_BYTES", "32MiB")  # 20 MiB of zeros is now too small to refuse
    code, _, err = run(evaluate_args(data_csv, out, models=[bomb]), capsys)
    # within the raised limits, skops reads the archive: the refusal is now about its content, not its size
    assert_bad(code, err, out, f"model file {bomb} is not a valid skops file")


def test_bad_files_are_refused_before_the_evaluation_stack_is_imported(data_csv, tmp_path):
    # What makes a refusal fast: the checks need the loaders only, not scikit-learn and scipy (seconds of imports).
    import subprocess
    import sys

    bomb = zeros_bomb(tmp_path / "bomb.skops")
    probe = (
        "import sys; from analysis.cli import main; code = main(sys.argv[1:]); "
        "print(sorted(m for m in ('sklearn', 'scipy', 'skops') if m in sys.modules)); sys.exit(code)"
    )
    for model, fragment in ((bomb, "decompression bomb"), (tmp_path / "gone.skops", "does not exist")):
        argv = [str(a) for a in evaluate_args(data_csv, tmp_path / "sc.json", models=[model])]
        proc = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and fragment in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
        assert proc.stdout.strip() == "[]", proc.stdout


@pytest.mark.parametrize(
    "name,value,fragment",
    [
        ("TRADEOFFS_MAX_TABLE_ROWS", "lots", "TRADEOFFS_MAX_TABLE_ROWS='lots' is not a valid limit"),
        ("TRADEOFFS_MAX_TABLE_ROWS", "0", "must be a positive number"),
        ("TRADEOFFS_MAX_TABLE_ROW", "100", "TRADEOFFS_MAX_TABLE_ROW is not a Tradeoffs limit"),
    ],
)
def test_a_bad_limit_setting_stops_evaluate_naming_the_variable(
    name, value, fragment, data_csv, fitted_models, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv(name, value)
    out = tmp_path / "sc.json"
    code, _, err = run(evaluate_args(data_csv, out, models=[fitted_models["logreg"]]), capsys)
    assert_bad(code, err, out, fragment)


# ---------------------------------------------------------------------------------------
# evaluate: a partitioned dataset (a directory of Parquet files, one row group at a time)
# ---------------------------------------------------------------------------------------
@pytest.fixture
def dataset(binary_frame, tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    for i, a in enumerate(range(0, len(binary_frame), 700)):
        binary_frame.iloc[a : a + 700].to_parquet(folder / f"part-{i}.parquet", row_group_size=250)
    return folder


def test_a_partitioned_dataset_is_checked_row_group_by_row_group(dataset, fitted_models, tmp_path, capsys, monkeypatch):
    out = tmp_path / "sc.json"
    argv = evaluate_args(dataset, out, models=[fitted_models["logreg"]])
    monkeypatch.setenv("TRADEOFFS_MAX_TABLE_ROWS", "200")  # each row group has 250 rows (the last one 200)
    code, _, err = run(argv, capsys)
    assert_bad(code, err, out, f"data file {dataset / 'part-0.parquet'} row group 0 has 250 rows", "smaller row groups")
    monkeypatch.setenv("TRADEOFFS_MAX_TABLE_ROWS", "250")  # the whole dataset has 2,000 rows: the limit is per group
    code, _, err = run(argv, capsys)
    assert code == 0, err


def test_a_partition_file_naming_a_column_twice_is_one_line(dataset, fitted_models, tmp_path, capsys):
    twice = pa.table([pa.array(np.zeros(3)), pa.array(np.zeros(3))], names=["x1", "x1"])
    pq.write_table(twice, dataset / "part-9.parquet")
    out = tmp_path / "sc.json"
    code, _, err = run(evaluate_args(dataset, out, models=[fitted_models["logreg"]]), capsys)
    assert_bad(code, err, out, f"data file {dataset / 'part-9.parquet'} has duplicate column names ('x1')")


# ---------------------------------------------------------------------------------------
# rank and decide: a metrics table is read with the same loader and limits
# ---------------------------------------------------------------------------------------
TABLE = pd.DataFrame({"candidate": ["a", "b", "c"], "roc_auc": [0.8, 0.85, 0.7], "log_loss": [0.5, 0.4, 0.6]})


@pytest.mark.parametrize("command", ["rank", "decide"])
def test_metrics_tables_get_the_limits_and_the_duplicate_column_check(command, tmp_path, capsys, monkeypatch):
    out = tmp_path / "decision.json"
    extra = ["--out", out] if command == "decide" else []
    dup = tmp_path / "dup.csv"
    dup.write_text("candidate,roc_auc,roc_auc\na,0.8,0.7\nb,0.9,0.6\n")
    code, _, err = run([command, "--scorecard", dup, *extra], capsys)
    assert_bad(code, err, out, f"metrics table {dup} has duplicate column names ('roc_auc')")  # pandas: roc_auc.1

    forged = forged_rows_parquet(tmp_path / "runs.parquet", TABLE.sample(1_234_567, replace=True, random_state=0))
    code, _, err = run([command, "--scorecard", forged, *extra], capsys)
    assert_bad(code, err, out, f"metrics table {forged} has 1,000,000,000,000 rows", "TRADEOFFS_MAX_TABLE_ROWS")

    table = tmp_path / "runs.csv"
    TABLE.to_csv(table, index=False)
    monkeypatch.setenv("TRADEOFFS_MAX_TABLE_FILE_BYTES", "16")
    code, _, err = run([command, "--scorecard", table, *extra], capsys)
    assert_bad(code, err, out, f"metrics table {table} is", "over the limit of 16 bytes", "MAX_TABLE_FILE_BYTES")
    monkeypatch.setenv("TRADEOFFS_MAX_TABLE_FILE_BYTES", "1K")
    code, _, err = run([command, "--scorecard", table, *extra], capsys)
    assert code == 0, err
