"""The needs side of the region analysis: the survey read, its weighted design and the needs estimates.

One estimate path for every report, notebook and criterion:

- :func:`survey_source`: the survey every section reads (given, ingested, or the demo one:
  :func:`~wecare_analysis.survey.source.survey_summary`);
- :func:`weighted_design`: respondents as a stratified (province) cluster (firm) sample,
  raked to ISTAT residents 15–64 by province × sex × age class (crossed margins);
- :func:`design_estimates`: weighted share with each need by province and for the region,
  overall, by sex and by role, logit 95 % intervals (R ``svyciprop(method="logit")``),
  small domains suppressed with their complements
  (:func:`~wecare_analysis.disclosure.suppressed_estimates`);
- :func:`estimate_needs`: the above plus the small-area (MRP) estimates of every municipality;
- :func:`province_prevalence`: the province rows of the same design-based estimates, as the
  "need" input of the transferability criteria (:class:`~wecare_analysis.practices.criteria.CriteriaInputs`).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from wecare_analysis.demo.survey import SYNTHETIC_LABEL
from wecare_analysis.disclosure import min_cell, suppressed_estimates, suppression_label
from wecare_analysis.safe_text import markdown_text
from wecare_analysis.survey.codebook import Codebook, load_codebook
from wecare_analysis.survey.concepts import age_band_edges, raking_margins
from wecare_analysis.survey.design import SurveyDesign, survey_design
from wecare_analysis.survey.estimate import estimate_means
from wecare_analysis.survey.margin_check import MarginsNotMet
from wecare_analysis.survey.small_area import OLDER_WORKER_AGES, small_area_estimates
from wecare_analysis.survey.source import survey_summary
from wecare_analysis.survey.weights import margin_specs, margins_from_population, rake
from wecare_analysis.territory import population_by_age_sex

LOG = logging.getLogger(__name__)

#: Age classes used for raking: 65+ respondents (working owners) are raked with the 55-64 class.
RAKING_AGE_CLASSES = {"18_24": (15, 24), "25_34": (25, 34), "35_44": (35, 44), "45_54": (45, 54),
                      "55_64": (55, 64)}
#: Columns of :func:`design_estimates`.
ESTIMATE_COLUMNS = ["territory", "group_var", "group", "variable", "label", "estimate", "se", "ci_low", "ci_high",
                    "n", "suppressed", "n_label"]
#: Columns of :func:`province_prevalence` (the criteria's need input).
PREVALENCE_COLUMNS = ["province_sigla", "need_area", "prevalence", "se", "n", "method"]
PREVALENCE_METHOD = ("stima ponderata (raking sui residenti ISTAT 15-64 anni per provincia, sesso ed età), "
                     "errore da disegno")


@dataclass
class SurveySource:
    """The tidy needs table and where it comes from."""

    needs: pd.DataFrame
    path: Path
    synthetic: bool
    rows_read: int
    rows_kept: int
    rows_quarantined: int
    respondents_file: Path | None = None  # firm-level table (``firm_id, province_sigla, welfare_forms``…)
    summary: dict | None = None  # its ``validation.json`` (concepts found and missing, age bands, hash)
    raking_notes: tuple[str, ...] = ()  # Italian notes on the margins its weights could not use

    @property
    def concepts_missing(self) -> set[str]:
        """Codebook question names the questionnaire did not ask (empty for the shipped questionnaire)."""
        return set((self.summary or {}).get("concepts_missing", []))

    def asked(self, concept: str) -> bool:
        """Whether the questionnaire asked ``concept`` (a codebook question name)."""
        return concept not in self.concepts_missing

    @property
    def description(self) -> str:
        """Italian description of the survey data (named file, or the synthetic-data label)."""
        record = self.record
        ident = ""
        if record:
            day = ".".join(reversed(str(record.get("modified", "")).split("-")))
            ident = f" (SHA-256 {record.get('sha256', '')}; file del {day.replace('.', '/')})"
        if self.synthetic:
            return f"dati sintetici dimostrativi (questionario simulato, nessun rispondente reale){ident}"
        return f"file di indagine «{markdown_text(self.path.name)}»{ident}"

    @property
    def record(self) -> dict | None:
        """The survey's ``survey.manifest.json`` (file, SHA-256, date, rows), beside its ``validation.json``."""
        if not self.summary:
            return None
        path = Path(self.summary["outputs"]["needs"]).parent / "survey.manifest.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def survey_source(root: str | os.PathLike[str] | None = None, year: int = 2023, region: str = "01",
                  survey_path: str | os.PathLike[str] | None = None) -> SurveySource:
    """Return the survey to report: ``survey_path`` if given, else the ingested one, else the demo survey.

    The choice is :func:`~wecare_analysis.survey.source.survey_summary`'s, the same for every
    section. Respondents outside ``region`` are not dropped here: see :func:`region_respondents`.
    """
    summary, synthetic = survey_summary(root, year, region, survey_path)
    needs = pd.read_parquet(summary["outputs"]["needs"])
    return SurveySource(needs, Path(summary["file"]), synthetic, summary["rows_read"], summary["rows_kept"],
                        summary["rows_quarantined"], Path(summary["outputs"]["respondents"]), summary)


