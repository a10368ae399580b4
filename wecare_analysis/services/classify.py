"""Classify service rows: a welfare category, not a welfare service category, or an unknown value.

Three outcomes, each row with a reason a person can act on:

- ``welfare``: the row's text or OSM tags name a category of the taxonomy
  (registry texts with qualifiers such as "SCUOLA INFANZIA NON STATALE", "ASILO
  NIDO COMUNALE", "R.S.A." are matched after dropping the qualifiers);
- ``not_welfare``: a real service that is not one of the categories (a primary
  school, a private pool, a football ground) — the reason says what it is;
- ``unknown``: a value the taxonomy does not know — the reason names the value
  and the nearest known categories.

Columns used: a category column (``category``, ``categoria``, ``tipologia``, the
school grade of a ministry registry, ``tipo istituzione``…) always; a generic
``type``/``tipo`` column only for the rows whose value the taxonomy knows (as
welfare or not), other rows fall back to the OSM tags (overpass-turbo writes
``type=multipolygon`` on relations).
"""

from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError
from wecare_analysis.services.taxonomy import Taxonomy, _fold, _rule_mask, load_taxonomy

CATEGORY_COLUMNS = ("category", "categoria", "tipologia", "descrizionetipologiagradoistruzionescuola",
                    "tipo istituzione", "tipologia struttura", "tipo struttura", "tipologia servizio",
                    "tipo servizio", "tipologia_struttura", "tipo_struttura", "categoria servizio")
GENERIC_COLUMNS = ("tipo", "type")
OSM_KEYS = ("amenity", "leisure", "healthcare", "social_facility", "office")
OUTCOMES = ("welfare", "not_welfare", "unknown")


def _lookup(columns: pd.Index, names: tuple[str, ...]) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def _strip_qualifiers(folded: str, taxonomy: Taxonomy) -> str:
    text = f" {folded} "
    for q in sorted(taxonomy.qualifiers, key=len, reverse=True):
        text = re.sub(rf"\s{re.escape(q)}(?=\s)", " ", text)
    return " ".join(text.split())


def _nearest_categories(text: str, taxonomy: Taxonomy) -> str:
    close = difflib.get_close_matches(text, list(taxonomy.aliases), n=6, cutoff=0.5)
    codes = list(dict.fromkeys(taxonomy.aliases[c] for c in close))[:3]
    if not codes:
        return "no known category is close (the categories are in wecare_analysis/services/taxonomy.yaml)"
    return "nearest known categories: " + ", ".join(f"{c} ({taxonomy[c].label})" for c in codes)


def _one_text(value: str, taxonomy: Taxonomy) -> tuple[object, str, str]:
    """Category (or NaN), outcome and, when not welfare, what the value is."""
    folded = _fold(value)
    bare = _strip_qualifiers(folded, taxonomy)
    for key in (folded, bare):
        if key in taxonomy.aliases:
            return taxonomy.aliases[key], "welfare", ""
    for prefix, why in taxonomy.not_welfare_texts.items():
        if (bare + " ").startswith(prefix):
            return np.nan, "not_welfare", why
    return np.nan, "unknown", _nearest_categories(bare, taxonomy)


