"""What readers see of transferability: Italian ticks on a 0–1 axis, units dropped on missing figures,
acronyms kept in preconditions, Italian display tables and numeric published tables."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_practices_criteria import toy_inputs

from wecare_analysis.practices.assess import assess_province
from wecare_analysis.practices.catalogue import load_catalogue
from wecare_analysis.practices.criteria import figure_text
from wecare_analysis.practices.optional_inputs import OptionalInput
from wecare_analysis.report import transferability as tr

ITALIAN_UNIT_TICKS = ["0", "0,2", "0,4", "0,6", "0,8", "1"]


@pytest.fixture(scope="module")
def toy_assessment():
    """Catalogue and assessment of province AA of the toy territory (income and third-sector files given)."""
    catalogue = load_catalogue()
    return catalogue, assess_province("AA", catalogue, toy_inputs(), n_draws=100)


def _tick_labels(axis) -> list[str]:
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels()]


def test_tick_text_is_italian_without_trailing_zeros():
    assert [tr.tick_text(v) for v in (0, 0.2, 0.5, 1, 0.25, 1234.5)] == ["0", "0,2", "0,5", "1", "0,25",
                                                                          "1.234,5"]


def test_ranking_chart_axis_is_0_to_1_with_italian_ticks_and_labels_inside(toy_assessment):
    _, a = toy_assessment
    fig = tr.ranking_figure(a)
    try:
        left = fig.axes[0]
        assert left.get_xlim() == (0.0, 1.0)
        assert _tick_labels(left.xaxis) == ITALIAN_UNIT_TICKS
        labels = [t for t in left.texts if "prime 3" in t.get_text()]
        assert len(labels) == len(a.ranking)
        renderer = fig.canvas.get_renderer()
        box = left.get_window_extent(renderer)
        for t in labels:  # every bar label stays inside the 0-1 panel
            extent = t.get_window_extent(renderer)
            assert box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1, t.get_text()
        assert "." not in "".join(_tick_labels(left.xaxis))
    finally:
        plt.close(fig)


def test_colour_scales_read_italian(toy_assessment):
    _, a = toy_assessment
    heat, stability = tr.heatmap_figure(a), tr.rank_stability_figure(a)
    try:
        assert _tick_labels(heat.axes[-1].yaxis) == ITALIAN_UNIT_TICKS
        assert _tick_labels(stability.axes[-1].yaxis) == ["0%", "20%", "40%", "60%", "80%", "100%"]
    finally:
        plt.close(heat)
        plt.close(stability)


def test_missing_figure_has_no_unit():
    assert figure_text(float("nan"), "euro") == "n.d."
    assert figure_text(None, "euro") == "n.d."
    assert figure_text(np.nan, "share") == "n.d."
    assert figure_text(23456.4, "euro") == "23.456 euro"


def test_precondition_keeps_acronyms(toy_assessment):
    assert tr.lower_first("ASL locale") == "ASL locale"
    assert tr.lower_first("Collaborazione con ASL e Comuni") == "collaborazione con ASL e Comuni"
    assert tr.lower_first("ASL/ATS del distretto") == "ASL/ATS del distretto"
    assert tr.lower_first("A livello comunale") == "a livello comunale"
    catalogue, a = toy_assessment
    text = tr.practice_paragraph(a, catalogue, "rete_talenti_latenti")
    assert "collaborazione con ASL, enti gestori dei servizi sociali e Comuni" in text
    assert " asl" not in text and " comuni." not in text


def test_export_table_is_numeric_and_equals_the_assessment(toy_assessment):
    _, a = toy_assessment
    table = tr.ranking_table_export(a)
    numeric = [c for c in table.columns if c not in ("Provincia", "Pratica")]
    assert all(pd.api.types.is_numeric_dtype(table[c]) for c in numeric)
    assert "Prob. 1ª posizione (%)" in table.columns and "Prob. prime 3 (%)" in table.columns
    first = a.ranking.iloc[0]
    row = table.iloc[0]
    assert row["Pratica"] == first["practice_name"] and row["TOPSIS"] == first["topsis"]
    assert row["Prob. prime 3 (%)"] == pytest.approx(100 * first["p_top3"])
    assert table["Prob. prime 3 (%)"].between(0, 100).all() and table["TOPSIS"].between(0, 1).all()
    assert (table["Provincia"] == "AA").all()
    # the display version stays Italian text
    assert tr.ranking_table_it(a)["TOPSIS"].iat[0] == tr.score_text(first["topsis"])


def test_workbook_holds_numbers(toy_assessment, tmp_path):
    _, a = toy_assessment
    optional = [OptionalInput("mef_irpef", "mef.csv", "usato", rows_read=1234, rows_kept=1200, rows_quarantined=34)]
    path = tr.write_transferability_tables(a, optional, tmp_path)
    ranking = pd.read_excel(path, sheet_name="Graduatoria")
    assert ranking["TOPSIS"].iat[0] == pytest.approx(a.ranking["topsis"].iat[0])
    weights = pd.read_excel(path, sheet_name="Pesi")
    assert pd.api.types.is_float_dtype(weights["Peso usato"])
    inputs = pd.read_excel(path, sheet_name="Dati facoltativi")
    assert inputs["Righe lette"].iat[0] == 1234
    criteria = pd.read_excel(path, sheet_name="Criteri")
    assert "ok" not in set(criteria["Stato"]) and pd.api.types.is_float_dtype(criteria["Punteggio"])


def test_display_tables_are_italian_in_full_without_index(toy_assessment):
    catalogue, a = toy_assessment
    styler = tr.criteria_display(a)
    html = styler.to_html()
    assert "row_heading" not in html
    assert "white-space: normal" in html and "…" not in html
    assert ">ok<" not in html and "calcolato" in html
    longest = max(a.province_criteria["sentence"], key=len)
    assert longest.replace("'", "&#x27;") in html or longest in html
    assert "rows ×" not in html
    for shown in (tr.catalogue_display(catalogue), tr.weights_display(a), tr.ranking_display(a),
                  tr.inputs_display([OptionalInput("terzo_settore", None)])):
        text = shown.to_html()
        assert "row_heading" not in text and "white-space: normal" in text
    assert "Registro del terzo settore" in tr.inputs_display([OptionalInput("terzo_settore", None)]).to_html()
