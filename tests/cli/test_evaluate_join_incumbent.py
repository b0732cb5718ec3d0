"""`tradeoffs evaluate --join` and `--incumbent`: prediction files joined on ids, said in the open.

Every bad input exits 2 with one message naming the file, counts and examples, and writes nothing.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _cli_helpers import assert_bad
from sklearn.metrics import accuracy_score, roc_auc_score

from analysis.cli import main
from analysis.scorecard import incumbent_of, load_scorecard


@pytest.fixture
def data_csv(binary_frame, tmp_path):
    path = tmp_path / "data.csv"
    binary_frame.to_csv(path, index=False)
    return path


def external(frame: pd.DataFrame) -> pd.DataFrame:
    """Predictions made elsewhere for every row of ``frame``, with its row ids."""
    prob = 1 / (1 + np.exp(-frame["x1"].to_numpy()))
    return pd.DataFrame({"row_id": frame["row_id"], "y_pred": (prob > 0.5).astype(int), "y_prob": prob})


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def args(data, out, *extra):
    return [
        "evaluate",
        "--data",
        data,
        "--target",
        "label",
        "--out",
        out,
        "--bootstrap",
        "0",
        "--quiet",
        "--no-serving",
        *extra,
    ]


def test_shared_id_found_without_the_id_option(binary_frame, data_csv, tmp_path, capsys):
    preds = external(binary_frame)
    preds.to_csv(tmp_path / "ordered.csv", index=False)
    preds.sample(frac=1.0, random_state=0).to_csv(tmp_path / "shuffled.csv", index=False)
    out = tmp_path / "sc.json"
    extra = ["--predictions", tmp_path / "ordered.csv", "--predictions", tmp_path / "shuffled.csv"]
    code, stdout, err = run(args(data_csv, out, *extra), capsys)
    assert code == 0, err
    assert "ordered: joined on row_id (2,000 of 2,000 rows)" in stdout
    assert "shuffled: joined on row_id (2,000 of 2,000 rows)" in stdout
    sc = load_scorecard(out)
    y = binary_frame["label"].to_numpy()
    for name in ("ordered", "shuffled"):
        assert sc.value(name, "roc_auc") == pytest.approx(roc_auc_score(y, preds["y_prob"]), abs=1e-12)
        assert sc.value(name, "accuracy") == pytest.approx(accuracy_score(y, preds["y_pred"]), abs=1e-12)
    card = json.loads(out.read_text())
    assert card["candidates"][1]["source"]["alignment"] == {
        "how": "id",
        "column": "row_id",
        "asked": False,
        "rows": 2000,
    }
    assert card["settings"]["join"] == "auto"


def test_no_shared_id_is_refused_and_names_the_way_out(binary_frame, data_csv, tmp_path, capsys):
    external(binary_frame).drop(columns="row_id").to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "sc.json"
    code, _, err = run(args(data_csv, out, "--predictions", tmp_path / "p.csv"), capsys)
    assert_bad(
        code,
        err,
        out,
        f"predictions file {tmp_path / 'p.csv'} has no id column shared with the data",
        "data id-like columns: row_id, file columns: y_pred, y_prob",
        "pass --join order to match rows by position",
    )
    code, _, err = run(args(data_csv, out, "--predictions", tmp_path / "p.csv", "--join", "id"), capsys)
    assert_bad(code, err, out, "no id column shared")


def test_join_order_is_used_and_printed(binary_frame, data_csv, tmp_path, capsys):
    preds = external(binary_frame).drop(columns="row_id")
    preds.to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "sc.json"
    code, stdout, err = run(args(data_csv, out, "--predictions", tmp_path / "p.csv", "--join", "order"), capsys)
    assert code == 0, err
    assert "p: matched by row order, as asked (--join order)" in stdout
    sc = load_scorecard(out)
    assert sc.value("p", "roc_auc") == pytest.approx(roc_auc_score(binary_frame["label"], preds["y_prob"]))
    assert dict(sc.candidates[0].source["alignment"]) == {"how": "order", "column": None, "asked": True, "rows": 2000}
    assert sc.settings["join"] == "order"


def test_join_order_with_a_shared_id_says_the_id_was_not_used(binary_frame, data_csv, tmp_path, capsys):
    external(binary_frame).to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "sc.json"
    code, stdout, err = run(args(data_csv, out, "--predictions", tmp_path / "p.csv", "--join", "order"), capsys)
    assert code == 0, err
    assert "as asked (--join order); the shared id column 'row_id' was not used" in stdout


@pytest.mark.parametrize(
    ("case", "fragments"),
    [
        ("file repeats", ["repeats 3 id(s) in column 'row_id' (6 rows), for example 0, 1, 2;"]),
        ("data repeats", ["repeats 2 id(s) in column 'row_id' (4 rows), for example 0, 1, so", "--join order"]),
        ("missing", ["lacks 6 of the 2000 ids", "(column 'row_id'), for example 0, 1, 2, 3, 4, ...;"]),
        ("extra", ["has 2 id(s) that are not in the data", "for example 5000, 5001;"]),
    ],
)
def test_bad_ids_are_refused_with_counts_and_examples(binary_frame, tmp_path, capsys, case, fragments):
    frame = binary_frame
    preds = external(frame)
    if case == "file repeats":
        preds = pd.concat([preds, preds.iloc[:3]], ignore_index=True)
    elif case == "data repeats":
        frame = frame.assign(row_id=np.r_[0, 1, 0, 1, np.arange(4, len(frame))])
        preds = external(frame).drop_duplicates("row_id")
    elif case == "missing":
        preds = preds.iloc[6:]
    else:
        preds = pd.concat([preds, preds.iloc[:2].assign(row_id=[5000, 5001])], ignore_index=True)
    frame.to_csv(tmp_path / "data.csv", index=False)
    preds.to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "sc.json"
    code, _, err = run(args(tmp_path / "data.csv", out, "--id", "row_id", "--predictions", tmp_path / "p.csv"), capsys)
    assert_bad(code, err, out, str(tmp_path / "p.csv"), *fragments)


def test_incumbent_is_recorded_marked_and_round_trips(binary_frame, data_csv, fitted_models, tmp_path, capsys):
    external(binary_frame).to_csv(tmp_path / "vendor.csv", index=False)
    out = tmp_path / "sc.json"
    extra = ["--model", fitted_models["logreg"], "--predictions", tmp_path / "vendor.csv", "--incumbent", "logreg"]
    code, stdout, err = run(args(data_csv, out, *extra), capsys)
    assert code == 0, err
    assert "logreg (incumbent)" in stdout and "vendor (incumbent)" not in stdout
    assert json.loads(out.read_text())["settings"]["incumbent"] == "logreg"
    assert incumbent_of(load_scorecard(out)) == "logreg"
    code, stdout, err = run(args(data_csv, tmp_path / "sc2.json", *extra, "--json"), capsys)
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["incumbent"] == "logreg"
    assert [c["incumbent"] for c in summary["candidates"]] == [True, False]
    assert summary["candidates"][1]["alignment_text"] == "joined on row_id (2,000 of 2,000 rows)"


def test_without_an_incumbent_none_is_recorded(binary_frame, data_csv, tmp_path, capsys):
    external(binary_frame).to_csv(tmp_path / "vendor.csv", index=False)
    out = tmp_path / "sc.json"
    code, stdout, err = run(args(data_csv, out, "--predictions", tmp_path / "vendor.csv"), capsys)
    assert code == 0, err
    assert "(incumbent)" not in stdout
    assert incumbent_of(load_scorecard(out)) is None


def test_unknown_incumbent_lists_the_candidates(binary_frame, data_csv, fitted_models, tmp_path, capsys):
    external(binary_frame).to_csv(tmp_path / "vendor.csv", index=False)
    out = tmp_path / "sc.json"
    extra = ["--model", fitted_models["logreg"], "--predictions", tmp_path / "vendor.csv", "--incumbent", "champion"]
    code, _, err = run(args(data_csv, out, *extra), capsys)
    assert_bad(code, err, out, "incumbent 'champion' is not one of the candidates (logreg, vendor)")


def test_card_carries_join_and_incumbent(binary_frame, data_csv, fitted_models, tmp_path, capsys):
    external(binary_frame).drop(columns="row_id").to_csv(tmp_path / "vendor.csv", index=False)
    card = tmp_path / "card.yaml"
    card.write_text(
        f"target: label\ntest_file: data.csv\njoin: order\nincumbent: logreg\n"
        f"models:\n- name: logreg\n  file: {fitted_models['logreg']}\n"
    )
    out = tmp_path / "sc.json"
    argv = ["evaluate", "--card", card, "--predictions", tmp_path / "vendor.csv", "--out", out]
    code, stdout, err = run([*argv, "--bootstrap", "0", "--quiet", "--no-serving", "--no-explain"], capsys)
    assert code == 0, err
    assert "vendor: matched by row order, as asked (--join order)" in stdout
    sc = load_scorecard(out)
    assert incumbent_of(sc) == "logreg" and sc.settings["join"] == "order"


def test_card_with_an_unknown_join_is_refused(data_csv, tmp_path, capsys):
    card = tmp_path / "card.yaml"
    card.write_text("target: label\ntest_file: data.csv\njoin: rows\n")
    out = tmp_path / "sc.json"
    code, _, err = run(["evaluate", "--card", card, "--out", out], capsys)
    assert_bad(code, err, out, "join 'rows' is not one of auto, id, order")


def test_help_explains_join(capsys):
    code, stdout, _ = run(["evaluate", "--help"], capsys)
    assert code == 0
    assert "--join [auto|id|order]" in stdout and "--incumbent NAME" in stdout
