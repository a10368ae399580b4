"""Unweighted respondent profile (who answered), with small-cell suppression.

:func:`respondent_profile` counts respondents by province for each profile
variable (role, sex, age class, firm size, ATECO section, artisan firm), with
Italian row labels from the codebook; every block is passed through
:func:`wecare_analysis.disclosure.suppressed_counts`, so no published cell is
below the threshold (default 5) and none can be recomputed from the totals.
"""

from __future__ import annotations

import pandas as pd

from wecare_analysis.disclosure import suppressed_counts
from wecare_analysis.survey.codebook import Codebook, load_codebook
from wecare_analysis.survey.concepts import age_band_edges

#: Profile variables and the Italian title of their block.
PROFILE_VARIABLES = {"role": "Ruolo", "sex": "Sesso", "age_class": "Classe di età",
                     "size_class": "Addetti dell'impresa", "ateco_section": "Settore (sezione ATECO)",
                     "artisan": "Impresa artigiana"}
TOTAL_LABEL = "Piemonte"


def profile_counts(table: pd.DataFrame, variable: str, by: str = "province_sigla",
                   book: Codebook | None = None) -> pd.DataFrame:
    """Respondents by category of ``variable`` (rows, Italian labels) × ``by`` (columns), no suppression."""
    book = book or load_codebook()
    q = book.question(variable)
    values = table[variable]
    if values.dtype == bool:
        values = values.map({True: "yes", False: "no"})
    options = list(book.options(q))
    if variable == "age_class" and not set(values.dropna()) <= {code for code, _ in options}:
        options = survey_age_bands(values)  # the survey's own bands (a questionnaire of its own)
    codes = [code for code, _ in options]
    counts = pd.crosstab(values, table[by]).reindex(codes, fill_value=0)
    counts.index = pd.Index([label if label.upper() != label else label.capitalize()
                             for _, label in options], name=q.label)
    counts.columns.name = None
    return counts


def survey_age_bands(values: pd.Series) -> list[tuple[str, str]]:
    """``(code, Italian label)`` of the age bands found, youngest first: ``55_plus`` → ``'55 anni e più'``.

    >>> survey_age_bands(pd.Series(["55_plus", "18_34", None]))
    [('18_34', '18-34 anni'), ('55_plus', '55 anni e più')]
    """

    edges = age_band_edges(sorted(set(values.dropna())))
    return [(code, f"{lo} anni e più" if code.endswith("_plus") else f"{lo}-{hi} anni")
            for code, (lo, hi) in edges.items()]


def respondent_profile(table: pd.DataFrame, by: str = "province_sigla", k: int | None = None,
                       book: Codebook | None = None) -> pd.DataFrame:
    """Return the suppressed respondent profile: rows ``(variable label, category)``, columns ``by`` + total.

    Cells below ``k`` respondents (and their complements) read ``'< k'``.
    """
    book = book or load_codebook()
    blocks = {}
    for variable, title in PROFILE_VARIABLES.items():
        if variable not in table:
            continue
        counts = profile_counts(table, variable, by, book)
        counts = counts.loc[counts.sum(axis=1) > 0] if variable == "ateco_section" else counts
        counts[TOTAL_LABEL] = counts.sum(axis=1)
        blocks[title] = suppressed_counts(counts, k)
    return pd.concat(blocks, names=["variabile", "categoria"])


def format_count_it(value: object) -> str:
    """Italian format of a count (``1234`` → ``'1.234'``); suppressed labels pass through.

    Examples
    --------
    >>> format_count_it(1234567), format_count_it("< 5")
    ('1.234.567', '< 5')
    """
    if isinstance(value, str):
        return value
    return f"{int(value):,}".replace(",", ".")
