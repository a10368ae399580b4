"""Readers of survey exports: CSV (any usual encoding and delimiter), XLSX and SPSS ``.sav``.

Every reader returns a :class:`RawTable`: all cells as stripped strings (a
missing value is ``""``), the header as found, and for each data row the row
number a person sees in a spreadsheet (the header is row 1 unless title rows
precede it). Rows whose field count differs from the header's (a truncated or
broken CSV line) are kept and flagged in ``ragged``, never dropped; fully
blank rows are skipped and counted.

A quote that is opened and never closed on its line (``"Servirebbe un asilo``)
would make a CSV parser read every following line into one field until the next
quote, silently losing those respondents. :func:`parse_records` detects it (a
record spanning several lines whose field count differs from the file's usual
one, or whose continuation lines look like records themselves): only the line
where the quote opens becomes a damaged record (flagged in ``row_faults``, so it
is quarantined) and reading goes on at the next line, so every data line is
counted. Anything that cannot be read at all raises
:class:`~wecare_analysis.errors.InputError` (exit code 2) with a message naming
the file and what was found.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis.bounded import check_xlsx
from wecare_analysis.errors import InputError

DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
_MAX_TITLE_ROWS = 20


@dataclass
class RawTable:
    """A survey export read as strings.

    Attributes
    ----------
    data
        One column per header cell (duplicated or empty headers made unique),
        every value a stripped ``str``.
    row_numbers
        For each row of ``data``, its row number in the file as a spreadsheet shows it.
    ragged
        For each row, the number of fields found when it differs from the header's, else 0.
    """

    path: Path
    format: str
    data: pd.DataFrame
    row_numbers: np.ndarray
    ragged: np.ndarray
    header_row: int = 1
    encoding: str | None = None
    delimiter: str | None = None
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)
    row_faults: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.row_faults is None:
            self.row_faults = np.full(len(self.data), "", dtype=object)


@dataclass
class CsvRecord:
    """One record of a delimited text: its fields, the file line where it starts and, if damaged, why."""

    fields: list[str]
    line: int
    fault: str = ""


def _line_width(line: str, delimiter: str) -> int:
    return len(next(csv.reader([line], delimiter=delimiter, strict=False), []))


def parse_records(text: str, delimiter: str) -> list[CsvRecord]:
    """Parse delimited ``text`` into records, isolating unclosed quotes instead of losing lines.

    A record that spans several physical lines is accepted when it has the
    file's usual number of fields and none of its continuation lines looks like
    a record of its own; otherwise the quote opened on its first line is taken
    as unclosed: that line alone becomes a record with a ``fault`` naming the
    line, and parsing starts again on the next line.

    Examples
    --------
    >>> recs = parse_records('a,b,c\\n1,"x\\ny",3\\n2,"open,5\\n3,z,6\\n', ",")
    >>> [(r.line, len(r.fields), bool(r.fault)) for r in recs]
    [(1, 3, False), (2, 3, False), (4, 2, True), (5, 3, False)]
    """
    lines = io.StringIO(text, newline="").readlines()
    whole = [line for line in lines if line.strip() and line.count('"') % 2 == 0]  # one record per line
    if len(whole) == sum(1 for line in lines if line.strip()):  # no record spans lines: one pass, one per line
        return [CsvRecord(fields, i + 1) for i, fields in enumerate(csv.reader(lines, delimiter=delimiter,
                                                                               strict=False))]
    widths = [len(fields) for fields in csv.reader(whole, delimiter=delimiter, strict=False)]
    usual = max(set(widths), key=widths.count) if widths else 0
    records: list[CsvRecord] = []
    pos = 0
    while pos < len(lines):
        reader = csv.reader(itertools.islice(lines, pos, None), delimiter=delimiter, strict=False)
        consumed, restart = 0, None
        for fields in reader:
            start, end = pos + consumed, pos + reader.line_num
            consumed = reader.line_num
            if end - start > 1 and (len(fields) != usual or any(
                    _line_width(line, delimiter) >= max(3, usual // 2 + 1) for line in lines[start + 1:end])):
                first = next(csv.reader([lines[start]], delimiter=delimiter, strict=False), [])
                records.append(CsvRecord(first, start + 1, (
                    f"unclosed quote: a quoted value opens on line {start + 1} of the file and is not closed "
                    f"on that line (it would swallow {end - start - 1} following line(s)); close the quote or "
                    "remove it, this row is quarantined and reading goes on at the next line")))
                restart = start + 1
                break
            records.append(CsvRecord(fields, start + 1))
        if restart is None:
            break
        pos = restart
    return records

def _sniff_format(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


def decode_text(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode ``raw`` as UTF-8 (with or without BOM), else cp1252, else Latin-1; return text and encoding."""
    sample = raw[:65536]
    if b"\x00" in sample:
        raise InputError(f"{path}: the file is not a text table (binary content, NUL bytes found); "
                         "expected a CSV, XLSX or SPSS .sav export of the questionnaire.")
    for enc in ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: cannot decode the text (tried {', '.join(ENCODINGS)}).")  # pragma: no cover


def sniff_delimiter(lines: list[str]) -> str:
    """Return the delimiter among ``, ; TAB |`` that splits the first lines most consistently.

    Examples
    --------
    >>> sniff_delimiter(["a;b;c", "1;2,5;3"])
    ';'
    """
    best, best_score = ",", (-1, -1)
    for delim in DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=delim))) for line in lines if line.strip()]
        if not counts or max(counts) < 2:
            continue
        modal = max(set(counts), key=counts.count)
        score = (counts.count(modal), modal)
        if score > best_score:
            best, best_score = delim, score
    return best


