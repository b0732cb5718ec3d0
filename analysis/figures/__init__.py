"""Plotly figure builders from Tradeoffs records (scorecards, decision results, their sections).

Every function takes records and returns a ``plotly.graph_objects.Figure``: no Streamlit, no I/O,
so the dashboard and the reports draw the same charts. Colours mean the same thing everywhere:
one colour per candidate (:func:`candidate_colours`, in scorecard order) and one for the Pareto
front (:data:`FRONT_COLOUR`). Axes of "min" objectives are reversed so better is up and right.
"""

from analysis.figures._decision import (
    RankingBar,
    make_acceptability_figure,
    make_ranking_figure,
    make_regret_figure,
    make_weight_stability_figure,
    make_win_share_figure,
    ranking_bars,
    ranking_html,
    win_share_bars,
)
from analysis.figures._drift import make_backtest_figure, make_bins_figure, make_psi_figure, make_window_figure
from analysis.figures._explain import make_importance_comparison_figure, make_importance_figure, make_local_figure
from analysis.figures._fairness import (
    RATE_LABELS,
    group_table_caption,
    make_disparity_figure,
    make_group_table,
    make_slice_figure,
    small_group_note,
    small_group_warning,
)
from analysis.figures._labels import PlacedLabel, place_labels
from analysis.figures._operating import make_group_rate_figure, make_operating_cloud_figure, make_threshold_figure
from analysis.figures._palette import (
    CANDIDATE_PALETTE,
    DOMINATED_COLOUR,
    FRONT_COLOUR,
    MAX_DISTINCT,
    REFERENCE_COLOUR,
    base_name,
    candidate_colours,
    colour_of,
)
from analysis.figures._parallel import PARALLEL_SAMPLE, ParallelRows, compute_parallel_rows, make_parallel_figure
from analysis.figures._quality import (
    make_calibration_figure,
    make_confusion_figure,
    make_interval_figure,
    make_pr_figure,
    make_regression_figure,
    make_roc_figure,
    single_operating_point,
)
from analysis.figures._serving import make_cost_figure, make_latency_figure, make_throughput_figure
from analysis.figures._style import DEFAULT_WIDTH, fit_title, fmt, fmt_pm, objective_title, snap_zero
from analysis.figures._subset import TOP_CANDIDATES, CandidateSubset, choose_candidates
from analysis.figures._tradeoffs import describe_point, make_tradeoff_figure

__all__ = [
    "make_group_rate_figure",
    "make_operating_cloud_figure",
    "make_threshold_figure",
    "DEFAULT_WIDTH",
    "PARALLEL_SAMPLE",
    "TOP_CANDIDATES",
    "CandidateSubset",
    "choose_candidates",
    "ParallelRows",
    "PlacedLabel",
    "compute_parallel_rows",
    "fit_title",
    "place_labels",
    "single_operating_point",
    "snap_zero",
    "group_table_caption",
    "make_group_table",
    "small_group_note",
    "small_group_warning",
    "CANDIDATE_PALETTE",
    "DOMINATED_COLOUR",
    "FRONT_COLOUR",
    "MAX_DISTINCT",
    "RATE_LABELS",
    "REFERENCE_COLOUR",
    "base_name",
    "candidate_colours",
    "colour_of",
    "describe_point",
    "fmt",
    "fmt_pm",
    "make_acceptability_figure",
    "make_backtest_figure",
    "make_bins_figure",
    "make_calibration_figure",
    "make_confusion_figure",
    "make_cost_figure",
    "make_disparity_figure",
    "make_importance_comparison_figure",
    "make_importance_figure",
    "make_interval_figure",
    "make_latency_figure",
    "make_local_figure",
    "make_parallel_figure",
    "make_psi_figure",
    "make_pr_figure",
    "make_ranking_figure",
    "RankingBar",
    "ranking_bars",
    "ranking_html",
    "win_share_bars",
    "make_regret_figure",
    "make_regression_figure",
    "make_roc_figure",
    "make_slice_figure",
    "make_throughput_figure",
    "make_tradeoff_figure",
    "make_weight_stability_figure",
    "make_win_share_figure",
    "make_window_figure",
    "objective_title",
]
