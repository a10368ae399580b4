"""User-supplied text made safe for the places it is shown: HTML, Markdown, spreadsheets.

File names, service names, municipality names, category names and answers come from
files a user (or an adversary) supplies. Three sinks need them defused:

- **HTML** (:func:`html_text`): ``& < > " '`` become character references
  (:func:`html.escape`), so ``<img src=x onerror=…>`` is shown, never run.
- **Markdown** (:func:`markdown_text`): the HTML characters as above, then a backslash
  before every ASCII punctuation mark that starts markup (CommonMark §2.4, "Backslash
  escapes": any ASCII punctuation may be escaped), so ``**bold**``, ``[x](y)``, a
  backtick or a ``|`` in a table cell stay literal.
- **Spreadsheets** (:func:`neutralised_cell`, :func:`neutralised`): a text cell starting
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single
  quote ``'``, as the OWASP *CSV Injection* guidance recommends, so Excel, LibreOffice
  and Google Sheets read it as text, never as a formula (``=HYPERLINK(…)``, ``@SUM(A1)``,
  ``-2+3``). Numbers are never touched: a number stays a number (``-3`` in a numeric
  column is ``-3``), and so does a text that is only a number (``"-3"``, ``"-2,5"``,
  ``"+39"``: a spreadsheet reads it as that number, which cannot run anything), and so does
  ``@`` with a bare name (OpenStreetMap's ``@id`` column: no operator or parenthesis, it can
  call nothing), and a lone ``-`` or ``+``.

References: OWASP, *CSV Injection* (https://owasp.org/www-community/attacks/CSV_Injection);
CommonMark Spec 0.31.2, §2.4 and §6.6 (raw HTML).
"""

from __future__ import annotations

import html
import re

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Markdown punctuation escaped by :func:`markdown_text` (after the HTML characters).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]|~]|(?<![^\W_])_|_(?![^\W_]))")
_MARKDOWN_START = re.compile(r"^(\s*\d*)([#+\-.)])")
#: ``@`` and a bare name (OpenStreetMap's ``@id``, ``@type``): no operator, parenthesis or ``|``, so it can call no
#: function and no other program; left as it is, as the column names of OSM exports. So is a lone ``-`` or ``+``
#: (the "not used" concept of a mapping draft).
_BARE_NAME = re.compile(r"@[A-Za-z_][A-Za-z0-9_]*|[+-]")
#: A text that is only a number (sign, digits, one decimal mark, optional exponent or per cent).
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*)(?:[eE][+-]?\d+)?%?")


def html_text(value: object) -> str:
    """``value`` as text safe inside HTML: ``& < > " '`` as character references.

    >>> html_text('x_<img src=x onerror=alert(1)>.csv')
    'x_&lt;img src=x onerror=alert(1)&gt;.csv'
    """
    return html.escape("" if value is None else str(value), quote=True)


def markdown_text(value: object) -> str:
    r"""``value`` as literal text inside Markdown (a sentence, a heading or a table cell).

    HTML characters become character references (no raw HTML reaches the page, CommonMark §6.6),
    then the punctuation that can start markup is backslash-escaped (CommonMark §2.4): always
    ``\ ` * [ ] | ~``; ``_`` unless it sits inside a word (where it cannot emphasise, §6.2, so
    ``indagine_2024.csv`` stays as it is); and ``# + -`` or ``1.`` at the start, where they would open
    a heading or a list. Line breaks become spaces, so a value cannot start a block of its own.

    >>> print(markdown_text("x_<img src=x onerror=alert(1)>.csv"))
    x\_&lt;img src=x onerror=alert(1)&gt;.csv
    >>> print(markdown_text("**bold** | [link](http://x) indagine_2024.csv"))
    \*\*bold\*\* \| \[link\](http://x) indagine_2024.csv
    >>> print(markdown_text("# titolo"), markdown_text("1. voce"), markdown_text("a & b"))
    \# titolo 1\. voce a &amp; b
    """
    text = " ".join(("" if value is None else str(value)).splitlines())
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    return _MARKDOWN_START.sub(r"\1\\\2", text, count=1)


def is_formula_like(value: object) -> bool:
    r"""Whether ``value`` is a text a spreadsheet could read as a formula (see the module docstring).

    >>> [is_formula_like(v) for v in ("=1+1", "@SUM(A1)", "-2+3", "\tx", "-3", "-2,5", -3, "Biella", "@id", "-")]
    [True, True, True, True, False, False, False, False, False, False]
    """
    return (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and not _PLAIN_NUMBER.fullmatch(value) and not _BARE_NAME.fullmatch(value))


def neutralised_cell(value: object) -> object:
    """``value`` with a leading ``'`` when it is formula-like (:func:`is_formula_like`), else unchanged.

    A carriage return inside a text becomes a line break (``\\n``): a CSV writer quotes a field with a
    line break, not one with a bare CR, which would split the row for the next reader.

    >>> neutralised_cell('=HYPERLINK("http://x")'), neutralised_cell("+1+2"), neutralised_cell(-2.5)
    ('\\'=HYPERLINK("http://x")', "'+1+2", -2.5)
    """
    if not isinstance(value, str):
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
    return "'" + text if is_formula_like(value) else text


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are :func:`neutralised_cell` (CSV and XLSX).

    Only text changes: numeric, boolean and date columns keep their dtype and values, and a
    text column keeps its other cells as they are (``None``/``NaN`` stay missing). The frame is
    returned as it is when nothing needs a change.
    """
    columns = [neutralised_cell(c) for c in frame.columns]
    changed = {}
    for i, column in enumerate(frame.columns):
        series = frame.iloc[:, i]
        if series.dtype == object or isinstance(series.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            values = series.to_numpy(dtype=object, copy=True)
            hits = [j for j, v in enumerate(values) if is_formula_like(v) or (isinstance(v, str) and "\r" in v)]
            if hits:
                for j in hits:
                    values[j] = neutralised_cell(values[j])
                changed[i] = pd.Series(values, index=frame.index, name=series.name)
    if not changed and columns == list(frame.columns):
        return frame
    out = frame.copy()
    for i, values in changed.items():
        out.isetitem(i, values)
    out.columns = columns
    return out


def restored_cell(value: object) -> object:
    """The inverse of :func:`neutralised_cell`, for files the workbench writes and reads back (mapping drafts).

    >>> restored_cell("'=x"), restored_cell("'-2+3"), restored_cell("'tis"), restored_cell(3)
    ('=x', '-2+3', "'tis", 3)
    """
    if isinstance(value, str) and value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value
