"""``tradeoffs import``: candidates from where teams keep them (an MLflow tracking server and registry)."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import click

from analysis._errors import InputError


@click.group("import")
def import_() -> None:
    """Bring candidates in from elsewhere: an MLflow experiment's runs or a registered model's versions.

    \b
    tradeoffs import mlflow --tracking-uri http://127.0.0.1:5000 --experiment churn --out runs.json
    tradeoffs import mlflow --registered-model churn --versions 3,4 --out versions.json
    """  # noqa: D301 - "\b" keeps click from rewrapping the examples


@import_.command("mlflow")
@click.option("--tracking-uri", metavar="URI", help="The tracking server (default: $MLFLOW_TRACKING_URI).")
@click.option("--experiment", metavar="NAME", help="Import this experiment's runs, one candidate per run.")
@click.option(
    "--filter",
    "filter_string",
    metavar="EXPR",
    help="MLflow's run filter, e.g. \"metrics.roc_auc > 0.7 and params.max_depth = '4'\" (with --experiment).",
)
@click.option("--registered-model", metavar="NAME", help="Import this registered model's versions, one candidate each.")
@click.option("--versions", multiple=True, metavar="N[,N]", help="Versions to import (default: all).")
@click.option(
    "--objective",
    "objectives",
    multiple=True,
    metavar="NAME:max|min",
    help="Import this metric with this direction (repeatable). Default: every metric named like a known objective.",
)
@click.option("--max-runs", type=click.IntRange(1, 100_000), default=1000, show_default=True)
@click.option("--trust-pickle", is_flag=True, help="Count pickled models as loadable (loading a pickle runs its code).")
@click.option("--trust-type", multiple=True, help="Extra type to trust in skops files (fully qualified name).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Scorecard JSON to write.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary on stdout.")
def mlflow(
    tracking_uri: str | None,
    experiment: str | None,
    filter_string: str | None,
    registered_model: str | None,
    versions: tuple[str, ...],
    objectives: tuple[str, ...],
    max_runs: int,
    trust_pickle: bool,
    trust_type: tuple[str, ...],
    out: Path,
    as_json: bool,
) -> None:
    """Write a scorecard of MLflow runs' logged metrics, noting which runs' models Tradeoffs can measure.

    The figures are the ones each run logged, on whatever data its author used; to measure the
    models on the same rows, pass the printed model URIs to `tradeoffs evaluate --mlflow-model`.
    """
    from analysis.cli._decision import parse_objective_specs
    from analysis.loading import Limits
    from analysis.scorecard import save_scorecard
    from analysis.tracking import import_runs, mlflow_client, resolve_tracking_uri, runs_scorecard

    uri = resolve_tracking_uri(tracking_uri)
    directions = parse_objective_specs(objectives)
    numbers = [v.strip() for item in versions for v in item.split(",") if v.strip()]
    bad = [v for v in numbers if not v.isdigit()]
    if bad:
        raise InputError(
            f"--versions takes version numbers (3,4), not {', '.join(map(repr, bad))}.", source="--versions"
        )
    if numbers and not registered_model:
        raise InputError("--versions needs --registered-model NAME.", source="--versions")
    limits = Limits.from_environ(os.environ)
    client = mlflow_client(uri)
    imported = import_runs(
        client,
        uri,
        experiment=experiment,
        filter_string=filter_string,
        registered_model=registered_model,
        versions=numbers,
        max_runs=max_runs,
        trust_pickle=trust_pickle,
        trusted_types=trust_type,
        limits=limits,
    )
    scorecard, skipped = runs_scorecard(imported, directions)
    save_scorecard(scorecard, out)
    loadable = imported.loadable_uris()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "scorecard": str(out),
                    "source": imported.what,
                    "tracking_uri": imported.tracking_uri,
                    "objectives": list(scorecard.objective_names),
                    "metrics_not_imported": skipped,
                    "candidates": [
                        {
                            "name": r.name,
                            "run_id": r.run_id,
                            "model_uri": r.model_uri,
                            "flavor": r.model.flavor if r.model else None,
                            "loadable": bool(r.model and r.model.loadable),
                            "reason": (r.model.reason if r.model else "the run logged no model"),
                        }
                        for r in imported.runs
                    ],
                }
            )
        )
        return
    click.echo(
        f"Imported {len(imported.runs)} candidate(s) from MLflow {imported.what} at {imported.tracking_uri}: "
        f"objectives {', '.join(scorecard.objective_names)}; scorecard written to {out}."
    )
    if skipped:
        click.echo(
            f"Metrics not imported (no known direction): {', '.join(skipped)}; add them with --objective NAME:max|min."
        )
    width = max(len(r.name) for r in imported.runs)
    for r in imported.runs:
        if r.model is None:
            state = "no logged model"
        elif r.model.loadable:
            state = f"{r.model.flavor} ({r.model.file}): can be measured"
        else:
            state = f"cannot be measured: {r.model.reason}"
        run = f" (run {r.run_name})" if r.run_name != r.name else ""
        click.echo(f"  {r.name:<{width}}  {r.model_uri or '-'}  {state}{run}")
    click.echo(
        "These are the figures each run logged, not measured on the same rows."
        + (" To measure the loadable models on your data:" if loadable else "")
    )
    if loadable:
        models = " ".join(f"--mlflow-model {shlex.quote(u)}" for u in loadable)
        click.echo(
            f"  tradeoffs evaluate --tracking-uri {shlex.quote(imported.tracking_uri)} --data DATA --target TARGET "
            f"{models} --out scorecard.json"
        )


COMMANDS = [import_]
