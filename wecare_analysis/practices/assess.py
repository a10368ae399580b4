"""Transferability assessment of the catalogue for one province: criteria, weights, ranking, robustness.

:func:`transferability_inputs` gathers the plain tables the criteria read (territory,
survey prevalence and firms, service access and gaps, optional MEF and third-sector
files); :func:`assess_province` scores, weights, ranks and perturbs. The notebook
``04_transferability`` calls these two functions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wecare_analysis.practices.ahp import AHPResult, ahp_from_csv
from wecare_analysis.practices.catalogue import Catalogue
from wecare_analysis.practices.criteria import (
    CriteriaInputs,
    criteria_table,
    score_matrix,
    unavailable_criteria,
)
from wecare_analysis.practices.mcda import aggregate
from wecare_analysis.practices.optional_inputs import OptionalInput, read_mef_irpef, read_third_sector
from wecare_analysis.practices.robustness import (
    DEFAULT_CONCENTRATION,
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    rank_probabilities,
)
from wecare_analysis.practices.weights import criterion_weights

RANKING_COLUMNS = ["practice_id", "practice_name", "topsis", "rank_topsis", "weighted_sum", "rank_weighted_sum",
                   "p_rank1", "p_top3", "rank_median", "rank_low", "rank_high"]


@dataclass
class TransferabilityInputs:
    """The criteria inputs plus what each optional input gave and notes on the sources (Italian)."""

    criteria: CriteriaInputs
    optional: list[OptionalInput] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Assessment:
    """Result of :func:`assess_province`."""

    province: str
    method: str
    criteria: pd.DataFrame
    weights: pd.DataFrame
    ranking: pd.DataFrame
    rank_distribution: pd.DataFrame
    ahp: AHPResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def province_criteria(self) -> pd.DataFrame:
        """The criteria rows of the assessed province."""
        return self.criteria[self.criteria["province_sigla"] == self.province].reset_index(drop=True)


def survey_tables(root: str | os.PathLike[str] | None = None, survey_path: str | os.PathLike[str] | None = None,
                  year: int = 2023, region: str = "01") -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Return ``(needs, respondents, notes)`` of the survey the whole report reads.

    That is ``survey_path`` when given, else the survey ingested with ``wecare survey validate``,
    else the synthetic demo survey (:func:`~wecare_analysis.survey.source.survey_summary`): the
    criteria never read another survey than the needs section of the same report.
    """
    from wecare_analysis.demo.survey import SYNTHETIC_LABEL
    from wecare_analysis.survey.source import survey_summary

    summary, synthetic = survey_summary(root, year, region, survey_path)
    notes = [f"Bisogni e imprese: {SYNTHETIC_LABEL} (nessun file di indagine fornito)."] if synthetic else []
    needs = pd.read_parquet(summary["outputs"]["needs"])
    respondents = pd.read_parquet(summary["outputs"]["respondents"], columns=["firm_id", "province_sigla",
                                                                              "welfare_forms"])
    return needs, respondents, notes


def demo_access(territory: pd.DataFrame, catalogue: Catalogue, seed: int = 1) -> pd.DataFrame:
    """Access and need–offer gap per municipality × category from the synthetic demo services."""
    from wecare_analysis.demo.services import synthetic_services
    from wecare_analysis.gaps import gap_index, municipality_access, need_by_category
    from wecare_analysis.practices.criteria import categories_of
    from wecare_analysis.services.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    cats = sorted({c for p in catalogue.practices for c in categories_of(p, taxonomy)},
                  key=taxonomy.codes.index)
    services, _ = synthetic_services(territory, seed=seed)
    access = municipality_access(territory, services, categories=cats)
    return gap_index(need_by_category(territory, cats), access)


