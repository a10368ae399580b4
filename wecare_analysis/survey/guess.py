"""Best guesses of the codebook level of an answer as written, for drafting and for tolerant reading.

:func:`guess_level` is tried on any answer that a form or mapping does not list:
it recognises the codebook's own codes and labels, sex words (Donna/Uomo/Femmina/
Maschio), yes/no words, age bands written in any usual way, Likert answers (a
point, a labelled point, the word alone: ``Molto``, ``Molto importante``) and, for a
list of services, the need area a service serves (``Asilo nido`` → childcare 0–2).
Each guess comes with the reason, so a drafted mapping can say how it was made.
"""

from __future__ import annotations

import functools
import re

from wecare_analysis.survey.answers import (
    NO_WORDS,
    SEX_WORDS,
    YES_WORDS,
    age_band_of,
    answer_key,
    band_code,
    folded_text,
    is_non_response,
    likert_point,
)
from wecare_analysis.survey.codebook import Codebook

#: Italian Likert words by point of a 5-point scale (first match wins, longest words first).
LIKERT_WORDS = (("moltissimo", 5), ("estremamente", 5), ("del tutto", 5), ("per niente", 1), ("per nulla", 1),
                ("nessun", 1), ("non importante", 1), ("abbastanza", 3), ("medio", 3), ("poco", 2),
                ("molto", 4))
#: Keywords of services (folded) → need area code, to draft the areas of a "which services" list.
SERVICE_WORDS = (("nido", "childcare_0_2"), ("infanzia", "childcare_3_5"), ("materna", "childcare_3_5"),
                 ("pre e post", "childcare_3_5"), ("centri estivi", "childcare_6_14"),
                 ("centro estivo", "childcare_6_14"), ("doposcuola", "childcare_6_14"),
                 ("anzian", "eldercare"), ("badant", "eldercare"), ("non autosufficien", "eldercare"),
                 ("psicolog", "psychological_support"), ("sanit", "health_prevention"),
                 ("visite", "health_prevention"), ("prevenzione", "health_prevention"),
                 ("check", "health_prevention"), ("pension", "supplementary_pension"),
                 ("previdenz", "supplementary_pension"), ("buoni", "purchasing_power"),
                 ("spesa", "purchasing_power"), ("carburante", "purchasing_power"), ("affitto", "housing"),
                 ("mutuo", "housing"), ("formazione", "training"), ("corsi", "training"),
                 ("trasport", "mobility"), ("mobilita", "mobility"), ("abbonament", "mobility"),
                 ("car pooling", "mobility"), ("navetta", "mobility"), ("commission", "errands_concierge"),
                 ("maggiordom", "errands_concierge"), ("pratiche", "errands_concierge"),
                 ("smart", "smart_working"), ("agile", "smart_working"), ("flessib", "smart_working"),
                 ("palestr", "leisure_wellbeing"), ("sport", "leisure_wellbeing"),
                 ("tempo libero", "leisure_wellbeing"), ("benessere", "leisure_wellbeing"),
                 ("inclusion", "inclusion"), ("pari opportunita", "inclusion"), ("sicurezza", "safety"),
                 ("casa", "housing"))  # after the mobility words: "Trasporto casa-lavoro" is mobility


@functools.cache
def _option_keys(book: Codebook, concept: str) -> dict[str, str]:
    q = book.question(concept)
    keys: dict[str, str] = {}
    for code, label in book.options(q):
        keys.setdefault(answer_key(code), code)
        keys.setdefault(answer_key(label), code)
        short = re.split(r"\s*\(", label)[0]  # "Unilaterale (decisa dall'impresa)" → "Unilaterale"
        keys.setdefault(answer_key(short), code)
    return keys


def likert_word_point(text: str) -> int | None:
    """Point (of a 5-point scale) of an Italian Likert answer by its words: ``Molto importante`` → 4.

    >>> likert_word_point("Molto importante"), likert_word_point("Per niente utile"), likert_word_point("Boh")
    (4, 1, None)
    """
    folded = folded_text(text)
    for word, point in LIKERT_WORDS:
        if word in folded:
            return point
    return None


def service_area(text: str) -> str | None:
    """Need area a service serves, by its keywords (``Asilo nido aziendale`` → ``childcare_0_2``)."""
    folded = folded_text(text)
    return next((area for word, area in SERVICE_WORDS if word in folded), None)


def guess_level(book: Codebook, concept: str, text: str) -> tuple[str | None, str]:
    """Best guess of the level of answer ``text`` of ``concept``; ``(None, why)`` when there is none.

    Returns ``('-', …)`` for an explicit non-response.

    Examples
    --------
    >>> from wecare_analysis.survey.codebook import load_codebook
    >>> book = load_codebook()
    >>> [guess_level(book, c, t)[0] for c, t in [("sex", "Donna"), ("age_class", "45-54"), ("artisan", "SI"),
    ...     ("need_housing", "Molto"), ("role", "dipendente"), ("needs", "Asilo nido"), ("sex", "Non so")]]
    ['F', '45_54', 'yes', '4', 'employee', 'need_childcare_0_2', '-']
    """
    if is_non_response(text):
        return "-", "explicit non-response: a missing answer"
    key = answer_key(text)
    if concept == "needs":
        area = service_area(text)
        return (f"need_{area}", "by the service's keywords") if area else (None, "no need area recognised")
    if concept == "age_class":
        band = age_band_of(text)
        return (band_code(band), "age band") if band else (None, "not an age band")
    q = book.question(concept)
    if q.type == "likert" or q.need_area:
        point = likert_point(text, {int(c): lb for c, lb in book.choices["likert5"]})
        point = point or likert_word_point(text)
        if point:
            return str(point), "Likert point of a 5-point scale"
        if key in YES_WORDS:
            return "yes", "yes/no answer"
        if key in NO_WORDS:
            return "no", "yes/no answer"
        return None, "not a Likert point nor yes/no"
    found = _option_keys(book, concept).get(key)
    if found:
        return found, "codebook code or label"
    if concept == "sex" and key in SEX_WORDS:
        return SEX_WORDS[key], "sex word"
    if q.choices == "yes_no" and (key in YES_WORDS or key in NO_WORDS):
        return ("yes" if key in YES_WORDS else "no"), "yes/no word"
    return None, "no codebook level recognised"
