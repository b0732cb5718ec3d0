"""Scoring chunk by chunk: per-replicate sums of every term, merged, then turned into metrics.

Every figure of the scorecard is a function of weighted sums over rows: accuracy of
``sum(w * correct)`` and ``sum(w)``, a group's true-positive rate of that group's ``sum(w * tp)``
and ``sum(w * y)``, a calibration bin's gap of ``sum(w * (y - p))`` over the bin, a value
objective of ``sum(w * value)``, ROC AUC and average precision of the weighted positives and
negatives per score bin. So rows can be read a chunk at a time: for each chunk, the weights of
the point estimate (all ones) and of every Poisson resample (:mod:`._bootstrap`, a pure
function of the row's position) multiply that chunk's terms, and the products are *added* to
arrays of size O(resamples x statistics). Memory is independent of the number of rows apart from
the chunk itself, and two accumulators over different rows merge by adding their arrays (the
way Dask partitions will be combined).

:class:`ScorePlan` fixes what is summed (task, groups, windows, value terms, each candidate's
score bins); :class:`RowChunk` carries one chunk's rows; :class:`ScoreAccumulator` has
``add(chunk)``, ``merge(other)`` and ``finish()``, which returns one :class:`CandidateScores` per
candidate: every metric for the point estimate (index 0) and each resample (1..R), per-group
counts and rates, per-window metrics, and the ranking-metric bounds.

Groups are summed through each row's group code (a sparse group x row map per chunk), so a
1,000-group attribute costs O(groups x resamples), never rows x groups.

Ranking metrics use score bins (:class:`ScoreBins`): the distinct scores themselves when there
are at most ``max_bins`` of them (exact, equal to scikit-learn with ``sample_weight``), else
``max_bins`` bins between quantiles of the scores. Pairs in different bins are ordered exactly;
pairs in the same bin count as ties, so
``|AUC - AUC_binned| <= 0.5 * sum_k p_k n_k / (W_pos W_neg)`` and, for average precision,
``|AP - AP_binned| <= sum_k (p_k / W_pos) (hi_k - lo_k)`` with ``hi_k``/``lo_k`` the largest and
smallest precision a threshold inside bin ``k`` can have; both bounds come from the same counts
and are returned next to the figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from analysis.evaluation._bootstrap import weights_with_point
from analysis.evaluation._fairness import GroupCounts, group_rates
from analysis.evaluation._metrics import (
    BinaryInputs,
    MulticlassInputs,
    Sums,
    binary_metrics,
    binary_terms,
    multiclass_metrics,
    multiclass_terms,
    ratio,
    regression_metrics,
    regression_terms,
)
from analysis.evaluation._value import ValueSpec, value_terms

#: Default number of score bins for ranking metrics (exact below it).
MAX_BINS = 2048
GROUP_RATES = ("selection_rate", "accuracy", "tpr", "fpr")


# ---------------------------------------------------------------------------------------
# Score bins
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScoreBins:
    """How a score column is cut into ordered bins for ranking metrics.

    ``exact``: ``edges`` are the distinct scores and bin ``k`` holds score ``edges[k]``.
    Otherwise ``edges`` are cut points and bin ``k`` holds scores in ``[edges[k-1], edges[k])``.
    """

    edges: np.ndarray
    exact: bool

    def __eq__(self, other: object) -> bool:
        # By value: plans are compared after travelling to Dask workers and back (new arrays).
        if not isinstance(other, ScoreBins):
            return NotImplemented
        return self.exact == other.exact and np.array_equal(self.edges, other.edges)

    def __hash__(self) -> int:
        return hash((self.exact, len(self.edges), self.edges.tobytes()[:64]))

    @property
    def n_bins(self) -> int:
        return len(self.edges) if self.exact else len(self.edges) + 1

    def codes(self, score: np.ndarray) -> np.ndarray:
        """The bin of each score."""
        score = np.asarray(score, dtype=float)
        if self.exact:
            return np.minimum(np.searchsorted(self.edges, score), len(self.edges) - 1)
        return np.searchsorted(self.edges, score, side="right")


def make_score_bins(score: np.ndarray, *, max_bins: int = MAX_BINS) -> ScoreBins:
    """Bins for ``score``: its distinct values if at most ``max_bins``, else quantile cut points."""
    score = np.asarray(score, dtype=float).ravel()
    distinct = np.unique(score)
    if len(distinct) <= max_bins:
        return ScoreBins(distinct, exact=True)
    cuts = np.unique(np.quantile(score, np.linspace(0, 1, max_bins + 1)[1:-1]))
    return ScoreBins(cuts, exact=False)


def ranking_from_bins(pos: np.ndarray, neg: np.ndarray) -> dict[str, np.ndarray]:
    """ROC AUC, average precision and their binning bounds from per-bin counts.

    ``pos``/``neg`` are (bins, weightings), bins in ascending score order. With one score per
    bin both bounds are 0 and the figures equal scikit-learn's with ``sample_weight``.
    """
    cpos = np.cumsum(pos, axis=0)
    cneg = np.cumsum(neg, axis=0)
    P, N = cpos[-1], cneg[-1]
    pn = P * N
    auc = _div(np.einsum("kb,kb->b", pos, cneg - 0.5 * neg), pn)
    auc_bound = _div(0.5 * np.einsum("kb,kb->b", pos, neg), pn)
    # Thresholds from the highest bin down: rows in bins above k, and in k itself.
    tp_above = P - cpos
    fp_above = N - cneg
    tp = tp_above + pos
    predicted = tp + fp_above + neg
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    ap = _div(np.einsum("kb,kb->b", pos, precision), P)
    lo_den = tp_above + fp_above + neg
    lo = np.divide(tp_above, lo_den, out=np.zeros_like(tp), where=lo_den > 0)
    hi_den = tp + fp_above
    hi = np.divide(tp, hi_den, out=np.ones_like(tp), where=hi_den > 0)
    ap_bound = _div(np.einsum("kb,kb->b", pos, hi - lo), P)
    return {"roc_auc": auc, "pr_auc": ap, "roc_auc_bound": auc_bound, "pr_auc_bound": ap_bound}


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=den > 0)


# ---------------------------------------------------------------------------------------
# Plan and chunks
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CandidatePlan:
    """What is summed for one candidate: its name, whether it has probabilities, its score bins."""

    name: str
    has_prob: bool
    bins: tuple[ScoreBins, ...] = ()  # binary: one; multiclass: one per class; none without scores


@dataclass(frozen=True)
class ScorePlan:
    """Everything fixed before the rows are read (the same on every chunk and worker)."""

    task: str
    n_classes: int
    n_resamples: int
    random_state: int
    groups: tuple[tuple[str, int], ...] = ()  # (attribute, number of groups)
    n_windows: int = 0
    value: ValueSpec = field(default_factory=ValueSpec)  # binary tasks: the value terms
    candidates: tuple[CandidatePlan, ...] = ()
    #: Binary tasks: which of ``groups`` the stored threshold curves are kept per group for (the single
    #: sensitive attributes of at most ``STORED_GROUPS`` groups), as indices into ``groups``.
    curve_groups: tuple[int, ...] = ()

    @property
    def n_weightings(self) -> int:
        return self.n_resamples + 1


@dataclass(frozen=True)
class ChunkPredictions:
    """One candidate's predictions on the rows of a chunk."""

    y_pred: np.ndarray
    y_prob: np.ndarray | None = None
    y_score: np.ndarray | None = None


