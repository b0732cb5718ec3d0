"""Data & models: uploads, size limits, errors next to their upload, evaluation with progress and cancel."""

from __future__ import annotations

import io
import json
import threading
import time

import pandas as pd
import pytest
from _app_helpers import FIXTURE, ROOT, csv_bytes, goto, new_app, run_until, texts, widget

from app.ui import jobs, uploads, workers

MODELS = ROOT / "sample_data" / "models"


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


@pytest.fixture(scope="module")
def small_test_parquet() -> bytes:
    return _parquet(pd.read_parquet(ROOT / "sample_data" / "test.parquet").sample(800, random_state=0))


@pytest.fixture(scope="module")
def small_train_parquet() -> bytes:
    return _parquet(pd.read_parquet(ROOT / "sample_data" / "train.parquet").sample(600, random_state=0))


def _in_process_evaluations(monkeypatch) -> None:
    """Evaluations in the server process (``TRADEOFFS_APP_WORKERS=0``), so a monkeypatched pipeline is the one run.

    The default pool starts worker processes, which import the real ``jobs.run_evaluation``.
    """
    monkeypatch.setattr(workers, "_POOL", workers.WorkerPool(workers.PoolSettings(workers=0)))


def _choose(at, label: str):
    widget(at, "radio", "What do you have?").set_value(label).run()
    return at


def _upload_dataset(at, data: bytes):
    widget(at, "file_uploader", "Evaluation data").set_value(("impressions.parquet", data, "application/octet-stream"))
    at.run()
    at.number_input(key="w.eval.bootstrap").set_value(50).run()
    return at


def _upload_training(at, data: bytes, name: str = "train.parquet"):
    widget(at, "file_uploader", "Training data").set_value((name, data, "application/octet-stream"))
    at.run()
    return at


def _upload_models(at, *names: str):
    files = [(f"{n}.skops", (MODELS / f"{n}.skops").read_bytes(), "application/octet-stream") for n in names]
    widget(at, "file_uploader", "Model files").set_value(files)
    at.run()
    return at


def test_metrics_table_with_a_direction_per_column_becomes_the_scorecard():
    table = pd.DataFrame(
        {"candidate": ["a", "b", "c"], "roc_auc": [0.8, 0.85, 0.7], "p99_ms": [12.0, 40.0, 5.0], "notes": list("xyz")}
    )
    at = _choose(new_app("data"), "A metrics table: one row per candidate")
    widget(at, "file_uploader", "Metrics table").set_value(("sweep.csv", csv_bytes(table), "text/csv"))
    at.run()
    assert widget(at, "selectbox", "roc_auc").value == "higher is better"  # a known metric
    assert widget(at, "selectbox", "p99_ms").value == "leave out"  # unknown: the user decides
    widget(at, "selectbox", "p99_ms").set_value("lower is better").run()
    at.button(key="w.table.go").click().run()
    assert "Loaded sweep.csv" in texts(at)
    assert "your scorecard" in "\n".join(m.value for m in at.sidebar.markdown)
    goto(at, "scorecard")
    shown = at.dataframe[0].value
    assert list(shown.index) == ["a", "b", "c"] and any(c.startswith("p99_ms ↓") for c in shown.columns)


def test_a_file_that_is_not_a_scorecard_is_refused_next_to_its_upload():
    at = _choose(new_app("data"), "A scorecard made by `tradeoffs evaluate`")
    widget(at, "file_uploader", "Scorecard").set_value(("broken.json", b'{"a": 1}', "application/json"))
    at.run()
    messages = [e.value for e in at.error]
    assert len(messages) == 1 and messages[0].startswith("broken.json is not a Tradeoffs scorecard")
    assert "tradeoffs-upload" not in messages[0]  # the session folder stays out of messages
    assert not at.exception


def test_a_scorecard_file_becomes_the_active_scorecard(builtin):
    from analysis.scorecard import scorecard_to_json

    at = _choose(new_app("data"), "A scorecard made by `tradeoffs evaluate`")
    text = scorecard_to_json(builtin).encode()
    widget(at, "file_uploader", "Scorecard").set_value(("mine.json", text, "application/json"))
    at.run()
    assert "Loaded mine.json" in texts(at)
    assert at.radio(key=next(r.key for r in at.sidebar.radio)).value == "Yours"


def test_an_oversized_upload_names_the_file_and_the_limit(monkeypatch):
    monkeypatch.setitem(uploads.LIMITS_MB, "scorecard", 1)
    at = _choose(new_app("data"), "A scorecard made by `tradeoffs evaluate`")
    widget(at, "file_uploader", "Scorecard").set_value(("huge.json", b" " * (3 * uploads.MB), "application/json"))
    at.run()
    assert any("huge.json is 3 MB, over the 1 MB limit for a scorecard" in e.value for e in at.error)


