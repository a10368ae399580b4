"""Screen free text typed by operators for personal data, and mask it.

Desk and meeting notes are free text: an operator may write "richiamare la
sig.ra Rossi al 347 1234567". :func:`personal_data_found` finds, with plain
regular expressions, e-mail addresses, telephone numbers (8–13 digits, with or
without ``+39``/``0039`` and separators; dates and year ranges are not numbers), Italian fiscal
codes, and personal names introduced by a title (``sig.``, ``sig.ra``,
``dott.ssa``, ``avv.``…) or by ``mi chiamo`` / ``nome:``. :func:`masked_text`
replaces each hit with :data:`MASK`. A name written without any such cue is not
found: the templates ask operators not to write names at all.
"""

from __future__ import annotations

import re

MASK = "[omesso]"
#: Italian names of the kinds of personal data, as reported to the operator.
KIND_NAMES = {"email": "indirizzo e-mail", "phone": "numero di telefono", "fiscal_code": "codice fiscale",
              "name": "nome di persona"}
_PATTERNS = {
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE),
    "fiscal_code": re.compile(r"\b[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]\b", re.IGNORECASE),
    "phone": re.compile(r"(?<![\w/.,-])(?:\+|00)?\d[\d \t./-]{6,}\d(?![\w/])"),
    "name": re.compile(
        r"(?i:\b(?:(?:sig(?:\.ra|\.na|\.|nor[ae]?|nora)|dott(?:\.ssa|\.|ore|oressa)|avv(?:\.|ocato|ocatessa)|"
        r"ing\.|geom\.|rag\.|prof(?:\.ssa|\.)|arch\.)\s*|(?:mi chiamo|si chiama|nome(?: e cognome)?\s*:)\s*))"
        r"[A-ZÀ-Ý][\w'’À-ÿ]+(?:\s+[A-ZÀ-Ý][\w'’À-ÿ]+)?"),
}
_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$|^(?:19|20)\d\d\s*[/-]\s*(?:19|20)\d\d$")


def _is_phone(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    return 8 <= len(digits) <= 13 and not _DATE.match(match.strip())


def _hits(text: str) -> list[tuple[int, int, str]]:
    hits = []
    for kind, pattern in _PATTERNS.items():
        for m in pattern.finditer(text):
            if kind == "phone" and not _is_phone(m.group(0)):
                continue
            hits.append((m.start(), m.end(), kind))
    return sorted(hits)


def personal_data_found(text: str) -> list[str]:
    """Kinds of personal data in ``text`` (``email``, ``phone``, ``fiscal_code``, ``name``), each once.

    Examples
    --------
    >>> personal_data_found("richiamare la sig.ra Rossi al 347 123 4567 o mario.rossi@esempio.it")
    ['email', 'name', 'phone']
    >>> personal_data_found("incontro del 15/03/2024, 12 imprese, rette del nido a 500 euro")
    []
    """
    return sorted({kind for _s, _e, kind in _hits(str(text))})


def masked_text(text: str) -> str:
    """``text`` with every piece of personal data replaced by :data:`MASK`.

    >>> masked_text("Chiamare il dott. Bianchi, tel. +39 011 5551234.")
    'Chiamare il [omesso], tel. [omesso].'
    """
    text = str(text)
    out, pos = [], 0
    for start, end, _kind in _hits(text):
        if start < pos:
            continue
        out += [text[pos:start], MASK]
        pos = end
    return "".join(out + [text[pos:]])
