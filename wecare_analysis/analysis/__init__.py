"""The region analysis: computed once, typed, the single source every report and notebook renders from.

>>> from wecare_analysis.analysis import RunParameters, analyse_region
>>> analysis = analyse_region(RunParameters(region="01", min_cell=10))   # doctest: +SKIP
>>> analysis.needs.groups, analysis.offer.gaps, analysis.assessment("BI").ranking   # doctest: +SKIP

Layers: :mod:`territory`, :mod:`survey`, :mod:`services`, :mod:`access` → :mod:`gaps`,
:mod:`practices` → ``analysis`` → :mod:`report` → :mod:`pipeline` → CLI.
"""

from wecare_analysis.analysis.datasets import DATASETS, REPORT_DATASETS, declared_files, input_digests
from wecare_analysis.analysis.needs import NeedsEstimates, SurveySource
from wecare_analysis.analysis.offer import ServiceOffer
from wecare_analysis.analysis.parameters import NOTEBOOK_PARAMETERS, RunParameters
from wecare_analysis.analysis.region import ProgrammeActivities, RegionAnalysis, analyse_region

__all__ = ["DATASETS", "NOTEBOOK_PARAMETERS", "REPORT_DATASETS", "NeedsEstimates", "ProgrammeActivities", "RegionAnalysis",
           "RunParameters", "ServiceOffer", "SurveySource", "analyse_region", "declared_files", "input_digests"]
