"""Validate a survey export against the codebook, row by row, without losing a row.

:func:`validate_survey` reads an export (:mod:`~wecare_analysis.survey.readers`),
matches its columns (:mod:`~wecare_analysis.survey.layout`), parses every value
(:mod:`~wecare_analysis.survey.values`) and splits the rows into kept and
quarantined ones. A quarantined row gets one quarantine line per fault: the
row number a spreadsheet shows, the column as named in the file, the value (masked
for identifiers and free text) and the reason. Reasons:

- a required answer is missing;
- a value is not an option, not a whole number, or out of range;
- the municipality code is unknown, or outside the region (codes retired by an
  ISTAT territorial change are reconciled to their successor, kept, and listed
  in the warnings);
- the row has a different number of fields than the header (truncated line, or a
  delimiter inside an unquoted value), or an unclosed quote: its values may sit
  under other columns, so none of them is copied to the quarantine (one line
  ``(row)`` with the reason and no value);
- the respondent is a duplicate (same ``_uuid``, or without one, identical answers).

The whole file is refused (:class:`~wecare_analysis.errors.InputError`, exit
code 2) when it cannot be read, has no data rows, is not this questionnaire or
lacks required columns. Invariant: ``rows_kept + rows_quarantined == rows_read``.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError
from wecare_analysis.masking import Masker
from wecare_analysis.survey.answers import is_non_response
from wecare_analysis.survey.codebook import Codebook, Question, load_codebook
from wecare_analysis.survey.layout import ColumnMap, HeaderMatcher
from wecare_analysis.survey.readers import RawTable, read_table
from wecare_analysis.survey.values import (
    choice_parser,
    flag_value,
    integer_parser,
    multiple_parser,
    parse_column,
    stated_missing,
)

MASK = "[omesso: dato riservato]"
MIN_SHARE_OF_QUESTIONS = 0.3
REGION_NAMES = {"01": "Piedmont"}


@dataclass
class SurveyValidation:
    """Result of :func:`validate_survey`.

    ``clean`` holds the kept rows: ``row_number``, ``_uuid`` and ``_id`` when the
    export has them, one column per codebook question found (codes, ints; identifiers
    and free text still raw, for :mod:`~wecare_analysis.survey.pseudonymise`),
    ``municipality_code`` (int), ``province_code``, ``province_sigla``.
    ``quarantine`` has columns ``row, column, value, reason``.
    """

    path: Path
    table: RawTable
    columns: ColumnMap
    clean: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_quarantined(self) -> int:
        """Number of distinct rows with at least one fault."""
        return self.rows_read - len(self.clean)

    @property
    def rows_kept(self) -> int:
        """Number of rows that passed every check."""
        return len(self.clean)

    def error_messages(self, limit: int = 200) -> list[str]:
        """One line per fault, ``row N, column 'C': reason``, at most ``limit``."""
        q = self.quarantine.head(limit)
        return [f"{self.path.name}: row {r}, column {c!r}: {why}" for r, c, why in zip(q["row"], q["column"],
                                                                                       q["reason"])]


@functools.cache
def _municipalities(year: int) -> pd.DataFrame:
    # lazy: loads geopandas/shapely, which not every caller of this module needs
    from wecare_analysis.territory import municipality_list

    return municipality_list(year).set_index("municipality_code")


def _fault(pos: np.ndarray, column: str, values: pd.Series, reasons: pd.Series | str) -> pd.DataFrame:
    reason = reasons if isinstance(reasons, str) else reasons.to_numpy()
    return pd.DataFrame({"pos": pos, "column": column, "value": values.to_numpy(), "reason": reason})


def _combined_multiple(data: pd.DataFrame, q: Question, cmap: ColumnMap) -> tuple[pd.Series, list[pd.DataFrame]]:
    """Rebuild a select_multiple answer from its split 0/1 columns (codes separated by a blank)."""
    faults, picked = [], []
    for code, column in cmap.split[q.name].items():
        flags = data[column].map(lambda v: flag_value(v))
        bad = flags.isna().to_numpy()
        if bad.any():
            faults.append(_fault(np.flatnonzero(bad), column, data[column][bad],
                                 f"not a yes/no flag: expected 1/0, Y/empty or True/False for option {code}"))
        picked.append(np.where(flags.fillna(False).astype(bool), code, ""))
    joined = pd.Series([" ".join(c for c in row if c) for row in zip(*picked)], index=data.index, dtype=object)
    return joined, faults


def _question_faults(data: pd.DataFrame, book: Codebook, q: Question, cmap: ColumnMap,
                     out: pd.DataFrame, year: int, region: str) -> list[pd.DataFrame]:
    faults: list[pd.DataFrame] = []
    if q.name in cmap.direct:
        column = cmap.direct[q.name]
        values = data[column]
    else:
        column = next(iter(cmap.split[q.name].values())).rsplit("/", 1)[0]
        values, faults = _combined_multiple(data, q, cmap)
    if q.type in ("identifier", "text", "municipality"):
        parse = None  # kept as found (stripped); municipality codes are reconciled below
    else:
        parser = {"select_one": choice_parser, "likert": choice_parser,
                  "select_multiple": multiple_parser}.get(q.type)
        parse = parser(book, q) if parser else integer_parser(q)
    if parse is not None:  # a stated non-response ("Non so") to a question with answers is a missing answer
        parse = stated_missing(parse)
    parsed, reasons, missing = parse_column(values, parse or (lambda v: (v, None)))
    if q.type == "municipality":  # ... but the place of the firm is required, stated or not
        stated = parse_column(values, lambda v: (None, "stated") if is_non_response(v) else (v, None))[1]
        missing = missing | stated.notna().to_numpy()
        parsed = parsed.where(stated.isna(), None)
    if q.required and missing.any():
        faults.append(_fault(np.flatnonzero(missing), column, values[missing],
                             f"missing required answer to {q.name}"))
    if q.type in ("identifier", "text"):
        out[q.name] = parsed.fillna("")
        return faults
    if q.type == "municipality":
        return faults + _municipality_faults(parsed.fillna(""), column, out, year, region)
    bad = reasons.notna().to_numpy()
    if bad.any():
        faults.append(_fault(np.flatnonzero(bad), column, values[bad], reasons[bad]))
    if q.type in ("integer", "likert"):
        parsed = pd.to_numeric(parsed).astype("Int64")
    out[q.name] = parsed
    return faults


def _municipality_faults(values: pd.Series, column: str, out: pd.DataFrame, year: int,
                         region: str, hints: pd.Series | None = None) -> list[pd.DataFrame]:
    """Municipalities by ISTAT code, cadastral code or name (:func:`~wecare_analysis.territory.names.match_municipalities`).

    ``hints`` (a province column, same index) resolves homonyms. Writes ``municipality_code``,
    ``municipality_status``, ``province_code`` and ``province_sigla`` into ``out``.
    """
    # lazy: loads geopandas/shapely, which not every caller of this module needs
    from wecare_analysis.territory.names import match_municipalities

    rec = match_municipalities(values, year=year, province=hints)
    munis = _municipalities(year)
    code = rec["municipality_code"]
    status = rec["status"].where(values != "", "")
    present = (values != "").to_numpy()
    unknown = present & rec["status"].isin(["unknown", "ambiguous"]).to_numpy()
    region_code = code.map(munis["region_code"])
    national = str(region).lower() == "all"  # a survey of all Italy: no municipality is outside
    outside = ~unknown & code.notna().to_numpy() & (not national) & (
        region_code != (0 if national else int(region))).to_numpy()
    faults = []
    if unknown.any():
        looks_like_code = values.str.fullmatch(r"\s*(\d{1,6}(\.0)?|[A-Za-z]\d{3})\s*").to_numpy()
        reasons = np.where(
            looks_like_code[unknown],
            f"unknown municipality code: not in the ISTAT {year} list nor retired by a known territorial change; "
            "expected a 6-digit ISTAT code (e.g. 001272) or a cadastral code (e.g. L219)",
            "municipality not recognised (" + rec["status"][unknown].astype(str) + "): "
            + rec["note"][unknown].astype(str) + "; expected an ISTAT municipality name (with the province "
            "sigla for homonyms, e.g. Calliano (AT)), a 6-digit ISTAT code or a cadastral code")
        faults.append(_fault(np.flatnonzero(unknown), column, values[unknown], pd.Series(reasons)))
    if outside.any():
        name = code[outside].map(munis["name"]) + " (" + code[outside].map(munis["province_sigla"]) + ")"
        faults.append(_fault(np.flatnonzero(outside), column, values[outside],
                             "municipality " + name + f" is outside {REGION_NAMES.get(region, 'region ' + region)}"))
    out["municipality_code"] = code.astype("Int64")
    out["municipality_status"] = status
    out["province_code"] = (code // 1000).astype("Int64")
    out["province_sigla"] = code.map(munis["province_sigla"])
    notes = rec.loc[rec["status"] == "reconciled"].drop_duplicates("input")
    out.attrs["municipality_notes"] = dict(zip(notes["input"].astype(str), notes["note"]))
    out["municipality_input"] = values.to_numpy()  # as matched (after a form's names); dropped from the kept rows
    return faults


def _duplicate_faults(data: pd.DataFrame, cmap: ColumnMap, out: pd.DataFrame) -> list[pd.DataFrame]:
    uuid = cmap.meta.get("_uuid")
    if uuid is not None:
        key, what, column = data[uuid].where(data[uuid] != ""), "same _uuid as", uuid
    else:
        cols = [c for c in out.columns if c not in ("row_number", "municipality_status", "municipality_input")]
        key = pd.util.hash_pandas_object(out[cols].astype(str), index=False)
        what, column = "identical answers to", "(all)"
    dup = (key.duplicated(keep="first") & key.notna()).to_numpy()
    if not dup.any():
        return []
    first = pd.Series(np.arange(len(key)), index=key.index).groupby(key.to_numpy()).transform("min")
    return [pd.DataFrame({"pos": np.flatnonzero(dup), "column": column,
                          "value": data[uuid][dup].to_numpy() if uuid else "",
                          "reason": [f"duplicate respondent: {what} row {{}}"] * int(dup.sum()),
                          "first": first.to_numpy()[dup]})]


def check_questionnaire(path: Path, cmap: ColumnMap, book: Codebook) -> None:
    """Refuse a file that is not this questionnaire or lacks required columns (exit code 2)."""
    found = cmap.questions
    needed = [q.name for q in book.questions if q.required]
    if len(found) < MIN_SHARE_OF_QUESTIONS * len(book.questions):
        raise InputError(
            f"{path}: not the Wecare questionnaire: found {len(found)} of {len(book.questions)} codebook "
            f"questions among its columns (expected columns such as {', '.join(needed[:5])}; "
            "see `wecare codebook export`).")
    missing = [n for n in needed if n not in found]
    if missing:
        raise InputError(f"{path}: required columns missing: {', '.join(missing)} "
                         f"(found {len(found)} of {len(book.questions)} questions).")


def validate_table(table: RawTable, book: Codebook | None = None, year: int = 2023,
                   region: str = "01") -> SurveyValidation:
    """Validate an export already read by :func:`~wecare_analysis.survey.readers.read_table`."""
    book = book or load_codebook()
    data = table.data
    if data.empty:
        raise InputError(f"{table.path}: no data rows below the header (row {table.header_row}); "
                         "expected at least one respondent.")
    cmap = HeaderMatcher(book).column_map(list(data.columns))
    check_questionnaire(table.path, cmap, book)
    out = pd.DataFrame({"row_number": table.row_numbers}, index=data.index)
    for meta in ("_uuid", "_id"):
        if meta in cmap.meta:
            out[meta] = data[cmap.meta[meta]]
    faults: list[pd.DataFrame] = []
    for q in book.questions:
        if q.name in cmap.questions:
            faults += _question_faults(data, book, q, cmap, out, year, region)
    faults += _duplicate_faults(data, cmap, out)
    damaged = _damaged_rows(table, data.shape[1])
    if len(damaged):
        # the values of a damaged row sit under the wrong columns (a firm name may land in any of them):
        # one row-level line, no value of the row, leaves this file
        faults = [f[~f["pos"].isin(damaged.index)] for f in faults]
        faults.append(pd.DataFrame({"pos": damaged.index.to_numpy(), "column": "(row)", "value": "",
                                    "reason": damaged.to_numpy()}))
    return _result(table, cmap, book, out, faults)


def _damaged_rows(table: RawTable, width: int) -> pd.Series:
    """Reason for each row whose fields cannot be trusted (unclosed quote, wrong field count), by position."""
    faults = table.row_faults if table.row_faults is not None else np.full(len(table.data), "", dtype=object)
    reasons = {int(i): str(faults[i]) for i in np.flatnonzero(faults != "")}
    for i in np.flatnonzero(table.ragged):
        reasons.setdefault(int(i), f"the row has {int(table.ragged[i])} fields, the header has {width} "
                                   "(truncated or broken line: a delimiter inside an unquoted value, or a line "
                                   "cut short); its values are not copied here, see the original file")
    return pd.Series(reasons, dtype=object).sort_index()


def _result(table: RawTable, cmap: ColumnMap, book: Codebook, out: pd.DataFrame,
            faults: list[pd.DataFrame]) -> SurveyValidation:
    rows = table.row_numbers
    quarantine = pd.concat(faults, ignore_index=True) if faults else pd.DataFrame(
        columns=["pos", "column", "value", "reason", "first"])
    if "first" in quarantine:
        has_first = quarantine["first"].notna()
        quarantine.loc[has_first, "reason"] = [
            r.format(rows[int(f)]) for r, f in zip(quarantine.loc[has_first, "reason"],
                                                   quarantine.loc[has_first, "first"])]
    private = {cmap.direct.get(q.name) for q in book.questions if q.type in ("identifier", "text")}
    if len(quarantine):
        quarantine = _masked(quarantine, private - {None}, _masker(table, cmap, book))
    quarantine = quarantine.sort_values(["pos", "column"], kind="stable")
    bad = np.zeros(len(out), dtype=bool)
    bad[quarantine["pos"].to_numpy(dtype=np.int64)] = True
    quarantine = pd.DataFrame({"row": rows[quarantine["pos"].to_numpy(dtype=np.int64)],
                               "column": quarantine["column"].to_numpy(),
                               "value": quarantine["value"].to_numpy(),
                               "reason": quarantine["reason"].to_numpy()})
    clean = out[~bad].reset_index(drop=True)
    warnings = _reconciled_warnings(table, cmap, out, bad)
    clean = clean.drop(columns=["municipality_input"], errors="ignore")
    return SurveyValidation(path=table.path, table=table, columns=cmap, clean=clean, quarantine=quarantine,
                            rows_read=len(out), warnings=warnings)


def _masker(table: RawTable, cmap: ColumnMap, book: Codebook) -> Masker:
    """A :class:`~wecare_analysis.masking.Masker` knowing the values of the file's identifier columns."""
    data = table.data
    ids = [q.name for q in book.questions if q.type == "identifier"]
    columns = [cmap.direct[n] for n in ids if cmap.direct.get(n) in data.columns]
    names = pd.unique(pd.concat([data[c].astype(str) for c in columns])) if columns else []
    person = cmap.direct.get("respondent_name")
    return Masker(names=names, person_names=data[person].astype(str) if person in data.columns else (),
                  mask=MASK)


