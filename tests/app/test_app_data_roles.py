"""Data & models with a user's own table: proposed roles, uploads that outlive the page, candidates checked first.

The table has the shape of a public fairness dataset: an ``id``, features, the target ``income``
in the middle and the sensitive binary attribute ``sex`` as the last column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _app_helpers import csv_bytes, goto, new_app, run_until, texts, widget

N = 240


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x1, x2 = rng.normal(size=N), rng.normal(size=N)
    income = np.where(x1 + 0.5 * x2 + rng.logistic(size=N) > 0.8, ">50K", "<=50K")
    return pd.DataFrame(
        {
            "id": np.arange(5000, 5000 + N),
            "x1": x1.round(3),
            "x2": x2.round(3),
            "income": income,
            "race": rng.choice(["A", "B", "C"], size=N),
            "sex": rng.choice(["Female", "Male"], size=N),
        }
    )


@pytest.fixture(scope="module")
def models(people, tmp_path_factory) -> dict[str, bytes]:
    """Three skops models: one on the data's columns, two that need columns the data lacks."""
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    folder = tmp_path_factory.mktemp("role_models")
    train = people.assign(hours=1.0, capital_gain=0.0)
    specs = {"fits": ["x1", "x2"], "needs_hours": ["x1", "hours"], "needs_two": ["x2", "hours", "capital_gain"]}
    out = {}
    for name, cols in specs.items():
        path = folder / f"{name}.skops"
        sio.dump(LogisticRegression().fit(train[cols], train["income"]), path)
        out[name] = path.read_bytes()
    return out


def _upload(at, people: pd.DataFrame, models: dict[str, bytes], *names: str):
    widget(at, "file_uploader", "Evaluation data").set_value(("people.csv", csv_bytes(people), "text/csv"))
    at.run()
    if names:
        files = [(f"{n}.skops", models[n], "application/octet-stream") for n in names]
        widget(at, "file_uploader", "Model files").set_value(files)
        at.run()
    at.number_input(key="w.eval.bootstrap").set_value(0).run()
    return at


def _predictions(people: pd.DataFrame, *, with_id: bool, seed: int = 0) -> bytes:
    rows = people.sample(frac=1.0, random_state=seed) if with_id else people
    table = pd.DataFrame({"y_pred": rows["income"].to_numpy()})
    if with_id:
        table.insert(0, "id", rows["id"].to_numpy())
    return csv_bytes(table)


def test_roles_start_from_the_names_not_the_last_column(people, models):
    at = _upload(new_app("data"), people, models)
    assert people.columns[-1] == "sex"
    assert widget(at, "selectbox", "Target").value == "income"
    assert widget(at, "selectbox", "Positive class").value == ">50K"  # the rarer class
    assert widget(at, "selectbox", "Row id").value == "id"
    assert widget(at, "multiselect", "Sensitive attributes").value == ["race", "sex"]
    shown = texts(at)
    assert "Proposed: named like a target ('income'), with two classes." in shown
    assert f"Proposed: named like a row id, and its {N} values are unique." in shown
    assert "Proposed: the rarer class" in shown


def test_a_repeated_id_is_not_proposed_and_the_page_says_why(people, models):
    at = _upload(new_app("data"), people.assign(id=people["id"] % 7), models)
    assert widget(at, "selectbox", "Row id").value == "(none)"
    assert "`id` repeats" in texts(at)


def test_uploads_and_choices_survive_leaving_the_page(people, models):
    at = _upload(new_app("data"), people, models, "fits", "needs_hours")
    widget(at, "multiselect", "Sensitive attributes").set_value(["sex"]).run()
    widget(at, "selectbox", "Incumbent").set_value("fits").run()
    widget(at, "checkbox", "Match prediction files to data rows by position").check().run()
    widget(at, "text_input", "tp").set_value("10").run()

    goto(at, "scorecard")
    goto(at, "data")

    shown = texts(at)
    assert "`people.csv`" in shown and "`fits.skops`" in shown and "`needs_hours.skops`" in shown
    assert widget(at, "selectbox", "Target").value == "income"
    assert widget(at, "multiselect", "Sensitive attributes").value == ["sex"]  # the user's choice, not the proposal
    assert widget(at, "selectbox", "Incumbent").value == "fits"
    assert widget(at, "checkbox", "Match prediction files to data rows by position").value is True
    assert widget(at, "text_input", "tp").value == "10"
    assert at.number_input(key="w.eval.bootstrap").value == 0
    assert at.session_state["tradeoffs.incumbent"] == "fits"  # other pages read it


