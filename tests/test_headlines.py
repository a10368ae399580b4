"""Headline rules of issue 16 on small hand-built frames: a wide interval is caveated, a difference inside the
intervals is not headlined as one, a municipality without respondents is never among the "highest"."""

from __future__ import annotations

import pandas as pd
import pytest

from wecare_analysis.report import document as doc
from wecare_analysis.report import headlines as hl


def _table(rows: list[tuple[str, str, str, float, float, float]]) -> pd.DataFrame:
    """A published needs table from ``(area, territory, group, pct, low, high)`` rows."""
    c = doc.NEEDS_COLUMNS
    return pd.DataFrame([{c["label"]: a, c["territory"]: t, c["group_label"]: g, c["pct"]: p, c["pct_low"]: lo,
                          c["pct_high"]: hi, c["n_label"]: 40} for a, t, g, p, lo, hi in rows])


def test_interval_rules_by_hand():
    assert hl.too_wide(25.6, 82.9) and not hl.too_wide(40.0, 60.0) and hl.too_wide(40.0, 60.1)
    assert hl.distinct(36, 44, 16, 24) and not hl.distinct(30, 40, 40, 50) and hl.distinct(40.1, 50, 30, 40)


def test_a_wide_interval_headline_says_it_is_uncertain():
    # the case of the issue: "Casa 56,4 % (IC 95 %: 25,6–82,9 %)", an interval 57,3 points wide
    table = _table([("Casa", "Biella", "Tutti", 56.4, 25.6, 82.9), ("Salute e prevenzione", "Biella", "Tutti",
                                                                     40.0, 35.0, 45.0)])
    first = doc.key_findings(table, "Biella", region="Piemonte")[0]
    assert first.text.startswith("Il bisogno più segnalato è «Casa»: lo indica il 56,4% (IC 95%: 25,6–82,9%)")
    assert first.text.endswith(hl.UNCERTAIN_NOTE) and "Stima incerta" in first.text
    precise = _table([("Casa", "Biella", "Tutti", 56.4, 50.0, 62.9)])
    assert "incerta" not in doc.key_findings(precise, "Biella", region="Piemonte")[0].text


def test_a_difference_inside_the_intervals_is_not_headlined():
    # women and men: 12 points apart on "Casa" but the intervals overlap; 8 points on "Salute" and apart
    rows = [("Casa", "Biella", "Donne", 50.0, 41.0, 59.0), ("Casa", "Biella", "Uomini", 38.0, 30.0, 46.0),
            ("Salute e prevenzione", "Biella", "Donne", 48.0, 46.0, 50.0),
            ("Salute e prevenzione", "Biella", "Uomini", 40.0, 38.0, 42.0)]
    found = [f.text for f in doc.key_findings(_table(rows), "Biella", region="Piemonte")]
    assert found == [("La differenza maggiore tra donne e uomini riguarda «Salute e prevenzione»: donne 48,0% "
                     "(IC 95%: 46,0–50,0%), uomini 40,0% (IC 95%: 38,0–42,0%).")]
    # without the clear area, the sentence says no difference is clear (and still quotes the widest)
    found = doc.key_findings(_table(rows[:2]), "Biella", region="Piemonte")[0].text
    assert found.startswith("Tra donne e uomini nessuna differenza è netta. La più ampia riguarda «Casa»: donne "
                            "50,0%")
    assert found.endswith("con intervalli di confidenza che si sovrappongono.")


def test_province_and_region_overlapping_is_not_a_difference():
    rows = [("Casa", "Biella", "Tutti", 30.0, 24.0, 36.0), ("Casa", "Piemonte", "Tutti", 26.0, 24.5, 27.5)]
    text = doc.key_findings(_table(rows), "Biella", region="Piemonte")[1].text
    assert text.startswith("Rispetto al Piemonte nessuna differenza è netta")
    rows[1] = ("Casa", "Piemonte", "Tutti", 20.0, 18.5, 21.5)
    text = doc.key_findings(_table(rows), "Biella", region="Piemonte")[1].text
    assert text.startswith("Rispetto al Piemonte la differenza maggiore riguarda «Casa»: 30,0%")


@pytest.mark.parametrize("width", [20.0, 20.5])
def test_the_limit_is_twenty_points(width):
    table = _table([("Casa", "Biella", "Tutti", 50.0, 40.0, 40.0 + width)])
    assert ("incerta" in doc.key_findings(table, "Biella", region="Piemonte")[0].text) == (width > 20)


def _municipal():
    """Four municipalities of BI on one need: the highest estimate (Zero, 70%) has no respondent."""
    import numpy as np
    from shapely.geometry import box

    from wecare_analysis.analysis.needs import NeedsEstimates

    muni = pd.DataFrame({"municipality_code": [96001, 96002, 96003, 96004], "name": ["Zero", "Alto", "Medio", "Basso"],
                         "province_sigla": "BI", "need_area": "a", "variable": "need_a", "label": "Area A",
                         "prevalence": [0.70, 0.55, 0.40, 0.20], "se": 0.05, "ci_low": [0.35, 0.46, 0.22, 0.12],
                         "ci_high": [0.90, 0.64, 0.58, 0.29], "n": [0, 30, 6, 25], "n_label": [0, 30, 6, 25],
                         "population": [100.0, 400.0, 300.0, 200.0]})
    prov_mrp = pd.DataFrame({"province_sigla": ["BI"], "need_area": ["a"], "variable": ["need_a"],
                             "prevalence": [0.40]})
    province = pd.DataFrame({"province_sigla": ["BI"], "need_area": ["a"], "label": ["Area A"],
                             "prevalence": [0.41], "suppressed": [False]})
    est = NeedsEstimates(province, pd.DataFrame(), pd.DataFrame(), muni, prov_mrp, pd.DataFrame(), 5)
    import geopandas as gpd
    territory = gpd.GeoDataFrame({"municipality_code": muni["municipality_code"], "name": muni["name"],
                                  "province_sigla": "BI"},
                                 geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(4)],
                                 crs="EPSG:32632")
    return est, territory, np


def test_a_municipality_without_respondents_is_never_among_the_highest():
    from wecare_analysis.report import needs as nr

    est, _, _ = _municipal()
    table = nr.mrp_table(est, "BI", "a", n=3)
    assert table["Comune"].tolist() == ["Alto", "Medio", "Basso"]  # Zero (70%, no respondent) is left out


def test_small_area_map_classes_follow_the_intervals_and_hatch_the_empty():
    import matplotlib.pyplot as plt

    from wecare_analysis.report import needs as nr
    from wecare_analysis.report import small_area_map as sam

    est, territory, _ = _municipal()
    layer = nr.mrp_layer(est, territory, "BI", "a")
    fig, ax = plt.subplots()
    classes = sam.uncertainty_map(layer, ax, nr.province_reference(est, "BI", "a"))
    # against the province's 40%: Alto 46-64 above, Basso 12-29 below, Zero 35-90 and Medio 22-58 contain 40
    assert classes.tolist() == ["same", "above", "same", "below"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Sopra la provincia (1)", "Non distinguibile dalla provincia (2)", "Sotto la provincia (1)",
                      "Senza rispondenti: stima da modello (1)"]
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert len(hatched) == 1 and len(hatched[0].get_paths()) == 1  # Zero only
    assert ax.get_legend().get_title().get_text() == "Provincia: 40,0%"
    plt.close(fig)
    fig = nr.mrp_maps(est, territory, "BI", "Biella")
    assert "oltre l'incertezza" in fig.get_suptitle() and fig.axes[0].get_title() == "Area A"
    plt.close(fig)
