"""``analyse_region(params) -> RegionAnalysis``: the region-level results every report renders.

Computed once per region and input state (each part is a declared dataset of
:mod:`wecare_analysis.analysis.datasets`, cached in ``data/processed/cache/``) and read by
every province report, the regional overview, notebooks 01–05 and the recipes alike:

- the territory layer (ISTAT municipalities with their indicators);
- the survey read and its weighted design (:mod:`wecare_analysis.analysis.needs`);
- the needs estimates, design-based and small-area, with their disclosure flags, and the published
  respondent profile: one suppression pattern decided over every table the reports publish
  together (:mod:`wecare_analysis.analysis.disclosure`);
- the service offer: services, 2SFCA accessibility, gaps and LISA clusters (:mod:`wecare_analysis.analysis.offer`);
- the transferability inputs (the same estimates and the same offer), criteria and the assessment of every province;
- the programme's activities: meetings, info desks, focus groups, coded free text
  (:class:`ProgrammeActivities`, the user's validated records or else the synthetic demo ones).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import pandas as pd

from wecare_analysis import territory as terr
from wecare_analysis.activities import ActivitiesIndicators, activities_source
from wecare_analysis.analysis.datasets import cached
from wecare_analysis.analysis.disclosure import with_joint_disclosure
from wecare_analysis.analysis.needs import (
    NeedsEstimates,
    SurveySource,
    estimate_needs,
    mrp_age_classes,
    province_prevalence,
    raked_design,
    region_population,
    region_respondents,
    survey_margins,
    survey_notes,
    survey_source,
)
from wecare_analysis.analysis.offer import ServiceOffer, criteria_access, service_offer
from wecare_analysis.analysis.parameters import RunParameters
from wecare_analysis.practices import load_catalogue
from wecare_analysis.practices.ahp import AHPResult
from wecare_analysis.practices.assess import (
    Assessment,
    TransferabilityInputs,
    assess_province,
    load_ahp,
    transferability_inputs,
)
from wecare_analysis.practices.catalogue import Catalogue
from wecare_analysis.practices.criteria import criteria_table
from wecare_analysis.survey.concepts import non_rilevato
from wecare_analysis.survey.design import SurveyDesign

#: Posterior draws of the small-area (MRP) estimates.
MRP_DRAWS = 400


@dataclass(frozen=True)
class ProgrammeActivities:
    """The activity indicators of the region (unsuppressed; the report applies ``indicators.k``) and
    whether the records are the synthetic demo ones (:func:`~wecare_analysis.activities.activities_source`)."""

    indicators: ActivitiesIndicators
    synthetic: bool


@dataclass
class RegionAnalysis:
    """The region-level results of a run (see the module docstring).

    ``design`` and ``needs`` are None when the survey has no respondent in the region (the
    programme surveyed Piedmont): the needs sections then say so, and the survey criteria of
    transferability are "non disponibile".
    """

    params: RunParameters
    territory: gpd.GeoDataFrame
    survey: SurveySource
    respondents: pd.DataFrame
    design: SurveyDesign | None
    needs: NeedsEstimates | None
    offer: ServiceOffer
    catalogue: Catalogue
    transfer_inputs: TransferabilityInputs
    ahp: AHPResult | None
    assessments: dict[str, Assessment]
    activities: ProgrammeActivities | None = None

    @property
    def region_name(self) -> str:
        """ISTAT name of the region (the name its rows carry in the estimates)."""
        return str(self.territory["region_name"].iloc[0])

    @property
    def surveyed(self) -> bool:
        """Whether the survey has respondents in the region."""
        return self.needs is not None

    @property
    def min_cell(self) -> int:
        """The disclosure threshold of every published cell."""
        return int(self.params.min_cell)

    @property
    def provinces(self) -> list[str]:
        """Sigle of the region's provinces, in ISTAT order."""
        return terr.province_sigle(self.territory)

    def assessment(self, sigla: str) -> Assessment:
        """The transferability assessment of province ``sigla``."""
        return self.assessments[sigla.upper()]


