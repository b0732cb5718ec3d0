"""Per-attribute objective names: ``base[attribute]`` resolves, splits and keeps the base's direction."""

from __future__ import annotations

import pytest

from analysis._errors import InputError
from analysis.objectives import (
    FAIRNESS_BASES,
    attribute_objective,
    find_objective,
    get_objective,
    split_attribute_objective,
)


def test_split_attribute_objective():
    assert split_attribute_objective("equalized_odds_difference[sex]") == ("equalized_odds_difference", "sex")
    assert split_attribute_objective("worst_group_accuracy[age band]") == ("worst_group_accuracy", "age band")
    assert split_attribute_objective("roc_auc") == ("roc_auc", None)
    assert split_attribute_objective("broken[") == ("broken[", None)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_every_fairness_base_gets_per_attribute_versions(task):
    for base in FAIRNESS_BASES[task]:
        parent = get_objective(base)
        o = attribute_objective(base, "sex")
        assert o.name == f"{base}[sex]"
        assert o.label == f"{parent.label} (sex)"
        assert (o.direction, o.group, o.unit, o.worst, o.ideal) == (
            parent.direction,
            parent.group,
            parent.unit,
            parent.worst,
            parent.ideal,
        )
        assert "worst sensitive attribute" not in o.description


def test_find_and_get_resolve_unregistered_attribute_names():
    o = get_objective("demographic_parity_ratio[region_never_seen]")
    assert o.label == "Demographic parity ratio (region_never_seen)" and o.direction == "max"
    assert find_objective("not_an_objective[sex]") is None
    with pytest.raises(InputError, match="unknown objective"):
        get_objective("not_an_objective[sex]")
    with pytest.raises(InputError):
        attribute_objective("equalized_odds_difference[sex]", "age")


def test_looking_up_pattern_named_objectives_changes_no_shared_state():
    # a page's defaults must not depend on what other sessions looked up before
    from analysis.objectives import REGISTRY, find_objective

    before = dict(REGISTRY)
    fee = find_objective("some_fee_captured_per_1k")
    gap = find_objective("equalized_odds_difference[some_attribute]")
    assert fee is not None and fee.direction == "max" and gap is not None and gap.direction == "min"
    assert dict(REGISTRY) == before
    assert find_objective("some_fee_captured_per_1k") is fee  # the same object on every lookup