def survey_notes(survey: SurveySource) -> list[str]:
    """Italian source notes of the survey for the transferability inputs (the synthetic label when it applies)."""
    return [f"Bisogni e imprese: {SYNTHETIC_LABEL} (nessun file di indagine fornito)."] if survey.synthetic else []


def raking_columns(needs: pd.DataFrame) -> pd.DataFrame:
    """``needs`` with ``age_rake``: the age class, 65+ folded into 55-64 (see :data:`RAKING_AGE_CLASSES`)."""
    return needs.assign(age_rake=needs["age_class"].replace({"65_plus": "55_64"}))


def codebook_margins(needs: pd.DataFrame) -> bool:
    """Whether ``needs`` can be raked as the shipped questionnaire is: sex and the codebook's age classes
    answered by every respondent (then :func:`weighted_design` is that of the programme's survey)."""
    shipped = set(RAKING_AGE_CLASSES) | {"65_plus"}
    return ({"sex", "age_class"} <= set(needs.columns) and bool(needs[["sex", "age_class"]].notna().all().all())
            and set(needs["age_class"].unique()) <= shipped)


def survey_margins(needs: pd.DataFrame, territory: pd.DataFrame, population: pd.DataFrame,
                   summary: dict | None, year: int = 2023, region: str = "01",
                   root: str | os.PathLike[str] | None = None) -> tuple[pd.DataFrame | None, list[str]]:
    """Raking margins of ``needs`` and the Italian notes on what they leave out.

    ``(None, [])`` for the shipped questionnaire (``summary`` None, or sex and the codebook's age
    classes answered by every respondent: :func:`weighted_design`'s own margins). Otherwise the
    variables :func:`~wecare_analysis.survey.concepts.raking_margins` keeps (province always; sex and
    age only when asked and stated by every respondent) with its notes. A stated non-response
    ("Preferisco non rispondere") leaves that margin out for everyone: nothing is imputed and no
    respondent is dropped. The totals are those of the shipped survey's margins: ISTAT residents of
    working age of the provinces with respondents, province × sex crossed when sex is kept, by the
    survey's own age bands (:func:`raking_age_classes`).
    """

    if summary is None or codebook_margins(needs):
        return None, []
    kept, notes = raking_margins(needs, summary, year, region, None if root is None else str(root))
    variables = set(kept["variable"])
    sigla = _respondent_provinces(needs, territory)
    ages = raking_age_classes(summary) if "age_class" in variables else None
    margins = margins_from_population(population, sigla, ages, ("province_sigla", "sex", "age_class"),
                                      crossed="sex" in variables)
    keep = {"province_sigla:sex" if "sex" in variables else "province_sigla"} | ({"age_class"} & variables)
    return margins[margins["variable"].isin(keep)].reset_index(drop=True), notes


