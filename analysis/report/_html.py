r"""HTML exporters: one self-contained interactive file, and the print HTML the PDF is made from.

The interactive file inlines plotly.js once (``plotly.offline.get_plotlyjs()``), the shared plotly
template once, and each figure as JSON in a ``<script type="application/json">`` element that a
small loader draws with ``Plotly.newPlot``. It loads nothing from the network: a
Content-Security-Policy allows only the two inline scripts (by hash), inline styles and ``data:``
images. Every user-supplied string is HTML-escaped, and the JSON inside script elements has
``<``, ``>`` and ``&`` written as ``\uXXXX`` escapes, so a name such as ``</script><script>...``
stays text.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Callable, Mapping
from functools import lru_cache

import plotly.graph_objects as go

from analysis.figures import MAX_DISTINCT
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
from analysis.report._figures import make_report_figures, report_colours
from analysis.report._format import html_text, script_json
from analysis.report._record import Report

_CSS = """
:root{--ink:#1d2330;--muted:#5b6475;--line:#dfe3ea;--bg:#f6f7f9;--accent:#2f5d8a;--warn:#9a5b00;--bad:#b3261e}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:#fff}
main{max-width:1120px;margin:0 auto;padding:24px 28px 64px}
header h1{font-size:28px;margin:8px 0 4px}
.sub{color:var(--muted);margin:0 0 16px}
.summary{font-size:17px;line-height:1.55;background:var(--bg);border-left:4px solid var(--accent);padding:14px 18px;
margin:16px 0}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:12px 0 20px;padding:12px 16px;
border:1px solid var(--line);border-radius:6px}
.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
nav.toc{font-size:14px;margin:8px 0 24px;color:var(--muted)}nav.toc a{color:var(--accent);margin-right:12px;
white-space:nowrap;text-decoration:none}
section{margin-top:36px}
h2{font-size:22px;border-bottom:2px solid var(--line);padding-bottom:4px;margin:0 0 12px}
h3{font-size:17px;margin:22px 0 8px}
p{margin:8px 0}
.note{color:var(--muted);font-size:14px}
.warning{color:var(--warn);background:#fff7e6;border-left:3px solid #e0a030;padding:6px 10px}
.tablewrap{overflow-x:auto;margin:10px 0}
table{border-collapse:collapse;font-size:13.5px;min-width:40%}
th,td{border-bottom:1px solid var(--line);padding:5px 9px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}
tbody tr:nth-child(even){background:#fbfbfc}
code{font:12.5px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--bg);padding:1px 4px;
border-radius:3px;overflow-wrap:anywhere}
.c{white-space:nowrap}.c i{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em;
vertical-align:-.05em;border:1px solid rgba(0,0,0,.15)}
.fig{width:100%;min-height:120px;margin:12px 0}
ul{margin:6px 0 10px;padding-left:22px}
footer{margin-top:48px;color:var(--muted);font-size:13px}
"""

_PRINT_CSS = """
@page{size:A4;margin:14mm 12mm 16mm}
body{font-size:10.5pt;background:#fff}
main{max-width:none;padding:0}
header h1{font-size:19pt}
.summary{font-size:11.5pt}
nav.toc{display:none}
section{margin-top:16pt}
h2{font-size:15pt;break-after:avoid}
h3{font-size:12pt;break-after:avoid}
table{font-size:8.5pt;width:100%}
th,td{padding:2.5pt 5pt}
tr,figure,.facts{break-inside:avoid}
.tablewrap{overflow:visible}
figure.fig{margin:8pt 0;break-inside:avoid}
figure.fig img{width:100%;height:auto;display:block}
code{font-size:8pt}
.c{white-space:normal}
"""

_LOADER = """(function(){
var t=document.getElementById("plotly-template");var T=t?JSON.parse(t.textContent):null;
var n=document.querySelectorAll("script.fig-data");
for(var i=0;i<n.length;i++){var s=JSON.parse(n[i].textContent);var l=s.layout||{};if(T){l.template=T;}
var el=document.getElementById(n[i].getAttribute("data-target"));el.textContent="";
Plotly.newPlot(el,s.data||[],l,{responsive:true,displaylogo:false});}
})();"""


class Html(str):
    """Markup produced by this module (trusted); plain ``str`` is always escaped."""


def _e(value) -> str:
    return value if isinstance(value, Html) else html_text(value)


def _parts(parts, colours: Mapping[str, str]) -> str:
    out = []
    for p in cell_parts(parts):
        if isinstance(p, Strong):
            out.append(f"<strong>{_e(p.text)}</strong>")
        elif isinstance(p, Code):
            out.append(f"<code>{_e(p.text)}</code>")
        elif isinstance(p, Swatch):
            k = colours.get(p.name)
            mark = f'<i class="{k}"></i>&#8288;' if k else ""  # a word joiner keeps the swatch on the name's line
            out.append(f'<span class="c">{mark}{_e(p.name)}</span>')
        elif isinstance(p, Break):
            out.append("<br>")
        elif isinstance(p, tuple):
            out.append(_parts(p, colours))
        else:
            out.append(_e("" if p is None else p))
    return "".join(out)


def _table(t: Table, colours: Mapping[str, str]) -> str:
    num = set(t.numeric)
    head = "".join(
        f'<th{" class=num" if i in num else ""} scope="col">{_parts(h, colours)}</th>' for i, h in enumerate(t.headers)
    )
    body = []
    for row in t.rows:
        cells = "".join(f"<td{' class=num' if i in num else ''}>{_parts(c, colours)}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{_e(t.caption)}</caption>" if t.caption else ""
    return (
        f'<div class="tablewrap"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    )


def _block(b, colours: Mapping[str, str], figure: Callable[[str], str]) -> str:
    if isinstance(b, Heading):
        return f"<h{b.level}>{_e(b.text)}</h{b.level}>"
    if isinstance(b, Para):
        cls = f' class="{b.kind}"' if b.kind else ""
        return f"<p{cls}>{_parts(b.parts, colours)}</p>"
    if isinstance(b, Items):
        return "<ul>" + "".join(f"<li>{_parts(i, colours)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, Table):
        return _table(b, colours)
    if isinstance(b, Facts):
        rows = "".join(f"<dt>{_e(k)}</dt><dd>{_parts(v, colours)}</dd>" for k, v in b.pairs)
        return f'<dl class="facts">{rows}</dl>'
    if isinstance(b, Figure):
        return figure(b.figure_id)
    raise TypeError(f"unknown block {type(b).__name__}")  # pragma: no cover


def _swatch_classes(report: Report) -> tuple[dict[str, str], str]:
    """``{candidate: css class}`` and the CSS for them (one rule per colour; none beyond the palette)."""
    if len(report.candidates) > MAX_DISTINCT:
        return {}, ""
    colours = report_colours(report)
    palette = list(dict.fromkeys(colours.values()))
    classes = {name: f"k{palette.index(colour)}" for name, colour in colours.items()}
    css = "".join(f".k{i}{{background:{colour}}}" for i, colour in enumerate(palette))
    return classes, css


def _page(report: Report, *, figure: Callable[[str], str], head: str, tail: str, print_mode: bool) -> str:
    colours, swatch_css = _swatch_classes(report)
    header, sections = build_document(report)
    toc = " ".join(f'<a href="#{a}">{_e(t)}</a>' for a, t, _ in sections)
    body = [
        "<header>",
        f"<h1>{_e(report.title)}</h1>",
        f'<p class="sub">Tradeoffs decision report · generated {_e(report.generated_at)}</p>',
        "</header>",
        *[_block(b, colours, figure) for b in header],
        "" if print_mode else f'<nav class="toc">{toc}</nav>',
    ]
    for anchor, title, blocks in sections:
        body.append(f'<section id="{anchor}"><h2>{_e(title)}</h2>')
        body += [_block(b, colours, figure) for b in blocks]
        body.append("</section>")
    gen = report.provenance.get("generator") or {}
    body.append(
        f"<footer>Made by {_e(gen.get('name', 'tradeoffs'))} {_e(gen.get('version', ''))} from the scorecard "
        f"{_e(str((report.provenance.get('scorecard') or {}).get('sha256', ''))[:12])}…; decision record schema "
        f"tradeoffs.decision_record v{report.schema_version}.</footer>"
    )
    css = _CSS + swatch_css + (_PRINT_CSS if print_mode else "")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{head}<title>{_e(report.title)}</title>\n<style>{css}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f"\n</main>\n{tail}</body>\n</html>\n"
    )


def figure_json(fig: go.Figure) -> str:
    """A figure's JSON without its template (the page adds the shared one), safe inside ``<script>``."""
    import plotly.io as pio

    spec = fig.to_plotly_json()
    spec.get("layout", {}).pop("template", None)
    return script_json(pio.to_json(spec, validate=False, pretty=False, remove_uids=True))


@lru_cache(maxsize=1)
def _plotly_assets() -> tuple[str, str]:
    import plotly.io as pio
    from plotly.io.json import to_json_plotly
    from plotly.offline import get_plotlyjs

    template = script_json(to_json_plotly(pio.templates["plotly_white"].to_plotly_json()))
    return get_plotlyjs(), template


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def report_to_html(report: Report) -> str:
    """One self-contained HTML file: interactive charts, readable offline, no raw data rows.

    Returns
    -------
    str
        The page. plotly.js is inlined once (about 4.8 MB); each chart adds a few kilobytes.
    """
    figs = make_report_figures(report)
    plotlyjs, template = _plotly_assets()

    def figure(fid: str) -> str:
        fig = figs.get(fid)
        if fig is None:
            return ""
        return (
            f'<div class="fig" id="fig-{fid}"><p class="note">Chart: {_e(plain_title(fig))} '
            "(needs JavaScript).</p></div>\n"
            f'<script type="application/json" class="fig-data" data-target="fig-{fid}">{figure_json(fig)}</script>'
        )

    csp = (
        "default-src 'none'; "
        f"script-src {_csp_hash(plotlyjs)} {_csp_hash(_LOADER)}; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'"
    )
    head = f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
    tail = (
        f'<script type="application/json" id="plotly-template">{template}</script>\n'
        f"<script>{plotlyjs}</script>\n<script>{_LOADER}</script>\n"
    )
    return _page(report, figure=figure, head=head, tail=tail, print_mode=False)


def plain_title(fig: go.Figure) -> str:
    """A figure's title without its subtitle or markup (for alt text)."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    if meta.get("title"):  # finish() keeps the whole title there; the shown one may be wrapped
        return html.unescape(str(meta["title"]))
    text = (fig.layout.title.text or "") if fig.layout.title else ""
    return html.unescape(text.split("<br>", 1)[0])


def report_to_print_html(report: Report, images: Mapping[str, str], titles: Mapping[str, str] | None = None) -> str:
    """Static HTML for printing: ``images`` maps figure ids to SVG text; no scripts at all.

    Each SVG is embedded as an ``<img>`` with a ``data:`` URI, where it cannot run scripts;
    ``titles`` (figure id -> plain title) become the images' alt text.
    """
    titles = titles or {}

    def figure(fid: str) -> str:
        svg = images.get(fid)
        if not svg:
            return ""
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        alt = titles.get(fid, fid)
        return f'<figure class="fig"><img alt="{_e(alt)}" src="data:image/svg+xml;base64,{data}"></figure>'

    head = (
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:; font-src data:">\n'
    )
    return _page(report, figure=figure, head=head, tail="", print_mode=True)
