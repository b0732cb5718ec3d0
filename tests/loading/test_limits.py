"""Size limits: bombs are refused from their headers with one line naming the file; real files still load.

Every bomb is built here, small on disk: a deflated member of zeros checked against lowered limits,
or a small archive whose central directory declares a huge member (the default limits refuse it
without expanding anything).
"""

from __future__ import annotations

import glob
import struct
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis._errors import InputError
from analysis.cli import main
from analysis.loading import (
    DEFAULT_LIMITS,
    Limits,
    check_model_file,
    check_table_file,
    check_zip_archive,
    load_model,
    load_table,
    parquet_columns,
)
from analysis.loading._limits import GIB, KIB, MIB

SAMPLE_MODELS = sorted(glob.glob(str(Path(__file__).resolve().parents[2] / "sample_data" / "models" / "*.skops")))
SMALL = Limits(ratio_exempt_bytes=256 * KIB, max_zip_member_bytes=8 * MIB, max_zip_total_bytes=16 * MIB)
SCHEMA = b'{"__class__": "LogisticRegression", "__module__": "sklearn.linear_model", "protocol": 2}'


def one_line_error(excinfo, *fragments):
    message = str(excinfo.value)
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def make_zip(path, members, *, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def forge_declared_size(path, member, size):
    """Rewrite the uncompressed size of ``member`` in the central directory (what zipfile trusts)."""
    raw = bytearray(path.read_bytes())
    name = member.encode()
    at = raw.index(b"PK\x01\x02")
    while True:
        name_len = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + name_len] == name:
            break
        extra, comment = struct.unpack_from("<HH", raw, at + 30)
        at = raw.index(b"PK\x01\x02", at + 46 + name_len + extra + comment)
    struct.pack_into("<L", raw, at + 24, size)
    path.write_bytes(bytes(raw))
    return path


# ---------------------------------------------------------------------------------------
# .skops archives
# ---------------------------------------------------------------------------------------
def test_a_member_of_zeros_is_refused_for_its_ratio(tmp_path):
    bomb = make_zip(tmp_path / "bomb.skops", {"schema.json": SCHEMA, "0.npy": bytes(4 * MIB)})
    assert bomb.stat().st_size < 16 * KIB
    with pytest.raises(InputError) as excinfo:
        load_model(bomb, limits=SMALL)
    one_line_error(excinfo, str(bomb), "'0.npy'", "ratio", "TRADEOFFS_MAX_COMPRESSION_RATIO", "docs/limits.md")


def test_the_default_limits_refuse_a_declared_3_gib_member_without_expanding_it(tmp_path):
    bomb = forge_declared_size(
        make_zip(tmp_path / "declared.skops", {"schema.json": SCHEMA, "0.npy": bytes(MIB)}), "0.npy", 3 * GIB
    )
    with pytest.raises(InputError) as excinfo:
        load_model(bomb)
    one_line_error(excinfo, str(bomb), "'0.npy'", "3.0 GiB", "2.0 GiB", "TRADEOFFS_MAX_ZIP_MEMBER_BYTES")


def test_the_default_limits_refuse_a_member_declared_at_a_bomb_ratio(tmp_path):
    bomb = forge_declared_size(
        make_zip(tmp_path / "ratio.skops", {"schema.json": SCHEMA, "0.npy": bytes(MIB)}), "0.npy", GIB
    )
    with pytest.raises(InputError) as excinfo:
        load_model(bomb)
    one_line_error(excinfo, str(bomb), "'0.npy'", "ratio", "over the limit of 200")


def test_a_whitespace_schema_is_refused_by_its_own_limit(tmp_path):
    bomb = make_zip(tmp_path / "schema.skops", {"schema.json": SCHEMA + b" " * (2 * MIB)})
    with pytest.raises(InputError) as excinfo:
        load_model(bomb, limits=Limits(max_schema_bytes=MIB))
    one_line_error(excinfo, str(bomb), "'schema.json'", "JSON schema", "TRADEOFFS_MAX_SCHEMA_BYTES")
    # the 2.5 GiB of whitespace, as declared in the central directory, with the default limits
    forged = forge_declared_size(bomb, "schema.json", int(1.5 * GIB))
    with pytest.raises(InputError) as excinfo:
        load_model(forged)
    one_line_error(excinfo, str(forged), "'schema.json'", "1.5 GiB", "128.0 MiB")


