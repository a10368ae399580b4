"""The run's suppression pattern, decided once per region over every table the reports publish.

Every province report publishes its column of the respondent profile and of the needs table
next to the region's column; read together they are one system of linked tables
(:mod:`wecare_analysis.disclosure_joint`). :func:`joint_disclosure` computes the pattern of that
system on the true counts — the per-table pattern (:func:`~wecare_analysis.disclosure.suppression_mask`,
:func:`~wecare_analysis.disclosure.suppressed_estimates`) grown by
:func:`~wecare_analysis.disclosure_joint.protect` until the joint linear-programming audit passes —
and returns the published profile of every province with the region's column and the needs
estimates with the same pattern, so every province report and the overview show the same cells.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from wecare_analysis.analysis.needs import _design_block
from wecare_analysis.disclosure import COMPLEMENTARY_LABEL, suppression_label, suppression_mask
from wecare_analysis.disclosure_joint import REGION, protect, run_system
from wecare_analysis.survey.profile import PROFILE_VARIABLES, TOTAL_LABEL, profile_counts

#: Columns blanked in a needs domain the joint pattern hides.
_VALUE_COLUMNS = ("estimate", "se", "ci_low", "ci_high")


def profile_blocks(respondents: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Unsuppressed respondent counts by block title: categories × provinces and the region's column
    (:data:`~wecare_analysis.survey.profile.TOTAL_LABEL`), as :func:`~wecare_analysis.survey.profile.respondent_profile`
    lays them out."""
    blocks = {}
    for variable, title in PROFILE_VARIABLES.items():
        if variable not in respondents:
            continue
        counts = profile_counts(respondents, variable)
        counts = counts.loc[counts.sum(axis=1) > 0] if variable == "ateco_section" else counts
        counts[TOTAL_LABEL] = counts.sum(axis=1)
        blocks[title] = counts
    return blocks


def _profile_long(blocks: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = [(title, str(category), REGION if column == TOTAL_LABEL else str(column), float(value))
            for title, counts in blocks.items() for category, line in counts.iterrows()
            for column, value in line.items()]
    return pd.DataFrame(rows, columns=["block", "category", "column", "value"])


def _needs_long(groups: pd.DataFrame, region_name: str) -> pd.DataFrame:
    column = np.where(groups["territory"] == region_name, REGION, groups["territory"].astype(str))
    return pd.DataFrame({"area": groups["variable"].astype(str), "group_var": groups["group_var"].astype(str),
                         "group": groups["group"].astype(str), "column": column,
                         "value": groups["n"].astype(float)})


def joint_disclosure(respondents: pd.DataFrame, groups: pd.DataFrame, region_name: str, k: int
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published respondent profile and needs estimates of a region under one joint pattern.

    Parameters
    ----------
    respondents
        The region's respondents (profile variables, ``province_sigla``).
    groups
        :func:`~wecare_analysis.analysis.needs.design_estimates` (per-table pattern applied).
    region_name
        The name of the region's rows in ``groups``.
    k
        The disclosure threshold.

    Returns
    -------
    tuple
        The profile (as :func:`~wecare_analysis.survey.profile.respondent_profile`: rows
        ``(variabile, categoria)``, columns the provinces and the region) and ``groups`` with the
        cells the joint pattern hides marked ``suppressed`` (``n_label`` ``'n.p.'``, estimates NaN).
    """
    blocks = profile_blocks(respondents)
    profile_long = _profile_long(blocks)
    needs_long = _needs_long(groups, region_name)
    system = run_system(profile_long, needs_long)
    values = {key: value for key, value in system.cells.items()}  # true counts; the totals are None
    initial: dict[tuple, str] = {}
    for title, counts in blocks.items():
        mask = suppression_mask(counts, k)
        small = (counts > 0) & (counts < k)
        for category, line in mask.iterrows():
            for column, hidden in line.items():
                if hidden:
                    key = ("rispondenti", title, str(category), REGION if column == TOTAL_LABEL else str(column))
                    initial[key] = suppression_label(k) if small.loc[category, column] else COMPLEMENTARY_LABEL
    for (area, gv, group, column), label in zip(
            needs_long[["area", "group_var", "group", "column"]].itertuples(index=False, name=None),
            groups["n_label"], strict=True):
        if isinstance(label, str):
            initial[("bisogni", area, gv, group, column)] = label
    pattern = protect(values, system.relations, initial, k)
    return _published_profile(blocks, pattern), _hide_domains(groups, needs_long, pattern)


def _published_profile(blocks: dict[str, pd.DataFrame], pattern: dict[tuple, str]) -> pd.DataFrame:
    published = {}
    for title, counts in blocks.items():
        table = counts.astype(object)
        for category in counts.index:
            for column in counts.columns:
                key = ("rispondenti", title, str(category), REGION if column == TOTAL_LABEL else str(column))
                if key in pattern:
                    table.loc[category, column] = pattern[key]
        published[title] = table
    return pd.concat(published, names=["variabile", "categoria"])


def _hide_domains(groups: pd.DataFrame, needs_long: pd.DataFrame, pattern: dict[tuple, str]) -> pd.DataFrame:
    out = groups.copy()
    keys = [("bisogni", *row) for row in needs_long[["area", "group_var", "group", "column"]].itertuples(
        index=False, name=None)]
    hidden = np.array([key in pattern for key in keys], dtype=bool)
    newly = hidden & ~out["suppressed"].to_numpy(dtype=bool)
    out.loc[newly, "n_label"] = COMPLEMENTARY_LABEL
    out.loc[hidden, "suppressed"] = True
    present = [c for c in _VALUE_COLUMNS if c in out.columns]
    out.loc[hidden, present] = np.nan
    return out


def with_joint_disclosure(estimates, respondents: pd.DataFrame, region_name: str):
    """``estimates`` (:class:`~wecare_analysis.analysis.needs.NeedsEstimates`) with the joint pattern applied
    to ``groups`` (and its ``province``/``region`` blocks) and the published ``profile``."""

    profile, groups = joint_disclosure(respondents, estimates.groups, region_name, estimates.min_cell)
    is_region = groups["territory"] == region_name
    return replace(estimates, groups=groups, province=_design_block(groups[~is_region], "province_sigla"),
                   region=_design_block(groups[is_region], "territory"), profile=profile)
