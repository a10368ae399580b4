"""Read an XLSForm (the form a survey was deployed from on KoboToolbox/ODK) with its ``wecare`` columns.

The ``survey`` sheet may carry a column ``wecare`` naming the workbench concept a
question measures: a question name of the shipped codebook (``municipality``,
``sex``, ``age_class``, ``need_eldercare``…, see ``wecare codebook export --format
markdown``), ``province``, or ``needs`` for a "which services would help you?"
select_multiple whose options name need areas. An optional column
``wecare_expressed`` gives, for a Likert need item, the lowest point at which the
need counts as expressed (default: the top two points of a 4–7 point scale, the
top point of a 3-point one). On the ``choices`` sheet a ``wecare`` column gives,
where needed, the codebook level of an option (``F``, ``employee``, ``yes``), the
need area of an option of a ``needs`` list (``childcare_0_2`` or
``need_childcare_0_2``), an age band (``18-34``, ``65+``) or ``-`` for an option
that is a non-response. Columns the XLSForm standard does not know are ignored by
pyxform, so the form stays deployable.

Questions without ``wecare`` are kept as extra columns (``extra_<name>``) when they
are select_one, select_multiple, integer or decimal; free text (``text``) is kept
only in the restricted file; other types (dates, locations, media…) are left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wecare_analysis.bounded import check_xlsx
from wecare_analysis.errors import InputError
from wecare_analysis.survey.codebook import load_codebook

#: Concepts a form or a mapping may name besides the codebook's question names.
EXTRA_CONCEPTS = ("province", "needs")
#: XLSForm types whose answers are kept as extra columns when no concept is named.
EXTRA_TYPES = ("select_one", "select_multiple", "integer", "decimal")
_STRUCTURAL = ("begin group", "end group", "begin repeat", "end repeat", "begin_group", "end_group",
               "begin_repeat", "end_repeat")


@dataclass(frozen=True)
class FormChoice:
    """One option of a choice list: XML ``name``, ``label`` and the ``wecare`` level (``''`` if none)."""

    name: str
    label: str
    wecare: str = ""


@dataclass(frozen=True)
class FormQuestion:
    """One question of the ``survey`` sheet."""

    name: str
    type: str
    label: str
    groups: tuple[str, ...] = ()
    group_labels: tuple[str, ...] = ()
    list_name: str | None = None
    wecare: str = ""
    expressed: int | None = None

    @property
    def xpath(self) -> str:
        """Group path and name joined by ``/``, as KoboToolbox writes headers with group prefixes."""
        return "/".join((*self.groups, self.name))


@dataclass(frozen=True)
class Form:
    """A parsed XLSForm: its file, settings, questions (in order) and choice lists."""

    path: Path
    title: str
    form_id: str
    version: str
    questions: tuple[FormQuestion, ...]
    choices: dict[str, tuple[FormChoice, ...]] = field(hash=False)

    def options(self, q: FormQuestion) -> tuple[FormChoice, ...]:
        """Options of a select question (empty for other types)."""
        return self.choices.get(q.list_name or "", ())


def _label_column(columns: list[str], language: str | None = None) -> str | None:
    """The label column: ``label``, else ``label::<language>`` (Italian preferred), else the first ``label::``."""
    labels = [c for c in columns if c.split("::")[0].strip().lower() == "label"]
    if not labels:
        return None
    for wanted in ([language] if language else []) + ["ital", ""]:
        for c in labels:
            if c.strip().lower() == "label" and not wanted:
                return c
            if wanted and wanted.lower() in c.lower():
                return c
    return labels[0]


def _sheet(book: dict[str, pd.DataFrame], name: str, path: Path) -> pd.DataFrame:
    for key, frame in book.items():
        if key.strip().lower() == name:
            frame = frame.fillna("").astype(str)
            frame.columns = [str(c).strip() for c in frame.columns]
            return frame
    raise InputError(f"{path}: not an XLSForm: no sheet {name!r} (sheets found: {', '.join(book)}); "
                     "an XLSForm has the sheets survey, choices and settings.")


def _expressed(text: str, row: int, path: Path) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InputError(f"{path}: sheet survey, row {row}, column wecare_expressed: expected the lowest point "
                         f"at which the need counts as expressed (a whole number such as 3), found {text!r}.")
    return int(text)


def _questions(survey: pd.DataFrame, label_col: str | None, path: Path) -> tuple[FormQuestion, ...]:
    for needed in ("type", "name"):
        if needed not in survey.columns:
            raise InputError(f"{path}: sheet survey has no column {needed!r} (found {', '.join(survey.columns)}).")
    groups: list[tuple[str, str]] = []
    out = []
    for i, row in enumerate(survey.to_dict("records"), start=2):
        kind = " ".join(row["type"].split()).strip()
        name = row["name"].strip()
        if not kind:
            continue
        low = kind.lower()
        if low in _STRUCTURAL:
            if low.startswith("begin"):
                groups.append((name, (row.get(label_col, "") if label_col else "").strip()))
            elif groups:
                groups.pop()
            continue
        base, _, list_name = kind.partition(" ")
        list_name = list_name.split()[0] if list_name.strip() else None
        out.append(FormQuestion(name=name, type=base.lower(), label=(row.get(label_col, "") if label_col else "").strip(),
                                groups=tuple(g for g, _ in groups), group_labels=tuple(lb for _, lb in groups),
                                list_name=list_name,
                                wecare=row.get("wecare", "").strip(),
                                expressed=_expressed(row.get("wecare_expressed", ""), i, path)))
    return tuple(out)


def _choices(choices: pd.DataFrame, label_col: str | None, path: Path) -> dict[str, tuple[FormChoice, ...]]:
    list_col = "list_name" if "list_name" in choices.columns else "list name"
    if list_col not in choices.columns or "name" not in choices.columns:
        raise InputError(f"{path}: sheet choices needs the columns list_name and name "
                         f"(found {', '.join(choices.columns)}).")
    lists: dict[str, list[FormChoice]] = {}
    for row in choices.to_dict("records"):
        if not row[list_col].strip():
            continue
        lists.setdefault(row[list_col].strip(), []).append(
            FormChoice(row["name"].strip(), (row.get(label_col, "") if label_col else "").strip() or row["name"].strip(),
                       row.get("wecare", "").strip()))
    return {k: tuple(v) for k, v in lists.items()}


def read_xlsform(path: str | os.PathLike[str], language: str | None = None) -> Form:
    """Read an XLSForm workbook with its ``wecare`` columns (see the module docstring).

    Parameters
    ----------
    path
        The ``.xlsx`` form (sheets ``survey``, ``choices``, optionally ``settings``).
    language
        Label language to read (part of a ``label::<language>`` header); default Italian, else the first.

    Raises
    ------
    InputError
        When the file is not an XLSForm (exit code 2).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such form file.")
    check_xlsx(path)
    try:
        book = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds on a damaged workbook
        raise InputError(f"{path}: cannot read the XLSForm ({type(err).__name__}: {err}); "
                         "expected an .xlsx workbook with sheets survey and choices.") from None
    survey = _sheet(book, "survey", path)
    choices = _sheet(book, "choices", path)
    settings = next((f.fillna("").astype(str) for k, f in book.items() if k.strip().lower() == "settings"), None)
    setting = (lambda key: str(settings[key].iloc[0]).strip()
               if settings is not None and key in settings and len(settings) else "")
    form = Form(path=path, title=setting("form_title") or path.stem, form_id=setting("form_id") or path.stem,
                version=setting("version"),
                questions=_questions(survey, _label_column(list(survey.columns), language), path),
                choices=_choices(choices, _label_column(list(choices.columns), language), path))
    _check_concepts(form)
    return form


def _check_concepts(form: Form) -> None:
    """Refuse a ``wecare`` value that names no concept (the message lists the valid ones)."""

    valid = {q.name for q in load_codebook().questions} | set(EXTRA_CONCEPTS)
    for q in form.questions:
        if q.wecare and q.wecare not in valid and q.wecare != "-":
            raise InputError(
                f"{form.path}: sheet survey, question {q.name!r}: wecare = {q.wecare!r} is no workbench concept; "
                f"expected a codebook question name ({', '.join(sorted(valid)[:12])}, …; see "
                "`wecare codebook export --format markdown`), 'needs' or 'province'.")
        if q.type.startswith("select") and q.list_name not in form.choices:
            raise InputError(f"{form.path}: sheet survey, question {q.name!r} uses the choice list "
                             f"{q.list_name!r}, which the choices sheet does not have.")
