"""`tradeoffs evaluate` from the command line: success, and one test per bad input.

Every bad input must exit 2 with one message naming the file/column/value (no traceback)
and leave nothing on disk.
"""

from __future__ import annotations

import json
import pickle
import socket
import zipfile

import numpy as np
import pytest
import skops.io as sio
from _cli_helpers import assert_bad
from sklearn.linear_model import LogisticRegression

from analysis.cli import main


@pytest.fixture
def data_csv(binary_frame, tmp_path):
    path = tmp_path / "data.csv"
    binary_frame.to_csv(path, index=False)
    return path


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def base_args(data, model, out):
    return [
        "evaluate",
        "--data",
        data,
        "--target",
        "label",
        "--sensitive",
        "region",
        "--model",
        model,
        "--out",
        out,
        "--bootstrap",
        "20",
        "--quiet",
        "--no-serving",
    ]


def test_evaluate_writes_scorecard_and_json_summary(data_csv, fitted_models, tmp_path, capsys):
    out = tmp_path / "out" / "scorecard.json"
    argv = [
        "evaluate",
        "--data",
        data_csv,
        "--target",
        "label",
        "--sensitive",
        "region,age_band",
        "--time",
        "when",
        "--id",
        "row_id",
        "--value-col",
        "basket",
        "--value-matrix",
        "tp=0.1*basket",
        "--value-matrix",
        "fp=-0.2",
        "--model",
        fitted_models["logreg"],
        "--model",
        fitted_models["boosting"],
        "--out",
        out,
        "--bootstrap",
        "50",
        "--workers",
        "2",
        "--json",
        "--quick",
        "--batch-sizes",
        "1,64",
        "--explain",
        "--explain-rows",
        "50",
    ]
    code, stdout, err = run(argv, capsys)
    assert code == 0, err
    summary = json.loads(stdout)
    assert [c["candidate"] for c in summary["candidates"]] == ["logreg", "boosting"]
    assert summary["candidates"][1]["metrics"]["roc_auc"]["best"] is True
    assert {"net_value_per_1k", "basket_captured_per_1k"} <= {o["name"] for o in summary["objectives"]}
    card = json.loads(out.read_text())
    assert card["schema"] == "tradeoffs.scorecard"
    assert card["dataset"]["fingerprint"]["rows"] == 2000
    names = {o["name"] for o in card["objectives"]}
    assert {"latency_ms_p99", "throughput_rows_per_s", "cost_usd_per_million"} <= names
    assert {"features_for_90pct_attribution", "model_complexity"} <= names
    assert card["sections"]["serving"]["assumptions"]["threads"] == 1


def test_readable_summary_table(data_csv, fitted_models, tmp_path, capsys):
    out = tmp_path / "sc.json"
    code, stdout, err = run(base_args(data_csv, fitted_models["logreg"], out), capsys)
    assert code == 0, err
    assert "logreg" in stdout and "roc auc" in stdout and f"are in {out}" in stdout


def test_prediction_file_candidate(binary_frame, data_csv, fitted_models, tmp_path, capsys):
    preds = binary_frame[["row_id"]].assign(
        y_pred=(binary_frame.x1 > 0).astype(int), y_prob=1 / (1 + np.exp(-binary_frame.x1))
    )
    preds = preds.sample(frac=1.0, random_state=0)  # shuffled: must be joined by id
    pfile = tmp_path / "external.csv"
    preds.to_csv(pfile, index=False)
    out = tmp_path / "sc.json"
    code, _, err = run(
        [
            "evaluate",
            "--data",
            data_csv,
            "--target",
            "label",
            "--id",
            "row_id",
            "--predictions",
            pfile,
            "--model",
            fitted_models["logreg"],
            "--out",
            out,
            "--bootstrap",
            "0",
            "--quiet",
            "--no-serving",
        ],
        capsys,
    )
    assert code == 0, err
    card = json.loads(out.read_text())
    assert [c["name"] for c in card["candidates"]] == ["logreg", "external"]
    source = card["candidates"][1]["source"]
    assert source["alignment"] == {"how": "id", "column": "row_id", "asked": True, "rows": 2000}
    assert source["alignment_text"] == "joined on row_id (2,000 of 2,000 rows)"


# ---- bad inputs ---------------------------------------------------------------------------


