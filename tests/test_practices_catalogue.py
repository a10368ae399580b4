"""The practice catalogue: eight practices with every field from the text, validation, a ninth, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import catalogue_with_ninth

from wecare_analysis.cli import main
from wecare_analysis.errors import InputError
from wecare_analysis.practices.catalogue import CATALOGUE_FILE, REQUIRED_FIELDS, load_catalogue

DATA = Path(__file__).parent / "data" / "practices"
SEED = Path("/work/shared/seed/000_316bac937ca3aaed.txt")
EIGHT = ["welfarenet", "maggiordomo_quartiere", "rete_talenti_latenti", "smart_working_places", "biellawelfare",
         "networking_2_0", "tradate_welfarex", "rete_giunca"]


def test_eight_practices_with_every_field():
    cat = load_catalogue()
    assert cat.ids == EIGHT
    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))["practices"]
    for entry in raw:
        assert set(entry) == set(REQUIRED_FIELDS), entry["id"]
        assert all(entry[f] not in (None, "", []) for f in REQUIRED_FIELDS if f != "scale"), entry["id"]
    tradate = cat["tradate_welfarex"]
    assert [f["value"] for f in tradate.scale["figures"]] == [56000, 14]
    assert cat["rete_giunca"].scale["reference_population"]["value"] == 2500
    assert cat["networking_2_0"].year == "2014-2016" and cat["welfarenet"].year == 2014
    assert cat["biellawelfare"].delivery_model == "digital_platform"
    assert cat["maggiordomo_quartiere"].delivery_model == "physical_concierge"


def test_fields_come_from_the_source_passage():
    cat = load_catalogue()
    for p in cat.practices:
        passage = p.source["passage"]
        key = p.name.split(" e ")[0].split(" ")[0]
        assert key.lower()[:6] in passage.lower(), p.id
        for fig in p.scale["figures"]:
            assert fig["quote"] in passage
    if SEED.is_file():  # the programme text, when the shared seed folder is present
        seed = " ".join(SEED.read_text(encoding="utf-8").split())
        for p in cat.practices:
            assert p.source["passage"] in seed, p.id


def test_invalid_entries_name_the_practice_and_field(tmp_path):
    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    raw["practices"][7]["need_areas"] = ["purchasing_power", "welness"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.yaml, practice 'rete_giunca', field need_areas: unknown codebook "
                                         r"need area 'welness'"):
        load_catalogue(bad)
    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    del raw["practices"][0]["promoter"]
    raw["practices"][1]["scale"]["figures"][0]["quote"] = "tre persone"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"practice 'welfarenet': missing field\(s\) promoter"):
        load_catalogue(bad)
    raw["practices"][0]["promoter"] = "x"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"'maggiordomo_quartiere', field scale.figures\[0\].quote: the quote "
                                         r"'tre persone' is not in the source passage"):
        load_catalogue(bad)


def test_ninth_practice_from_fixture_loads(tmp_path):
    cat = load_catalogue(catalogue_with_ninth(tmp_path))
    assert len(cat) == 9 and cat.ids[-1] == "sportelli_info_welfare"
    assert cat["sportelli_info_welfare"].welfare_form == "bilateral"


def test_cli_list_and_show_in_italian(capsys, tmp_path):
    assert main(["practices", "list"]) == 0
    out = capsys.readouterr().out
    assert "Buone pratiche nel catalogo: 8" in out and "biellawelfare" in out and "piattaforma digitale" in out
    assert main(["practices", "show", "tradate_welfarex"]) == 0
    out = capsys.readouterr().out
    assert "Promotore: Comuni dell'ambito di Tradate" in out
    assert "56.000 residenti («circa 56.000 persone»)" in out and "Precondizioni:" in out
    assert main(["practices", "show", "sportelli_info_welfare", "--catalogue",
                 str(catalogue_with_ninth(tmp_path))]) == 0
    assert "Sportelli Info Welfare Mpi" in capsys.readouterr().out
    assert main(["practices", "show", "nessuna"]) == 2
    assert "practice 'nessuna' is not in the catalogue" in capsys.readouterr().err
