"""Synthetic survey with a known truth ("dati sintetici dimostrativi").

How the respondents are drawn (all vectorised numpy, one generator seeded by ``seed``):

1. **Firms** (about one per 4.3 respondents) are placed in Piedmont municipalities
   with probability proportional to residents aged 15–64 (ISTAT 2023), so
   provinces get firms in proportion to population. Size classes are skewed to
   micro-firms: 0–1 45 %, 2–9 38 %, 10–49 14 %, 50–249 3 %; ATECO 2025 section
   C 30 %, F 24 %, T 14 %, G 10 %, I 7 %, H 7 %, N 4 %, O 4 %; artisan 75 %.
2. **Respondents**: every firm has one owner; the other respondents (employees 88 %,
   collaborators 12 %) are spread over firms in proportion to 0.3, 1.5, 4, 8 by
   size class. Sex and single year of age (18–67) are drawn from the
   municipality's ISTAT residents by age × sex.
3. **Household and work**: children 0–2 / 3–5 / 6–14 by age class, dependent
   elderly ``logit p = -2.6 + 1.1·[45–64] + 0.6·z_old``, where ``z_old`` is the
   standardised log old-age index of the municipality; commuting time lognormal
   with median 18 min, longer where density is low.
4. **Needs**: for each need area ``a`` the true probability is
   ``p_a = logistic(β0_a + Σ_k β_ak x_k + u_firm)`` with ``u_firm ~ N(0, 0.3²)``
   shared by the firm's respondents (the cluster effect). The planted effects
   :data:`EFFECTS` (also written to ``truth_effects.csv``) are:

   - childcare 0–2, 3–5, 6–14: + child in that age band, + woman aged 25–44;
   - eldercare: + age 45–64, + local old-age index (``z_old``), + dependent elderly;
   - mobility: + commuting time above 20 min, + low density (< 100 inhabitants/km²);
   - health: + age; purchasing power: + employee, + micro-firm; housing and
     training: + under 35; psychological support: + daily caregiving; errands and
     inclusion: + woman; smart working: + woman aged 25–44; safety: + sections C/F;
     supplier network: + owner.

   The need is drawn as Bernoulli(``p_a``) and answered on the Likert item as 4–5
   (need) or 1–3 (no need), so ``need = Likert ≥ 4`` recovers it exactly.

Truth (``truth_needs.csv``, one column ``p_<area>`` per need area): level
``respondent`` (key ``_uuid``: ``p_a`` of that respondent), ``municipality`` and
``province`` (population prevalence: the mean of ``p_a`` over a reference
population of ``truth_draws`` synthetic workers per municipality drawn by the same
model with an independent stream; provinces weight municipalities by residents
aged 15–64), ``province_respondents`` (mean of ``p_a`` over the respondents).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis.atomic import atomic_path

SYNTHETIC_LABEL = "dati sintetici dimostrativi"
RESPONDENTS_PER_FIRM = 4.3
SIZE_CLASSES = ("0_1", "2_9", "10_49", "50_249")
SIZE_PROBS = (0.45, 0.38, 0.14, 0.03)
SIZE_WEIGHTS = (0.3, 1.5, 4.0, 8.0)
ATECO = {"C": 0.30, "F": 0.24, "T": 0.14, "G": 0.10, "I": 0.07, "H": 0.07, "N": 0.04, "O": 0.04}
FIRM_SD = 0.3
AGE_MIN, AGE_MAX = 18, 67
AGE_BREAKS = (18, 25, 35, 45, 55, 65)
AGE_CLASSES = ("18_24", "25_34", "35_44", "45_54", "55_64", "65_plus")
#: probability of at least one child in the band, by age class (rows) — 0–2, 3–5, 6–14
CHILD_PROBS = np.array([[0.04, 0.03, 0.01], [0.14, 0.12, 0.10], [0.12, 0.15, 0.38],
                        [0.02, 0.04, 0.30], [0.00, 0.01, 0.05], [0.00, 0.00, 0.01]])

#: Planted effects on the logit of each need: area -> (intercept, {covariate: coefficient}).
EFFECTS: dict[str, tuple[float, dict[str, float]]] = {
    "childcare_0_2": (-3.2, {"child_0_2": 3.5, "female_25_44": 0.6}),
    "childcare_3_5": (-3.2, {"child_3_5": 3.3, "female_25_44": 0.6}),
    "childcare_6_14": (-2.8, {"child_6_14": 2.8, "female_25_44": 0.4}),
    "eldercare": (-2.4, {"age_45_64": 0.8, "old_age_z": 0.5, "dependent_elderly": 2.2}),
    "health_prevention": (-0.6, {"age_minus_40_per_10": 0.2}),
    "psychological_support": (-1.8, {"caregiver_daily": 0.6}),
    "supplementary_pension": (-1.3, {"employee": 0.4}),
    "purchasing_power": (-1.1, {"employee": 0.5, "micro_firm": 0.3}),
    "housing": (-1.6, {"under_35": 0.5}),
    "training": (-1.2, {"under_35": 0.4}),
    "mobility": (-1.6, {"commute_over_20_per_10": 0.4, "low_density": 0.5}),
    "errands_concierge": (-1.2, {"female": 0.3}),
    "smart_working": (-1.3, {"female_25_44": 0.4}),
    "leisure_wellbeing": (-1.1, {}),
    "inclusion": (-2.0, {"female": 0.3}),
    "safety": (-1.8, {"sector_c_f": 0.4}),
    "supplier_network": (-2.2, {"owner": 0.6}),
    "community": (-2.0, {}),
}


@dataclass
class Territory:
    """Municipality arrays the generator needs (from the ISTAT territory layer)."""

    code: np.ndarray
    sigla: np.ndarray
    weight: np.ndarray
    old_age_z: np.ndarray
    low_density: np.ndarray
    cell_cdf: np.ndarray  # per municipality, cumulative share of the 100 (age 18–67 × sex) cells

    @classmethod
    def load(cls, year: int = 2023, region: str = "01", root: str | os.PathLike[str] | None = None) -> Territory:
        """Read municipalities and residents by age × sex through :mod:`wecare_analysis.territory`."""
        # lazy: loads geopandas/shapely, which not every caller of this module needs
        from wecare_analysis.territory import load_territory, population_by_age_sex

        terr = load_territory(year=year, region=region, root=root).sort_values("municipality_code")
        pop = population_by_age_sex(year=year, region=region, root=root)
        pop = pop[(pop["age"] >= AGE_MIN) & (pop["age"] <= AGE_MAX)]
        cells = pop.pivot_table(index="municipality_code", columns=["age", "sex"], values="residents",
                                aggfunc="sum", fill_value=0).reindex(terr["municipality_code"], fill_value=0)
        counts = cells.to_numpy(dtype=float) + 1e-9
        log_old = np.log(terr["old_age_index"].to_numpy(dtype=float))
        return cls(code=terr["municipality_code"].to_numpy(), sigla=terr["province_sigla"].to_numpy(),
                   weight=terr["age_15_64"].to_numpy(dtype=float),
                   old_age_z=(log_old - log_old.mean()) / log_old.std(),
                   low_density=(terr["density"].to_numpy() < 100).astype(float),
                   cell_cdf=np.cumsum(counts, axis=1) / counts.sum(axis=1, keepdims=True))


def _firms(rng: np.random.Generator, firm_muni: np.ndarray) -> dict[str, np.ndarray]:
    n = len(firm_muni)
    sections = np.array(list(ATECO))
    return {"muni": firm_muni, "size": rng.choice(4, size=n, p=SIZE_PROBS),
            "ateco": sections[rng.choice(len(sections), size=n, p=list(ATECO.values()))],
            "artisan": rng.random(n) < 0.75, "effect": rng.normal(0.0, FIRM_SD, n)}


def _respondents_per_firm(rng: np.random.Generator, size: np.ndarray, n_respondents: int) -> np.ndarray:
    weights = np.asarray(SIZE_WEIGHTS)[size]
    return 1 + rng.multinomial(n_respondents - len(size), weights / weights.sum())


def _people(rng: np.random.Generator, terr: Territory, firms: dict[str, np.ndarray],
            counts: np.ndarray) -> dict[str, np.ndarray]:
    """Draw respondents of the given firms: profile, household, covariates (see module docstring)."""
    firm = np.repeat(np.arange(len(counts)), counts)
    n = len(firm)
    first = np.zeros(n, dtype=bool)
    first[np.concatenate([[0], np.cumsum(counts)[:-1]])] = True
    muni = firms["muni"][firm]
    role = np.where(first, 1, np.where(rng.random(n) < 0.88, 0, 2))  # 0 employee, 1 owner, 2 collaborator
    n_cells = terr.cell_cdf.shape[1]
    stacked = (np.arange(len(terr.code))[:, None] + terr.cell_cdf).ravel()  # increasing across municipalities
    cell = np.clip(np.searchsorted(stacked, muni + rng.random(n)) - muni * n_cells, 0, n_cells - 1)
    age, female = AGE_MIN + cell // 2, (cell % 2) == 0  # columns are (age, 'F'), (age, 'M')
    age_class = np.searchsorted(AGE_BREAKS, age, side="right") - 1
    has_child = rng.random((n, 3)) < CHILD_PROBS[age_class]
    age_45_64 = (age >= 45) & (age <= 64)
    eld_logit = -2.6 + 1.1 * age_45_64 + 0.6 * terr.old_age_z[muni]
    dependent_elderly = rng.random(n) < 1 / (1 + np.exp(-eld_logit))
    dependent_disabled = rng.random(n) < 0.05
    caring = dependent_elderly | dependent_disabled
    care = np.where(caring, rng.choice([1, 2, 3], size=n, p=[0.25, 0.40, 0.35]),
                    np.where(rng.random(n) < 0.15, 1, 0))
    log_commute = np.log(18) + 0.25 * (terr.low_density[muni] * 2 - 1) + 0.6 * rng.standard_normal(n)
    commute = np.clip(np.rint(np.exp(log_commute)), 0, 180).astype(int)
    size = firms["size"][firm]
    x = {"child_0_2": has_child[:, 0], "child_3_5": has_child[:, 1], "child_6_14": has_child[:, 2],
         "female": female, "female_25_44": female & (age >= 25) & (age <= 44), "age_45_64": age_45_64,
         "old_age_z": terr.old_age_z[muni], "dependent_elderly": dependent_elderly,
         "age_minus_40_per_10": (age - 40) / 10, "caregiver_daily": care == 3, "employee": role == 0,
         "owner": role == 1, "micro_firm": size <= 1, "under_35": age < 35,
         "commute_over_20_per_10": np.maximum(commute - 20, 0) / 10, "low_density": terr.low_density[muni],
         "sector_c_f": np.isin(firms["ateco"][firm], ["C", "F"])}
    p = {area: 1 / (1 + np.exp(-(b0 + firms["effect"][firm]
                                 + sum(coef * np.asarray(x[k], dtype=float) for k, coef in betas.items()))))
         for area, (b0, betas) in EFFECTS.items()}
    return {"firm": firm, "muni": muni, "role": role, "age": age, "female": female, "age_class": age_class,
            "children": has_child * (1 + (rng.random((n, 3)) < 0.15)), "dependent_elderly": dependent_elderly,
            "dependent_disabled": dependent_disabled, "care": care, "commute": commute, "p": p}


def simulate_survey(n_respondents: int = 3000, seed: int = 0, terr: Territory | None = None,
                    root: str | os.PathLike[str] | None = None) -> tuple[dict, dict]:
    """Draw firms and respondents; return ``(firms, people)`` arrays (see the module docstring)."""
    if n_respondents < 1:
        raise ValueError("n_respondents must be at least 1")
    terr = terr or Territory.load(root=root)
    rng = np.random.default_rng(seed)
    n_firms = max(1, min(n_respondents, round(n_respondents / RESPONDENTS_PER_FIRM)))
    firms = _firms(rng, rng.choice(len(terr.code), size=n_firms, p=terr.weight / terr.weight.sum()))
    people = _people(rng, terr, firms, _respondents_per_firm(rng, firms["size"], n_respondents))
    people["need"] = {a: rng.random(len(pa)) < pa for a, pa in people["p"].items()}
    people["rng"] = rng
    return firms, people


def population_truth(terr: Territory, seed: int = 0, truth_draws: int = 1000) -> pd.DataFrame:
    """True prevalence per municipality and province: mean ``p_a`` over a synthetic reference population.

    The reference population has ``truth_draws`` workers per municipality, drawn by the
    same model with a stream independent of the survey's (Monte Carlo standard error
    of a municipality value below ``0.5 / sqrt(truth_draws)``).
    """
    rng = np.random.default_rng([seed, 1])
    per_muni = max(1, round(truth_draws / RESPONDENTS_PER_FIRM))
    firms = _firms(rng, np.repeat(np.arange(len(terr.code)), per_muni))
    counts = _respondents_per_firm(rng, firms["size"], truth_draws * len(terr.code))
    people = _people(rng, terr, firms, counts)
    probs = pd.DataFrame({f"p_{a}": v for a, v in people["p"].items()})
    muni = probs.groupby(people["muni"]).mean()
    muni_rows = muni.assign(level="municipality", unit=terr.code[muni.index].astype(str),
                            province_sigla=terr.sigla[muni.index], municipality_code=terr.code[muni.index],
                            n=np.bincount(people["muni"], minlength=len(terr.code))[muni.index])
    weights = terr.weight[muni.index]
    prov = muni.mul(weights, axis=0).groupby(terr.sigla[muni.index]).sum().div(
        pd.Series(weights).groupby(terr.sigla[muni.index]).sum(), axis=0)
    prov_rows = prov.assign(level="province", unit=prov.index, province_sigla=prov.index,
                            municipality_code=pd.NA, n=pd.NA)
    return pd.concat([prov_rows, muni_rows], ignore_index=True)


def planted_effects() -> pd.DataFrame:
    """The planted effects as a table ``need_area, term, coefficient`` (logit scale; term 'intercept')."""
    rows = [(a, "intercept", b0) for a, (b0, _) in EFFECTS.items()]
    rows += [(a, k, c) for a, (_, betas) in EFFECTS.items() for k, c in betas.items()]
    rows += [(a, "firm_sd", FIRM_SD) for a in EFFECTS]
    return pd.DataFrame(rows, columns=["need_area", "term", "coefficient"]).sort_values(
        ["need_area", "term"], ignore_index=True)


def _codes(options: tuple[str, ...] | list[str], index: np.ndarray) -> np.ndarray:
    return np.asarray(options, dtype=object)[index]


def _uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.integers(0, 2**63, size=(n, 2), dtype=np.int64)
    return np.array([f"{a:016x}{b:016x}" for a, b in raw], dtype=object)


def _welfare_forms(rng: np.random.Generator, firms: dict[str, np.ndarray]) -> np.ndarray:
    """Forms already in place per firm: bilateral more frequent among artisans, unilateral in larger firms."""
    n = len(firms["size"])
    has = np.column_stack([
        rng.random(n) < 0.08 + 0.12 * firms["size"],          # unilateral
        rng.random(n) < np.where(firms["artisan"], 0.30, 0.10),  # bilateral
        rng.random(n) < 0.15,                                   # contractual
        rng.random(n) < 0.05,                                   # territorial
    ])
    return has


def kobo_export(firms: dict, people: dict, terr: Territory) -> pd.DataFrame:
    """Return the respondents as a KoboToolbox CSV export ("XML values and headers", ``/`` group separator).

    Columns: ``start``, ``end``, ``<group>/<question>`` for every codebook question,
    select_multiple both as space-separated codes and as split 0/1 columns
    ``<group>/<question>/<option>``, then ``_id``, ``_uuid``, ``_submission_time``, ``_index``.
    A few respondents leave synthetic contacts and a comment, to exercise pseudonymisation.
    """
    rng: np.random.Generator = people["rng"]
    firm, n = people["firm"], len(people["firm"])
    forms = _welfare_forms(rng, firms)[firm]
    form_codes = np.array(["unilateral", "bilateral", "contractual", "territorial"])
    forms_text = np.array([" ".join(form_codes[row]) or "none" for row in forms], dtype=object)
    sub = np.datetime64("2024-03-01T08:00:00") + rng.integers(0, 90 * 86400, n).astype("timedelta64[s]")
    role = people["role"]
    contract = np.where(role == 1, 3, np.where(role == 2, np.where(rng.random(n) < 0.6, 4, 3),
                                               rng.choice(4, size=n, p=[0.72, 0.16, 0.08, 0.04])))
    part_time = rng.random(n) < np.where(role == 1, 0.05, np.where(people["female"], 0.30, 0.08))
    aware = np.clip(1 + rng.binomial(4, 0.35 + 0.1 * (forms.any(axis=1))[...]), 1, 5)
    uses = forms.any(axis=1) & (rng.random(n) < 0.6)
    cols: dict[str, np.ndarray] = {
        "start": (sub - np.timedelta64(600, "s")).astype(str), "end": sub.astype(str),
        "impresa/firm_id": np.char.add("IMP", np.char.zfill(firm.astype(str), 6)),
        "impresa/firm_name": np.char.add(np.char.add("Impresa demo ", np.char.zfill(firm.astype(str), 6)), " snc"),
        "impresa/municipality": np.char.zfill(terr.code[people["muni"]].astype(str), 6),
        "impresa/ateco_section": firms["ateco"][firm],
        "impresa/size_class": _codes(SIZE_CLASSES, firms["size"][firm]),
        "impresa/artisan": np.where(firms["artisan"][firm], "yes", "no"),
        "impresa/welfare_forms": forms_text,
    }
    for j, code in enumerate(form_codes):
        cols[f"impresa/welfare_forms/{code}"] = forms[:, j].astype(int)
    cols["impresa/welfare_forms/none"] = (~forms.any(axis=1)).astype(int)
    cols |= {
        "impresa/welfare_awareness": aware, "impresa/welfare_use": np.where(uses, "yes", "no"),
        "profilo/role": _codes(["employee", "owner", "collaborator"], role),
        "profilo/sex": np.where(people["female"], "F", "M"),
        "profilo/age_class": _codes(AGE_CLASSES, people["age_class"]),
        "profilo/contract": _codes(["permanent", "fixed_term", "apprentice", "self_employed", "other"], contract),
        "profilo/working_time": np.where(part_time, "part_time", "full_time"),
        "profilo/children_0_2": people["children"][:, 0], "profilo/children_3_5": people["children"][:, 1],
        "profilo/children_6_14": people["children"][:, 2],
        "profilo/dependent_elderly": np.where(people["dependent_elderly"], "yes", "no"),
        "profilo/dependent_disabled": np.where(people["dependent_disabled"], "yes", "no"),
        "profilo/caregiving_intensity": _codes(["none", "occasional", "weekly", "daily"], people["care"]),
        "profilo/commute_minutes": people["commute"],
    }
    for area, need in people["need"].items():
        cols[f"bisogni/need_{area}"] = np.where(need, 4 + (rng.random(n) < 0.4), 1 + rng.integers(0, 3, n))
    contact = rng.random(n) < 0.03
    idx = np.arange(n).astype(str)
    cols |= {
        "contatti/respondent_name": np.where(contact, np.char.add("Persona Sintetica ", idx), ""),
        "contatti/email": np.where(contact, np.char.add(np.char.add("persona", idx), "@esempio.invalid"), ""),
        "contatti/phone": np.where(contact, np.char.add("+39 300 ", np.char.zfill(idx, 7)), ""),
        "contatti/fiscal_code": "",
        "contatti/comments": np.where(rng.random(n) < 0.05, "Servirebbe un centro estivo vicino al lavoro", ""),
        "_id": np.arange(1, n + 1), "_uuid": _uuids(rng, n),
        "_submission_time": sub.astype(str), "_index": np.arange(1, n + 1),
    }
    return pd.DataFrame(cols)


def respondent_truth(people: dict, terr: Territory, uuids: np.ndarray) -> pd.DataFrame:
    """Truth rows of level ``respondent`` (each respondent's ``p_a``) and ``province_respondents``."""
    probs = pd.DataFrame({f"p_{a}": v for a, v in people["p"].items()})
    sigla, codes = terr.sigla[people["muni"]], terr.code[people["muni"]]
    resp = probs.assign(level="respondent", unit=uuids, province_sigla=sigla, municipality_code=codes, n=1)
    prov = probs.groupby(sigla).mean()
    prov = prov.assign(level="province_respondents", unit=prov.index, province_sigla=prov.index,
                       municipality_code=pd.NA, n=pd.Series(sigla).value_counts().reindex(prov.index).to_numpy())
    return pd.concat([prov, resp], ignore_index=True)


def write_demo_survey(out_dir: str | os.PathLike[str], n_respondents: int = 3000, seed: int = 0,
                      root: str | os.PathLike[str] | None = None, truth_draws: int = 1000) -> list[Path]:
    """Write ``survey.csv`` (KoboToolbox-style, ``;``-separated), ``truth_needs.csv`` and ``truth_effects.csv``.

    Returns the paths written. Everything is labelled as synthetic data
    (:data:`SYNTHETIC_LABEL`) in ``truth_needs.csv``'s ``source`` column.
    """

    out = Path(out_dir)
    terr = Territory.load(root=root)
    firms, people = simulate_survey(n_respondents, seed, terr)
    survey = kobo_export(firms, people, terr)
    truth = pd.concat([population_truth(terr, seed, truth_draws),
                       respondent_truth(people, terr, survey["_uuid"].to_numpy())], ignore_index=True)
    first = ["level", "unit", "province_sigla", "municipality_code", "n"]
    truth = truth[first + [c for c in truth.columns if c not in first]].assign(source=SYNTHETIC_LABEL)
    paths = [out / "survey.csv", out / "truth_needs.csv", out / "truth_effects.csv"]
    for frame, path, sep in ((survey, paths[0], ";"), (truth, paths[1], ","), (planted_effects(), paths[2], ",")):
        with atomic_path(path) as tmp:
            _write_csv(frame, tmp, sep)
    return paths


def _write_csv(frame: pd.DataFrame, path: Path, sep: str) -> None:
    """Write a CSV quickly with pyarrow (UTF-8, quoting only where needed)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(frame.astype({c: str for c in frame.columns if frame[c].dtype == object}),
                                 preserve_index=False)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(delimiter=sep, quoting_style="needed"))
