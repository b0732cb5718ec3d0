"""MLflow runs (of an experiment, or behind a registered model's versions) as a scorecard.

Each run becomes a candidate whose objectives are the metrics the run logged (its latest value
of each), with directions from the objective registry (``roc_auc`` is "max", ``log_loss``
"min") or given by the user (``--objective NAME:max``). The run's parameters and tags, its ids
and its model (URI, flavor, whether Tradeoffs can load it safely and why not) are kept in the
candidate's source. These are the figures the runs logged, each on whatever data its author
chose; the scorecard says so, and :func:`~analysis.tracking.load_mlflow_model` lets ``tradeoffs
evaluate --mlflow-model`` measure the loadable ones on the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from analysis._errors import InputError
from analysis.loading import DEFAULT_LIMITS, Limits
from analysis.scorecard import FrozenDict, Scorecard, columns_text, scorecard_from_metrics_table
from analysis.tracking._client import display_uri, is_not_found, mlflow_error, versions_filter
from analysis.tracking._models import ModelPlan, ModelRef, plan_model

#: Tags MLflow writes itself that are worth keeping as provenance (the rest of ``mlflow.*`` is dropped).
_KEPT_SYSTEM_TAGS = ("mlflow.source.git.commit", "mlflow.source.name", "mlflow.user")
#: Most runs read from one experiment unless ``max_runs`` says otherwise.
DEFAULT_MAX_RUNS = 1000
#: Runs whose models are looked at concurrently (each look is a few HTTP round trips, not CPU work).
DEFAULT_WORKERS = 8
#: The note every imported candidate carries.
IMPORTED_NOTE = (
    "figures as logged to MLflow by the run (not measured by Tradeoffs on the same rows); measure it with "
    "tradeoffs evaluate --mlflow-model"
)


@dataclass(frozen=True)
class ImportedRun:
    """One MLflow run as a candidate: its metrics, parameters, tags and model."""

    name: str
    run_id: str
    run_name: str
    experiment_id: str
    metrics: dict[str, float]
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    model: ModelPlan | None = None
    registered_model: str | None = None
    version: str | None = None

    @property
    def model_uri(self) -> str | None:
        """The URI ``evaluate --mlflow-model`` takes for this run's model, when it has one."""
        return self.model.ref.uri if self.model is not None else None


@dataclass(frozen=True)
class RunImport:
    """What :func:`import_runs` found: the runs, and where they came from."""

    tracking_uri: str
    what: str
    runs: tuple[ImportedRun, ...]
    skipped_metrics: tuple[str, ...] = ()

    def loadable_uris(self) -> list[str]:
        """Model URIs Tradeoffs can load safely (with the options the import was given)."""
        return [r.model_uri for r in self.runs if r.model is not None and r.model.loadable and r.model_uri]


def in_threads(fn: Any, items: Sequence[Any], workers: int) -> list:
    """``[fn(x) for x in items]``, in order, ``workers`` at a time (the first exception is raised)."""
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="tradeoffs-mlflow") as pool:
        return list(pool.map(fn, items))


def _experiment(client: Any, name: str) -> Any:
    try:
        exp = client.get_experiment_by_name(name)
    except Exception as exc:
        raise mlflow_error(exc, f"looking up experiment {name!r}") from None
    if exp is None:
        try:
            known = [e.name for e in client.search_experiments(max_results=20)]
        except Exception:
            known = []
        hint = f" Experiments there: {columns_text(known, limit=10)}." if known else ""
        raise InputError(f"MLflow has no experiment named {name!r}; check --experiment.{hint}", source="--experiment")
    return exp


def _search_runs(client: Any, experiment_id: str, filter_string: str | None, max_runs: int) -> list[Any]:
    runs: list[Any] = []
    token = None
    while len(runs) < max_runs:
        try:
            page = client.search_runs(
                [experiment_id],
                filter_string=filter_string or "",
                max_results=min(1000, max_runs - len(runs)),
                order_by=["attributes.start_time DESC"],
                page_token=token,
            )
        except Exception as exc:
            what = f"searching runs with --filter {filter_string!r}" if filter_string else "searching runs"
            raise mlflow_error(exc, what) from None
        runs.extend(page)
        token = getattr(page, "token", None)
        if not token:
            break
    return runs


def _logged_locations(client: Any, experiment_id: str) -> dict[str, str]:
    """Every logged model of the experiment and where its files are, in a few paged calls (not one per run)."""
    out: dict[str, str] = {}
    token = None
    try:
        while True:
            page = client.search_logged_models([experiment_id], max_results=1000, page_token=token)
            out.update({m.model_id: m.artifact_location for m in page})
            token = getattr(page, "token", None)
            if not token:
                return out
    except Exception:  # an older server without logged models: each run is looked up on its own
        return out