def test_too_many_members_and_too_much_in_all(tmp_path):
    many = make_zip(tmp_path / "many.skops", {"schema.json": SCHEMA} | {f"{i}.npy": b"x" for i in range(6)})
    with pytest.raises(InputError) as excinfo:
        load_model(many, limits=Limits(max_zip_members=5))
    one_line_error(excinfo, str(many), "7 archive members", "limit of 5", "TRADEOFFS_MAX_ZIP_MEMBERS")
    members = {"schema.json": SCHEMA} | {f"{i}.npy": np.random.default_rng(i).bytes(300 * KIB) for i in range(4)}
    big = make_zip(tmp_path / "big.skops", members, method=zipfile.ZIP_STORED)
    with pytest.raises(InputError) as excinfo:
        load_model(big, limits=Limits(max_zip_total_bytes=MIB))
    one_line_error(excinfo, str(big), "in all", "1.0 MiB", "TRADEOFFS_MAX_ZIP_TOTAL_BYTES")


@pytest.mark.parametrize("zip64", [False, True])
def test_the_member_count_is_read_from_the_end_record_before_zipfile_lists_members(tmp_path, monkeypatch, zip64):
    path = tmp_path / "count.skops"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(12):
            with archive.open(f"{i}.npy", "w", force_zip64=zip64) as fh:
                fh.write(b"x")
        archive.comment = b"c" * 100
    if zip64:  # force the zip64 end records as a writer with more than 65,535 members would
        raw = bytearray(path.read_bytes())
        at = raw.rindex(b"PK\x05\x06")
        cd_size, cd_offset = struct.unpack_from("<LL", raw, at + 12)
        zip64_eocd = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 12, 12, cd_size, cd_offset)
        locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
        struct.pack_into("<HH", raw, at + 8, 0xFFFF, 0xFFFF)
        path.write_bytes(bytes(raw[:at]) + zip64_eocd + locator + bytes(raw[at:]))
        assert len(zipfile.ZipFile(path).infolist()) == 12

    def no_zipfile(*args, **kwargs):
        raise AssertionError("the central directory was listed")

    monkeypatch.setattr(zipfile, "ZipFile", no_zipfile)
    with pytest.raises(InputError) as excinfo:
        check_zip_archive(path, limits=Limits(max_zip_members=10))
    one_line_error(excinfo, str(path), "12 archive members", "limit of 10")


def test_a_member_that_inflates_past_its_declared_size_is_refused_in_bounded_steps(tmp_path):
    # zipfile trusts the header and inflates up to 2 GiB per call before cutting to the declared size
    bomb = forge_declared_size(
        make_zip(tmp_path / "forged.skops", {"schema.json": SCHEMA, "0.npy": bytes(8 * MIB)}), "0.npy", 1000
    )
    with pytest.raises(InputError) as excinfo:
        check_zip_archive(bomb)
    one_line_error(excinfo, str(bomb), "'0.npy'", "more than the 1000 bytes its zip header declares")


def test_bzip2_members_are_refused(tmp_path):
    path = make_zip(tmp_path / "bz.skops", {"schema.json": SCHEMA}, method=zipfile.ZIP_BZIP2)
    with pytest.raises(InputError) as excinfo:
        load_model(path)
    one_line_error(excinfo, str(path), "'schema.json'", "compression method 12", "ZIP_DEFLATED")


def test_a_file_that_is_not_a_zip_is_one_line(tmp_path):
    path = tmp_path / "text.skops"
    path.write_bytes(b"not a zip at all\n" * 10)
    with pytest.raises(InputError) as excinfo:
        load_model(path)
    one_line_error(excinfo, str(path), "not a valid skops file")


@pytest.mark.parametrize("path", SAMPLE_MODELS, ids=lambda p: Path(p).name)
def test_every_sample_model_passes_the_default_limits_with_a_wide_margin(path):
    check_zip_archive(Path(path))
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        schema = archive.getinfo("schema.json").file_size
    total = sum(i.file_size for i in infos)
    assert len(infos) * 5 < DEFAULT_LIMITS.max_zip_members
    assert total * 100 < DEFAULT_LIMITS.max_zip_total_bytes
    assert schema * 10 < DEFAULT_LIMITS.max_schema_bytes
    assert max(i.file_size for i in infos) < DEFAULT_LIMITS.ratio_exempt_bytes