def raking_age_classes(summary: dict) -> dict[str, tuple[int, int]]:
    """The survey's age bands (:func:`~wecare_analysis.survey.concepts.age_band_edges`) on residents 15-64.

    As for the shipped survey (:data:`RAKING_AGE_CLASSES`): the youngest band starts at 15 and a band
    reaching past 64 ends at 64 (working age); a band wholly past 64 ends at 67 (the oldest
    working owners, :data:`~wecare_analysis.survey.small_area.OLDER_WORKER_AGES`).

    >>> raking_age_classes({"age_bands": ["18_34", "35_54", "55_plus"]})
    {'18_34': (15, 34), '35_54': (35, 54), '55_plus': (55, 64)}
    """

    bands = age_band_edges(summary)
    first = min(lo for lo, _ in bands.values())
    return {code: (15 if lo == first else lo, min(hi, 64) if lo <= 64 else min(hi, OLDER_WORKER_AGES[1]))
            for code, (lo, hi) in bands.items()}


def mrp_age_classes(summary: dict | None) -> dict[str, tuple[int, int]] | None:
    """Post-stratification age classes of a questionnaire with its own bands (None: the codebook's).

    The survey's bands (:func:`~wecare_analysis.survey.concepts.age_band_edges`), an open band
    ending at the oldest working age the shipped survey uses (67,
    :data:`~wecare_analysis.survey.small_area.OLDER_WORKER_AGES`), not at 100.

    >>> mrp_age_classes({"age_bands": ["18_34", "55_plus"]})
    {'18_34': (18, 34), '55_plus': (55, 67)}
    """

    bands = age_band_edges(summary or {})
    if not bands or set(bands) <= set(RAKING_AGE_CLASSES) | {"65_plus"}:
        return None
    return {code: (lo, min(hi, max(OLDER_WORKER_AGES[1], lo))) for code, (lo, hi) in bands.items()}


def weighted_design(needs: pd.DataFrame, territory: pd.DataFrame, population: pd.DataFrame,
                    margins: pd.DataFrame | None = None) -> SurveyDesign:
    """Stratified cluster design (province strata, firm clusters) raked to ISTAT residents.

    Margins: residents 15-64 by province × sex × age class (crossed; :data:`RAKING_AGE_CLASSES`,
    respondents 65+ count in 55-64), of the provinces with respondents only; or ``margins``
    (``variable,level,total``) for a questionnaire that is not the shipped one (:func:`survey_margins`).
    Lonely PSUs are centred on the overall mean (R ``adjust``). Raking: Deville and Särndal (1992),
    as R ``survey::rake``.

    Parameters
    ----------
    needs
        Tidy respondent table (``province_sigla``, ``firm_id``, ``sex``, ``age_class``, ``need_<area>``).
    territory
        Municipality layer (``municipality_code``, ``province_sigla``).
    population
        Residents by municipality, single year of age and sex (:func:`~wecare_analysis.territory.population_by_age_sex`).
    margins
        None for the shipped questionnaire's margins.
    """
    data = needs
    if margins is None:
        data = raking_columns(needs)
        sigla = pd.Series(territory["province_sigla"].to_numpy(), index=territory["municipality_code"].to_numpy())
        sigla = sigla[sigla.isin(data["province_sigla"].unique())]
        margins = margins_from_population(population, sigla, RAKING_AGE_CLASSES,
                                          ("province_sigla", "sex", "age_rake"), crossed=True)
    design = survey_design(len(data), strata=data["province_sigla"], cluster=data["firm_id"], lonely_psu="adjust")
    return rake(design, margin_specs(data, margins, source="ISTAT residents"), maxit=50).design


#: Italian names of the raking margins, for "Metodi e fonti".
MARGIN_NAMES = {"province_sigla": "provincia", "province_sigla:sex": "provincia e sesso", "age_class": "classe di età"}
#: Margins :func:`raked_design` drops, in this order, when the respondents cannot meet them.
DROPPABLE_MARGINS = ("age_class", "province_sigla:sex")


