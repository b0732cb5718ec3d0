"""``measure_serving``: every serving measurement of every candidate, interleaved.

Order of work (all of it under ``threadpool_limits(threads)``):

1. draw the requests and batches once (shared by all candidates), measure the timer;
2. convert candidates to the requested runtime variants (outside any timing);
3. warm every candidate up;
4. ``rounds`` interleaving rounds: in round ``r`` the candidates run in an order rotated by
   ``r``, each doing its share of single-row calls, then its share of the throughput curve;
   samples are pooled over rounds, so a slow minute on a shared machine is spread over all
   candidates instead of landing on one;
5. per candidate: the server scenario (if configured), model size and peak memory;
6. cost figures from the pooled results, the environment record and the busy rule.

A failure in one stage of one candidate is recorded in that candidate's ``errors`` and the
figures of that stage stay missing (``None``); the other stages and candidates go on.
"""

from __future__ import annotations

import gc
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from analysis._errors import InputError
from analysis.serving._clock import PERCENTILE_METHOD, Timer, TimerInfo, measure_timer_overhead
from analysis.serving._cost import FORMULA as COST_FORMULA
from analysis.serving._cost import PriceTable, estimate_cost, load_instance_prices
from analysis.serving._environment import (
    BUSY_NOTE,
    BUSY_RULE,
    build_environment,
    others_cpu,
    read_cpu_times,
    read_loadavg,
    threadpool_summary,
)
from analysis.serving._footprint import PEAK_MEMORY_SCOPE, measure_model_size, measure_peak_memory
from analysis.serving._inputs import InputPool, bind, choose_method, input_kind, model_columns, n_jobs_notes
from analysis.serving._latency import SingleStream
from analysis.serving._metadata import ServingMetadata, load_serving_metadata
from analysis.serving._onnx import OnnxConversion, OnnxModel, convert_to_onnx, short_error
from analysis.serving._report import CandidateServing, ServingReport
from analysis.serving._server import ServerResult, run_server_scenario
from analysis.serving._settings import ServingSettings, check_serving_settings
from analysis.serving._throughput import BatchCurve, best_point

Progress = Callable[[str, str, float], None]
#: Most distinct single-row requests prebuilt (timing cycles over them).
MAX_POOL_ROWS = 2000


@dataclass
class _Entry:
    """Mutable working state of one candidate while measuring (never leaves this module)."""

    name: str
    model: Any
    kind: str = "model"
    runtime: str = "python"
    base: str | None = None
    variant: str | None = None
    path: Path | int | None = None  # or the size in bytes of a file no longer on disk
    method: str | None = None
    input_kind: str | None = None
    columns: tuple[str, ...] | None = None
    single: SingleStream | None = None
    curve: BatchCurve | None = None
    single_failed: bool = False
    conversion: OnnxConversion | None = None
    server: tuple[ServerResult, ...] = ()
    size: int | None = None
    size_method: str | None = None
    peak_memory: int | None = None
    memory_batch_size: int | None = None
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def callable(self) -> bool:
        return self.method is not None