def _needs_part(params: RunParameters, territory: gpd.GeoDataFrame, survey: SurveySource
                ) -> tuple[SurveyDesign | None, NeedsEstimates | None]:
    respondents = region_respondents(survey.needs, territory)
    if respondents.empty:
        return None, None
    population = region_population(params.year, params.region, params.root)
    margins, notes = survey_margins(respondents, territory, population, survey.summary, params.year, params.region,
                                    params.root)
    design, notes = raked_design(respondents, territory, population, margins, notes)
    ages = None if margins is None else mrp_age_classes(survey.summary)
    estimates = estimate_needs(respondents, design, territory, population, params.min_cell, MRP_DRAWS,
                               age_classes=ages)
    # one suppression pattern for every table the reports publish together (profile, needs, region column)
    estimates = with_joint_disclosure(estimates, respondents, str(territory["region_name"].iloc[0]))
    return design, replace(estimates, raking_notes=tuple(notes))


def _transfer_part(params: RunParameters, territory: gpd.GeoDataFrame, survey: SurveySource,
                   design: SurveyDesign | None, offer: ServiceOffer, catalogue: Catalogue) -> TransferabilityInputs:
    respondents = region_respondents(survey.needs, territory)
    prevalence = firms = None
    if design is not None:
        prevalence = province_prevalence(respondents, design)
        if survey.asked("welfare_forms"):  # the firms' welfare forms: the "fit" criteria of the practices
            firms = pd.read_parquet(survey.respondents_file, columns=["firm_id", "province_sigla", "welfare_forms"])
            firms = firms[firms["province_sigla"].isin(pd.unique(territory["province_sigla"]))]
    notes = tuple(survey_notes(survey)) + (() if survey.asked("welfare_forms") else (
        f"Forme di welfare delle imprese: {non_rilevato('welfare_forms')}",))
    return transferability_inputs(catalogue, territory, prevalence, firms, criteria_access(offer), params.year,
                                  params.mef_path, params.third_sector_path, notes)


def _assessments(territory: gpd.GeoDataFrame, catalogue: Catalogue, inputs: TransferabilityInputs,
                 ahp: AHPResult | None) -> dict[str, Assessment]:
    """The assessment of every province of the region, from one criteria table (it covers them all)."""
    table = criteria_table(catalogue, inputs.criteria)
    return {sigla: assess_province(sigla, catalogue, inputs.criteria, ahp, table=table)
            for sigla in sorted(territory["province_sigla"].unique())}


def analyse_region(params: RunParameters) -> RegionAnalysis:
    """The region analysis of ``params`` (its region, year, survey, services, optional inputs, threshold).

    Every part is computed at most once per state of its declared inputs and shared by every
    report of the run (:func:`~wecare_analysis.analysis.datasets.cached`).

    Examples
    --------
    >>> analysis = analyse_region(RunParameters(region="01"))            # doctest: +SKIP
    >>> analysis.needs.groups.query("territory == 'BI' and group_var == 'all'")  # doctest: +SKIP
    """
    territory = terr.load_territory(params.year, params.region, params.root)
    survey = survey_source(params.root, params.year, params.region, params.survey_path)  # ingests it if needed
    design, needs = cached("needs", params, lambda: _needs_part(params, territory, survey))
    offer = cached("offer", params, lambda: service_offer(territory, params.year, params.root, params.services_path))
    catalogue = load_catalogue()
    inputs = cached("transfer_inputs", params,
                    lambda: _transfer_part(params, territory, survey, design, offer, catalogue))
    ahp = load_ahp(params.ahp_path)
    assessments = cached("assessments", params, lambda: _assessments(territory, catalogue, inputs, ahp))
    if needs is not None:
        survey = replace(survey, raking_notes=needs.raking_notes)
    activities = cached("activities", params, lambda: ProgrammeActivities(*activities_source(
        params.root, params.year, params.region, k=params.min_cell)))
    return RegionAnalysis(params, territory, survey, region_respondents(survey.needs, territory), design, needs,
                          offer, catalogue, inputs, ahp, assessments, activities)
