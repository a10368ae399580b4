"""Parse the answers of one question into codebook values, one distinct value at a time.

Each ``parse_*`` function takes a raw string and returns ``(value, reason)``:
the parsed value and ``None``, or ``None`` and why the string is not a valid
answer (an English sentence naming the expected values). :func:`parse_column`
applies one to every distinct value of a column (exports have few distinct
answers per question, so this is fast) and maps the results back.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from wecare_analysis.survey.answers import is_non_response, split_labels
from wecare_analysis.survey.codebook import Codebook, Question, ateco_section_of
from wecare_analysis.survey.guess import guess_level
from wecare_analysis.survey.layout import norm

Parsed = tuple[object, str | None]
_NUMBER = re.compile(r"^[+-]?\d+([.,]0+)?$")
_TRUE = {"1", "1.0", "true", "vero", "y", "yes", "si", "x"}
_FALSE = {"0", "0.0", "false", "falso", "n", "no", ""}


def _choice_lookup(book: Codebook, q: Question) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, label in book.options(q):
        lookup[norm(code)] = code
        lookup[norm(label)] = code
        if code.isdigit():
            lookup[f"{code}.0"] = code
            lookup[f"{code},0"] = code
    if q.choices == "yes_no":
        lookup.update({k: "yes" for k in ("si", "1", "true", "vero", "y", "s")})
        lookup.update({k: "no" for k in ("0", "false", "falso", "n")})
    return lookup


def _expected(book: Codebook, q: Question, limit: int = 8) -> str:
    codes = [code for code, _ in book.options(q)]
    shown = ", ".join(codes[:limit]) + (", ..." if len(codes) > limit else "")
    return f"one of {shown} (codes or Italian labels)"


def choice_parser(book: Codebook, q: Question) -> Callable[[str], Parsed]:
    """Return the parser of a select_one or Likert question."""
    lookup = _choice_lookup(book, q)
    expected = _expected(book, q)
    ateco = q.choices == "ateco_section"

    def parse(raw: str) -> Parsed:
        code = lookup.get(norm(raw))
        if code is None and ateco:
            code = ateco_section_of(raw.strip())
        if code is None:
            code = _tolerant(book, q, raw)
        if code is None:
            return None, f"{raw!r} is not an answer to {q.name}: expected {expected}"
        return code, None

    return parse


def multiple_parser(book: Codebook, q: Question) -> Callable[[str], Parsed]:
    """Return the parser of a select_multiple answer: codes or labels separated by blanks, ``,`` or ``;``."""
    lookup = _choice_lookup(book, q)
    order = {code: i for i, (code, _label) in enumerate(book.options(q))}
    expected = _expected(book, q)

    labels = [text for pair in book.options(q) for text in pair]

    def parse(raw: str) -> Parsed:
        whole = lookup.get(norm(raw))
        if whole is not None:
            return whole, None
        parts = split_labels(raw, labels)  # KoboToolbox labels joined by spaces, labels with spaces
        if parts is None:
            parts = [p for p in re.split(r"[;,]", raw) if p.strip()] if re.search(r"[;,]", raw) else raw.split()
        codes = []
        for part in parts:
            code = lookup.get(norm(part)) or _tolerant(book, q, part)
            if code is None:
                return None, f"{part.strip()!r} is not an option of {q.name}: expected {expected}"
            codes.append(code)
        unique = sorted(set(codes), key=order.__getitem__)
        if "none" in unique and len(unique) > 1:
            return None, f"{raw!r}: 'none' cannot be combined with other options of {q.name}"
        return " ".join(unique), None

    return parse


def _tolerant(book: Codebook, q: Question, raw: str) -> str | None:
    """The codebook code of an answer written otherwise (:func:`~wecare_analysis.survey.guess.guess_level`)."""

    level, _why = guess_level(book, q.name, raw)
    codes = {code for code, _ in book.options(q)}
    return level if level in codes else None


def integer_parser(q: Question) -> Callable[[str], Parsed]:
    """Return the parser of a whole number within the question's ``min``–``max`` (decimal comma accepted)."""

    def parse(raw: str) -> Parsed:
        text = raw.strip().replace(" ", "")
        if not _NUMBER.match(text):
            return None, f"{raw!r} is not a whole number: expected {q.name} from {q.min} to {q.max}"
        value = int(float(text.replace(",", ".")))
        if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
            return None, f"{value} is out of range for {q.name}: expected {q.min} to {q.max}"
        return value, None

    return parse


def flag_value(raw: str) -> bool | None:
    """Read a split select_multiple cell (``1``/``0``, ``Y``/empty, ``True``/``False``); None if neither."""
    key = norm(raw)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return None


def stated_missing(parse: Callable[[str], Parsed]) -> Callable[[str], Parsed]:
    """``parse`` that reads an explicit non-response (``Non so``, ``Preferisco non rispondere``) as no answer.

    >>> stated_missing(lambda v: (v.upper(), None))("Non so"), stated_missing(lambda v: (v.upper(), None))("si")
    ((None, None), ('SI', None))
    """
    return lambda raw: (None, None) if is_non_response(raw) else parse(raw)


def parse_column(values: pd.Series, parse: Callable[[str], Parsed]) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Apply ``parse`` to each distinct value of a column once.

    Values are stripped of surrounding blanks; an empty value is missing (not parsed). Wrap ``parse``
    with :func:`stated_missing` to read explicit non-responses as missing answers too.

    Returns
    -------
    (parsed, reasons, missing)
        Parsed values (None where missing or invalid), reasons (None where valid
        or missing) and a boolean array of the missing cells.
    """
    codes, uniques = pd.factorize(values.fillna(""), sort=False)
    stripped = [str(u).strip() for u in uniques]
    results = [parse(u) if u else (None, None) for u in stripped]
    parsed_u = np.empty(len(results) + 1, dtype=object)
    reason_u = np.empty(len(results) + 1, dtype=object)
    parsed_u[:-1] = [r[0] for r in results]
    reason_u[:-1] = [r[1] for r in results]
    empty_u = np.array([u == "" for u in stripped] + [True], dtype=bool)  # code -1 (NaN) is missing
    return (pd.Series(parsed_u[codes], index=values.index), pd.Series(reason_u[codes], index=values.index),
            empty_u[codes])
