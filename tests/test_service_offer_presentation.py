"""What a reader sees of the service offer, on small hand-built inputs: the shortfall table, the headers of
the province summary, the sentence on the service list, choropleth classes and the esda import warnings."""

from __future__ import annotations

import sys
import textwrap
import warnings
from types import SimpleNamespace

import geopandas as gpd
import mapclassify
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from wecare_analysis.gaps.index import gap_index
from wecare_analysis.report import service_offer as so
from wecare_analysis.report.maps import choropleth, class_labels, classify, feasible_k


@pytest.fixture
def four_municipalities() -> pd.DataFrame:
    """One category in four municipalities, with the columns the report adds to the gap table.

    Users ``P = (100, 200, 200, 500)`` (need = users), access ``a = (3, 0.5, 1.5, 0.6)`` per 1,000:
    the region's access is ``sum P a / sum P = (300 + 100 + 300 + 300) / 1000 = 1``, so the access
    ratios are ``a`` itself and the uncovered users ``P (1 - a)^+`` are ``(0, 100, 0, 200)``.
    Municipality 3 has by far the highest need rate (0.9), hence the largest gap index, but access
    above the region's and nobody uncovered.
    """
    need = pd.DataFrame({"municipality_code": [1, 2, 3, 4], "category": "rsa",
                         "population": [100.0, 200.0, 200.0, 500.0], "need_rate": [0.05, 0.2, 0.9, 0.1],
                         "need": [100.0, 200.0, 200.0, 500.0]})
    access = pd.DataFrame({"municipality_code": [1, 2, 3, 4], "category": "rsa",
                           "access_per_1000": [3.0, 0.5, 1.5, 0.6], "services": [1, 0, 1, 0],
                           "nearest_km": [0.0, 8.4, 0.0, 7.5]})
    table = gap_index(need, access)
    return table.assign(name=["Uno", "Due", "Tre", "Quattro"], category_label="RSA", cluster="ns",
                        cluster_label=so.CLUSTER_LABELS["ns"])


def test_gap_table_by_hand(four_municipalities):
    t = four_municipalities.set_index("municipality_code")
    assert t["access_ratio"].tolist() == pytest.approx([3.0, 0.5, 1.5, 0.6])
    assert t["shortfall"].tolist() == pytest.approx([0.0, 100.0, 0.0, 200.0])
    assert t["gap_index"].idxmax() == 3  # the gap index alone would put municipality 3 first
    assert t.loc[2, "gap_index"] > t.loc[4, "gap_index"]  # and 2 before 4


def test_shortfall_table_keeps_real_shortfalls_ranked_by_uncovered_users(four_municipalities):
    top = so.shortfall_table(four_municipalities, n=10)
    # 1 and 3 have access above the region's and nobody uncovered; 4 (200 uncovered) comes before 2 (100)
    assert top["municipality_code"].tolist() == [4, 2]
    assert top["shortfall"].tolist() == pytest.approx([200.0, 100.0])
    assert so.shortfall_table(four_municipalities, n=1)["municipality_code"].tolist() == [4]
    # fewer than one uncovered user is not a shortfall worth a row
    small = four_municipalities.assign(shortfall=four_municipalities["shortfall"] / 250)  # 0.8 and 0.4
    assert so.shortfall_table(small).empty


def test_a_city_with_a_service_close_by_is_not_a_shortfall():
    """The case of issue 16: Torino, pharmacies (231 in the city, the nearest at 0,2 km, access below the
    region's, 359.867 "uncovered" users) is not listed; a village without a pharmacy within a third of the
    5 km radius (1,67 km) is, and so is one with no pharmacy at all (no distance)."""
    from wecare_analysis.gaps.proximity import proximity_km

    assert proximity_km("farmacia") == pytest.approx(5 / 3)
    table = pd.DataFrame({"municipality_code": [1272, 1001, 1002, 1003], "name": ["Torino", "Lontano",
                                                                                 "Senza", "Vicino"],
                          "category": "farmacia", "category_label": "Farmacia",
                          "population": [846_000.0, 900.0, 400.0, 1200.0], "services": [231, 0, 0, 0],
                          "access_per_1000": [0.27, 0.2, np.nan, 0.25], "nearest_km": [0.2, 1.8, np.nan, 1.6],
                          "access_ratio": [0.575, 0.43, 0.0, 0.53], "shortfall": [359_867.0, 500.0, 400.0, 560.0],
                          "gap_index": [0.5, 1.2, 1.5, 1.0], "cluster": "ns", "cluster_label": "ns"})
    top = so.shortfall_table(table, n=10)
    assert top["name"].tolist() == ["Lontano", "Senza"]  # Torino (0,2 km) and Vicino (1,6 km) are near
    # the old rule (supply ratio alone) put Torino first
    assert table.sort_values("shortfall", ascending=False)["name"].iloc[0] == "Torino"


