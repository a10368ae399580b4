"""Walk every published output of a report folder and say where a text (the data label) is missing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd


def svg_text(path: Path) -> str:
    """The text of an SVG's ``<text>`` elements (figures keep their text as text), joined by spaces."""
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    return " ".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("}text"))


def pdf_text(path: Path) -> str:
    """The text of every page of a PDF (pypdf), joined."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def gpkg_descriptions(path: Path) -> dict[str, str]:
    """Layer name → ``gpkg_contents.description`` of a GeoPackage."""
    with sqlite3.connect(path) as con:
        return dict(con.execute("SELECT table_name, description FROM gpkg_contents").fetchall())


def missing_label(folder: Path, needle: str) -> tuple[list[str], dict[str, int]]:
    """Outputs of ``folder`` where ``needle`` (case-insensitive) is not found, and how many of each kind were read.

    Every sheet of every workbook (its first row), every open-data CSV (every row of its ``fonte_dati``
    column; the data dictionary's text), the text of every SVG, the ``Source``/``Disclaimer`` text chunks
    of every PNG, the description of every GeoPackage layer, ``report.html`` and ``report.pdf``.
    """
    from openpyxl import load_workbook
    from PIL import Image

    want = needle.lower()
    missing: list[str] = []
    seen = dict.fromkeys(("sheet", "csv", "svg", "png", "layer", "html", "pdf"), 0)
    for book_path in sorted(folder.rglob("*.xlsx")):
        book = load_workbook(book_path, read_only=True)
        for sheet in book.worksheets:
            seen["sheet"] += 1
            first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
            if want not in " ".join(str(v) for v in first if v is not None).lower():
                missing.append(f"{book_path.name}[{sheet.title}]")
        book.close()
    for csv in sorted(folder.rglob("*.csv")):
        seen["csv"] += 1
        if csv.name == "dizionario_dati.csv":
            ok = want in csv.read_text(encoding="utf-8").lower()
        else:
            table = pd.read_csv(csv, dtype=str, keep_default_na=False)
            ok = "fonte_dati" in table and table["fonte_dati"].str.lower().str.contains(want, regex=False).all()
        if not ok:
            missing.append(str(csv.relative_to(folder)))
    for svg in sorted(folder.rglob("*.svg")):
        seen["svg"] += 1
        if want not in svg_text(svg).lower():
            missing.append(str(svg.relative_to(folder)))
    for png in sorted(folder.rglob("*.png")):
        seen["png"] += 1
        chunks = Image.open(png).text
        if want not in " ".join(chunks.values()).lower():
            missing.append(str(png.relative_to(folder)))
    for gpkg in sorted(folder.rglob("*.gpkg")):
        for layer, description in gpkg_descriptions(gpkg).items():
            seen["layer"] += 1
            if want not in str(description or "").lower():
                missing.append(f"{gpkg.name}:{layer}")
    for name, kind, read in (("report.html", "html", lambda p: p.read_text(encoding="utf-8")),
                             ("report.pdf", "pdf", pdf_text)):
        if (folder / name).is_file():
            seen[kind] += 1
            if want not in " ".join(read(folder / name).split()).lower():
                missing.append(name)
    return missing, seen