@dataclass(frozen=True)
class RowChunk:
    """Rows ``start .. start + len(y) - 1`` of the evaluation data, with every candidate's predictions.

    ``start`` is the rows' global position: it sets their bootstrap weights.
    """

    start: int
    y: np.ndarray
    predictions: tuple[ChunkPredictions, ...]
    group_codes: tuple[np.ndarray, ...] = ()
    window_codes: np.ndarray | None = None
    value_rows: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.y)


# ---------------------------------------------------------------------------------------
# Per-chunk sums
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Grouping:
    """A chunk's rows sorted by group code: what a sparse group x row map is built from."""

    codes: np.ndarray  # per row
    order: np.ndarray  # rows sorted by code (stable)
    n_groups: int


def _grouping(codes: np.ndarray, n_groups: int) -> _Grouping:
    codes = np.asarray(codes)
    # A stable sort of 16-bit keys is a radix sort in numpy: linear in the rows.
    keys = codes.astype(np.uint16) if n_groups <= 1 << 16 else codes
    return _Grouping(codes, np.argsort(keys, kind="stable"), n_groups)


def _group_sum(grouping: _Grouping, values: np.ndarray | None, Wt: np.ndarray) -> np.ndarray:
    """``(groups, weightings)``: sum over each group's rows of ``values * weight``.

    Rows whose value is 0 are left out of the sparse map, so a 0/1 statistic costs its ones.
    Pass float32 weights only for integer-valued statistics (sums of Poisson counts over a
    chunk stay far below 2**24, so float32 is exact there).
    """
    order = grouping.order
    if values is None:
        data = np.ones(len(order), dtype=Wt.dtype)
    else:
        v = np.asarray(values)[order]
        keep = v != 0
        order, data = order[keep], v[keep].astype(Wt.dtype)
    counts = np.bincount(grouping.codes[order], minlength=grouping.n_groups)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    m = sparse.csr_matrix((data, order, indptr), shape=(grouping.n_groups, Wt.shape[0]))
    return np.asarray(m @ Wt, dtype=np.float64)


