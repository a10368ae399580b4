"""Checks of the section "Attività del programma" in a published report (province report or regional overview).

Shared by tests/test_pipeline_run.py (BI, VB) and tests/test_report_overview.py (PIEMONTE): the section is in
the HTML, its tables are in ``findings.xlsx`` and ``opendata/`` marked synthetic, no published count of people
is under the threshold, and the triangulation published equals the one computed here from the region analysis.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from wecare_analysis.activities.indicators import MERGED_LABEL, REGION_KEY, published_counts
from wecare_analysis.analysis import RunParameters, analyse_region
from wecare_analysis.report.activities_section import CSV_NAMES, SHEETS, area_labels
from wecare_analysis.report.exports import read_workbook
from wecare_analysis.report.labels import LABEL_COLUMN
from wecare_analysis.report.programme_activities import SYNTHETIC_SOURCE
from wecare_analysis.survey.codebook import load_codebook


def check_section_published(folder: Path, root: Path, province: str | None) -> None:
    """Every check of the module docstring on the report in ``folder`` (``province`` None: the overview)."""
    analysis = analyse_region(RunParameters(region="01", root=str(root)))  # cached: the run's own analysis
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert re.search(r"<h2[^>]*>\s*Attività del programma", html), "no section heading"
    assert "Dati sintetici dimostrativi</strong>: incontri, contatti degli sportelli" in html
    assert "Le fonti concordano?" in html
    sheets = read_workbook(folder / "findings.xlsx", sheet_name=None)
    assert set(SHEETS.values()) <= set(sheets), set(SHEETS.values()) - set(sheets)
    definitions = sheets["Definizioni e fonti"].set_index("Voce")
    assert definitions.loc["Contatti", "Fonte"] == SYNTHETIC_SOURCE
    assert "dati sintetici dimostrativi" in definitions.loc["Tau di Kendall", "Definizione"].lower()
    dictionary = pd.read_csv(folder / "opendata" / "dizionario_dati.csv", dtype=str)
    for key, file in CSV_NAMES.items():
        assert (folder / "opendata" / file).is_file(), file
        rows = dictionary[dictionary["file"] == file]
        label = rows[rows["colonna"] == LABEL_COLUMN]  # the data label's column, last, described by the label
        assert len(label) == 1 and rows["colonna"].iloc[-1] == LABEL_COLUMN, file
        assert "dati sintetici dimostrativi" in label["descrizione"].iloc[0].lower(), file
        rows = rows[rows["colonna"] != LABEL_COLUMN]
        assert len(rows) == len(sheets[SHEETS[key]].columns), file
        assert rows["descrizione"].str.endswith("Dati sintetici dimostrativi.").all(), file
        assert (rows["descrizione"] != rows["intestazione"]).all(), file
    _check_threshold(sheets, analysis, province)
    _check_triangulation(sheets, folder, analysis, province)


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.where(values.map(lambda v: not isinstance(v, str))), errors="coerce").dropna()


def _check_threshold(sheets: dict[str, pd.DataFrame], analysis, province: str | None) -> None:
    k = analysis.min_cell
    ind = analysis.activities.indicators
    desk = sheets[SHEETS["desk"]]["Contatti"]
    assert ((_numbers(desk) == 0) | (_numbers(desk) >= k)).all(), desk.tolist()
    for key in ("requests", "free_text"):
        table = sheets[SHEETS[key]].set_index("Area di bisogno")
        cells = pd.concat([_numbers(table[c]) for c in table.columns])
        assert ((cells == 0) | (cells >= k)).all(), (key, cells[cells < k])
    # suppression did something: a request count under k (not zero) is shown as merged, not as its value
    place = REGION_KEY if province is None else province
    counts = ind.requests[place]
    small = counts[(counts > 0) & (counts < k)]
    if province is not None:
        assert len(small), "the demo data should have small desk cells in a small province"
        shown = sheets[SHEETS["requests"]].set_index("Area di bisogno").iloc[:, 0]
        assert (shown.loc[small.index.map(area_labels())] == MERGED_LABEL).all()


def _ranks(values: pd.Series) -> pd.Series:
    return values.rank(method="average", ascending=False)


def _check_triangulation(sheets: dict[str, pd.DataFrame], folder: Path, analysis, province: str | None) -> None:
    ind = analysis.activities.indicators
    areas = list(load_codebook().need_area_codes)
    territory = analysis.region_name if province is None else province
    groups = analysis.needs.groups
    rows = groups[(groups["group_var"] == "all") & (groups["territory"] == territory)]
    share = rows.assign(area=rows["variable"].str.removeprefix("need_")).set_index("area")["estimate"].reindex(areas)
    desk = published_counts(ind.requests, ind.k)[REGION_KEY if province is None else province].reindex(areas)
    desk_values = desk.map(lambda v: 0.0 if isinstance(v, str) else float(v))
    focus = ind.focus.set_index("area")["strength_total"].reindex(areas).astype(float)
    shown = sheets[SHEETS["triangulation"]]
    assert shown["Area di bisogno"].tolist() == [area_labels()[a] for a in areas]
    np.testing.assert_allclose(shown["Indagine: quota con il bisogno (%)"], (100 * share).round(1).to_numpy())
    np.testing.assert_allclose(shown["Indagine: rango"], _ranks(share).to_numpy())
    np.testing.assert_allclose(shown["Sportelli: rango"], _ranks(desk_values).to_numpy())
    np.testing.assert_allclose(shown["Focus group: forza totale"], focus.to_numpy())
    np.testing.assert_allclose(shown["Focus group: rango"], _ranks(focus).to_numpy())
    assert shown["Sportelli: richieste"].astype(str).tolist() == desk.astype(str).tolist()
    csv = pd.read_csv(folder / "opendata" / CSV_NAMES["triangulation"])
    np.testing.assert_allclose(csv["sportelli_rango"], shown["Sportelli: rango"])
    agreement = sheets[SHEETS["agreement"]].set_index("Fonti")
    both = share.notna()
    tau = stats.kendalltau(_ranks(share)[both], _ranks(desk_values)[both]).statistic
    assert agreement.loc["Indagine – sportelli", "Tau di Kendall"] == round(tau, 2)
    assert agreement.loc["Indagine – sportelli", "Aree confrontate"] == int(both.sum())