def test_dataset_and_model_evaluated_in_the_browser(small_test_parquet, small_train_parquet):
    at = _upload_dataset(new_app("data"), small_test_parquet)
    widget(at, "multiselect", "Sensitive attributes").set_value(["income_band"]).run()
    widget(at, "selectbox", "Time column").set_value("timestamp").run()
    _upload_models(at, "logistic_regression", "decision_tree")
    _upload_training(at, small_train_parquet)
    assert widget(at, "checkbox", "Feature drift").value is True  # automatic with training data
    at.button(key="w.eval.go").click().run()
    run_until(at, lambda a: "Evaluated 2 candidates" in texts(a))
    assert not at.exception
    goto(at, "scorecard")
    assert list(at.dataframe[0].value.index) == ["logistic_regression", "decision_tree"]
    goto(at, "fairness")
    assert "income_band" in widget(at, "selectbox", "Sensitive attribute").options
    goto(at, "drift")
    assert "No feature drift" not in texts(at) and "No backtest" in texts(at)  # the backtest was not asked for
    assert "training data" in texts(at)


def test_the_stage_controls_follow_the_training_data_and_the_time_column(small_test_parquet, small_train_parquet):
    at = _upload_dataset(new_app("data"), small_test_parquet)
    assert not widget(at, "checkbox", "Measure serving (quick mode; the whole server's timing is affected").value
    assert not widget(at, "checkbox", "Explain with SHAP").value
    drift, backtest = widget(at, "checkbox", "Feature drift"), widget(at, "checkbox", "Backtest (refit on older data)")
    assert drift.disabled and not drift.value and backtest.disabled
    _upload_training(at, small_train_parquet)
    assert widget(at, "selectbox", "Time column").value == "timestamp"  # proposed: a datetime column
    assert widget(at, "checkbox", "Feature drift").value and not widget(at, "checkbox", "Backtest").disabled
    widget(at, "selectbox", "Time column").set_value("(none)").run()
    assert widget(at, "checkbox", "Backtest").disabled  # no time column
    widget(at, "selectbox", "Time column").set_value("timestamp").run()
    assert not widget(at, "checkbox", "Backtest").disabled


def test_the_chosen_stages_reach_the_pipeline_with_a_bar_per_stage(
    small_test_parquet, small_train_parquet, monkeypatch
):
    from analysis.scorecard import load_scorecard
    from analysis.serving import ServingSettings

    seen, release = {}, threading.Event()

    def pipeline(data, models, prediction_files=(), *, now, settings, stages, progress, join, incumbent, limits):
        seen.update(stages=stages, names=stages.names(), time=data.time, join=join, incumbent=incumbent, limits=limits)
        for m in models:
            progress(m.name, "predict")
        release.wait(300)  # set by the test once it has seen the first bar
        for stage in stages.names()[1:]:
            for m in models:
                progress(m.name, stage)
        return load_scorecard(FIXTURE)

    monkeypatch.setattr(jobs, "run_evaluation", pipeline)

    _in_process_evaluations(monkeypatch)
    at = _upload_dataset(new_app("data"), small_test_parquet)
    widget(at, "selectbox", "Time column").set_value("timestamp").run()
    _upload_models(at, "logistic_regression")
    _upload_training(at, small_train_parquet)
    for label in ("Measure serving", "Explain with SHAP", "Backtest"):
        widget(at, "checkbox", label).check().run()
    at.button(key="w.eval.go").click().run()
    run_until(at, lambda a: any("predicted" in str(p.proto.text) for p in a.get("progress")))
    assert "load → predict → metrics → serving → explain → backtest" in texts(at)
    bar = at.get("progress")[0]
    assert str(bar.proto.text) == "logistic_regression: predicted (2 of 6) · next: metrics"
    release.set()
    run_until(at, lambda a: "Evaluated 10 candidates" in texts(a))
    stages = seen["stages"]
    assert seen["names"] == ("predict", "metrics", "serving", "explain", "backtest")
    assert stages.serving == ServingSettings.quick_mode()
    assert stages.explain.total_budget_seconds == jobs.EXPLAIN_BUDGET_S == 30
    assert stages.backtest and pd.api.types.is_datetime64_any_dtype(stages.train_frame["timestamp"])
    assert seen["join"] == "auto" and seen["incumbent"] is None  # join on a shared id; no incumbent chosen
    assert seen["limits"] == uploads.limits()  # the server's size limits reach the pipeline's own reads


