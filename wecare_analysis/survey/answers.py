"""Tolerant, explainable matching of answers as people and survey tools write them.

One folding rule, :func:`answer_key`, ignores case, accents, apostrophes, en/em
dashes and spaces, so ``"Sì"``, ``"si"``, ``" SI "`` and ``"45–54 anni"`` /
``"45-54"`` meet. On top of it:

- :func:`is_non_response`: explicit non-responses (``Preferisco non rispondere``,
  ``Non so``, ``N/A``…) are missing answers, not errors;
- :func:`age_band_of`: an age band written ``45-54``, ``45-54 anni``, ``da 45 a 54 anni``,
  ``65+``, ``65 e più``, ``oltre 64``, ``fino a 24``, ``meno di 25`` → ``(first, last)``
  (``last`` None for an open band), and :func:`band_code` its code (``45_54``, ``65_plus``);
- :func:`likert_point`: a Likert answer as a number, a labelled number
  (``4 - Molto``) or the word alone (``Molto``) → its point;
- :data:`SEX_WORDS`, :data:`YES_WORDS`, :data:`NO_WORDS`: the usual Italian and English words;
- :func:`split_labels`: a select_multiple cell of labels joined by spaces, where labels
  themselves contain spaces, resolved against the option labels (longest first).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

#: Explicit non-responses, folded with :func:`answer_key`.
NON_RESPONSES = frozenset({
    "preferiscononrispondere", "preferiscononrisp", "nonrispondo", "nonso", "nonsa", "nonsanonrisponde",
    "nonsononrispondo", "nonsaprei", "na", "nd", "nr", "ns", "nonapplicabile", "nondisponibile",
    "prefernottosay", "prefernottoanswer", "dontknow", "idontknow", "nessunarisposta", "norisposta",
})
#: Words for sex (folded) → codebook level.
SEX_WORDS = {"f": "F", "femmina": "F", "donna": "F", "femminile": "F", "female": "F", "woman": "F",
             "m": "M", "maschio": "M", "uomo": "M", "maschile": "M", "male": "M", "man": "M"}
YES_WORDS = frozenset({"si", "s", "yes", "y", "1", "true", "vero", "x", "ok"})
NO_WORDS = frozenset({"no", "n", "0", "false", "falso"})

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_BAND = re.compile(r"^(?:da|dai|tra|fra)?\s*(\d{1,3})\s*(?:anni)?\s*(?:-|ai|a|e)\s*(\d{1,3})\s*(?:anni)?$")
_OPEN_UP = re.compile(r"^(?:(?:oltre|piu di|over|sopra)\s*(?:i|gli)?\s*(\d{1,3})|(\d{1,3})\s*(?:anni)?\s*"
                      r"(?:\+|e (?:piu|oltre)|o piu|anni e piu|and over|plus))\s*(?:anni)?$")
_OPEN_DOWN = re.compile(r"^(?:fino a|fino ai|meno di|sotto i|under|until)\s*(\d{1,3})\s*(?:anni)?$")
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,2})\s*(?:[-.:=)]|\s)\s*(.*)$")


def folded_text(text: object) -> str:
    """Lower case, no accents, dashes made ``-``, apostrophes dropped, single spaces.

    Examples
    --------
    >>> folded_text("  Più di 65 ANNI ")
    'piu di 65 anni'
    >>> folded_text("45–54")
    '45-54'
    """
    text = unicodedata.normalize("NFKD", str(text).translate(_DASHES)).encode("ascii", "ignore").decode()
    text = re.sub(r"['’`´]", "", text.casefold())
    return " ".join(text.split())


def answer_key(text: object) -> str:
    """Key of an answer for matching: :func:`folded_text` with every non-alphanumeric character dropped.

    Examples
    --------
    >>> answer_key("Sì") == answer_key(" SI ") == "si"
    True
    >>> answer_key("Dell'Impresa - Titolare") == answer_key("dellimpresa titolare")
    True
    """
    return re.sub(r"[^0-9a-z+]", "", folded_text(text))


def is_non_response(text: object) -> bool:
    """True for an explicit non-response (``Preferisco non rispondere``, ``Non so``, ``N/A``…).

    >>> is_non_response("Preferisco non rispondere"), is_non_response("Non so"), is_non_response("No")
    (True, True, False)
    """
    return answer_key(text) in NON_RESPONSES


def age_band_of(text: object) -> tuple[int, int | None] | None:
    """The ``(first, last)`` ages of a band as written; ``last`` is None for an open band; None if no band.

    Examples
    --------
    >>> [age_band_of(t) for t in ["45-54", "45 – 54 anni", "da 45 a 54", "65+", "65 anni e più", "oltre 64",
    ...                           "fino a 24 anni", "45_54", "Molto"]]
    [(45, 54), (45, 54), (45, 54), (65, None), (65, None), (65, None), (0, 24), (45, 54), None]
    """
    folded = folded_text(text).replace("_", "-")
    if folded.endswith("-plus"):
        folded = folded[:-5] + "+"
    found = _BAND.match(folded)
    if found:
        lo, hi = int(found.group(1)), int(found.group(2))
        return (lo, hi) if lo <= hi else None
    found = _OPEN_UP.match(folded)
    if found:
        if found.group(1):  # "oltre 64": older than 64
            return (int(found.group(1)) + (0 if folded.startswith(("sopra", "over")) else 1), None)
        return (int(found.group(2)), None)
    found = _OPEN_DOWN.match(folded)
    if found:
        last = int(found.group(1))
        return (0, last - 1 if folded.startswith(("meno", "sotto", "under")) else last)
    return None


def band_code(band: tuple[int, int | None]) -> str:
    """Level code of an age band: ``(45, 54)`` → ``'45_54'``, ``(65, None)`` → ``'65_plus'``.

    >>> band_code((45, 54)), band_code((65, None))
    ('45_54', '65_plus')
    """
    first, last = band
    return f"{first}_plus" if last is None else f"{first}_{last}"


def likert_point(text: object, labels: Mapping[int, str]) -> int | None:
    """The point of a Likert answer: a number, a labelled number (``4 - Molto``) or the label word alone.

    Parameters
    ----------
    labels
        Point → label of the scale (``{1: 'Per niente', …}``); labels may carry the number
        (``'4 - Molto'``), which is ignored for the word match.

    Examples
    --------
    >>> scale = {1: "1 - Per niente", 2: "2 - Poco", 3: "3 - Abbastanza", 4: "4 - Molto", 5: "5 - Moltissimo"}
    >>> [likert_point(t, scale) for t in ["4", "4.0", "Molto", "MOLTISSIMO", "4 - molto", "Tanto", "7"]]
    [4, 4, 4, 5, 4, None, None]
    """
    words = {answer_key(_without_number(label)): point for point, label in labels.items()}
    key = answer_key(text)
    number = re.fullmatch(r"(\d{1,2})(?:[.,]0+)?", folded_text(text))
    if number and int(number.group(1)) in labels:
        return int(number.group(1))
    if key in words:
        return words[key]
    found = _LEADING_NUMBER.match(folded_text(text))
    if found and int(found.group(1)) in labels:
        rest = answer_key(found.group(2))
        if not rest or words.get(rest) == int(found.group(1)):
            return int(found.group(1))
    return None


def _without_number(label: str) -> str:
    found = _LEADING_NUMBER.match(folded_text(label))
    return found.group(2) if found and found.group(2) else label


def split_labels(text: str, labels: Iterable[str]) -> list[str] | None:
    """Split a cell of option labels joined by single spaces into the labels, longest label first.

    Returns the labels in the order found, or None when some part of the text is no label.

    Examples
    --------
    >>> split_labels("Asilo nido Centro estivo", ["Centro estivo", "Asilo nido", "Nido"])
    ['Asilo nido', 'Centro estivo']
    >>> split_labels("Asilo nido Palestra", ["Asilo nido", "Centro estivo"]) is None
    True
    """
    by_words = {}
    for label in labels:
        by_words.setdefault(tuple(folded_text(label).split()), label)
    sizes = sorted({len(w) for w in by_words}, reverse=True)
    words = folded_text(text).split()
    found, pos = [], 0
    while pos < len(words):
        for size in sizes:
            label = by_words.get(tuple(words[pos:pos + size]))
            if label is not None:
                found.append(label)
                pos += size
                break
        else:
            return None
    return found