def classify_texts(values: pd.Series, column: str, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Classify category texts of one column: ``category``, ``outcome`` and ``reason`` ('' when welfare).

    Examples
    --------
    >>> c = classify_texts(pd.Series(["SCUOLA INFANZIA NON STATALE", "R.S.A.", "SCUOLA PRIMARIA", "bar"]), "tipo")
    >>> c["category"].tolist(), c["outcome"].tolist()
    (['scuola_infanzia', 'rsa', nan, nan], ['welfare', 'welfare', 'not_welfare', 'unknown'])
    """
    taxonomy = taxonomy or load_taxonomy()
    text = values.astype("string").str.strip()
    out = pd.DataFrame({"category": np.nan, "outcome": "unknown", "reason": ""}, index=values.index,
                       dtype=object)
    empty = text.isna() | (text == "")
    out.loc[empty, "reason"] = f"unknown category: column '{column}' is empty"
    for value in text[~empty].unique():
        cat, outcome, why = _one_text(str(value), taxonomy)
        rows = (text == value).fillna(False).to_numpy(dtype=bool)
        out.loc[rows, ["category", "outcome"]] = [cat, outcome]
        out.loc[rows, "reason"] = ("" if outcome == "welfare" else
                                   f"not a welfare service category: '{value}' is {why} (column '{column}')"
                                   if outcome == "not_welfare" else
                                   f"unknown category '{value}' (column '{column}'); {why}")
    return out


def _tag_text(row: pd.Series) -> str:
    shown = [f"{k}={row[k]}" for k in row.index if pd.notna(row[k]) and str(row[k]) != ""]
    return ", ".join(shown) or "no tag"


def _osm_nearest(row: pd.Series, taxonomy: Taxonomy) -> str:
    scores: dict[str, float] = {}
    for cat in taxonomy.categories:
        for rule in cat.osm:
            for key, want in rule.items():
                if key in row.index and pd.notna(row[key]):
                    for v in want if isinstance(want, list) else [want]:
                        ratio = difflib.SequenceMatcher(None, str(row[key]), str(v)).ratio()
                        scores[cat.code] = max(scores.get(cat.code, 0.0), ratio)
    best = sorted(scores, key=scores.get, reverse=True)[:3]
    if not best:
        return "no category has a rule on these keys"
    return "nearest known categories: " + ", ".join(f"{c} ({taxonomy[c].label})" for c in best)


def classify_tags(tags: pd.DataFrame, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Classify OSM features from their tags (one column per tag): ``category``, ``outcome``, ``reason``.

    The most specific welfare rule (most tags) gives the category, ties to the
    category listed first; a not-welfare rule wins only with more tags.

    Examples
    --------
    >>> t = pd.DataFrame({"leisure": ["sports_centre", "sports_centre", "swimming_pool", None],
    ...                   "sport": ["swimming", "soccer", None, None], "access": [None, None, "private", None],
    ...                   "amenity": [None, None, None, "swimming_pool"]})
    >>> classify_tags(t)["category"].tolist(), classify_tags(t)["outcome"].tolist()
    (['piscina', nan, nan, 'piscina'], ['welfare', 'not_welfare', 'not_welfare', 'welfare'])
    """
    taxonomy = taxonomy or load_taxonomy()
    n = len(tags)
    best, cat = np.full(n, -1), np.full(n, None, dtype=object)
    for c in taxonomy.categories:
        for rule in c.osm:
            m = _rule_mask(tags, rule) & (len(rule) > best)
            cat[m], best[m] = c.code, len(rule)
    nw_best, nw_why = np.full(n, -1), np.full(n, "", dtype=object)
    for rule, why in taxonomy.not_welfare_osm:
        m = _rule_mask(tags, rule) & (len(rule) > nw_best)
        nw_why[m], nw_best[m] = why, len(rule)
    not_welfare = nw_best > best
    welfare = (best >= 0) & ~not_welfare
    out = pd.DataFrame({"category": pd.Series(cat, dtype=object).where(welfare, np.nan).to_numpy(),
                        "outcome": np.where(welfare, "welfare", np.where(not_welfare, "not_welfare", "unknown")),
                        "reason": ""}, index=tags.index, dtype=object)
    keys = [k for k in OSM_KEYS if k in tags.columns] + [k for k in ("sport", "access", "social_facility:for")
                                                        if k in tags.columns]
    for pos in np.flatnonzero(~welfare):
        row = tags.iloc[pos][keys]
        out.iloc[pos, 2] = (f"not a welfare service category: OSM {_tag_text(row)} is {nw_why[pos]}"
                            if not_welfare[pos] else
                            f"unknown category: OSM {_tag_text(row)} matches no category of the taxonomy; "
                            f"{_osm_nearest(row, taxonomy)}")
    return out


def classify_rows(df: pd.DataFrame, taxonomy: Taxonomy | None = None, category: str | None = None,
                  where: str = "the file") -> tuple[pd.DataFrame, str]:
    """Classify every row of a service table; return ``category, outcome, reason`` and what was used."""
    taxonomy = taxonomy or load_taxonomy()
    if category is not None:
        code = taxonomy.aliases.get(_fold(category))
        return pd.DataFrame({"category": code, "outcome": "welfare", "reason": ""}, index=df.index,
                            dtype=object), "argument"
    tag_cols = [c for c in df.columns if str(c) in OSM_KEYS]
    own = _lookup(df.columns, CATEGORY_COLUMNS)
    generic = _lookup(df.columns, GENERIC_COLUMNS)
    if own is None and generic is None and not tag_cols:
        raise InputError(f"{where}: no category column ({', '.join(CATEGORY_COLUMNS[:3])}, a ministry school grade), "
                         f"no usable '{'/'.join(GENERIC_COLUMNS)}' column and no OSM tags "
                         f"({', '.join(OSM_KEYS)}); columns are {', '.join(map(str, df.columns))} "
                         "(or give --category for every row).")
    osm = classify_tags(df, taxonomy) if tag_cols else None
    if own is not None:
        out = classify_texts(df[own], str(own), taxonomy)
        if osm is not None:  # an empty category cell: the tags decide
            empty = df[own].isna().to_numpy()
            out.loc[empty] = osm.loc[empty]
        return out, str(own)
    if generic is not None:
        out = classify_texts(df[generic], str(generic), taxonomy)
        known = out["outcome"] != "unknown"
        if osm is not None:
            out.loc[~known] = osm.loc[~known]
            return out, f"'{generic}' where it names a category, else OSM tags"
        return out, str(generic)
    return osm, "osm tags"