def _chunk_terms(plan: ScorePlan, chunk: RowChunk, pred: ChunkPredictions) -> tuple[list[str], np.ndarray]:
    """Names and rows x terms matrix of one candidate's per-row terms on a chunk."""
    y = chunk.y
    if plan.task == "binary":
        t = binary_terms(BinaryInputs(y, pred.y_pred, pred.y_prob, pred.y_score))
        for name, col in value_terms(chunk.value_rows, y, pred.y_pred, plan.value).items():
            t.add(f"v|{name}", col)
    elif plan.task == "multiclass":
        t = multiclass_terms(MulticlassInputs(y, pred.y_pred, pred.y_prob, plan.n_classes))
    else:
        t = regression_terms(y, pred.y_pred)
    cols = t.columns + t.sparse_columns
    X = np.column_stack(cols) if cols else np.zeros((len(y), 0))
    return t.all_names, X


def _candidate_group_values(task: str, y: np.ndarray, pred: ChunkPredictions) -> dict[str, np.ndarray]:
    """Per-row values summed per group for one candidate (shared counts ``n``/``pos`` apart)."""
    if task == "binary":
        p = np.asarray(pred.y_pred, dtype=float)
        return {"pred": p, "tp": p * y}
    if task == "multiclass":
        return {"correct": (np.asarray(pred.y_pred) == y).astype(float)}
    return {"abs_err": np.abs(np.asarray(pred.y_pred, dtype=float) - y)}


def _ranking_columns(task: str, y: np.ndarray, pred: ChunkPredictions, n_bins: int) -> list[tuple]:
    """(positive mask, score) per ranking column of a candidate."""
    if n_bins == 0:
        return []
    if task == "binary":
        return [(np.asarray(y) == 1, pred.y_score)]
    return [(np.asarray(y) == c, pred.y_prob[:, c]) for c in range(n_bins)]


