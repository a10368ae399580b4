"""Criterion weights: equal per category by default, or AHP; renormalised over the available criteria.

Default: each criterion category (population, environment, implementation, scale)
weighs the same, shared equally by its criteria. AHP weights come from a
pairwise-comparison matrix (:mod:`wecare_analysis.practices.ahp`) over categories
(then shared equally inside each category) or over criteria.

When a criterion is not available (its optional input is absent), its weight goes
to the other criteria of the same category in proportion to their weights; if the
whole category is unavailable, to all remaining criteria. The table returned keeps
both the chosen and the used weight, so the renormalisation is visible.
"""

from __future__ import annotations

import pandas as pd

from wecare_analysis.errors import InputError
from wecare_analysis.practices.ahp import AHPResult
from wecare_analysis.practices.criteria import CATEGORIES, CRITERIA

WEIGHT_COLUMNS = ["criterion", "category", "weight_chosen", "weight", "status", "source"]


def chosen_weights(criteria: list[str] | None = None, ahp: AHPResult | None = None) -> tuple[pd.Series, str]:
    """Return the chosen weight of each criterion (sum 1) and a label of where they come from.

    Examples
    --------
    >>> w, _ = chosen_weights(["need_prevalence", "beneficiary_share", "density_fit", "scale_fit"])
    >>> w.round(4).tolist()
    [0.1667, 0.1667, 0.3333, 0.3333]
    """
    criteria = list(criteria or CRITERIA)
    unknown = [c for c in criteria if c not in CRITERIA]
    if unknown:
        raise InputError(f"unknown criteria {', '.join(unknown)}; expected some of {', '.join(CRITERIA)}.")
    cats = pd.Series({c: CRITERIA[c].category for c in criteria})
    if ahp is None:
        per_cat = pd.Series(1.0 / cats.nunique(), index=cats.unique())
        source = "pesi uguali per categoria"
    else:
        items = list(ahp.weights.index)
        if set(items) <= set(CATEGORIES):
            per_cat = ahp.weights.reindex(cats.unique()).fillna(0.0)
            source = "AHP sulle categorie"
        elif set(items) <= set(CRITERIA):
            w = ahp.weights.reindex(criteria).fillna(0.0)
            return w / w.sum(), "AHP sui criteri"
        else:
            raise InputError(f"the AHP matrix compares {', '.join(map(str, items))}: expected criterion ids "
                             f"({', '.join(CRITERIA)}) or categories ({', '.join(CATEGORIES)}).")
    w = pd.Series({c: per_cat[cats[c]] / (cats == cats[c]).sum() for c in criteria})
    return w / w.sum(), source


def criterion_weights(criteria: list[str] | None = None, unavailable: list[str] | None = None,
                      ahp: AHPResult | None = None) -> pd.DataFrame:
    """Return the weights table (:data:`WEIGHT_COLUMNS`): chosen weight, used weight after renormalisation.

    Examples
    --------
    >>> t = criterion_weights(["need_prevalence", "beneficiary_share", "density_fit", "income_fit"],
    ...                       unavailable=["income_fit"])
    >>> t["weight"].round(4).tolist()
    [0.25, 0.25, 0.5, 0.0]
    """
    criteria = list(criteria or CRITERIA)
    unavailable = set(unavailable or [])
    chosen, source = chosen_weights(criteria, ahp)
    table = pd.DataFrame({"criterion": criteria, "category": [CRITERIA[c].category for c in criteria],
                          "weight_chosen": chosen.to_numpy()})
    avail = ~table["criterion"].isin(unavailable)
    used = table["weight_chosen"].where(avail, 0.0)
    for cat, part in table.groupby("category"):
        lost = part.loc[~avail[part.index], "weight_chosen"].sum()
        keep = part.index[avail[part.index]]
        if lost > 0 and len(keep) and used[keep].sum() > 0:
            used[keep] += lost * used[keep] / used[keep].sum()
    total = used.sum()
    if not total > 0:
        raise InputError("no criterion with a positive weight is available.")
    table["weight"] = used / total
    table["status"] = ["non disponibile" if c in unavailable else ("peso nullo" if w == 0 else "usato")
                       for c, w in zip(table["criterion"], table["weight_chosen"])]
    table["source"] = source
    return table[WEIGHT_COLUMNS]
