"""The decision engine's docstring examples run (they are the smallest usage documentation)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "analysis.decision._table",
    "analysis.decision._pareto",
    "analysis.decision._scoring",
    "analysis.decision._constraints",
    "analysis.decision._group",
    "analysis.decision._sensitivity",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0, f"{name}: no example was tried"


def test_public_names_are_exported():
    import analysis.decision as d

    assert sorted(d.__all__) == sorted(set(d.__all__))
    for name in d.__all__:
        assert hasattr(d, name), name
