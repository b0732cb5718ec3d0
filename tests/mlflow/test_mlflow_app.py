"""Data & models, "Runs and models in MLflow": the real server of conftest.py, through Streamlit's AppTest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from _server import MODEL_NAME

sys.path.insert(0, str(Path(__file__).parents[1] / "app"))
from _app_helpers import goto, isolated_dashboard, new_app, run_until, texts, widget  # noqa: E402

from analysis.cli._app import MLFLOW_URIS_ENV  # noqa: E402
from analysis.tracking import ALLOWED_URIS_ENV  # noqa: E402
from app.ui import state, workers  # noqa: E402

KIND = "Runs and models in MLflow"


def _choose(at, label: str):
    widget(at, "radio", "What do you have?").set_value(label).run()
    return at


def _read(at, name: str):
    widget(at, "radio", "Read").set_value("A registered model's versions").run()
    widget(at, "text_input", "Registered model name").input(name).run()
    at.button(key="w.mlflow.read").click().run()
    return at


def test_the_cli_and_the_library_name_one_setting():
    assert MLFLOW_URIS_ENV == ALLOWED_URIS_ENV


def test_without_an_allowed_server_the_page_says_how_to_name_one(monkeypatch):
    monkeypatch.delenv(ALLOWED_URIS_ENV, raising=False)
    at = _choose(new_app("data"), KIND)
    assert "reaches no MLflow server" in texts(at) and "--mlflow-uri" in texts(at)
    assert not at.exception


def test_a_server_the_operator_did_not_name_is_refused_next_to_the_uri(monkeypatch, logged_runs):
    monkeypatch.setenv(ALLOWED_URIS_ENV, logged_runs.uri)
    at = _choose(new_app("data"), KIND)
    widget(at, "text_input", "Tracking URI").input("http://169.254.169.254").run()
    _read(at, MODEL_NAME)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "not one of the MLflow servers this dashboard may reach" in errors[0]


def test_read_use_the_logged_metrics_or_add_the_models_and_evaluate_them(monkeypatch, logged_runs):
    monkeypatch.setenv(ALLOWED_URIS_ENV, logged_runs.uri)
    monkeypatch.setattr(workers, "_POOL", workers.WorkerPool(workers.PoolSettings(workers=0)))
    at = _read(_choose(new_app("data"), KIND), MODEL_NAME)
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert len(table) == 5 and set(table["run"]) == set(logged_runs.auc)
    measurable = table[table["measured here?"].str.startswith("yes")]
    assert set(measurable["run"]) == {"logreg", "hgb", "xgb", "lgbm"}
    assert "--trust-pickle" in table.loc[table["run"] == "forest", "measured here?"].iloc[0]

    at.button(key="w.mlflow.use").click().run()
    assert "Loaded the logged metrics" in texts(at)
    assert "your scorecard" in "\n".join(m.value for m in at.sidebar.markdown)

    at.button(key="w.mlflow.add").click().run()
    assert not at.error, [e.value for e in at.error]
    kept = at.session_state[state.UPLOADS]["models"]
    assert sorted(k.path.stem for k in kept) == sorted(
        f"{MODEL_NAME} v{logged_runs.versions[n]}" for n in measurable["run"]
    )
    for k in kept:
        assert json.loads(k.path.with_name(k.path.name + ".mlflow.json").read_text())["registered_model"] == MODEL_NAME

    _choose(at, "A dataset and model files: evaluate them here")
    data = pd.read_csv(logged_runs.data_csv).to_csv(index=False).encode()
    widget(at, "file_uploader", "Evaluation data").set_value(("arrests.csv", data, "text/csv")).run()
    widget(at, "selectbox", "Target").set_value("released").run()
    at.button(key="w.eval.go").click().run()
    run_until(at, lambda a: "Evaluated 4 candidates" in texts(a))
    assert not at.exception
    own = at.session_state[state.OWN].scorecard
    sources = {c.name: c.source for c in own.candidates}
    for name in measurable["run"]:
        source = sources[f"{MODEL_NAME} v{logged_runs.versions[name]}"]
        assert source["mlflow"]["version"] == logged_runs.versions[name]
        assert source["mlflow"]["model_uri"] == f"models:/{MODEL_NAME}/{logged_runs.versions[name]}"
    goto(at, "scorecard")
    assert len(at.dataframe[0].value) == 4


@pytest.fixture(autouse=True)
def _dashboard(monkeypatch, tmp_path):
    yield from isolated_dashboard(monkeypatch, tmp_path)


def test_a_model_over_the_upload_limit_is_refused_before_it_is_downloaded(monkeypatch, logged_runs):
    from app.ui import uploads

    monkeypatch.setenv(ALLOWED_URIS_ENV, logged_runs.uri)
    monkeypatch.setitem(uploads.LIMITS_MB, "models", 0)
    at = _read(_choose(new_app("data"), KIND), MODEL_NAME)
    at.button(key="w.mlflow.add").click().run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "over the 0 MB limit for a model file" in errors[0], errors
    assert not at.session_state[state.UPLOADS].get("models")
