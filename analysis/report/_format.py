r"""Numbers and user-supplied text, made safe and stable for every output format.

Every string a user can choose (candidate, column, profile and attribute names, a rationale, a
sign-off comment) passes through one of these functions on its way out:

* :func:`html_text` for HTML (and the print HTML the PDF is made from): ``html.escape``;
* :func:`md_text` for Markdown: a backslash before every character Markdown or HTML would act on
  there (``< > [ ] | * ` ~ \`` everywhere, ``_`` at a word's edge, ``# + - = >`` and ``1.`` at the
  start), so ``<script>`` is shown, never run, and ``|`` cannot split a table cell;
* :func:`csv_cell` for CSV: a cell that a spreadsheet would read as a formula (first character
  ``= + - @``, tab or carriage return) gets a leading ``'`` (OWASP's advice);
* :func:`plotly_text` for text inside charts: plotly reads a small subset of HTML in labels, so
  ``<`` and ``>`` become entities that it shows literally;
* :func:`script_json` for JSON inside a ``<script>`` element: ``<``, ``>``, ``&`` and the two
  JavaScript line separators are written as ``\uXXXX`` escapes, so ``</script>`` in a name cannot end it.

Numbers have a fixed precision so that the same inputs give byte-identical Markdown and JSON.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

from analysis.figures._style import fmt

#: Significant digits kept for floats in the JSON record.
JSON_DIGITS = 6

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|~])")
# "_" emphasises only at a word's edge (GFM ignores intraword underscores): escape it there only.
_MD_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# At the start of a line these open a heading, a list, a quote or a setext underline.
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+(?=[.)]))")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def html_text(value: Any) -> str:
    """HTML-escaped text (quotes too, so it is safe inside attributes).

    Examples
    --------
    >>> html_text('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True)


def md_text(value: Any) -> str:
    r"""Markdown-escaped text on one line (for table cells and running text).

    Examples
    --------
    >>> print(md_text("a|b <i>x</i> snake_case _em_ # not a heading"))
    a\|b \<i\>x\</i\> snake_case \_em\_ # not a heading
    >>> print(md_text("# title"), md_text("1. item"))
    \# title 1\. item
    """
    text = "" if value is None else str(value)
    text = " ".join(text.splitlines()) if ("\n" in text or "\r" in text) else text
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    return _MD_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(m: re.Match) -> str:
    lead, mark = m.group(1), m.group(2)
    if mark[0].isdigit():  # "1." opens a list: escape the period (a backslash before a digit is literal)
        return lead + mark + "\\"
    return lead + "\\" + mark


def md_code(value: Any) -> str:
    """Text shown as inline code (hashes, paths); backticks inside are replaced."""
    text = ("" if value is None else str(value)).replace("`", "'").replace("|", "\\|")
    return f"`{' '.join(text.splitlines())}`"


def csv_cell(value: Any) -> Any:
    r"""A CSV cell that a spreadsheet cannot run: text starting ``= + - @``, tab or CR gets a ``'``.

    Numbers are returned unchanged (a negative number is data, not a formula).

    Examples
    --------
    >>> csv_cell('=HYPERLINK("http://x","y")'), csv_cell(-1.5), csv_cell("ok")
    ('\'=HYPERLINK("http://x","y")', -1.5, 'ok')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def plotly_text(value: Any) -> str:
    """Text for a plotly label, hover text or category: its pseudo-HTML shown literally."""
    return html.escape("" if value is None else str(value), quote=False)


def script_json(text: str) -> str:
    """JSON text made safe to place inside a ``<script>`` element."""
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def round_sig(value: Any, digits: int = JSON_DIGITS) -> Any:
    """A float rounded to ``digits`` significant digits (None for NaN/inf); other values unchanged."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    if not math.isfinite(f):
        return None
    return float(f"{f:.{digits}g}")


def fmt_number(value: Any, unit: str = "") -> str:
    """A value for a table cell: :func:`analysis.figures.fmt` (the charts' format), plus yes/no and text.

    Booleans read ``yes``/``no`` and text that is not a number is returned as it is; every number
    goes through the one formatter the charts use, so a table and a chart print the same value alike.

    Examples
    --------
    >>> fmt_number(0.8), fmt_number(383.25, "USD"), fmt_number(12345.6), fmt_number(0.000123), fmt_number(None)
    ('0.800', '383.2 USD', '12,346', '0.000123', 'missing')
    >>> fmt_number(9.0), fmt_number(-3.98e-18), fmt_number(True), fmt_number("n/a")
    ('9', '0.000', 'yes', 'n/a')
    """
    if value is None or isinstance(value, bool):
        return "missing" if value is None else ("yes" if value else "no")
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return fmt(f, unit)


def fmt_fixed(value: Any, digits: int = 3) -> str:
    """A value with exactly ``digits`` decimals (scores, utilities, regrets); ``"missing"`` when unknown.

    Examples
    --------
    >>> fmt_fixed(0.000904), fmt_fixed(1.5), fmt_fixed(None)
    ('0.001', '1.500', 'missing')
    """
    if value is None:
        return "missing"
    f = float(value)
    if not math.isfinite(f):
        return "missing"
    text = f"{f:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def fmt_share(value: Any) -> str:
    """A share as a percentage with no decimals (``"missing"`` when unknown)."""
    if value is None:
        return "missing"
    f = float(value)
    if not math.isfinite(f):
        return "missing"
    return f"{f:.0%}"


def fmt_level(confidence: Any) -> str:
    """A confidence level as a percentage, as precise as given (``"95%"``, ``"97.5%"``).

    Examples
    --------
    >>> fmt_level(0.95), fmt_level(0.975), fmt_level(0.9), fmt_level(None)
    ('95%', '97.5%', '90%', '')
    """
    if confidence is None or isinstance(confidence, bool):
        return ""
    try:
        f = float(confidence) * 100
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(f):
        return ""
    return f"{round(f, 4):g}%"


def interval_phrase(confidence: Any, noun: str = "confidence interval") -> str:
    """``"95% confidence interval"``, or ``"confidence interval (level not recorded)"`` when unknown.

    Examples
    --------
    >>> interval_phrase(0.9), interval_phrase(None)
    ('90% confidence interval', 'confidence interval (level not recorded)')
    """
    level = fmt_level(confidence)
    return f"{level} {noun}" if level else f"{noun} (level not recorded)"


def fmt_change(value: Any, unit: str = "") -> str:
    """A signed difference (``"+0.012"``, ``"-3.50 ms"``); ``"missing"`` when unknown.

    Examples
    --------
    >>> fmt_change(0.012), fmt_change(-3.5, "ms"), fmt_change(0.0), fmt_change(None)
    ('+0.012', '-3.500 ms', '0.000', 'missing')
    """
    text = fmt_number(value, unit)
    number = fmt_number(value)
    if number != "missing" and not number.startswith("-") and any(ch in "123456789" for ch in number):
        text = "+" + text
    return text


def fmt_interval(value: Any, low: Any, high: Any, unit: str = "") -> str:
    """``"0.812 [0.801, 0.823]"``: a value with its confidence interval when known."""
    text = fmt_number(value)
    if low is not None and high is not None and value is not None:
        text += f" [{fmt_number(low)}, {fmt_number(high)}]"
    return f"{text} {unit}" if unit and value is not None and unit != "yes=1" else text


def join_names(names: Any, *, limit: int = 8, conj: str = "and") -> str:
    """``"a, b and c"`` (``"a, b, … and 7 more"`` beyond ``limit``); plain text, escape afterwards."""
    names = [str(n) for n in names]
    if not names:
        return "none"
    if len(names) > limit:
        shown = names[: limit - 1]
        return ", ".join(shown) + f" {conj} {len(names) - len(shown)} more"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" {conj} " + names[-1]
