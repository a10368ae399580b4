"""Reconcile municipality codes found in user inputs with the current ISTAT list.

Real inputs carry 6-digit ISTAT codes (``'001272'``), integers (``1272``),
cadastral codes (``'L219'``) and codes retired by mergers. Nothing is dropped
silently: each input code gets a status.
"""

from __future__ import annotations

import pandas as pd

from wecare_analysis.territory import repair, sources


def municipality_list(year: int = 2023) -> pd.DataFrame:
    """The repaired national list (no geometry): ``municipality_code, name, cadastral_code, province_sigla, region_code``."""
    files = sources.source_files(year)
    munis = sources.read_municipalities(files.municipalities)
    previous = sources.read_municipalities(files.previous_municipalities) if files.previous_municipalities else None
    munis, _ = repair.add_merged_municipalities(munis, previous, repair.code_changes())
    return munis.rename(columns={"municipality": "name", "province_short": "province_sigla"})[
        ["municipality_code", "name", "cadastral_code", "province_sigla", "region_code"]]


def _previous_cadastral(year: int) -> pd.Series:
    files = sources.source_files(year)
    if files.previous_municipalities is None:
        return pd.Series(dtype="int64")
    prev = sources.read_municipalities(files.previous_municipalities)
    return prev.set_index(prev["cadastral_code"].str.upper())["municipality_code"]


def reconcile_municipality_codes(codes: pd.Series, year: int = 2023) -> pd.DataFrame:
    """Map input codes to current ISTAT municipality codes.

    Parameters
    ----------
    codes
        ISTAT codes as 6-digit strings or integers, or cadastral codes (letter + 3 digits).
    year
        Year of the municipality list to reconcile to.

    Returns
    -------
    pandas.DataFrame
        Same index as ``codes``; columns ``input_code``, ``municipality_code``
        (nullable Int64), ``status`` ∈ {'ok', 'reconciled', 'unknown'} and
        ``note`` (why a code was reconciled).

    Examples
    --------
    >>> reconcile_municipality_codes(pd.Series(["001272", "L219", "005079", "999999"]))["status"].tolist()
    ['ok', 'ok', 'reconciled', 'unknown']
    """
    current = municipality_list(year)
    valid = set(current["municipality_code"])
    by_cadastral = current.dropna(subset=["cadastral_code"]).set_index(
        current["cadastral_code"].dropna().str.upper())["municipality_code"]
    changes = repair.code_changes().set_index("old_code")
    prev_cadastral = _previous_cadastral(year)

    text = codes.astype("string").str.strip().str.upper()
    numeric = pd.to_numeric(text.where(text.str.fullmatch(r"\d{1,6}(\.0)?", na=False)), errors="coerce")
    out = pd.DataFrame({"input_code": codes, "municipality_code": pd.array([pd.NA] * len(codes), "Int64"),
                        "status": "unknown", "note": ""}, index=codes.index)
    # a cadastral code of a retired municipality becomes its (old) numeric code first
    cad = text.where(text.str.fullmatch(r"[A-Z]\d{3}", na=False))
    numeric = numeric.fillna(cad.map(prev_cadastral).where(~cad.isin(by_cadastral.index)))
    direct_cad = cad.map(by_cadastral)
    ok = numeric.isin(valid) | direct_cad.notna()
    out.loc[ok, "municipality_code"] = numeric.where(numeric.isin(valid), direct_cad)[ok].astype("Int64")
    out.loc[ok, "status"] = "ok"
    retired = ~ok & numeric.isin(changes.index)
    succ = numeric[retired].map(changes["new_code"])
    out.loc[retired, "municipality_code"] = succ.astype("Int64")
    out.loc[retired, "status"] = "reconciled"
    out.loc[retired, "note"] = [
        f"code {int(o):06d} ({changes.at[o, 'old_name']}) retired on {changes.at[o, 'date']}: "
        f"now {int(n):06d} {changes.at[o, 'new_name']}" for o, n in zip(numeric[retired], succ)]
    return out
