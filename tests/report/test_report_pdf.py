"""The PDF export with the system's Chromium (skipped, with the reason, when there is none)."""

from __future__ import annotations

import re

import pytest
from _report_helpers import golden_report

from analysis._errors import InputError
from analysis.report import find_browser, report_to_pdf


def _browser() -> str:
    try:
        return find_browser()
    except InputError:
        pytest.skip("no Chromium or Chrome on this machine: PDF export cannot be exercised (apt-get install chromium)")


def test_pdf_has_pages_and_charts():
    pdf = report_to_pdf(golden_report(), browser=_browser())
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages >= 4
    assert len(pdf) > 50_000  # the vector charts are there, not only text


def test_missing_browser_is_an_input_error_that_says_what_to_do(tmp_path):
    with pytest.raises(InputError, match="PDF export needs Chromium or Google Chrome"):
        report_to_pdf(golden_report(), browser=tmp_path / "nothing-here")
