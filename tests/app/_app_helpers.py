"""Helpers for the dashboard's AppTest tests."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app" / "streamlit_app.py"
FIXTURE = Path(__file__).parent / "data" / "builtin_scorecard.json"
#: AppTest's default is 3 s; the consensus page builds a decision (about 1-2 s on a busy machine).
TIMEOUT = 90


def isolated_dashboard(monkeypatch, tmp_path):
    """A fixture's body: the fixture scorecard, a decision log of the test's own, pools made for the test.

    Streamlit's caches are empty before and after (``yield from`` it in a fixture).
    """
    import streamlit as st

    from app.ui import workers

    monkeypatch.setenv("TRADEOFFS_DEFAULT_SCORECARD", str(FIXTURE))
    monkeypatch.setenv("TRADEOFFS_LOG_URL", str(tmp_path / "decisions.sqlite"))  # never the user's own log
    monkeypatch.delenv("TRADEOFFS_TRUST_PICKLE", raising=False)
    # Worker processes at the server's priority, in pools made for this test: at nice 19 (the default) a
    # machine busy with other work starves them past AppTest's waits (the priority has its own test).
    monkeypatch.setenv("TRADEOFFS_APP_WORKER_NICE", "0")
    monkeypatch.setattr(workers, "_POOL", None)
    monkeypatch.setattr(workers, "_CHECK_POOL", None)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def new_app(page: str | None = None, *, query: dict | None = None) -> AppTest:
    """A fresh session of the dashboard, run once (on ``page`` when given)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if query:
        at.query_params.update(query)
    at.run()
    if page is not None:
        goto(at, page)
    return at


def goto(at: AppTest, page: str) -> AppTest:
    """Switch to ``app_pages/<page>.py`` and run."""
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Every markdown, caption, alert and title text of the current page, joined."""
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def charts(at: AppTest) -> list[str]:
    """The JSON specs of the page's plotly charts."""
    return [e.proto.spec for e in at.get("plotly_chart")]


def widget(at: AppTest, kind: str, label: str):
    """The first widget of ``kind`` whose label starts with ``label``."""
    for w in getattr(at, kind):
        if str(w.label).startswith(label):
            return w
    raise AssertionError(f"no {kind} labelled {label!r}: {[w.label for w in getattr(at, kind)]}")


def run_until(at: AppTest, done, *, timeout: float = 120.0, step: float = 0.5) -> AppTest:
    """Rerun until ``done(at)`` (an evaluation thread finishing)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        at.run()
        if done(at):
            return at
        time.sleep(step)
    raise AssertionError("timed out waiting for the app")


#: What a page says while work it waits for goes on in a background thread (the group decision, the report).
BACKGROUND = "in the background"


def settled(at: AppTest, *, timeout: float = 120.0) -> AppTest:
    """``at`` once no work its page waits for goes on in the background (rerun until then).

    The pages wait :data:`app.ui.services.DECISION_WAIT_S` (2 s) for the group decision and the report,
    then say the work goes on in the background; on a busy machine a page opened by a test can be at
    that point, without its download buttons and with its sign-off and record buttons disabled.
    """
    if BACKGROUND in texts(at):
        run_until(at, lambda a: BACKGROUND not in texts(a), timeout=timeout)
    return at


def offered(at: AppTest, label: str) -> bool:
    """True when the page shows an enabled button labelled ``label``."""
    return any(str(b.label) == label and not b.disabled for b in at.button)


def click(at: AppTest, label: str) -> AppTest:
    """Click the button labelled ``label`` once it is offered (its background work done), and rerun."""
    if not offered(at, label):
        run_until(at, lambda a: offered(a, label))
    at.button[[str(b.label) for b in at.button].index(label)].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as CSV bytes (for uploads)."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def group_choice(path: Path = FIXTURE) -> str:
    """The group's choice the dashboard shows for a scorecard of the built-in scenario, from the library.

    The same inputs as the app: the scenario's own profiles, the scorecard's incumbent (else the
    card's), the default rule and method, seed 0.
    """
    from analysis.decision import build_decision
    from analysis.scenario import load_card, load_card_profiles
    from analysis.scorecard import load_scorecard

    sc = load_scorecard(path)
    card = load_card()
    incumbent = sc.settings.get("incumbent") or card.incumbent
    return build_decision(sc, load_card_profiles(card), random_state=0, incumbent=incumbent).chosen
