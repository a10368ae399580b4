"""Italian number formats and labels of the indicators.

Italian convention: ``.`` groups thousands, ``,`` marks decimals (1.234,5).
"""

from __future__ import annotations

import math
import re

import pandas as pd

#: Italian label of each indicator column of the territory layer.
INDICATOR_LABELS: dict[str, str] = {
    "n_municipalities": "Comuni",
    "residents": "Residenti",
    "residents_f": "Residenti donne",
    "residents_m": "Residenti uomini",
    "age_0_2": "Bambini 0-2 anni",
    "age_3_5": "Bambini 3-5 anni",
    "age_6_14": "Ragazzi 6-14 anni",
    "age_0_14": "Residenti 0-14 anni",
    "age_15_64": "Residenti 15-64 anni",
    "age_15_64_f": "Donne 15-64 anni",
    "age_15_64_m": "Uomini 15-64 anni",
    "age_65_plus": "Residenti 65 anni e più",
    "age_75_plus": "Residenti 75 anni e più",
    "age_85_plus": "Residenti 85 anni e più",
    "women_25_49": "Donne 25-49 anni",
    "old_age_index": "Indice di vecchiaia",
    "structural_dependency": "Indice di dipendenza strutturale",
    "elderly_dependency": "Indice di dipendenza degli anziani",
    "density": "Densità (ab./km²)",
    "area_km2": "Superficie (km²)",
    "name": "Comune",
    "istat_code": "Codice ISTAT",
    "municipality_code": "Codice ISTAT comune",
    "cadastral_code": "Codice catastale",
    "province_code": "Codice ISTAT provincia",
    "province_sigla": "Sigla provincia",
    "province_name": "Provincia",
    "region_code": "Codice ISTAT regione",
    "region_name": "Regione",
}

#: Decimals shown for each indicator (counts: 0).
INDICATOR_DECIMALS: dict[str, int] = {
    "old_age_index": 1, "structural_dependency": 1, "elderly_dependency": 1, "density": 1, "area_km2": 1,
}


def format_it(value: float | None, decimals: int = 0, missing: str = "n.d.") -> str:
    """Format a number the Italian way.

    Examples
    --------
    >>> format_it(1234.5, 1), format_it(2198237), format_it(-0.25, 2), format_it(float("nan"))
    ('1.234,5', '2.198.237', '-0,25', 'n.d.')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return missing
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_percent_it(value: float | None, decimals: int = 1) -> str:
    """Format a share (0–1) as an Italian percentage: ``0.4253 → '42,5%'``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.d."
    return f"{format_it(100 * value, decimals)}%"


def label(column: str) -> str:
    """Italian label of a column (the column name itself when unknown)."""
    return INDICATOR_LABELS.get(column, column)


#: Words (case-insensitive, whole words of the name) that make a column an identifier written as text.
CODE_WORDS = ("codice", "code", "istat", "sigla", "cap")
#: Digits of the ISTAT codes (and the CAP), by a word of the column name: municipality 6, province 3, region 2.
CODE_DIGITS: dict[str, int] = {"comune": 6, "municipality": 6, "istat": 6, "provincia": 3, "province": 3,
                               "regione": 2, "region": 2, "cap": 5}


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-zà-ÿ]+", str(name).lower()) if w]


def is_code_column(*names: str) -> bool:
    """Whether a column is an identifier (ISTAT code, sigla, CAP, …), written as text and never as a number.

    Any of ``names`` (e.g. the column and its Italian header) having one of :data:`CODE_WORDS` as a
    whole word makes it one.

    Examples
    --------
    >>> is_code_column("Codice ISTAT comune"), is_code_column("municipality_code"), is_code_column("Capacità")
    (True, True, False)
    """
    return any(w in CODE_WORDS for name in names for w in _words(name))


def code_digits(*names: str) -> int | None:
    """Digits of a numeric code column, from its names (:data:`CODE_DIGITS`); None: no fixed width.

    A municipality word wins over a province one, which wins over a region one
    (``"Codice ISTAT comune"`` → 6, ``"province_code"`` → 3, ``"Codice ISTAT regione"`` → 2).
    Codes that are not ISTAT or CAP codes (``"Codice servizio"``) have no width.

    >>> code_digits("Codice ISTAT comune"), code_digits("province_code"), code_digits("Codice servizio")
    (6, 3, None)
    """
    words = {w for name in names for w in _words(name)}
    if not words & {"codice", "code", "istat", "cap"}:
        return None
    for group in (("comune", "municipality"), ("provincia", "province"), ("regione", "region"), ("cap",),
                  ("istat",)):
        if words & set(group):
            return CODE_DIGITS[group[0]]
    return None


def code_text(values: pd.Series, digits: int | None) -> pd.Series:
    """Codes as text: integers (also stored as floats) zero-padded to ``digits``, missing values kept missing.

    >>> code_text(pd.Series([4001, 1.0, None, "1272", "A016"]), 6).tolist()
    ['004001', '000001', None, '001272', 'A016']
    """
    def one(value: object) -> str | None:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        return text.zfill(digits) if digits and text.isdigit() else text

    return pd.Series([one(v) for v in values], index=values.index, dtype=object)


def format_indicator(column: str, value: float | None) -> str:
    """Format ``value`` of indicator ``column`` with its number of decimals."""
    return format_it(value, INDICATOR_DECIMALS.get(column, 0))


#: Articulated preposition "a" + article of each region's short name ("Rispetto al Piemonte", "all'Umbria").
_REGION_TO = {"Piemonte": "al", "Valle d'Aosta": "alla", "Lombardia": "alla", "Trentino-Alto Adige": "al",
              "Veneto": "al", "Friuli-Venezia Giulia": "al", "Liguria": "alla", "Emilia-Romagna": "all'",
              "Toscana": "alla", "Umbria": "all'", "Marche": "alle", "Lazio": "al", "Abruzzo": "all'",
              "Molise": "al", "Campania": "alla", "Puglia": "alla", "Basilicata": "alla", "Calabria": "alla",
              "Sicilia": "alla", "Sardegna": "alla"}
#: Regions that take an article after "in" ("nel Lazio", "nelle Marche"); the others take bare "in".
_REGION_IN = {"Lazio": "nel", "Marche": "nelle"}


def region_short_name(name: str) -> str:
    """The Italian part of an ISTAT region name: ``"Valle d'Aosta/Vallée d'Aoste"`` → ``"Valle d'Aosta"``."""
    return name.split("/")[0].strip()


def region_with_preposition(name: str, preposition: str) -> str:
    """``name`` (an ISTAT region name) after the Italian preposition ``"a"`` or ``"in"``, article included.

    Examples
    --------
    >>> region_with_preposition("Piemonte", "a"), region_with_preposition("Umbria", "a")
    ('al Piemonte', "all'Umbria")
    >>> region_with_preposition("Marche", "in"), region_with_preposition("Valle d'Aosta/Vallée d'Aoste", "in")
    ('nelle Marche', "in Valle d'Aosta")
    """
    short = region_short_name(name)
    if preposition == "in":
        return f"{_REGION_IN.get(short, 'in')} {short}"
    if preposition != "a":
        raise ValueError(f"preposition must be 'a' or 'in', not {preposition!r}")
    article = _REGION_TO.get(short, "a")
    return f"{article}{short}" if article.endswith("'") else f"{article} {short}"
