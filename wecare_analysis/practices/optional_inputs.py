"""Optional inputs of the transferability criteria: MEF IRPEF income and a third-sector register.

Both readers never stop the run: they return an :class:`OptionalInput` whose
``status`` says what could be used (``assente``, ``usato``, ``usato in parte``,
``non utilizzabile``), Italian ``messages`` for the report, and a ``quarantine``
table (``line, column, value, reason``) of the rows left out. Always
``rows_read == rows_kept + rows_quarantined + rows_outside`` (outside: valid rows of
municipalities outside the study region).

Formats (domain notes §7):

* MEF "Redditi e principali variabili IRPEF su base comunale": ``;``-separated, CRLF,
  a trailing empty column, 6-digit ``Codice Istat Comune``, empty cells = values
  suppressed for confidentiality. Used columns: ``Codice Istat Comune``,
  ``Reddito imponibile - Frequenza``, ``Reddito imponibile - Ammontare in euro``.
* 5×1000 beneficiaries (Revenue Agency lists republished as CSV):
  ``codice_fiscale,denominazione,regione,pr,nome_comune,codice_comune,ets_e_onlus,asd,…``
  with a 6-digit ISTAT ``codice_comune`` and ``X`` flags; an entity counts as third
  sector when ``ets_e_onlus`` is ``X``.

Files as published: CSV (any of ``; , TAB |``, CR, LF or CRLF line ends, quoted
line breaks, a bare CR inside a field read as a space), a zip archive holding the
CSV (or XLSX), XLSX and Parquet. A file that cannot be read at all is
``non utilizzabile`` with the reason, never an exception.

A file with another delimiter is read with the delimiter it uses (and says so);
municipality codes are reconciled with
:func:`wecare_analysis.territory.reconcile_municipality_codes` (retired codes go to
their successors, unknown codes are quarantined).
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis.atomic import atomic_path
from wecare_analysis.bounded import check_xlsx, check_zip
from wecare_analysis.errors import InputError
from wecare_analysis.masking import Masker
from wecare_analysis.safe_text import neutralised
from wecare_analysis.territory import reconcile_municipality_codes

ABSENT, USED, PARTLY_USED, UNUSABLE = "assente", "usato", "usato in parte", "non utilizzabile"
QUARANTINE_COLUMNS = ["line", "column", "value", "reason"]
MEF_CODE = "Codice Istat Comune"
MEF_FREQUENCY = "Reddito imponibile - Frequenza"
MEF_AMOUNT = "Reddito imponibile - Ammontare in euro"
TS_CODE = "codice_comune"
TS_FLAG = "ets_e_onlus"


@dataclass
class OptionalInput:
    """What an optional input gave: the per-municipality table, counts, quarantine and messages."""

    name: str
    path: str | None
    status: str = ABSENT
    table: pd.DataFrame | None = None
    rows_read: int = 0
    rows_kept: int = 0
    rows_quarantined: int = 0
    rows_outside: int = 0
    quarantine: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=QUARANTINE_COLUMNS))
    messages: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """True when the table can feed a criterion."""
        return self.table is not None and self.status in (USED, PARTLY_USED)

    def summary(self) -> dict:
        """A one-row summary (name, status, counts, messages joined)."""
        return {"input": self.name, "file": self.path or "", "status": self.status, "rows_read": self.rows_read,
                "rows_kept": self.rows_kept, "rows_quarantined": self.rows_quarantined,
                "rows_outside": self.rows_outside, "messages": " ".join(self.messages)}


def _norm(name: str) -> str:
    return " ".join(str(name).replace("\ufeff", "").split()).lower()


def parse_number(text: str) -> float | None:
    """Parse a number as written in Italian or English files; '' → NaN (suppressed); None if malformed.

    Examples
    --------
    >>> parse_number("1234"), parse_number("1.234.567"), parse_number("12,5"), parse_number(""), parse_number("n/a")
    (1234.0, 1234567.0, 12.5, nan, None)
    """
    t = str(text).strip().replace(" ", "")
    if t == "":
        return float("nan")
    if re.fullmatch(r"-?\d+", t):
        return float(t)
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", t):
        return float(t.replace(".", "").replace(",", "."))
    if re.fullmatch(r"-?\d+,\d+", t):
        return float(t.replace(",", "."))
    if re.fullmatch(r"-?\d+\.\d+", t):
        return float(t)
    return None


def _decode_text(raw: bytes, result: OptionalInput) -> str:
    """Text of a CSV: UTF-8 (BOM) or Windows-1252; a bare CR inside a CRLF/LF file is a space, a CR-only file
    has CR line ends."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        result.messages.append("Il file non è in UTF-8: letto come Windows-1252.")
    if "\n" in text:
        bare = len(re.findall(r"\r(?!\n)", text))
        if bare:
            text = re.sub(r"\r(?!\n)", " ", text)
            result.messages.append(f"{bare} ritorni a capo isolati (CR) dentro i campi letti come spazi.")
        return text
    return text.replace("\r", "\n")