def _masked(quarantine: pd.DataFrame, private: set[str], masker: Masker) -> pd.DataFrame:
    """Quarantine lines whose values hold no personal data: values of ``private`` columns, and values of any
    column that look like an e-mail, phone, fiscal code, partita IVA or a name of the identifier columns,
    become :data:`MASK`, and so do their copies inside the reasons."""
    raw = quarantine["value"].astype(object).where(quarantine["value"].notna(), "").astype(str).to_numpy()
    hidden = quarantine["column"].isin(private).to_numpy() | np.array([masker.found(v) for v in raw], dtype=bool)
    out = quarantine.copy()
    out["value"] = np.where(hidden, MASK, quarantine["value"].to_numpy(dtype=object))
    out["reason"] = [masker.text(str(r), (v,) if h else ()) for r, v, h in zip(quarantine["reason"], raw, hidden)]
    return out


def _reconciled_warnings(table: RawTable, cmap: ColumnMap, out: pd.DataFrame, bad: np.ndarray) -> list[str]:
    """One warning per retired municipality code reconciled to its successor in kept rows."""
    notes = out.attrs.get("municipality_notes", {})
    if not notes:
        return []
    raw = out["municipality_input"][~bad]
    counts = raw[(out["municipality_status"][~bad] == "reconciled").to_numpy()].value_counts()
    return [f"{table.path.name}: municipality {code!r} in {n} row(s) reconciled: {notes.get(code, '')}"
            for code, n in counts.items()]


def validate_survey(path: str | os.PathLike[str], book: Codebook | None = None, year: int = 2023,
                    region: str = "01") -> SurveyValidation:
    """Read and validate a survey export (CSV, XLSX, SPSS ``.sav``, KoboToolbox or LimeSurvey layouts).

    Parameters
    ----------
    path
        The export file.
    book
        Codebook to validate against (default: the packaged questionnaire).
    year, region
        ISTAT municipality list used for municipality codes, and the region whose
        municipalities are accepted ("01" = Piedmont).

    Returns
    -------
    SurveyValidation
        Kept rows, quarantine lines and warnings; ``rows_kept + rows_quarantined == rows_read``.

    Raises
    ------
    InputError
        When the file cannot be used at all (exit code 2).
    """
    book = book or load_codebook()
    matcher = HeaderMatcher(book)
    table = read_table(path, matcher.score)
    return validate_table(table, book, year, region)