def _grid_to_table(grid: list[list[str]], header_index: int, path: Path, fmt: str,
                   faults: list[str] | None = None) -> RawTable:
    """Build the table from parsed records; cells are not stripped here (parsing strips distinct values).

    ``faults`` (one per record of ``grid``, ``""`` when sound) marks damaged records.
    """
    header = [str(h).strip() for h in grid[header_index]]
    width = len(header)
    records = grid[header_index + 1:]
    record_faults = (faults or [""] * len(grid))[header_index + 1:]
    keep = [i for i, rec in enumerate(records) if any(rec) or record_faults[i]]
    body = [records[i] for i in keep]
    lengths = np.fromiter((len(rec) for rec in body), dtype=np.int64, count=len(body))
    for i in np.flatnonzero(lengths != width):
        body[i] = list(body[i][:width]) + [""] * max(0, width - int(lengths[i]))
    names = unique_names(header)
    data = pd.DataFrame(body, columns=names, dtype=object) if body else pd.DataFrame(columns=names, dtype=object)
    rows = np.asarray(keep, dtype=np.int64) + header_index + 2
    ragged = np.where(lengths != width, lengths, 0)
    row_faults = np.array([record_faults[i] for i in keep], dtype=object)
    return RawTable(path=path, format=fmt, data=data, row_numbers=rows, ragged=ragged,
                    header_row=header_index + 1, blank_rows=len(records) - len(keep), row_faults=row_faults)


def unique_names(header: list[str]) -> list[str]:
    """Column names of a header row: empty ones named ``_unnamed_<position>``, repeats suffixed ``.1``, ``.2``…

    >>> unique_names(["a", "", "a"])
    ['a', '_unnamed_2', 'a.1']
    """
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(header):
        name = h or f"_unnamed_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def read_csv_table(path: Path, raw: bytes, header_score: Callable[[list[str]], int]) -> RawTable:
    """Read a delimited text export (see :func:`read_table`)."""
    text, encoding = decode_text(raw, path)
    if not text.strip():
        raise InputError(f"{path}: the file is empty; expected a header row and at least one respondent.")
    lines = text.splitlines()
    delim = sniff_delimiter(lines[:_MAX_TITLE_ROWS + 5])
    records = parse_records(text, delim)
    grid = [rec.fields for rec in records]
    table = _grid_to_table(grid, _header_index(grid, header_score), path, "csv", [rec.fault for rec in records])
    table.encoding, table.delimiter = encoding, delim
    return table


def _header_index(grid: list[list[str]], header_score: Callable[[list[str]], int]) -> int:
    """Index of the header row: among the title rows and the first full row, the one naming most columns.

    A data row is never taken as the header: only rows down to the first "full" one (at least
    half as many filled cells as the widest of the first rows) are candidates, so a header that
    names nothing known stays the header instead of a respondent's row being promoted.
    """
    head = grid[:_MAX_TITLE_ROWS]
    if not head:
        return 0
    filled = [sum(1 for c in row if str(c).strip()) for row in head]
    first_full = next((i for i, n in enumerate(filled) if n >= max(2, max(filled) // 2)), 0)
    scores = [header_score([str(c) for c in row]) for row in head[:first_full + 1]]
    best = int(np.argmax(scores))
    return best if scores[best] > 0 else first_full


def read_xlsx_table(path: Path, header_score: Callable[[list[str]], int]) -> RawTable:
    """Read the first sheet of an Excel workbook, skipping title rows above the header (refused before
    parsing when it expands beyond the bounds of :mod:`wecare_analysis.bounded`)."""
    check_xlsx(path)
    try:
        frame = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds on a damaged workbook
        raise InputError(f"{path}: cannot read the Excel workbook ({type(err).__name__}: {err}); "
                         "re-save it as .xlsx or export CSV.") from None
    grid = [["" if _is_missing(v) else _cell_text(v) for v in row] for row in frame.itertuples(index=False)]
    if not grid:
        raise InputError(f"{path}: the workbook's first sheet is empty; expected a header row and respondents.")
    return _grid_to_table(grid, _header_index(grid, header_score), path, "xlsx")


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT


def _cell_text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_sav_table(path: Path) -> RawTable:
    """Read an SPSS ``.sav`` file with its value labels applied (pyreadstat)."""
    import pyreadstat

    try:
        frame, _meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
    except Exception as err:  # noqa: BLE001 - pyreadstat.ReadstatError and OSError
        raise InputError(f"{path}: cannot read the SPSS file ({err}).") from None
    grid = [list(frame.columns)] + [["" if _is_missing(v) else _cell_text(v) for v in row]
                                    for row in frame.itertuples(index=False)]
    return _grid_to_table(grid, 0, path, "sav")


def read_table(path: str | os.PathLike[str], header_score: Callable[[list[str]], int]) -> RawTable:
    """Read a survey export of any supported format into a :class:`RawTable`.

    Parameters
    ----------
    path
        CSV (UTF-8, UTF-8 with BOM, cp1252; ``,``, ``;``, TAB or ``|``), XLSX or SPSS ``.sav``.
    header_score
        Function giving, for a candidate header row, how many cells name a
        codebook question: the best of the first 20 rows is the header, so title
        rows above it are skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"{path}: the file is empty; expected a header row and at least one respondent.")
    fmt = _sniff_format(raw[:8])
    if fmt == "xlsx":
        return read_xlsx_table(path, header_score)
    if fmt == "sav":
        return read_sav_table(path)
    if fmt == "xls":
        raise InputError(f"{path}: legacy Excel .xls workbooks are not supported; save it as .xlsx or CSV.")
    return read_csv_table(path, raw, header_score)