def test_missing_file(fitted_models, tmp_path, capsys):
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(tmp_path / "nope.csv", fitted_models["logreg"], out), capsys)
    assert_bad(code, err, out, "nope.csv", "does not exist")


def test_empty_file(fitted_models, tmp_path, capsys):
    data = tmp_path / "empty.csv"
    data.write_text("")
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data, fitted_models["logreg"], out), capsys)
    assert_bad(code, err, out, "empty.csv", "is empty")


def test_header_only(fitted_models, tmp_path, capsys):
    data = tmp_path / "header.csv"
    data.write_text("x1,x2,colour,label,region\n")
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data, fitted_models["logreg"], out), capsys)
    assert_bad(code, err, out, "header.csv", "header but no rows")


def test_not_a_csv(fitted_models, tmp_path, capsys):
    data = tmp_path / "image.csv"
    data.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data, fitted_models["logreg"], out), capsys)
    assert_bad(code, err, out, "image.csv", "not a CSV")


def test_target_column_missing(data_csv, fitted_models, tmp_path, capsys):
    out = tmp_path / "sc.json"
    args = base_args(data_csv, fitted_models["logreg"], out)
    args[args.index("label")] = "lable"
    code, _, err = run(args, capsys)
    assert_bad(code, err, out, "target column 'lable'", "did you mean 'label'")


def test_target_with_one_class(binary_frame, fitted_models, tmp_path, capsys):
    data = tmp_path / "one.csv"
    binary_frame.assign(label=1).to_csv(data, index=False)
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data, fitted_models["logreg"], out), capsys)
    assert_bad(code, err, out, "'label'", "only one class")


def test_non_numeric_feature(binary_frame, tmp_path, capsys):
    model = LogisticRegression().fit(binary_frame[["x1", "x2"]], binary_frame.label)
    mpath = tmp_path / "numeric.skops"
    sio.dump(model, mpath)
    data = tmp_path / "text.csv"
    binary_frame.assign(x2=np.where(binary_frame.index % 7 == 0, "unknown", binary_frame.x2.astype(str))).to_csv(
        data, index=False
    )
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data, mpath, out), capsys)
    assert_bad(code, err, out, "non-numeric feature(s) x2", "numeric.skops")


def test_nans_in_features(binary_frame, tmp_path, capsys):
    model = LogisticRegression().fit(binary_frame[["x1", "x2"]], binary_frame.label)
    mpath = tmp_path / "lr.skops"
    sio.dump(model, mpath)
    data = tmp_path / "nan.csv"
    binary_frame.assign(x1=binary_frame.x1.where(binary_frame.index % 10 != 0)).to_csv(data, index=False)
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data, mpath, out), capsys)
    assert_bad(code, err, out, "missing values", "x1 (200 rows)")


def test_nans_in_target(binary_frame, fitted_models, tmp_path, capsys):
    data = tmp_path / "nan_target.csv"
    binary_frame.assign(label=binary_frame.label.astype(float).where(binary_frame.index != 3)).to_csv(data, index=False)
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data, fitted_models["logreg"], out), capsys)
    assert_bad(code, err, out, "target column 'label'", "1 missing values", "rows 5")


def test_corrupt_model_file(data_csv, tmp_path, capsys):
    mpath = tmp_path / "broken.skops"
    mpath.write_bytes(b"PK\x03\x04 this is not really a zip")
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data_csv, mpath, out), capsys)
    assert_bad(code, err, out, "broken.skops", "not a valid skops file")


