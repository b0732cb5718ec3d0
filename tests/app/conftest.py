"""Dashboard tests: AppTest on the built-in scenario's scorecard (a fixture with every section).

Every test starts with empty Streamlit caches and the default scorecard pointed at
``data/builtin_scorecard.json`` (regenerate it with ``data/regenerate.py``), so no test evaluates
the scenario. The decision log is a fresh SQLite file per test (``TRADEOFFS_LOG_URL``), never the user's own.
``variant`` writes a copy of that scorecard without some sections, to check the
guidance pages give when data is missing.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from _app_helpers import FIXTURE, isolated_dashboard

from analysis.scorecard import FrozenDict, load_scorecard, save_scorecard


@pytest.fixture(autouse=True)
def _default_scorecard(monkeypatch, tmp_path):
    yield from isolated_dashboard(monkeypatch, tmp_path)


@pytest.fixture(scope="session")
def builtin():
    """The fixture scorecard."""
    return load_scorecard(FIXTURE)


@pytest.fixture
def variant(builtin, tmp_path, monkeypatch):
    """``variant(keep=(...))``: make the default scorecard a copy with only the sections in ``keep``."""

    def make(keep=(), **changes):
        sections = FrozenDict({k: v for k, v in builtin.sections.items() if k in keep})
        path = save_scorecard(replace(builtin, sections=sections, **changes), tmp_path / "variant.json")
        monkeypatch.setenv("TRADEOFFS_DEFAULT_SCORECARD", str(path))
        return path

    return make
