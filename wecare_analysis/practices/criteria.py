"""Transferability criteria of each practice × province, grouped as in ASTAIRE / PIET-T.

Each criterion gives, for practice *p* and province *r*, a ``value`` (the figure
behind it), a ``reference`` (what the value is compared with), a ``score`` in
0–1 (1 = most favourable to transfer) and a ``status``:

``ok``
    computed from the data;
``non richiesto``
    the practice does not need what the criterion measures: score 1 (no barrier);
``neutro``
    the input exists but says nothing about this practice or province (e.g. the
    origin scale is not in the text): score 0.5, shown as such;
``non disponibile``
    the optional input is absent: the criterion is left out of the aggregation
    and the weights of the others renormalise (see :mod:`wecare_analysis.practices.weights`).

Groups (Cambon et al. 2013, ASTAIRE, BMC Public Health 13:1184; Schloemer &
Schröder-Bäck 2018, PIET-T, Implementation Science 13:88) and formulas, with
:math:`A_p` the need areas of the practice, :math:`C_p` the service categories
of the taxonomy that serve them, :math:`R_r` the residents of the province:

population
    ``need_prevalence``: :math:`s = \\frac{1}{|A_p|}\\sum_{a \\in A_p} \\hat p_{r,a}`, the
    estimated share of workers in need (survey); reference: the mean standard error.
    ``beneficiary_share``: :math:`b_{p,r} = \\frac{1}{|U_p|}\\sum_{u \\in U_p} u_r / R_r` with
    :math:`U_p` the user populations (territory columns) of :math:`C_p` other than all residents
    (residents 15–64 for an area without one); :math:`s = b_{p,r} / \\max_{r'} b_{p,r'}`.
environment
    ``density_fit``: share of residents living in municipalities with density
    :math:`\\ge d_p`, the minimum density of the practice's delivery model (0: not required).
    ``income_fit`` (MEF IRPEF file): :math:`y_r` taxable income per taxpayer, :math:`\\bar y` the
    region's; :math:`s = \\min(1, y_r / 2\\bar y)` (0.5 at the regional mean), :math:`1 - s` when the
    primary target is vulnerable families.
    ``offer_gap`` (access and gap table): share of the user population of :math:`C_p` living in
    municipalities whose need–offer gap index is positive (need above or access below the region's).
implementation
    ``firm_welfare`` (survey firms): share of surveyed firms of the province with the practice's
    welfare form (for a territorial practice, any form: networks start from firms already doing
    welfare); required when the practice needs a firm network or a bilateral body or targets employees.
    ``third_sector`` (5×1000 register): :math:`t_r` = third-sector entities per 10,000 residents,
    :math:`s = t_r / \\max_{r'} t_{r'}`; required when the practice needs social cooperatives.
    ``existing_services`` (access table): :math:`v = \\frac{1}{|C_p|}\\sum_c \\bar a_{r,c} / \\bar a_c`, the
    population-weighted access of the province over the region's; :math:`s = \\min(1, v)`; required when
    the delivery model aggregates existing services.
scale
    ``scale_fit``: :math:`q = T_r / O_p` with :math:`T_r` the primary target population of the province
    and :math:`O_p` the origin's; :math:`s = 1 / (1 + |\\log_{10} q|)` (1 at the same size, 0.5 one
    order of magnitude apart).

Every row carries an Italian ``sentence`` built from the same ``value``,
``reference`` and ``score`` as the table, and the text ``basis`` naming what the
figures refer to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError
from wecare_analysis.formatting import format_it, format_percent_it, label
from wecare_analysis.services.taxonomy import load_taxonomy
from wecare_analysis.survey.codebook import load_codebook

if TYPE_CHECKING:  # annotations only: the catalogue validates practices against CRITERIA
    from wecare_analysis.practices.catalogue import Catalogue, Practice

OK, NOT_REQUIRED, NEUTRAL, UNAVAILABLE = "ok", "non richiesto", "neutro", "non disponibile"
NEUTRAL_SCORE = 0.5

#: Italian labels of the criterion categories, in order.
CATEGORIES: dict[str, str] = {"population": "Popolazione", "environment": "Ambiente",
                              "implementation": "Capacità di attuazione", "scale": "Scala"}


@dataclass(frozen=True)
class Criterion:
    """A criterion: its category, Italian label and the units of its value and reference."""

    category: str
    label: str
    unit: str
    reference_unit: str


CRITERIA: dict[str, Criterion] = {
    "need_prevalence": Criterion("population", "Bisogni stimati", "share", "share"),
    "beneficiary_share": Criterion("population", "Popolazione destinataria", "share", "share"),
    "density_fit": Criterion("environment", "Densità abitativa", "share", "density"),
    "income_fit": Criterion("environment", "Reddito", "euro", "euro"),
    "offer_gap": Criterion("environment", "Divario bisogni-offerta", "share", "count"),
    "firm_welfare": Criterion("implementation", "Imprese con welfare", "share", "count"),
    "third_sector": Criterion("implementation", "Terzo settore", "per_10000", "per_10000"),
    "existing_services": Criterion("implementation", "Servizi esistenti", "ratio", "count"),
    "scale_fit": Criterion("scale", "Scala di origine", "count", "count"),
}

COLUMNS = ["practice_id", "practice_name", "province_sigla", "criterion", "category", "status", "value",
           "reference", "score", "basis", "sentence"]


@dataclass
class CriteriaInputs:
    """Plain tables the criteria read; ``None`` marks an absent optional input.

    Attributes
    ----------
    territory
        Municipality layer of the region: ``municipality_code, province_sigla, residents, density`` and the
        population columns of the taxonomy and of the catalogue targets.
    prevalence
        ``province_sigla, need_area, prevalence, se`` (shares 0–1).
    firms
        ``province_sigla, firms, with_unilateral, with_bilateral, with_contractual, with_territorial,
        with_any`` (counts of surveyed firms).
    income
        ``municipality_code, taxpayers, taxable_income`` (euro), from the MEF IRPEF file.
    third_sector
        ``municipality_code, entities, third_sector`` (counts), from a register such as the 5×1000 list;
        ``provinces`` (attribute ``covered_provinces``) are those the register covers.
    access
        ``municipality_code, category, population, access_per_1000, gap_index``.
    """

    territory: pd.DataFrame
    prevalence: pd.DataFrame | None = None
    firms: pd.DataFrame | None = None
    income: pd.DataFrame | None = None
    third_sector: pd.DataFrame | None = None
    access: pd.DataFrame | None = None
    covered_provinces: dict[str, list[str]] = field(default_factory=dict)


def figure_text(value: float | None, unit: str) -> str:
    """Italian text of a figure in its unit: share → '34,5%', euro → '23.456 euro', ratio → '0,87'.

    A missing value (None, NaN) reads 'n.d.' without its unit.

    Examples
    --------
    >>> figure_text(0.3456, "share"), figure_text(23456.4, "euro"), figure_text(12.345, "per_10000")
    ('34,6%', '23.456 euro', '12,3')
    >>> figure_text(float("nan"), "euro"), figure_text(None, "share")
    ('n.d.', 'n.d.')
    """
    if value is None or pd.isna(value):
        return "n.d."
    if unit == "share":
        return format_percent_it(value, 1)
    if unit == "euro":
        return f"{format_it(value, 0)} euro"
    if unit == "per_10000":
        return format_it(value, 1)
    if unit == "ratio":
        return format_it(value, 2)
    return format_it(value, 0)


def score_text(score: float) -> str:
    """Italian text of a 0–1 score with two decimals: 0.5 → '0,50'."""
    return format_it(score, 2)


def short_label(text: str) -> str:
    """A codebook label without its explanation: 'Salute e prevenzione (visite, ...)' → 'Salute e prevenzione'."""
    return text.split(" (")[0].split(", anche")[0]


def categories_of(practice: Practice, taxonomy) -> list[str]:
    """Service categories of the taxonomy whose need areas meet the practice's, in taxonomy order."""
    return [c.code for c in taxonomy.categories if set(c.need_areas) & set(practice.need_areas)]