def test_removing_a_file_forgets_it(people, models):
    at = _upload(new_app("data"), people, models, "fits", "needs_hours")
    next(b for b in at.button if b.key.startswith("w.rm.models.") and b.help.startswith("Forget needs_hours")).click()
    at.run()
    assert "`needs_hours.skops`" not in texts(at) and "`fits.skops`" in texts(at)
    assert widget(at, "selectbox", "Incumbent").options == ["none", "fits"]


def test_every_model_that_cannot_run_is_named_by_the_button_and_the_others_are_evaluated(people, models):
    at = _upload(new_app("data"), people, models, "needs_hours", "fits", "needs_two")
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1
    message = warnings[0]
    assert "2 of 3 candidates cannot be evaluated on people.csv" in message
    assert "**needs_hours** (model)" in message and "hours" in message
    assert "**needs_two** (model)" in message and "hours, capital_gain" in message
    assert "fits" not in message.replace("needs_", "")
    assert "tradeoffs-upload" not in message
    button = at.button(key="w.eval.go")
    assert not button.disabled and button.label == "Evaluate 1 of 3 candidates"
    button.click().run()
    run_until(at, lambda a: "Evaluated 1 candidate" in texts(a))
    assert not at.exception and not at.error
    shown = texts(at)
    assert "2 candidates left out" in shown
    assert "Left out of this evaluation" in shown and "**needs_two**" in shown  # still stated after the run
    assert at.session_state["tradeoffs.own"].scorecard.candidate_names == ("fits",)


def test_prediction_files_are_joined_on_the_id_and_the_page_says_so(people, models):
    at = _upload(new_app("data"), people, models, "fits")
    files = [
        ("shuffled_with_id.csv", _predictions(people, with_id=True), "text/csv"),
        ("in_order.csv", _predictions(people, with_id=False), "text/csv"),
    ]
    widget(at, "file_uploader", "Prediction files").set_value(files).run()
    message = next(w.value for w in at.warning)
    assert "**in_order** (prediction file)" in message and "no id column shared" in message
    assert "Match prediction files to data rows by position" in message  # the page's words, not the CLI's
    assert "shuffled_with_id: rows will be joined on id" in texts(at)
    widget(at, "selectbox", "Incumbent").set_value("shuffled_with_id").run()
    at.button(key="w.eval.go").click().run()
    run_until(at, lambda a: "Evaluated 2 candidates" in texts(a))
    assert not at.exception
    own = at.session_state["tradeoffs.own"].scorecard
    assert own.settings["incumbent"] == "shuffled_with_id" and own.settings["join"] == "auto"
    # reports are read off this server: the scorecard names the uploaded files, never the session folder
    from analysis.scorecard import scorecard_to_json

    assert str(at.session_state["tradeoffs.upload_dir"].path) not in scorecard_to_json(own)
    assert own.dataset["source"] == "people.csv"
    markdown = "\n".join(m.value for m in at.markdown)  # in the open, not in an expander
    assert "How each prediction file was matched to the data rows" in markdown
    assert "**shuffled_with_id**: joined on id" in markdown


def test_by_position_when_asked(people, models):
    at = _upload(new_app("data"), people, models)
    widget(at, "checkbox", "Match prediction files to data rows by position").check().run()
    widget(at, "file_uploader", "Prediction files").set_value(
        [("in_order.csv", _predictions(people, with_id=False), "text/csv")]
    ).run()
    assert not at.warning and not at.error
    assert "in_order: rows will be matched by row order" in texts(at)
    at.button(key="w.eval.go").click().run()
    run_until(at, lambda a: "Evaluated 1 candidate" in texts(a))
    markdown = "\n".join(m.value for m in at.markdown)
    assert "**in_order**: matched by row order" in markdown