@contextmanager
def _capturing(entry: _Entry) -> Iterator[None]:
    """Record the model's warnings (once per place) instead of letting them escape."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        yield
    for w in caught:
        text = f"{w.category.__name__}: {w.message}"
        if text not in entry.warnings:
            entry.warnings.append(text)


def _fail(entry: _Entry, stage: str, exc: BaseException) -> str:
    message = f"{stage} failed: {short_error(exc)}"
    if message not in entry.errors:
        entry.errors.append(message)
    return message


def _make_entry(
    name: str,
    model: Any,
    X: pd.DataFrame,
    settings: ServingSettings,
    path: Path | int | None,
    features: Sequence[str] | None = None,
) -> _Entry:
    runtime = "onnxruntime" if isinstance(model, OnnxModel) else "python"
    entry = _Entry(name=name, model=model, runtime=runtime, path=path)
    try:
        entry.method = choose_method(model, settings.method)
    except InputError as exc:
        entry.errors.append(str(exc))
        return entry
    entry.input_kind = input_kind(model)
    entry.columns = model_columns(model, X, features)
    entry.notes.extend(n_jobs_notes(model, settings.threads))
    if isinstance(model, OnnxModel) and model.threads != settings.threads:
        entry.notes.append(
            f"this ONNX model was loaded with {model.threads} intra-op thread(s), not threads={settings.threads}."
        )
    return entry


def _variant_entries(entry: _Entry, X: pd.DataFrame, settings: ServingSettings) -> list[_Entry]:
    out = []
    for variant in settings.variants:
        if variant == "onnx" and isinstance(entry.model, OnnxModel):
            entry.notes.append("already an ONNX model: no [onnx] variant.")
            continue
        conversion = convert_to_onnx(
            entry.model,
            X if entry.columns is None else X[list(entry.columns)],
            threads=settings.threads,
            tolerance=settings.onnx_tolerance,
            random_state=settings.random_state,
        )
        name = f"{entry.name}[{variant}]"
        if conversion.model is None:
            out.append(
                _Entry(
                    name=name,
                    model=None,
                    kind="variant",
                    runtime="onnxruntime",
                    base=entry.name,
                    variant=variant,
                    conversion=conversion,
                    errors=[str(conversion.error)],
                )
            )
            continue
        child = _make_entry(name, conversion.model, X, settings, None)
        child.kind, child.base, child.variant, child.conversion = "variant", entry.name, variant, conversion
        child.columns = entry.columns  # a tensor-input graph takes the base model's features
        child.notes.append(
            f"converted with {conversion.converter or 'skl2onnx'} ({conversion.input_form} input); outputs "
            f"differ from {entry.name}'s by at most {conversion.max_abs_diff:.3g} over {conversion.compared_rows} rows "
            f"(tolerance {conversion.tolerance:g})."
        )
        if not conversion.matches:
            child.notes.append(
                f"the ONNX graph does NOT reproduce {entry.name} within the tolerance: its figures "
                "describe a different model."
            )
        child.notes.append("onnxruntime allocates memory natively: peak memory counts only the Python side.")
        out.append(child)
    return out


def _resolve_metadata(metadata: Mapping[str, Any] | None) -> dict[str, ServingMetadata]:
    out = {}
    for name, value in (metadata or {}).items():
        if isinstance(value, ServingMetadata):
            out[str(name)] = value
        elif isinstance(value, (str, Path)):
            out[str(name)] = load_serving_metadata(value)
        else:
            raise InputError(
                f"serving metadata for {name!r} must be a file path or ServingMetadata, not {type(value).__name__}."
            )
    return out


def _metadata_candidate(
    name: str, meta: ServingMetadata, settings: ServingSettings, table: PriceTable
) -> CandidateServing:
    figures = dict(meta.figures)
    threads = meta.threads or settings.threads
    mean_ms = figures.get("latency_ms_mean")
    if mean_ms and "throughput_rows_per_s_single" not in figures:
        figures["throughput_rows_per_s_single"] = 1e3 / mean_ms
    cost_single = cost_batch = None
    if "cost_usd_per_million" not in figures:
        cost_single = estimate_cost(
            None if mean_ms is None else mean_ms / 1e3,
            table=table,
            instance=settings.instance,
            price_per_hour=settings.price_per_hour,
            threads=threads,
            utilisation=settings.utilisation,
            basis=f"single row, mean latency from {meta.source}",
        )
    rows_per_s = figures.get("throughput_rows_per_s")
    if "cost_usd_per_million_batch" not in figures:
        cost_batch = estimate_cost(
            1.0 / rows_per_s if rows_per_s else None,
            table=table,
            instance=settings.instance,
            price_per_hour=settings.price_per_hour,
            threads=threads,
            utilisation=settings.utilisation,
            basis=f"batched, throughput from {meta.source}",
        )
    notes = [f"figures supplied by {meta.source}, not measured here."]
    if meta.measured_on:
        notes.append(f"measured on: {meta.measured_on}")
    notes.extend(meta.notes)
    return CandidateServing(
        name=name,
        kind="metadata",
        runtime="unknown",
        supplied=figures,
        cost_single=cost_single,
        cost_batch=cost_batch,
        notes=tuple(notes),
    )


def measure_serving(
    models: Mapping[str, Any],
    X: pd.DataFrame,
    *,
    settings: ServingSettings | None = None,
    model_files: Mapping[str, str | Path | int] | None = None,
    metadata: Mapping[str, ServingMetadata | str | Path] | None = None,
    features_by_model: Mapping[str, Sequence[str]] | None = None,
    progress: Progress | None = None,
    timer: Timer | None = None,
    loadavg: Callable[[], tuple[float, float, float]] | None = None,
    cpu_times: Callable[[], tuple[float, float] | None] | None = None,
) -> ServingReport:
    """Measure how every candidate serves, the way a benchmark does.

    Parameters
    ----------
    models : mapping of str to model
        Fitted models by candidate name: scikit-learn estimators or pipelines, any object with
        ``predict_proba``/``decision_function``/``predict``, or :class:`OnnxModel`.
    X : DataFrame
        Evaluation rows, features only. Requests and batches are drawn from it (seeded).
    settings : ServingSettings, optional
        Defaults to ``ServingSettings()``.
    model_files : mapping of str to path or int, optional
        The file each model was loaded from, whose size is the model size; or that size in bytes
        when the file is gone (a model downloaded from MLflow and loaded).
    metadata : mapping of str to ServingMetadata or path, optional
        Candidates without a model (prediction files) whose figures a metadata file supplies.
    features_by_model : mapping of str to sequence of str, optional
        Input columns, in order, of models that record no ``feature_names_in_`` (fitted on an
        array); without them such a model is sent every column of ``X``.
    progress : callable, optional
        Called as ``progress(candidate, stage, fraction_done)`` between steps (never inside a
        timed loop).
    timer : callable, optional
        Returns nanoseconds; ``time.perf_counter_ns`` by default.
    loadavg : callable, optional
        Returns the three load averages; ``os.getloadavg`` by default.
    cpu_times : callable, optional
        Returns ``(machine busy CPU seconds, own CPU seconds)`` for the busy rule;
        :func:`~analysis.serving._environment.read_cpu_times` by default; returning ``None``
        falls back to the load-average rule.

    Returns
    -------
    ServingReport

    Raises
    ------
    InputError
        For bad settings, an empty ``X``, unknown names in ``model_files``, or invalid metadata.
        A model that fails to predict does not raise: its figures are missing and its
        ``errors`` say why.

    Notes
    -----
    While it runs, the measurement sets process-wide state: BLAS/OpenMP thread limits, a paused
    garbage collector during timed loops, and captured warnings. Run one measurement at a time
    per process, with nothing else computing in it (in the dashboard: not inside a page rerun
    that other sessions share; hand it to a background job).
    """
    settings = check_serving_settings(settings if settings is not None else ServingSettings())
    if not isinstance(models, Mapping):
        raise InputError(f"models must be a mapping of candidate name to model, not {type(models).__name__}.")
    files = {str(k): v if isinstance(v, int) else Path(v) for k, v in (model_files or {}).items()}
    stray = sorted(set(files) - set(map(str, models)))
    if stray:
        raise InputError(f"model_files names candidate(s) {', '.join(stray)} that are not among the models.")
    meta = _resolve_metadata(metadata)
    clash = sorted(set(meta) & set(map(str, models)))
    if clash:
        raise InputError(f"candidate(s) {', '.join(clash)} have both a model and serving metadata; give one.")
    if not models and not meta:
        raise InputError("there is nothing to measure: pass at least one model or metadata file.")
    table = load_instance_prices(settings.prices_path)
    table.get(settings.instance)
    clock: Timer = timer or time.perf_counter_ns
    notify = progress or (lambda name, stage, fraction: None)

    started = clock()
    load_before = read_loadavg(loadavg)
    timer_info = measure_timer_overhead(timer)
    entries: list[_Entry] = []
    pool = None
    if models:
        pool = InputPool(
            X,
            n_rows=min(settings.warmup + settings.n_calls, MAX_POOL_ROWS),
            batch_sizes=settings.batch_sizes,
            random_state=settings.random_state,
        )
        for name, model in models.items():
            features = (features_by_model or {}).get(str(name))
            entry = _make_entry(str(name), model, X, settings, files.get(str(name)), features)
            entries.append(entry)
            if settings.variants and entry.callable:
                notify(entry.name, "convert", 0.0)
                entries.extend(_variant_entries(entry, X, settings))

    threadpools: tuple[tuple[str, int], ...] = ()
    gc.collect()  # once: every timed loop then only collects the young generations
    cpu_before = (cpu_times or read_cpu_times)()
    timing_started = time.perf_counter()
    with threadpool_limits(limits=settings.threads):
        threadpools = threadpool_summary()
        if pool is not None:
            _measure_entries(entries, pool, settings, timer_info, clock, notify)
    contention = others_cpu(cpu_before, (cpu_times or read_cpu_times)(), time.perf_counter() - timing_started)
    load_after = read_loadavg(loadavg)
    environment = build_environment(
        threads=settings.threads,
        load_before=load_before,
        load_after=load_after,
        threadpools=threadpools,
        others_cpu_cores=contention if pool is not None else None,
    )
    candidates = [_finish(e, settings, table) for e in entries]
    candidates += [_metadata_candidate(n, m, settings, table) for n, m in meta.items()]
    notes = [
        f"timer overhead {timer_info.overhead_ns:.0f} ns per timed interval ({timer_info.name}); every "
        "single-call figure includes it once.",
        f"peak memory: {PEAK_MEMORY_SCOPE}",
    ]
    if environment.busy:
        notes.insert(0, f"the machine was busy ({environment.busy_rule}): {BUSY_NOTE}.")
    return ServingReport(
        candidates=tuple(candidates),
        environment=environment,
        timer=timer_info,
        settings=settings.to_dict(),
        duration_s=(clock() - started) / 1e9,
        notes=tuple(notes),
        assumptions=_assumptions(settings, table),
    )


def _assumptions(settings: ServingSettings, table: PriceTable) -> dict:
    """The report-wide assumptions, for a footnote next to the figures."""
    reference = estimate_cost(
        None,
        table=table,
        instance=settings.instance,
        price_per_hour=settings.price_per_hour,
        threads=settings.threads,
        utilisation=settings.utilisation,
        basis="",
    ).assumption
    return {
        "latency": "single-stream: one single-row request at a time, from the evaluation rows (seeded), "
        f"after {settings.warmup} warm-up calls, garbage collector paused, {settings.threads} thread(s)",
        "percentiles": f"nearest rank (numpy method={PERCENTILE_METHOD!r})",
        "throughput": "rows per second of one worker: batch size / median batch time",
        "cost_formula": COST_FORMULA,
        "instance": reference.instance,
        "vcpus": reference.vcpus,
        "usd_per_hour": reference.usd_per_hour,
        "price_source": reference.price_source,
        "threads": reference.threads,
        "workers": reference.workers,
        "utilisation": reference.utilisation,
        "peak_memory": PEAK_MEMORY_SCOPE,
        "busy_rule": BUSY_RULE,
        "megabyte": "10^6 bytes",
    }


def _measure_entries(
    entries: list[_Entry],
    pool: InputPool,
    settings: ServingSettings,
    timer_info: TimerInfo,
    clock: Timer,
    notify: Progress,
) -> None:
    for e in entries:
        if not e.callable:
            _measure_footprint(e)
    live = [e for e in entries if e.callable]
    if not live:
        return
    steps = len(live) * (settings.rounds + 2)
    done = 0

    def tick(entry: _Entry, stage: str) -> None:
        nonlocal done
        done += 1
        notify(entry.name, stage, min(1.0, done / steps))

    sizes = settings.batch_sizes
    for e in live:
        fn = bind(e.model, e.method)
        with _capturing(e):
            try:
                e.single = SingleStream(
                    fn,
                    pool.rows(e.input_kind, e.columns),
                    warmup=settings.warmup,
                    n_calls=settings.n_calls,
                    rounds=settings.rounds,
                    budget_ns=settings.latency_budget_s * 1e9,
                    timer=clock,
                    overhead_ns=timer_info.overhead_ns,
                    block_threshold=settings.block_threshold,
                )
                e.single.warm_up()
            except Exception as exc:  # any model error: record, keep measuring the others
                e.single_failed = True
                _fail(e, "single-row predict", exc)
            e.curve = BatchCurve(
                fn,
                {b: pool.batch(e.input_kind, b, e.columns) for b in sizes},
                replaced={b: pool.replaced(b) for b in sizes},
                rounds=settings.rounds,
                budget_ns=settings.throughput_budget_s * 1e9,
                min_repeats=settings.min_repeats,
                timer=clock,
            )
        tick(e, "warm-up")

    for r in range(settings.rounds):
        shift = r % len(live)
        for e in live[shift:] + live[:shift]:
            with _capturing(e):
                if not e.single_failed and e.single is not None:
                    try:
                        e.single.run_round(r)
                    except Exception as exc:  # any model error: record, keep measuring the others
                        e.single_failed = True
                        _fail(e, "single-row predict", exc)
                if e.curve is not None:
                    e.curve.run_round(r, on_error=lambda exc, _e=e: _fail(_e, "batch predict", exc))
            tick(e, f"round {r + 1}/{settings.rounds}")

    for e in live:
        with _capturing(e):
            if settings.server is not None and not e.single_failed:
                fn = bind(e.model, e.method)
                try:
                    e.server = run_server_scenario(
                        fn,
                        lambda start, size, _e=e: pool.server_batch(_e.input_kind, start, size, _e.columns),
                        settings.server,
                        random_state=settings.random_state,
                        timer=clock,
                    )
                except Exception as exc:  # any model error: record, keep measuring the others
                    _fail(e, "server scenario", exc)
                for run in e.server:
                    if run.truncated:
                        e.notes.append(
                            f"server scenario ({run.policy}) stopped by its budget after {run.n_requests} of "
                            f"{run.n_scheduled} requests."
                        )
            _measure_footprint(e)
        tick(e, "server, size and memory")


def _measure_footprint(e: _Entry) -> None:
    """Model size, and peak memory of one predict on the largest batch that worked."""
    if e.model is not None:
        try:
            if isinstance(e.path, int):  # the size of a file no longer on disk (an MLflow model's)
                e.size, e.size_method = e.path, "file"
            else:
                e.size, e.size_method = measure_model_size(e.model, e.path)
        except Exception as exc:  # an object neither skops nor pickle can serialise
            _fail(e, "model size", exc)
    points = e.curve.points() if e.curve is not None else ()
    if points and e.callable:
        batch_size = max(p.batch_size for p in points)
        try:
            e.peak_memory = measure_peak_memory(bind(e.model, e.method), e.curve.batches[batch_size])
            e.memory_batch_size = batch_size
        except Exception as exc:  # any model error: record it
            _fail(e, "peak memory", exc)


def _finish(e: _Entry, settings: ServingSettings, table: PriceTable) -> CandidateServing:
    latency = None
    notes = list(e.notes)
    if e.single is not None and not e.single_failed:
        latency, latency_notes = e.single.result(e.input_kind or "")
        notes.extend(latency_notes)
    points = e.curve.points() if e.curve is not None else ()
    cost_args = dict(
        table=table,
        instance=settings.instance,
        price_per_hour=settings.price_per_hour,
        threads=settings.threads,
        utilisation=settings.utilisation,
    )
    cost_single = cost_batch = None
    if e.callable:
        cost_single = estimate_cost(
            None if latency is None else latency.mean_ms / 1e3,
            basis="single row (single-stream mean latency)",
            **cost_args,
        )
        best = best_point(points)
        cost_batch = estimate_cost(
            None if best is None else 1.0 / best.rows_per_s,
            basis="batched (best batch size throughput)",
            batch_size=1 if best is None else best.batch_size,
            **cost_args,
        )
    notes.extend(f"the model warned: {w}" for w in e.warnings[:3])
    return CandidateServing(
        name=e.name,
        kind=e.kind,
        runtime=e.runtime,
        base=e.base,
        variant=e.variant,
        method=e.method,
        latency=latency,
        throughput=points,
        server=e.server,
        model_size_bytes=e.size,
        size_method=e.size_method,
        peak_memory_bytes=e.peak_memory,
        memory_batch_size=e.memory_batch_size,
        cost_single=cost_single,
        cost_batch=cost_batch,
        conversion=e.conversion,
        notes=tuple(notes),
        errors=tuple(e.errors),
    )
