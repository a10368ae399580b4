"""Need per municipality × service category and the need–offer gap index.

Need of a category in municipality *i* is an **intensity**, so that large towns
do not rank high only because they are large:

* with small-area estimates (e.g. MRP prevalence of a codebook need area per
  municipality), ``need_rate_i`` is the estimated prevalence ``p_i`` of the
  category's need area (the mean over its need areas when it has several and
  several are estimated), and the persons in need are ``p_i * P_i``;
* otherwise ``need_rate_i = P_i / R_i``, the share of residents ``R_i`` who belong
  to the category's user population ``P_i`` (children 0–2 for a nursery, people
  75+ for an RSA, …), and the persons in need are ``P_i``.

The gap index is the standardised need minus the standardised access,

    G_i = z(n)_i - z(a)_i,   z(x)_i = (x_i - mean(x)) / sd(x),

over the municipalities of the study area with a user population and a known
access (``sd`` with ``n`` in the denominator; a constant variable has ``z = 0``).
``G > 0``: need above and/or access below the area's average, in standard
deviations. This is the integrated need–access approach of Wang & Luo (2005),
who combine 2SFCA access with standardised need factors to find shortage areas.

Two further columns keep the figures readable: ``access_ratio_i = a_i / a_ref``
with ``a_ref = sum P_i a_i / sum P_i`` the population-weighted access of the
area (for 2SFCA, the area's overall supply per user), and
``shortfall_i = need_i * max(0, 1 - access_ratio_i)``, the persons in need who
would be covered if the municipality had the area's access level.

References
----------
Wang F., Luo W. (2005) Assessing spatial and nonspatial factors for healthcare
access: towards an integrated approach to defining health professional
shortage areas. Health & Place 11(2):131-146.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wecare_analysis.services.taxonomy import Taxonomy, load_taxonomy


def _small_area_long(small_area: pd.DataFrame) -> pd.DataFrame:
    """``municipality_code, need_area, prevalence`` from a long table or a wide one (one column per area)."""
    cols = set(small_area.columns)
    if {"municipality_code", "need_area", "prevalence"} <= cols:
        long = small_area[["municipality_code", "need_area", "prevalence"]]
    else:
        wide = small_area if "municipality_code" in cols else small_area.rename_axis(
            "municipality_code").reset_index()
        long = wide.melt(id_vars="municipality_code", var_name="need_area", value_name="prevalence")
    long = long.assign(municipality_code=pd.to_numeric(long["municipality_code"]).astype(int),
                       prevalence=pd.to_numeric(long["prevalence"], errors="coerce"))
    bad = long["prevalence"].dropna()
    if ((bad < 0) | (bad > 1)).any():
        raise ValueError("small-area prevalences must be shares between 0 and 1")
    return long


def need_by_category(
    territory: pd.DataFrame,
    categories: list[str] | None = None,
    small_area: pd.DataFrame | None = None,
    taxonomy: Taxonomy | None = None,
) -> pd.DataFrame:
    """Return the need of each municipality × category (see the module docstring for the formula).

    Parameters
    ----------
    territory
        Municipality layer with ``municipality_code``, ``residents`` and the user-population columns.
    categories
        Category codes (default: all of the taxonomy).
    small_area
        Optional small-area estimates: long ``municipality_code, need_area, prevalence`` or wide
        (``municipality_code`` column or index, one column per need area), prevalences in 0–1.
        Categories whose need areas are not estimated fall back on the user population.

    Returns
    -------
    pandas.DataFrame
        ``municipality_code, category, population, need_rate, need, need_source`` (``small_area`` or
        ``population``).

    Examples
    --------
    >>> t = pd.DataFrame({"municipality_code": [1, 2], "residents": [1000, 400], "age_0_2": [30, 4]})
    >>> need_by_category(t, ["asilo_nido"])[["need_rate", "need"]].to_numpy().tolist()
    [[0.03, 30.0], [0.01, 4.0]]
    """
    taxonomy = taxonomy or load_taxonomy()
    categories = list(categories or taxonomy.codes)
    codes = territory["municipality_code"].astype(int).to_numpy()
    residents = territory["residents"].to_numpy(dtype=float)
    estimates = _small_area_long(small_area) if small_area is not None else None
    frames = []
    for code in categories:
        cat = taxonomy[code]
        population = territory[cat.population].fillna(0).to_numpy(dtype=float)
        rate, source = None, "population"
        if estimates is not None:
            mine = estimates[estimates["need_area"].isin(cat.need_areas)]
            if mine["prevalence"].notna().any():
                rate = mine.groupby("municipality_code")["prevalence"].mean().reindex(codes).to_numpy()
                source = "small_area"
        if rate is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = np.where(residents > 0, population / np.where(residents > 0, residents, 1.0), np.nan)
            need = population
        else:
            need = rate * population
        frames.append(pd.DataFrame({"municipality_code": codes, "category": code, "population": population,
                                    "need_rate": rate, "need": need, "need_source": source}))
    return pd.concat(frames, ignore_index=True)


def standardised(values: pd.Series | np.ndarray) -> np.ndarray:
    """Return ``z = (x - mean x) / sd x`` over the finite values (``sd`` divides by ``n``; 0 if constant).

    Examples
    --------
    >>> standardised(np.array([1.0, 2.0, 3.0, np.nan])).round(4).tolist()
    [-1.2247, 0.0, 1.2247, nan]
    >>> standardised(np.array([5.0, 5.0])).tolist()
    [0.0, 0.0]
    """
    x = np.asarray(values, dtype=float)
    ok = np.isfinite(x)
    out = np.full(len(x), np.nan)
    if not ok.any():
        return out
    sd = x[ok].std()
    out[ok] = (x[ok] - x[ok].mean()) / sd if sd > 1e-12 * max(1.0, abs(x[ok].mean())) else 0.0
    return out


def gap_index(need: pd.DataFrame, access: pd.DataFrame,
              access_column: str = "access_per_1000") -> pd.DataFrame:
    """Return the need–offer gap of each municipality × category (formula in the module docstring).

    Parameters
    ----------
    need
        :func:`need_by_category`.
    access
        :func:`wecare_analysis.gaps.offer.municipality_access` (or any table with ``municipality_code``,
        ``category`` and ``access_column``).

    Returns
    -------
    pandas.DataFrame
        The columns of both tables plus ``z_need``, ``z_access``, ``gap_index``, ``access_ratio``,
        ``shortfall``; the index is standardised within each category over the municipalities with a
        user population and a known access (NaN elsewhere).

    Examples
    --------
    >>> n = pd.DataFrame({"municipality_code": [1, 2, 3], "category": "rsa", "population": [100.0] * 3,
    ...                   "need_rate": [0.25, 0.5, 0.75], "need": [25.0, 50, 75]})
    >>> a = pd.DataFrame({"municipality_code": [1, 2, 3], "category": "rsa", "access_per_1000": [3.0, 2, 1]})
    >>> gap_index(n, a)["gap_index"].round(4).tolist()
    [-2.4495, 0.0, 2.4495]
    """
    cols = ["municipality_code", "category", access_column] + [
        c for c in access.columns if c not in need.columns and c not in ("municipality_code", "category",
                                                                         access_column)]
    table = need.merge(access[cols], on=["municipality_code", "category"], how="left", validate="one_to_one")
    parts = []
    for _, part in table.groupby("category", sort=False):
        part = part.copy()
        a = part[access_column].to_numpy(dtype=float)
        valid = (part["population"].to_numpy(dtype=float) > 0) & np.isfinite(a) & np.isfinite(
            part["need_rate"].to_numpy(dtype=float))
        z_need, z_access = np.full(len(part), np.nan), np.full(len(part), np.nan)
        z_need[valid] = standardised(part["need_rate"].to_numpy(dtype=float)[valid])
        z_access[valid] = standardised(a[valid])
        pop = part["population"].to_numpy(dtype=float)
        a_ref = np.sum(pop[valid] * a[valid]) / np.sum(pop[valid]) if valid.any() else np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(valid, a / a_ref, np.nan) if a_ref > 0 else np.full(len(part), np.nan)
        part["z_need"], part["z_access"] = z_need, z_access
        part["gap_index"] = z_need - z_access
        part["access_ratio"] = ratio
        part["shortfall"] = part["need"].to_numpy(dtype=float) * np.clip(1.0 - ratio, 0.0, None)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
