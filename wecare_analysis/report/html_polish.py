"""Finishing touches of the report HTML: text columns of tables aligned left, a table of contents.

Both work on the HTML nbconvert writes from the notebook's outputs:

- pandas ``Styler`` tables mark each cell with ``class="data rowR colC"`` and each header with
  ``class="col_heading level0 colC"``; a column is *text* when any of its non-empty cells is not a
  number as the reports print them (Italian digits ``1.234,5``, optionally signed, with ``%``, or a
  suppressed cell ``< 5`` / ``n.p.`` / ``n.d.``). Text columns get ``text-align: left`` (the print
  stylesheet right-aligns cells, which suits numbers only);
- the table of contents lists the level-2 headings (``<h2>``), each given an ``id`` when it has
  none, in a ``<nav>`` placed after the block holding the title (``<h1>``).
"""

from __future__ import annotations

import html
import re
import unicodedata

_TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)
_CELL = re.compile(r'(<td\b[^>]*class="data row\d+ col(\d+)"[^>]*)>(.*?)</td>', re.DOTALL)
_HEAD = re.compile(r'(<th\b[^>]*class="col_heading level0 col(\d+)"[^>]*)>')
_NUMBER = re.compile(r"^[<>≤≥+\-–−]?\s*\d{1,3}(\.\d{3})*(,\d+)?\s*%?$|^\d+(,\d+)?\s*%?$|^n\.[dp]\.$|^$")
_TAG = re.compile(r"<[^>]+>")
_H2 = re.compile(r"<h2\b([^>]*)>(.*?)</h2>", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')


def _plain(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment)).replace("\u2060", "").replace("\xa0", " ").strip()


def is_number_text(text: str) -> bool:
    """Whether a cell reads as a number the way the reports print them.

    >>> [is_number_text(t) for t in ("1.234", "42,5%", "< 5", "n.p.", "-0,27", "Torino", "3-5")]
    [True, True, True, True, True, False, False]
    """
    return bool(_NUMBER.match(text.strip()))


def left_align_text_columns(body: str) -> str:
    """``body`` with the text columns of every pandas Styler table aligned left."""
    def one(table: re.Match) -> str:
        chunk = table.group(0)
        text_cols = {col for _, col, content in _CELL.findall(chunk) if not is_number_text(_plain(content))}
        if not text_cols:
            return chunk
        left = ' style="text-align: left"'
        chunk = _CELL.sub(lambda m: (m.group(1) + (left if m.group(2) in text_cols else "") + ">" + m.group(3)
                                     + "</td>"), chunk)
        return _HEAD.sub(lambda m: m.group(1) + (left if m.group(2) in text_cols else "") + ">", chunk)

    return _TABLE.sub(one, body)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "-", ascii_text.lower()).strip("-") or "sezione"


def table_of_contents(body: str, title: str = "Indice") -> str:
    """``body`` with a ``<nav>`` listing its ``<h2>`` headings (links to their ids) after the title's block.

    >>> out = table_of_contents('<div><h1>T</h1></div><div><h2>Sintesi</h2></div><div><h2>Metodi e fonti</h2></div>')
    >>> 'href="#metodi-e-fonti"' in out and out.index("<nav") < out.index("<h2")
    True
    """
    entries: list[tuple[str, str]] = []
    used: set[str] = set()

    def name(match: re.Match) -> str:
        attrs, inner = match.group(1), match.group(2)
        found = _ID.search(attrs)
        ident = found.group(1) if found else _slug(_plain(inner))
        while ident in used and not found:
            ident += "-1"
        used.add(ident)
        entries.append((ident, _plain(inner).rstrip("¶").strip()))
        return match.group(0) if found else f'<h2{attrs} id="{ident}">{inner}</h2>'

    body = _H2.sub(name, body)
    if len(entries) < 2:
        return body
    items = "".join(f'<li><a href="#{html.escape(i)}">{html.escape(t)}</a></li>' for i, t in entries)
    nav = (f'<nav class="wecare-toc" aria-label="{html.escape(title)}"><p><strong>{html.escape(title)}</strong>'
           f"</p><ol>{items}</ol></nav>")
    h1 = body.find("<h1")
    if h1 < 0:
        return nav + body
    # after the output block that holds the title: the end of the first </div> run closing its cell
    end = body.find("</h1>", h1)
    cell_end = re.search(r'<div\s+class="jp-Cell\b', body[end:])
    at = end + cell_end.start() if cell_end else end + len("</h1>")
    return body[:at] + nav + body[at:]
