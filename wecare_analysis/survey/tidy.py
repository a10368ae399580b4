"""The tidy respondent table that estimation works on.

:func:`needs_table` turns the validated, pseudonymised survey into one row per
respondent with these columns:

=========================  ==================================================================
column                     meaning
=========================  ==================================================================
``respondent_id``          pseudonymous respondent id (salted hash)
``firm_id``                pseudonymous firm id: the **cluster** of the design (when the
                           questionnaire asked no firm code, the respondent id: each
                           respondent is its own cluster)
``province_sigla``         province ('TO', 'VC', ...): the **stratum** of the design
``province_code``          ISTAT province code (int: 1, 2, ..., 96, 103)
``municipality_code``      ISTAT municipality code (int, e.g. 1272 Torino), reconciled
``sex``                    'F' / 'M'
``age_class``              '18_24', '25_34', '35_44', '45_54', '55_64', '65_plus'
``role``                   'employee', 'owner', 'collaborator'
``size_class``             firm size: '0_1', '2_9', '10_49', '50_249'
``ateco_section``          ATECO 2025 section letter
``artisan``                bool
``children_0_2`` ...       number of children 0–2, 3–5, 6–14 (int)
``dependent_elderly``      bool
``commute_minutes``        int
``need_<area>``            0/1 (int8): 1 when the Likert answer of the area is 4 or 5
=========================  ==================================================================

``<area>`` runs over the codebook's need areas (``childcare_0_2``,
``childcare_3_5``, ``childcare_6_14``, ``eldercare``, ``health_prevention``,
``psychological_support``, ``supplementary_pension``, ``purchasing_power``,
``housing``, ``training``, ``mobility``, ``errands_concierge``, ``smart_working``,
``leisure_wellbeing``, ``inclusion``, ``safety``, ``supplier_network``,
``community``); :data:`NEED_THRESHOLD` sets the cut.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from wecare_analysis.survey.codebook import Codebook, load_codebook

NEED_THRESHOLD = 4
PROFILE_COLUMNS = ["respondent_id", "firm_id", "province_sigla", "province_code", "municipality_code", "sex",
                   "age_class", "role", "size_class", "ateco_section", "artisan", "children_0_2",
                   "children_3_5", "children_6_14", "dependent_elderly", "commute_minutes"]


def need_columns(book: Codebook | None = None) -> list[str]:
    """Names of the 0/1 need columns of :func:`needs_table`, in codebook order."""
    book = book or load_codebook()
    return [f"need_{area}" for area in book.need_area_codes]


def needs_table(clean: pd.DataFrame, book: Codebook | None = None,
                expressed_at: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Return the tidy respondent table (columns in the module docstring) of a pseudonymised survey.

    ``expressed_at`` gives, per need question, the lowest answer at which the need counts as
    expressed (default :data:`NEED_THRESHOLD`; 1 for surveys read through a form or mapping,
    whose need columns are already 0/1). A need column with unanswered items is float with NaN
    there (the estimators leave them out); complete ones stay int8.

    Examples
    --------
    >>> row = {"respondent_id": "R1", "need_mobility": 4, "need_housing": 2, "artisan": "yes"}
    >>> t = needs_table(pd.DataFrame([row]))
    >>> int(t.loc[0, "need_mobility"]), int(t.loc[0, "need_housing"]), bool(t.loc[0, "artisan"])
    (1, 0, True)
    """
    book = book or load_codebook()
    out = pd.DataFrame(index=clean.index)
    for col in PROFILE_COLUMNS:
        if col in clean:
            out[col] = clean[col]
    if "firm_id" not in out and "respondent_id" in out:  # no firm code asked: each respondent its own cluster
        out["firm_id"] = out["respondent_id"]
    for col in ("artisan", "dependent_elderly"):
        if col in out:
            out[col] = out[col].eq("yes")
    for q in book.need_questions:
        if q.name in clean:
            cut = (expressed_at or {}).get(q.name, NEED_THRESHOLD)
            values = pd.to_numeric(clean[q.name]).astype("Float64")
            flags = (values >= cut).astype("Float64").where(values.notna())
            out[q.name] = flags.astype("int8") if flags.notna().all() else flags.astype("float64")
    return out.reset_index(drop=True)