def raked_design(needs: pd.DataFrame, territory: pd.DataFrame, population: pd.DataFrame,
                 margins: pd.DataFrame | None, notes: list[str]) -> tuple[SurveyDesign, list[str]]:
    """:func:`weighted_design` on ``margins`` (:func:`survey_margins`), dropping the age margin, then sex,
    when these respondents cannot meet them (e.g. a province whose few respondents are all young:
    its residents of the other ages cannot be carried by anyone).

    Only that condition (:class:`~wecare_analysis.survey.margin_check.MarginsNotMet`: a level without
    respondents, raking that does not converge, weights off their targets) leads to a fallback; any
    other error propagates. Each margin dropped is logged (warning) and has an Italian note saying
    which margins could not be met and which ones the weights use (:func:`margins_note`); the last
    note names the margins used.

    The shipped questionnaire (``margins`` None) is raked as :func:`weighted_design` does, with no fallback.
    """
    if margins is None:
        return weighted_design(needs, territory, population), list(notes)
    notes = list(notes)
    while True:
        try:
            design = weighted_design(needs, territory, population, margins)
            return design, [*notes, margins_note(margins)]
        except MarginsNotMet as err:
            drop = next((v for v in DROPPABLE_MARGINS if v in set(margins["variable"])), None)
            if drop is None:
                raise
            missed, reason = err.margins or (drop,), err.message
        together = " e per ".join(MARGIN_NAMES.get(v, v) for v in dict.fromkeys(margins["variable"]))
        margins = margins[margins["variable"] != drop]
        if drop == "province_sigla:sex":  # province alone, residents 15-64
            margins = margins_from_population(population, _respondent_provinces(needs, territory), None,
                                              ("province_sigla", "sex", "age_class"))
            margins = margins[margins["variable"] == "province_sigla"]
        LOG.warning("raking: the respondents cannot meet the margins of %s (%s); weights without %s",
                    ", ".join(missed), reason, drop)
        label, gap = (("la classe di età", "non coprono tutte le classi di età") if drop == "age_class"
                      else ("il sesso", "non sono di entrambi i sessi"))
        left = " e per ".join(MARGIN_NAMES.get(v, v) for v in dict.fromkeys(margins["variable"]))
        notes.append(f"I pesi non usano {label}: con questi rispondenti i totali ISTAT per {together} non si "
                     f"possono raggiungere insieme (in alcune province i rispondenti {gap}); pesi per {left}.")


def margins_note(margins: pd.DataFrame) -> str:
    """Italian note naming the margins the weights of a questionnaire use (``variable`` of ``margins``).

    >>> print(margins_note(pd.DataFrame({"variable": ["province_sigla:sex", "age_class"]})))
    Pesi di questa indagine: calibrati (raking) sui residenti ISTAT di 15-64 anni delle province con rispondenti \
per provincia e sesso e per classe di età (le fasce del questionario).
    """
    used = " e per ".join(MARGIN_NAMES.get(v, v) for v in dict.fromkeys(margins["variable"]))
    bands = " (le fasce del questionario)" if "age_class" in set(margins["variable"]) else ""
    return ("Pesi di questa indagine: calibrati (raking) sui residenti ISTAT di 15-64 anni delle province con "
            f"rispondenti per {used}{bands}.")


def _respondent_provinces(needs: pd.DataFrame, territory: pd.DataFrame) -> pd.Series:
    sigla = pd.Series(territory["province_sigla"].to_numpy(), index=territory["municipality_code"].to_numpy())
    return sigla[sigla.isin(needs["province_sigla"].unique())]


def region_respondents(needs: pd.DataFrame, territory: pd.DataFrame) -> pd.DataFrame:
    """The respondents of ``needs`` whose province (``province_sigla``) is one of ``territory``'s.

    An empty result means the survey says nothing about this region (the programme surveyed
    Piedmont only): the needs sections then say so.
    """
    return needs[needs["province_sigla"].isin(pd.unique(territory["province_sigla"]))]


def need_labels(book: Codebook | None = None, short: bool = True) -> dict[str, str]:
    """Italian label of each need column (``need_<area>``); ``short`` drops the parenthesis."""
    book = book or load_codebook()
    return {f"need_{code}": (text.split(" (")[0] if short else text) for code, text, _ in book.need_areas}


