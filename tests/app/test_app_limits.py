"""Size limits in the dashboard: a file that would expand too far is refused with one sentence next to its uploader.

The operator's limits are the ``TRADEOFFS_MAX_*`` variables (``docs/limits.md``), read by
:func:`app.ui.uploads.limits`; a model or prediction file is checked as it arrives (its zip
directory or Parquet footer), a table as it is read, a model's inflated size again in the check's
worker process. Every bomb here is built by the test, small on disk.
"""

from __future__ import annotations

import io
import struct
import zipfile

import pandas as pd
import pytest
from _app_helpers import ROOT, csv_bytes, new_app, texts, widget
from streamlit.testing.v1.element_tree import Block

MODELS = ROOT / "sample_data" / "models"
SCHEMA = b'{"__class__": "LogisticRegression", "__module__": "sklearn.linear_model", "protocol": 2}'
MIB = 1 << 20


def zeros_bomb(mib: int = 64) -> bytes:
    """A ``.skops``-like archive whose one member inflates from about 64 KB to ``mib`` MiB of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", SCHEMA)
        with archive.open("0.npy", "w") as member:
            for _ in range(mib):
                member.write(bytes(MIB))
    return buf.getvalue()


def forged_inflation() -> bytes:
    """An archive whose directory declares 1,000 bytes for a member that inflates to 8 MiB (the header lies)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", SCHEMA)
        archive.writestr("0.npy", bytes(8 * MIB))
    raw = bytearray(buf.getvalue())
    at = raw.index(b"PK\x01\x02")  # central directory entries, in the order written
    at = raw.index(b"PK\x01\x02", at + 46 + struct.unpack_from("<H", raw, at + 28)[0])
    assert raw[at + 46 : at + 46 + 5] == b"0.npy"
    struct.pack_into("<L", raw, at + 24, 1000)  # the declared uncompressed size
    return bytes(raw)


@pytest.fixture(scope="module")
def small_parquet() -> bytes:
    buf = io.BytesIO()
    pd.read_parquet(ROOT / "sample_data" / "test.parquet").sample(800, random_state=0).to_parquet(buf, index=False)
    return buf.getvalue()


def message_after(at, label: str) -> str | None:
    """The error drawn under the uploader labelled ``label``, before the next uploader (below its kept files)."""
    leaves = [node for node in at.main if not isinstance(node, Block)]
    start = next(
        i for i, node in enumerate(leaves) if node.type == "file_uploader" and str(node.label).startswith(label)
    )
    for node in leaves[start + 1 :]:
        if node.type == "file_uploader":
            return None
        if node.type == "error":
            return node.value
    return None


def one_line(message: str | None, *fragments: str) -> str:
    assert message is not None, "no error next to the uploader"
    assert "\n" not in message and "tradeoffs-upload" not in message, message  # no session folder paths
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def upload(at, label: str, files):
    widget(at, "file_uploader", label).set_value(files)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_skops_bomb_is_refused_next_to_the_model_uploader_and_not_kept():
    bomb = zeros_bomb()
    assert len(bomb) < 128 * 1024
    good = (MODELS / "logistic_regression.skops").read_bytes()
    octet = "application/octet-stream"
    at = upload(new_app("data"), "Model files", [("bomb.skops", bomb, octet), ("lr.skops", good, octet)])
    one_line(
        message_after(at, "Model files"),
        "model file bomb.skops member '0.npy' expands from",
        "to 64.0 MiB",
        "which is how a decompression bomb looks",
        "the server's operator can raise the limit with TRADEOFFS_MAX_COMPRESSION_RATIO",
    )
    kept = texts(at)
    assert "`lr.skops`" in kept and "`bomb.skops`" not in kept  # the good file is kept, the bomb is not


def test_operator_limits_from_the_environment_refuse_a_dataset_next_to_its_uploader(monkeypatch, small_parquet):
    monkeypatch.setenv("TRADEOFFS_MAX_TABLE_ROWS", "100")
    at = upload(new_app("data"), "Evaluation data", ("impressions.parquet", small_parquet, "application/octet-stream"))
    one_line(
        message_after(at, "Evaluation data"),
        "data file impressions.parquet has 800 rows, over the limit of 100",
        "upload a sample of the rows",
        "TRADEOFFS_MAX_TABLE_ROWS",
    )
    assert "--scheduler" not in message_after(at, "Evaluation data")  # the page cannot score by partition
    assert not at.dataframe  # no preview: nothing was read


def test_a_prediction_file_past_the_limits_is_refused_as_it_arrives(monkeypatch):
    monkeypatch.setenv("TRADEOFFS_MAX_TABLE_FILE_BYTES", "1KiB")
    preds = csv_bytes(pd.DataFrame({"id": range(500), "y_pred": [0, 1] * 250}))
    at = upload(new_app("data"), "Prediction files", [("preds.csv", preds, "text/csv")])
    one_line(message_after(at, "Prediction files"), "predictions file preds.csv is", "over the limit of 1.0 KiB")
    assert "`preds.csv`" not in texts(at)


def test_a_bad_limit_setting_names_the_variable_next_to_the_uploader(monkeypatch, small_parquet):
    monkeypatch.setenv("TRADEOFFS_MAX_TABLE_ROWS", "lots")
    at = upload(new_app("data"), "Evaluation data", ("impressions.parquet", small_parquet, "application/octet-stream"))
    one_line(message_after(at, "Evaluation data"), "TRADEOFFS_MAX_TABLE_ROWS='lots' is not a valid limit")


def test_a_member_that_lies_about_its_size_is_refused_by_the_check_in_the_worker(small_parquet):
    # The upload check reads the zip directory only (fast, in the server); the model's check in a
    # worker process inflates each member in bounded steps before loading it.
    at = upload(new_app("data"), "Evaluation data", ("impressions.parquet", small_parquet, "application/octet-stream"))
    at = upload(at, "Model files", [("liar.skops", forged_inflation(), "application/octet-stream")])
    assert message_after(at, "Model files") is None and "`liar.skops`" in texts(at)
    reasons = [e.value for e in at.error if "liar" in e.value]
    assert len(reasons) == 1, [e.value for e in at.error]
    assert (
        "model file liar.skops member '0.npy' inflates to more than the 1000 bytes its zip header declares"
        in (reasons[0])
    )
    assert at.button(key="w.eval.go").disabled
