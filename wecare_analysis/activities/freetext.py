"""Code free-text answers to need areas with a transparent Italian dictionary.

The dictionary (``freetext_dictionary.yaml`` beside this module, extended by the
user's ``data/raw/activities/freetext_dictionary.yaml``) lists, for each need
area of the codebook, stems and phrases; its header explains how they match
(folded case and accents, ``*`` stems, one typo allowed in words of five
letters or more, stopwords skipped inside phrases, negation in the clause
before or a "we already have it" after). An answer is coded to every area one of
whose entries matches and is not negated. Nothing is learnt from data: each code
can be traced to the entry that produced it (:func:`term_matches`, for the
researcher; it counts entries, never quotes the text).

Accuracy on the test corpus (``tests/data/activities/freetext_corpus.csv``, 80
answers written before the dictionary) is measured by
:func:`precision_recall`, per area: precision = TP / (TP + FP), recall =
TP / (TP + FN), over answers.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from wecare_analysis.catalog import Catalog
from wecare_analysis.survey.codebook import load_codebook
from wecare_analysis.survey.layout import norm

USER_DICTIONARY = Path("activities") / "freetext_dictionary.yaml"
_TOKEN = re.compile(r"[a-z]+|[.;:!?,]")
_SENTENCE_END, _CLAUSE_END = set(".;!?"), set(".;:!?,")
_CLAUSE_WORDS = {"ma", "pero"}


@dataclass(frozen=True)
class Dictionary:
    """The coder's dictionary: per area, its entries (tuples of words; ``*`` marks a stem)."""

    areas: dict[str, tuple[tuple[str, ...], ...]]
    exclude: dict[str, tuple[tuple[str, ...], ...]]
    stopwords: frozenset[str]
    cues: tuple[str, ...]
    not_negating: tuple[tuple[str, ...], ...]
    after: tuple[tuple[str, ...], ...]
    window: int
    #: token → the ``(area, entry index)`` whose first word it matches (filled as tokens are met).
    first_words: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict, compare=False, repr=False)

    def entries_starting_with(self, token: str) -> tuple[tuple[str, int], ...]:
        """The entries whose first word matches ``token`` (memoised per token)."""
        found = self.first_words.get(token)
        if found is None:
            found = tuple((area, i) for area, entries in self.areas.items() for i, entry in enumerate(entries)
                          if word_matches(token, entry[0]))
            self.first_words[token] = found
        return found


def _words(entry: str) -> tuple[str, ...]:
    return tuple(norm(w) for w in str(entry).split())


def dictionary_from_dicts(*parts: dict) -> Dictionary:
    """Merge parsed dictionary files (the package's first); areas must be codebook need areas."""

    known = set(load_codebook().need_area_codes)
    base = parts[0]
    stop = frozenset(norm(w) for p in parts for w in p.get("stopwords", []))
    areas: dict[str, list[tuple[str, ...]]] = {a: [] for a in load_codebook().need_area_codes}
    exclude: dict[str, list[tuple[str, ...]]] = {a: [] for a in areas}
    neg = {"cues": [], "not_negating": [], "after": []}
    for part in parts:
        for area, spec in (part.get("areas") or {}).items():
            if area not in known:
                raise ValueError(f"dictionary area {area!r} is not a need area of the codebook "
                                 f"(expected one of {', '.join(sorted(known))})")
            for entry in [*(spec.get("stems") or []), *(spec.get("phrases") or [])]:
                words = tuple(w for w in _words(entry) if w not in stop or len(_words(entry)) == 1)
                if words and words not in areas[area]:
                    areas[area].append(words)
            exclude[area] += [tuple(w for w in _words(x) if w not in stop) or _words(x)
                              for x in spec.get("exclude") or []]
        for key in neg:
            neg[key] += list((part.get("negation") or {}).get(key) or [])
    return Dictionary(areas={a: tuple(v) for a, v in areas.items()}, exclude={a: tuple(v) for a, v in exclude.items()},
                      stopwords=stop, cues=tuple(norm(c) for c in neg["cues"]),
                      not_negating=tuple(_words(p) for p in neg["not_negating"]),
                      after=tuple(_words(p) for p in neg["after"]),
                      window=int((base.get("negation") or {}).get("window", 4)))


