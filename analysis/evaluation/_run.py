"""Running every candidate on the evaluation rows (in parallel with joblib) and scoring them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from analysis._errors import InputError
from analysis.evaluation._data import EvalData
from analysis.evaluation._evaluate import EvalSettings, evaluate_predictions
from analysis.evaluation._predict import Predictions, load_prediction_file, predict_model, resolve_features
from analysis.loading._limits import DEFAULT_LIMITS, Limits
from analysis.loading._models import LoadedModel
from analysis.scorecard import Scorecard

Progress = Callable[[str, str], None]


def _predict_one(loaded: LoadedModel, data: EvalData, features: Sequence[str] | None) -> Predictions:
    cols = resolve_features(loaded, data.frame, features, data_source=data.source)
    return predict_model(loaded, data.frame, cols, data.spec, data_source=data.source)


#: Seconds loky's reused worker processes may sit idle before they exit. joblib's default (300 s)
#: races with new work: a CLI evaluation, or a test session, that comes back to the pool just as its
#: idle workers time out can deadlock (the workers' results are never read; seen in CI after exactly
#: 5 minutes of idleness, joblib/joblib#869). Workers live as long as the process that uses them.
IDLE_WORKER_SECONDS = 24 * 3600


def _parallel(models, data, features, *, backend: str, n_jobs: int):
    from joblib import Parallel, delayed, parallel_config

    extra = {"idle_worker_timeout": IDLE_WORKER_SECONDS} if backend == "loky" else {}
    with parallel_config(backend=backend, n_jobs=n_jobs, **extra):
        yield from Parallel(return_as="generator_unordered")(delayed(_predict_one)(m, data, features) for m in models)


@contextmanager
def _dask_client(scheduler: str, workers: int):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            "--scheduler needs Dask: pip install 'tradeoffs[dask]' (or drop --scheduler to use local processes)."
        ) from None
    if scheduler == "local":
        # No fixed port and no dashboard: the scheduler always starts an HTTP server, and with
        # dashboard_address=None it still binds 8787 (distributed 2026.8, Scheduler.start_http_server's
        # default_port), so a user with a Dask dashboard open got a port-clash warning. A random
        # localhost port with the dashboard switched off clashes with nothing.
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
        )
        client = Client(cluster)
    else:
        cluster = None
        try:
            client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); check the address.") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def predict_candidates(
    data: EvalData,
    models: Sequence[LoadedModel],
    prediction_files: Sequence[str | Path] = (),
    *,
    features: Sequence[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Predictions]:
    """Predictions of every candidate, in the order given (models first, then files).

    Models run in ``workers`` local processes (joblib/loky), or on a Dask cluster when
    ``scheduler`` is given (``"local"`` starts a local cluster of ``workers`` processes; an
    address such as ``tcp://10.0.0.5:8786`` connects to a running scheduler; needs the ``dask``
    extra). Each stage completion is reported to ``progress(candidate, "predict")``. Any
    :class:`InputError` (a feature mismatch, a model that cannot take the data) stops the run
    with that message.
    """
    # Check every model's features up front so a mismatch fails before any work is done.
    for m in models:
        resolve_features(m, data.frame, features, data_source=data.source)
    results: dict[str, Predictions] = {}
    if scheduler is not None and models:
        with _dask_client(scheduler, workers):
            for pred in _parallel(models, data, features, backend="dask", n_jobs=-1):
                results[pred.name] = pred
                if progress:
                    progress(pred.name, "predict")
    elif workers > 1 and len(models) > 1:
        for pred in _parallel(models, data, features, backend="loky", n_jobs=workers):
            results[pred.name] = pred
            if progress:
                progress(pred.name, "predict")
    else:
        for m in models:
            results[m.name] = _predict_one(m, data, features)
            if progress:
                progress(m.name, "predict")
    ordered = [results[m.name] for m in models]
    for path in prediction_files:
        pred = load_prediction_file(path, data.frame, data.spec, id_column=data.id_column, limits=limits)
        ordered.append(pred)
        if progress:
            progress(pred.name, "predict")
    return ordered


def evaluate_candidates(
    data: EvalData,
    models: Sequence[LoadedModel],
    prediction_files: Sequence[str | Path] = (),
    *,
    now: datetime,
    settings: EvalSettings | None = None,
    features: Sequence[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Scorecard:
    """Predict with every candidate and score them all into one scorecard (see :func:`predict_candidates`)."""
    preds = predict_candidates(
        data, models, prediction_files, features=features, workers=workers, scheduler=scheduler, progress=progress
    )
    return evaluate_predictions(data, preds, settings=settings or EvalSettings(), now=now, progress=progress)
