"""Validate a file of programme records (meetings, desk contacts, focus groups) and write its tables.

:func:`validate_activities` reads a CSV or XLSX (a filled template, or a
KoboToolbox/ODK export of the template's XLSForm) with the survey's readers
(:func:`wecare_analysis.survey.readers.read_table`: any Italian encoding and
delimiter, title rows, broken lines), matches the headers
(:mod:`.parsing`) and checks every value. A row with a fault is quarantined,
with one line per fault (``row, column, value, reason``). Reasons: a required
value missing; a date that is not a date, in the future or outside the programme
period; an unknown province; a municipality that is unknown, ambiguous or not in
the row's province (names and codes go through
:func:`wecare_analysis.territory.names.match_municipalities`; retired ones are
reconciled and listed in the warnings); an option (a need area, a channel…) not
in the list; a count that is not a whole number from 0; CNA members above the
firms present, new contacts above the participants; no participant at all; a
meeting or focus group entered twice; a broken line (no value of it is copied).

Personal data: the ``notes`` column and the desk name are screened
(:mod:`.screening`); what is found is masked and reported in ``screened``
(row, column, kind; never the value). Notes never reach processed data: they are
written, masked, to ``data/raw/restricted/<file stem>_<kind>_notes.csv`` for the
free-text coder; the quarantine shows notes as ``[omesso: dato riservato]``.
Invariant: ``rows_read == rows_kept + rows_quarantined``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis.activities import parsing
from wecare_analysis.activities.schema import KINDS, Field, fields, theme_columns
from wecare_analysis.activities.screening import masked_text, personal_data_found
from wecare_analysis.errors import InputError
from wecare_analysis.masking import Masker
from wecare_analysis.survey.codebook import Question
from wecare_analysis.survey.layout import META_COLUMNS, norm
from wecare_analysis.survey.readers import RawTable, read_table
from wecare_analysis.survey.validate import MASK, _damaged_rows
from wecare_analysis.survey.values import integer_parser, parse_column

PARTICIPANTS = ["participants_firms", "participants_workers", "participants_public", "participants_third_sector"]


@dataclass
class ActivityValidation:
    """Result of :func:`validate_activities`: ``clean`` kept rows (no notes), ``notes`` (masked, restricted)."""

    path: Path
    kind: str
    table: RawTable
    clean: pd.DataFrame
    notes: pd.DataFrame
    quarantine: pd.DataFrame
    screened: list[dict[str, object]]
    rows_read: int
    period: tuple[dt.date, dt.date] | None
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_kept(self) -> int:
        """Rows that passed every check."""
        return len(self.clean)

    @property
    def rows_quarantined(self) -> int:
        """Rows with at least one fault."""
        return self.rows_read - len(self.clean)

    def error_messages(self, limit: int = 200) -> list[str]:
        """One line per fault, ``file: row N, column 'C': reason``."""
        q = self.quarantine.head(limit)
        return [f"{self.path.name}: row {r}, column {c!r}: {why}" for r, c, why in zip(q["row"], q["column"],
                                                                                       q["reason"])]


def _fault(pos: np.ndarray, column: str, values: pd.Series | str, reason: pd.Series | str) -> pd.DataFrame:
    values = values if isinstance(values, str) else values.to_numpy()
    return pd.DataFrame({"pos": pos, "column": column, "value": values,
                         "reason": reason if isinstance(reason, str) else reason.to_numpy()})


def _parser(f: Field, period, region: str, today: dt.date | None):
    if f.type == "date":
        return parsing.date_parser(period, today)
    if f.type == "province":
        return parsing.province_parser(region)
    if f.type == "choice":
        return parsing.choice_parser(f, region)
    if f.type == "integer":
        return integer_parser(Question(name=f.name, group="", type="integer", label=f.label, min=0, max=f.max))
    return lambda raw: (raw, None)


def _field_faults(f: Field, values: pd.Series, column: str, out: pd.DataFrame, period, region: str,
                  today: dt.date | None) -> list[pd.DataFrame]:
    parsed, reasons, missing = parse_column(values, _parser(f, period, region, today))
    faults = []
    if f.required and missing.any():
        faults.append(_fault(np.flatnonzero(missing), column, values[missing], f"missing required value ({f.label})"))
    bad = reasons.notna().to_numpy()
    if bad.any():
        faults.append(_fault(np.flatnonzero(bad), column, values[bad], reasons[bad]))
    if f.type == "integer":
        parsed = pd.to_numeric(parsed).astype("Int64")
    elif f.name.startswith("theme_"):
        parsed = pd.to_numeric(parsed.fillna("0")).astype("Int64")
    elif f.type == "date":
        parsed = pd.to_datetime(parsed)
    out[f.name] = parsed
    return faults


def _municipality_faults(values: pd.Series, column: str, out: pd.DataFrame, year: int) -> tuple[list, list[str]]:
    # lazy: loads geopandas/shapely, which not every caller of this module needs
    from wecare_analysis.territory.names import match_municipalities

    text = values.fillna("").astype(str).str.strip()
    given = text != ""
    found = match_municipalities(text[given], year=year, province=out.loc[given, "province"])
    out["municipality_code"] = found["municipality_code"].reindex(out.index).astype("Int64")
    status = found["status"].reindex(out.index)
    faults = []
    bad = (given & status.isin(["unknown", "ambiguous"])).to_numpy()
    if bad.any():
        notes = found["note"].reindex(out.index)[bad]
        faults.append(_fault(np.flatnonzero(bad), column, values[bad],
                             "municipality " + status[bad] + ": " + notes.astype(str)))
    # lazy: loads geopandas/shapely, which not every caller of this module needs
    from wecare_analysis.territory import municipality_list

    sigla_of = municipality_list(year).set_index("municipality_code")["province_sigla"]
    muni_sigla = out["municipality_code"].map(sigla_of)
    elsewhere = (out["municipality_code"].notna() & out["province"].notna() & (muni_sigla != out["province"]))
    elsewhere = elsewhere.fillna(False).to_numpy(dtype=bool)
    if elsewhere.any():
        faults.append(_fault(np.flatnonzero(elsewhere), column, values[elsewhere],
                             "municipality is in province " + muni_sigla[elsewhere].astype(str)
                             + ", not in the row's province " + out["province"][elsewhere].astype(str)))
    reconciled = found[found["status"] == "reconciled"]
    warnings = [f"municipality {v!r} reconciled: {n}" for v, n in
                reconciled.drop_duplicates("input")[["input", "note"]].itertuples(index=False)]
    return faults, warnings


def _consistency_faults(kind: str, out: pd.DataFrame, columns: dict[str, str]) -> list[pd.DataFrame]:
    faults = []
    total = out[PARTICIPANTS].sum(axis=1, min_count=len(PARTICIPANTS)) if kind != "desk" else None
    if total is not None:
        none = (total == 0).fillna(False).to_numpy(dtype=bool)
        if none.any():
            faults.append(_fault(np.flatnonzero(none), "(row)", "", "no participant recorded: every count is 0"))
    if kind == "meetings":
        for name, limit, what in (("cna_members", out["participants_firms"], "the firms present"),
                                  ("new_contacts", total, "the participants in all")):
            over = (out[name] > limit).fillna(False).to_numpy(dtype=bool)
            if over.any():
                faults.append(_fault(np.flatnonzero(over), columns[name], out[name][over].astype(str),
                                     f"{name} is more than {what} (" + limit[over].astype(str) + ")"))
    if kind in ("meetings", "focus"):
        key = pd.util.hash_pandas_object(out[[f.name for f in fields(kind) if f.name in out and f.name != "notes"]]
                                         .astype(str), index=False)
        dup = key.duplicated(keep="first").to_numpy()
        if dup.any():
            first = pd.Series(np.arange(len(key))).groupby(key.to_numpy()).transform("min").to_numpy()
            faults.append(pd.DataFrame({"pos": np.flatnonzero(dup), "column": "(row)", "value": "",
                                        "reason": [f"entered twice: same values as row {p}" for p in
                                                   first[dup]]}))
    return faults


def _screen(out: pd.DataFrame, columns: dict[str, str], rows: np.ndarray) -> list[dict[str, object]]:
    screened = []
    for name in ("notes", "desk"):
        if name not in out:
            continue
        text = out[name].fillna("").astype(str)
        for pos in np.flatnonzero(text.to_numpy() != ""):
            kinds = personal_data_found(text.iat[pos])
            if kinds:
                screened.append({"row": int(rows[pos]), "column": columns[name], "found": kinds})
                out.iat[pos, out.columns.get_loc(name)] = masked_text(text.iat[pos])
    return screened


def _column_map(table: RawTable, kind: str) -> dict[str, str]:
    lookup = parsing.header_lookup(kind)
    columns: dict[str, str] = {}
    for header in table.data.columns:
        name = parsing.resolve_header(header, lookup)
        if name is not None:
            columns.setdefault(name, header)
    missing = [f.label for f in fields(kind) if f.required and f.name not in columns]
    if missing:
        raise InputError(f"{table.path}: not a file of {kind} records: required columns missing: "
                         f"{', '.join(missing)} (found {len(columns)} of {len(fields(kind))} columns; see "
                         f"`wecare activities template {kind}`).")
    return columns


def _unmatched_warnings(table: RawTable, kind: str, columns: dict[str, str]) -> list[str]:
    """A warning per column that names no field (ignored); a focus theme outside the codebook says so."""

    used = set(columns.values())
    out = []
    for header in table.data.columns:
        if header in used or norm(header) in META_COLUMNS or header.startswith("_unnamed_"):
            continue
        theme = kind == "focus" and norm(header).startswith(("tema", "theme_"))
        out.append(f"column {header!r} " + ("is not a need area of the codebook: its strengths are not used"
                                           if theme else "is not a column of the template: ignored"))
    return out


def _read(path: str | os.PathLike[str], kind: str | None) -> tuple[RawTable, str]:
    table = read_table(path, lambda row: max(parsing.header_score(k)(row) for k in KINDS))
    if kind is None:
        kind, scores = parsing.guess_kind(list(table.data.columns))
        if kind is None:
            raise InputError(f"{path}: cannot tell the kind of records from the headers (columns named per kind: "
                             f"{scores}); give --kind meetings|desk|focus.")
    elif kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}.")
    if table.data.empty:
        raise InputError(f"{path}: no data rows below the header (row {table.header_row}); expected one row per "
                         "record.")
    return table, kind


def validate_activities(path: str | os.PathLike[str], kind: str | None = None,
                        period: tuple[dt.date, dt.date] | None = parsing.DEFAULT_PERIOD, year: int = 2023,
                        region: str = "01", today: dt.date | None = None) -> ActivityValidation:
    """Read and validate a file of ``kind`` records (guessed from the headers when None); see the module doc.

    Raises :class:`~wecare_analysis.errors.InputError` (exit code 2) when the file cannot be used at all.
    """
    table, kind = _read(path, kind)
    columns = _column_map(table, kind)
    data, rows = table.data, table.row_numbers
    out = pd.DataFrame(index=data.index)
    faults: list[pd.DataFrame] = []
    warnings = _unmatched_warnings(table, kind, columns)
    for f in fields(kind):
        if f.name not in columns:
            out[f.name] = pd.NA if f.type not in ("text", "label") else ""
            continue
        if f.type == "municipality":
            continue
        faults += _field_faults(f, data[columns[f.name]], columns[f.name], out, period, region, today)
    for f in fields(kind):
        if f.type == "municipality" and f.name in columns:
            found, reconciled = _municipality_faults(data[columns[f.name]], columns[f.name], out, year)
            faults += found
            warnings += reconciled
    if kind == "focus":
        for name in set(theme_columns()) - set(columns):
            out[name] = pd.array([0] * len(out), dtype="Int64")
    faults += _consistency_faults(kind, out, columns)
    screened = _screen(out, columns, rows)
    damaged = _damaged_rows(table, data.shape[1])
    if len(damaged):
        faults = [f[~f["pos"].isin(damaged.index)] for f in faults]
        faults.append(pd.DataFrame({"pos": damaged.index.to_numpy(), "column": "(row)", "value": "",
                                    "reason": damaged.to_numpy()}))
    return _result(Path(path), kind, table, out, faults, columns, screened, period, warnings)


def _result(path: Path, kind: str, table: RawTable, out: pd.DataFrame, faults: list[pd.DataFrame],
            columns: dict[str, str], screened: list, period, warnings: list[str]) -> ActivityValidation:
    rows = table.row_numbers
    q = pd.concat(faults, ignore_index=True) if faults else pd.DataFrame(columns=["pos", "column", "value", "reason"])
    private = {columns.get("notes")} - {None}
    q.loc[q["column"].isin(private), "value"] = MASK
    # a phone typed into any column (a count, the desk's name) is masked in the quarantine and the messages too
    # (and a partita IVA, :mod:`wecare_analysis.masking`)
    masker = Masker(mask=MASK)
    q["value"] = q["value"].astype(str).map(masked_text).map(masker.text)
    q["reason"] = q["reason"].astype(str).map(masked_text).map(masker.text)
    q["reason"] = [_row_reason(r, rows) for r in q["reason"]]
    q = q.sort_values(["pos", "column"], kind="stable")
    bad = np.zeros(len(out), dtype=bool)
    bad[q["pos"].to_numpy(dtype=np.int64)] = True
    quarantine = pd.DataFrame({"row": rows[q["pos"].to_numpy(dtype=np.int64)], "column": q["column"].to_numpy(),
                               "value": q["value"].to_numpy(), "reason": q["reason"].to_numpy()})
    out = out.rename(columns={"province": "province_sigla"})
    out.insert(0, "source_row", rows)
    kept = out[~bad].reset_index(drop=True)
    notes = kept[["source_row", "province_sigla", "notes"]]
    notes = notes[notes["notes"].fillna("") != ""].reset_index(drop=True)
    clean = kept.drop(columns=["notes"])
    return ActivityValidation(path=path, kind=kind, table=table, clean=clean, notes=notes, quarantine=quarantine,
                              screened=screened, rows_read=len(out), period=period, warnings=warnings)


def _row_reason(reason: str, rows: np.ndarray) -> str:
    """Turn ``same values as row N`` (a position) into the spreadsheet row number."""
    head, sep, tail = reason.partition("same values as row ")
    return f"{head}{sep}{rows[int(tail)]}" if sep and tail.isdigit() else reason
