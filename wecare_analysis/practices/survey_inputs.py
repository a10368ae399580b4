"""Survey-based inputs of the criteria: firms' welfare forms by province.

The need prevalence comes from the region analysis's design-based estimates
(:func:`wecare_analysis.analysis.needs.province_prevalence`): one estimate path for the
reports and the criteria.
"""

from __future__ import annotations

import pandas as pd

FORMS = ("unilateral", "bilateral", "contractual", "territorial")


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
