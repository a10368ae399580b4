"""Templates a desk operator fills without help: XLSX (with dropdowns), CSV, XLSForm for KoboToolbox.

- **XLSX**: sheet ``Dati`` (first, so that :mod:`.ingest` reads it) with the Italian
  headers of :func:`~wecare_analysis.activities.schema.fields` in row 1, a
  data-validation dropdown on every column with a fixed list (the lists sit in a
  hidden sheet ``Elenchi``, since Excel's inline lists are limited to 255
  characters), whole-number and date checks, and a sheet ``Istruzioni`` that says,
  column by column, what to write.
- **CSV**: the same header row, ``;``-separated, UTF-8 with BOM (what Excel in
  Italian opens and saves); the instructions are those of the XLSX.
- **XLSForm** (``--format xlsform``, or an output named ``*.xlsform.xlsx``): sheets
  ``survey`` (``type``, ``name``, ``label``, ``hint``, ``required``, ``constraint``,
  ``constraint_message``), ``choices`` and ``settings`` for KoboToolbox/ODK; its
  exports (XML names as headers, option names as values) validate as they are.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd

from wecare_analysis.activities.schema import KIND_LABELS, Field, fields
from wecare_analysis.atomic import atomic_path, write_text_atomic
from wecare_analysis.errors import InputError

FORMATS = ("xlsx", "csv", "xlsform")
DATA_SHEET, LISTS_SHEET, HELP_SHEET = "Dati", "Elenchi", "Istruzioni"
_TEMPLATE_ROWS = 500  # rows the validations cover


@functools.cache
def region_provinces(region: str = "01", year: int = 2023) -> tuple[tuple[str, str], ...]:
    """``(sigla, name)`` of the provinces of ``region`` in ISTAT order, from the ISTAT list of ``year``.

    >>> region_provinces()[:2]
    (('TO', 'Torino'), ('VC', 'Vercelli'))
    """
    # lazy: loads geopandas/shapely, which not every caller of this module needs
    from wecare_analysis.territory import sources

    munis = sources.read_municipalities(sources.source_files(year).municipalities)
    if str(region).lower() != "all":
        munis = munis[munis["region_code"] == int(region)]
    rows = munis[["province_code", "province_short", "province"]].drop_duplicates().sort_values("province_code")
    return tuple(zip(rows["province_short"], rows["province"]))


def template_format(out: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The format of a template: ``fmt`` if given, else from the name (``*.xlsform.xlsx``, ``.xlsx``, ``.csv``).

    >>> template_format("incontri.xlsform.xlsx"), template_format("sportelli.csv")
    ('xlsform', 'csv')
    """

    name = Path(out).name.lower()
    if fmt is not None:
        if fmt not in FORMATS:
            raise InputError(f"unknown template format {fmt!r}; expected one of {', '.join(FORMATS)}.")
        if fmt in ("xlsx", "xlsform") and not name.endswith(".xlsx") or fmt == "csv" and not name.endswith(".csv"):
            raise InputError(f"--out {out}: a {fmt} template must be named *.{'csv' if fmt == 'csv' else 'xlsx'}.")
        return fmt
    if name.endswith(".xlsform.xlsx"):
        return "xlsform"
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".csv"):
        return "csv"
    raise InputError(f"--out {out}: expected a file name ending in .xlsx, .csv or .xlsform.xlsx.")


def choice_options(field: Field, region: str = "01") -> tuple[tuple[str, str], ...]:
    """The ``(code, label)`` options of a column with a fixed list (provinces: sigla and name)."""
    if field.type == "province":
        return region_provinces(region)
    return field.choices


def dropdown_label(field: Field, code: str, label: str) -> str:
    """What the XLSX dropdown shows for an option: ``'TO - Torino'`` for a province, else the label."""
    return f"{code} - {label}" if field.type == "province" else label


def instructions(kind: str, region: str = "01") -> pd.DataFrame:
    """The ``Istruzioni`` sheet: one row per column with what to write and the allowed values."""
    rows = []
    for f in fields(kind):
        options = choice_options(f, region)
        allowed = "; ".join(dropdown_label(f, c, lab) for c, lab in options) if options else ""
        rows.append({"Colonna": f.label, "Cosa scrivere": f.hint,
                     "Obbligatoria": "sì" if f.required else "no", "Valori ammessi": allowed})
    return pd.DataFrame(rows)


