"""``tradeoffs evaluate``: measure every candidate on the same data into a scorecard."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analysis._errors import InputError
from analysis.loading import JOINS, Limits, is_partitioned_source

if TYPE_CHECKING:
    from analysis.scorecard import Scorecard

# The evaluation stack (scikit-learn, scipy) is imported inside the functions that run it, so
# ``tradeoffs evaluate --help`` does not load it.

SECOND_TABLE = (
    "latency_ms_p50",
    "latency_ms_p99",
    "throughput_rows_per_s",
    "cost_usd_per_million",
    "model_size_mb",
    "features_for_90pct_attribution",
    "proxy_attribution_share",
    "auc_decay_per_month",
)
SUMMARY_METRICS = (
    "accuracy",
    "roc_auc",
    "log_loss",
    "mae",
    "rmse",
    "r2",
    "worst_group_accuracy",
    "demographic_parity_difference",
    "net_value_per_1k",
)


def _split_list(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for v in values:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


@click.command()
@click.option(
    "--card",
    type=click.Path(dir_okay=False),
    help="Dataset card (YAML) giving defaults for the options below; "
    "sample_data/card.yaml describes the built-in scenario.",
)
@click.option("--data", "data_path", type=str, help="Evaluation data: .csv or .parquet.")
@click.option("--target", type=str, help="Target column.")
@click.option(
    "--task",
    type=click.Choice(["auto", "binary", "multiclass", "regression"]),
    default=None,
    help="Task type (default: inferred from the target).",
)
@click.option("--positive-label", type=str, default=None, help="Positive class of a binary target.")
@click.option("--sensitive", multiple=True, help="Sensitive attribute column (repeat or comma-separate).")
@click.option("--time", "time_column", type=str, default=None, help="Time column, for per-window metrics.")
@click.option("--id", "id_column", type=str, default=None, help="Row id column (joins prediction files).")
@click.option("--value-col", multiple=True, help="Money column summed over true positives (repeatable).")
@click.option(
    "--value-matrix",
    multiple=True,
    metavar="OUTCOME=EXPR",
    help="Value of an outcome: tp/fp/fn/tn = number or expression like 0.15*order_value+ad_fee.",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    help="Candidate model file: .skops, .onnx, XGBoost .json/.ubj, LightGBM .txt, CatBoost .cbm (the boosting "
    "extra), or .pkl/.joblib with --trust-pickle.",
)
@click.option(
    "--predictions", multiple=True, help="Per-row predictions made elsewhere (.csv/.parquet with y_pred[, y_prob])."
)
@click.option(
    "--join",
    type=click.Choice(JOINS),
    default=None,
    help="How --predictions rows meet the data rows. auto (default): on an id column both tables share "
    "(--id, else a column named like id, *_id, key or uuid that is unique in the data), and an error if "
    "there is none; id: the same, never by position; order: by position (one row per data row, in order).",
)
@click.option(
    "--incumbent",
    type=str,
    default=None,
    metavar="NAME",
    help="The candidate in production today (a model or predictions file's name without extension); "
    "recorded in the scorecard.",
)
@click.option(
    "--operating-points",
    "operating_points",
    default=None,
    metavar="RULES",
    help="Add each scored candidate at other thresholds, as candidates of their own: comma-separated rules "
    "value (highest net value; needs --value-matrix), recall>=X, precision>=X, selection=X. Thresholds are "
    "chosen by 2-fold cross-fitting, so the figures are not optimistic (binary targets). A dataset card may "
    "give them as operating_points.",
)
@click.option(
    "--mlflow-model",
    "mlflow_models",
    multiple=True,
    metavar="URI",
    help="A model in MLflow (repeatable): models:/NAME/VERSION, models:/NAME@ALIAS, models:/m-ID or runs:/ID/PATH. "
    "Its file is downloaded and loaded like --model (ONNX, XGBoost, LightGBM, CatBoost, skops; pickle only with "
    "--trust-pickle); the candidate is named NAME vVERSION.",
)
@click.option(
    "--tracking-uri",
    metavar="URI",
    default=None,
    help="MLflow server of --mlflow-model (default: $MLFLOW_TRACKING_URI).",
)
@click.option("--features", multiple=True, help="Feature columns, for models that do not record their own.")
@click.option(
    "--trust-pickle", is_flag=True, help="Allow pickle/joblib model files. Unpickling runs code from the file."
)
@click.option("--trust-type", multiple=True, help="Extra type to trust in skops files (fully qualified name).")
@click.option(
    "--bootstrap",
    "n_bootstrap",
    type=click.IntRange(0, 100_000),
    default=1000,
    show_default=True,
    help="Paired bootstrap resamples for intervals and significance (0 = none).",
)
@click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap resamples.")
@click.option(
    "--min-group-size",
    type=click.IntRange(1),
    default=30,
    show_default=True,
    help="Slices smaller than this are flagged as too small to trust.",
)
@click.option(
    "--window", type=str, default="M", show_default=True, help="Time window: a pandas period alias (M, W, Q)."
)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Candidates predicted in parallel."
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS|local",
    help="Predict on a Dask cluster (needs the dask extra): a scheduler address, or 'local'.",
)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Where to write the scorecard JSON.")
@click.option(
    "--serving/--no-serving",
    default=True,
    show_default=True,
    help="Measure latency, throughput, memory and cost of each model on this machine.",
)
@click.option("--quick", is_flag=True, help="Serving in quick mode: fewer calls, shorter budgets (about 4x faster).")
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="BLAS/OpenMP threads while timing serving.",
)
@click.option(
    "--batch-sizes", default="1,8,64,512,4096", show_default=True, help="Batch sizes of the throughput curve."
)
@click.option("--instance", default=None, help="Instance type of the price table for costs (default: the table's).")
@click.option(
    "--price-per-hour",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Hourly instance price in USD, overriding the price table.",
)
@click.option(
    "--variants",
    multiple=True,
    type=click.Choice(["onnx"]),
    help="Also measure each model converted to this runtime (needs the onnx extra).",
)
@click.option(
    "--server-rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Also run the server scenario: Poisson arrivals at this many requests per second.",
)
@click.option(
    "--latency-bound-ms",
    type=click.FloatRange(min=0, min_open=True),
    default=50.0,
    show_default=True,
    help="Latency bound of the server scenario.",
)
@click.option(
    "--max-batch",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Server scenario: dynamic batching up to this many requests...",
)
@click.option(
    "--max-wait-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="...or this long, whichever comes first.",
)
@click.option(
    "--serving-metadata",
    multiple=True,
    metavar="NAME=FILE",
    help="Measured serving figures (YAML/JSON) for a prediction-file candidate.",
)
@click.option(
    "--explain/--no-explain",
    default=None,
    help="SHAP explanations, explainability facts and proxy reliance (default: on with --card).",
)
@click.option(
    "--explain-rows",
    type=click.IntRange(10),
    default=500,
    show_default=True,
    help="Evaluation rows explained per candidate (shrunk to fit the time budget).",
)
@click.option(
    "--explain-budget",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Total seconds for all explanations.",
)
@click.option(
    "--train-data",
    type=str,
    default=None,
    help="Training-period data (.csv/.parquet): feature drift against it, and the backtest.",
)
@click.option(
    "--backtest",
    is_flag=True,
    help="Refit each model on windows ending 6, 2 and 1 months before the latest and test on the latest.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary on stdout.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def evaluate(
    card,
    data_path,
    target,
    task,
    positive_label,
    sensitive,
    time_column,
    id_column,
    value_col,
    value_matrix,
    models,
    predictions,
    join,
    incumbent,
    operating_points,
    mlflow_models,
    tracking_uri,
    features,
    trust_pickle,
    trust_type,
    n_bootstrap,
    confidence,
    seed,
    min_group_size,
    window,
    workers,
    scheduler,
    serving,
    quick,
    threads,
    batch_sizes,
    instance,
    price_per_hour,
    variants,
    server_rate,
    latency_bound_ms,
    max_batch,
    max_wait_ms,
    serving_metadata,
    explain,
    explain_rows,
    explain_budget,
    train_data,
    backtest,
    out,
    as_json,
    quiet,
) -> None:
    """Measure every candidate on the same data and write a scorecard.

    \b
    Example (the built-in scenario):
      tradeoffs evaluate --card sample_data/card.yaml --out scorecard.json
    Example (your own data):
      tradeoffs evaluate --data test.csv --target churned --sensitive gender \\
          --model a.skops --model b.skops --out scorecard.json
    """  # noqa: D301 - "\b" keeps click from rewrapping the examples
    from analysis.scenario import load_card

    started = time.perf_counter()
    # Size limits (docs/limits.md) for every file this command reads; a bad TRADEOFFS_MAX_* value stops here.
    limits = Limits.from_environ(os.environ)
    defaults = load_card(card) if card else None
    models_given = bool(models or mlflow_models)
    if defaults is not None:
        data_path = data_path or str(defaults.test_path)
        target = target or defaults.target
        positive_label = positive_label if positive_label is not None else defaults.positive_label
        sensitive = sensitive or tuple(defaults.sensitive)
        time_column = time_column or defaults.time
        id_column = id_column or defaults.id
        value_col = value_col or tuple(defaults.value_columns)
        # the card's models unless the command names its own; MLflow models are not the card's, nor its incumbent
        models = models or (() if mlflow_models else tuple(str(p) for p in defaults.model_paths))
        if not models_given:
            for name, reason in defaults.skipped:
                click.echo(f"note: the card's candidate {name} is left out: {reason}.", err=True)
        train_data = train_data or (str(defaults.train_path) if defaults.train_path else None)
        join = join or defaults.join
        incumbent = incumbent if incumbent is not None or mlflow_models else defaults.incumbent
    if not data_path:
        raise InputError("no data: pass --data FILE (or --card CARD.yaml).")
    if not target:
        raise InputError("no target: pass --target COLUMN (the column the models predict).")
    if not models and not predictions and not mlflow_models:
        raise InputError(
            "no candidates: pass --model FILE, --mlflow-model URI and/or --predictions FILE at least once."
        )
    if operating_points is None and defaults is not None:
        operating_points = defaults.operating_points
    partitioned = is_partitioned_source(data_path, scheduler=scheduler)
    if partitioned and operating_points:
        raise InputError(
            f"--operating-points needs every row's score in memory, and {data_path} is scored partition by "
            "partition; drop it, or pass a single data file without --scheduler."
        )
    check_input_files(data_path, models, predictions, train_data, partitioned=partitioned, limits=limits)
    # Only now the evaluation stack (scikit-learn, scipy: most of the command's start-up).
    from analysis.evaluation import EvalSettings, ValueSpec, parse_value_matrix, prepare_data
    from analysis.loading import fingerprint_dataset, load_model, load_table
    from analysis.pipeline import Stages, check_incumbent, run_evaluation

    rules = ()
    if operating_points is not None:
        from analysis.evaluation._operating_points import parse_operating_points

        rules = parse_operating_points(operating_points)

    if value_matrix:
        matrix = parse_value_matrix(value_matrix)
    else:
        matrix = dict(defaults.value_matrix or {}) if defaults is not None else {}
    value_spec = ValueSpec(tuple(_split_list(value_col)), matrix or None)
    settings = EvalSettings(
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        random_state=seed,
        min_group_size=min_group_size,
        window=window,
    )
    serving_settings = _serving_settings(
        serving,
        quick,
        threads,
        batch_sizes,
        instance,
        price_per_hour,
        variants,
        server_rate,
        latency_bound_ms,
        max_batch,
        max_wait_ms,
        seed,
    )
    explain_settings = _explain_settings(
        card is not None if explain is None else explain, explain_rows, explain_budget, seed
    )
    if partitioned:
        if predictions:
            raise InputError(
                f"--predictions cannot be joined to the partitioned dataset {data_path}: prediction files are matched "
                "to the rows in memory. Evaluate them with a single data file (no --scheduler), or pass models."
            )
        if backtest or (train_data and defaults is None):
            raise InputError(
                f"--train-data and --backtest need the evaluation table in memory, and {data_path} is scored "
                "partition by partition; drop them, or pass a single data file without --scheduler."
            )
        loaded = [load_model(p, trust_pickle=trust_pickle, trusted_types=trust_type, limits=limits) for p in models]
        loaded += _mlflow_models(mlflow_models, tracking_uri, trust_pickle, trust_type, limits)
        _warn_pickle(trust_pickle, loaded)
        scorecard = _evaluate_dataset(
            data_path,
            loaded,
            target=target,
            task=task or "auto",
            positive_label=positive_label,
            sensitive=_split_list(sensitive),
            time_column=time_column,
            value=value_spec,
            settings=settings,
            features=_split_list(features) or None,
            workers=workers,
            scheduler=scheduler,
            incumbent=incumbent,
            stages=Stages(serving=serving_settings, explain=explain_settings),
            serving_metadata=_parse_metadata(serving_metadata),
            show=not quiet and sys.stderr.isatty(),
            limits=limits,
        )
        _write_and_print(scorecard, out, started, as_json)
        return
    # Load everything (and fail on bad input) before any expensive work.
    from analysis.loading._datasets import parquet_columns

    file_columns = parquet_columns(data_path, what="data file", limits=limits)
    loaded = [load_model(p, trust_pickle=trust_pickle, trusted_types=trust_type, limits=limits) for p in models]
    loaded += _mlflow_models(mlflow_models, tracking_uri, trust_pickle, trust_type, limits)
    needed = needed_columns(
        file_columns,
        roles=[target, *_split_list(sensitive), time_column, id_column],
        value=value_spec,
        models=loaded,
        features=_split_list(features),
        predictions=bool(predictions) and not id_column,
    )
    frame = load_table(data_path, what="data file", columns=needed, limits=limits)
    data = prepare_data(
        frame,
        source=str(data_path),
        target=target,
        task=task or "auto",
        positive_label=positive_label,
        sensitive=_split_list(sensitive),
        time=time_column,
        id_column=id_column,
        value=value_spec,
        fingerprint=fingerprint_dataset(data_path, frame, columns=file_columns),
    )
    _warn_pickle(trust_pickle, loaded)
    names = [m.name for m in loaded] + [Path(p).stem for p in predictions]
    check_incumbent(incumbent, names)
    feature_list = _split_list(features) or None
    stages = Stages(
        serving=serving_settings,
        explain=explain_settings,
        backtest=backtest,
        train_frame=_train_frame(train_data, data, backtest, limits) if train_data else None,
    )
    if backtest and stages.train_frame is None:
        raise InputError("--backtest needs the training-period data: pass --train-data FILE.")
    metadata = _parse_metadata(serving_metadata)
    now = datetime.now(UTC).replace(microsecond=0)
    show = not quiet and sys.stderr.isatty()
    with _progress(names, show, stages.names()) as progress:
        scorecard = run_evaluation(
            data,
            loaded,
            predictions,
            now=now,
            settings=settings,
            stages=stages,
            features=feature_list,
            workers=workers,
            scheduler=scheduler,
            serving_metadata=metadata,
            progress=progress,
            join=join or "auto",
            incumbent=incumbent,
            limits=limits,
            operating_points=rules,
        )
    _write_and_print(scorecard, out, started, as_json)


def _mlflow_models(uris, tracking_uri, trust_pickle, trust_type, limits: Limits) -> list:
    """Each ``--mlflow-model`` downloaded and loaded; two URIs naming one candidate are refused."""
    if not uris:
        return []
    from analysis.tracking import load_mlflow_model, mlflow_client, resolve_tracking_uri

    uri = resolve_tracking_uri(tracking_uri)
    client = mlflow_client(uri)
    loaded = [
        load_mlflow_model(client, u, uri, trust_pickle=trust_pickle, trusted_types=tuple(trust_type), limits=limits)
        for u in dict.fromkeys(uris)
    ]
    names = [m.name for m in loaded]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(
            f"--mlflow-model URIs name the same model version twice ({', '.join(twice)}); pass each once.",
            source="--mlflow-model",
        )
    return loaded


def check_input_files(data_path, models, predictions, train_data, *, partitioned: bool, limits: Limits) -> None:
    """Every file ``evaluate`` reads, checked against ``limits`` from what describes it, before any is read.

    A data file's footer (rows; its size in memory depends on the columns read, checked by
    ``load_table``) or a CSV's size and header; each model file's archive directory or size (the
    bounded inflation of its members runs when it loads); prediction and training files' footers or
    sizes and headers. A partitioned dataset's files are checked by ``empty_frame``, row group by
    row group. This imports no more than the loaders, so a missing file or a decompression bomb
    costs the command's start-up only, not the seconds of importing scikit-learn and scipy.
    """
    from analysis.loading import check_model_file, check_table_file, parquet_columns

    if not partitioned and parquet_columns(data_path, what="data file", limits=limits) is None:
        check_table_file(data_path, what="data file", limits=limits)  # a CSV: its size and header now
    for p in models:
        check_model_file(p, limits=limits, inflate=False)
    for p in predictions:
        check_table_file(p, what="predictions file", limits=limits)
    if train_data and not partitioned:  # a partitioned evaluation refuses or ignores training data
        check_table_file(train_data, what="training data file", limits=limits)


def _warn_pickle(trust_pickle: bool, loaded) -> None:
    if trust_pickle and any(m.format == "pickle" for m in loaded):
        click.echo("warning: unpickled model files with --trust-pickle; that ran code from those files.", err=True)


def _write_and_print(scorecard: Scorecard, out: str, started: float, as_json: bool) -> None:
    from analysis.scorecard import save_scorecard

    path = save_scorecard(scorecard, out)
    elapsed = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps(summary_dict(scorecard, path, elapsed), indent=1))
    else:
        print_summary(scorecard, path, elapsed)


def _evaluate_dataset(
    source,
    models,
    *,
    target,
    task,
    positive_label,
    sensitive,
    time_column,
    value,
    settings,
    features,
    workers,
    scheduler,
    incumbent,
    stages,
    serving_metadata,
    show,
    limits: Limits,
) -> Scorecard:
    """A Parquet dataset scored partition by partition (here, or on Dask workers that read the files)."""
    from analysis.evaluation._data import check_role_columns
    from analysis.evaluation._partitions import Roles, empty_frame
    from analysis.evaluation._predict import resolve_features
    from analysis.pipeline import check_incumbent, run_partitioned_evaluation

    # Every file's footer checked against the limits, and every column against the schema, before any partition is read.
    head = empty_frame(source, limits=limits)
    check_role_columns(head, source=str(source), target=target, sensitive=sensitive, time=time_column, value=value)
    for m in models:
        resolve_features(m, head, features, data_source=str(source))
    check_incumbent(incumbent, [m.name for m in models])
    roles = Roles(
        source=str(source),
        target=target,
        task=task,
        positive_label=positive_label,
        sensitive=tuple(sensitive),
        time=time_column,
        value=value,
    )
    names = [m.name for m in models]
    now = datetime.now(UTC).replace(microsecond=0)
    with _progress(names, show, stages.names()) as progress:
        return run_partitioned_evaluation(
            source,
            roles,
            models,
            now=now,
            settings=settings,
            stages=stages,
            features=features,
            workers=workers,
            scheduler=scheduler,
            serving_metadata=serving_metadata,
            progress=progress,
            incumbent=incumbent,
            limits=limits,
        )


def needed_columns(file_columns, *, roles, value, models, features, predictions: bool) -> list[str] | None:
    """The data columns an evaluation reads, or ``None`` to read them all.

    Only a Parquet file (``file_columns`` known from its footer) is read in part: the role
    columns, the value columns, and every model's features. Everything is read when a name is
    not in the file (so the usual message lists the file's columns), when a model records no
    feature names and no ``--features`` are given, or when prediction files must find an id
    column shared with the data (``predictions``).
    """
    from analysis.evaluation._value import parse_linear_expression

    if file_columns is None or predictions:
        return None
    wanted = [c for c in roles if c]
    wanted += list(value.columns)
    for outcome, expr in (value.matrix or {}).items():
        wanted += [c for _, c in parse_linear_expression(expr, where=f"value matrix {outcome}") if c]
    for m in models:
        names = list(m.feature_names) if m.feature_names is not None else list(features)
        if not names:
            return None
        wanted += names
    wanted = list(dict.fromkeys(wanted))
    present = set(file_columns)
    if any(c not in present for c in wanted):
        return None
    return [c for c in file_columns if c in set(wanted)]


def _serving_settings(
    enabled, quick, threads, batch_sizes, instance, price, variants, rate, bound, max_batch, max_wait, seed
):
    if not enabled:
        return None
    from analysis.serving import ServerSettings, ServingSettings

    try:
        sizes = tuple(int(x) for x in batch_sizes.split(",") if x.strip())
    except ValueError:
        raise InputError(f"--batch-sizes {batch_sizes!r} is not a comma-separated list of whole numbers.") from None
    server = (
        ServerSettings(rate_per_s=rate, latency_bound_ms=bound, max_batch=max_batch, max_wait_ms=max_wait)
        if rate
        else None
    )
    return ServingSettings(
        quick=quick,
        threads=threads,
        batch_sizes=sizes,
        instance=instance,
        price_per_hour=price,
        variants=tuple(variants),
        server=server,
        random_state=seed,
    )


def _explain_settings(enabled: bool, rows: int, budget: float, seed: int):
    if not enabled:
        return None
    from analysis.explain import ExplainSettings

    return ExplainSettings(
        sample_size=rows, total_budget_seconds=budget, budget_seconds=min(15.0, budget), random_state=seed
    )


def _train_frame(path: str, data, backtest: bool, limits: Limits):
    from analysis.loading import load_table
    from analysis.pipeline import prepare_train_frame

    frame = load_table(path, what="training data file", limits=limits)
    return prepare_train_frame(frame, data, backtest=backtest, source=str(path))


def _parse_metadata(items: tuple[str, ...]) -> dict | None:
    out = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--serving-metadata {item!r} is not NAME=FILE (NAME is the predictions file's stem).")
        name, path = item.split("=", 1)
        out[name.strip()] = path.strip()
    return out or None


class _progress:
    """One progress bar per candidate on stderr (only on a terminal)."""

    def __init__(self, names: list[str], show: bool, stages: tuple[str, ...]) -> None:
        self.names = names
        self.show = show
        self.STAGES = stages
        self._progress = None
        self._tasks: dict[str, int] = {}

    def __enter__(self):
        if not self.show:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TextColumn("{task.fields[stage]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._progress.__enter__()
        for n in self.names:
            self._tasks[n] = self._progress.add_task(n, total=len(self.STAGES), stage="waiting")
        return self._update

    def _update(self, name: str, stage: str) -> None:
        task = self._tasks.get(name)
        if task is None or self._progress is None:
            return
        done = self.STAGES.index(stage) + 1 if stage in self.STAGES else 0
        self._progress.update(task, completed=done, stage=f"{stage} done")

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.__exit__(*exc)
        return False


def summary_dict(scorecard: Scorecard, path: Path, elapsed: float) -> dict:
    """Machine-readable summary printed by ``--json``."""
    from analysis.scorecard import incumbent_of

    incumbent = incumbent_of(scorecard)
    frame = scorecard.to_frame()
    lo, hi = scorecard.interval_frames()
    comps = {(c.objective, c.candidate): c for c in scorecard.comparisons}
    best = {c.objective: c.best for c in scorecard.comparisons}
    out = []
    for cand in scorecard.candidates:
        metrics = {}
        for obj in scorecard.objectives:
            v = frame.at[cand.name, obj.name]
            c = comps.get((obj.name, cand.name))
            metrics[obj.name] = {
                "value": None if v != v else float(v),
                "ci_low": None
                if lo.at[cand.name, obj.name] != lo.at[cand.name, obj.name]
                else float(lo.at[cand.name, obj.name]),
                "ci_high": None
                if hi.at[cand.name, obj.name] != hi.at[cand.name, obj.name]
                else float(hi.at[cand.name, obj.name]),
                "best": best.get(obj.name) == cand.name,
                "significantly_worse_than_best": None if c is None else c.significant,
            }
        entry = {"candidate": cand.name, "status": cand.status, "incumbent": cand.name == incumbent}
        if cand.source.get("kind") == "predictions":
            alignment = cand.source.get("alignment")
            entry["alignment"] = dict(alignment) if isinstance(alignment, Mapping) else alignment
            entry["alignment_text"] = cand.source.get("alignment_text")
        out.append({**entry, "metrics": metrics, "notes": list(cand.notes)})
    ranking = scorecard.sections.get("ranking")
    return {
        "scorecard": str(path),
        "task": scorecard.task,
        "ranking": None if ranking is None else json.loads(json.dumps(ranking, default=dict)),
        "rows": scorecard.dataset.get("rows"),
        "warnings": warning_lines(scorecard),
        "incumbent": incumbent,
        "objectives": [{"name": o.name, "direction": o.direction, "group": o.group} for o in scorecard.objectives],
        "candidates": out,
        "seconds": round(elapsed, 3),
    }


def warning_lines(scorecard: Scorecard) -> list[str]:
    """Where the data cannot support the figures (the scorecard's ``dataset["warnings"]``), one line each."""
    warnings = scorecard.dataset.get("warnings") or ()
    return [str(w) for w in warnings] if isinstance(warnings, (list, tuple)) else [str(warnings)]


def alignment_lines(scorecard: Scorecard) -> list[str]:
    """One line per prediction-file candidate saying how its rows met the data rows."""
    out = []
    for cand in scorecard.candidates:
        if cand.source.get("kind") != "predictions":
            continue
        text = cand.source.get("alignment_text")
        if text is None:  # a scorecard from before the join setting: alignment was the text
            text = cand.source.get("alignment")
        out.append(f"{cand.name}: {text or 'rows matched in an unrecorded way'}")
    return out


def ranking_lines(scorecard: Scorecard) -> list[str]:
    """What binning the ranking metrics' resamples can change, when some candidate's were binned."""
    ranking = scorecard.sections.get("ranking") or {}
    if ranking.get("method") != "binned":
        return []
    binned = {n: e for n, e in (ranking.get("by_candidate") or {}).items() if e.get("method") == "binned"}
    parts = []
    for name, e in binned.items():
        auc, ap = e.get("roc_auc_bound"), e.get("pr_auc_bound")
        parts.append(
            f"{name} ROC AUC ±{'missing' if auc is None else format(auc, '.2g')}, "
            f"PR AUC ±{'missing' if ap is None else format(ap, '.2g')}"
        )
    shown = "; ".join(parts[:5]) + (f"; and {len(parts) - 5} more in the scorecard" if len(parts) > 5 else "")
    if ranking.get("points_binned"):
        return [
            f"ROC AUC and PR AUC of {len(binned)} candidate(s), point values and intervals, come from "
            f"{ranking.get('max_bins')} score bins (the data was scored partition by partition); the most binning can "
            f"move a figure: {shown}."
        ]
    return [
        f"ROC AUC and PR AUC intervals of {len(binned)} candidate(s) come from {ranking.get('max_bins')} score bins "
        f"(point values are exact); the most binning can move a resample: {shown}."
    ]


_DIGITS = {"$": ",.0f", "rows/s": ",.0f", "features": ".0f", "ms": ".2f", "USD": ".3f", "MB": ".3f"}


def _fmt(v: float, unit: str, *, half: float | None = None) -> str:
    if v != v:
        return "missing"
    digits = _DIGITS.get(unit, ".3f")
    text = f"{v:{digits}}"
    if half is not None and half == half:
        text += f" ±{half:{digits}}"
    return text


def _table(scorecard: Scorecard, shown, title: str):
    from rich.table import Table

    frame = scorecard.to_frame()
    lo, hi = scorecard.interval_frames()
    comps = {(c.objective, c.candidate): c for c in scorecard.comparisons}
    best = {c.objective: c.best for c in scorecard.comparisons}
    for o in shown:  # objectives without bootstrap comparisons (serving, explanations): plain best
        col = frame[o.name].dropna()
        if o.name not in best and len(col) > 1:
            best[o.name] = col.idxmax() if o.direction == "max" else col.idxmin()
    table = Table(title=title)
    from analysis.scorecard import incumbent_of

    incumbent = incumbent_of(scorecard)
    labels = {n: n + (" (incumbent)" if n == incumbent else "") for n in scorecard.candidate_names}
    table.add_column("candidate", no_wrap=True, min_width=max(len(label) for label in labels.values()))
    for o in shown:
        arrow = "↑" if o.direction == "max" else "↓"
        unit = f" ({o.unit})" if o.unit and o.unit not in ("$",) and o.group in ("serving", "cost") else ""
        table.add_column(f"{o.name.replace('_', ' ')}{unit} {arrow}", justify="right", overflow="fold")
    for cand in scorecard.candidates:
        label = labels[cand.name]
        row = [label if cand.status == "ok" else f"{label} (failed)"]
        for o in shown:
            v = frame.at[cand.name, o.name]
            half = (hi.at[cand.name, o.name] - lo.at[cand.name, o.name]) / 2
            text = _fmt(v, o.unit, half=half)
            c = comps.get((o.name, cand.name))
            if best.get(o.name) == cand.name:
                text = f"[bold]{text}[/bold] *"
            elif c is not None and c.significant is False:
                text += " ≈"
            row.append(text)
        table.add_row(*row)
    return table


def print_summary(scorecard: Scorecard, path: Path, elapsed: float) -> None:
    """Readable tables: key metrics ± half the interval width; best marked '*', ties with it '≈'."""
    from rich.console import Console
    from rich.text import Text

    names = set(scorecard.objective_names)
    first = [o for o in scorecard.objectives if o.name in SUMMARY_METRICS or o.name.endswith("_captured_per_1k")]
    second = [scorecard.objective(n) for n in SECOND_TABLE if n in names]
    console = Console(width=max(100, 19 * (max(len(first), len(second)) + 1)))
    console.print(
        _table(
            scorecard,
            first,
            f"Scorecard: {len(scorecard.candidates)} candidates on "
            f"{scorecard.dataset.get('rows')} rows ({scorecard.task})",
        )
    )
    level = int(round(100 * scorecard.settings.get("confidence", 0.95)))
    console.print(
        f"± half the width of the {level}% interval; * best; ≈ not significantly different from the best "
        f"(paired bootstrap, {scorecard.settings.get('n_bootstrap')} resamples)."
    )
    for line in ranking_lines(scorecard):
        console.print(line, markup=False, highlight=False)
    for line in alignment_lines(scorecard):
        console.print(line, markup=False, highlight=False)
    if second:
        console.print(_table(scorecard, second, "Serving, explainability and decay"))
        serving = scorecard.sections.get("serving")
        if serving:
            a = serving.get("assumptions", {})
            console.print(
                f"Serving measured on this machine with {a.get('threads')} thread(s); costs assume "
                f"{a.get('instance')} at ${a.get('usd_per_hour')}/h ({a.get('price_source')}), "
                f"{a.get('workers')} worker(s), {int(100 * (a.get('utilisation') or 0))}% utilisation."
            )
            if serving.get("busy"):
                console.print(f"[bold red]warning:[/bold red] {serving.get('environment', {}).get('busy_note')}")
    for cand in scorecard.candidates:
        for note in cand.notes:
            console.print(f"note: {cand.name}: {note}")
    for line in warning_lines(scorecard):
        console.print(Text("warning: ", style="bold red") + Text(line))
    console.print(f"All {len(scorecard.objectives)} objectives are in {path}. Wrote it in {elapsed:.1f} s.")
