"""Messages about data values name them as a person writes them (0, 1), not as numpy 2 reprs them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis._errors import plain, plain_list
from analysis.cli import main


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(3)
    n = 60
    pd.DataFrame(
        {
            "id": np.arange(n),
            "x": rng.normal(size=n),
            "three": np.arange(n) % 3,
            "two": np.arange(n) % 2,
        }
    ).to_csv(tmp_path / "data.csv", index=False)
    pd.DataFrame({"id": np.arange(n), "y_pred": np.arange(n) % 2}).to_csv(tmp_path / "preds.csv", index=False)
    return tmp_path


def _evaluate(files, capsys, *extra):
    argv = ["evaluate", "--data", files / "data.csv", "--predictions", files / "preds.csv"]
    argv += ["--out", files / "scorecard.json", "--no-serving", "--bootstrap", "0", "--quiet", *extra]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_three_classes_for_a_binary_task_are_listed_plainly(files, capsys):
    code, _, err = _evaluate(files, capsys, "--target", "three", "--task", "binary")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "np." not in err
    assert "(0, 1, 2)" in err and "--task multiclass" in err
    assert not (files / "scorecard.json").exists()


def test_an_unknown_positive_label_lists_the_values_plainly(files, capsys):
    code, _, err = _evaluate(files, capsys, "--target", "two", "--positive-label", "5")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "np." not in err
    assert "(values: 0, 1)" in err


def test_plain_turns_numpy_scalars_into_python_values():
    assert repr(plain(np.int64(3))) == "3"
    assert repr(plain(np.float32(0.5))) == "0.5"
    assert repr(plain(np.str_("yes"))) == "'yes'"
    assert plain(np.bool_(True)) is True
    assert plain("no") == "no"
    assert plain_list(np.array([0, 1, 2])) == "0, 1, 2"
    assert plain_list(["a", np.int64(1)], limit=1) == "'a', ..."