class ScoreAccumulator:
    """Per-replicate sums of every statistic of every candidate, over the rows added so far.

    >>> plan = ScorePlan("regression", 0, n_resamples=2, random_state=0, candidates=(CandidatePlan("m", False),))
    >>> y = np.arange(6.0)
    >>> whole = ScoreAccumulator(plan)
    >>> whole.add(RowChunk(0, y, (ChunkPredictions(y + 1),)))
    >>> parts = [ScoreAccumulator(plan), ScoreAccumulator(plan)]
    >>> parts[0].add(RowChunk(0, y[:4], (ChunkPredictions(y[:4] + 1),)))
    >>> parts[1].add(RowChunk(4, y[4:], (ChunkPredictions(y[4:] + 1),)))
    >>> merged = parts[0].merge(parts[1])
    >>> bool(np.allclose(whole.finish()[0].metrics["mae"], merged.finish()[0].metrics["mae"]))
    True
    """

    def __init__(self, plan: ScorePlan) -> None:
        self.plan = plan
        R1 = plan.n_weightings
        self.rows = 0
        self.weight = np.zeros(R1)
        self.term_names: list[list[str] | None] = [None] * len(plan.candidates)
        self.terms: list[np.ndarray | None] = [None] * len(plan.candidates)
        shared = ("n", "pos") if plan.task == "binary" else ("n",)
        self.shared_groups = {(a, s): np.zeros((g, R1)) for a, g in plan.groups for s in shared}
        self.groups: list[dict] = [dict() for _ in plan.candidates]
        self.hist: list[list[tuple[np.ndarray, np.ndarray]]] = [
            [(np.zeros((b.n_bins, R1)), np.zeros((b.n_bins, R1))) for b in c.bins] for c in plan.candidates
        ]
        nw = plan.n_windows
        self.window_n = np.zeros(nw)
        self.window_terms: list[np.ndarray | None] = [None] * len(plan.candidates)
        self.window_hist: list[list[tuple[np.ndarray, np.ndarray]]] = [
            [(np.zeros((nw, b.n_bins)), np.zeros((nw, b.n_bins))) for b in c.bins] for c in plan.candidates
        ]

    # -- adding rows ---------------------------------------------------------------------
    def add(self, chunk: RowChunk, *, weights: np.ndarray | None = None) -> None:
        """Add one chunk's sums.

        ``weights`` (rows x (1 + resamples), from
        :func:`~analysis.evaluation._bootstrap.weights_with_point`) may be passed when several
        accumulators share a chunk; it is computed from ``chunk.start`` otherwise.
        """
        plan = self.plan
        m = chunk.n_rows
        if m == 0:
            return
        Wt = (
            weights_with_point(chunk.start, m, plan.n_resamples, random_state=plan.random_state)
            if weights is None
            else weights
        )
        y = np.asarray(chunk.y, dtype=float)
        self.rows += m
        self.weight += Wt.sum(axis=0)
        # For the 0/1 and count statistics: exact while a chunk's sums stay below 2**24 (at most
        # 12 x 2**20), and half the memory traffic.
        Wt32 = Wt.astype(np.float32) if m <= 1 << 20 else Wt
        groupings = [
            _grouping(np.asarray(codes), g) for codes, (_, g) in zip(chunk.group_codes, plan.groups, strict=True)
        ]
        for (attr, _), grouping in zip(plan.groups, groupings, strict=True):
            self.shared_groups[(attr, "n")] += _group_sum(grouping, None, Wt32)
            if plan.task == "binary":
                self.shared_groups[(attr, "pos")] += _group_sum(grouping, y, Wt32)
        win = None
        if plan.n_windows and chunk.window_codes is not None:
            win = np.asarray(chunk.window_codes)
            self.window_n += np.bincount(win, minlength=plan.n_windows)
        for i, (cand, pred) in enumerate(zip(plan.candidates, chunk.predictions, strict=True)):
            names, X = _chunk_terms(plan, chunk, pred)
            if self.terms[i] is None:
                self.term_names[i] = names
                self.terms[i] = np.zeros((X.shape[1], plan.n_weightings))
                self.window_terms[i] = np.zeros((plan.n_windows, X.shape[1]))
            self.terms[i] += X.T @ Wt
            for (attr, _), grouping in zip(plan.groups, groupings, strict=True):
                for stat, values in _candidate_group_values(plan.task, y, pred).items():
                    acc = self.groups[i].setdefault((attr, stat), 0.0)
                    exact32 = plan.task != "regression"  # 0/1 statistics; absolute errors need float64
                    self.groups[i][(attr, stat)] = acc + _group_sum(grouping, values, Wt32 if exact32 else Wt)
            if win is not None:
                for t in range(X.shape[1]):
                    self.window_terms[i][:, t] += np.bincount(win, weights=X[:, t], minlength=plan.n_windows)
            for j, (is_pos, score) in enumerate(_ranking_columns(plan.task, chunk.y, pred, len(cand.bins))):
                codes = cand.bins[j].codes(score)
                grouping = _grouping(codes, cand.bins[j].n_bins)
                pos_hist, neg_hist = self.hist[i][j]
                pos_hist += _group_sum(grouping, is_pos, Wt32)
                neg_hist += _group_sum(grouping, ~is_pos, Wt32)
                if win is not None:
                    k = cand.bins[j].n_bins
                    flat = win * k + codes
                    wp, wn = self.window_hist[i][j]
                    size = plan.n_windows * k
                    wp += np.bincount(flat, weights=is_pos, minlength=size).reshape(plan.n_windows, k)
                    wn += np.bincount(flat, weights=~is_pos, minlength=size).reshape(plan.n_windows, k)

    def merge(self, other: ScoreAccumulator) -> ScoreAccumulator:
        """Add ``other``'s sums (same plan, other rows) to this accumulator and return it."""
        if other.plan != self.plan:
            raise ValueError("cannot merge accumulators of different plans")
        self.rows += other.rows
        self.weight += other.weight
        self.window_n += other.window_n
        for k, v in other.shared_groups.items():
            self.shared_groups[k] += v
        for i in range(len(self.plan.candidates)):
            if other.terms[i] is not None:
                if self.terms[i] is None:
                    self.term_names[i] = other.term_names[i]
                    self.terms[i] = other.terms[i].copy()
                    self.window_terms[i] = other.window_terms[i].copy()
                else:
                    self.terms[i] += other.terms[i]
                    self.window_terms[i] += other.window_terms[i]
            for k, v in other.groups[i].items():
                self.groups[i][k] = self.groups[i].get(k, 0.0) + v
            for (p, n), (op, on) in zip(self.hist[i], other.hist[i], strict=True):
                p += op
                n += on
            for (p, n), (op, on) in zip(self.window_hist[i], other.window_hist[i], strict=True):
                p += op
                n += on
        return self

    # -- results -------------------------------------------------------------------------
    def finish(self) -> list[CandidateScores]:
        """Every candidate's metrics from the sums (index 0 = point estimate, 1.. = resamples)."""
        return [self.finish_candidate(i) for i in range(len(self.plan.candidates))]

    def finish_candidate(self, i: int) -> CandidateScores:
        """Candidate ``i``'s metrics (see :meth:`finish`)."""
        plan = self.plan
        cand = plan.candidates[i]
        names = self.term_names[i] or []
        index = {n: j for j, n in enumerate(names)}
        terms = self.terms[i] if self.terms[i] is not None else np.zeros((0, plan.n_weightings))
        sums = Sums(terms.T, index, self.weight)
        metrics, bounds = _quality(plan, sums, self.hist[i])
        groups = self._group_outputs(i)
        window_metrics: dict[str, np.ndarray] = {}
        if plan.n_windows and self.window_terms[i] is not None:
            wsums = Sums(self.window_terms[i], index, self.window_n)
            wh = [(p.T, n.T) for p, n in self.window_hist[i]]
            window_metrics, _ = _quality(plan, wsums, wh)
        return CandidateScores(cand.name, metrics, groups, window_metrics, bounds, self.window_n.copy(), cand.bins)

    def _group_outputs(self, i: int) -> dict:
        plan = self.plan
        out: dict = {}
        for attr, _ in plan.groups:
            n = self.shared_groups[(attr, "n")].T
            out[(attr, "n")] = n
            own = self.groups[i]
            if plan.task == "binary":
                pos = self.shared_groups[(attr, "pos")].T
                pred, tp = own[(attr, "pred")].T, own[(attr, "tp")].T
                counts = GroupCounts(n=n, pos=pos, pred_pos=pred, tp=tp, correct=n - pos - pred + 2 * tp)
                out[(attr, "pos")] = pos
                out[(attr, "pred_pos")] = pred
                out[(attr, "tp")] = tp
                rates = group_rates(counts)
                for r in GROUP_RATES:
                    out[(attr, r)] = rates[r]
            elif plan.task == "multiclass":
                correct = own[(attr, "correct")].T
                out[(attr, "correct")] = correct
                out[(attr, "accuracy")] = ratio(correct, n)
            else:
                out[(attr, "mae")] = ratio(own[(attr, "abs_err")].T, n)
        return out


