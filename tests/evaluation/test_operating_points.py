"""Single-threshold operating-point rules and cross-fitting (issue 14, item 2, first part).

References: brute force over every threshold with numpy (what the rule says, checked literally), and
the rule re-applied on each fold's complement for cross-fitting.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis._errors import InputError
from analysis.evaluation._operating_points import (
    OperatingRule,
    choose_threshold,
    crossfit_decisions,
    derived_name,
    parse_operating_points,
)
from analysis.evaluation._thresholds import threshold_counts, threshold_grid


def _data(n: int = 2000, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    s = np.round(1 / (1 + np.exp(-(1.2 * y + rng.normal(0, 1, n)))), 3)
    if_pos = np.where(y == 1, rng.gamma(2.0, 5.0, n), -2.0)  # a hit earns, a false alarm costs
    if_neg = np.where(y == 1, -1.0, 0.0)
    return y, s, if_pos, if_neg


def _brute(y, s, grid, if_pos, if_neg):
    rows = []
    for t in grid:
        p = s >= t
        tp = (p & (y == 1)).sum()
        rows.append(
            {
                "recall": tp / (y == 1).sum(),
                "precision": tp / p.sum() if p.sum() else np.nan,
                "selection": p.mean(),
                "value": np.where(p, if_pos, if_neg).sum(),
            }
        )
    return rows


def test_parse_reads_each_rule_and_names_what_it_cannot():
    group = parse_operating_points("dp, eo:age band, eodds")
    assert [(r.kind, r.attribute) for r in group] == [("dp", None), ("eo", "age band"), ("eodds", None)]
    assert group[1].label == "equal opportunity on age band"
    rules = parse_operating_points("value, recall>=0.8,precision >= 0.9, selection=0.2, tpr>=0.5")
    assert [(r.kind, r.target) for r in rules] == [
        ("value", None),
        ("recall", 0.8),
        ("precision", 0.9),
        ("selection", 0.2),
        ("recall", 0.5),
    ]
    for text, message in (
        ("recall", "write recall>=X"),
        ("recall>=1.5", "between 0 and 1"),
        ("value>=3", "takes no target"),
        ("f1>=0.3", "cannot read 'f1>=0.3'"),
        ("dpp", "cannot read 'dpp'"),
        (" , ", "is empty"),
    ):
        with pytest.raises(InputError, match=message):
            parse_operating_points(text)


@pytest.mark.parametrize("text", ["value", "recall>=0.8", "precision>=0.6", "selection=0.25"])
def test_each_rule_picks_what_it_says_over_every_threshold(text):
    y, s, if_pos, if_neg = _data()
    (rule,) = parse_operating_points(text)
    grid = threshold_grid(s)
    index, why = choose_threshold(
        threshold_counts(y, s, grid, value_if_positive=if_pos, value_if_negative=if_neg), rule
    )
    assert why == "" and index is not None
    brute = _brute(y, s, grid, if_pos, if_neg)
    if rule.kind == "value":
        best = max(r["value"] for r in brute)
        assert brute[index]["value"] == pytest.approx(best)
        assert all(r["value"] < best - 1e-9 for r in brute[index + 1 :])  # ties go to the highest threshold
    elif rule.kind == "recall":
        assert brute[index]["recall"] >= 0.8 and all(r["recall"] < 0.8 for r in brute[index + 1 :])
    elif rule.kind == "precision":
        assert brute[index]["precision"] >= 0.6 and not any(r["precision"] >= 0.6 for r in brute[:index])
    else:
        gaps = [abs(r["selection"] - 0.25) for r in brute]
        assert gaps[index] == pytest.approx(min(gaps))


def _top_row_negative(y, s):
    top = int(np.argmax(s))
    s[top], y[top] = 2.0, 0  # the highest score, alone, on a negative: no threshold gives precision 1
    return y, s


def test_an_unreachable_target_says_so():
    y, s = _top_row_negative(*_data()[:2])
    grid = threshold_grid(s)
    index, why = choose_threshold(threshold_counts(y, s, grid), OperatingRule("precision", 1.0, "precision>=1"))
    assert index is None and "no threshold reaches precision 1" in why
    index, why = choose_threshold(threshold_counts(y, s, grid), OperatingRule("value", None, "value"))
    assert index is None and "no value" in why


def test_crossfit_decides_each_fold_with_a_threshold_chosen_without_it():
    y, s, if_pos, if_neg = _data(seed=3)
    rule = OperatingRule("value", None, "value")
    fit = crossfit_decisions(y, s, rule, value_if_positive=if_pos, value_if_negative=if_neg, folds=3, seed=7)
    assert fit.problem == "" and len(fit.fold_thresholds) == 3
    assert fit.split == {"method": "cross-fit", "folds": 3, "seed": 7, "rows": len(y)}
    fold = np.empty(len(y), dtype=int)
    fold[np.random.default_rng(7).permutation(len(y))] = np.arange(len(y)) % 3
    for k, t in enumerate(fit.fold_thresholds):
        rest = fold != k
        grid = threshold_grid(s[rest])
        c = threshold_counts(y[rest], s[rest], grid, value_if_positive=if_pos[rest], value_if_negative=if_neg[rest])
        assert t == grid[choose_threshold(c, rule)[0]]
        np.testing.assert_array_equal(fit.decisions[fold == k], s[fold == k] >= t)
    everything = threshold_counts(y, s, threshold_grid(s), value_if_positive=if_pos, value_if_negative=if_neg)
    assert fit.threshold == threshold_grid(s)[choose_threshold(everything, rule)[0]]
    again = crossfit_decisions(y, s, rule, value_if_positive=if_pos, value_if_negative=if_neg, folds=3, seed=7)
    np.testing.assert_array_equal(again.decisions, fit.decisions)  # the seed fixes the split
    assert derived_name("hgb", fit.threshold, rule).startswith("hgb @ ") and "(max net value)" in derived_name(
        "hgb", fit.threshold, rule
    )


def test_crossfit_reports_a_fold_where_the_rule_cannot_be_met():
    y, s = _top_row_negative(*_data(seed=4)[:2])
    fit = crossfit_decisions(y, s, OperatingRule("precision", 1.0, "precision>=1"))
    assert fit.threshold is None and "no threshold reaches precision 1" in fit.problem


def test_a_derived_candidate_inherits_its_parents_serving_figures_and_nothing_else():
    from dataclasses import replace
    from pathlib import Path

    from analysis.evaluation._operating_points import inherit_parent_figures
    from analysis.scorecard import Candidate, FrozenDict, MetricValue, load_scorecard

    sc = load_scorecard(Path(__file__).resolve().parents[2] / "sample_data" / "scorecard.json")
    parent = "hist_gradient_boosting"
    source = FrozenDict({"kind": "operating_point", "parent": parent})
    derived = Candidate(name="hgb @ 0.3 (max net value)", source=source)
    own = MetricValue(derived.name, "recall", 0.7, 0.69, 0.71)
    sc = replace(sc, candidates=sc.candidates + (derived,), metrics=sc.metrics + (own,))
    out = inherit_parent_figures(sc, {"latency_ms_p99", "recall"})
    got = {m.objective: m for m in out.metrics if m.candidate == derived.name}
    (theirs,) = [m for m in sc.metrics if m.candidate == parent and m.objective == "latency_ms_p99"]
    assert (got["latency_ms_p99"].value, got["latency_ms_p99"].ci_high) == (theirs.value, theirs.ci_high)
    assert got["recall"] == own  # its own figure is kept, never overwritten
    assert set(got) == {"latency_ms_p99", "recall"}
