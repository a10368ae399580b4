"""Exports of the codebook: an XLSForm (KoboToolbox/ODK) and a printable Italian questionnaire.

XLSForm layout (https://xlsform.org): sheet ``survey`` (``type``, ``name``,
``label``, ``required``, ``constraint``, ``constraint_message``, plus
``instance::wecare_*`` columns that keep the codebook's own metadata: the
workbench type, the need area, whether an identifier is hashed), sheet
``choices`` (``list_name``, ``name``, ``label``), sheet ``settings``
(``form_title``, ``form_id``, ``version``, ``default_language``) and an extra
sheet ``wecare_areas`` (ignored by form builders) with the index and need
areas. :func:`codebook_from_xlsform` reads such a workbook back into a
:class:`~wecare_analysis.survey.codebook.Codebook` equal to the original.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from wecare_analysis.atomic import atomic_path
from wecare_analysis.bounded import check_xlsx
from wecare_analysis.survey.codebook import LIKERT_CHOICES, Codebook, Question, codebook_from_dict

SURVEY_COLUMNS = [
    "type", "name", "label", "required", "constraint", "constraint_message",
    "instance::wecare_type", "instance::wecare_need_area", "instance::wecare_hashed",
]
_RANGE = re.compile(r"^\. >= (-?\d+) and \. <= (-?\d+)$")
_MUNICIPALITY_CONSTRAINT = "regex(., '^[0-9]{6}$')"


def _survey_row(q: Question) -> dict[str, str]:
    xtype = {
        "select_one": f"select_one {q.choices}",
        "select_multiple": f"select_multiple {q.choices}",
        "likert": f"select_one {LIKERT_CHOICES}",
        "integer": "integer",
    }.get(q.type, "text")
    constraint, message = "", ""
    if q.type == "integer":
        constraint = f". >= {q.min} and . <= {q.max}"
        message = f"Inserire un numero da {q.min} a {q.max}"
    elif q.type == "municipality":
        constraint, message = _MUNICIPALITY_CONSTRAINT, "Codice ISTAT del comune: 6 cifre"
    return {
        "type": xtype, "name": q.name, "label": q.label, "required": "yes" if q.required else "",
        "constraint": constraint, "constraint_message": message,
        "instance::wecare_type": q.type, "instance::wecare_need_area": q.need_area or "",
        "instance::wecare_hashed": "yes" if q.hashed else "",
    }


def xlsform_tables(book: Codebook) -> dict[str, pd.DataFrame]:
    """Return the sheets of the XLSForm of ``book`` as DataFrames (``survey``, ``choices``, ...)."""
    rows: list[dict[str, str]] = []
    for group, label in book.groups:
        rows.append({"type": "begin_group", "name": group, "label": label})
        rows.extend(_survey_row(q) for q in book.questions if q.group == group)
        rows.append({"type": "end_group", "name": group})
    survey = pd.DataFrame(rows, columns=SURVEY_COLUMNS).fillna("")
    choices = pd.DataFrame(
        [{"list_name": name, "name": code, "label": label}
         for name, opts in book.choices.items() for code, label in opts]
    )
    settings = pd.DataFrame([{"form_title": book.title, "form_id": book.form_id, "version": book.version,
                              "default_language": book.default_language}])
    areas = pd.DataFrame(
        [{"kind": "index_area", "code": c, "label": lab, "index_area": ""} for c, lab in book.index_areas]
        + [{"kind": "need_area", "code": c, "label": lab, "index_area": a} for c, lab, a in book.need_areas]
    )
    return {"survey": survey, "choices": choices, "settings": settings, "wecare_areas": areas}


def write_xlsform(book: Codebook, target: str | os.PathLike[str]) -> Path:
    """Write the XLSForm workbook of ``book`` to ``target`` (atomically) and return the path."""
    with atomic_path(target, suffix=".xlsx") as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for sheet, table in xlsform_tables(book).items():
            table.to_excel(xl, sheet_name=sheet, index=False)
    return Path(target)


def codebook_from_xlsform(path: str | os.PathLike[str]) -> Codebook:
    """Read an XLSForm written by :func:`write_xlsform` back into a :class:`Codebook`."""
    check_xlsx(path)
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
    survey, settings = sheets["survey"], sheets["settings"].iloc[0]
    groups, questions, group = [], [], None
    for row in survey.to_dict("records"):
        if row["type"] == "begin_group":
            group = row["name"]
            groups.append({"name": row["name"], "label": row["label"]})
            continue
        if row["type"] == "end_group":
            group = None
            continue
        qtype = row["instance::wecare_type"]
        q: dict[str, object] = {"name": row["name"], "group": group, "type": qtype, "label": row["label"],
                                "required": row["required"] == "yes"}
        if qtype in ("select_one", "select_multiple"):
            q["choices"] = row["type"].split()[1]
        if row["instance::wecare_need_area"]:
            q["need_area"] = row["instance::wecare_need_area"]
        if row["instance::wecare_hashed"] == "yes":
            q["hashed"] = True
        match = _RANGE.match(row["constraint"]) if qtype == "integer" else None
        if match:
            q["min"], q["max"] = int(match.group(1)), int(match.group(2))
        questions.append(q)
    choices: dict[str, list[dict[str, str]]] = {}
    for row in sheets["choices"].to_dict("records"):
        choices.setdefault(row["list_name"], []).append({"code": row["name"], "label": row["label"]})
    areas = sheets["wecare_areas"]
    return codebook_from_dict({
        "form_id": settings["form_id"], "version": settings["version"], "title": settings["form_title"],
        "default_language": settings["default_language"], "groups": groups,
        "index_areas": [{"code": r["code"], "label": r["label"]}
                        for r in areas[areas["kind"] == "index_area"].to_dict("records")],
        "need_areas": [{"code": r["code"], "label": r["label"], "index_area": r["index_area"]}
                       for r in areas[areas["kind"] == "need_area"].to_dict("records")],
        "choices": choices, "questions": questions,
    })


def _answer_hint(book: Codebook, q: Question) -> list[str]:
    if q.type in ("select_one", "likert"):
        return [f"- ☐ {label}" for _code, label in book.options(q)]
    if q.type == "select_multiple":
        return ["*(più risposte possibili)*"] + [f"- ☐ {label}" for _code, label in book.options(q)]
    if q.type == "integer":
        return [f"Numero da {q.min} a {q.max}: ________"]
    if q.type == "municipality":
        return ["Comune: ______________________  codice ISTAT: ☐☐☐☐☐☐"]
    return ["________________________________________________"]


def questionnaire_markdown(book: Codebook) -> str:
    """Return the printable Italian questionnaire of ``book`` as Markdown."""
    lines = [f"# {book.title}", "", f"Versione del questionario: {book.version}", "",
             ("Le risposte sono trattate in forma anonima e pubblicate solo in forma aggregata: nessun "
              "dato è mostrato per gruppi con meno di 5 rispondenti."), ""]
    number = 0
    for group, label in book.groups:
        lines += [f"## {label}", ""]
        for q in (q for q in book.questions if q.group == group):
            number += 1
            mark = "" if q.required else " *(facoltativa)*"
            lines += [f"**{number}. {q.label}**{mark}", "", *_answer_hint(book, q), ""]
    return "\n".join(lines)
