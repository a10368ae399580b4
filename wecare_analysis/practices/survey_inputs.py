"""Survey-based inputs of the criteria: need prevalence and firms' welfare forms by province.

:func:`province_need_prevalence` uses the design-based estimator of
:mod:`wecare_analysis.survey.estimate` (firms as clusters, provinces as strata, as
in the tidy table of :mod:`wecare_analysis.survey.tidy`), raked to the ISTAT
residents 15–64 by province, sex and age class when those margins can be built
(respondents aged 65+ join the 55–64 class for raking);
when the estimator is not available it falls back on the unweighted share with the
binomial standard error :math:`\\sqrt{p(1-p)/n}` and says so in ``method``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PREVALENCE_COLUMNS = ["province_sigla", "need_area", "prevalence", "se", "n", "method"]
FORMS = ("unilateral", "bilateral", "contractual", "territorial")


def _need_columns(needs: pd.DataFrame) -> list[str]:
    return [c for c in needs.columns if c.startswith("need_")]


def unweighted_prevalence(needs: pd.DataFrame) -> pd.DataFrame:
    """Unweighted share of respondents in need per province × area, with :math:`se = \\sqrt{p(1-p)/n}`.

    Examples
    --------
    >>> t = pd.DataFrame({"province_sigla": ["BI"] * 4, "need_eldercare": [1, 0, 0, 1]})
    >>> unweighted_prevalence(t)[["prevalence", "se", "n"]].to_numpy().tolist()
    [[0.5, 0.25, 4.0]]
    """
    cols = _need_columns(needs)
    long = needs.melt(id_vars="province_sigla", value_vars=cols, var_name="variable", value_name="y").dropna()
    g = long.groupby(["province_sigla", "variable"])["y"].agg(["mean", "count"]).reset_index()
    return pd.DataFrame({"province_sigla": g["province_sigla"], "need_area": g["variable"].str[len("need_"):],
                         "prevalence": g["mean"], "se": np.sqrt(g["mean"] * (1 - g["mean"]) / g["count"]),
                         "n": g["count"].astype(float), "method": "media non ponderata"})


def _design(needs: pd.DataFrame, year: int, region: str, root) -> tuple[object, str]:
    from wecare_analysis.survey.design import survey_design
    from wecare_analysis.survey.weights import istat_margins, margin_specs, rake

    design = survey_design(len(needs), strata=needs["province_sigla"], cluster=needs["firm_id"], lonely_psu="adjust")
    try:
        # the few respondents aged 65+ are raked with the 55-64 class (workers, not all residents 65+)
        data = needs.rename(columns={"province_sigla": "province"}).replace({"age_class": {"65_plus": "55_64"}})
        specs = margin_specs(data, istat_margins(year, region, root=root))
        return rake(design, specs, maxit=50).design, "stima ponderata (raking sui residenti ISTAT 15-64 anni), errore da disegno"
    except Exception:  # noqa: BLE001 - raking is an improvement, the design estimate stands without it
        return design, "stima da disegno (pesi uniformi, imprese come grappoli)"


def province_need_prevalence(needs: pd.DataFrame, year: int = 2023, region: str = "01",
                             root=None) -> pd.DataFrame:
    """Return :data:`PREVALENCE_COLUMNS`: estimated share in need per province × need area.

    ``needs`` is the tidy table (``province_sigla``, ``firm_id``, ``sex``, ``age_class``, ``need_<area>``).
    """
    cols = _need_columns(needs)
    try:
        from wecare_analysis.survey.estimate import estimate_means

        design, method = _design(needs, year, region, root)
        est = estimate_means(needs, cols, design, by=["province_sigla"])
    except Exception:  # noqa: BLE001 - any failure of the estimator falls back, visibly
        return unweighted_prevalence(needs)[PREVALENCE_COLUMNS]
    return pd.DataFrame({"province_sigla": est["province_sigla"], "need_area": est["variable"].str[len("need_"):],
                         "prevalence": est["estimate"], "se": est["se"], "n": est["n"].astype(float),
                         "method": method})[PREVALENCE_COLUMNS]


def firm_welfare_profile(respondents: pd.DataFrame) -> pd.DataFrame:
    """Surveyed firms per province and how many already have each welfare form.

    ``respondents`` has ``firm_id``, ``province_sigla`` and ``welfare_forms`` (space-separated codes as in the
    codebook: unilateral, bilateral, contractual, territorial, none). Returns ``province_sigla, firms,
    with_<form>…, with_any``.

    Examples
    --------
    >>> r = pd.DataFrame({"firm_id": ["a", "a", "b", "c"], "province_sigla": ["BI"] * 4,
    ...                   "welfare_forms": ["bilateral", "bilateral", "none", "unilateral territorial"]})
    >>> firm_welfare_profile(r)[["firms", "with_bilateral", "with_territorial", "with_any"]].to_numpy().tolist()
    [[3, 1, 1, 2]]
    """
    firms = respondents.drop_duplicates("firm_id")
    forms = firms["welfare_forms"].fillna("").astype(str).str.split()
    out = pd.DataFrame({"province_sigla": firms["province_sigla"].to_numpy()})
    for f in FORMS:
        out[f"with_{f}"] = forms.map(lambda x, f=f: f in x).astype(int).to_numpy()
    out["with_any"] = out[[f"with_{f}" for f in FORMS]].max(axis=1)
    out["firms"] = 1
    g = out.groupby("province_sigla", as_index=False).sum()
    return g[["province_sigla", "firms", *[f"with_{f}" for f in FORMS], "with_any"]]
