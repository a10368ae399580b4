"""The regional overview run on its own: notebook ``09_regional_overview`` executed and published like a province.

``wecare run`` produces the overview after the provinces of a whole region; :func:`run_regional_overview`
does it alone (the same staging, HTML/PDF rendering, manifest and atomic publication).
"""

from __future__ import annotations

import os
from pathlib import Path

from wecare_analysis import territory as terr
from wecare_analysis.catalog import Catalog
from wecare_analysis.errors import WecareError
from wecare_analysis.pipeline import OVERVIEW_NOTEBOOKS, RunSpec, region_report_id, run_province
from wecare_analysis.pipeline.user_files import check_user_files


def run_regional_overview(year: int = 2023, region: str = "01", root: str | os.PathLike[str] | None = None,
                          pdf: bool = True, user_files: dict[str, str | os.PathLike[str] | None] | None = None
                          ) -> Path:
    """Execute ``09_regional_overview`` and publish ``reports/<REGION>/`` atomically; return that folder.

    ``user_files`` are the user's inputs by notebook parameter (``services_path``, ``mef_path``,
    ``third_sector_path``, ``ahp_path``), checked as ``wecare run`` checks them
    (:func:`~wecare_analysis.pipeline.user_files.check_user_files`).

    A thin call of the pipeline's own run (the same staging, HTML/PDF rendering,
    manifest and atomic publication as a province); ``wecare run`` does the same
    after the provinces of a whole region. On failure the previous folder is
    untouched and a :class:`~wecare_analysis.errors.WecareError` says why.
    """
    cat = Catalog(root)
    name = str(terr.load_territory(year, region, cat.root)["region_name"].iloc[0])
    spec = RunSpec(region_report_id(name), year, region, str(cat.root), "", notebooks=OVERVIEW_NOTEBOOKS,
                   kind="region", title=f"Wecare – quadro regionale: {name}", pdf=pdf,
                   user_files=tuple(check_user_files(user_files or {}, year, region, cat.root).items()))
    result = run_province(spec)
    if result.status not in ("ok", "parziale"):
        raise WecareError(f"regional overview {spec.province} failed: {result.error} (log: {result.log})", 1)
    return cat.report_dir(spec.province)
