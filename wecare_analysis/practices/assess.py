"""Transferability assessment of the catalogue for one province: criteria, weights, ranking, robustness.

:func:`transferability_inputs` gathers the plain tables the criteria read (territory,
survey prevalence and firms, service access and gaps: all given by the region analysis,
:func:`wecare_analysis.analysis.analyse_region`; optional MEF and third-sector files);
:func:`assess_province` scores, weights, ranks and perturbs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wecare_analysis.practices.ahp import AHPResult, ahp_from_csv
from wecare_analysis.practices.catalogue import Catalogue
from wecare_analysis.practices.criteria import (
    CRITERIA,
    CriteriaInputs,
    criteria_table,
    score_matrix,
    unavailable_criteria,
)
from wecare_analysis.practices.mcda import RankingMethod, aggregate
from wecare_analysis.practices.optional_inputs import OptionalInput, read_mef_irpef, read_third_sector
from wecare_analysis.practices.robustness import (
    DEFAULT_CONCENTRATION,
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    rank_probabilities,
)
from wecare_analysis.practices.survey_inputs import firm_welfare_profile
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
    method: RankingMethod
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


def transferability_inputs(catalogue: Catalogue, territory: pd.DataFrame, prevalence: pd.DataFrame | None,
                           respondents: pd.DataFrame | None, access: pd.DataFrame, year: int = 2023,
                           mef_path: str | os.PathLike[str] | None = None,
                           third_sector_path: str | os.PathLike[str] | None = None,
                           notes: tuple[str, ...] = ()) -> TransferabilityInputs:
    """Gather every input of the criteria; absent or malformed optional files are reported, never fatal.

    Parameters
    ----------
    catalogue
        The practices.
    territory
        Municipality layer of the region.
    prevalence
        Estimated share in need per province × area (``province_sigla, need_area, prevalence, se, n,
        method``: the region analysis's design-based estimates), None when the survey has no respondent
        in the region: the survey criteria are then "non disponibile" and their weights renormalise.
    respondents
        ``firm_id, province_sigla, welfare_forms`` of the region's respondents (None as ``prevalence``).
    access
        Access and gaps per municipality × category (``municipality_code, category, population,
        access_per_1000, gap_index``): the region analysis's service offer.
    mef_path, third_sector_path
        Optional MEF IRPEF and third-sector files.
    notes
        Italian notes on the sources, kept in front of those added here.
    """
    notes_out = list(notes)
    if prevalence is None or respondents is None:
        firms = None
        prevalence = None
        notes_out.append("Bisogni stimati e forme di welfare delle imprese: non disponibili, l'indagine non ha "
                         "rispondenti in questa regione.")
    else:
        firms = firm_welfare_profile(respondents)
        notes_out.append(f"Prevalenza dei bisogni per provincia: {prevalence['method'].iloc[0]}.")
    mef = read_mef_irpef(mef_path, territory, year)
    ts = read_third_sector(third_sector_path, territory, year)
    inputs = CriteriaInputs(
        territory=pd.DataFrame(territory.drop(columns="geometry", errors="ignore")), prevalence=prevalence,
        firms=firms, income=mef.table if mef.usable else None,
        third_sector=ts.table if ts.usable else None, access=access,
        covered_provinces={"income": mef.provinces, "third_sector": ts.provinces})
    return TransferabilityInputs(inputs, [mef, ts], notes_out)


def assess_province(province: str, catalogue: Catalogue, inputs: CriteriaInputs, ahp: AHPResult | None = None,
                    method: RankingMethod = "topsis", n_draws: int = DEFAULT_DRAWS,
                    concentration: float = DEFAULT_CONCENTRATION, seed: int = DEFAULT_SEED,
                    table: pd.DataFrame | None = None) -> Assessment:
    """Score every practice in ``province``, weight, rank (TOPSIS and weighted sum) and perturb the weights.

    The Monte Carlo probabilities use ``method`` (``topsis`` or ``weighted_sum``). ``table``: the
    region's :func:`~wecare_analysis.practices.criteria.criteria_table` of ``catalogue`` and ``inputs``
    when already computed (it covers every province: assessing all of them computes it once), else
    computed here.
    """
    table = criteria_table(catalogue, inputs) if table is None else table
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
        notes.append("Criteri non disponibili (pesi riproporzionati sugli altri): "
                     + ", ".join(CRITERIA[c].label for c in missing) + ".")
    if ahp is not None and ahp.inconsistent:
        notes.append(f"Attenzione: il rapporto di consistenza AHP è {ahp.cr:.2f}".replace(".", ",")
                     + " (> 0,10): i confronti a coppie andrebbero rivisti.")
    return Assessment(province, method, table, weights, ranking, dist.loc[ranking["practice_id"]], ahp, notes)


def load_ahp(path: str | os.PathLike[str] | None) -> AHPResult | None:
    """AHP weights from ``path``, or None for the default equal weights."""
    return None if path is None else ahp_from_csv(Path(path))
