"""Feeding in-memory predictions to the chunked accumulator, a few candidates at a time.

:func:`score_predictions` cuts the evaluation rows into chunks of ``chunk_rows``, builds each
chunk's :class:`~analysis.evaluation._accumulate.RowChunk` (labels, group and window codes,
value columns, every candidate's predictions) and adds it to a
:class:`~analysis.evaluation._accumulate.ScoreAccumulator`. What an accumulator holds grows with
the candidates (mostly their ranking histograms, bins x resamples each), so candidates are
scored in batches that fit :data:`BATCH_BYTES`; the bootstrap weights of a chunk are drawn once
and kept (as bytes) for the next batches when they fit :data:`WEIGHT_CACHE_BYTES`, else drawn
again (they are a pure function of the row positions, so both give the same numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from analysis.evaluation._accumulate import (
    MAX_BINS,
    CandidatePlan,
    CandidateScores,
    ChunkPredictions,
    RowChunk,
    ScoreAccumulator,
    ScorePlan,
    make_score_bins,
)
from analysis.evaluation._bootstrap import poisson_weights
from analysis.evaluation._data import EvalData
from analysis.evaluation._fairness import GroupIndex
from analysis.evaluation._predict import Predictions
from analysis.evaluation._value import ValueSpec, value_row_columns

#: Rows per chunk: 16,384 rows x 1,001 weightings of float64 is 131 MB of weights at most.
CHUNK_ROWS = 16_384
#: Bytes of accumulated statistics held at once (candidates are batched to fit).
BATCH_BYTES = 256 * 2**20
#: Largest rows x resamples (one byte each) kept between candidate batches.
WEIGHT_CACHE_BYTES = 256 * 2**20


def candidate_plan(task: str, y: np.ndarray, pred: Predictions, *, max_bins: int = MAX_BINS) -> CandidatePlan:
    """Which statistics a candidate needs, with score bins chosen from its whole score column."""
    bins: tuple = ()
    if task == "binary" and pred.y_score is not None:
        bins = (make_score_bins(pred.y_score, max_bins=max_bins),)
    elif task == "multiclass" and pred.y_prob is not None:
        bins = tuple(make_score_bins(pred.y_prob[:, c], max_bins=max_bins) for c in range(pred.y_prob.shape[1]))
    return CandidatePlan(pred.name, pred.y_prob is not None, bins)


def _candidate_bytes(plan: ScorePlan, cand: CandidatePlan) -> int:
    R1 = plan.n_weightings
    hist = sum(b.n_bins for b in cand.bins) * 2 * (R1 + plan.n_windows)
    groups = sum(g for _, g in plan.groups) * 2 * R1
    return 8 * (hist + groups + 64 * (R1 + plan.n_windows))


def _batches(plan: ScorePlan) -> list[tuple[int, int]]:
    out, start, size = [], 0, 0
    for i, cand in enumerate(plan.candidates):
        b = _candidate_bytes(plan, cand)
        if i > start and size + b > BATCH_BYTES:
            out.append((start, i))
            start, size = i, 0
        size += b
    if start < len(plan.candidates):
        out.append((start, len(plan.candidates)))
    return out


def _chunk(
    data: EvalData,
    predictions: Sequence[Predictions],
    groups: Sequence[GroupIndex],
    window_codes: np.ndarray | None,
    value: ValueSpec,
    a: int,
    b: int,
) -> RowChunk:
    preds = tuple(
        ChunkPredictions(
            p.y_pred[a:b],
            None if p.y_prob is None else p.y_prob[a:b],
            None if p.y_score is None else p.y_score[a:b],
        )
        for p in predictions
    )
    value_rows = value_row_columns(data.frame.iloc[a:b], value) if data.task == "binary" else {}
    return RowChunk(
        start=a,
        y=data.y[a:b],
        predictions=preds,
        group_codes=tuple(g.codes[a:b] for g in groups),
        window_codes=None if window_codes is None else window_codes[a:b],
        value_rows=value_rows,
    )


def score_predictions(
    data: EvalData,
    predictions: Sequence[Predictions],
    *,
    groups: Sequence[GroupIndex] = (),
    window_codes: np.ndarray | None = None,
    n_windows: int = 0,
    n_resamples: int,
    random_state: int,
    max_bins: int = MAX_BINS,
    chunk_rows: int = CHUNK_ROWS,
    reduce: Callable[[CandidateScores], Any] | None = None,
) -> list:
    """Every candidate's metrics for the point estimate and each Poisson resample, chunk by chunk.

    ``reduce``, when given, is applied to each candidate's :class:`CandidateScores` as soon as
    it is finished and its result kept instead, so per-group resamples (groups x resamples per
    rate) never pile up over many candidates.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    value = data.value if data.task == "binary" else ValueSpec()
    plan = ScorePlan(
        task=data.task,
        n_classes=len(data.spec.classes),
        n_resamples=n_resamples,
        random_state=random_state,
        groups=tuple((g.attribute, g.n_groups) for g in groups),
        n_windows=n_windows if window_codes is not None else 0,
        value=value,
        candidates=tuple(candidate_plan(data.task, data.y, p, max_bins=max_bins) for p in predictions),
    )
    batches = _batches(plan)
    n = data.n_rows
    cache: dict[int, np.ndarray] | None = {} if len(batches) > 1 and n * n_resamples <= WEIGHT_CACHE_BYTES else None
    out: list[CandidateScores] = []
    for lo, hi in batches:
        sub = ScorePlan(**{**plan.__dict__, "candidates": plan.candidates[lo:hi]})
        acc = ScoreAccumulator(sub)
        for a in range(0, n, chunk_rows):
            b = min(n, a + chunk_rows)
            acc.add(
                _chunk(data, predictions[lo:hi], groups, window_codes, value, a, b),
                weights=_weights(a, b - a, n_resamples, random_state, cache),
            )
        for i in range(hi - lo):
            scores = acc.finish_candidate(i)
            out.append(reduce(scores) if reduce else scores)
        del acc
    return out


def _weights(start: int, m: int, n_resamples: int, random_state: int, cache: dict | None) -> np.ndarray:
    if cache is not None and start in cache:
        raw = cache[start]
    else:
        raw = poisson_weights(start, m, n_resamples, random_state=random_state)
        if cache is not None:
            cache[start] = raw
    Wt = np.empty((m, n_resamples + 1))
    Wt[:, 0] = 1.0
    Wt[:, 1:] = raw.T
    return Wt
