"""Fixtures for the decision-engine tests."""

from __future__ import annotations

import pytest
from _decision_helpers import make_scenario


@pytest.fixture
def scenario():
    """Four candidates like the built-in scenario: a constant baseline, a simple model, two strong ones."""
    return make_scenario()
