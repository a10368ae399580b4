"""Service ingest: formats, placement, quarantine and the ``wecare services validate`` command."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from wecare_analysis import cli
from wecare_analysis.errors import InputError
from wecare_analysis.services import (
    category_codes,
    classify_osm,
    load_taxonomy,
    services_by_municipality,
    validate_services,
)

DATA = Path(__file__).parent / "data" / "services"


def wecare(argv, monkeypatch):
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["wecare_analysis.commands.services"])
    return cli.main(argv)


def adds_up(r):
    assert r.rows_kept + r.rows_quarantined + r.rows_outside_region == r.rows_read


def test_taxonomy_maps_categories_to_population_and_need_areas():
    t = load_taxonomy()
    assert len(t.codes) == 19 and len(set(t.codes)) == 19
    assert t["asilo_nido"].population == "age_0_2" and t["rsa"].population == "age_75_plus"
    assert "eldercare" in t["rsa"].need_areas and t["farmacia"].radius_km == 5
    assert category_codes(pd.Series(["Scuola materna", "CAF", "xyz"])).tolist()[:2] == ["scuola_infanzia",
                                                                                        "caf_patronato"]
    tags = pd.DataFrame({"amenity": ["childcare", "kindergarten"], "leisure": ["", "sports_centre"]})
    assert classify_osm(tags).tolist() == ["asilo_nido", "scuola_infanzia"]


def test_osm_export_points_polygons_and_faults():
    r = validate_services(DATA / "osm_overpass.geojson")
    adds_up(r)
    assert (r.rows_read, r.rows_kept, r.rows_quarantined, r.rows_outside_region) == (11, 4, 6, 1)
    kept = r.kept.set_index("service_id")
    # Piazza Castello area -> Torino; a polygon in Alessandria -> its representative point, inside 6003
    assert kept.loc["node/1", "municipality_code"] == 1272 and kept.loc["way/2", "category"] == "scuola_infanzia"
    assert kept.loc["way/3", "category"] == "piscina" and kept.loc["way/3", "municipality_code"] == 6003
    assert r.kept.crs == "EPSG:32632" and (r.kept.geom_type == "Point").all()
    reasons = dict(zip(r.quarantine["row"], r.quarantine["reason"], strict=True))
    assert reasons[4].startswith("degenerate geometry: a line")
    assert reasons[5].startswith("invalid geometry") and reasons[10].startswith("invalid geometry")
    assert reasons[6].startswith("point at 0,0") and reasons[7].startswith("unknown category")
    assert reasons[9].startswith("duplicate id")
    assert r.outside["@id"].tolist() == ["node/8"]  # Milano


def test_ministry_registry_is_counted_by_cadastral_code():
    r = validate_services(DATA / "schools_registry.csv")
    adds_up(r)
    assert r.kept["municipality_code"].tolist() == [1272, 5005]
    assert (r.kept["placed_by"] == "code").all() and r.kept.geometry.isna().all()
    assert r.rows_outside_region == 1  # F205 Milano
    reasons = r.quarantine.set_index("row")["reason"]
    # a primary school is a real school, not an unknown category (issue 15)
    assert reasons[4].startswith("not a welfare service category: 'SCUOLA PRIMARIA' is a primary school")
    assert reasons[6].startswith("unknown municipality code")
    assert reasons[7].startswith("duplicate id")


def test_csv_lonlat_semicolon_decimal_comma_negative_capacity_and_missing_coordinates():
    r = validate_services(DATA / "services_lonlat.csv")
    adds_up(r)
    assert r.kept["service_id"].tolist() == ["n1", "n3"] and r.kept["capacity"].tolist() == [40.0, 80.0]
    reasons = r.quarantine.set_index("row")["reason"]
    assert "negative capacity" in reasons[3] and "unknown category" in reasons[5] and "missing" in reasons[6]
    assert r.outside["id"].tolist() == ["n6"]


def test_shapefile_any_crs_is_reprojected_and_missing_crs_is_refused(tmp_path):
    pts = gpd.GeoSeries([Point(7.6869, 45.0703), Point(8.6155, 44.9105)], crs="EPSG:4326").to_crs("EPSG:3003")
    gdf = gpd.GeoDataFrame({"id": ["a", "b"], "category": ["palestra", "piscina"]}, geometry=pts)
    gdf.to_file(tmp_path / "s.shp")
    r = validate_services(tmp_path / "s.shp")
    assert r.kept["municipality_code"].tolist() == [1272, 6003]
    gdf.to_file(tmp_path / "s.gpkg")
    assert validate_services(tmp_path / "s.gpkg").rows_kept == 2
    (tmp_path / "s.prj").unlink()
    with pytest.raises(InputError, match="no coordinate reference system"):
        validate_services(tmp_path / "s.shp")


def test_empty_and_headless_files_are_refused(tmp_path):
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(InputError, match="empty"):
        validate_services(tmp_path / "e.csv")
    (tmp_path / "h.csv").write_text("id,category,lon,lat\n")
    with pytest.raises(InputError, match="no data rows"):
        validate_services(tmp_path / "h.csv")
    (tmp_path / "n.csv").write_text("id,category\n1,rsa\n")
    with pytest.raises(InputError, match="no coordinates"):
        validate_services(tmp_path / "n.csv")


def test_services_by_municipality_counts():
    r = validate_services(DATA / "services_lonlat.csv")
    table = services_by_municipality(r.kept, "capacity")
    assert table.loc[1272, "asilo_nido"] == 40.0 and table.loc[4066, "rsa"] == 80.0


def test_cli_json_adds_up_and_writes_quarantine(tmp_path, monkeypatch, capsys):
    src = tmp_path / "osm.geojson"
    src.write_bytes((DATA / "osm_overpass.geojson").read_bytes())
    code = wecare(["services", "validate", str(src), "--json"], monkeypatch)
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["rows_read"] == out["rows_kept"] + out["rows_quarantined"] + out["rows_outside_region"] == 11
    q = pd.read_csv(out["quarantine_file"])
    assert len(q) == 6 and {"row", "reason", "@id", "geometry_wkt"} <= set(q.columns)


def test_cli_clean_file_exits_0_and_bad_file_exits_2(tmp_path, monkeypatch, capsys):
    (tmp_path / "ok.csv").write_text("id,category,x,y\na,farmacia,396000,4991000\n")
    assert wecare(["services", "validate", str(tmp_path / "ok.csv")], monkeypatch) == 0
    assert wecare(["services", "validate", str(tmp_path / "missing.csv")], monkeypatch) == 2
    err = capsys.readouterr().err
    assert "file not found" in err and "Traceback" not in err
