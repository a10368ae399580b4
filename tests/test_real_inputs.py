"""Issue 15: third-party inputs as published, read whole (read = kept + quarantined + outside).

Fixtures in ``tests/data/`` (sources and licences in ``tests/data/README.md``). Every
expected number below was counted by hand from the fixture.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from wecare_analysis import cli
from wecare_analysis.errors import InputError
from wecare_analysis.services import validate_services
from wecare_analysis.services.classify import classify_tags, classify_texts

DATA = Path(__file__).parent / "data"
SERVICES = DATA / "services"


def adds_up(r):
    assert r.rows_kept + r.rows_quarantined + r.rows_outside_region == r.rows_read
    assert r.kept["category"].notna().all() and r.kept["municipality_code"].notna().all()
    assert (r.quarantine["reason"].str.len() > 10).all()


def copy(tmp_path: Path, name: str, folder: Path = SERVICES) -> Path:
    target = tmp_path / name
    shutil.copyfile(folder / name, target)
    return target


def test_overpass_export_with_a_degenerate_ring_and_a_multipolygon_relation_is_read_whole(piedmont):
    r = validate_services(SERVICES / "overpass_piemonte_mixed.geojson", territory=piedmont)
    adds_up(r)
    assert (r.rows_read, r.rows_kept, r.rows_quarantined, r.rows_outside_region) == (19, 11, 7, 1)
    kept = r.kept.set_index("service_id")
    # the relation carries "type": "multipolygon": the OSM tags still classify it, and every other row
    assert kept.loc["relation/7215512", "category"] == "rsa" and kept.loc["relation/7215512", "municipality_code"] == 4078
    assert kept.loc["way/245118977", "category"] == "scuola_infanzia"  # a polygon -> its representative point
    assert kept.loc["way/245118977", "municipality_code"] == 1272 and (r.kept.geom_type == "Point").all()
    assert kept.loc["node/2841190543", "category"] == "piscina"  # amenity=swimming_pool
    assert kept.loc["way/87421560", "category"] == "piscina" and kept.loc["way/512877310", "category"] == "palestra"
    assert kept.loc["node/6120945513", "category"] == "centro_diurno_anziani"
    assert kept.loc["node/5520198411", "category"] == "consultorio" and kept.loc["node/3302817764", "category"] == \
        "ambulatorio"
    reasons = dict(zip(r.quarantine["row"], r.quarantine["reason"], strict=True))
    assert reasons[4] == "not a welfare service category: OSM leisure=swimming_pool, access=private is a private " \
                         "swimming pool"
    assert reasons[6].startswith("not a welfare service category: OSM leisure=sports_centre, sport=soccer")
    assert reasons[12].startswith("degenerate geometry: the Polygon cannot be built")
    assert reasons[13].startswith("not a welfare service category: OSM amenity=school")
    assert reasons[14].startswith("unknown category: OSM amenity=bar") and "nearest known categories" in reasons[14]
    assert reasons[18] == "missing or empty geometry" and reasons[19].startswith("degenerate geometry: a line")
    assert r.outside["@id"].tolist() == ["node/30851277"]  # Milano


def test_real_overpass_export_of_another_region_is_outside_not_unknown(piedmont):
    r = validate_services(SERVICES / "overpass_fontanelle_milano.geojson", territory=piedmont)
    adds_up(r)
    assert (r.rows_read, r.rows_outside_region) == (12, 12)
    lombardy = validate_services(SERVICES / "overpass_fontanelle_milano.geojson", region="03")
    adds_up(lombardy)
    assert lombardy.rows_quarantined == 12 and lombardy.quarantine["reason"].str.startswith(
        "unknown category: OSM amenity=drinking_water").all()


def test_overpass_json_and_xml(piedmont):
    j = validate_services(SERVICES / "overpass_torino.json", territory=piedmont)
    adds_up(j)
    assert (j.rows_read, j.rows_kept, j.rows_quarantined) == (7, 5, 2)  # the untagged vertex is not a row
    assert sorted(j.kept["category"]) == ["farmacia", "palestra", "piscina", "rsa", "scuola_infanzia"]
    assert j.quarantine["reason"].str.contains("without coordinates").sum() == 1
    x = validate_services(SERVICES / "overpass_torino.osm", territory=piedmont)
    adds_up(x)
    assert (x.rows_read, x.rows_kept, x.rows_quarantined, x.rows_outside_region) == (6, 3, 2, 1)
    kept = x.kept.set_index("service_id")
    assert kept.loc["way/245118977", "municipality_code"] == 1272  # a closed way of nd refs -> polygon -> point
    assert kept.loc["relation/7215512", "municipality_code"] == 4078  # its <center>


def test_national_registry_by_cadastral_code(piedmont):
    r = validate_services(SERVICES / "SCUANAGRAFEPAR20232420230901_excerpt.csv", territory=piedmont)
    adds_up(r)
    assert (r.rows_read, r.rows_kept, r.rows_quarantined, r.rows_outside_region) == (13, 6, 4, 3)
    assert (r.kept["category"] == "scuola_infanzia").all()
    assert sorted(r.kept["municipality_code"]) == [1272, 1272, 4078, 5005, 5122, 96004]  # F709 Moransengo -> 5122
    assert sorted(r.outside["CODICECOMUNESCUOLA"]) == ["F205", "L483", "L483"]  # other regions: outside
    reasons = r.quarantine.set_index("row")["reason"]
    assert reasons[4].startswith("not a welfare service category: 'SCUOLA PRIMARIA NON STATALE' is a primary school")
    assert "secondary school" in reasons[5] and "secondary school" in reasons[6]
    assert reasons[14].startswith("unknown municipality code 'Z999'")


def test_real_school_list_keyed_by_name_with_decimal_comma_coordinates(piedmont):
    tuscany = validate_services(SERVICES / "miur_paritarie_prato.csv", region="09")
    adds_up(tuscany)
    assert (tuscany.rows_read, tuscany.rows_kept, tuscany.rows_quarantined) == (45, 32, 13)
    assert tuscany.kept["placed_by"].value_counts().to_dict() == {"point": 29, "code": 3}  # 3 by name
    assert set(tuscany.kept["municipality_code"]) <= {100001, 100002, 100003, 100004, 100005, 100006, 100007}
    assert tuscany.kept.loc[tuscany.kept["service_id"] == "PO1A04500R", "municipality_code"].item() == 100005
    assert tuscany.quarantine["reason"].str.startswith("not a welfare service category").all()
    piemonte = validate_services(SERVICES / "miur_paritarie_prato.csv", territory=piedmont)
    assert piemonte.rows_outside_region == 45 and piemonte.rows_quarantined == 0


def test_regional_list_of_residences_by_name_and_province(piedmont):
    r = validate_services(SERVICES / "rsa_piemonte_by_name.csv", territory=piedmont)
    adds_up(r)
    assert (r.rows_read, r.rows_kept, r.rows_quarantined, r.rows_outside_region) == (10, 6, 3, 1)
    kept = r.kept.set_index("name")
    assert kept.loc["RSA Villa Serena", "category"] == "rsa" and kept.loc["RSA Villa Serena", "capacity"] == 80
    assert kept.loc["Residenza Il Castello", "municipality_code"] == 96004  # by its decimal-comma point
    assert kept.loc["Casa di riposo San Giuseppe", "municipality_code"] == 1256  # SANT'ANTONINO DI SUSA
    assert kept.loc["RAF Le Rose", "municipality_code"] == 5014  # Calliano (AT), not (TN)
    assert kept.loc["RSA Moransengo", "municipality_code"] == 5122
    reasons = r.quarantine.set_index("row")["reason"]
    assert reasons[8].startswith("unknown category 'Comunità alloggio per minori'")
    assert reasons[10].startswith("ambiguous municipality 'Calliano'") and "Calliano (AT)" in reasons[10]
    assert reasons[11].startswith("unknown municipality 'Torinoo'") and "Torino (TO)" in reasons[11]


@pytest.mark.parametrize("kind", ["geoparquet", "parquet", "xlsx", "gpkg"])
def test_parquet_geoparquet_xlsx_and_geopackage_give_the_csv_result(tmp_path, piedmont, kind):
    csv = validate_services(SERVICES / "rsa_piemonte_by_name.csv", territory=piedmont)
    table = pd.read_csv(SERVICES / "rsa_piemonte_by_name.csv", sep=";", encoding="cp1252", dtype=str)
    if kind == "xlsx":
        path = tmp_path / "rsa.xlsx"
        table.rename(columns={"Latitudine": "latitude_wgs84", "Longitudine": "longitude_wgs84"}).to_excel(
            path, index=False)
    elif kind == "parquet":
        path = tmp_path / "rsa.parquet"
        table.to_parquet(path)
    else:
        path = tmp_path / ("rsa.parquet" if kind == "geoparquet" else "rsa.gpkg")
        x = pd.to_numeric(table["Longitudine"].str.replace(",", "."), errors="coerce")
        y = pd.to_numeric(table["Latitudine"].str.replace(",", "."), errors="coerce")
        has = x.notna()
        gdf = gpd.GeoDataFrame(table[has], geometry=gpd.points_from_xy(x[has], y[has]), crs="EPSG:4326")
        gdf = gdf.drop(columns=["Latitudine", "Longitudine"])
        gdf.to_parquet(path) if kind == "geoparquet" else gdf.to_file(path)
        r = validate_services(path, territory=piedmont)
        adds_up(r)
        assert sorted(r.kept["municipality_code"]) == [1272, 96004]
        return
    r = validate_services(path, territory=piedmont)
    adds_up(r)
    assert (r.rows_read, r.rows_kept, r.rows_quarantined, r.rows_outside_region) == (10, 6, 3, 1)
    assert sorted(r.kept["municipality_code"]) == sorted(csv.kept["municipality_code"])


def test_generic_type_column_is_used_only_for_values_the_taxonomy_knows():
    texts = classify_texts(pd.Series(["ASILO NIDO COMUNALE", "R.S.A.", "Residenza sanitaria assistenziale",
                                      "SCUOLA INFANZIA NON STATALE", "multipolygon"]), "type")
    assert texts["category"].tolist()[:4] == ["asilo_nido", "rsa", "rsa", "scuola_infanzia"]
    assert texts["reason"].iloc[4].startswith("unknown category 'multipolygon' (column 'type')")
    tags = pd.DataFrame({"leisure": ["sports_centre", "sports_centre", "swimming_pool", None, None],
                         "sport": ["fitness;swimming", "tennis", None, None, None],
                         "access": [None, None, None, None, None],
                         "social_facility": [None, None, None, "group_home", "day_care"],
                         "social_facility:for": [None, None, None, "senior", "child"]})
    out = classify_tags(tags)
    assert out["category"].iloc[[0, 3]].tolist() == ["piscina", "rsa"]  # a tie of rules: the first category
    assert out["outcome"].tolist() == ["welfare", "not_welfare", "not_welfare", "welfare", "not_welfare"]
    assert "without public access" in out["reason"].iloc[2] and "other than the elderly" in out["reason"].iloc[4]


def _mef_variants(tmp_path: Path) -> dict[str, Path]:
    raw = (DATA / "practices" / "mef_irpef_2022_excerpt.csv").read_bytes()
    crlf = raw.replace(b"\rVECCHIO", b" VECCHIO")  # without the bare CR, to make the other line endings
    out = {"zip": DATA / "practices" / "mef_irpef_2022_excerpt.zip", "csv": DATA / "practices" /
           "mef_irpef_2022_excerpt.csv"}
    out["lf"] = tmp_path / "lf.csv"
    out["lf"].write_bytes(crlf.replace(b"\r\n", b"\n"))
    out["cr"] = tmp_path / "cr.csv"
    out["cr"].write_bytes(crlf.replace(b"\r\n", b"\r"))
    out["tab"] = tmp_path / "tab.csv"
    out["tab"].write_bytes(crlf.replace(b";", b"\t"))
    table = pd.read_csv(out["lf"], sep=";", dtype=str, encoding="cp1252", keep_default_na=False)
    out["xlsx"] = tmp_path / "mef.xlsx"
    table.to_excel(out["xlsx"], index=False)
    out["parquet"] = tmp_path / "mef.parquet"
    table.to_parquet(out["parquet"])
    out["zip_xlsx"] = tmp_path / "mef_xlsx.zip"
    with zipfile.ZipFile(out["zip_xlsx"], "w") as z:
        z.write(out["xlsx"], "redditi.xlsx")
    return out


def test_mef_files_as_published_give_the_same_table(tmp_path, piedmont):
    from wecare_analysis.practices.optional_inputs import USED, read_mef_irpef

    for kind, path in _mef_variants(tmp_path).items():
        res = read_mef_irpef(path, piedmont)
        assert res.status == USED, (kind, res.messages)
        assert (res.rows_read, res.rows_kept, res.rows_outside) == (7, 6, 1), kind
        table = res.table.set_index("municipality_code")
        assert table.loc[5122, "taxpayers"] == 155 + 141 and table.loc[5122, "taxable_income"] == 2765432 + 2543210
        assert table.loc[1272, "taxable_income"] == 15702345678 and pd.isna(table.loc[1003, "taxable_income"])


def wecare(argv, monkeypatch, capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = cli.main(argv)
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_inputs_validate_counts_and_exit_codes(tmp_path, monkeypatch, capsys, project_root):
    monkeypatch.chdir(project_root)
    mef = copy(tmp_path, "mef_irpef_2022_excerpt.zip", DATA / "practices")
    code, out = wecare(["inputs", "validate", "mef", str(mef), "--json"], monkeypatch, capsys)
    assert code == 1 and out["rows_read"] == 7 == out["rows_kept"] + out["rows_quarantined"] + \
        out["rows_outside_region"]
    ts = copy(tmp_path, "third_sector.csv", DATA / "practices")
    code, out = wecare(["inputs", "validate", "third-sector", str(ts), "--json"], monkeypatch, capsys)
    assert code == 1 and (out["rows_read"], out["rows_kept"], out["rows_quarantined"],
                          out["rows_outside_region"]) == (8, 5, 2, 1)
    assert Path(out["quarantine_file"]).is_file()
    code, out = wecare(["inputs", "validate", "ahp", str(DATA / "practices" / "ahp_categories.csv"), "--json"],
                       monkeypatch, capsys)
    assert code == 0 and out["rows_read"] == out["rows_kept"] == 4
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    code, out = wecare(["inputs", "validate", "mef", str(bad), "--json"], monkeypatch, capsys)
    assert code == 2 and "not a valid zip archive" in out["errors"][0]


def test_elenco_comuni_as_downloaded_builds_the_territory(tmp_path):
    from wecare_analysis.territory.build import build_territory

    for name in ("Elenco-comuni-italiani_2023_cp1252_excerpt.csv", "Elenco-comuni-italiani_2020_utf8bom_excerpt.csv",
                 "situas_comuni_2023_excerpt.csv"):
        folder = tmp_path / name / "2023"
        folder.mkdir(parents=True)
        shutil.copyfile(DATA / "istat" / name, folder / ("Elenco-comuni-italiani.csv" if "Elenco" in name
                                                        else "SITUAS_comuni.csv"))
        gdf, _, repairs = build_territory(2023, "01", folder.parent)
        assert len(gdf) == 75 and gdf.geometry.notna().all()  # Moransengo-Tonengo added by the merger repair
        residents = gdf.groupby("province_sigla")["residents"].sum().to_dict()
        assert residents == {"BI": 168_823, "AT": 394}  # Biella 2023 (domain notes §2); Moransengo-Tonengo
        kinds = pd.Series([r["kind"] for r in repairs]).value_counts()
        assert kinds["boundary_not_in_list"] == kinds["population_not_in_list"] == 116  # the rest of AT: reported
        if "2020" in name:  # Moransengo and Tonengo, retired in 2023, are counted under their successor
            assert sorted(r["code"] for r in repairs if r["kind"] == "retired_code_in_list") == [5079, 5110]


def test_run_accepts_category_and_a_list_without_categories_uses_it(tmp_path, piedmont, monkeypatch):
    from wecare_analysis.services.ingest import CATEGORY_ENV

    parser = cli.build_parser()
    assert parser.parse_args(["run", "--services", "x.csv", "--category", "farmacia"]).category == "farmacia"
    assert cli.main(["run", "--services", "x.csv", "--category", "bar", "--root", str(tmp_path)]) == 2  # nothing run
    path = tmp_path / "farmacie.csv"
    path.write_text("id;nome;latitudine;longitudine\n1;Farmacia Centrale;45,0703;7,6869\n", encoding="utf-8")
    with pytest.raises(InputError, match="give --category"):
        validate_services(path, territory=piedmont)
    monkeypatch.setenv(CATEGORY_ENV, "farmacia")
    r = validate_services(path, territory=piedmont)
    assert r.kept["category"].tolist() == ["farmacia"] and r.kept["municipality_code"].tolist() == [1272]


@pytest.mark.parametrize("kind", ["zip", "xlsx", "parquet", "cr", "quoted_newline"])
def test_third_sector_register_as_published(tmp_path, piedmont, kind):
    from wecare_analysis.practices.optional_inputs import read_third_sector

    src = DATA / "practices" / "third_sector.csv"
    reference = read_third_sector(src, piedmont)
    raw = src.read_bytes()
    table = pd.read_csv(src, dtype=str, keep_default_na=False)
    path = tmp_path / f"ts.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("5x1000_elenco_ammessi.csv", raw)
    elif kind == "xlsx":
        table.to_excel(path, index=False)
    elif kind == "parquet":
        table.to_parquet(path)
    elif kind == "cr":
        path.write_bytes(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    else:  # a name with a quoted line break, as spreadsheets write it
        path.write_bytes(raw.replace(b"ASSOCIAZIONE ESEMPIO UNO", b'"ASSOCIAZIONE\r\nESEMPIO UNO"'))
    res = read_third_sector(path, piedmont)
    assert (res.rows_read, res.rows_kept, res.rows_quarantined, res.rows_outside) == \
        (reference.rows_read, reference.rows_kept, reference.rows_quarantined, reference.rows_outside) == (8, 5, 2, 1)
    pd.testing.assert_frame_equal(res.table, reference.table)