def _zip_member(path: Path) -> tuple[str, bytes]:
    """The table inside a zipped file as published (the first CSV/TXT, else XLSX member)."""
    import zipfile

    check_zip(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX")]
            pick = next((n for n in names if n.lower().endswith((".csv", ".txt"))), None) or next(
                (n for n in names if n.lower().endswith(".xlsx")), None)
            if pick is None:
                raise InputError(f"{path}: the zip archive holds no CSV or XLSX file (found: "
                                 f"{', '.join(names) or 'nothing'}).")
            return pick, zf.read(pick)
    except zipfile.BadZipFile as err:
        raise InputError(f"{path}: not a valid zip archive ({err}).") from None


def _frame_grid(df: pd.DataFrame, first_line: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    header = [str(c) for c in df.columns]
    cells = df.astype(object).where(df.notna(), "").astype(str).to_numpy().tolist()
    return header, [(first_line + i, row) for i, row in enumerate(cells)]


def _read_table(path: Path, raw: bytes, name: str, expected: str,
                result: OptionalInput) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and ``(line, cells)`` rows of a CSV, XLSX or Parquet file (content ``raw``)."""
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or raw[:4] == b"PK\x03\x04" and suffix != ".zip":
        check_xlsx(raw, path if name == path.name else f"{path} ({name})")
        try:
            return _frame_grid(pd.read_excel(io.BytesIO(raw), dtype=str, keep_default_na=False), 2)
        except Exception as err:  # noqa: BLE001 - openpyxl raises several types for damaged workbooks
            raise InputError(f"{path}: cannot be read as an Excel workbook ({err}).") from None
    if suffix in (".parquet", ".pq") or raw[:4] == b"PAR1":
        try:
            return _frame_grid(pd.read_parquet(io.BytesIO(raw)), 2)
        except Exception as err:  # noqa: BLE001 - pyarrow raises several types for damaged files
            raise InputError(f"{path}: cannot be read as Parquet ({err}).") from None
    if b"\x00" in raw[:65536]:
        raise InputError(f"{path}: not a text table (NUL bytes found); expected a CSV, XLSX, Parquet or zipped CSV.")
    text = _decode_text(raw, result)
    header_line = next((ln for ln in text.split("\n") if ln.strip()), "")
    counts = {d: header_line.count(d) for d in (";", ",", "\t", "|")}
    delim = max(counts, key=counts.get) if max(counts.values()) > 0 else expected
    if delim != expected:
        names = {";": "punto e virgola", ",": "virgola", "\t": "tabulazione", "|": "barra verticale"}
        result.messages.append(f"Separatore atteso «{names[expected]}», trovato «{names[delim]}»: il file è stato "
                               f"letto con il separatore trovato.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=False)
    rows, start = [], 1
    for r in reader:
        rows.append((start, r))
        start = reader.line_num + 1
    header = [c.strip() for c in rows[0][1]] if rows else []
    return header, rows[1:]


def _read_grid(path: Path, expected: str, result: OptionalInput) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header (trailing empty cells dropped) and non-empty rows of the file, whatever its format."""
    name, raw = (path.name, path.read_bytes()) if path.suffix.lower() != ".zip" else _zip_member(path)
    if name != path.name:
        result.messages.append(f"Letto il file «{name}» contenuto nell'archivio.")
    header, rows = _read_table(path, raw, name, expected, result)
    rows = [(n, r) for n, r in rows if any(str(c).strip() for c in r)]
    header = [str(c).strip().replace("\ufeff", "") for c in header]
    while header and header[-1] == "":
        header.pop()  # the trailing empty column of MEF files
    return header, rows


def _columns(header: list[str], wanted: list[str]) -> dict[str, int] | None:
    index = {_norm(h): i for i, h in enumerate(header)}
    found = {w: index.get(_norm(w)) for w in wanted}
    return None if any(v is None for v in found.values()) else found  # type: ignore[return-value]


def _fault(line: int, column: str, value: str, reason: str) -> dict:
    return {"line": line, "column": column, "value": value, "reason": reason}


def _reconcile(codes: pd.Series, lines: pd.Series, column: str, territory: pd.DataFrame, year: int,
               result: OptionalInput) -> tuple[pd.Series, list[dict], pd.Series]:
    """Return municipality codes (NA when unknown), faults of unknown codes, and a mask of in-region rows."""
    rec = reconcile_municipality_codes(codes.reset_index(drop=True), year=year)
    faults = [_fault(int(ln), column, str(c), "codice comunale sconosciuto (né attuale né soppresso)")
              for ln, c, s in zip(lines, codes, rec["status"]) if s == "unknown"]
    n_rec = int((rec["status"] == "reconciled").sum())
    if n_rec:
        result.messages.append(f"{n_rec} codici di comuni soppressi ricondotti al comune che li ha sostituiti.")
    muni = rec["municipality_code"]
    inside = muni.isin(set(territory["municipality_code"].astype(int))) & muni.notna()
    return muni, faults, inside.fillna(False).astype(bool)


def _finish(result: OptionalInput, table: pd.DataFrame, faults: list[dict], outside: int,
            territory: pd.DataFrame) -> OptionalInput:
    result.quarantine = pd.DataFrame(faults, columns=QUARANTINE_COLUMNS).sort_values("line", kind="stable")
    result.rows_quarantined = int(result.quarantine["line"].nunique())
    result.rows_outside = outside
    result.rows_kept = result.rows_read - result.rows_quarantined - outside
    if table.empty:
        result.status = UNUSABLE
        result.messages.append("Nessuna riga utilizzabile per i comuni della regione: il criterio non è calcolato.")
        return result
    result.table = table
    result.status = PARTLY_USED if result.rows_quarantined else USED
    provs = territory.loc[territory["municipality_code"].isin(table["municipality_code"]), "province_sigla"]
    result.provinces = sorted(provs.unique().tolist())
    if result.rows_quarantined:
        result.messages.append(f"{result.rows_quarantined} righe non usate (in quarantena con il motivo).")
    return result


def _start(name: str, path: str | os.PathLike[str] | None) -> tuple[OptionalInput, Path | None]:
    result = OptionalInput(name, str(path) if path is not None else None)
    if path is None:
        result.messages.append("File non fornito: il criterio è «non disponibile».")
        return result, None
    p = Path(path)
    if not p.is_file():
        result.status = UNUSABLE
        result.messages.append(f"File {p} non trovato: il criterio è «non disponibile».")
        return result, None
    return result, p


def _grid_rows(header: list[str], rows: list[tuple[int, list[str]]], cols: dict[str, int],
               faults: list[dict]) -> pd.DataFrame:
    width = len(header)
    good = []
    for line, r in rows:
        while len(r) > width and r[-1].strip() == "":
            r = r[:-1]
        if len(r) != width:
            faults.append(_fault(line, "", f"{len(r)} campi", f"riga malformata: {len(r)} campi invece di {width}"))
            continue
        good.append({"line": line, **{k: r[i].strip() for k, i in cols.items()}})
    return pd.DataFrame(good, columns=["line", *cols])


def _unusable(result: OptionalInput, rows: list, message: str) -> OptionalInput:
    """Mark an input whose expected columns are missing: every row quarantined, the message kept."""
    result.status = UNUSABLE
    result.messages.append(message)
    result.rows_quarantined, result.rows_kept = result.rows_read, 0
    result.quarantine = pd.DataFrame([_fault(n, "", "", "colonne attese assenti") for n, _ in rows],
                                     columns=QUARANTINE_COLUMNS)
    return result


def read_mef_irpef(path: str | os.PathLike[str] | None, territory: pd.DataFrame, year: int = 2023) -> OptionalInput:
    """Read a MEF IRPEF municipal file: ``municipality_code, taxpayers, taxable_income`` for the region's municipalities.

    Suppressed (empty) amounts stay NaN and are counted; merged municipalities are summed.
    """
    result, p = _start("mef_irpef", path)
    if p is None:
        return result
    try:
        header, rows = _read_grid(p, ";", result)
    except InputError as err:
        result.status = UNUSABLE
        result.messages.append(err.message)
        return result
    result.rows_read = len(rows)
    cols = _columns(header, [MEF_CODE, MEF_FREQUENCY, MEF_AMOUNT])
    if cols is None:
        return _unusable(result, rows, f"Colonne attese «{MEF_CODE}», «{MEF_FREQUENCY}», «{MEF_AMOUNT}» non "
                                       f"trovate; intestazione trovata: {', '.join(header[:6]) or 'vuota'}.")
    faults: list[dict] = []
    df = _grid_rows(header, rows, cols, faults)
    values = {}
    suppressed = 0
    for col in (MEF_FREQUENCY, MEF_AMOUNT):
        parsed = [parse_number(v) for v in df[col]]
        bad = np.array([v is None for v in parsed], dtype=bool)
        faults += [_fault(int(ln), col, v, "valore non numerico") for ln, v in zip(df.loc[bad, "line"],
                                                                                    df.loc[bad, col])]
        values[col] = pd.Series([np.nan if v is None else v for v in parsed], index=df.index, dtype=float)
        suppressed += int((df[col] == "").sum())
    muni, code_faults, inside = _reconcile(df[MEF_CODE], df["line"], MEF_CODE, territory, year, result)
    faults += code_faults
    bad_lines = {f["line"] for f in faults}
    ok = ~df["line"].isin(bad_lines).to_numpy()
    keep = ok & inside.to_numpy()
    outside = int((ok & ~inside.to_numpy()).sum())
    table = pd.DataFrame({"municipality_code": muni[keep].astype(int).to_numpy(),
                          "taxpayers": values[MEF_FREQUENCY][keep].to_numpy(),
                          "taxable_income": values[MEF_AMOUNT][keep].to_numpy()})
    table = table.groupby("municipality_code", as_index=False).sum(min_count=1)
    if suppressed:
        result.messages.append(f"{suppressed} celle vuote (dati soppressi per riservatezza): i comuni interessati "
                               f"non entrano nella media.")
    return _finish(result, table, faults, outside, territory)


def read_third_sector(path: str | os.PathLike[str] | None, territory: pd.DataFrame,
                      year: int = 2023) -> OptionalInput:
    """Read a 5×1000-style register: ``municipality_code, entities, third_sector`` (counts) for the region."""
    result, p = _start("terzo_settore", path)
    if p is None:
        return result
    try:
        header, rows = _read_grid(p, ",", result)
    except InputError as err:
        result.status = UNUSABLE
        result.messages.append(err.message)
        return result
    result.rows_read = len(rows)
    cols = _columns(header, [TS_CODE])
    if cols is None:
        return _unusable(result, rows, f"Colonna attesa «{TS_CODE}» non trovata; intestazione trovata: "
                                       f"{', '.join(header[:6]) or 'vuota'}.")
    flag = _columns(header, [TS_FLAG])
    if flag is None:
        result.messages.append(f"Colonna «{TS_FLAG}» assente: ogni ente è contato come terzo settore.")
    faults: list[dict] = []
    df = _grid_rows(header, rows, {**cols, **(flag or {})}, faults)
    blank = df[TS_CODE] == ""
    faults += [_fault(int(ln), TS_CODE, "", "codice comunale mancante") for ln in df.loc[blank, "line"]]
    muni, code_faults, inside = _reconcile(df[TS_CODE].where(~blank, "000000"), df["line"], TS_CODE, territory,
                                           year, result)
    faults += [f for f in code_faults if f["value"] != "000000"]
    bad_lines = {f["line"] for f in faults}
    ok = ~df["line"].isin(bad_lines).to_numpy()
    keep = ok & inside.to_numpy()
    is_ts = df[TS_FLAG].str.upper().eq("X").to_numpy() if flag else np.ones(len(df), dtype=bool)
    table = pd.DataFrame({"municipality_code": muni[keep].astype(int).to_numpy(), "entities": 1,
                          "third_sector": is_ts[keep].astype(int)})
    table = table.groupby("municipality_code", as_index=False).sum()
    return _finish(result, table, faults, int((ok & ~inside.to_numpy()).sum()), territory)


def write_quarantine(result: OptionalInput, folder: str | os.PathLike[str] | None = None,
                     target: str | os.PathLike[str] | None = None) -> Path | None:
    """Write the rows left out (line, column, value, reason) to ``target``, or to ``quarantine_<name>.csv`` in
    ``folder``; None, and nothing written, when nothing was left out."""
    if result.quarantine.empty:
        return None
    target = Path(target) if target is not None else Path(folder) / f"quarantine_{result.name}.csv"
    with atomic_path(target) as tmp:
        neutralised(Masker().frame(result.quarantine)).to_csv(tmp, index=False)
    return target
