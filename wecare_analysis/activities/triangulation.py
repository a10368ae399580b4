"""Do the three sources agree on which needs matter most? Ranks of the need areas side by side.

For each need area of the codebook: its rank in the survey (weighted share of
respondents with the need, :func:`survey_shares`), in the desk requests (number of
contacts whose request is that area) and in the focus groups (sum of the theme's
strengths over the groups). Rank 1 is the highest; ties share the mean of their
ranks (``pandas.Series.rank(method="average", ascending=False)``).

Desk counts are ranked as published (:func:`~wecare_analysis.activities.indicators.published_counts`):
a count under the disclosure threshold is merged into "altre aree" and ranks as 0,
so the ranks tell no more than the published table.

Agreement between two sources is measured over the areas both rank: Kendall's
tau-b (:func:`scipy.stats.kendalltau`; Kendall 1945, "The treatment of ties in
ranking problems") and Spearman's rho (:func:`scipy.stats.spearmanr`), and
worded in Italian by :func:`agreement_sentence`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from wecare_analysis.formatting import format_it

SOURCES = {"survey": "indagine", "desk": "sportelli", "focus": "focus group"}
#: Italian words for |tau|: at least 0.5 strong, 0.3 moderate, 0.1 weak, else none.
AGREEMENT_WORDS = ((0.5, "forte"), (0.3, "moderata"), (0.1, "debole"))


def survey_shares(estimates: pd.DataFrame, territory: str) -> pd.Series:
    """Weighted share of each need area in ``territory`` (a sigla or the region's label) from the
    needs estimates of the region analysis, ``RegionAnalysis.needs.groups`` (rows with
    ``group_var == 'all'``; columns ``territory``, ``variable`` = ``need_<area>``, ``estimate``).
    Suppressed domains (NaN) stay NaN.
    """
    rows = estimates[(estimates["group_var"] == "all") & (estimates["territory"] == territory)]
    return pd.Series(rows["estimate"].to_numpy(dtype=float),
                     index=rows["variable"].str.removeprefix("need_").to_numpy(), name="survey")


def _ranks(values: pd.Series) -> pd.Series:
    return values.rank(method="average", ascending=False)


def desk_rank_values(published: pd.Series) -> pd.Series:
    """Published desk counts as ranked: numbers as they are, merged cells (a label) as 0.

    >>> desk_rank_values(pd.Series([12, "in altre aree", 5], dtype=object)).tolist()
    [12.0, 0.0, 5.0]
    """
    return published.map(lambda v: 0.0 if isinstance(v, str) else float(v)).astype(float)


def triangulation_table(areas: list[str], survey: pd.Series, desk: pd.Series, focus: pd.Series) -> pd.DataFrame:
    """One row per need area: ``area, survey_share, survey_rank, desk_requests, desk_rank, focus_score,
    focus_rank`` (ranks as in the module docstring; an area the survey has no share for has no rank).

    ``desk`` holds the published desk requests per area (numbers, or the merged-cell label).
    """
    out = pd.DataFrame({"area": areas})
    out["survey_share"] = out["area"].map(survey).astype(float)
    out["desk_requests"] = out["area"].map(desk).fillna(0)
    out["focus_score"] = out["area"].map(focus).fillna(0).astype(float)
    out["survey_rank"] = _ranks(out["survey_share"])
    out["desk_rank"] = _ranks(desk_rank_values(out["desk_requests"]))
    out["focus_rank"] = _ranks(out["focus_score"])
    return out[["area", "survey_share", "survey_rank", "desk_requests", "desk_rank", "focus_score", "focus_rank"]]


def agreement(table: pd.DataFrame) -> pd.DataFrame:
    """Kendall's tau-b and Spearman's rho between each pair of sources, over the areas both rank.

    Returns ``first, second, areas, kendall_tau, kendall_p, spearman_rho, spearman_p``
    (NaN when fewer than 3 areas or a source gives every area the same rank).
    """
    rows = []
    for a, b in (("survey", "desk"), ("survey", "focus"), ("desk", "focus")):
        both = table[[f"{a}_rank", f"{b}_rank"]].dropna()
        x, y = both[f"{a}_rank"].to_numpy(), both[f"{b}_rank"].to_numpy()
        ok = len(both) >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0
        tau = stats.kendalltau(x, y) if ok else None
        rho = stats.spearmanr(x, y) if ok else None
        rows.append({"first": a, "second": b, "areas": len(both),
                     "kendall_tau": float(tau.statistic) if ok else np.nan,
                     "kendall_p": float(tau.pvalue) if ok else np.nan,
                     "spearman_rho": float(rho.statistic) if ok else np.nan,
                     "spearman_p": float(rho.pvalue) if ok else np.nan})
    return pd.DataFrame(rows)


def agreement_word(tau: float) -> str:
    """Italian word for the strength of an agreement: ``forte``, ``moderata``, ``debole``, ``nulla``.

    >>> agreement_word(0.62), agreement_word(-0.35), agreement_word(0.05)
    ('forte', 'moderata', 'nulla')
    """
    size = abs(tau)
    return next((word for limit, word in AGREEMENT_WORDS if size >= limit), "nulla")


def agreement_sentence(row: pd.Series) -> str:
    """One Italian sentence for a row of :func:`agreement`.

    >>> print(agreement_sentence(pd.Series({"first": "survey", "second": "desk", "areas": 18,
    ...                                      "kendall_tau": 0.412, "spearman_rho": 0.55})))
    Indagine e sportelli concordano in misura moderata nell'ordinare le aree di bisogno (tau di Kendall 0,41, rho di Spearman 0,55, 18 aree).
    """
    first, second = SOURCES[row["first"]].capitalize(), SOURCES[row["second"]]
    tau = row["kendall_tau"]
    if pd.isna(tau):
        return (f"{first} e {second}: accordo non calcolabile (meno di 3 aree con un valore, o tutte le aree "
                "alla pari in una delle due fonti).")
    word = agreement_word(tau)
    figures = (f"tau di Kendall {format_it(tau, 2)}, rho di Spearman {format_it(row['spearman_rho'], 2)}, "
               f"{format_it(row['areas'])} aree")
    if word == "nulla":
        return f"{first} e {second} non concordano nell'ordinare le aree di bisogno ({figures})."
    sense = "concordano" if tau > 0 else "sono in disaccordo"
    return f"{first} e {second} {sense} in misura {word} nell'ordinare le aree di bisogno ({figures})."