def population_columns(practice: Practice, taxonomy) -> list[str]:
    """User-population columns :math:`U_p` of the practice, without duplicates.

    All residents say nothing about who benefits, so ``residents`` is left out; an area
    with no other user population counts residents 15–64 (workers).
    """
    cols: list[str] = []
    for area in practice.need_areas:
        found = [c.population for c in taxonomy.categories if area in c.need_areas and c.population != "residents"]
        for c in found or ["age_15_64"]:
            if c not in cols:
                cols.append(c)
    return cols


def _province_sums(territory: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return territory.groupby("province_sigla", sort=False)[columns].sum()


def _row(p: Practice, r: str, crit: str, status: str, value: float = np.nan, reference: float = np.nan,
         score: float = np.nan, basis: str = "") -> dict:
    if status == NOT_REQUIRED:
        score = 1.0
    elif status == NEUTRAL:
        score = NEUTRAL_SCORE
    return {"practice_id": p.id, "practice_name": p.name, "province_sigla": r, "criterion": crit,
            "category": CRITERIA[crit].category, "status": status, "value": float(value),
            "reference": float(reference), "score": float(score), "basis": basis}


def need_prevalence_rows(cat: Catalogue, inp: CriteriaInputs, provinces: list[str]) -> list[dict]:
    """Rows of ``need_prevalence`` (see the module docstring)."""

    labels = {code: short_label(text) for code, text, _index in load_codebook().need_areas}
    rows = []
    for p in cat.practices:
        basis = ", ".join(labels.get(a, a) for a in p.need_areas)
        for r in provinces:
            if inp.prevalence is None:
                rows.append(_row(p, r, "need_prevalence", UNAVAILABLE, basis=basis))
                continue
            mine = inp.prevalence[(inp.prevalence["province_sigla"] == r)
                                  & inp.prevalence["need_area"].isin(p.need_areas)].dropna(subset=["prevalence"])
            if mine.empty:
                rows.append(_row(p, r, "need_prevalence", NEUTRAL, basis=basis))
                continue
            value = float(mine["prevalence"].mean())
            rows.append(_row(p, r, "need_prevalence", OK, value, float(mine["se"].mean()), value, basis))
    return rows


def beneficiary_share_rows(cat: Catalogue, inp: CriteriaInputs, provinces: list[str], taxonomy) -> list[dict]:
    """Rows of ``beneficiary_share``."""
    rows = []
    for p in cat.practices:
        cols = population_columns(p, taxonomy)
        sums = _province_sums(inp.territory, cols + ["residents"])
        share = sums[cols].div(sums["residents"], axis=0).mean(axis=1)
        best = float(share.max())
        basis = ", ".join(label(c) for c in cols)
        for r in provinces:
            v = float(share.get(r, np.nan))
            rows.append(_row(p, r, "beneficiary_share", OK, v, best, v / best if best > 0 else np.nan, basis))
    return rows


def density_fit_rows(cat: Catalogue, inp: CriteriaInputs, provinces: list[str]) -> list[dict]:
    """Rows of ``density_fit``."""
    rows = []
    t = inp.territory
    for p in cat.practices:
        spec = cat.delivery_models[p.delivery_model]
        d = float(spec["min_density"])
        basis = str(spec["label"])
        dense = t.assign(dense=np.where(t["density"] >= d, t["residents"], 0.0))
        sums = _province_sums(dense, ["dense", "residents"])
        for r in provinces:
            if d <= 0:
                rows.append(_row(p, r, "density_fit", NOT_REQUIRED, reference=0.0, basis=basis))
                continue
            v = float(sums.at[r, "dense"] / sums.at[r, "residents"])
            rows.append(_row(p, r, "density_fit", OK, v, d, v, basis))
    return rows


def income_fit_rows(cat: Catalogue, inp: CriteriaInputs, provinces: list[str]) -> list[dict]:
    """Rows of ``income_fit``."""
    rows = []
    if inp.income is not None:
        inc = inp.income.merge(inp.territory[["municipality_code", "province_sigla"]], on="municipality_code")
        inc = inc.dropna(subset=["taxpayers", "taxable_income"])
        inc = inc[inc["taxpayers"] > 0]
        by = inc.groupby("province_sigla")[["taxable_income", "taxpayers"]].sum()
        mean_all = float(inc["taxable_income"].sum() / inc["taxpayers"].sum()) if len(inc) else np.nan
    for p in cat.practices:
        vulnerable = p.primary_target == "vulnerable_families"
        basis = "famiglie vulnerabili: conta un reddito più basso" if vulnerable else \
            "servizi a pagamento o budget welfare: conta un reddito più alto"
        for r in provinces:
            if inp.income is None:
                rows.append(_row(p, r, "income_fit", UNAVAILABLE, basis=basis))
            elif r not in by.index:
                rows.append(_row(p, r, "income_fit", NEUTRAL, reference=mean_all, basis=basis))
            else:
                y = float(by.at[r, "taxable_income"] / by.at[r, "taxpayers"])
                s = min(1.0, y / (2 * mean_all))
                rows.append(_row(p, r, "income_fit", OK, y, mean_all, 1 - s if vulnerable else s, basis))
    return rows


def _access_in_region(inp: CriteriaInputs) -> pd.DataFrame:
    return inp.access.merge(inp.territory[["municipality_code", "province_sigla"]], on="municipality_code")


def offer_gap_rows(cat: Catalogue, inp: CriteriaInputs, provinces: list[str], taxonomy) -> list[dict]:
    """Rows of ``offer_gap``."""
    rows = []
    acc = _access_in_region(inp) if inp.access is not None and "gap_index" in inp.access else None
    for p in cat.practices:
        cats = categories_of(p, taxonomy)
        basis = ", ".join(taxonomy[c].label for c in cats) or "nessuna categoria di servizio"
        for r in provinces:
            if acc is None:
                rows.append(_row(p, r, "offer_gap", UNAVAILABLE, basis=basis))
                continue
            mine = acc[(acc["province_sigla"] == r) & acc["category"].isin(cats) & acc["gap_index"].notna()]
            pop = mine["population"].to_numpy(dtype=float)
            if not cats or pop.sum() <= 0:
                rows.append(_row(p, r, "offer_gap", NEUTRAL, reference=len(cats), basis=basis))
                continue
            v = float(pop[mine["gap_index"].to_numpy() > 0].sum() / pop.sum())
            rows.append(_row(p, r, "offer_gap", OK, v, len(cats), v, basis))
    return rows


def existing_services_rows(cat: Catalogue, inp: CriteriaInputs, provinces: list[str], taxonomy) -> list[dict]:
    """Rows of ``existing_services``."""
    rows = []
    acc = None
    if inp.access is not None:
        acc = _access_in_region(inp).dropna(subset=["access_per_1000"])
        acc = acc.assign(weighted=acc["population"] * acc["access_per_1000"])
        region = acc.groupby("category")[["weighted", "population"]].sum()
        prov = acc.groupby(["province_sigla", "category"])[["weighted", "population"]].sum()
    for p in cat.practices:
        cats = categories_of(p, taxonomy)
        basis = ", ".join(taxonomy[c].label for c in cats) or "nessuna categoria di servizio"
        needed = bool(cat.delivery_models[p.delivery_model]["aggregates_offer"])
        for r in provinces:
            if acc is None:
                rows.append(_row(p, r, "existing_services", UNAVAILABLE, basis=basis))
                continue
            if not needed:
                rows.append(_row(p, r, "existing_services", NOT_REQUIRED, basis=basis))
                continue
            ratios = []
            for c in cats:
                if (r, c) in prov.index and c in region.index and region.at[c, "weighted"] > 0:
                    a_r = prov.at[(r, c), "weighted"] / prov.at[(r, c), "population"]
                    ratios.append(a_r / (region.at[c, "weighted"] / region.at[c, "population"]))
            if not ratios:
                rows.append(_row(p, r, "existing_services", NEUTRAL, reference=len(cats), basis=basis))
                continue
            v = float(np.mean(ratios))
            rows.append(_row(p, r, "existing_services", OK, v, len(ratios), min(1.0, v), basis))
    return rows


def firm_welfare_rows(cat: Catalogue, inp: CriteriaInputs, provinces: list[str]) -> list[dict]:
    """Rows of ``firm_welfare``."""
    rows = []
    for p in cat.practices:
        needed = bool({"firm_network", "bilateral_body"} & set(p.actors)) or "member_employees" in p.target
        territorial = p.welfare_form == "territorial"
        column = "with_any" if territorial else f"with_{p.welfare_form}"
        basis = "imprese con almeno una forma di welfare" if territorial else \
            f"imprese con welfare {cat.welfare_forms[p.welfare_form].split(' (')[0].lower()}"
        for r in provinces:
            if inp.firms is None:
                rows.append(_row(p, r, "firm_welfare", UNAVAILABLE, basis=basis))
            elif not needed:
                rows.append(_row(p, r, "firm_welfare", NOT_REQUIRED, basis=basis))
            else:
                f = inp.firms[inp.firms["province_sigla"] == r]
                n = float(f["firms"].sum()) if len(f) else 0.0
                if n <= 0:
                    rows.append(_row(p, r, "firm_welfare", NEUTRAL, reference=0.0, basis=basis))
                    continue
                v = float(f[column].sum() / n)
                rows.append(_row(p, r, "firm_welfare", OK, v, n, v, basis))
    return rows


def third_sector_rows(cat: Catalogue, inp: CriteriaInputs, provinces: list[str]) -> list[dict]:
    """Rows of ``third_sector``."""
    rows = []
    if inp.third_sector is not None:
        covered = set(inp.covered_provinces.get("third_sector", provinces))
        ts = inp.territory[["municipality_code", "province_sigla", "residents"]].merge(
            inp.third_sector[["municipality_code", "third_sector"]], on="municipality_code", how="left")
        by = ts.fillna({"third_sector": 0}).groupby("province_sigla")[["third_sector", "residents"]].sum()
        density = (10000 * by["third_sector"] / by["residents"])[lambda s: s.index.isin(covered)]
        best = float(density.max()) if len(density) else np.nan
    basis = "enti del terzo settore e ONLUS ogni 10.000 residenti"
    for p in cat.practices:
        needed = "social_cooperatives" in p.actors
        for r in provinces:
            if inp.third_sector is None:
                rows.append(_row(p, r, "third_sector", UNAVAILABLE, basis=basis))
            elif not needed:
                rows.append(_row(p, r, "third_sector", NOT_REQUIRED, basis=basis))
            elif r not in density.index or not best > 0:
                rows.append(_row(p, r, "third_sector", NEUTRAL, basis=basis))
            else:
                v = float(density[r])
                rows.append(_row(p, r, "third_sector", OK, v, best, v / best, basis))
    return rows


def origin_size(p: Practice, territory: pd.DataFrame) -> float:
    """Size :math:`O_p` of the origin (from the text, or ISTAT residents of the named province); NaN if unknown."""
    ref = p.scale.get("reference_population")
    if not ref:
        return np.nan
    if ref["basis"] == "text":
        return float(ref["value"])
    mine = territory[territory["province_sigla"] == ref["province"]]
    return float(mine["residents"].sum()) if len(mine) else np.nan


def scale_fit_rows(cat: Catalogue, inp: CriteriaInputs, provinces: list[str]) -> list[dict]:
    """Rows of ``scale_fit``."""
    rows = []
    for p in cat.practices:
        spec = cat.targets[p.primary_target]
        sums = _province_sums(inp.territory, list(spec["population"])).sum(axis=1)
        origin = origin_size(p, inp.territory)
        basis = str(spec["label"]).lower()
        for r in provinces:
            t = float(sums.get(r, np.nan))
            if not origin > 0 or not t > 0:
                rows.append(_row(p, r, "scale_fit", NEUTRAL, t, basis=basis))
                continue
            rows.append(_row(p, r, "scale_fit", OK, t, origin, 1 / (1 + abs(np.log10(t / origin))), basis))
    return rows


_TEMPLATES: dict[str, str] = {
    "need_prevalence": "In provincia di {r} la quota stimata di lavoratori con bisogno nelle aree servite "
                       "({basis}) è {value} (errore standard medio {reference}): punteggio {score}.",
    "beneficiary_share": "In provincia di {r} la quota di residenti nei gruppi serviti ({basis}) è {value}, "
                         "contro il massimo regionale di {reference}: punteggio {score}.",
    "density_fit": "Il modello «{basis}» richiede almeno {reference} abitanti per km²: in provincia di {r} "
                   "la quota di residenti in comuni così densi è {value}; punteggio {score}.",
    "income_fit": "In provincia di {r} il reddito imponibile medio per contribuente è {value}, contro {reference} "
                  "nella regione ({basis}): punteggio {score}.",
    "offer_gap": "In provincia di {r} la quota della popolazione servita che vive in comuni dove il bisogno "
                 "supera l'offerta è {value}, nelle {reference} categorie di servizio della pratica ({basis}): "
                 "punteggio {score}.",
    "firm_welfare": "In provincia di {r} la quota di {basis} è {value} sulle {reference} imprese intervistate: "
                    "punteggio {score}.",
    "third_sector": "In provincia di {r} gli {basis} sono {value}, contro il massimo regionale di {reference}: "
                    "punteggio {score}.",
    "existing_services": "In provincia di {r} l'accessibilità ai servizi da mettere in rete ({basis}) vale "
                         "{value} volte la media regionale, su {reference} categorie con dati: punteggio {score}.",
    "scale_fit": "In provincia di {r} la popolazione destinataria ({basis}) conta {value} persone, contro "
                 "{reference} nel luogo d'origine: punteggio {score}.",
}
_OTHER: dict[str, str] = {
    NOT_REQUIRED: "Per questa pratica il criterio non è richiesto ({basis}): punteggio {score}.",
    UNAVAILABLE: "Criterio non disponibile: manca il dato di ingresso ({basis}); i pesi degli altri criteri "
                 "sono stati riproporzionati.",
}
_NEUTRAL: dict[str, str] = {
    "scale_fit": "La scala d'origine non è indicata nel testo: la popolazione destinataria in provincia di {r} "
                 "({basis}) conta {value} persone; punteggio neutro {score}.",
}


def criterion_sentence(row: pd.Series | dict) -> str:
    """The Italian sentence of one criterion row, built only from its ``value``, ``reference``, ``score``, ``basis``.

    Examples
    --------
    >>> criterion_sentence({"criterion": "firm_welfare", "status": "ok", "province_sigla": "BI",
    ...     "value": 0.25, "reference": 31.0, "score": 0.25, "basis": "imprese con welfare bilaterale"})
    'In provincia di BI la quota di imprese con welfare bilaterale è 25,0% sulle 31 imprese intervistate: punteggio 0,25.'
    """
    crit, status = row["criterion"], row["status"]
    c = CRITERIA[crit]
    if status == OK:
        template = _TEMPLATES[crit]
    elif status == NEUTRAL:
        template = _NEUTRAL.get(crit, "Il dato non copre questa pratica o provincia ({basis}): punteggio neutro "
                                      "{score}.")
    else:
        template = _OTHER[status]
    fields = {"r": row["province_sigla"], "basis": row["basis"], "score": score_text(row["score"]),
              "value": figure_text(row["value"], c.unit), "reference": figure_text(row["reference"], c.reference_unit)}
    return template.format(**fields)


def criteria_table(catalogue: Catalogue, inputs: CriteriaInputs, taxonomy=None) -> pd.DataFrame:
    """Return every criterion of every practice × province of ``inputs.territory`` (long table, :data:`COLUMNS`).

    Scores relative to the region (``beneficiary_share``, ``third_sector``) compare the provinces of
    ``inputs.territory``: pass the whole region even to assess one province.
    """

    taxonomy = taxonomy or load_taxonomy()
    t = inputs.territory
    provinces = t.drop_duplicates("province_sigla").sort_values("province_code")["province_sigla"].tolist() \
        if "province_code" in t else sorted(t["province_sigla"].unique())
    rows = (need_prevalence_rows(catalogue, inputs, provinces)
            + beneficiary_share_rows(catalogue, inputs, provinces, taxonomy)
            + density_fit_rows(catalogue, inputs, provinces)
            + income_fit_rows(catalogue, inputs, provinces)
            + offer_gap_rows(catalogue, inputs, provinces, taxonomy)
            + firm_welfare_rows(catalogue, inputs, provinces)
            + third_sector_rows(catalogue, inputs, provinces)
            + existing_services_rows(catalogue, inputs, provinces, taxonomy)
            + scale_fit_rows(catalogue, inputs, provinces))
    table = pd.DataFrame(rows)
    table["score"] = table["score"].clip(0.0, 1.0)
    table["sentence"] = [criterion_sentence(r) for r in table.to_dict("records")]
    order = {c: i for i, c in enumerate(CRITERIA)}
    table = table.sort_values(["province_sigla", "practice_id", "criterion"],
                              key=lambda s: s.map(order) if s.name == "criterion" else s, kind="stable")
    return table[COLUMNS].reset_index(drop=True)


def score_matrix(table: pd.DataFrame, province: str) -> pd.DataFrame:
    """Practice × criterion scores of one province (practices in table order; criteria in :data:`CRITERIA` order)."""
    mine = table[table["province_sigla"] == province]
    if mine.empty:

        raise InputError(f"province {province!r} is not in the criteria table; provinces: "
                         f"{', '.join(sorted(table['province_sigla'].unique()))}.")
    wide = mine.pivot(index="practice_id", columns="criterion", values="score")
    wide = wide.reindex(index=mine["practice_id"].drop_duplicates(), columns=[c for c in CRITERIA if c in wide])
    return wide


def unavailable_criteria(table: pd.DataFrame) -> list[str]:
    """Criteria whose input is absent (status ``non disponibile`` everywhere)."""
    status = table.groupby("criterion")["status"].agg(lambda s: (s == UNAVAILABLE).all())
    return [c for c in CRITERIA if bool(status.get(c, False))]
