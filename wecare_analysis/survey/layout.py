"""Match the columns of a survey export to the codebook, whatever tool produced it.

Recognised header forms for a question ``role`` of group ``profilo`` and a
select_multiple ``welfare_forms`` with option ``bilateral``:

==============================  =====================================================
header                          produced by
==============================  =====================================================
``role``                        plain exports, XLSForm "XML values" without groups
``profilo/role``                KoboToolbox/ODK with group prefixes (any depth)
``profilo_role``, ``profilo.role``  SPSS and spreadsheets that forbid ``/``
``profilo-role``                ODK Central CSV (groups joined by ``-``)
``Lei è:`` (the Italian label)  KoboToolbox "labels" exports
``welfare_forms/bilateral``     KoboToolbox split select_multiple (0/1 columns)
``welfare_forms[bilateral]``    LimeSurvey multiple choice (``Y``/empty)
``bisogni[need_mobility]``      LimeSurvey array sub-question (also ``bisogni[mobility]``)
``role. Lei è:``                LimeSurvey "question code & question text" headings
==============================  =====================================================

Matching ignores case, surrounding blanks and accents. Columns that match
nothing are reported, not used; KoboToolbox metadata (``_id``, ``_uuid``,
``_submission_time``, ``_index``...) is recognised as such.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from wecare_analysis.survey.codebook import Codebook

META_COLUMNS = ("_id", "_uuid", "_submission_time", "_index", "start", "end", "today", "deviceid",
                "_validation_status", "_notes", "_status", "_submitted_by", "__version__", "_tags",
                "meta/instanceid", "instanceid", "id", "submitdate", "lastpage", "startlanguage", "seed",
                "startdate", "datestamp", "submissiondate", "key", "submitterid", "submittername", "reviewstate",
                "formversion", "devicetime", "meta-instanceid", "edits", "attachmentspresent", "attachmentsexpected")
_LIME = re.compile(r"^(?P<base>[^\[\]]+)\[(?P<sub>[^\[\]]+)\]$")
_LIME_CODE_TEXT = re.compile(r"^(?P<code>[A-Za-z][\w]*(?:\[[^\[\]]+\])?)\.\s+\S")


def norm(text: str) -> str:
    """Fold a header or value for matching: lower case, no accents, single spaces.

    Examples
    --------
    >>> norm("  Sì ")
    'si'
    """
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(folded.casefold().split())


@dataclass
class ColumnMap:
    """Where each codebook question is in an export.

    ``direct`` maps a question name to its column; ``split`` maps a
    select_multiple question to ``{option code: column}``; ``meta`` maps a
    metadata name (``_uuid``...) to its column; ``unmatched`` lists other columns.
    """

    direct: dict[str, str] = field(default_factory=dict)
    split: dict[str, dict[str, str]] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)

    @property
    def questions(self) -> set[str]:
        """Names of the questions found, directly or through split columns."""
        return set(self.direct) | set(self.split)


def lime_code(header: str) -> str | None:
    """The question code of a LimeSurvey "question code & question text" heading, else None.

    >>> lime_code("welfare_forms[bilateral]. Quali forme di welfare… [Bilaterale]"), lime_code("Sesso")
    ('welfare_forms[bilateral]', None)
    """
    found = _LIME_CODE_TEXT.match(header.strip())
    return found.group("code") if found else None


class HeaderMatcher:
    """Resolve export headers to codebook questions (see the module docstring)."""

    def __init__(self, book: Codebook) -> None:
        self.book = book
        self.alias: dict[str, str] = {}
        self.options: dict[str, dict[str, str]] = {}
        for q in book.questions:
            for key in (q.name, q.label, f"{q.group}/{q.name}", f"{q.group}_{q.name}", f"{q.group}.{q.name}",
                        f"{q.group}-{q.name}"):  # the last as ODK Central joins groups
                self.alias.setdefault(norm(key), q.name)
            if q.type == "select_multiple":
                opts = {}
                for code, label in book.options(q):
                    opts[norm(code)] = code
                    opts[norm(label)] = code
                self.options[q.name] = opts
        for q in book.need_questions:  # LimeSurvey arrays name sub-questions by need area
            self.alias.setdefault(norm(q.need_area or ""), q.name)

    def resolve(self, header: str) -> tuple[str, str, str | None] | None:
        """Return ``('direct', question, None)``, ``('split', question, option)``, ``('meta', name, None)`` or None.

        LimeSurvey "question code & question text" headings (``firm_id. Codice impresa …``,
        ``welfare_forms[bilateral]. Quali forme … [Bilaterale]``) resolve by their code.
        """
        found = self._resolve(header)
        code = lime_code(header)
        if found is None and code:
            found = self._resolve(code)
        return found

    def _resolve(self, header: str) -> tuple[str, str, str | None] | None:
        h = norm(header)
        if h in META_COLUMNS:
            return ("meta", h, None)
        if h in self.alias:
            return ("direct", self.alias[h], None)
        parts = [p.strip() for p in h.split("/")]
        if len(parts) > 1:
            if parts[-1] in self.alias and len(parts) >= 2 and parts[-2] not in self._multi_names():
                return ("direct", self.alias[parts[-1]], None)
            found = self._split(parts[-2], parts[-1])
            if found:
                return found
            if parts[-1] in self.alias:
                return ("direct", self.alias[parts[-1]], None)
        lime = _LIME.match(h)
        if lime:
            base, sub = lime.group("base").strip(), lime.group("sub").strip()
            found = self._split(base, sub)
            if found:
                return found
            for key in (sub, f"{base}_{sub}", f"need_{sub}"):
                if key in self.alias:
                    return ("direct", self.alias[key], None)
        return None

    def _multi_names(self) -> set[str]:
        return {norm(k) for k, v in self.alias.items() if v in self.options}

    def _split(self, base: str, option: str) -> tuple[str, str, str] | None:
        question = self.alias.get(base)
        if question in self.options and option in self.options[question]:
            return ("split", question, self.options[question][option])
        return None

    def score(self, row: list[str]) -> int:
        """How many cells of a candidate header row name a question (used to find the header)."""
        return sum(1 for cell in row if cell and self.resolve(cell) and self.resolve(cell)[0] != "meta")

    def column_map(self, headers: list[str]) -> ColumnMap:
        """Return the :class:`ColumnMap` of an export's headers."""
        cmap = ColumnMap()
        for header in headers:
            found = self.resolve(header)
            if found is None:
                cmap.unmatched.append(header)
            elif found[0] == "meta":
                cmap.meta.setdefault(found[1], header)
            elif found[0] == "direct" and found[1] not in cmap.direct:
                cmap.direct[found[1]] = header
            elif found[0] == "split":
                cmap.split.setdefault(found[1], {})[found[2]] = header
            else:
                cmap.unmatched.append(header)
        return cmap