def test_sample_models_still_load():
    loaded = load_model(SAMPLE_MODELS[0], limits=Limits.from_environ({}))
    assert loaded.format == "skops" and callable(loaded.model.predict)


# ---------------------------------------------------------------------------------------
# ONNX and pickle: file size; ONNX external data stays in the model's folder
# ---------------------------------------------------------------------------------------
def test_onnx_and_pickle_file_size_limit(binary_frame, tmp_path):
    from sklearn.linear_model import LogisticRegression

    from analysis.serving import convert_to_onnx

    X = binary_frame[["x1", "x2"]]
    model = LogisticRegression().fit(X, binary_frame["label"])
    onnx_path = tmp_path / "lr.onnx"
    onnx_path.write_bytes(convert_to_onnx(model, X.head(50)).model.model_bytes)
    assert load_model(onnx_path).format == "onnx"
    with pytest.raises(InputError) as excinfo:
        load_model(onnx_path, limits=Limits(max_model_file_bytes=100))
    one_line_error(excinfo, str(onnx_path), "over the limit of 100 bytes", "TRADEOFFS_MAX_MODEL_FILE_BYTES")
    pickled = tmp_path / "m.pkl"
    pickled.write_bytes(b"\x80" * 200)
    with pytest.raises(InputError) as excinfo:
        load_model(pickled, trust_pickle=True, limits=Limits(max_model_file_bytes=100))
    one_line_error(excinfo, str(pickled), "200 bytes", "TRADEOFFS_MAX_MODEL_FILE_BYTES")


def test_onnx_external_data_outside_the_folder_is_refused(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    weight = helper.make_tensor("w", TensorProto.FLOAT, [2], [1.0, 2.0])
    weight.ClearField("float_data")
    weight.data_location = TensorProto.EXTERNAL
    weight.external_data.add(key="location", value="../secret.bin")
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
        [weight],
    )
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / "escape.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    assert onnx.load(str(path), load_external_data=False).graph.initializer[0].name == "w"
    with pytest.raises(InputError) as excinfo:
        load_model(path)
    one_line_error(excinfo, str(path), "'w'", "'../secret.bin'", "outside the model's folder")


# ---------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------
def constant_parquet(path, rows):
    pq.write_table(pa.table({"label": pa.array(np.zeros(rows, dtype="int64"))}), path, compression="zstd")
    return path


def test_a_parquet_with_too_many_rows_is_refused_from_its_footer(tmp_path):
    path = constant_parquet(tmp_path / "rows.parquet", 200_000)
    limits = Limits(max_table_rows=100_000)
    for read in (lambda: load_table(path, limits=limits), lambda: parquet_columns(path, limits=limits)):
        with pytest.raises(InputError) as excinfo:
            read()
        one_line_error(excinfo, str(path), "200,000 rows", "100,000", "--scheduler", "TRADEOFFS_MAX_TABLE_ROWS")


def test_a_parquet_that_decodes_too_large_or_at_a_bomb_ratio_is_refused(tmp_path):
    path = constant_parquet(tmp_path / "wide.parquet", 1_000_000)  # 8 MB of int64 in memory, a few KiB on disk
    assert path.stat().st_size < 64 * KIB
    with pytest.raises(InputError) as excinfo:
        load_table(path, limits=Limits(max_table_bytes=4 * MIB))
    one_line_error(excinfo, str(path), "7.6 MiB", "1,000,000 rows", "TRADEOFFS_MAX_TABLE_BYTES")
    with pytest.raises(InputError) as excinfo:
        load_table(path, limits=Limits(ratio_exempt_bytes=MIB))
    one_line_error(excinfo, str(path), "ratio", "TRADEOFFS_MAX_COMPRESSION_RATIO")
    assert len(load_table(path)) == 1_000_000  # under the default limits


def test_the_size_estimate_counts_only_the_columns_read(tmp_path):
    path = tmp_path / "two.parquet"
    n = 100_000
    pq.write_table(pa.table({"small": np.zeros(n, dtype="int8"), "big": np.arange(n, dtype="int64")}), path)
    limits = Limits(max_table_bytes=400 * KIB)
    assert list(load_table(path, columns=["small"], limits=limits).columns) == ["small"]
    with pytest.raises(InputError, match="over the limit of 400.0 KiB"):
        load_table(path, limits=limits)