def _run_model_ref(client: Any, run: Any, locations: dict[str, str] | None = None) -> ModelRef | None:
    """The run's logged model (MLflow 3: a LoggedModel it output), else a folder with an MLmodel in its artifacts."""
    outputs = getattr(getattr(run, "outputs", None), "model_outputs", None) or []
    name = run.info.run_name or run.info.run_id[:8]
    for output in outputs:
        model_id = getattr(output, "model_id", None)
        if not model_id:
            continue
        location = (locations or {}).get(model_id)
        if location is None:
            try:
                location = client.get_logged_model(model_id).artifact_location
            except Exception:
                continue
        return ModelRef(f"models:/{model_id}", location, name, run_id=run.info.run_id, model_id=model_id)
    try:
        top = client.list_artifacts(run.info.run_id)
    except Exception:
        return None
    for item in top:
        if not item.is_dir:
            continue
        try:
            inner = client.list_artifacts(run.info.run_id, item.path)
        except Exception:
            continue
        if any(not f.is_dir and f.path.rsplit("/", 1)[-1] == "MLmodel" for f in inner):
            uri = f"runs:/{run.info.run_id}/{item.path}"
            return ModelRef(uri, uri, name, run_id=run.info.run_id)
    return None


def _plan(
    ref: ModelRef | None, tracking_uri: str, trust_pickle: bool, trusted: tuple, limits: Limits
) -> ModelPlan | None:
    if ref is None:
        return None
    try:
        return plan_model(ref, tracking_uri, trust_pickle=trust_pickle, trusted_types=trusted, limits=limits)
    except InputError as exc:  # an unreadable model is recorded on its candidate, not fatal to the import
        return ModelPlan(ref, (), reason=str(exc))


def _tags(tags: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in sorted(tags.items()) if not k.startswith("mlflow.") or k in _KEPT_SYSTEM_TAGS}


def import_runs(
    client: Any,
    tracking_uri: str,
    *,
    experiment: str | None = None,
    filter_string: str | None = None,
    registered_model: str | None = None,
    versions: Sequence[str] = (),
    max_runs: int = DEFAULT_MAX_RUNS,
    trust_pickle: bool = False,
    trusted_types: Sequence[str] = (),
    limits: Limits = DEFAULT_LIMITS,
    workers: int = DEFAULT_WORKERS,
) -> RunImport:
    """Read the runs of an experiment (optionally filtered) or the versions of a registered model.

    Parameters
    ----------
    client : MlflowClient
        From :func:`~analysis.tracking.mlflow_client`.
    tracking_uri : str
        The server's URI (kept in the candidates' sources, without a password).
    experiment, registered_model : str
        Exactly one: an experiment's name, or a registered model's (one candidate per version,
        named ``NAME vN``, with the metrics of the run that produced it).
    filter_string : str, optional
        MLflow's run filter (``metrics.roc_auc > 0.7 and params.depth = '4'``), experiments only.
    versions : sequence of str
        Registered-model versions to read (default: all).
    max_runs : int
        Most runs read from an experiment (newest first).
    trust_pickle : bool
        Whether a pickled model counts as loadable (the import itself never loads a model).
    trusted_types : sequence of str
        Types trusted in skops files beyond Tradeoffs' allow-list (``--trust-type``).
    limits : Limits
        A model file larger than ``max_model_file_bytes`` is not loadable.
    workers : int
        Runs looked at concurrently: each costs a few round trips to the server (its model's
        listing and ``MLmodel``), which threads overlap (``bench/bench_mlflow_import.py``).
    """
    if (experiment is None) == (registered_model is None):
        raise InputError("name what to import: --experiment NAME or --registered-model NAME (one of them).")
    trusted = tuple(trusted_types)
    found: list[tuple[Any, ModelRef | None, str | None, str | None, ModelPlan | None]] = []
    if experiment is not None:
        exp = _experiment(client, experiment)
        locations = _logged_locations(client, exp.experiment_id)

        def look(run: Any) -> tuple:
            ref = _run_model_ref(client, run, locations)
            return run, ref, None, None, _plan(ref, tracking_uri, trust_pickle, trusted, limits)

        found = in_threads(look, _search_runs(client, exp.experiment_id, filter_string, max_runs), workers)
        what = f"experiment {experiment!r}" + (f" (runs where {filter_string})" if filter_string else "")
        if not found:
            raise InputError(
                f"MLflow's {what} has no runs" + ("; loosen --filter." if filter_string else "."), source="--experiment"
            )
    else:
        if filter_string:
            raise InputError("--filter applies to an experiment's runs; with --registered-model use --versions.")
        from analysis.tracking._models import resolve_model

        try:
            client.get_registered_model(registered_model)
        except Exception as exc:
            if is_not_found(exc):
                raise InputError(
                    f"MLflow's registry has no model named {registered_model!r}; check --registered-model.",
                    source="--registered-model",
                ) from None
            raise mlflow_error(exc, f"reading registered model {registered_model!r}") from None
        if versions:
            numbers = [str(v).strip() for v in versions if str(v).strip()]
        else:
            try:
                listed = client.search_model_versions(versions_filter(registered_model))
            except Exception as exc:
                raise mlflow_error(exc, f"listing the versions of {registered_model!r}") from None
            numbers = sorted((str(v.version) for v in listed), key=int)
        if not numbers:
            raise InputError(f"registered model {registered_model!r} has no versions yet.", source="--registered-model")

        def version_of(number: str) -> tuple:
            ref = resolve_model(client, f"models:/{registered_model}/{number}")
            if not ref.run_id:
                raise InputError(
                    f"version {number} of {registered_model!r} was not made by a run, so it has no metrics to import.",
                    source="--versions",
                )
            try:
                run = client.get_run(ref.run_id)
            except Exception as exc:
                raise mlflow_error(exc, f"reading run {ref.run_id} of {registered_model!r} version {number}") from None
            return run, ref, registered_model, number, _plan(ref, tracking_uri, trust_pickle, trusted, limits)

        found = in_threads(version_of, numbers, workers)
        what = f"registered model {registered_model!r} ({len(numbers)} version{'s' if len(numbers) != 1 else ''})"
    names_seen: dict[str, int] = {}
    runs = []
    for run, ref, model_name, version, plan in found:
        run_name = run.info.run_name or run.info.run_id[:8]
        name = ref.name if version is not None and ref is not None else run_name
        names_seen[name] = names_seen.get(name, 0) + 1
        runs.append(
            ImportedRun(
                name=name,
                run_id=run.info.run_id,
                run_name=run_name,
                experiment_id=str(run.info.experiment_id),
                metrics={str(k): float(v) for k, v in (run.data.metrics or {}).items()},
                params={str(k): str(v) for k, v in sorted((run.data.params or {}).items())},
                tags=_tags(run.data.tags or {}),
                model=plan,
                registered_model=model_name,
                version=version,
            )
        )
    # Two runs with one name: each keeps its name with the start of its run id.
    runs = [replace(r, name=f"{r.name} ({r.run_id[:8]})") if names_seen[r.name] > 1 else r for r in runs]
    return RunImport(display_uri(tracking_uri), what, tuple(runs))


