"""The service taxonomy: categories, their need areas, user population, radius and OSM tag rules.

The data live in ``taxonomy.yaml`` next to this module.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.yaml")


@dataclass(frozen=True)
class Category:
    """One category of service offer."""

    code: str
    label: str
    need_areas: tuple[str, ...]
    population: str
    radius_km: float
    osm: tuple[dict[str, str | list[str]], ...]


@dataclass(frozen=True)
class Taxonomy:
    """All categories, in file order, and the aliases that name them."""

    categories: tuple[Category, ...]
    aliases: dict[str, str]
    qualifiers: tuple[str, ...] = ()
    not_welfare_texts: dict[str, str] = field(default_factory=dict)
    not_welfare_osm: tuple[tuple[dict[str, str | list[str]], str], ...] = ()

    def __getitem__(self, code: str) -> Category:
        for c in self.categories:
            if c.code == code:
                return c
        raise KeyError(code)

    @property
    def codes(self) -> list[str]:
        """Category codes in file order."""
        return [c.code for c in self.categories]

    def table(self) -> pd.DataFrame:
        """Return one row per category: code, label, need_areas (comma-joined), population, radius_km."""
        return pd.DataFrame([{"code": c.code, "label": c.label, "need_areas": ",".join(c.need_areas),
                              "population": c.population, "radius_km": c.radius_km} for c in self.categories])


@functools.cache
def load_taxonomy(path: str | Path = TAXONOMY_FILE) -> Taxonomy:
    """Return the taxonomy read from ``path`` (the packaged ``taxonomy.yaml`` by default).

    Examples
    --------
    >>> t = load_taxonomy()
    >>> t["asilo_nido"].population, t["rsa"].population, len(t.codes)
    ('age_0_2', 'age_75_plus', 19)
    """
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    cats = tuple(Category(code=c["code"], label=c["label"], need_areas=tuple(c["need_areas"]),
                          population=c["population"], radius_km=float(c["radius_km"]),
                          osm=tuple(c.get("osm") or ())) for c in raw["categories"])
    aliases = {_fold(k): v for k, v in (raw.get("aliases") or {}).items()}
    aliases.update({_fold(c.code): c.code for c in cats})
    aliases.update({_fold(c.label): c.code for c in cats})
    unknown = {v for v in aliases.values()} - {c.code for c in cats}
    if unknown:
        raise ValueError(f"{path}: aliases point to unknown categories {sorted(unknown)}")
    nw = raw.get("not_welfare") or {}
    return Taxonomy(cats, aliases, qualifiers=tuple(_fold(q) for q in raw.get("qualifiers") or ()),
                    not_welfare_texts={_fold(k).rstrip() + (" " if k.endswith(" ") else ""): v
                                       for k, v in (nw.get("texts") or {}).items()},
                    not_welfare_osm=tuple((r["rule"], r["why"]) for r in nw.get("osm") or ()))


def _fold(text: str) -> str:
    """Lower case, no accents, initials joined ('R.S.A.' → 'rsa'), other dots, dashes, slashes as spaces.

    >>> _fold("R.S.A. Villa Serena"), _fold("A.D.I."), _fold("SCUOLA SEC. PRIMO GRADO")
    ('rsa villa serena', 'adi', 'scuola sec primo grado')
    """
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\b(?:[a-z]\.){2,}(?:[a-z]\b)?", lambda m: m.group(0).replace(".", ""), text)
    text = text.replace(".", " ").replace("_", " ").replace("-", " ").replace("/", " ")
    return " ".join(text.split())


def category_codes(names: pd.Series, taxonomy: Taxonomy | None = None) -> pd.Series:
    """Return the category code of each name (code, Italian label or alias); NaN when unknown.

    Examples
    --------
    >>> category_codes(pd.Series(["Asilo nido", "casa di riposo", "RSA", "bar"])).tolist()
    ['asilo_nido', 'rsa', 'rsa', nan]
    """
    taxonomy = taxonomy or load_taxonomy()
    folded = names.astype("string").fillna("").map(_fold)
    return folded.map(taxonomy.aliases).astype(object).where(lambda s: s.notna(), np.nan)


def _rule_mask(tags: pd.DataFrame, rule: dict[str, str | list[str]]) -> np.ndarray:
    mask = np.ones(len(tags), dtype=bool)
    for key, want in rule.items():
        if key not in tags.columns:
            return np.zeros(len(tags), dtype=bool)
        col = tags[key].astype("string")
        if want == "*":
            mask &= col.notna().to_numpy() & (col.fillna("") != "").to_numpy()
        else:
            values = {str(v) for v in (want if isinstance(want, list) else [want])}
            parts = col.fillna("").str.split(";")  # OSM multi-values: sport=swimming;fitness
            mask &= parts.map(lambda vs, values=values: any(v.strip() in values for v in vs)).to_numpy(dtype=bool)
    return mask


def classify_osm(tags: pd.DataFrame, taxonomy: Taxonomy | None = None) -> pd.Series:
    """Return the category of each OSM feature from its tags (one column per tag); NaN when none matches.

    The most specific matching rule (most tags) wins; ties go to the category
    listed first in the taxonomy.

    Examples
    --------
    >>> tags = pd.DataFrame({"amenity": ["pharmacy", "clinic", "clinic", None, "bar"],
    ...                      "healthcare:speciality": [None, None, "gynaecology", None, None],
    ...                      "leisure": [None, None, None, "sports_centre", None],
    ...                      "sport": [None, None, None, "swimming", None]})
    >>> classify_osm(tags).tolist()
    ['farmacia', 'ambulatorio', 'consultorio', 'piscina', nan]
    """
    taxonomy = taxonomy or load_taxonomy()
    best = np.full(len(tags), -1)
    out = np.full(len(tags), None, dtype=object)
    for cat in taxonomy.categories:
        for rule in cat.osm:
            m = _rule_mask(tags, rule) & (len(rule) > best)
            out[m] = cat.code
            best[m] = len(rule)
    return pd.Series(out, index=tags.index, dtype=object).where(lambda s: s.notna(), np.nan)
