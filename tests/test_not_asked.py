"""Sections that need a concept the questionnaire did not ask say so (issue 14): notes and the model behind them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.analysis.needs import SurveySource
from wecare_analysis.report import not_asked as na


def _survey(missing: list[str]) -> SurveySource:
    return SurveySource(pd.DataFrame(), Path("indagine.xlsx"), False, 10, 10, 0, summary={"concepts_missing": missing})


def test_group_notes_for_concepts_not_asked_or_not_answered():
    groups = pd.DataFrame({"group_var": ["all", "sex"]})
    survey = _survey(["role"])
    assert na.group_note(survey, groups, "sex") is None  # asked and estimated: the chart is drawn
    assert na.group_note(survey, groups, "role") == ("Differenze tra dipendenti e titolari: non rilevato (il "
                                                     "questionario non chiedeva il ruolo nell'impresa).")
    # asked, but no respondent stated it: no rows of that grouping
    assert na.group_note(_survey([]), groups[groups["group_var"] == "all"], "sex") == (
        "Differenze tra donne e uomini: non calcolate (nessun rispondente ha indicato il sesso).")
    assert na.group_note(None, None, "sex") is None  # the shipped questionnaire


def test_small_area_and_welfare_forms_notes():
    assert na.small_area_note(_survey([])) is None
    assert na.small_area_note(_survey(["sex", "age_class"])) == (
        "Stime per comune: il questionario non chiedeva il sesso e l'età, quindi il modello non distingue donne e "
        "uomini né le classi di età (non rilevato).")
    assert na.welfare_forms_note(_survey([])) is None
    assert na.welfare_forms_note(_survey(["welfare_forms"])) == (
        "Imprese con welfare (criterio di trasferibilità): non rilevato (il questionario non chiedeva le forme di "
        "welfare già presenti in impresa); i pesi degli altri criteri sono riproporzionati.")


def test_need_definition_follows_the_questionnaire():
    assert na.need_definition(None) == na.need_definition(_survey([])) == na.SHIPPED_NEED_DEFINITION
    scales = {"need_a": {"points": 4, "expressed_from": 3}, "need_b": {"points": 7, "expressed_from": 5},
              "need_c": {"points": 3, "expressed_from": 3}}
    survey = SurveySource(pd.DataFrame(), Path("x.csv"), False, 1, 1, 0,
                          summary={"need_scales": scales, "needs_lists": ["mobility"]})
    assert na.need_definition(survey) == ("che esprimono ciascun bisogno (nelle domande a scala: 3 su 3, 3 o 4 su 4, "
                                          "da 5 a 7 su 7; negli elenchi di servizi: il servizio scelto)")
    # a yes/no item (no points listed by the mapping)
    survey.summary["need_scales"] = {"need_h": {"points": 5, "expressed_from": 4, "points_listed": False}}
    assert na.need_definition(survey) == ("che esprimono ciascun bisogno (nelle domande sì/no: «sì»; nelle scale "
                                          "senza etichette: da 4 in su; negli elenchi di servizi: il servizio scelto)")


def test_role_shares_of_a_survey_without_sex_are_by_age_class():
    """pi_{r|a} = (n_a * share_{r|a} + c * share_r) / (n_a + c), c = ROLE_PRIOR_COUNT, the same for both sexes."""
    from wecare_analysis.survey.small_area import ROLE_PRIOR_COUNT, _cell_frame

    cells = pd.DataFrame({"municipality_code": 1, "age_class": ["a", "a", "b", "b"], "sex": ["F", "M", "F", "M"],
                          "residents": [10.0, 10, 10, 10]})
    data = pd.DataFrame({"age_class": ["a", "a", "a", "b"], "role": ["employee", "employee", "owner", "owner"]})
    frame, pi = _cell_frame(cells, data, None)
    c = ROLE_PRIOR_COUNT
    overall = np.array([2, 2]) / 4  # employee, owner
    a = (3 * np.array([2 / 3, 1 / 3]) + c * overall) / (3 + c)
    b = (1 * np.array([0.0, 1.0]) + c * overall) / (1 + c)
    assert pi == pytest.approx(np.vstack([a, a, b, b]))  # rows: (a, F), (a, M), (b, F), (b, M)
    assert frame[["age_class", "sex", "role"]].drop_duplicates().shape[0] == 8