def test_shortfall_ties_are_broken_by_gap_index_then_code(four_municipalities):
    tied = four_municipalities.assign(shortfall=[0.0, 150.0, 0.0, 150.0])
    # same uncovered users: municipality 2 has the larger gap index
    assert so.shortfall_table(tied)["municipality_code"].tolist() == [2, 4]


def test_largest_gaps_display_is_italian(four_municipalities):
    ctx = SimpleNamespace(province_gaps=lambda: four_municipalities)
    shown = so.largest_gaps_display(ctx)
    assert shown["Comune"].tolist() == ["Quattro", "Due"]
    assert shown["Utenti scoperti rispetto alla regione"].tolist() == ["200", "100"]
    assert shown["Accesso rispetto alla regione (%)"].tolist() == ["60", "50"]
    assert shown["Indice di divario"].str.contains(",").all()
    assert "ordinati per utenti scoperti" in so.largest_gaps_markdown(ctx)
    nobody = SimpleNamespace(province_gaps=lambda: four_municipalities.assign(shortfall=0.0))
    assert so.largest_gaps_display(nobody).empty
    assert so.largest_gaps_markdown(nobody).startswith("Nessun comune")


def test_province_summary_header_says_services_of_the_province(four_municipalities):
    province = four_municipalities[four_municipalities["municipality_code"].isin([2, 4])]
    ctx = SimpleNamespace(province_gaps=lambda: province, gaps=four_municipalities)
    shown = so.access_summary_display(ctx)
    assert "Servizi" in shown.columns and "Servizi nel comune" not in shown.columns
    assert "Servizi nel comune per 1.000 utenti" not in shown.columns
    assert shown["Servizi"].tolist() == ["0"]
    assert shown["Utenti potenziali"].tolist() == ["700"]
    # (200 * 0.5 + 500 * 0.6) / 700 = 400 / 700 of the region's 1
    assert shown["Accesso rispetto alla regione (%)"].tolist() == ["57"]
    assert shown["Comuni in cluster alto bisogno – bassa offerta"].tolist() == ["0"]


def test_services_read_sentence_user_file_and_demo():
    user = so.services_read_sentence({"rows_read": 1500, "rows_kept": 1400, "rows_quarantined": 60,
                                      "rows_outside_region": 40}, False, "Piemonte")
    assert user == ("Dal file dei servizi fornito sono state lette 1.500 righe, per l'intera regione "
                    "(Piemonte): 1.400 tenute, 60 in quarantena, 40 fuori regione.")
    one = so.services_read_sentence({"rows_read": 1, "rows_kept": 1, "rows_quarantined": 0,
                                     "rows_outside_region": 0}, False, "Piemonte")
    assert one.startswith("Dal file dei servizi fornito è stata letta 1 riga,") and "1 tenuta," in one
    demo = so.services_read_sentence({"rows_read": 12263, "rows_kept": 12263, "rows_quarantined": 0,
                                      "rows_outside_region": 0}, True, "Piemonte")
    assert demo == "Elenco dimostrativo dei servizi: 12.263 servizi nell'intera regione (Piemonte)."
    assert "righe" not in demo


def test_interactive_map_note_has_no_code_names():
    text = so.interactive_map_markdown(None)
    assert "`" not in text and "output_dir" not in text and "cartella" in text


def _strip(values: list[float]) -> gpd.GeoDataFrame:
    """Unit squares of 1 km in a row (EPSG:32632) with ``values`` in column ``v``."""
    geoms = [box(400_000 + 1000 * i, 5_000_000, 401_000 + 1000 * i, 5_001_000) for i in range(len(values))]
    return gpd.GeoDataFrame({"v": values}, geometry=geoms, crs=32632)


