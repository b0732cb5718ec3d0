"""``tradeoffs evaluate``: measure every candidate on the same data into a scorecard."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from analysis._errors import InputError
from analysis.evaluation import EvalSettings, ValueSpec, evaluate_candidates, parse_value_matrix, prepare_data
from analysis.loading import fingerprint_dataset, load_model, load_table
from analysis.scenario import load_card
from analysis.scorecard import Scorecard, save_scorecard

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
    "--model", "models", multiple=True, help="Candidate model file: .skops, .onnx, or .pkl/.joblib with --trust-pickle."
)
@click.option(
    "--predictions", multiple=True, help="Per-row predictions made elsewhere (.csv/.parquet with y_pred[, y_prob])."
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
    out,
    as_json,
    quiet,
) -> None:
    r"""Measure every candidate on the same data and write a scorecard.

    \b
    Example (the built-in scenario):
      tradeoffs evaluate --card sample_data/card.yaml --out scorecard.json
    Example (your own data):
      tradeoffs evaluate --data test.csv --target churned --sensitive gender \\
          --model a.skops --model b.skops --out scorecard.json
    """
    started = time.perf_counter()
    defaults = load_card(card) if card else None
    if defaults is not None:
        data_path = data_path or str(defaults.test_path)
        target = target or defaults.target
        positive_label = positive_label if positive_label is not None else defaults.positive_label
        sensitive = sensitive or tuple(defaults.sensitive)
        time_column = time_column or defaults.time
        id_column = id_column or defaults.id
        value_col = value_col or tuple(defaults.value_columns)
        matrix = parse_value_matrix(value_matrix) if value_matrix else dict(defaults.value_matrix or {})
        models = models or tuple(str(p) for p in defaults.model_paths)
    else:
        matrix = parse_value_matrix(value_matrix) if value_matrix else {}
    if not data_path:
        raise InputError("no data: pass --data FILE (or --card CARD.yaml).")
    if not target:
        raise InputError("no target: pass --target COLUMN (the column the models predict).")
    if not models and not predictions:
        raise InputError("no candidates: pass --model FILE and/or --predictions FILE at least once.")
    # Load everything (and fail on bad input) before any expensive work.
    frame = load_table(data_path, what="data file")
    data = prepare_data(
        frame,
        source=str(data_path),
        target=target,
        task=task or "auto",
        positive_label=positive_label,
        sensitive=_split_list(sensitive),
        time=time_column,
        id_column=id_column,
        value=ValueSpec(tuple(_split_list(value_col)), matrix or None),
        fingerprint=fingerprint_dataset(data_path, frame),
    )
    loaded = [load_model(p, trust_pickle=trust_pickle, trusted_types=trust_type) for p in models]
    if trust_pickle and any(m.format == "pickle" for m in loaded):
        click.echo("warning: unpickled model files with --trust-pickle; that ran code from those files.", err=True)
    settings = EvalSettings(
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        random_state=seed,
        min_group_size=min_group_size,
        window=window,
    )
    names = [m.name for m in loaded] + [Path(p).stem for p in predictions]
    feature_list = _split_list(features) or None
    now = datetime.now(UTC).replace(microsecond=0)
    show = not quiet and sys.stderr.isatty()
    with _progress(names, show) as progress:
        scorecard = evaluate_candidates(
            data,
            loaded,
            predictions,
            now=now,
            settings=settings,
            features=feature_list,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
        )
    path = save_scorecard(scorecard, out)
    elapsed = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps(summary_dict(scorecard, path, elapsed), indent=1))
    else:
        print_summary(scorecard, path, elapsed)


class _progress:
    """One progress bar per candidate on stderr (only on a terminal)."""

    STAGES = ("predict", "metrics")

    def __init__(self, names: list[str], show: bool) -> None:
        self.names = names
        self.show = show
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
        out.append({"candidate": cand.name, "status": cand.status, "metrics": metrics, "notes": list(cand.notes)})
    return {
        "scorecard": str(path),
        "task": scorecard.task,
        "rows": scorecard.dataset.get("rows"),
        "objectives": [{"name": o.name, "direction": o.direction, "group": o.group} for o in scorecard.objectives],
        "candidates": out,
        "seconds": round(elapsed, 3),
    }


def _fmt(v: float, unit: str, *, half: float | None = None) -> str:
    if v != v:
        return "missing"
    digits = ",.0f" if unit == "$" else ".3f"
    text = f"{v:{digits}}"
    if half is not None and half == half:
        text += f" ±{half:{digits}}"
    return text


def print_summary(scorecard: Scorecard, path: Path, elapsed: float) -> None:
    """Readable table: key metrics ± half the interval width; best marked '*', ties with it '≈'."""
    from rich.console import Console
    from rich.table import Table

    frame = scorecard.to_frame()
    lo, hi = scorecard.interval_frames()
    comps = {(c.objective, c.candidate): c for c in scorecard.comparisons}
    best = {c.objective: c.best for c in scorecard.comparisons}
    shown = [o for o in scorecard.objectives if o.name in SUMMARY_METRICS or o.name.endswith("_captured_per_1k")]
    table = Table(
        title=f"Scorecard: {len(scorecard.candidates)} candidates on {scorecard.dataset.get('rows')} rows "
        f"({scorecard.task})",
        show_lines=False,
    )
    table.add_column("candidate", no_wrap=True, min_width=max(len(n) for n in scorecard.candidate_names))
    for o in shown:
        arrow = "↑" if o.direction == "max" else "↓"
        table.add_column(f"{o.name.replace('_', ' ')} {arrow}", justify="right", overflow="fold")
    for cand in scorecard.candidates:
        row = [cand.name if cand.status == "ok" else f"{cand.name} (failed)"]
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
    console = Console(width=max(100, 19 * (len(shown) + 1)))
    console.print(table)
    level = int(round(100 * scorecard.settings.get("confidence", 0.95)))
    console.print(
        f"± half the width of the {level}% interval; * best; ≈ not significantly different from the best "
        f"(paired bootstrap, {scorecard.settings.get('n_bootstrap')} resamples). All objectives: {path}"
    )
    for cand in scorecard.candidates:
        for note in cand.notes:
            console.print(f"note: {cand.name}: {note}")
    console.print(f"wrote {path} in {elapsed:.1f} s")
