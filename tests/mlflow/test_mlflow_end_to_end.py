"""From MLflow and back, through the real `tradeoffs` command and a real tracking server.

Five runs (scikit-learn, XGBoost, LightGBM) are logged and registered (conftest.py); the test
imports them, evaluates the loadable ones on the same rows, decides, logs the decision,
publishes it to the registry, and reads the alias back from MLflow.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from _server import MODEL_NAME

sys.path.insert(0, str(Path(__file__).parents[1] / "public_data"))
from _public_cli import run_cli  # noqa: E402

pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")

LOADABLE = ("logreg", "hgb", "xgb", "lgbm")


def _client(uri: str):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def test_import_registered_model_keeps_metrics_params_and_which_models_load(logged_runs, tmp_path):
    out = tmp_path / "imported.json"
    result = run_cli(
        ["import", "mlflow", "--tracking-uri", logged_runs.uri, "--registered-model", MODEL_NAME, "--out", out]
    )
    assert result.code == 0, result.describe()
    card = json.loads(out.read_text())
    names = [c["name"] for c in card["candidates"]]
    assert sorted(names) == sorted(f"{MODEL_NAME} v{v}" for v in logged_runs.versions.values())
    values = {(m["candidate"], m["objective"]): m["value"] for m in card["metrics"]}
    by_run = {}
    for c in card["candidates"]:
        info = c["source"]["mlflow"]
        run = next(k for k, rid in logged_runs.run_ids.items() if rid == info["run_id"])
        by_run[run] = c
        assert values[(c["name"], "roc_auc")] == pytest.approx(logged_runs.auc[run], abs=1e-12)
        assert c["source"]["params"]["family"] == run
        assert c["source"]["tags"]["team"] == "release-desk"
        assert info["model_uri"] == f"models:/{MODEL_NAME}/{logged_runs.versions[run]}"
    assert {r for r, c in by_run.items() if c["source"]["mlflow"]["loadable"]} == set(LOADABLE)
    assert by_run["xgb"]["source"]["mlflow"]["flavor"] == "xgboost"
    assert by_run["lgbm"]["source"]["mlflow"]["flavor"] == "lightgbm"
    assert "cloudpickle" in by_run["forest"]["source"]["mlflow"]["reason"]
    assert "--trust-pickle" in by_run["forest"]["source"]["mlflow"]["reason"]
    assert (
        "not measured by Tradeoffs on the same rows" in result.stdout
        or "not measured on the same rows" in result.stdout
    )


def test_import_experiment_with_a_filter(logged_runs, tmp_path):
    out = tmp_path / "filtered.json"
    threshold = sorted(logged_runs.auc.values())[2]  # keeps the three best runs
    result = run_cli(
        [
            "import",
            "mlflow",
            "--tracking-uri",
            logged_runs.uri,
            "--experiment",
            "arrests",
            "--filter",
            f"metrics.roc_auc >= {threshold!r}",
            "--objective",
            "roc_auc:max",
            "--out",
            out,
            "--json",
        ]
    )
    assert result.code == 0, result.describe()
    summary = json.loads(result.stdout)
    expected = {n for n, a in logged_runs.auc.items() if a >= threshold}
    assert {c["name"] for c in summary["candidates"]} == expected
    assert summary["objectives"] == ["roc_auc"]


def test_evaluate_decide_publish_and_read_the_alias_back(logged_runs, tmp_path):
    from sklearn.metrics import roc_auc_score

    uris = [f"models:/{MODEL_NAME}/{logged_runs.versions[n]}" for n in LOADABLE]
    scorecard = tmp_path / "scorecard.json"
    argv = ["evaluate", "--data", logged_runs.data_csv, "--target", "released", "--positive-label", "1"]
    argv += ["--sensitive", "colour,sex", "--tracking-uri", logged_runs.uri, "--bootstrap", "50"]
    argv += ["--no-serving", "--no-explain", "--out", scorecard, "--quiet"]
    for uri in uris:
        argv += ["--mlflow-model", uri]
    result = run_cli(argv)
    assert result.code == 0, result.describe()
    card = json.loads(scorecard.read_text())
    values = {(m["candidate"], m["objective"]): m["value"] for m in card["metrics"]}
    y = logged_runs.test["released"].to_numpy()
    for name in LOADABLE:
        candidate = f"{MODEL_NAME} v{logged_runs.versions[name]}"
        expected = roc_auc_score(y, logged_runs.proba(name))
        assert values[(candidate, "roc_auc")] == pytest.approx(expected, abs=1e-9), name
        source = next(c["source"] for c in card["candidates"] if c["name"] == candidate)
        assert source["mlflow"]["registered_model"] == MODEL_NAME
        assert source["mlflow"]["version"] == logged_runs.versions[name]
        assert len(source["sha256"]) == 64

    decision = tmp_path / "decision.json"
    result = run_cli(["decide", "--scorecard", scorecard, "--out", decision])
    assert result.code in (0, 3), result.describe()
    chosen = json.loads(decision.read_text())["chosen"]
    assert chosen is not None
    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    result = run_cli(["log", "add", "--decision", decision, "--scorecard", scorecard, "--db", db])
    assert result.code == 0, result.describe()
    result = run_cli(
        ["log", "publish", "1", "--mlflow-register", f"models:/{MODEL_NAME}", "--require-signoffs", "1", "--db", db]
    )
    assert result.code == 2 and "sign-off" in result.stderr, result.describe()
    run_cli(["log", "signoff", "1", "--role", "Risk", "--name", "A. Auditor", "--db", db])
    result = run_cli(
        [
            "log",
            "publish",
            "1",
            "--mlflow-register",
            f"models:/{MODEL_NAME}",
            "--tracking-uri",
            logged_runs.uri,
            "--require-signoffs",
            "1",
            "--by",
            "release bot",
            "--db",
            db,
        ]
    )
    assert result.code == 0, result.describe()

    version = chosen.rsplit(" v", 1)[1]
    client = _client(logged_runs.uri)
    champion = client.get_model_version_by_alias(MODEL_NAME, "champion")
    assert champion.version == version
    record_sha = hashlib.sha256(decision.read_bytes()).hexdigest()
    assert champion.tags["tradeoffs.decision_record_sha256"] == record_sha
    assert champion.tags["tradeoffs.decision_id"] == "1"
    artifacts = [a.path for a in client.list_artifacts(champion.run_id, "tradeoffs/decision-1")]
    assert sorted(artifacts) == ["tradeoffs/decision-1/decision_record.json", "tradeoffs/decision-1/report.html"]

    shown = run_cli(["log", "show", "1", "--db", db])
    assert f"alias 'champion' of {MODEL_NAME} -> version {version}" in shown.stdout, shown.describe()
    verified = run_cli(["log", "verify", "--db", db])
    assert verified.code == 0 and "Intact: 3 entries" in verified.stdout, verified.describe()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["import", "mlflow", "--experiment", "nope"], "no experiment named 'nope'"),
        (["import", "mlflow", "--registered-model", "nope"], "no model named 'nope'"),
        (["import", "mlflow", "--experiment", "arrests", "--objective", "pr_auc:max"], "logged a metric 'pr_auc'"),
    ],
)
def test_bad_requests_are_one_line(logged_runs, tmp_path, argv, expected):
    out = tmp_path / "x.json"
    result = run_cli([*argv, "--tracking-uri", logged_runs.uri, "--out", out])
    assert result.code == 2, result.describe()
    assert expected in result.stderr and result.stderr.count("\n") == 1, result.describe()
    assert "Traceback" not in result.stderr and not out.exists()


def test_a_pickled_flavor_is_refused_and_an_unreachable_server_named(logged_runs, tmp_path):
    base = ["evaluate", "--data", logged_runs.data_csv, "--target", "released", "--no-serving", "--no-explain"]
    out = tmp_path / "sc.json"
    uri = f"models:/{MODEL_NAME}/{logged_runs.versions['forest']}"
    result = run_cli([*base, "--tracking-uri", logged_runs.uri, "--mlflow-model", uri, "--out", out])
    assert result.code == 2 and "--trust-pickle" in result.stderr and result.stderr.count("\n") == 1, result.describe()
    result = run_cli(
        [*base, "--tracking-uri", logged_runs.uri, "--mlflow-model", f"models:/{MODEL_NAME}/99", "--out", out]
    )
    assert result.code == 2 and "no version 99" in result.stderr, result.describe()
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    result = run_cli(["import", "mlflow", "--tracking-uri", dead, "--experiment", "arrests", "--out", out])
    assert result.code == 2 and "no MLflow tracking server answers" in result.stderr, result.describe()
    assert not out.exists()


def test_a_chosen_run_model_not_yet_registered_under_the_target_is_registered_then_aliased(logged_runs, tmp_path):
    client = _client(logged_runs.uri)
    model_ids = {}
    for name in ("xgb", "lgbm"):
        run = client.get_run(logged_runs.run_ids[name])
        model_ids[name] = run.outputs.model_outputs[0].model_id
    scorecard, decision = tmp_path / "sc.json", tmp_path / "decision.json"
    argv = ["evaluate", "--data", logged_runs.data_csv, "--target", "released", "--positive-label", "1"]
    argv += ["--tracking-uri", logged_runs.uri, "--bootstrap", "20", "--no-serving", "--no-explain", "--quiet"]
    argv += ["--mlflow-model", f"models:/{model_ids['xgb']}", "--mlflow-model", f"models:/{model_ids['lgbm']}"]
    result = run_cli([*argv, "--out", scorecard])
    assert result.code == 0, result.describe()
    card = json.loads(scorecard.read_text())
    assert sorted(c["name"] for c in card["candidates"]) == ["lgbm", "xgb"]  # named after their runs
    assert {c["source"]["path"] for c in card["candidates"]} == {f"models:/{i}" for i in model_ids.values()}
    assert run_cli(["decide", "--scorecard", scorecard, "--out", decision]).code in (0, 3)
    chosen = json.loads(decision.read_text())["chosen"]
    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    assert run_cli(["log", "add", "--decision", decision, "--scorecard", scorecard, "--db", db]).code == 0
    target = "arrests-release-champions"
    result = run_cli(
        ["log", "publish", "1", "--mlflow-register", f"models:/{target}", "--tracking-uri", logged_runs.uri, "--db", db]
    )
    assert result.code == 0, result.describe()
    assert f"registered model '{target}' created" in result.stdout
    champion = client.get_model_version_by_alias(target, "champion")
    assert champion.version == "1" and champion.run_id == logged_runs.run_ids[chosen]
    again = run_cli(
        ["log", "publish", "1", "--mlflow-register", f"models:/{target}", "--tracking-uri", logged_runs.uri, "--db", db]
    )
    assert again.code == 0, again.describe()  # the same model: the same version, no new one
    assert [v.version for v in client.search_model_versions(f"name='{target}'")] == ["1"]
