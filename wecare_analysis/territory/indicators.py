"""Demographic indicators from the ISTAT age × sex table.

Counts are sums of residents over an age band and sex; ratios are computed from
counts *after* aggregation, so a province's old-age index is the index of its
summed counts, not an average of its municipalities' indices.

Definitions (ISTAT, "Indicatori demografici"):

- old-age index (indice di vecchiaia) = P(65+) / P(0–14) × 100;
- structural dependency ratio (indice di dipendenza strutturale)
  = (P(0–14) + P(65+)) / P(15–64) × 100;
- elderly dependency ratio (indice di dipendenza degli anziani)
  = P(65+) / P(15–64) × 100;
- density = residents / area in km².
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: name → (first age, last age, sex: "F", "M" or "T" for both); age 100 means 100+.
COUNT_BANDS: dict[str, tuple[int, int, str]] = {
    "residents": (0, 100, "T"),
    "residents_f": (0, 100, "F"),
    "residents_m": (0, 100, "M"),
    "age_0_2": (0, 2, "T"),
    "age_3_5": (3, 5, "T"),
    "age_6_14": (6, 14, "T"),
    "age_0_14": (0, 14, "T"),
    "age_15_64": (15, 64, "T"),
    "age_15_64_f": (15, 64, "F"),
    "age_15_64_m": (15, 64, "M"),
    "age_65_plus": (65, 100, "T"),
    "age_75_plus": (75, 100, "T"),
    "age_85_plus": (85, 100, "T"),
    "women_25_49": (25, 49, "F"),
}

#: Ratio indicators and the counts they are made of.
RATIO_COLUMNS = ("old_age_index", "structural_dependency", "elderly_dependency", "density")


def count_indicators(pop: pd.DataFrame) -> pd.DataFrame:
    """Resident counts by band for each municipality.

    Parameters
    ----------
    pop
        Long table ``municipality_code, age, F, M``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``municipality_code``, one integer column per entry of
        :data:`COUNT_BANDS`.

    Examples
    --------
    >>> pop = pd.DataFrame({"municipality_code": [1, 1, 1], "age": [1, 30, 70],
    ...                     "F": [2, 3, 4], "M": [1, 1, 1]})
    >>> count_indicators(pop).loc[1, ["residents", "age_0_2", "women_25_49", "age_65_plus"]].tolist()
    [12, 3, 3, 5]
    """
    codes, inverse = np.unique(pop["municipality_code"].to_numpy(), return_inverse=True)
    age = pop["age"].to_numpy()
    values = {"F": pop["F"].to_numpy(np.int64), "M": pop["M"].to_numpy(np.int64)}
    values["T"] = values["F"] + values["M"]
    out = {}
    for name, (lo, hi, sex) in COUNT_BANDS.items():
        weights = np.where((age >= lo) & (age <= hi), values[sex], 0)
        out[name] = np.bincount(inverse, weights=weights, minlength=len(codes)).astype(np.int64)
    return pd.DataFrame(out, index=pd.Index(codes, name="municipality_code"))


def _ratio(num: pd.Series, den: pd.Series, scale: float = 100.0) -> pd.Series:
    return (scale * num / den.where(den > 0)).astype("float64")


def add_ratio_indicators(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with the ratio indicators computed from its count columns and ``area_km2``.

    A ratio whose denominator is zero is missing (NaN), never infinite.
    """
    out = df.copy()
    out["old_age_index"] = _ratio(out["age_65_plus"], out["age_0_14"])
    out["structural_dependency"] = _ratio(out["age_0_14"] + out["age_65_plus"], out["age_15_64"])
    out["elderly_dependency"] = _ratio(out["age_65_plus"], out["age_15_64"])
    out["density"] = _ratio(out["residents"], out["area_km2"], scale=1.0)
    return out


def aggregate_indicators(territory: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Sum counts and areas over ``by`` (e.g. ``"province_sigla"``) and recompute the ratios.

    Returns
    -------
    pandas.DataFrame
        One row per group with ``n_municipalities``, ``area_km2``, the counts of
        :data:`COUNT_BANDS` and the ratios of :data:`RATIO_COLUMNS`.
    """
    cols = list(COUNT_BANDS) + ["area_km2"]
    grouped = territory.groupby(by, sort=True)
    out = grouped[cols].sum()
    out.insert(0, "n_municipalities", grouped.size())
    return add_ratio_indicators(out).reset_index()
