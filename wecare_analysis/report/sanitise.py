"""Make the outputs of an executed notebook safe to publish as HTML, whatever text they carry.

The producers escape what they put into Markdown and tables
(:mod:`wecare_analysis.safe_text`); this is the second line, applied to every output
when a report is converted (:class:`SafeOutputs`, a preprocessor of
:func:`wecare_analysis.report.html.notebook_html`), so a string that reached a table
or a sentence unescaped (a file, service, category or municipality name from a user
file) is shown as text, never run:

- ``text/html`` (pandas tables and Stylers) is rebuilt from an allow-list of table and
  text elements and attributes (:func:`clean_html`): any other element (``<img>``,
  ``<script>``, ``<iframe>``, ``<svg>``…) and any other attribute (``onerror``,
  ``onclick``…) is dropped, text is re-escaped, a link keeps only an ``http(s)``,
  relative or ``#`` address;
- ``text/markdown``: every ``<`` that would open a tag, a comment or a declaration
  becomes ``&lt;`` (:func:`markdown_without_html`); the report's Markdown never uses raw
  HTML, so nothing legitimate is lost (``< 5`` keeps its space and stays as it is);
- ``image/svg+xml`` loses its scripts, ``foreignObject`` elements and event attributes;
  ``application/javascript`` outputs are dropped (the report runs no script).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from nbconvert.preprocessors import Preprocessor

#: Elements kept by :func:`clean_html` (pandas ``to_html`` and ``Styler.to_html`` use only these).
ALLOWED_TAGS = frozenset({
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "style", "div", "span",
    "p", "br", "b", "i", "em", "strong", "small", "sup", "sub", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4",
    "h5", "h6", "code", "pre", "hr"})
#: Attributes kept by :func:`clean_html`.
ALLOWED_ATTRIBUTES = frozenset({"id", "class", "style", "colspan", "rowspan", "scope", "title", "align", "valign",
                                "border", "href", "type", "scoped", "lang"})
_VOID = frozenset({"br", "hr", "col"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_RAW_HTML = re.compile(r"<(?=[A-Za-z/!?])")
_DANGEROUS_CSS = re.compile(r"(?i)expression\s*\(|url\s*\(|javascript:|@import|</")


def _safe_url(value: str) -> bool:
    """Whether a link is ``http(s)`` or has no scheme (relative, ``#``); blanks and control characters, which
    browsers skip inside a scheme (``java&#9;script:``), are ignored."""
    scheme = _SCHEME.match(re.sub(r"[\x00-\x20]", "", value))
    return scheme is None or scheme.group(1).lower() in ("http", "https")


class _Cleaner(HTMLParser):
    def __init__(self, tags: frozenset[str], attributes: frozenset[str] | None, drop: frozenset[str]):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.drop = tags, attributes, drop
        self.out: list[str] = []
        self.skipping = 0  # depth inside a dropped element whose content goes too (script, style of svg…)
        self.raw = ""  # element whose text is not markup (style)

    def _attrs(self, attrs: list[tuple[str, str | None]]) -> str:
        kept = []
        for name, value in attrs:
            name = name.lower()
            value = value or ""
            if name.startswith("on") or (self.attributes is not None and name not in self.attributes):
                continue
            if name in ("href", "src", "xlink:href") and not _safe_url(value):
                continue
            if name == "style" and _DANGEROUS_CSS.search(value):
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        return "".join(kept)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if self.skipping or tag in self.drop:
            self.skipping += tag not in _VOID
            return
        if tag not in self.tags:
            return
        self.out.append(f"<{tag}{self._attrs(attrs)}>")
        if tag == "style":
            self.raw = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if not self.skipping and tag not in self.drop and tag in self.tags:
            self.out.append(f"<{tag}{self._attrs(attrs)} />")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if self.skipping:
            self.skipping -= tag not in _VOID
            return
        if tag in self.tags and tag not in _VOID:
            self.out.append(f"</{tag}>")
        if tag == self.raw:
            self.raw = ""

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.raw:
            if not _DANGEROUS_CSS.search(data):
                self.out.append(data)
            return
        self.out.append(html.escape(data, quote=False))


def clean_html(text: str) -> str:
    """``text`` rebuilt from :data:`ALLOWED_TAGS` and :data:`ALLOWED_ATTRIBUTES` (see the module docstring).

    >>> clean_html('<table><tr><td class="c">x_<img src=x onerror=alert(1)>&lt;b&gt;</td></tr></table>')
    '<table><tr><td class="c">x_&lt;b&gt;</td></tr></table>'
    >>> clean_html('<td onclick="alert(1)"><script>alert(1)</script><a href="javascript:alert(1)">a</a></td>')
    '<td><a>a</a></td>'
    """
    cleaner = _Cleaner(ALLOWED_TAGS, ALLOWED_ATTRIBUTES, frozenset({"script", "iframe", "object", "embed",
                                                                    "svg", "math", "template", "noscript"}))
    cleaner.feed(text)
    cleaner.close()
    return "".join(cleaner.out)


def clean_svg(text: str) -> str:
    """An SVG image without scripts, ``foreignObject`` elements, event attributes or ``javascript:`` links.

    >>> clean_svg('<svg><script>alert(1)</script><text onload="x()">a&lt;b</text></svg>')
    '<svg><text>a&lt;b</text></svg>'
    """
    class _Svg(_Cleaner):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if self.skipping or tag.lower() in self.drop:
                self.skipping += 1
                return
            self.out.append(f"<{tag}{self._attrs(attrs)}>")

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if not self.skipping and tag.lower() not in self.drop:
                self.out.append(f"<{tag}{self._attrs(attrs)} />")

        def handle_endtag(self, tag: str) -> None:
            if self.skipping:
                self.skipping -= 1
                return
            self.out.append(f"</{tag}>")

        def handle_decl(self, decl: str) -> None:
            if not decl.upper().startswith("DOCTYPE"):
                return
            self.out.append(f"<!{decl}>")

    cleaner = _Svg(frozenset(), None, frozenset({"script", "foreignobject", "iframe", "handler"}))
    cleaner.feed(text)
    cleaner.close()
    return "".join(cleaner.out)


def markdown_without_html(text: str) -> str:
    """Markdown whose ``<`` can no longer open raw HTML (CommonMark §6.6): ``<`` before a letter, ``/``, ``!``
    or ``?`` becomes ``&lt;``.

    >>> markdown_without_html("File «x_<img src=x onerror=alert(1)>.csv»; celle «< 5».")
    'File «x_&lt;img src=x onerror=alert(1)>.csv»; celle «< 5».'
    """
    return _RAW_HTML.sub("&lt;", text)


class SafeOutputs(Preprocessor):
    """Clean every output of a cell before it becomes HTML (see the module docstring)."""

    def preprocess_cell(self, cell, resources, index):
        """Clean the ``text/html``, ``text/markdown`` and ``image/svg+xml`` outputs of ``cell``; drop scripts."""
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data:
                continue
            for mime in [m for m in data if "javascript" in m or m.startswith("application/vnd.jupyter.widget")]:
                del data[mime]
            if "text/html" in data:
                data["text/html"] = clean_html(_joined(data["text/html"]))
            if "text/markdown" in data:
                data["text/markdown"] = markdown_without_html(_joined(data["text/markdown"]))
            if "image/svg+xml" in data:
                data["image/svg+xml"] = clean_svg(_joined(data["image/svg+xml"]))
        return cell, resources


def _joined(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value
