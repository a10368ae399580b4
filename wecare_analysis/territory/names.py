"""Match municipality names or codes, as people type them, to ISTAT municipality codes.

Real files name a municipality by its ISTAT code (``'001272'``, ``1272``), its
cadastral code (``'L219'``) or its name, written in every way a person writes it:
``Biella``, ``BIELLA``, ``Biella (BI)``, ``Biella - BI``, ``Sant'Antonino di Susa``,
``Sant Antonino di Susa``, ``SANT`ANTONINO DI SUSA``, ``Bolzano``, ``Bozen`` or
``Bolzano/Bozen``. :func:`match_municipalities` folds case, accents, apostrophes,
dashes and spaces away (:func:`name_key`), reads a trailing province (sigla or
name), resolves homonyms (``Calliano`` is in AT and in TN) by that province or by
a separate province column, and reconciles the names and codes of municipalities
retired by a merger to their successor (ISTAT territorial changes, see
:func:`wecare_analysis.territory.repair.code_changes`). Nothing is dropped: each
value gets a status and a note that says why.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wecare_analysis.territory import repair, sources
from wecare_analysis.territory.reconcile import municipality_list, reconcile_municipality_codes

STATUSES = ("ok", "reconciled", "ambiguous", "unknown")
_CODE = re.compile(r"^\s*(\d{1,6}(\.0)?|[A-Za-z]\d{3})\s*$")
#: Trailing province forms, tried in order: ``Biella (BI)``, ``Biella - BI`` / ``Biella, Biella``, ``Biella BI``.
_SUFFIXES = (re.compile(r"^(.*\S)\s*\(([^()]+)\)$"), re.compile(r"^(.*\S)\s*[-–—,]\s*([^-–—,]+)$"),
             re.compile(r"^(.*\S)\s+([A-Za-z]{2})$"))
#: Usual short forms of official names (key of the short form → official name).
USUAL_NAMES = {"reggioemilia": "Reggio nell'Emilia", "reggiocalabria": "Reggio di Calabria"}
_MAX_SUGGESTED = 2000  # distinct unknown names for which the nearest names are looked up


@functools.lru_cache(maxsize=1 << 16)
def name_key(text: str) -> str:
    """Fold a name for matching: no accents, lower case, letters and digits only.

    Apostrophes (``' ’ ` ´``), dashes, dots, slashes and spaces all vanish, so the
    spellings a person uses for one name give one key.

    Examples
    --------
    >>> name_key("SANT`ANTONINO  di Susa"), name_key("Sant’Antonino di Susa")
    ('santantoninodisusa', 'santantoninodisusa')
    >>> name_key("Forlì"), name_key("Pont-Canavese") == name_key("pont canavese")
    ('forli', True)
    """
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]", "", folded.casefold())


@dataclass(frozen=True)
class _Gazetteer:
    """Lookup tables of one year's list."""

    codes: dict[str, tuple[int, ...]]  # name key → current municipality codes
    retired: dict[str, tuple[tuple[int, int, str], ...]]  # name key → (old code, new code, note)
    label: dict[int, str]  # code → "Name (SIGLA)"
    sigla_of: dict[int, str]  # code → province sigla
    province: dict[str, str]  # province key (sigla or name) → sigla
    by_initial: dict[str, list[str]]  # first letter → display names, for suggestions


def _keys_of(name: str) -> set[str]:
    """The whole name and, for bilingual names (``Bolzano/Bozen``), each language's name."""
    return {name_key(name), *(name_key(part) for part in name.split("/") if part.strip())}


@functools.cache
def _gazetteer(year: int) -> _Gazetteer:
    munis = municipality_list(year)
    codes: dict[str, list[int]] = {}
    for code, name in zip(munis["municipality_code"], munis["name"]):
        for key in _keys_of(name):
            codes.setdefault(key, []).append(int(code))
    for short, official in USUAL_NAMES.items():
        codes.setdefault(short, list(codes.get(name_key(official), [])))
    label = {int(c): f"{n} ({s})" for c, n, s in zip(munis["municipality_code"], munis["name"],
                                                      munis["province_sigla"])}
    sigla_of = dict(zip(munis["municipality_code"].astype(int), munis["province_sigla"]))
    raw = sources.read_municipalities(sources.source_files(year).municipalities)
    province: dict[str, str] = {}
    for sigla, name in set(zip(raw["province_short"], raw["province"])):
        for key in (_keys_of(name) | {name_key(sigla)}):
            province.setdefault(key, sigla)
    retired: dict[str, list[tuple[int, int, str]]] = {}
    for ch in repair.code_changes().itertuples(index=False):
        if int(ch.old_code) in sigla_of or int(ch.new_code) not in label:
            continue
        note = (f"{ch.old_name} (code {int(ch.old_code):06d}) retired on {ch.date} ({ch.kind}): "
                f"now {label[int(ch.new_code)]}, code {int(ch.new_code):06d}")
        retired.setdefault(name_key(ch.old_name), []).append((int(ch.old_code), int(ch.new_code), note))
    by_initial: dict[str, list[str]] = {}
    for text in label.values():
        by_initial.setdefault(name_key(text)[:1], []).append(text)
    return _Gazetteer({k: tuple(v) for k, v in codes.items()}, {k: tuple(v) for k, v in retired.items()},
                      label, sigla_of, province, by_initial)


def _split_province(text: str, gaz: _Gazetteer) -> tuple[str, str | None]:
    """``'Biella (BI)'`` → ``('Biella', 'BI')``; a trailing part that is no province stays in the name."""
    for pattern in _SUFFIXES:
        found = pattern.match(text)
        sigla = gaz.province.get(name_key(found.group(2))) if found else None
        if sigla is not None:
            return found.group(1), sigla
    return text, None


def _resolve(text: str, hint: str | None, gaz: _Gazetteer) -> tuple[int | None, str, str]:
    """Status of one distinct name: ``(code, status, note)``."""
    key = name_key(text)
    candidates, sigla = gaz.codes.get(key), None
    if candidates is None:
        name, sigla = _split_province(text, gaz)
        key = name_key(name)
        candidates = gaz.codes.get(key)
    wanted = sigla or hint
    if candidates:
        chosen = [c for c in candidates if wanted is None or gaz.sigla_of[c] == wanted]
        if len(chosen) == 1:
            return chosen[0], "ok", ""
        listed = ", ".join(gaz.label[c] for c in candidates)
        if not chosen:
            return None, "unknown", f"no municipality of this name in province {wanted}: {listed}"
        return None, "ambiguous", f"several municipalities of this name: {listed}; add the province sigla"
    moves = [m for m in gaz.retired.get(key, ()) if wanted is None or gaz.sigla_of[m[1]] == wanted]
    if len({m[1] for m in moves}) == 1:
        return moves[0][1], "reconciled", moves[0][2]
    return None, "unknown", ""


def _nearest(text: str, gaz: _Gazetteer) -> str:
    key = name_key(_split_province(text, gaz)[0])
    pool = gaz.by_initial.get(key[:1], [])
    keyed = {name_key(p.rsplit(" (", 1)[0]): p for p in pool}
    close = difflib.get_close_matches(key, list(keyed), n=3, cutoff=0.7)
    return ("not an ISTAT municipality name or code; nearest names: " + ", ".join(keyed[c] for c in close)
            if close else "not an ISTAT municipality name or code (no similar name)")


def _province_hints(province: pd.Series | None, index: pd.Index, gaz: _Gazetteer) -> pd.Series:
    if province is None:
        return pd.Series(None, index=index, dtype=object)
    text = province.reindex(index).astype("string").fillna("")
    uniques = pd.unique(text)
    # object dtype: a map of only unknown provinces would be pyarrow's null type, which cannot be filled
    return text.map({u: gaz.province.get(name_key(u)) for u in uniques}).astype(object)


_CODE_CACHE: dict[int, dict[str, tuple[int, str, str]]] = {}


def _reconciled_codes(texts: tuple[str, ...], year: int) -> dict[str, tuple[int, str, str]]:
    """``(code or -1, status, note)`` of code-like texts, through :func:`reconcile_municipality_codes` (memoised)."""
    known = _CODE_CACHE.setdefault(year, {})
    new = [t for t in texts if t not in known]
    if new:
        rec = reconcile_municipality_codes(pd.Series(new, dtype=object), year=year)
        for t, c, st, nt in zip(new, rec["municipality_code"], rec["status"], rec["note"]):
            known[t] = (-1 if pd.isna(c) else int(c), st,
                        "not an ISTAT or cadastral code of the list" if st == "unknown" else nt)
    return known


def match_municipalities(values: pd.Series, year: int = 2023, province: pd.Series | None = None) -> pd.DataFrame:
    """Match municipality codes or names to the ISTAT list of ``year``.

    Parameters
    ----------
    values
        ISTAT codes (6-digit strings or integers), cadastral codes or names, as typed.
    year
        Year of the ISTAT municipality list.
    province
        Optional province of each value (sigla or name, same index), used to resolve homonyms.

    Returns
    -------
    pandas.DataFrame
        Same index as ``values``; ``input``, ``municipality_code`` (nullable Int64), ``status``
        ∈ {'ok', 'reconciled', 'ambiguous', 'unknown'} and ``note`` (the candidates of an
        ambiguous name with their province sigla, the nearest names of an unknown one, the
        successor of a retired one). Empty values are 'unknown' with the note ``empty``.

    Examples
    --------
    >>> m = match_municipalities(pd.Series(["Biella (BI)", "BIELLA", "Bozen", "Calliano", "Calliano - AT",
    ...                                     "Moransengo", "001272", "Bielal"]))
    >>> m["municipality_code"].tolist()
    [96004, 96004, 21008, <NA>, 5014, 5122, 1272, <NA>]
    >>> m["status"].tolist()
    ['ok', 'ok', 'ok', 'ambiguous', 'ok', 'reconciled', 'ok', 'unknown']
    >>> m.loc[3, "note"]
    'several municipalities of this name: Calliano (AT), Calliano (TN); add the province sigla'
    """
    gaz = _gazetteer(year)
    text = values.astype("string").fillna("").str.strip()
    hints = _province_hints(province, values.index, gaz)
    keyed = text if province is None else text + "\x1f" + hints.fillna("").astype("string")
    codes_idx, uniques = pd.factorize(keyed.to_numpy(dtype=object))
    u_text = [u.split("\x1f")[0] for u in uniques]
    u_hint = [u.split("\x1f")[1] or None if "\x1f" in u else None for u in uniques]
    code = np.full(len(uniques), -1, dtype=np.int64)
    status = np.full(len(uniques), "unknown", dtype=object)
    note = np.full(len(uniques), "", dtype=object)
    is_code = np.array([bool(_CODE.match(t)) for t in u_text], dtype=bool)
    if is_code.any():
        known = _reconciled_codes(tuple(np.asarray(u_text, dtype=object)[is_code]), year)
        for i in np.flatnonzero(is_code):
            code[i], status[i], note[i] = known[u_text[i]]
    suggested = 0
    for i in np.flatnonzero(~is_code):
        if not u_text[i]:
            note[i] = "empty"
            continue
        found, status[i], note[i] = _resolve(u_text[i], u_hint[i], gaz)
        code[i] = -1 if found is None else found
        if status[i] == "unknown" and not note[i]:
            suggested += 1
            note[i] = _nearest(u_text[i], gaz) if suggested <= _MAX_SUGGESTED else "not an ISTAT name or code"
    out_code = pd.array(np.where(code[codes_idx] >= 0, code[codes_idx], 0), dtype="Int64")
    out_code[code[codes_idx] < 0] = pd.NA
    return pd.DataFrame({"input": values, "municipality_code": out_code, "status": status[codes_idx],
                         "note": note[codes_idx]}, index=values.index)
