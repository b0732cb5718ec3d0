"""`tradeoffs evaluate` on hostile inputs (issue 13): exit 2 with one line naming the model or column, or warnings.

Errors: a model returning NaN probabilities, the built-in test data saved as CSV (user_zone comes
back as integers), a predictions file with NaN probabilities, data ids shared by 1,000 rows.
Warnings (exit 0, printed and in the ``--json`` summary): one group, one positive in 3,000 rows.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from _cli_helpers import assert_bad
from sklearn.linear_model import LogisticRegression

from analysis.cli import main
from analysis.scenario import load_card

N = 3000


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    out = pd.DataFrame({"row_id": np.arange(N), "x1": rng.normal(size=N), "x2": rng.normal(size=N), "grp": "a"})
    out["label"] = (out.x1 + rng.logistic(size=N) > 0).astype(int)
    return out


@pytest.fixture
def files(frame, tmp_path):
    """data.csv, a good model and one whose probabilities are NaN on 12 rows (x1 == 0 there, coefficient inf)."""
    data = frame.copy()
    data.loc[:11, "x1"] = 0.0
    data.to_csv(tmp_path / "data.csv", index=False)
    good = LogisticRegression().fit(frame[["x1", "x2"]], frame.label)
    sio.dump(good, tmp_path / "good.skops")
    good.coef_ = np.array([[np.inf, 0.0]])
    sio.dump(good, tmp_path / "nanny.skops")
    return tmp_path


def args(folder, *extra):
    return [
        "evaluate",
        "--data",
        folder / "data.csv",
        "--target",
        "label",
        "--out",
        folder / "out" / "scorecard.json",
        "--bootstrap",
        "20",
        "--quiet",
        "--no-serving",
        *extra,
    ]


def test_nan_probabilities_exit_2_naming_the_model(files, capsys):
    code, _, err = run(args(files, "--model", files / "nanny.skops"), capsys)
    assert_bad(
        code,
        err,
        files / "out" / "scorecard.json",
        f"model 'nanny' ({files / 'nanny.skops'}) returned NaN probabilities for 12 of 3,000 rows",
        "(rows 2, 3, 4, 5, 6 ...)",
    )
    assert "RuntimeWarning" not in err


def test_builtin_test_data_saved_as_csv_names_user_zone_and_the_fix(tmp_path, capsys):
    card = load_card()
    data = tmp_path / "test.csv"
    pd.read_parquet(card.test_path).head(300).to_csv(data, index=False)
    model = card.folder / "models" / "logistic_regression.skops"
    argv = ["evaluate", "--card", card.path, "--data", data, "--model", model, "--incumbent", "logistic_regression"]
    out = tmp_path / "scorecard.json"
    code, _, err = run([*argv, "--out", out, "--bootstrap", "20", "--quiet", "--no-serving"], capsys)
    assert_bad(
        code,
        err,
        out,
        f"column 'user_zone' holds numbers in {data} but model 'logistic_regression'",
        "trained on text (such as '47101'",
        "save the data as Parquet",
    )


def test_predictions_file_with_nan_probabilities(frame, files, capsys):
    preds = files / "p.csv"
    pd.DataFrame({"row_id": frame.row_id, "y_pred": 0, "y_prob": np.where(frame.index == 9, np.nan, 0.3)}).to_csv(
        preds, index=False
    )
    code, _, err = run(args(files, "--predictions", preds), capsys)
    assert_bad(code, err, files / "out" / "scorecard.json", f"predictions file {preds} has NaN y_prob values", "row 11")


def test_data_ids_shared_by_1000_rows_are_refused(frame, files, capsys):
    dup = frame.copy()
    dup.loc[:999, "row_id"] = 7
    dup.to_csv(files / "data.csv", index=False)
    preds = files / "p.csv"
    pd.DataFrame({"row_id": frame.row_id, "y_pred": 0}).to_csv(preds, index=False)
    code, _, err = run(args(files, "--predictions", preds, "--id", "row_id"), capsys)
    assert_bad(code, err, files / "out" / "scorecard.json", "repeats 1 id(s) in column 'row_id' (1,000 rows)", "7")


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_one_group_and_one_positive_are_warned_about(frame, files, capsys):
    rare = frame.assign(label=0)
    rare.loc[5, "label"] = 1
    rare.to_csv(files / "data.csv", index=False)
    code, out, err = run(args(files, "--model", files / "good.skops", "--sensitive", "grp"), capsys)
    assert code == 0, err
    text = _flat(out)
    assert "warning: only 1 positive row(s) (label = 1) in 3,000: recall, ROC AUC, PR AUC" in text
    assert "warning: sensitive attribute 'grp' has one group ('a', all 3,000 rows): fairness between groups" in text
    saved = json.loads((files / "out" / "scorecard.json").read_text())
    assert len(saved["dataset"]["warnings"]) == 2
    code, out, err = run(args(files, "--model", files / "good.skops", "--sensitive", "grp", "--json"), capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["warnings"] == saved["dataset"]["warnings"]