def write_template(kind: str, out: str | os.PathLike[str], fmt: str | None = None, region: str = "01") -> Path:
    """Write the empty template of ``kind`` to ``out`` (format from :func:`template_format`); return the path."""
    fmt = template_format(out, fmt)
    fields(kind)  # unknown kind: ValueError before anything is written
    if fmt == "csv":
        header = ";".join(f'"{f.label}"' if ";" in f.label else f.label for f in fields(kind))
        return write_text_atomic(out, header + "\r\n", encoding="utf-8-sig")
    if fmt == "xlsform":
        tables = xlsform_tables(kind, region)
        with atomic_path(out, suffix=".xlsx") as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for sheet, table in tables.items():
                table.to_excel(xl, sheet_name=sheet, index=False)
        return Path(out)
    with atomic_path(out, suffix=".xlsx") as tmp:
        _workbook(kind, region).save(tmp)
    return Path(out)


def _workbook(kind: str, region: str):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    data = book.active
    data.title = DATA_SHEET
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    help_sheet = book.create_sheet(HELP_SHEET)
    list_column = 0
    for col, f in enumerate(fields(kind), start=1):
        letter = get_column_letter(col)
        cell = data.cell(row=1, column=col, value=f.label)
        cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        data.column_dimensions[letter].width = max(14, min(40, len(f.label) + 4))
        cells = f"{letter}2:{letter}{_TEMPLATE_ROWS + 1}"
        options = choice_options(f, region)
        if options:
            list_column += 1
            lists_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=f.label)
            for i, (code, label) in enumerate(options, start=2):
                lists.cell(row=i, column=list_column, value=dropdown_label(f, code, label))
            rule = DataValidation(type="list", allow_blank=not f.required,
                                  formula1=f"{LISTS_SHEET}!${lists_letter}$2:${lists_letter}${len(options) + 1}")
            rule.error, rule.errorTitle = "Scegliere un valore dall'elenco.", "Valore non ammesso"
        elif f.type == "integer":
            rule = DataValidation(type="whole", operator="between", formula1="0", formula2=str(f.max or 10_000),
                                  allow_blank=not f.required)
            rule.error, rule.errorTitle = f"Inserire un numero intero da 0 a {f.max}.", "Numero non valido"
        elif f.type == "date":
            rule = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=False)
            rule.error, rule.errorTitle = "Inserire una data gg/mm/aaaa.", "Data non valida"
            for row in range(2, _TEMPLATE_ROWS + 2):
                data.cell(row=row, column=col).number_format = "DD/MM/YYYY"
        else:
            rule = None
        if rule is not None:
            rule.showErrorMessage = True
            rule.prompt, rule.promptTitle = f.hint[:255], f.label[:32]
            rule.showInputMessage = True
            data.add_data_validation(rule)
            rule.add(cells)
    data.freeze_panes = "A2"
    one = {"meetings": "incontro", "desk": "contatto", "focus": "focus group"}[kind]
    help_sheet.append([(f"Modello: {KIND_LABELS[kind]}. Una riga per ogni {one} nel foglio «{DATA_SHEET}»; "
                       "non cambiare le intestazioni.")])
    help_sheet.append([])
    table = instructions(kind, region)
    help_sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        help_sheet.append(list(row))
    for letter, width in zip("ABCD", (32, 70, 12, 70)):
        help_sheet.column_dimensions[letter].width = width
    return book


def _xlsform_row(f: Field) -> dict[str, str]:
    list_name = f"{f.name}_list"
    xtype = {"date": "date", "integer": "integer", "province": f"select_one {list_name}",
             "choice": f"select_one {list_name}"}.get(f.type, "text")
    row = {"type": xtype, "name": f.name, "label": f.label, "hint": f.hint, "required": "yes" if f.required else "",
           "constraint": "", "constraint_message": ""}
    if f.type == "integer":
        row["constraint"] = f". >= 0 and . <= {f.max}"
        row["constraint_message"] = f"Inserire un numero intero da 0 a {f.max}"
    return row


def xlsform_tables(kind: str, region: str = "01") -> dict[str, pd.DataFrame]:
    """The sheets of the XLSForm of ``kind``: ``survey``, ``choices``, ``settings``."""
    survey = pd.DataFrame([_xlsform_row(f) for f in fields(kind)])
    choices = pd.DataFrame([{"list_name": f"{f.name}_list", "name": code, "label": dropdown_label(f, code, label)}
                            for f in fields(kind) for code, label in choice_options(f, region)])
    settings = pd.DataFrame([{"form_title": f"Wecare: {KIND_LABELS[kind].lower()}", "form_id": f"wecare_{kind}",
                              "version": "2024.1", "default_language": "Italiano"}])
    return {"survey": survey, "choices": choices, "settings": settings}
