"""The decision engine: from a scorecard to a defensible choice among people who want different things.

Data flow::

    Scorecard --table_from_scorecard--> DecisionTable
        --compute_feasibility--> FeasibilityResult      (hard constraints first)
        --compute_pareto-------> ParetoResult           (who is not beaten on everything)
        --score_table----------> ScoreResult            (one method, its normalisation, contributions)
        --compute_profile_result> ProfileResult         (one stakeholder)
        --compute_group_decision> GroupResult           (utilitarian, Borda, Copeland, minimax regret, maximin)
        --compute_sensitivity--> Sensitivity            (weight intervals, SMAA, leave-one-out, ties)
    build_decision(...) -> Decision --decision_to_json--> versioned JSON record

Traps this engine avoids by design: the default ``wsm`` uses fixed bounds, so adding or removing a
candidate never reorders the others (pool normalisations such as min-max or Dynascore's can, and
the leave-one-out check reports it); hard constraints such as ``roc_auc >= majority_baseline +
0.05`` keep a constant baseline from winning just by sitting on the front; and every method and
group rule can be shown side by side, with a flag when they disagree.

Each private module documents its own rules: ``_table`` (input), ``_pareto`` (front, missing
values, knees, trade ratios), ``_scoring`` (methods and normalisations, missing values, ties in
ranks), ``_constraints`` (syntax, unverifiable checks), ``_profiles`` (file format),
``_group`` (rules), ``_sensitivity`` (intervals, SMAA, ties), ``_decide`` (the record).
"""

from analysis.decision._constraints import (
    OPERATORS,
    Constraint,
    ConstraintCheck,
    FeasibilityResult,
    compute_feasibility,
    constraints_of,
    parse_constraint,
)
from analysis.decision._decide import (
    DECISION_SCHEMA,
    DECISION_SCHEMA_VERSION,
    Decision,
    ProfileResult,
    SwitchRow,
    build_decision,
    compute_profile_result,
    compute_switch,
)
from analysis.decision._export import (
    check_decision_file,
    decision_to_dict,
    decision_to_json,
    pareto_to_dict,
    score_to_dict,
)
from analysis.decision._group import (
    DEFAULT_RULE,
    GROUP_RULES,
    GroupResult,
    RuleResult,
    check_rule,
    compute_group_decision,
)
from analysis.decision._group_sensitivity import GroupSensitivity, compute_group_sensitivity
from analysis.decision._pareto import (
    Dominance,
    ParetoResult,
    TradeStep,
    compute_dominance,
    compute_front_ranks,
    compute_knees,
    compute_nondominated,
    compute_pareto,
    compute_trade_ratios,
    naive_nondominated,
)
from analysis.decision._profiles import (
    PROFILES_SCHEMA,
    StakeholderProfile,
    default_profiles,
    find_profile,
    load_profiles,
    make_profile,
    parse_profiles,
)
from analysis.decision._roles import (
    BASELINE_MARGIN,
    BASELINE_RULES,
    KINDS,
    MIN_OBJECTIVES,
    REFERENCE,
    Kind,
    measured_objectives,
    resolve_kind,
    resolve_profile,
    resolve_profiles,
)
from analysis.decision._scoring import (
    ADDITIVE_METHODS,
    METHODS,
    MISSING_POLICIES,
    POOL_INDEPENDENT_METHODS,
    ObjectiveBounds,
    ScoreResult,
    check_method,
    check_weights,
    resolve_bounds,
    score_table,
)
from analysis.decision._sensitivity import (
    DEFAULT_CONCENTRATION,
    LeaveOneOut,
    RankAcceptability,
    Sensitivity,
    WeightInterval,
    WeightStability,
    compute_leave_one_out,
    compute_rank_acceptability,
    compute_sensitivity,
    compute_ties,
    compute_weight_intervals,
    compute_weight_stability,
)
from analysis.decision._table import DecisionTable, table_from_arrays, table_from_scorecard

__all__ = [
    "ADDITIVE_METHODS",
    "BASELINE_MARGIN",
    "BASELINE_RULES",
    "KINDS",
    "MIN_OBJECTIVES",
    "MISSING_POLICIES",
    "REFERENCE",
    "Kind",
    "SwitchRow",
    "measured_objectives",
    "resolve_kind",
    "resolve_profile",
    "resolve_profiles",
    "DECISION_SCHEMA",
    "DECISION_SCHEMA_VERSION",
    "DEFAULT_CONCENTRATION",
    "DEFAULT_RULE",
    "GROUP_RULES",
    "METHODS",
    "OPERATORS",
    "POOL_INDEPENDENT_METHODS",
    "PROFILES_SCHEMA",
    "Constraint",
    "ConstraintCheck",
    "Decision",
    "DecisionTable",
    "Dominance",
    "FeasibilityResult",
    "GroupResult",
    "GroupSensitivity",
    "LeaveOneOut",
    "ObjectiveBounds",
    "ParetoResult",
    "ProfileResult",
    "RankAcceptability",
    "RuleResult",
    "ScoreResult",
    "Sensitivity",
    "StakeholderProfile",
    "TradeStep",
    "WeightInterval",
    "WeightStability",
    "build_decision",
    "check_decision_file",
    "check_method",
    "check_rule",
    "check_weights",
    "compute_dominance",
    "compute_feasibility",
    "compute_front_ranks",
    "compute_group_decision",
    "compute_knees",
    "compute_leave_one_out",
    "compute_nondominated",
    "compute_pareto",
    "compute_profile_result",
    "compute_rank_acceptability",
    "compute_group_sensitivity",
    "compute_sensitivity",
    "compute_switch",
    "compute_ties",
    "compute_trade_ratios",
    "compute_weight_intervals",
    "compute_weight_stability",
    "constraints_of",
    "decision_to_dict",
    "decision_to_json",
    "default_profiles",
    "find_profile",
    "load_profiles",
    "make_profile",
    "naive_nondominated",
    "pareto_to_dict",
    "parse_constraint",
    "parse_profiles",
    "resolve_bounds",
    "score_table",
    "score_to_dict",
    "table_from_arrays",
    "table_from_scorecard",
]
