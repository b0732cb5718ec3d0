"""Every docstring example in the library runs, passes, and is actually tried.

The examples are the smallest usage documentation, so they run in the default test run. A module
whose examples are all skipped (``# doctest: +SKIP``) or that silently lost them fails here: the
test counts the examples tried, not only the ones that failed. The whole library is imported with
the network switched off and must not import streamlit (the dashboard depends on the library,
never the other way).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import analysis

ROOT = Path(__file__).resolve().parents[1]

#: Examples tried over the whole library when this test was written; lower means examples were lost.
MIN_EXAMPLES_TRIED = 85


def _module_names() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(analysis.__path__, "analysis."))


def _doctests(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    return [t for t in doctest.DocTestFinder().find(module) if t.examples]


def _run(name: str) -> doctest.TestResults:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    for test in _doctests(name):
        runner.run(test, out=report.append)
    failed, attempted = runner.summarize(verbose=False)
    assert failed == 0, "".join(report)
    return doctest.TestResults(failed, attempted)


MODULES_WITH_EXAMPLES = [name for name in _module_names() if _doctests(name)]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access in a docstring example")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("name", MODULES_WITH_EXAMPLES)
def test_docstring_examples_pass_and_are_tried(name, no_network):
    result = _run(name)
    assert result.attempted > 0, f"{name} has examples but none was tried (all skipped?)"


def test_no_examples_were_lost(no_network):
    attempted = sum(_run(name).attempted for name in MODULES_WITH_EXAMPLES)
    assert attempted >= MIN_EXAMPLES_TRIED, f"{attempted} examples tried, {MIN_EXAMPLES_TRIED} before"


def test_the_whole_library_imports_without_streamlit_or_network():
    # A fresh interpreter: in this one the app tests may already have imported streamlit.
    code = textwrap.dedent(
        """
        import importlib, pkgutil, socket, sys

        def refuse(*args, **kwargs):
            raise OSError("network access at import time")

        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        import analysis

        for info in pkgutil.walk_packages(analysis.__path__, "analysis."):
            importlib.import_module(info.name)
        loaded = sorted(m for m in sys.modules if m == "streamlit" or m.startswith("streamlit."))
        assert not loaded, loaded[:5]
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
