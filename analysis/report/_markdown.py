"""Markdown exporter: the report for a pull request or a wiki (GitHub-flavoured tables, no charts).

Deterministic: the same report gives the same bytes (numbers have a fixed precision, ordering is
the record's). User-supplied strings are backslash-escaped (:func:`~analysis.report._format.md_text`),
so a name cannot open a link, an image, an HTML tag or a new table cell.
"""

from __future__ import annotations

from analysis.report._document import (
    Break,
    Code,
    Facts,
    Figure,
    Heading,
    Items,
    Para,
    Strong,
    Swatch,
    Table,
    build_document,
    cell_parts,
)
from analysis.report._format import md_code, md_text
from analysis.report._record import Report

_FIGURE_NOTE = {
    "tradeoff": "the trade-off between two key objectives",
    "regret": "the regret heatmap",
    "win-share": "how often each candidate wins when re-run",
    "intervals": "the key objective with its confidence intervals",
    "fairness": "fairness across groups",
    "importance": "what each model relies on",
    "serving": "speed and cost",
    "decay": "quality over time",
    "drift": "input drift",
}


def _parts(parts, chosen: str | None) -> str:
    out = []
    for p in cell_parts(parts):
        if isinstance(p, Strong):
            out.append(f"**{md_text(p.text).strip()}**" + (" " if p.text.endswith(" ") else ""))
        elif isinstance(p, Code):
            out.append(md_code(p.text))
        elif isinstance(p, Swatch):
            name = md_text(p.name)
            out.append(f"**{name}**" if p.name == chosen and name else name)
        elif isinstance(p, Break):
            out.append("<br>")
        elif isinstance(p, tuple):
            out.append(_parts(p, chosen))
        else:
            out.append(md_text("" if p is None else p))
    return "".join(out)


def _table(t: Table, chosen: str | None) -> list[str]:
    num = set(t.numeric)
    head = "| " + " | ".join(_parts(h, chosen) or " " for h in t.headers) + " |"
    sep = "| " + " | ".join("---:" if i in num else "---" for i in range(len(t.headers))) + " |"
    rows = ["| " + " | ".join(_parts(c, chosen) for c in row) + " |" for row in t.rows]
    return [head, sep, *rows, ""]


def report_to_markdown(report: Report) -> str:
    """The report as Markdown text (ends with one newline)."""
    chosen = report.chosen
    header, sections = build_document(report)
    lines = [
        f"# {md_text(report.title)}",
        "",
        f"_Tradeoffs decision report, generated {md_text(report.generated_at)}._",
        "",
    ]
    figures_left: list[str] = []

    def block(b) -> list[str]:
        if isinstance(b, Heading):
            return ["#" * b.level + " " + md_text(b.text), ""]
        if isinstance(b, Para):
            text = _parts(b.parts, chosen)
            if b.kind == "warning":
                return [f"> **Note:** {text}", ""]
            if b.kind == "note":
                return [f"_{text}_" if text and not text.endswith("\\") else text, ""]
            return [text, ""]
        if isinstance(b, Items):
            return [f"- {_parts(i, chosen)}" for i in b.items] + [""]
        if isinstance(b, Table):
            return _table(b, chosen)
        if isinstance(b, Facts):
            return [f"- **{md_text(k)}:** {_parts(v, chosen)}" for k, v in b.pairs] + [""]
        if isinstance(b, Figure):
            figures_left.append(b.figure_id)
            return []
        raise TypeError(f"unknown block {type(b).__name__}")  # pragma: no cover

    for b in header:
        lines += block(b)
    for _anchor, title, blocks in sections:
        lines += [f"## {md_text(title)}", ""]
        for b in blocks:
            lines += block(b)
    if figures_left:
        names = ", ".join(_FIGURE_NOTE.get(f, f) for f in dict.fromkeys(figures_left))
        lines += [f"_Charts ({names}) are in the HTML and PDF versions of this report._", ""]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.rstrip("\n") + "\n"
