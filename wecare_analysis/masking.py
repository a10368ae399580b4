"""Mask personal data in the values a quarantine file or a message repeats, whatever the column.

A quarantine line repeats the value it rejects so a person can fix the file. That value may
be personal data typed in the wrong place: an e-mail in a need column, the respondent's name
in the municipality column, a fiscal code in a numeric column. :class:`Masker` finds, in any
text,

- e-mail addresses;
- Italian fiscal codes of persons (*codice fiscale*, 16 characters: 6 letters, 2 digits, a
  month letter, 2 digits, a cadastral code, a check letter; the digits may be replaced by
  the letters L–V of the *omocodia* rule, DM 23/12/1976 and DPR 605/1973);
- *partite IVA* and fiscal codes of firms (11 digits, optionally after ``IT``);
- telephone numbers (8 to 13 digits, with or without ``+39``/``0039`` and separators; dates
  and year ranges are not numbers);
- the values of the file's identifier columns (names, firm names, e-mails, phones…), and each
  word of four letters or more of its person-name columns, as whole words, ignoring case and
  punctuation (``Bianchi, Maria`` is found as ``bianchi maria``);

and replaces them: :meth:`Masker.value` masks a whole value that holds any of them,
:meth:`Masker.text` each occurrence inside a message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

#: Default replacement of a masked value.
MASK = "[omesso: dato riservato]"
_DIGIT = "[0-9LMNPQRSTUV]"
_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    re.compile(rf"(?<![A-Z0-9])[A-Z]{{6}}{_DIGIT}{{2}}[ABCDEHLMPRST]{_DIGIT}{{2}}[A-Z]{_DIGIT}{{3}}[A-Z](?![A-Z0-9])",
               re.IGNORECASE),
    re.compile(r"(?<![\w.,])(?:IT)?\d{11}(?![\w])", re.IGNORECASE),
)
_PHONE = re.compile(r"(?<![\w/.,-])(?:\+|00)?\d[\d \t./-]{6,}\d(?![\w/])")
_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$|^(?:19|20)\d\d\s*[/-]\s*(?:19|20)\d\d$")
#: Shortest identifier value, and shortest word of a person's name, looked for in other columns; longest value
#: (in words) looked for.
MIN_NAME, MIN_WORD, MAX_WORDS = 3, 4, 12
_WORD = re.compile(r"[^\W_]+")


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """The words of ``text`` (letters and digits) with their start and end, folded to lower case (NFC)."""
    return [(m.start(), m.end(), unicodedata.normalize("NFC", m.group(0)).casefold()) for m in _WORD.finditer(text)]


def _key(text: str) -> str:
    """``text`` as the words :func:`_tokens` finds, joined by one space: the form names are compared in."""
    return " ".join(w for _s, _e, w in _tokens(text))


def _is_phone(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    return 8 <= len(digits) <= 13 and not _DATE.match(match.strip())


class Masker:
    """Find and mask personal data (see the module docstring).

    Parameters
    ----------
    names
        Identifier values of the file (whole values: a firm name, an e-mail, a phone).
    person_names
        Names of persons: each of their words of :data:`MIN_WORD` letters or more is looked for too.
    mask
        The replacement text.

    Examples
    --------
    >>> m = Masker(names=["Tessitura Bianchi srl"], person_names=["Anna Rossi"])
    >>> [m.value(v) for v in ("anna.rossi@esempio.it", "ROSSI", "RSSNNA80A41L219X", "Biela", "01234567890")]
    ['[omesso: dato riservato]', '[omesso: dato riservato]', '[omesso: dato riservato]', 'Biela', \
'[omesso: dato riservato]']
    >>> m.text("'tessitura  bianchi SRL' is not an option, call +39 011 555 1234")
    "'[omesso: dato riservato]' is not an option, call [omesso: dato riservato]"
    """

    def __init__(self, names: Iterable[object] = (), person_names: Iterable[object] = (), mask: str = MASK):
        self.mask = mask
        terms = {_key(str(n)) for n in names if isinstance(n, str) or pd.notna(n)}
        for name in person_names:
            if isinstance(name, str):
                terms |= {w for _s, _e, w in _tokens(name) if len(w) >= MIN_WORD and w.isalpha()}
        self._terms = {t for t in terms if len(t) >= MIN_NAME and t.count(" ") < MAX_WORDS}
        self._longest = max((t.count(" ") + 1 for t in self._terms), default=0)

    def _name_spans(self, text: str) -> list[tuple[int, int]]:
        """Spans of the identifier values in ``text``: runs of whole words equal to a term (word n-grams looked
        up in a set, so the cost does not grow with the number of respondents)."""
        if not self._terms:
            return []
        words = _tokens(text)
        spans = []
        for i in range(len(words)):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                if " ".join(w for _s, _e, w in words[i:i + n]) in self._terms:
                    spans.append((words[i][0], words[i + n - 1][1]))
                    break
        return spans

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Start and end of every piece of personal data in ``text``, in order, not overlapping."""
        hits = [m.span() for p in _PATTERNS for m in p.finditer(text)]
        hits += [m.span() for m in _PHONE.finditer(text) if _is_phone(m.group(0))]
        hits += self._name_spans(text)
        out: list[tuple[int, int]] = []
        for start, end in sorted(hits):
            if out and start < out[-1][1]:
                out[-1] = (out[-1][0], max(end, out[-1][1]))
            else:
                out.append((start, end))
        return out

    def found(self, value: object) -> bool:
        """Whether ``value`` holds any personal data."""
        return isinstance(value, str) and bool(self.spans(value))

    def value(self, value: object) -> object:
        """:attr:`mask` when ``value`` holds any personal data, else ``value`` unchanged."""
        return self.mask if self.found(value) else value

    def text(self, text: object, also: Iterable[str] = ()) -> object:
        """``text`` with each piece of personal data, and each of the strings ``also``, replaced by :attr:`mask`."""
        if not isinstance(text, str):
            return text
        for raw in sorted({a for a in also if isinstance(a, str) and a.strip()}, key=len, reverse=True):
            text = text.replace(repr(raw), repr(self.mask))
            if len(raw.strip()) >= MIN_NAME:
                text = text.replace(raw, self.mask)
        out, pos = [], 0
        for start, end in self.spans(text):
            out += [text[pos:start], self.mask]
            pos = end
        return "".join(out + [text[pos:]])

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``frame`` with every text cell holding personal data masked (numbers are left alone)."""
        out = frame.copy()
        for i in range(out.shape[1]):
            column = out.iloc[:, i]
            if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
                values = column.to_numpy(dtype=object, copy=True)
                hits = [j for j, v in enumerate(values) if self.found(v)]
                if hits:
                    values[hits] = self.mask
                    out.isetitem(i, pd.Series(values, index=out.index, name=column.name))
        return out