def positive_counts(needs: pd.DataFrame, variables: list[str], by: list[str]) -> pd.DataFrame:
    """Unweighted number of respondents with each need (value 1), by domain: the ``n_positive`` of
    :func:`~wecare_analysis.disclosure.suppressed_estimates`.

    >>> df = pd.DataFrame({"p": ["A", "A", "B"], "y": [1, 0, 1.0]})
    >>> positive_counts(df, ["y"], ["p"]).to_dict("records")
    [{'p': 'A', 'variable': 'y', 'n_positive': 1}, {'p': 'B', 'variable': 'y', 'n_positive': 1}]
    """
    ones = needs[variables].eq(1).astype(int)
    if by:
        wide = ones.groupby([needs[c] for c in by]).sum().reset_index()
    else:
        wide = ones.sum().to_frame().T
    return wide.melt(id_vars=by, var_name="variable", value_name="n_positive")


def _group_block(needs: pd.DataFrame, design: SurveyDesign, variables: list[str], group_var: str,
                 region_name: str) -> pd.DataFrame:
    """Unsuppressed estimates of one grouping ('all', 'sex', 'role') by province and for the region."""
    by = [] if group_var == "all" else [group_var]
    parts = []
    for territory_by in (["province_sigla"], []):
        est = estimate_means(needs, variables, design, by=territory_by + by or None)
        est = est.merge(positive_counts(needs, variables, territory_by + by), on=[*territory_by, *by, "variable"],
                        how="left", validate="one_to_one")
        est["territory"] = est["province_sigla"] if territory_by else region_name
        est["group_var"] = group_var
        est["group"] = est[group_var] if by else "all"
        parts.append(est)
    block = pd.concat(parts, ignore_index=True)
    return block.assign(ci_low=block["ci_logit_low"], ci_high=block["ci_logit_high"])


def design_estimates(needs: pd.DataFrame, design: SurveyDesign, region_name: str, k: int | None = None,
                     book: Codebook | None = None) -> pd.DataFrame:
    """Weighted share of respondents with each need, by province and for the region, overall, by sex, by role.

    Horvitz–Thompson ratio estimator with Taylor-linearised standard errors and logit 95 % intervals
    (R ``svymean``/``svyciprop(method="logit")``); domains under ``k`` respondents (or with fewer
    than ``k`` with or without the need) are suppressed with their complements.

    A grouping the questionnaire did not ask (no ``sex`` or ``role`` column) has no rows ("non
    rilevato": :func:`~wecare_analysis.report.document.missing_concept_notes`).

    Returns
    -------
    pandas.DataFrame
        :data:`ESTIMATE_COLUMNS`: ``territory`` (sigla, or ``region_name`` for the region's rows),
        ``group_var`` ('all', 'sex', 'role'), ``group``, ``variable``, ``label``, ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``n``, ``suppressed``, ``n_label``; suppressed domains have NaN estimates.
    """
    variables = [c for c in need_labels(book) if c in needs.columns]
    groupings = ["all"] + [g for g in ("sex", "role") if g in needs.columns and needs[g].notna().any()]
    blocks = [suppressed_estimates(_group_block(needs, design, variables, g, region_name), "territory",
                                   None if g == "all" else "group", k) for g in groupings]
    out = pd.concat(blocks, ignore_index=True)
    out["label"] = out["variable"].map(need_labels(book))
    return out[ESTIMATE_COLUMNS]


def province_prevalence(needs: pd.DataFrame, design: SurveyDesign) -> pd.DataFrame:
    """:data:`PREVALENCE_COLUMNS`: the design-based share in need per province × need area (the criteria input).

    The same estimator and design as :func:`design_estimates` (its province rows before
    suppression: the criteria are scores, not published cells).
    """
    variables = [c for c in needs.columns if c.startswith("need_")]
    est = estimate_means(needs, variables, design, by=["province_sigla"])
    return pd.DataFrame({"province_sigla": est["province_sigla"], "need_area": est["variable"].str[len("need_"):],
                         "prevalence": est["estimate"], "se": est["se"], "n": est["n"].astype(float),
                         "method": PREVALENCE_METHOD})[PREVALENCE_COLUMNS]


