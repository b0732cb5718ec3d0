"""Evaluations run in worker processes: limits, queue, cancel, results as JSON, sessions that end.

The ``_task_*`` functions are worker targets: a worker process imports this module by name and calls
one of them (so the module's top level stays light: no streamlit, no pandas).
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import shutil
import socket
import time
from pathlib import Path

import pytest

from app.ui import workers

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "sample_data" / "models"
ME = "test_app_workers"


# ---- worker targets ---------------------------------------------------------------------------------
def _task_pid(payload: bytes, emit) -> str:
    emit("progress", "x", "load")
    return json.dumps({"pid": os.getpid(), "echo": payload.decode()})


def _task_hog(payload: bytes, emit) -> str:
    hog = bytearray(int(payload.decode()))  # more than the address-space limit
    return str(len(hog))


def _task_sleep(payload: bytes, emit) -> str:
    emit("progress", "x", "started")
    time.sleep(float(payload.decode()))
    return "slept"


def _task_connect(payload: bytes, emit) -> str:
    try:
        socket.create_connection(("127.0.0.1", int(payload.decode())), timeout=2).close()
    except OSError as exc:
        return f"refused: {exc}"
    return "connected"


def _task_garbage(payload: bytes, emit) -> str:
    return "not a scorecard"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _pool(**kw) -> workers.WorkerPool:
    # nice 0: at the default 19 a machine busy with other work (other people's test runs) starves the
    # workers past these tests' waits; the priority has a test of its own
    limits = kw.pop("limits", workers.Limits(memory_bytes=2 * workers.GIB, wall_seconds=60, nice=0))
    return workers.WorkerPool(workers.PoolSettings(workers=kw.pop("n", 1), limits=limits, grace_seconds=1, **kw))


def _wait_for(predicate, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


# ---- the pool ---------------------------------------------------------------------------------------
def test_a_worker_yields_the_cpu_by_its_nice_value_and_its_autogroup():
    # A worker leads a session of its own, so with scheduler autogroups (Linux) its nice value alone
    # counts only against its own threads: the autogroup's nice is what gives the server the CPU first.
    # The child reports what the kernel has (read back) before it imports the task's module.
    pool = _pool(limits=workers.Limits(memory_bytes=2 * workers.GIB, wall_seconds=60, nice=19))
    task = pool.submit(f"{ME}:_task_sleep", b"60")
    _wait_for(lambda: "nice" in task.applied or task.finished.is_set(), timeout=60)
    pool.cancel(task)
    assert task.wait(30)
    autogroups = Path("/proc/self/autogroup").exists()
    assert task.applied["nice"] == ("19; autogroup 19" if autogroups else "19"), task.applied
    assert task.outcome == workers.CANCELLED


def test_the_worker_nice_value_comes_from_the_environment(monkeypatch):
    from analysis._errors import InputError

    assert workers.settings_from_env({}).limits.nice == 19
    assert workers.settings_from_env({"TRADEOFFS_APP_WORKER_NICE": "5"}).limits.nice == 5
    for bad in ("20", "-1", "low"):
        with pytest.raises(InputError, match=r"TRADEOFFS_APP_WORKER_NICE=.* from 0 to 19"):
            workers.settings_from_env({"TRADEOFFS_APP_WORKER_NICE": bad})
    monkeypatch.setenv(workers.ENV_NICE, "15")
    monkeypatch.setattr(workers, "_CHECK_POOL", None)
    assert workers.check_pool().settings.limits.nice == workers.CHECK_NICE  # a user waits for the model check


def test_a_task_runs_in_another_process_with_its_limits_and_answers_in_json():
    pool = _pool()
    events = []
    task = pool.submit(f"{ME}:_task_pid", b"hello", on_event=events.append)
    assert task.wait(60) and task.outcome == workers.RESULT
    answer = json.loads(task.result)
    assert answer == {"pid": task.pid, "echo": "hello"} and task.pid != os.getpid()
    assert events == [("progress", "x", "load")]
    assert task.applied["memory"] == "2 GiB" and task.applied["threads"] == "1"
    assert not _alive(task.pid) and pool.counts() == (0, 0)


def test_the_evaluation_in_a_worker_gives_the_scorecard_of_the_in_process_pipeline():
    from datetime import UTC, datetime

    import pandas as pd

    from analysis.evaluation import EvalSettings, prepare_data
    from analysis.pipeline import Stages
    from analysis.scorecard import scorecard_to_json
    from app.ui import jobs

    frame = pd.read_parquet(ROOT / "sample_data" / "test.parquet").sample(200, random_state=0)
    data = prepare_data(frame, source="impressions", target="ordered", positive_label=1, sensitive=["income_band"])
    kwargs = {
        "data": data,
        "model_paths": [MODELS / "logistic_regression.skops"],
        "prediction_paths": [],
        "settings": EvalSettings(n_bootstrap=10),
        "stages": Stages(),
        "trust_pickle": False,
        "join": "auto",
        "incumbent": None,
        "train_source": None,
        "now": datetime(2026, 1, 2, tzinfo=UTC),
    }
    here = jobs.evaluate(**kwargs, progress=lambda c, s: None)
    pool = _pool()
    events = []
    task = pool.submit("app.ui.jobs:evaluate_in_worker", pickle.dumps(kwargs), on_event=events.append)
    assert task.wait(120) and task.outcome == workers.RESULT, task.details
    assert task.result == scorecard_to_json(here)  # the same record, byte for byte
    assert ("progress", "logistic_regression", "load") in events and task.pid != os.getpid()


def test_a_worker_over_the_memory_limit_is_stopped_with_a_sentence_naming_the_limit():
    pool = _pool(limits=workers.Limits(memory_bytes=1 * workers.GIB, wall_seconds=60))
    task = pool.submit(f"{ME}:_task_hog", str(3 * workers.GIB).encode())
    assert task.wait(60) and task.outcome == workers.MEMORY
    assert workers.limit_message(task).startswith(
        "The evaluation went over the 1 GiB memory limit of its worker and was stopped;"
    )
    assert workers.ENV_MEMORY in workers.limit_message(task)


def test_a_worker_over_the_time_limit_is_killed():
    pool = _pool(limits=workers.Limits(memory_bytes=None, wall_seconds=1.5))
    task = pool.submit(f"{ME}:_task_sleep", b"60")
    assert task.wait(30) and task.outcome == workers.TIME
    assert "over the 1.5 s time limit" in workers.limit_message(task)
    assert not _alive(task.pid) and pool.counts() == (0, 0)


def test_cancel_stops_the_process_and_frees_its_slot_for_the_next_task():
    pool = _pool()
    first = pool.submit(f"{ME}:_task_sleep", b"60")
    second = pool.submit(f"{ME}:_task_pid", b"next")
    _wait_for(lambda: first.pid is not None)
    assert pool.position(second) == 1 and second.state == workers.WAITING
    pool.cancel(first)
    assert first.wait(10) and first.outcome == workers.CANCELLED and not _alive(first.pid)
    assert second.wait(60) and second.outcome == workers.RESULT and pool.position(second) is None


def test_a_full_queue_refuses_with_one_sentence():
    pool = _pool(queue_size=1)
    running, waiting = pool.submit(f"{ME}:_task_sleep", b"60"), pool.submit(f"{ME}:_task_sleep", b"60")
    with pytest.raises(workers.Busy) as refused:
        pool.submit(f"{ME}:_task_sleep", b"60")
    assert refused.value.message == (
        "The server is busy: 1 evaluation(s) running and 1 waiting, the most it takes; try again in a few minutes."
    )
    assert pool.cancel_session("nobody") == 0
    pool.shutdown()
    assert running.outcome == waiting.outcome == workers.CANCELLED


def test_cancelling_a_session_cancels_its_waiting_and_running_tasks_only():
    pool = _pool()
    mine = [pool.submit(f"{ME}:_task_sleep", b"60", session="a") for _ in range(2)]
    theirs = pool.submit(f"{ME}:_task_pid", b"b", session="b")
    assert pool.cancel_session("a") == 2
    assert all(t.wait(10) and t.outcome == workers.CANCELLED for t in mine)
    assert theirs.wait(60) and theirs.outcome == workers.RESULT


def test_a_worker_has_no_network():
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        task = _pool().submit(f"{ME}:_task_connect", str(listener.getsockname()[1]).encode())
        assert task.wait(60) and task.outcome == workers.RESULT
    finally:
        listener.close()
    if not task.applied["network"].startswith("off"):
        pytest.skip(f"this platform cannot isolate the network: {task.applied['network']}")
    assert task.result.startswith("refused")


def test_an_unreadable_result_is_one_sentence_with_an_error_id_in_the_log(caplog):
    from app.ui import jobs

    job = jobs.EvaluationJob(candidates=["m"], model_paths=[Path("m.skops")])
    task = _pool().submit(f"{ME}:_task_garbage", b"", on_done=job._on_done)
    assert task.wait(60) and job.done and job.result is None
    assert job.failure.startswith("Something went wrong while reading the evaluation's result; error id ")
    error_id = job.failure.split("error id ")[1][:6]
    assert any(error_id in r.getMessage() and "Traceback" in r.getMessage() for r in caplog.records)


def test_settings_come_from_the_environment_and_a_bad_value_names_the_variable():
    from analysis._errors import InputError

    s = workers.settings_from_env({"TRADEOFFS_APP_WORKERS": "0", "TRADEOFFS_APP_WORKER_TIME_LIMIT_S": "90"})
    assert s.workers == 0 and s.limits.wall_seconds == 90 and s.queue_size == 8
    with pytest.raises(InputError, match="TRADEOFFS_APP_QUEUE='many' is not a whole number of at least 0"):
        workers.settings_from_env({"TRADEOFFS_APP_QUEUE": "many"})


def test_a_worker_never_runs_the_servers_main_script(tmp_path, monkeypatch):
    import sys
    import types

    marker, script = tmp_path / "ran", tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)  # what Streamlit does while a page script runs
    monkeypatch.setitem(sys.modules, "__main__", page)
    task = _pool().submit(f"{ME}:_task_pid", b"x")
    assert task.wait(60) and task.outcome == workers.RESULT and not marker.exists()


def test_model_files_are_checked_against_the_data_in_a_worker(tmp_path):
    import pandas as pd

    from app.ui import jobs

    data = tmp_path / "impressions.parquet"
    pd.read_parquet(ROOT / "sample_data" / "test.parquet").head(200).to_parquet(data)
    broken = tmp_path / "broken.skops"
    broken.write_bytes(b"not a zip")
    pool = _pool()
    good, bad = jobs.check_models(
        data, [MODELS / "logistic_regression.skops", broken], data_source="impressions.parquet", trust_pickle=False,
        pool=pool,
    )  # fmt: skip
    assert good.ok and good.name == "logistic_regression"
    assert not bad.ok and "broken.skops" in bad.reason
    assert jobs.check_models(data, [], data_source="x", trust_pickle=False, pool=pool) == []


# ---- sessions that end --------------------------------------------------------------------------------
def test_a_session_disconnected_past_the_grace_period_is_cleaned_up_once(tmp_path):
    alive, now = {"s1": True}, [0.0]
    watch = workers.SessionWatch(is_alive=lambda sid: alive[sid], grace_seconds=120, interval=0, clock=lambda: now[0])
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "data.csv").write_text("a\n1\n")
    pool = _pool()
    task = pool.submit(f"{ME}:_task_sleep", b"60", session="key1")
    watch.track("key1", "uploads", lambda: shutil.rmtree(folder), runtime_id="s1")
    watch.track("key1", "evaluations", lambda: pool.cancel_session("key1"), runtime_id="s1")
    now[0] = 500.0
    assert watch.check() == []  # still connected
    alive["s1"] = False
    now[0] = 560.0
    assert watch.check() == [] and folder.exists()  # may reconnect within the grace period
    now[0] = 621.0
    assert watch.check() == ["key1"]
    assert not folder.exists() and task.wait(10) and task.outcome == workers.CANCELLED
    assert watch.check() == [] and watch.tracked() == []


def test_queued_sessions_see_their_place_and_a_dropped_session_leaves_nothing_behind(monkeypatch, request):
    import io

    import pandas as pd
    from _app_helpers import new_app, run_until, texts, widget

    from app.ui.state import UPLOAD_DIR, WORKER_TOKEN

    # the only worker is busy (cancelled below, never timed out: on a busy machine the two sessions' set-up
    # can take a minute) and evaluations wait
    pool = _pool(limits=workers.Limits(memory_bytes=2 * workers.GIB, wall_seconds=900, nice=0))
    blocker = pool.submit(f"{ME}:_task_sleep", b"900")
    request.addfinalizer(pool.shutdown)  # pass or fail, no worker is left sleeping
    monkeypatch.setattr(workers, "_POOL", pool)
    monkeypatch.setenv(workers.ENV_NICE, "0")  # the model check's pool, as _pool() (made anew from the setting)
    monkeypatch.setattr(workers, "_CHECK_POOL", None)
    buf = io.BytesIO()
    pd.read_parquet(ROOT / "sample_data" / "test.parquet").sample(200, random_state=0).to_parquet(buf)
    files = [("logistic_regression.skops", (MODELS / "logistic_regression.skops").read_bytes(), "x/y")]

    def evaluate_in_a_new_session():
        at = new_app("data")
        widget(at, "file_uploader", "Evaluation data").set_value(("mine.parquet", buf.getvalue(), "x/y"))
        at.run()
        at.number_input(key="w.eval.bootstrap").set_value(0).run()
        widget(at, "file_uploader", "Model files").set_value(files)
        at.run()
        at.button(key="w.eval.go").click().run()
        return at

    gone, stays = evaluate_in_a_new_session(), evaluate_in_a_new_session()
    assert "Waiting for a free worker: number 1 in the queue" in texts(gone)
    assert "Waiting for a free worker: number 2 in the queue" in texts(stays)
    folder = gone.session_state[UPLOAD_DIR].path
    key = gone.session_state[WORKER_TOKEN].key
    assert any(folder.rglob("mine.parquet")) and key in workers.session_watch().tracked()

    del gone  # Streamlit drops a closed tab's state: its uploads and its queued evaluation go with it
    gc.collect()
    assert not folder.exists() and key not in workers.session_watch().tracked()
    stays.run()
    assert "number 1 in the queue" in texts(stays) and pool.counts() == (1, 1)

    pool.cancel(blocker)
    run_until(stays, lambda a: "Evaluated 1 candidate" in texts(a), timeout=120)
    assert not stays.exception