@functools.cache
def _packaged() -> dict:
    text = resources.files("wecare_analysis.activities").joinpath("freetext_dictionary.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def load_dictionary(root: str | os.PathLike[str] | None = None, extra: str | os.PathLike[str] | None = None
                    ) -> Dictionary:
    """The packaged dictionary, extended by ``extra`` or else by ``data/raw/activities/freetext_dictionary.yaml``."""

    path = Path(extra) if extra is not None else Catalog(root).raw / USER_DICTIONARY
    parts = [_packaged()]
    if path.is_file():
        parts.append(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return dictionary_from_dicts(*parts)


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one substitution, insertion, deletion or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                   and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@functools.lru_cache(maxsize=1 << 16)
def word_matches(token: str, word: str) -> bool:
    """Whether ``token`` matches a dictionary ``word`` (``*`` stem or whole word), allowing one typo.

    One substitution, swap, insertion or deletion is allowed in whole words of five letters or more, first
    and last letters in place (*mutua* is not *mutuo*); a stem
    of six letters or more also matches a word whose beginning is one substitution, swap or insertion away
    (not a deletion), with the stem's last letter in place: the end of a stem is where Italian inflects
    (``pratich*`` must not match *pratici*).

    >>> word_matches("asilio", "asilo"), word_matches("asili", "asil*"), word_matches("mutua", "mutuo")
    (True, True, False)
    """
    if word.endswith("*"):
        stem = word[:-1]
        if token.startswith(stem):
            return True
        return len(stem) >= 6 and len(token) >= 6 and any(
            _one_edit(token[:n], stem) and token[n - 1] == stem[-1] for n in (len(stem), len(stem) + 1)
            if n <= len(token))
    return token == word or (len(word) >= 5 and len(token) >= 5 and token[0] == word[0] and token[-1] == word[-1]
                             and _one_edit(token, word))


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Words of ``text`` with their sentence and clause numbers."""
    out, sentence, clause = [], 0, 0
    for tok in _TOKEN.findall(norm(text)):
        if tok in _CLAUSE_END:
            sentence += tok in _SENTENCE_END
            clause += 1
            continue
        if tok in _CLAUSE_WORDS:
            clause += 1
        out.append((tok, sentence, clause))
    return out


def _starts_with(tokens: list[str], at: int, phrase: tuple[str, ...]) -> bool:
    return at + len(phrase) <= len(tokens) and all(word_matches(tokens[at + i], w) for i, w in enumerate(phrase))


def _negated(raw: list[tuple[str, int, int]], start: int, end: int, book: Dictionary) -> bool:
    words = [t for t, _s, _c in raw]
    _tok, sentence, clause = raw[start]
    content_seen = 0
    for i in range(start - 1, -1, -1):
        if raw[i][2] != clause or content_seen >= book.window:
            break
        if any(word_matches(words[i], c) for c in book.cues) and not any(
                _starts_with(words, i + 1, p) for p in book.not_negating):
            return True
        content_seen += words[i] not in book.stopwords
    for i in range(end, len(raw)):
        if raw[i][1] != sentence:
            break
        if any(_starts_with(words, i, p) for p in book.after):
            return True
    return False


def _excluded(content: list[str], at: int, length: int, exclude: tuple[tuple[str, ...], ...]) -> bool:
    """Whether the match ``content[at:at + length]`` overlaps a match of one of the ``exclude`` entries."""
    for phrase in exclude:
        for start in range(max(0, at - len(phrase) + 1), at + length):
            if start < at + length and start + len(phrase) > at and _starts_with(content, start, phrase):
                return True
    return False


def code_text(text: str, book: Dictionary) -> list[tuple[str, str, bool]]:
    """Every entry that matches ``text``: ``(area, entry, negated)``, each entry once.

    >>> book = load_dictionary(extra=os.devnull)
    >>> code_text("Servirebbe un asilio nido; non mi serve la palestra", book)
    [('childcare_0_2', 'nido', False), ('childcare_0_2', 'asil*', False), ('leisure_wellbeing', 'palestr*', True)]
    """
    raw = _tokens(text)
    keep = [i for i, (t, _s, _c) in enumerate(raw) if t not in book.stopwords]
    content = [raw[i][0] for i in keep]
    found: dict[tuple[str, int], bool] = {}
    for at, token in enumerate(content):
        for area, i in book.entries_starting_with(token):
            entry = book.areas[area][i]
            if not _starts_with(content, at, entry) or _excluded(content, at, len(entry), book.exclude[area]):
                continue
            negated = _negated(raw, keep[at], keep[at + len(entry) - 1] + 1, book)
            found[(area, i)] = found.get((area, i), True) and negated
    order = {area: n for n, area in enumerate(book.areas)}
    return [(area, " ".join(book.areas[area][i]), found[(area, i)])
            for area, i in sorted(found, key=lambda key: (order[key[0]], key[1]))]


def code_answers(texts: pd.Series, book: Dictionary) -> pd.DataFrame:
    """0/1 table, one column per need area (codebook order), same index as ``texts``: 1 = the answer says it."""
    rows = []
    for text in texts.fillna("").astype(str):
        hits = {a for a, _e, negated in code_text(text, book) if not negated}
        rows.append([int(a in hits) for a in book.areas])
    return pd.DataFrame(rows, index=texts.index, columns=list(book.areas), dtype="int64")


def term_matches(texts: pd.Series, book: Dictionary) -> pd.DataFrame:
    """For the researcher only: ``area, term, answers, negated`` (answers where each entry matched), no text."""
    counts: dict[tuple[str, str], list[int]] = {}
    for text in texts.fillna("").astype(str):
        for area, entry, negated in code_text(text, book):
            counts.setdefault((area, entry), [0, 0])[int(negated)] += 1
    out = pd.DataFrame([(a, e, c[0], c[1]) for (a, e), c in counts.items()],
                       columns=["area", "term", "answers", "negated"])
    return out.sort_values(["area", "answers"], ascending=[True, False], ignore_index=True)


def precision_recall(coded: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per area: ``tp, fp, fn, precision, recall`` of ``coded`` against ``truth`` (both 0/1, same shape).

    >>> c = pd.DataFrame({"a": [1, 1, 0, 0]}); t = pd.DataFrame({"a": [1, 0, 1, 0]})
    >>> precision_recall(c, t)[["precision", "recall"]].values.tolist()
    [[0.5, 0.5]]
    """
    tp = ((coded == 1) & (truth == 1)).sum()
    fp = ((coded == 1) & (truth == 0)).sum()
    fn = ((coded == 0) & (truth == 1)).sum()
    out = pd.DataFrame({"tp": tp, "fp": fp, "fn": fn})
    out["precision"] = (out["tp"] / (out["tp"] + out["fp"])).where(out["tp"] + out["fp"] > 0)
    out["recall"] = (out["tp"] / (out["tp"] + out["fn"])).where(out["tp"] + out["fn"] > 0)
    return out.rename_axis("area")