class _Payload:
    """Unpickling this creates a marker file: the proof that a pickle ran code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_pickle_refused_without_opt_in_and_payload_not_run(data_csv, tmp_path, capsys):
    marker = tmp_path / "PWNED"
    mpath = tmp_path / "evil.pkl"
    mpath.write_bytes(pickle.dumps(_Payload(marker)))
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data_csv, mpath, out), capsys)
    assert_bad(code, err, out, "evil.pkl", "runs any code", "--trust-pickle")
    assert not marker.exists(), "the pickle's payload ran"


def test_pickle_loads_with_opt_in(binary_frame, data_csv, tmp_path, capsys):
    import joblib

    model = LogisticRegression().fit(binary_frame[["x1", "x2"]], binary_frame.label)
    mpath = tmp_path / "trusted.joblib"
    joblib.dump(model, mpath)
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data_csv, mpath, out) + ["--trust-pickle"], capsys)
    assert code == 0, err
    assert "ran code" in err
    assert out.exists()


def test_skops_with_untrusted_type(binary_frame, data_csv, tmp_path, capsys):
    import operator

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = make_pipeline(FunctionTransformer(operator.neg), LogisticRegression())
    model.fit(binary_frame[["x1", "x2"]], binary_frame.label)
    mpath = tmp_path / "custom.skops"
    sio.dump(model, mpath)
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data_csv, mpath, out), capsys)
    assert_bad(code, err, out, "custom.skops", "does not trust", "_operator.neg", "--trust-type")
    # The operator can opt in to exactly that type.
    code, _, err = run(base_args(data_csv, mpath, out) + ["--trust-type", "_operator.neg"], capsys)
    assert code == 0, err


def test_feature_mismatch(binary_frame, tmp_path, capsys):
    model = LogisticRegression().fit(binary_frame[["x1", "x2"]].rename(columns={"x2": "x3"}), binary_frame.label)
    mpath = tmp_path / "other.skops"
    sio.dump(model, mpath)
    data = tmp_path / "d.csv"
    binary_frame.to_csv(data, index=False)
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data, mpath, out), capsys)
    assert_bad(code, err, out, "other.skops", "needs column(s) x3")


def test_features_option_disagrees_with_model(data_csv, fitted_models, tmp_path, capsys):
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data_csv, fitted_models["logreg"], out) + ["--features", "x1,x2,region"], capsys)
    assert_bad(code, err, out, "also needs colour", "not trained on region")


def test_sensitive_column_missing(data_csv, fitted_models, tmp_path, capsys):
    out = tmp_path / "sc.json"
    args = base_args(data_csv, fitted_models["logreg"], out)
    args[args.index("region")] = "gender"
    code, _, err = run(args, capsys)
    assert_bad(code, err, out, "sensitive column 'gender'", "columns found")


def test_zip_that_is_not_skops(data_csv, tmp_path, capsys):
    mpath = tmp_path / "archive.skops"
    with zipfile.ZipFile(mpath, "w") as zf:
        zf.writestr("readme.txt", "hello")
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data_csv, mpath, out), capsys)
    assert_bad(code, err, out, "archive.skops")


def test_value_expression_is_not_eval(data_csv, fitted_models, tmp_path, capsys):
    out = tmp_path / "sc.json"
    code, _, err = run(
        base_args(data_csv, fitted_models["logreg"], out) + ["--value-matrix", "tp=__import__('os').system('true')"],
        capsys,
    )
    assert_bad(code, err, out, "value matrix tp", "numbers, column names")


def test_no_traceback_on_unknown_option(capsys):
    code, _, err = run(["evaluate", "--bogus"], capsys)
    assert code == 2 and "Traceback" not in err


@pytest.fixture
def dask_dashboard_port_taken():
    """Port 8787 (Dask's dashboard default) held open, as by a user with a Dask dashboard running."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 8787))
        sock.listen()
    except OSError:
        pass  # something else holds it already: the condition this fixture sets up
    try:
        yield
    finally:
        sock.close()


def test_dask_local_cluster_gives_the_same_scorecard(
    data_csv, fitted_models, tmp_path, capsys, dask_dashboard_port_taken
):
    # --scheduler local binds no fixed port: it works while 8787 is taken (distributed's
    # port-clash warning would be an error here, as warnings are errors in tests).
    pytest.importorskip("dask.distributed")
    outs = []
    for extra in ([], ["--scheduler", "local", "--workers", "2"]):
        out = tmp_path / f"sc{len(outs)}.json"
        argv = base_args(data_csv, fitted_models["logreg"], out) + ["--model", fitted_models["boosting"]] + extra
        code, _, err = run(argv, capsys)
        assert code == 0, err
        outs.append(json.loads(out.read_text()))
    assert outs[0]["metrics"] == outs[1]["metrics"]


def test_unreachable_dask_scheduler(data_csv, fitted_models, tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "sc.json"
    code, _, err = run(base_args(data_csv, fitted_models["logreg"], out) + ["--scheduler", "tcp://127.0.0.1:9"], capsys)
    assert_bad(code, err, out, "cannot reach the Dask scheduler at tcp://127.0.0.1:9")
