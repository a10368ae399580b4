"""Italian number formats and labels of the indicators.

Italian convention: ``.`` groups thousands, ``,`` marks decimals (1.234,5).
"""

from __future__ import annotations

import math

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
    "cadastral_code": "Codice catastale",
    "province_sigla": "Provincia",
    "province_name": "Provincia (nome)",
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


def format_indicator(column: str, value: float | None) -> str:
    """Format ``value`` of indicator ``column`` with its number of decimals."""
    return format_it(value, INDICATOR_DECIMALS.get(column, 0))
