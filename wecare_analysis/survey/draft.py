"""Draft the mapping of an export: which column is which concept, which answer is which level.

:func:`draft_mapping` is behind ``wecare survey map``. With an XLSForm
(:func:`~wecare_analysis.survey.form.read_xlsform`) the form's names, labels, group
paths and ``wecare`` columns decide; without one, headers are matched to the codebook
by code, by label (also LimeSurvey "code & text" headings and KoboToolbox group
prefixes, see :mod:`~wecare_analysis.survey.layout`), then by keywords and by the
similarity of the normalised text; answers are guessed with
:func:`~wecare_analysis.survey.guess.guess_level`. Where nothing fits, ``concept`` or
``level`` is left blank with a note, for the user to finish in Excel.
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from wecare_analysis.survey.answers import answer_key, folded_text, is_non_response
from wecare_analysis.survey.codebook import Codebook
from wecare_analysis.survey.form import EXTRA_TYPES, Form, FormQuestion
from wecare_analysis.survey.guess import guess_level
from wecare_analysis.survey.layout import META_COLUMNS, HeaderMatcher, lime_code, norm
from wecare_analysis.survey.mapping import IGNORE, MAPPING_COLUMNS

#: Headers that are tool metadata (Google/Microsoft Forms, ODK Central), folded with answer_key.
TOOL_META = frozenset({"informazionicronologiche", "timestamp", "submissiondate", "oradiinizio",
                       "oradicompletamento", "metainstanceid", "key", "submitterid", "submittername",
                       "reviewstate", "formversion", "devicetime", "indirizzoemail", "postaelettronica",
                       "emailaddress", "nome", "ultimamodifica", "id"})
#: Keywords of headers (folded) → concept, tried when no code or label matches.
HEADER_WORDS = (("comune", "municipality"), ("provincia", "province"), ("sesso", "sex"), ("genere", "sex"),
                ("fascia deta", "age_class"), ("classe deta", "age_class"), ("eta", "age_class"),
                ("ruolo", "role"), ("addetti", "size_class"), ("artigian", "artisan"),
                ("codice impresa", "firm_id"), ("ragione sociale", "firm_name"), ("ateco", "ateco_section"),
                ("servizi", "needs"), ("email", "email"), ("e-mail", "email"), ("telefono", "phone"))
_CHOICE_TYPES = ("select_one", "select_multiple", "likert")


def is_tool_metadata(header: str) -> bool:
    """Whether a header is metadata of the survey tool (KoboToolbox, ODK, LimeSurvey, Google/Microsoft Forms).

    >>> is_tool_metadata("Informazioni cronologiche"), is_tool_metadata("_uuid"), is_tool_metadata("Sesso")
    (True, True, False)
    """
    return answer_key(header) in TOOL_META or norm(header).rsplit("/", 1)[-1] in META_COLUMNS


def _row(kind: str, source: str, concept: str, level: str = "", note: str = "") -> dict[str, str]:
    return {"kind": kind, "source": source, "concept": concept, "level": level, "note": note}


def _header_guess(header: str, book: Codebook, matcher: HeaderMatcher) -> tuple[str, str, str]:
    """``(concept, level, note)`` of one header without a form."""
    if is_tool_metadata(lime_code(header) or header):
        return IGNORE, "", "metadata of the survey tool"
    found = matcher.resolve(header)
    if found and found[0] == "meta":
        return IGNORE, "", "metadata of the survey tool"
    if found:
        return found[1], found[2] or "", "by the codebook's question code or label"
    folded = folded_text(header)
    for word, concept in HEADER_WORDS:
        if re.search(rf"\b{re.escape(word)}\b", folded):
            return concept, "", f"guessed from the word {word!r} in the header: check"
    labels = {folded_text(q.label): q.name for q in book.questions}
    close = difflib.get_close_matches(folded, list(labels), n=1, cutoff=0.75)
    if close:
        return labels[close[0]], "", "guessed from the similarity of the question text: check"
    return "", "", "no concept recognised: write a codebook question name, 'needs', 'province' or '-'"


def form_aliases(form: Form) -> dict[str, tuple[FormQuestion, str | None]]:
    """answer_key of every header form of every question (and split option column) → (question, option)."""
    aliases: dict[str, tuple[FormQuestion, str | None]] = {}
    for q in form.questions:
        heads = {q.name, q.xpath, "-".join((*q.groups, q.name)), q.label,
                 "/".join((*q.group_labels, q.label))} | {"/".join((*q.groups[i:], q.name))
                                                         for i in range(len(q.groups))}
        heads = {h for h in heads if h}
        for head in heads:
            aliases.setdefault(answer_key(head), (q, None))
        if q.type == "select_multiple":
            for c in form.options(q):
                for head in heads:
                    for opt in (c.name, c.label):
                        aliases.setdefault(answer_key(f"{head}{opt}"), (q, c.name))
    return aliases


def form_concept(form: Form, q: FormQuestion) -> str:
    """Concept of a form question: its ``wecare``, ``needs`` for a list whose options name need areas,
    ``extra_<name>`` / ``extra_text_<name>`` for other kept questions, ``-`` for the rest."""
    if q.wecare:
        return q.wecare
    if q.type == "select_multiple" and any(c.wecare for c in form.options(q)):
        return "needs"
    if q.type in EXTRA_TYPES:
        return f"extra_{q.name}"
    return f"extra_text_{q.name}" if q.type == "text" else IGNORE


def _choice_level(book: Codebook, concept: str, q: FormQuestion, form: Form, name: str) -> tuple[str, str]:
    """Level and note of the form option ``name`` of ``q``."""
    options = form.options(q)
    choice = next(c for c in options if c.name == name)
    if concept.startswith("extra_"):
        return choice.name, "option of the form"
    if concept in ("municipality", "province"):
        return choice.wecare or choice.label, "place named by the form's label"
    if choice.wecare:
        return choice.wecare, "from the form's wecare column"
    if is_non_response(choice.label) or is_non_response(choice.name):
        return IGNORE, "explicit non-response: a missing answer"
    need = concept != "needs" and (concept in {x.name for x in book.need_questions}
                                   or book.question(concept).type == "likert")
    if need and q.type == "select_one":
        scale = [c for c in options if not (is_non_response(c.label) or c.wecare == IGNORE)]
        yes_no = {answer_key(c.label) for c in scale} <= {"si", "no"}
        if not yes_no:
            return str(scale.index(choice) + 1), f"point {scale.index(choice) + 1} of {len(scale)} (form order)"
    for text in (choice.label, choice.name):
        level, why = guess_level(book, concept, text)
        if level is not None:
            return level, why
    return "", "no level recognised: write the codebook level"


def _form_rows(headers: list[str], book: Codebook, form: Form) -> tuple[list[dict], set[str]]:
    aliases = form_aliases(form)
    rows, seen = [], set()
    for header in headers:
        hit = aliases.get(answer_key(header))
        code = lime_code(header)
        if hit is None and code:  # LimeSurvey "question code & question text" heading
            hit = aliases.get(answer_key(code))
        if hit is None:
            meta = is_tool_metadata(code or header)
            rows.append(_row("column", header, IGNORE if meta else "",
                             note="metadata of the survey tool" if meta else "not a question of the form"))
            continue
        q, option = hit
        concept = form_concept(form, q)
        level = _choice_level(book, concept, q, form, option)[0] if option and concept != IGNORE else ""
        rows.append(_row("column", header, concept, level, f"form question {q.xpath}"))
        if concept != IGNORE and q.name not in seen:
            seen.add(q.name)
            for c in form.options(q):
                level, why = _choice_level(book, concept, q, form, c.name)
                for source in dict.fromkeys((c.name, c.label)):
                    rows.append(_row("value", source, concept, level, why))
            if q.expressed is not None:
                rows.append(_row("expressed", "", concept, str(q.expressed), "from the form"))
    return rows, seen


def _value_rows(table: pd.DataFrame, rows: list[dict], book: Codebook) -> list[dict]:
    """Value rows for the distinct answers of each column mapped to a concept with levels."""
    out: list[dict] = []
    listed = {(r["concept"], answer_key(r["source"])) for r in rows if r["kind"] == "value"}
    from_form = {concept for concept, _ in listed}
    for r in [r for r in rows if r["kind"] == "column" and r["concept"] not in ("", IGNORE) and not r["level"]]:
        concept = r["concept"]
        if concept in ("municipality", "province") or concept.startswith("extra_") or concept in from_form:
            continue  # places are matched by name; a form's options are its answers
        q = None if concept == "needs" else book.question(concept)
        if q is not None and q.type in ("identifier", "text", "integer"):
            continue
        multi = concept == "needs" or (q is not None and q.type == "select_multiple")
        counts = table[r["source"]].fillna("").str.strip().value_counts()
        for value in counts.index:
            parts = [p.strip() for p in re.split(r"[;,]", value)] if multi and re.search(r"[;,]", value) else [value]
            for part in parts:
                if not part or (concept, answer_key(part)) in listed:
                    continue
                listed.add((concept, answer_key(part)))
                level, why = guess_level(book, concept, part)
                out.append(_row("value", part, concept, level or "", why if level else f"{why}: write the level"))
    return out


def draft_mapping(table: pd.DataFrame, book: Codebook, form: Form | None = None) -> pd.DataFrame:
    """Draft the mapping of an export (see the module docstring).

    Parameters
    ----------
    table
        The export's data (one column per header, strings), e.g. ``read_table(...).data``.
    form
        The XLSForm the survey was deployed from, if any.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind, source, concept, level, note``: one ``column`` row per header, then
        ``value`` rows for the answers, ``expressed`` rows where the form sets them.
    """
    headers = list(table.columns)
    if form is not None:
        rows, _seen = _form_rows(headers, book, form)
    else:
        matcher = HeaderMatcher(book)
        rows = []
        taken: set[tuple[str, str]] = set()
        for header in headers:
            concept, level, note = _header_guess(header, book, matcher)
            if concept not in ("", IGNORE) and (concept, level) in taken:
                concept, note = "", f"{note}; a column for {concept} is already mapped: check"
            taken.add((concept, level))
            rows.append(_row("column", header, concept, level, note))
    rows += _value_rows(table, rows, book)
    return pd.DataFrame(rows, columns=MAPPING_COLUMNS)
