"""Evaluation: every candidate measured on the same rows, into a :class:`~analysis.scorecard.Scorecard`."""

from analysis.evaluation._accumulate import (
    CandidatePlan,
    CandidateScores,
    ChunkPredictions,
    RowChunk,
    ScoreAccumulator,
    ScoreBins,
    ScorePlan,
    make_score_bins,
    ranking_from_bins,
)
from analysis.evaluation._bootstrap import poisson_weights
from analysis.evaluation._data import EvalData, infer_task, prepare_data
from analysis.evaluation._evaluate import (
    EvalSettings,
    check_prediction_rows,
    evaluate_predictions,
    library_versions,
    machine_record,
)
from analysis.evaluation._fairness import (
    GroupIndex,
    build_group_indexes,
    count_groups,
    disparities,
    eligible_groups,
    group_rate_intervals,
    group_rates,
    scored_fairness,
    wilson_interval,
)
from analysis.evaluation._feature_types import check_feature_types
from analysis.evaluation._predict import Predictions, TargetSpec, load_prediction_file, predict_model, resolve_features
from analysis.evaluation._run import evaluate_candidates, predict_candidates
from analysis.evaluation._score import score_predictions
from analysis.evaluation._support import duplicate_id_warning, support_warnings
from analysis.evaluation._value import ValueSpec, parse_value_matrix

__all__ = [
    "CandidatePlan",
    "CandidateScores",
    "ChunkPredictions",
    "RowChunk",
    "ScoreAccumulator",
    "ScoreBins",
    "ScorePlan",
    "make_score_bins",
    "poisson_weights",
    "ranking_from_bins",
    "score_predictions",
    "eligible_groups",
    "group_rate_intervals",
    "scored_fairness",
    "wilson_interval",
    "EvalData",
    "EvalSettings",
    "GroupIndex",
    "Predictions",
    "TargetSpec",
    "ValueSpec",
    "build_group_indexes",
    "check_feature_types",
    "check_prediction_rows",
    "duplicate_id_warning",
    "support_warnings",
    "count_groups",
    "disparities",
    "evaluate_candidates",
    "evaluate_predictions",
    "group_rates",
    "infer_task",
    "library_versions",
    "load_prediction_file",
    "machine_record",
    "parse_value_matrix",
    "predict_candidates",
    "predict_model",
    "prepare_data",
    "resolve_features",
]
