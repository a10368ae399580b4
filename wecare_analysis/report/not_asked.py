"""Italian "non rilevato" notes of the report sections that need a concept the questionnaire did not ask.

A questionnaire that is not the shipped one (``wecare run --survey EXPORT --form FORM``) may
not ask the respondent's sex, role or age, nor the firm's welfare forms. The sections that
need such a concept print one of these notes in place of their chart or criterion, instead
of an empty chart or a failure:

- :func:`group_note`: the comparison of women and men, or of employees and owners
  (report 00 and notebook 05);
- :func:`small_area_note`: what the small-area (MRP) model could not distinguish;
- :func:`welfare_forms_note`: the transferability criterion "Imprese con welfare";
- :func:`need_definition`: when a need counts as expressed, in the questionnaire's own terms.

Each note returns None when the section can be shown as it is.
"""

from __future__ import annotations

import pandas as pd

from wecare_analysis.analysis.needs import SurveySource

#: Concept -> (Italian title of the section that needs it, what the questionnaire did not ask).
SECTIONS = {
    "sex": ("Differenze tra donne e uomini", "il sesso"),
    "role": ("Differenze tra dipendenti e titolari", "il ruolo nell'impresa"),
    "welfare_forms": ("Imprese con welfare (criterio di trasferibilità)",
                      "le forme di welfare già presenti in impresa"),
}
#: Concept -> what the small-area model leaves out without it (Italian).
MODEL_PARTS = {"sex": ("il sesso", "donne e uomini"), "age_class": ("l'età", "le classi di età")}


def not_asked_note(survey: SurveySource | None, concept: str) -> str | None:
    """``'<section>: non rilevato (il questionario non chiedeva <concept>).'``; None when it was asked.

    >>> from pathlib import Path
    >>> src = SurveySource(pd.DataFrame(), Path("x.csv"), False, 1, 1, 0, summary={"concepts_missing": ["sex"]})
    >>> not_asked_note(src, "sex")
    'Differenze tra donne e uomini: non rilevato (il questionario non chiedeva il sesso).'
    >>> not_asked_note(src, "role") is None
    True
    """
    if survey is None or survey.asked(concept):
        return None
    title, what = SECTIONS[concept]
    return f"{title}: non rilevato (il questionario non chiedeva {what})."


def group_note(survey: SurveySource | None, groups: pd.DataFrame | None, group_var: str) -> str | None:
    """Note in place of the chart comparing the groups of ``group_var`` (``'sex'`` or ``'role'``).

    "non rilevato" when the questionnaire did not ask it; when it was asked but the estimates
    (``groups``: :func:`~wecare_analysis.analysis.needs.design_estimates`) have no row of that
    grouping (nobody answered it), a note saying so. None when the chart can be drawn.
    """
    note = not_asked_note(survey, group_var)
    if note or groups is None or (groups["group_var"] == group_var).any():
        return note
    title, what = SECTIONS[group_var]
    return f"{title}: non calcolate (nessun rispondente ha indicato {what})."


def small_area_note(survey: SurveySource | None) -> str | None:
    """What the small-area (MRP) estimates could not distinguish, for the concepts not asked; None if all were.

    >>> from pathlib import Path
    >>> src = SurveySource(pd.DataFrame(), Path("x.csv"), False, 1, 1, 0, summary={"concepts_missing": ["sex"]})
    >>> small_area_note(src)
    'Stime per comune: il questionario non chiedeva il sesso, quindi il modello non distingue donne e uomini (non rilevato).'
    """
    missing = [parts for concept, parts in MODEL_PARTS.items() if survey is not None and not survey.asked(concept)]
    if not missing:
        return None
    what = " e ".join(m[0] for m in missing)
    groups = " né ".join(m[1] for m in missing)
    return f"Stime per comune: il questionario non chiedeva {what}, quindi il modello non distingue {groups} (non rilevato)."


def welfare_forms_note(survey: SurveySource | None) -> str | None:
    """Note on the transferability criterion "Imprese con welfare" when the firms' welfare forms were not asked."""
    note = not_asked_note(survey, "welfare_forms")
    if note is None:
        return None
    return note.removesuffix(".") + "; i pesi degli altri criteri sono riproporzionati."


#: When a need counts as expressed in the shipped questionnaire (Italian).
SHIPPED_NEED_DEFINITION = "che giudicano importante (4 o 5 su 5) ciascun bisogno"


def need_definition(survey: SurveySource | None) -> str:
    """Italian phrase "respondents ..." saying when a need counts as expressed.

    The shipped questionnaire: 4 or 5 on its 5-point scale. A questionnaire read through a form or a
    mapping (``need_scales`` in its ``validation.json``): the rule of
    :func:`~wecare_analysis.survey.mapped.expressed_from`, and the services chosen from a list.

    >>> from pathlib import Path
    >>> src = SurveySource(pd.DataFrame(), Path("x.csv"), False, 1, 1, 0,
    ...                    summary={"need_scales": {"need_eldercare": {"points": 4, "expressed_from": 3}}})
    >>> need_definition(src)
    'che esprimono ciascun bisogno (nelle domande a scala: 3 o 4 su 4)'
    """
    summary = (survey.summary or {}) if survey is not None else {}
    if "need_scales" not in summary:
        return SHIPPED_NEED_DEFINITION
    scales = summary["need_scales"].values()
    parts = []
    for points, lowest in sorted({(s["points"], s["expressed_from"]) for s in scales if s.get("points_listed", 1)}):
        top = (f"{points} su {points}" if lowest >= points else f"{lowest} o {points} su {points}"
               if lowest == points - 1 else f"da {lowest} a {points} su {points}")
        parts.append(top)
    rules = [f"nelle domande a scala: {', '.join(parts)}"] if parts else []
    for lowest in sorted({s["expressed_from"] for s in scales if not s.get("points_listed", 1)}):
        # points not listed by the form or mapping: a yes/no item, or numbers on the codebook's 5-point scale
        rules.append(f"nelle domande sì/no: «sì»; nelle scale senza etichette: da {lowest} in su")
    if summary.get("needs_lists"):
        rules.append("negli elenchi di servizi: il servizio scelto")
    return "che esprimono ciascun bisogno" + (f" ({'; '.join(rules)})" if rules else "")