def test_training_data_without_the_models_features_is_refused_next_to_its_upload(
    small_test_parquet, small_train_parquet
):
    at = _upload_dataset(new_app("data"), small_test_parquet)
    _upload_models(at, "logistic_regression")
    frame = pd.read_parquet(io.BytesIO(small_train_parquet)).drop(columns=["distance_km"])
    _upload_training(at, _parquet(frame), name="old.parquet")
    at.button(key="w.eval.go").click().run()
    run_until(at, lambda a: bool(a.error))
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "'distance_km' is not in old.parquet" in errors[0]
    assert not at.exception and "tradeoffs-upload" not in errors[0]


def test_a_column_error_is_shown_next_to_the_column(small_test_parquet):
    at = _upload_dataset(new_app("data"), small_test_parquet)
    widget(at, "selectbox", "Time column").set_value("cuisine").run()
    _upload_models(at, "logistic_regression")
    at.button(key="w.eval.go").click().run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "time column 'cuisine'" in errors[0]


def test_a_broken_model_file_is_reported_before_the_evaluation(small_test_parquet):
    at = _upload_dataset(new_app("data"), small_test_parquet)
    widget(at, "file_uploader", "Model files").set_value(("broken.skops", b"not a zip", "application/octet-stream"))
    at.run()
    assert any("broken.skops" in e.value for e in at.error)  # checked on upload, listed by the Evaluate button
    assert at.button(key="w.eval.go").disabled  # nothing left to evaluate
    assert not at.exception


def test_cancel_stops_the_evaluation_between_stages(small_test_parquet, monkeypatch):
    def slow(data, models, prediction_files=(), *, progress, **kw):
        # Reports progress until cancelled (the cancel takes effect at a progress call); bounded at 300 s so
        # a busy machine (AppTest reruns take seconds there) cannot outlast it, and a bug cannot hang the suite.
        end = time.monotonic() + 300
        while time.monotonic() < end:
            for m in models:
                progress(m.name, "predict")
            time.sleep(0.05)
        raise AssertionError("not cancelled")

    monkeypatch.setattr(jobs, "run_evaluation", slow)

    _in_process_evaluations(monkeypatch)
    at = _upload_models(_upload_dataset(new_app("data"), small_test_parquet), "logistic_regression")
    at.button(key="w.eval.go").click().run()
    assert any(p.value for p in at.get("progress")) or at.get("progress")
    at.button(key="w.eval.cancel").click().run()
    run_until(at, lambda a: "Evaluation cancelled" in texts(a))


def test_a_cancel_before_the_first_stage_keeps_nothing(small_test_parquet):
    from analysis.evaluation import EvalSettings, prepare_data
    from analysis.pipeline import Stages

    frame = pd.read_parquet(io.BytesIO(small_test_parquet))
    data = prepare_data(frame, source="impressions", target="ordered", positive_label=1)
    job = jobs.EvaluationJob(candidates=["logistic_regression"], model_paths=[MODELS / "logistic_regression.skops"])
    job.cancel()
    job._run(data, [], EvalSettings(n_bootstrap=0), Stages(), False)
    assert job.cancelled and job.result is None and job.done


def test_pickle_models_need_the_operator_and_are_flagged(monkeypatch):
    at = new_app("data")
    assert "pkl" not in widget(at, "file_uploader", "Model files").allowed_type
    monkeypatch.setenv("TRADEOFFS_TRUST_PICKLE", "1")
    at = new_app("data")
    assert {"pkl", "joblib"} <= {t.lstrip(".") for t in widget(at, "file_uploader", "Model files").allowed_type}
    assert any("Loading a pickle runs any code" in w.value for w in at.warning)


def test_upload_folder_belongs_to_the_session_and_is_removed_with_it():
    import gc

    from app.ui.state import SessionDir

    folder = SessionDir()
    (folder.path / "x.csv").write_text("a\n1\n")
    path = folder.path
    del folder
    gc.collect()
    assert not path.exists()


def test_switching_back_to_the_builtin_scenario():
    table = pd.DataFrame({"candidate": ["a", "b"], "roc_auc": [0.8, 0.7]})
    at = _choose(new_app("data"), "A metrics table: one row per candidate")
    widget(at, "file_uploader", "Metrics table").set_value(("t.csv", csv_bytes(table), "text/csv"))
    at.run()
    at.button(key="w.table.go").click().run()
    at.button(key="w.data.to_builtin").click().run()
    assert "the built-in scenario" in "\n".join(m.value for m in at.sidebar.markdown)
    assert json.dumps(at.query_params) is not None