@dataclass
class NeedsEstimates:
    """Design-based and small-area needs estimates of one region.

    - ``province`` / ``region``: overall design-based prevalence (``province_sigla`` / ``territory``,
      ``need_area``, ``variable``, ``label``, ``prevalence``, ``se``, ``ci_low``, ``ci_high``, ``n``,
      ``suppressed``, ``n_label``);
    - ``groups``: :func:`design_estimates` (by sex and role too);
    - ``municipality``: MRP prevalence per municipality × need (``municipality_code, name,
      province_sigla, need_area, variable, label, prevalence, se, ci_low, ci_high, n, n_label,
      population``); respondent counts under the threshold read ``'< k'``;
    - ``province_mrp``: MRP prevalence per province × need; ``sigmas``: the model's variance components;
    - ``min_cell``: the disclosure threshold applied;
    - ``profile``: the published respondent profile (the region analysis applies one joint pattern to it
      and to ``groups``: :mod:`wecare_analysis.analysis.disclosure`).
    """

    province: pd.DataFrame
    region: pd.DataFrame
    groups: pd.DataFrame
    municipality: pd.DataFrame
    province_mrp: pd.DataFrame
    sigmas: pd.DataFrame
    min_cell: int = 5
    raking_notes: tuple[str, ...] = ()  # Italian notes on the margins a questionnaire could not give
    #: Published respondent profile of every province and the region, under the run's joint pattern
    #: (:func:`~wecare_analysis.analysis.disclosure.joint_disclosure`); None before it is applied.
    profile: pd.DataFrame | None = None


def _design_block(groups: pd.DataFrame, territory_col: str) -> pd.DataFrame:
    block = groups[groups["group_var"] == "all"].rename(columns={"estimate": "prevalence",
                                                                 "territory": territory_col})
    block = block.assign(need_area=block["variable"].str.removeprefix("need_"))
    return block[[territory_col, "need_area", "variable", "label", "prevalence", "se", "ci_low", "ci_high", "n",
                  "suppressed", "n_label"]].reset_index(drop=True)


def estimate_needs(needs: pd.DataFrame, design: SurveyDesign, territory: gpd.GeoDataFrame,
                   population: pd.DataFrame, k: int | None = None, draws: int = 400, seed: int = 0,
                   age_classes: dict[str, tuple[int, int]] | None = None) -> NeedsEstimates:
    """Design-based (:func:`design_estimates`) and MRP (:func:`~wecare_analysis.survey.small_area.small_area_estimates`)
    needs estimates of the region's respondents.

    MRP: multilevel logistic regression with province, municipality and firm random effects,
    post-stratified to the ISTAT cells of each municipality (Gelman and Little 1997); ``draws``
    posterior draws with ``seed``; ``age_classes``: the post-stratification classes of a questionnaire
    with its own age bands (:func:`mrp_age_classes`; None: the codebook's).
    """
    k = min_cell(k)
    region_name = str(territory["region_name"].iloc[0])
    groups = design_estimates(needs, design, region_name, k=k)
    is_region = groups["territory"] == region_name
    labels = need_labels()
    variables = [v for v in labels if v in needs.columns]
    mrp = small_area_estimates(needs, territory, population, variables, weights=design.weights, draws=draws,
                               seed=seed, age_classes=age_classes)
    names = territory.set_index("municipality_code")["name"]
    muni = mrp.municipality.assign(name=lambda t: t["municipality_code"].map(names),
                                   label=lambda t: t["variable"].map(labels))
    small = (muni["n"] > 0) & (muni["n"] < k)
    muni["n_label"] = muni["n"].astype(object).where(~small, suppression_label(k))
    cols = ["municipality_code", "name", "province_sigla", "need_area", "variable", "label", "prevalence", "se",
            "ci_low", "ci_high", "n", "n_label", "population"]
    prov_mrp = mrp.province.assign(label=lambda t: t["variable"].map(labels))
    return NeedsEstimates(_design_block(groups[~is_region], "province_sigla"),
                          _design_block(groups[is_region], "territory"), groups, muni[cols], prov_mrp,
                          mrp.fit.sigma_means(), k)


def region_population(year: int, region: str, root: str | os.PathLike[str] | None) -> pd.DataFrame:
    """Residents by municipality, age and sex of the region (:func:`~wecare_analysis.territory.population_by_age_sex`)."""
    return population_by_age_sex(year, region, root)