def test_parquet_duplicate_column_names_are_one_line(tmp_path):
    path = tmp_path / "dup.parquet"
    pq.write_table(pa.table([pa.array([1, 2]), pa.array([3, 4]), pa.array([5, 6])], names=["a", "b", "a"]), path)
    for read in (lambda: load_table(path), lambda: parquet_columns(path)):
        with pytest.raises(InputError) as excinfo:
            read()
        one_line_error(excinfo, str(path), "duplicate column names ('a')", "rename")


@pytest.mark.parametrize("suffix,sep", [(".csv", ","), (".tsv", "\t")])
def test_csv_duplicate_header_names_are_refused_not_renamed(tmp_path, suffix, sep):
    path = tmp_path / f"dup{suffix}"
    path.write_text(sep.join(["\ufeffid", "score", "label", "score"]) + "\n" + sep.join("1234") + "\n")
    with pytest.raises(InputError) as excinfo:
        load_table(path)
    one_line_error(excinfo, str(path), "duplicate column names ('score')")


def test_csv_distinct_and_quoted_headers_still_read(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text('a,"a ",",a",\n1,2,3,4\n')
    frame = load_table(path)
    assert list(frame.columns) == ["a", "a ", ",a", "Unnamed: 3"]


def test_csv_file_size_limit(tmp_path):
    path = tmp_path / "big.csv"
    pd.DataFrame({"a": range(1000)}).to_csv(path, index=False)
    with pytest.raises(InputError) as excinfo:
        load_table(path, limits=Limits(max_table_file_bytes=KIB))
    one_line_error(excinfo, str(path), "over the limit of 1.0 KiB", "TRADEOFFS_MAX_TABLE_FILE_BYTES")


# ---------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------
def test_limits_from_environ():
    limits = Limits.from_environ(
        {
            "TRADEOFFS_MAX_ZIP_MEMBERS": "20_000",
            "TRADEOFFS_MAX_ZIP_TOTAL_BYTES": "8GiB",
            "TRADEOFFS_MAX_SCHEMA_BYTES": "512 M",
            "TRADEOFFS_MAX_COMPRESSION_RATIO": "500",
            "TRADEOFFS_MAX_TABLE_ROWS": "",
            "UNRELATED": "x",
        }
    )
    assert limits.max_zip_members == 20_000 and limits.max_zip_total_bytes == 8 * GIB
    assert limits.max_schema_bytes == 512 * MIB and limits.max_compression_ratio == 500.0
    assert limits.max_table_rows == DEFAULT_LIMITS.max_table_rows
    assert Limits.from_environ({}) == DEFAULT_LIMITS


@pytest.mark.parametrize(
    "name,value",
    [
        ("TRADEOFFS_MAX_ZIP_MEMBERS", "lots"),
        ("TRADEOFFS_MAX_ZIP_MEMBERS", "0"),
        ("TRADEOFFS_MAX_TABLE_BYTES", "2 PB"),
        ("TRADEOFFS_MAX_COMPRESSION_RATIO", "2G"),
        ("TRADEOFFS_MAX_TABLE_ROW", "100"),
    ],
)
def test_a_bad_limit_setting_names_the_variable(name, value):
    with pytest.raises(InputError) as excinfo:
        Limits.from_environ({name: value})
    one_line_error(excinfo, name)


# ---------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------
def test_evaluate_refuses_a_skops_bomb_with_exit_2_and_one_line(binary_frame, tmp_path, capsys):
    data = tmp_path / "data.csv"
    binary_frame.to_csv(data, index=False)
    bomb = forge_declared_size(
        make_zip(tmp_path / "bomb.skops", {"schema.json": SCHEMA, "0.npy": bytes(MIB)}), "0.npy", 3 * GIB
    )
    out = tmp_path / "scorecard.json"
    argv = ["evaluate", "--data", data, "--target", "label", "--model", bomb, "--out", out, "--quiet"]
    code = main([str(a) for a in argv + ["--no-serving", "--bootstrap", "20"]])
    _, err = capsys.readouterr()
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert str(bomb) in err and "'0.npy'" in err
    assert not out.exists()


def test_row_group_limits_for_readers_that_hold_one_row_group_at_a_time(tmp_path):
    from analysis.loading import check_parquet_row_groups

    path = tmp_path / "groups.parquet"
    pq.write_table(pa.table({"label": np.zeros(30_000, dtype="int64")}), path, row_group_size=10_000)
    parquet = pq.ParquetFile(path)
    limits = Limits(max_table_rows=10_000, max_table_bytes=100 * KIB)
    check_parquet_row_groups(path, parquet.metadata, parquet.schema_arrow, limits=limits)  # 80 KB each: passes
    with pytest.raises(InputError) as excinfo:
        check_parquet_row_groups(path, parquet.metadata, parquet.schema_arrow, limits=Limits(max_table_rows=5_000))
    one_line_error(excinfo, str(path), "row group 0", "10,000 rows", "smaller row groups")
    with pytest.raises(InputError) as excinfo:
        check_parquet_row_groups(path, parquet.metadata, parquet.schema_arrow, limits=Limits(max_table_bytes=KIB))
    one_line_error(excinfo, str(path), "row group 0", "78.1 KiB", "TRADEOFFS_MAX_TABLE_BYTES")


def test_a_long_string_repeated_through_a_dictionary_is_counted_as_it_decodes(tmp_path):
    # 200,000 rows of one 1,000-character string: ~1 KiB of dictionary on disk, 191 MiB decoded
    path = tmp_path / "strings.parquet"
    column = pa.DictionaryArray.from_arrays(pa.array(np.zeros(200_000, dtype="int32")), pa.array(["x" * 1000]))
    table = pa.table({"label": np.zeros(200_000, dtype="int8"), "note": column})
    pq.write_table(table, path, compression="zstd", store_schema=False)  # read back as plain strings
    assert path.stat().st_size < 64 * KIB and pq.read_schema(path).field("note").type == pa.string()
    limits = Limits(max_table_bytes=8 * MIB, ratio_exempt_bytes=8 * MIB)
    assert len(load_table(path, columns=["label"], limits=limits)) == 200_000  # the text column is not read
    with pytest.raises(InputError) as excinfo:
        load_table(path, limits=limits)
    one_line_error(excinfo, str(path), "once its text columns are decoded", "TRADEOFFS_MAX_TABLE_BYTES")
    with pytest.raises(InputError) as excinfo:
        load_table(path, limits=Limits(ratio_exempt_bytes=MIB))
    one_line_error(excinfo, str(path), "ratio limit of 200", "TRADEOFFS_MAX_COMPRESSION_RATIO")


def test_text_columns_within_the_limits_read_as_before(binary_frame, tmp_path):
    path = tmp_path / "frame.parquet"
    binary_frame.to_parquet(path)
    pd.testing.assert_frame_equal(load_table(path), pd.read_parquet(path))


# ---------------------------------------------------------------------------------------
# Checks without reading: for uploads and for commands that fail before any work
# ---------------------------------------------------------------------------------------
def test_check_model_file_refuses_what_load_model_refuses_without_loading(tmp_path, monkeypatch):
    import skops.io

    declared = forge_declared_size(
        make_zip(tmp_path / "declared.skops", {"schema.json": SCHEMA, "0.npy": bytes(MIB)}), "0.npy", 3 * GIB
    )
    forged = forge_declared_size(
        make_zip(tmp_path / "forged.skops", {"schema.json": SCHEMA, "0.npy": bytes(8 * MIB)}), "0.npy", 1000
    )
    pickled = tmp_path / "m.joblib"
    pickled.write_bytes(b"\x80" * 200)

    def no_loading(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(skops.io, "load", no_loading)
    monkeypatch.setattr(skops.io, "get_untrusted_types", no_loading)
    for inflate in (True, False):  # a declared size is read from the central directory either way
        with pytest.raises(InputError) as excinfo:
            check_model_file(declared, inflate=inflate)
        one_line_error(excinfo, str(declared), "'0.npy'", "3.0 GiB", "TRADEOFFS_MAX_ZIP_MEMBER_BYTES")
    with pytest.raises(InputError) as excinfo:
        check_model_file(forged)
    one_line_error(excinfo, str(forged), "more than the 1000 bytes its zip header declares")
    check_model_file(forged, inflate=False)  # the directory alone looks fine: load_model inflates and refuses it
    with pytest.raises(InputError) as excinfo:
        check_model_file(pickled, limits=Limits(max_model_file_bytes=100))  # no --trust-pickle needed to check size
    one_line_error(excinfo, str(pickled), "200 bytes", "TRADEOFFS_MAX_MODEL_FILE_BYTES")
    (tmp_path / "m.xlsx").write_text("x")
    (tmp_path / "m.txt").write_text("x")  # .txt is LightGBM's suffix: its first line is checked, nothing imported
    cases = (
        (tmp_path / "none.skops", "does not exist"),
        (tmp_path / "m.xlsx", "suffix '.xlsx'"),
        (tmp_path / "m.txt", "not a LightGBM model"),
    )
    for path, fragment in cases:
        with pytest.raises(InputError) as excinfo:
            check_model_file(path)
        one_line_error(excinfo, str(path), fragment)


@pytest.mark.parametrize("path", SAMPLE_MODELS[:3], ids=lambda p: Path(p).name)
def test_check_model_file_passes_sample_models(path):
    check_model_file(path)
    check_model_file(path, inflate=False)


def test_check_table_file_refuses_from_the_footer_and_the_header_without_reading_rows(tmp_path, monkeypatch):
    rows = constant_parquet(tmp_path / "rows.parquet", 200_000)
    dup_parquet = tmp_path / "dup.parquet"
    pq.write_table(pa.table([pa.array([1, 2]), pa.array([3, 4])], names=["a", "a"]), dup_parquet)
    dup_csv = tmp_path / "dup.csv"
    dup_csv.write_text("y_pred,y_pred\n1,0\n")
    big_csv = tmp_path / "big.csv"
    pd.DataFrame({"y_pred": range(1000)}).to_csv(big_csv, index=False)

    def no_reading(*args, **kwargs):
        raise AssertionError("rows were read")

    monkeypatch.setattr(pd, "read_csv", no_reading)
    monkeypatch.setattr(pd, "read_parquet", no_reading)
    monkeypatch.setattr(pq.ParquetFile, "iter_batches", no_reading)
    cases = [
        (rows, Limits(max_table_rows=100_000), ("200,000 rows", "TRADEOFFS_MAX_TABLE_ROWS")),
        (rows, Limits(max_table_bytes=MIB), ("1.5 MiB", "TRADEOFFS_MAX_TABLE_BYTES")),
        (dup_parquet, DEFAULT_LIMITS, ("duplicate column names ('a')",)),
        (dup_csv, DEFAULT_LIMITS, ("duplicate column names ('y_pred')",)),
        (big_csv, Limits(max_table_file_bytes=KIB), ("over the limit of 1.0 KiB", "TRADEOFFS_MAX_TABLE_FILE_BYTES")),
        (tmp_path / "gone.csv", DEFAULT_LIMITS, ("does not exist",)),
    ]
    for path, limits, fragments in cases:
        with pytest.raises(InputError) as excinfo:
            check_table_file(path, what="predictions file", limits=limits)
        one_line_error(excinfo, f"predictions file {path}", *fragments)
    check_table_file(rows)
    check_table_file(big_csv)


def test_partitioned_datasets_are_checked_row_group_by_row_group(tmp_path):
    from analysis.evaluation._partitions import dataset_columns, empty_frame, list_partitions

    folder = tmp_path / "events"
    folder.mkdir()
    table = pa.table({"label": np.zeros(30_000, dtype="int64"), "x": np.ones(30_000)})
    pq.write_table(table, folder / "part-0.parquet", row_group_size=10_000)
    pq.write_table(table, folder / "part-1.parquet", row_group_size=30_000)
    groups = Limits(max_table_rows=20_000)  # part-0's row groups pass, part-1's one group does not
    for read in (list_partitions, dataset_columns, empty_frame):
        with pytest.raises(InputError) as excinfo:
            read(folder, limits=groups)
        one_line_error(excinfo, str(folder / "part-1.parquet"), "row group 0", "30,000 rows", "smaller row groups")
    assert len(list_partitions(folder / "part-0.parquet", limits=groups)) == 3
    assert len(list_partitions(folder)) == 4  # the default limits
    with pytest.raises(InputError) as excinfo:
        list_partitions(folder, limits=Limits(max_table_bytes=100 * KIB))
    one_line_error(excinfo, str(folder / "part-0.parquet"), "row group 0", "156.2 KiB", "TRADEOFFS_MAX_TABLE_BYTES")
    (folder / "part-1.parquet").unlink()
    pq.write_table(
        pa.table([pa.array([1]), pa.array([2]), pa.array([3])], names=["label", "x", "x"]), folder / "d.parquet"
    )
    for read in (list_partitions, dataset_columns):
        with pytest.raises(InputError) as excinfo:
            read(folder)
        one_line_error(excinfo, str(folder / "d.parquet"), "duplicate column names ('x')")