def runs_scorecard(imported: RunImport, directions: Mapping[str, str] | None = None) -> tuple[Scorecard, list[str]]:
    """The runs as a scorecard of their logged metrics, and the metrics left out (no direction).

    With ``directions`` (``--objective``), exactly those metrics are imported and every run must
    have logged each; without, every metric named like a registered objective is (a run that did
    not log one has it missing).

    Raises
    ------
    InputError
        For a named metric some run did not log (naming the runs), or when no metric has a direction.
    """
    import pandas as pd

    from analysis.objectives import find_objective

    directions = dict(directions or {})
    logged = sorted({m for r in imported.runs for m in r.metrics})
    if directions:
        for metric in directions:
            lacking = [r.name for r in imported.runs if metric not in r.metrics]
            if len(lacking) == len(imported.runs):
                raise InputError(
                    f"no run of {imported.what} logged a metric {metric!r}; metrics logged: "
                    f"{columns_text(logged) or 'none'}.",
                    source="--objective",
                )
            if lacking:
                raise InputError(
                    f"run(s) {columns_text(lacking, limit=5)} of {imported.what} did not log metric {metric!r}; leave "
                    'them out with --filter (e.g. "metrics.{0} > -1e308") or drop --objective {0}.'.format(metric),
                    source="--objective",
                )
        chosen = list(directions)
    else:
        chosen = [m for m in logged if find_objective(m) is not None]
        if not chosen:
            raise InputError(
                f"none of the metrics the runs of {imported.what} logged ({columns_text(logged) or 'none'}) is one "
                "Tradeoffs knows the direction of; name each with --objective NAME:max or NAME:min.",
                source="--objective",
            )
    skipped = [m for m in logged if m not in chosen]
    table = pd.DataFrame(
        {"candidate": [r.name for r in imported.runs]}
        | {m: [r.metrics.get(m, float("nan")) for r in imported.runs] for m in chosen}
    )
    base = scorecard_from_metrics_table(table, directions=directions, source=f"MLflow {imported.what}")
    candidates = []
    for cand, run in zip(base.candidates, imported.runs, strict=True):
        mlflow_info: dict[str, Any] = {
            "tracking_uri": imported.tracking_uri,
            "experiment_id": run.experiment_id,
            "run_id": run.run_id,
            "run_name": run.run_name,
        }
        if run.model is not None:
            mlflow_info |= {k: v for k, v in run.model.to_dict().items() if v is not None or k == "reason"}
        source = FrozenDict(
            {
                "kind": "mlflow_run",
                "mlflow": FrozenDict(mlflow_info),
                "params": FrozenDict(run.params),
                "tags": FrozenDict(run.tags),
            }
        )
        notes = [IMPORTED_NOTE]
        if run.model is None:
            notes.append("the run logged no model")
        elif not run.model.loadable:
            notes.append(f"its model cannot be measured here: {run.model.reason}")
        candidates.append(replace(cand, source=source, notes=tuple(notes)))
    scorecard = replace(
        base,
        candidates=tuple(candidates),
        dataset=FrozenDict({**base.dataset, "source": f"MLflow {imported.what} at {imported.tracking_uri}"}),
        provenance=FrozenDict(
            {
                "imported_from": FrozenDict(
                    {"kind": "mlflow", "tracking_uri": imported.tracking_uri, "what": imported.what}
                ),
                "metrics_not_imported": tuple(skipped),
            }
        ),
    )
    return scorecard, skipped