def _quality(plan: ScorePlan, sums: Sums, hists: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[dict, dict]:
    """Quality and value metrics from sums and ranking histograms (bins x weightings)."""
    bounds: dict[str, np.ndarray] = {}
    if plan.task == "binary":
        out = binary_metrics(sums, None, None)
        if hists:
            r = ranking_from_bins(*hists[0])
            out["roc_auc"], out["pr_auc"] = r["roc_auc"], r["pr_auc"]
            bounds = {"roc_auc": r["roc_auc_bound"], "pr_auc": r["pr_auc_bound"]}
    elif plan.task == "multiclass":
        out = multiclass_metrics(sums, None, None, plan.n_classes)
        if hists:
            per = [ranking_from_bins(p, n) for p, n in hists]
            for key in ("roc_auc", "pr_auc"):
                out[key] = np.column_stack([r[key] for r in per]).mean(axis=1)
                bounds[key] = np.column_stack([r[f"{key}_bound"] for r in per]).mean(axis=1)
    else:
        out = regression_metrics(sums)
    for name in sums.index:
        if name.startswith("v|"):
            out[name[2:]] = ratio(sums[name], sums.weight)
    return out, bounds


@dataclass(frozen=True)
class CandidateScores:
    """One candidate's accumulated results.

    ``metrics``: ``{metric: array (1 + resamples,)}``, index 0 the point estimate;
    ``groups``: ``{(attribute, count or rate): array (1 + resamples, groups)}``;
    ``windows``: ``{metric: array (windows,)}``; ``bounds``: ``{"roc_auc"/"pr_auc": array (1 +
    resamples,)}``, the largest error binning can cause (0 when the bins are the distinct scores).
    """

    name: str
    metrics: dict
    groups: dict
    windows: dict
    bounds: dict
    window_n: np.ndarray
    bins: tuple[ScoreBins, ...] = ()


__all__ = [
    "MAX_BINS",
    "CandidatePlan",
    "CandidateScores",
    "ChunkPredictions",
    "RowChunk",
    "ScoreAccumulator",
    "ScoreBins",
    "ScorePlan",
    "make_score_bins",
    "ranking_from_bins",
]