def transferability_inputs(catalogue: Catalogue, year: int = 2023, region: str = "01",
                           root: str | os.PathLike[str] | None = None,
                           mef_path: str | os.PathLike[str] | None = None,
                           third_sector_path: str | os.PathLike[str] | None = None,
                           survey_path: str | os.PathLike[str] | None = None,
                           access: pd.DataFrame | None = None) -> TransferabilityInputs:
    """Gather every input of the criteria; absent or malformed optional files are reported, never fatal.

    Without a survey file the synthetic demo survey gives the need prevalence and the firms; without an
    ``access`` table (``municipality_code, category, population, access_per_1000, gap_index``) the synthetic
    demo services give the offer. Only respondents of the region's provinces count; when there is none
    (a region the survey did not cover) the prevalence and firm inputs are None, so their criteria are
    "non disponibile" and their weights renormalise over the others.
    """
    from wecare_analysis.demo.survey import SYNTHETIC_LABEL
    from wecare_analysis.practices.survey_inputs import firm_welfare_profile, province_need_prevalence
    from wecare_analysis.territory import load_territory

    territory = load_territory(year, region, root)
    needs, respondents, notes = survey_tables(root, survey_path, year, region)
    provinces = pd.unique(territory["province_sigla"])
    needs = needs[needs["province_sigla"].isin(provinces)]
    respondents = respondents[respondents["province_sigla"].isin(provinces)]
    if needs.empty:
        # e.g. a region the survey did not cover: the survey criteria are unavailable and their
        # weights are shared among the others (criterion_weights), never a failure
        prevalence = firms = None
        notes.append("Bisogni stimati e forme di welfare delle imprese: non disponibili, l'indagine non ha "
                     "rispondenti in questa regione.")
    else:
        prevalence = province_need_prevalence(needs, year, region, root)
        firms = firm_welfare_profile(respondents)
        notes.append(f"Prevalenza dei bisogni per provincia: {prevalence['method'].iloc[0]}.")
    if access is None:
        access = demo_access(territory, catalogue)
        notes.append(f"Offerta di servizi e divari: {SYNTHETIC_LABEL}.")
    mef = read_mef_irpef(mef_path, territory, year)
    ts = read_third_sector(third_sector_path, territory, year)
    inputs = CriteriaInputs(
        territory=pd.DataFrame(territory.drop(columns="geometry")), prevalence=prevalence,
        firms=firms, income=mef.table if mef.usable else None,
        third_sector=ts.table if ts.usable else None, access=access,
        covered_provinces={"income": mef.provinces, "third_sector": ts.provinces})
    return TransferabilityInputs(inputs, [mef, ts], notes)


def assess_province(province: str, catalogue: Catalogue, inputs: CriteriaInputs, ahp: AHPResult | None = None,
                    method: str = "topsis", n_draws: int = DEFAULT_DRAWS,
                    concentration: float = DEFAULT_CONCENTRATION, seed: int = DEFAULT_SEED) -> Assessment:
    """Score every practice in ``province``, weight, rank (TOPSIS and weighted sum) and perturb the weights.

    The Monte Carlo probabilities use ``method`` (``topsis`` or ``weighted_sum``).
    """
    table = criteria_table(catalogue, inputs)
    matrix = score_matrix(table, province)
    missing = unavailable_criteria(table)
    weights = criterion_weights(list(matrix.columns), missing, ahp)
    w = weights.set_index("criterion")["weight"]
    ranking = aggregate(matrix, w)
    summary, dist = rank_probabilities(matrix, w, method, n_draws, concentration, seed)
    names = {p.id: p.name for p in catalogue.practices}
    ranking = ranking.merge(summary, on="practice_id").assign(practice_name=lambda d: d["practice_id"].map(names))
    order = "rank_topsis" if method == "topsis" else "rank_weighted_sum"
    ranking = ranking.sort_values([order, "practice_id"]).reset_index(drop=True)[RANKING_COLUMNS]
    notes = []
    if missing:
        from wecare_analysis.practices.criteria import CRITERIA

        notes.append("Criteri non disponibili (pesi riproporzionati sugli altri): "
                     + ", ".join(CRITERIA[c].label for c in missing) + ".")
    if ahp is not None and ahp.inconsistent:
        notes.append(f"Attenzione: il rapporto di consistenza AHP è {ahp.cr:.2f}".replace(".", ",")
                     + " (> 0,10): i confronti a coppie andrebbero rivisti.")
    return Assessment(province, method, table, weights, ranking, dist.loc[ranking["practice_id"]], ahp, notes)


def load_ahp(path: str | os.PathLike[str] | None) -> AHPResult | None:
    """AHP weights from ``path``, or None for the default equal weights."""
    return None if path is None else ahp_from_csv(Path(path))
