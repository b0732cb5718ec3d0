"""Helpers shared by the CLI tests (imported by the test modules)."""

from __future__ import annotations


def assert_bad(code, err, out_path, *fragments):
    """Bad input: exit 2, one ``error:`` line naming each fragment, no traceback, nothing written."""
    assert code == 2, err
    assert err.startswith("error: ") and "Traceback" not in err
    assert err.count("\n") == 1, f"one message expected, got: {err!r}"
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"
    assert not out_path.exists()
    assert not list(out_path.parent.glob(".*.tmp")), "a temporary file was left behind"