def _legend(ax: plt.Axes) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_choropleth_two_unique_values_no_warning_no_empty_class():
    fig, ax = plt.subplots()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        classifier = choropleth(_strip([0.0, 0.0, 0.0, 1.0, 1.0]), "v", ax)  # default: 5 quantile classes
    plt.close(fig)
    assert [str(w.message) for w in caught] == []
    assert classifier.k == 2 and classifier.counts.tolist() == [3, 2]
    assert _legend(ax) == ["0", "0 – 1"]  # the class of the zeros is "0", not "0 – 0"


def test_choropleth_many_zeros_as_in_the_access_maps():
    values = [0.0] * 6 + [1.0, 2.0, 3.0, 4.0]
    with pytest.warns(UserWarning, match="Not enough unique values"):
        mapclassify.Quantiles(np.array(values), k=5)  # what the published reports printed
    fig, ax = plt.subplots()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        classifier = choropleth(_strip(values), "v", ax, k=5)
    plt.close(fig)
    assert [str(w.message) for w in caught] == []
    # thirds of ten values (linear interpolation): 0 at 33 %, 1 at 67 %, 4 at 100 %
    assert classifier.bins.round(6).tolist() == [0.0, 1.0, 4.0]
    assert classifier.counts.tolist() == [6, 1, 3] and (classifier.counts > 0).all()
    assert _legend(ax) == ["0", "0 – 1", "1 – 4"]


def test_choropleth_constant_and_missing_values():
    fig, ax = plt.subplots()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        classifier = choropleth(_strip([2.0, 2.0, np.nan]), "v", ax)
    plt.close(fig)
    assert [str(w.message) for w in caught] == []
    assert classifier.counts.tolist() == [2]
    assert _legend(ax) == ["2", "dato non disponibile"]


def test_classify_merges_empty_classes_and_feasible_k():
    # equal intervals of 0–9 in three: 0–3 holds 0, 0, 1, 2; 3–6 is empty and merges into 6–9
    c = classify(np.array([0.0, 0, 1, 2, 9]), "EqualInterval", 3)
    assert c.bins.tolist() == [3.0, 9.0] and c.counts.tolist() == [4, 1]
    assert feasible_k(np.array([5.0, 5.0, 5.0]), "Quantiles", 5) == 1
    assert feasible_k(np.arange(100.0), "Quantiles", 5) == 5
    assert class_labels(np.array([0.004, 1.0]), 0.001, 2) == ["0,00", "0,00 – 1,00"]


def test_esda_import_warnings_of_tqdm_are_silenced_only_there(tmp_path, monkeypatch):
    """A stand-in ``esda`` warns on import as ``tqdm.auto`` does in a kernel without ipywidgets; the
    TqdmWarning is silenced at the import in ``lisa_clusters``, any other warning still shows."""
    from libpysal.weights import lat2W
    from tqdm import TqdmWarning

    from wecare_analysis.gaps.lisa import lisa_clusters

    (tmp_path / "esda").mkdir()
    (tmp_path / "esda" / "__init__.py").write_text(textwrap.dedent('''
        import warnings

        import numpy as np
        from tqdm import TqdmWarning

        warnings.warn("IProgress not found. Please update jupyter and ipywidgets.", TqdmWarning)
        warnings.warn("another warning of the import", UserWarning)


        class Moran_Local:
            def __init__(self, y, w, **kwargs):
                self.q, self.Is, self.p_sim = np.ones(len(y), int), np.zeros(len(y)), np.ones(len(y))
        '''), encoding="utf-8")
    import esda  # the real one, so that monkeypatch puts it back in sys.modules after the stand-in

    assert esda.__name__ == "esda"
    monkeypatch.delitem(sys.modules, "esda")
    monkeypatch.syspath_prepend(str(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = lisa_clusters(np.array([1.0, 1.0, 3.0, 3.0]), lat2W(1, 4), permutations=0)
    assert len(out) == 4 and sys.modules["esda"].__file__.startswith(str(tmp_path))
    assert not [w for w in caught if issubclass(w.category, TqdmWarning)]
    assert [str(w.message) for w in caught] == ["another warning of the import"]
    # the filter does not outlive the import
    with pytest.warns(TqdmWarning, match="IProgress"):
        warnings.warn("IProgress not found.", TqdmWarning)
