"""Bring your own questionnaire: a survey that is not the shipped one, through its XLSForm or a mapping file.

Fixtures in tests/data/survey/byo/ (see tests/data/README.md): the XLSForm of "Rete Welfare Biellese:
bisogni di conciliazione" (Italian labels, select_one municipality by name, 4 age bands, a 4-point
Likert, a select_multiple of services), its exports (KoboToolbox XLSX with labels, KoboToolbox CSV with
XML names and group prefixes and split 0/1 columns, Google Forms CSV with a completed mapping,
LimeSurvey "code & text" CSV), the answers they were made from (conciliazione_truth.csv, choice names)
and the four exports of issue 14's "Why". Every export holds the same 30 valid respondents and three
planted faulty rows (file rows 32-34): no municipality, an answer that is no option, a duplicate.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.cli import main
from wecare_analysis.survey.ingest import ingest_survey

BYO = Path(__file__).parent / "data" / "survey" / "byo"
FORM = BYO / "conciliazione_form.xlsx"
EXPORTS = {  # export, extra arguments of ingest_survey, whether an empty services list reads as "none chosen"
    "kobo_labels": ("conciliazione_kobo_labels.xlsx", {"form": FORM}, True),
    "kobo_xml": ("conciliazione_kobo_xml.csv", {"form": FORM}, True),
    "google": ("conciliazione_google.csv", {"mapping": BYO / "conciliazione_google_mapping.csv"}, False),
    "limesurvey": ("conciliazione_limesurvey.csv", {"form": FORM}, False),
}
#: ISTAT codes of the form's municipalities, looked up by hand (Moransengo retired into Moransengo-Tonengo).
CODES = {"biella": 96004, "cossato": 96020, "candelo": 96012, "vigliano": 96077, "vercelli": 2158,
         "santhia": 2133, "torino": 1272, "moransengo": 5122, "calliano": 5014}


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return pd.read_csv(BYO / "conciliazione_truth.csv", dtype=str, keep_default_na=False).iloc[:30]


@pytest.fixture(scope="module", params=list(EXPORTS))
def ingested(request, tmp_path_factory) -> tuple[str, dict, pd.DataFrame, pd.DataFrame]:
    name, kwargs, _kobo = EXPORTS[request.param]
    out = tmp_path_factory.mktemp(request.param) / "out"
    summary = ingest_survey(BYO / name, out_dir=out, root=out.parent, **kwargs)
    return request.param, summary, pd.read_parquet(out / "respondents.parquet"), pd.read_parquet(out / "needs.parquet")


def test_pyxform_accepts_the_form_with_its_wecare_columns():
    from pyxform.xls2xform import convert

    xml = convert(xlsform=str(FORM)).xform  # raises PyXFormError on an invalid form
    assert "rwb_conciliazione" in xml and "/data/bisogni/cura_anziani" in xml and "/data/azienda/comune" in xml
    assert "<wecare>F</wecare>" in xml  # extra choice columns become item data, as XLSForm allows


def test_the_form_is_read_with_its_concepts_groups_and_levels():
    from wecare_analysis.survey.form import read_xlsform

    form = read_xlsform(FORM)
    by_name = {q.name: q for q in form.questions}
    assert by_name["comune"].wecare == "municipality" and by_name["comune"].xpath == "azienda/comune"
    assert by_name["servizi"].type == "select_multiple" and by_name["servizi"].list_name == "servizi"
    assert by_name["dipendenti"].wecare == "" and by_name["cura_anziani"].group_labels == ("I tuoi bisogni",)
    assert [c.wecare for c in form.choices["fasce"]] == ["18-34", "35-44", "45-54", "55+"]
    assert form.title == "Rete Welfare Biellese: bisogni di conciliazione"


def test_valid_rows_kept_planted_rows_quarantined_with_reasons(ingested):
    name, summary, _kept, _needs = ingested
    assert (summary["rows_read"], summary["rows_kept"], summary["rows_quarantined"]) == (33, 30, 3)
    assert summary["rows_read"] == summary["rows_kept"] + summary["rows_quarantined"]
    errors = summary["errors"]
    assert "row 32" in errors[0] and "missing required answer: the municipality" in errors[0]
    assert any("row 33" in e and "antissimo" in e and "mapping row value,need_eldercare" in e for e in errors)
    assert "row 34" in errors[-1] and "duplicate respondent" in errors[-1]
    if name == "kobo_xml":  # a planted bad 0/1 flag in the row without a municipality
        assert any("row 32" in e and "'bisogni/servizi/palestra': not a yes/no flag" in e for e in errors)
    assert summary["unmatched_columns"] == []


def test_kept_answers_equal_the_answers_given(ingested, truth):
    _name, summary, kept, _needs = ingested
    assert kept["municipality_code"].tolist() == truth["comune"].map(CODES).tolist()
    assert kept["sex"].tolist() == truth["genere"].map({"donna": "F", "uomo": "M", "nd": None}).tolist()
    bands = {"f1": "18_34", "f2": "35_44", "f3": "45_54", "f4": "55_plus"}
    assert kept["age_class"].tolist() == truth["fascia_eta"].map(bands).tolist()
    assert kept["role"].tolist() == truth["ruolo"].map({"dip": "employee", "tit": "owner"}).tolist()
    assert summary["age_bands"] == ["18_34", "35_44", "45_54", "55_plus"]
    assert set(summary["concepts_found"]) == {"municipality", "sex", "age_class", "role", "need_eldercare",
                                              "need_smart_working", "need_childcare_0_2", "need_childcare_6_14",
                                              "need_mobility", "need_leisure_wellbeing"}
    assert "size_class" in summary["concepts_missing"] and "municipality" not in summary["concepts_missing"]


def _expected_needs(truth: pd.DataFrame, empty_is_none_chosen: bool) -> pd.DataFrame:
    """Need flags computed by hand from the answers: 4-point Likert expressed at 3 and 4; services chosen."""
    likert = {"1": 0.0, "2": 0.0, "3": 1.0, "4": 1.0, "ns": np.nan}
    chosen = truth["servizi"].str.split()
    answered = (truth["servizi"] != "") | empty_is_none_chosen

    def service(code):
        return pd.Series(np.where(answered, [float(code in c) for c in chosen], np.nan))

    eld_likert = truth["cura_anziani"].map(likert)
    eld_service = service("badante")
    eldercare = np.where(eld_likert.isna(), eld_service, np.where(eld_service.isna(), eld_likert,
                                                                  np.maximum(eld_likert, eld_service)))
    return pd.DataFrame({"need_smart_working": truth["orari"].map(likert), "need_eldercare": eldercare,
                         "need_childcare_0_2": service("nido"), "need_mobility": service("trasporto")})


def test_need_flags_equal_a_hand_computation(ingested, truth):
    name, summary, _kept, needs = ingested
    expected = _expected_needs(truth, EXPORTS[name][2])
    for col in expected:
        assert needs[col].astype(float).tolist() == pytest.approx(expected[col].tolist(), nan_ok=True), col
    assert summary["need_scales"]["need_eldercare"]["points"] == 4
    assert summary["need_scales"]["need_eldercare"]["expressed_from"] == 3


def test_weighted_need_shares_equal_a_hand_computation(tmp_path, truth):
    """Raked on the province margin only, weights are N_p / n_p: the share is sum_p N_p * mean_p / sum_p N_p."""
    from wecare_analysis.survey.concepts import age_band_edges, available_margins
    from wecare_analysis.survey.design import survey_design
    from wecare_analysis.survey.estimate import estimate_means
    from wecare_analysis.survey.weights import margin_specs, rake
    from wecare_analysis.territory import population_by_age_sex

    summary = ingest_survey(BYO / "conciliazione_kobo_xml.csv", out_dir=tmp_path / "out", root=tmp_path, form=FORM)
    needs = pd.read_parquet(tmp_path / "out" / "needs.parquet")
    margins = available_margins(summary, root=str(tmp_path))
    assert set(margins["variable"]) == {"province_sigla", "sex", "age_class"}
    province = margins[margins["variable"] == "province_sigla"]
    province = province[province["level"].isin(needs["province_sigla"].unique())]
    raked = rake(survey_design(len(needs)), margin_specs(needs, province)).design
    est = estimate_means(needs, ["need_smart_working", "need_childcare_0_2"], raked).set_index("variable")

    pop = population_by_age_sex(2023, "01", str(tmp_path))
    pop = pop[pop["age"] >= 18]  # the survey's bands 18-34 ... 55+ cover ages 18 to 100+
    sigla = {96: "BI", 2: "VC", 1: "TO", 5: "AT"}
    n_pop = pop.groupby(pop["municipality_code"] // 1000)["residents"].sum().rename(index=sigla)
    assert province.set_index("level")["total"].to_dict() == pytest.approx(n_pop[list(sigla.values())].to_dict())
    truth = truth.assign(province=truth["comune"].map(CODES).floordiv(1000).map(sigla))
    expected = _expected_needs(truth, True).assign(province=truth["province"])
    for col in ("need_smart_working", "need_childcare_0_2"):
        by_prov = expected.groupby("province")[col].mean()
        hand = (by_prov * n_pop[by_prov.index]).sum() / n_pop[by_prov.index].sum()
        assert est.loc[col, "estimate"] == pytest.approx(hand, rel=1e-9)
    assert age_band_edges(summary) == {"18_34": (18, 34), "35_44": (35, 44), "45_54": (45, 54),
                                       "55_plus": (55, 100)}
    ages = margins[margins["variable"] == "age_class"].set_index("level")["total"]
    assert ages["35_44"] == pytest.approx(pop[pop["age"].between(35, 44)]["residents"].sum())


def test_draft_from_the_form_then_validate_through_the_mapping_gives_the_same(tmp_path):
    out_map = tmp_path / "map.xlsx"
    assert main(["survey", "map", str(BYO / "conciliazione_kobo_xml.csv"), "--form", str(FORM),
                 "--out", str(out_map)]) == 0
    mapping = pd.read_excel(out_map, dtype=str).fillna("")
    assert list(mapping.columns) == ["kind", "source", "concept", "level", "note"]
    rows = {(r.kind, r.source): (r.concept, r.level) for r in mapping.itertuples()}
    assert rows[("column", "azienda/comune")] == ("municipality", "")
    assert rows[("column", "bisogni/servizi/nido")] == ("needs", "childcare_0_2")
    assert rows[("column", "_uuid")] == ("-", "")
    assert ("value", "f4") in rows and rows[("value", "f4")] == ("age_class", "55+")
    via_map = ingest_survey(BYO / "conciliazione_kobo_xml.csv", out_dir=tmp_path / "a", root=tmp_path,
                            mapping=out_map)
    via_form = ingest_survey(BYO / "conciliazione_kobo_xml.csv", out_dir=tmp_path / "b", root=tmp_path, form=FORM)
    assert via_map["rows_kept"] == via_form["rows_kept"] == 30
    a, b = (pd.read_parquet(tmp_path / d / "needs.parquet").drop(columns=["respondent_id", "firm_id"])
            for d in ("a", "b"))
    pd.testing.assert_frame_equal(a, b)  # respondent ids differ only by the salt of each output folder


def test_survey_map_without_form_guesses_and_leaves_blanks(tmp_path):
    out_map = tmp_path / "map.csv"
    assert main(["survey", "map", str(BYO / "conciliazione_google.csv"), "--out", str(out_map)]) == 0
    mapping = pd.read_csv(out_map, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cols = mapping[mapping["kind"] == "column"].set_index("source")
    assert cols.loc["Informazioni cronologiche", "concept"] == "-"
    assert cols.loc["In quale comune lavori?", "concept"] == "municipality"
    assert cols.loc["Sei:", "concept"] == ""  # cannot tell: left for the user
    values = mapping[mapping["kind"] == "value"].set_index("source")
    assert values.loc["Trasporto casa-lavoro", "level"] == "need_mobility"
    assert values.loc["Titolare", "level"] == ""


def test_validate_json_has_concepts_and_out_dir_keeps_everything_inside(tmp_path, capsys, monkeypatch):
    project = tmp_path / "project"
    (project / "data" / "raw").mkdir(parents=True)
    inbox = tmp_path / "inbox"  # the export and its form, where the user keeps them
    inbox.mkdir()
    for source in (BYO / "conciliazione_kobo_xml.csv", FORM):
        (inbox / source.name).write_bytes(source.read_bytes())
    monkeypatch.chdir(project)
    before = sorted(p for p in tmp_path.rglob("*"))
    out = tmp_path / "elsewhere" / "out"
    code = main(["survey", "validate", str(inbox / "conciliazione_kobo_xml.csv"), "--form", str(inbox / FORM.name),
                 "--json", "--out", str(out)])
    summary = json.loads(capsys.readouterr().out)
    assert code == 1 and summary["rows_read"] == summary["rows_kept"] + summary["rows_quarantined"] == 33
    assert (summary["rows_kept"], summary["rows_quarantined"]) == (30, 3)
    assert "need_eldercare" in summary["concepts_found"] and "size_class" in summary["concepts_missing"]
    assert set(summary["concepts_found"]).isdisjoint(summary["concepts_missing"])
    # nothing written outside DIR: not into the working project, not beside the export (no quarantine file there)
    written = sorted(p for p in tmp_path.rglob("*") if p not in before)
    outside = [str(p.relative_to(tmp_path)) for p in written if not (p == out.parent or out == p or out in p.parents)]
    assert written and not outside, outside
    restricted = pd.read_csv(summary["outputs"]["restricted_free_text"])
    assert Path(summary["outputs"]["restricted_free_text"]).parent == out / "restricted"
    assert restricted["extra_text_altro"].tolist() == ["Servirebbe un doposcuola vicino"]
    for path in out.glob("*.*"):
        assert b"doposcuola" not in path.read_bytes(), path
    assert "extra_dipendenti" in pd.read_parquet(out / "respondents.parquet").columns


def test_the_column_report_lists_values_counts_and_the_fixing_row(ingested):
    _name, summary, _kept, _needs = ingested
    entry = next(e for e in summary["column_report"] if e["concept"] == "need_eldercare")
    assert entry["values"][0]["count"] == 1 and entry["values"][0]["value"].lower() == "tantissimo"
    assert entry["fix"] == [f"value,need_eldercare,{entry['values'][0]['value']},<level>"]


@pytest.mark.parametrize("export, args", [
    ("why_google_forms.csv", ["--mapping", str(BYO / "why_google_forms_mapping.csv")]),
    ("why_limesurvey.csv", []),
    ("why_kobo_labels.xlsx", []),
    ("why_msforms.xlsx", ["--mapping", str(BYO / "why_msforms_mapping.csv")]),
])
def test_the_four_exports_of_the_issue_keep_every_row(tmp_path, capsys, export, args):
    code = main(["survey", "validate", str(BYO / export), *args, "--json", "--out", str(tmp_path / "o"),
                 "--root", str(tmp_path)])
    summary = json.loads(capsys.readouterr().out)
    assert (code, summary["rows_read"], summary["rows_kept"]) == (0, 200, 200), summary["errors"][:3]
    assert summary["rows_read"] == summary["rows_kept"] + summary["rows_quarantined"]
    assert {"municipality", "sex", "age_class", "need_eldercare"} <= set(summary["concepts_found"])
    assert set(summary["concepts_found"]).isdisjoint(summary["concepts_missing"])
    kept = pd.read_parquet(tmp_path / "o" / "respondents.parquet")
    assert kept["municipality_code"].notna().all() and kept["province_sigla"].notna().all()


def test_kobo_labels_joined_by_spaces_are_the_options_chosen(tmp_path):
    """why_kobo_labels.xlsx joins option labels that contain spaces; they must match the demo's codes."""
    summary = ingest_survey(BYO / "why_kobo_labels.xlsx", out_dir=tmp_path / "o", root=tmp_path)
    kept = pd.read_parquet(tmp_path / "o" / "respondents.parquet")
    lime = ingest_survey(BYO / "why_limesurvey.csv", out_dir=tmp_path / "l", root=tmp_path)
    other = pd.read_parquet(tmp_path / "l" / "respondents.parquet")
    assert summary["rows_kept"] == lime["rows_kept"] == 200
    assert kept["welfare_forms"].tolist() == other["welfare_forms"].tolist()
    assert (kept["welfare_forms"].str.contains(" ")).any()
    assert kept["need_mobility"].tolist() == other["need_mobility"].tolist()


def test_a_data_row_is_never_taken_as_the_header(tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_text("Colonna A;Colonna B;Colonna C\nMario Rossi;housing;training\nAnna Bianchi;mobility;safety\n",
                    encoding="utf-8")
    code = main(["survey", "validate", str(path), "--json", "--out", str(tmp_path / "o"), "--root", str(tmp_path)])
    summary = json.loads(capsys.readouterr().out)
    assert code == 2 and "Mario Rossi" not in json.dumps(summary)
    from wecare_analysis.survey.codebook import load_codebook
    from wecare_analysis.survey.layout import HeaderMatcher
    from wecare_analysis.survey.readers import read_table

    table = read_table(path, HeaderMatcher(load_codebook()).score)
    assert table.header_row == 1 and list(table.data.columns) == ["Colonna A", "Colonna B", "Colonna C"]


def test_a_survey_without_a_need_item_or_a_place_is_refused(tmp_path, capsys):
    mapping = tmp_path / "map.csv"
    mapping.write_text("kind,source,concept,level,note\ncolumn,Sei:,sex,,\n"
                       "column,In quale comune lavori?,municipality,,\n", encoding="utf-8")
    code = main(["survey", "validate", str(BYO / "conciliazione_google.csv"), "--mapping", str(mapping),
                 "--out", str(tmp_path / "o"), "--root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "no need item found" in err and "Quali servizi ti sarebbero utili?" in err


def test_a_mapping_level_that_is_no_level_is_refused_with_the_row(tmp_path, capsys):
    mapping = tmp_path / "map.csv"
    mapping.write_text("kind,source,concept,level,note\ncolumn,Sei:,sex,,\nvalue,Donna,sex,woman,\n",
                       encoding="utf-8")
    code = main(["survey", "validate", str(BYO / "conciliazione_google.csv"), "--mapping", str(mapping),
                 "--out", str(tmp_path / "o"), "--root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "row 3" in err and "'woman' is not a level of sex" in err and "F (Femmina)" in err


def test_homonyms_without_province_are_quarantined_with_the_candidates(tmp_path):
    data = pd.read_csv(BYO / "conciliazione_google.csv", dtype=str, keep_default_na=False)
    data.loc[0, "In quale comune lavori?"] = "Samone"
    path = tmp_path / "g.csv"
    data.to_csv(path, index=False)
    summary = ingest_survey(path, out_dir=tmp_path / "o", root=tmp_path,
                            mapping=BYO / "conciliazione_google_mapping.csv")
    assert summary["rows_kept"] == 29
    assert any("row 2" in e and "Samone (TO), Samone (TN)" in e for e in summary["errors"])


def test_raking_margins_leave_out_what_was_not_asked_or_not_answered(tmp_path):
    from wecare_analysis.survey.concepts import raking_margins

    summary = ingest_survey(BYO / "conciliazione_kobo_xml.csv", out_dir=tmp_path / "out", root=tmp_path, form=FORM)
    needs = pd.read_parquet(tmp_path / "out" / "needs.parquet")
    margins, notes = raking_margins(needs, summary, root=str(tmp_path))
    assert set(margins["variable"]) == {"province_sigla", "age_class"}  # one respondent preferred not to say
    assert set(margins.loc[margins["variable"] == "province_sigla", "level"]) == {"BI", "VC", "TO", "AT"}
    assert notes == ["I pesi non usano il sesso: 1 rispondente non lo ha indicato."]
    assert (needs["firm_id"] == needs["respondent_id"]).all()  # no firm code asked: own clusters


def test_raking_margins_count_the_residents_of_the_surveyed_provinces_only(tmp_path):
    """Province and age totals describe the same population: the residents of BI, VC, TO, AT (by hand)."""
    from wecare_analysis.survey.concepts import raking_margins
    from wecare_analysis.territory import population_by_age_sex

    summary = ingest_survey(BYO / "conciliazione_kobo_xml.csv", out_dir=tmp_path / "out", root=tmp_path, form=FORM)
    needs = pd.read_parquet(tmp_path / "out" / "needs.parquet")
    margins, _notes = raking_margins(needs, summary, root=str(tmp_path))
    pop = population_by_age_sex(2023, "01", str(tmp_path))
    surveyed = pop[(pop["municipality_code"] // 1000).isin([96, 2, 1, 5]) & (pop["age"] >= 18)]  # BI VC TO AT
    ages = margins[margins["variable"] == "age_class"].set_index("level")["total"]
    for band, (lo, hi) in {"18_34": (18, 34), "35_44": (35, 44), "45_54": (45, 54), "55_plus": (55, 200)}.items():
        assert ages[band] == pytest.approx(surveyed[surveyed["age"].between(lo, hi)]["residents"].sum()), band
    provinces = margins[margins["variable"] == "province_sigla"]["total"]
    assert ages.sum() == pytest.approx(provinces.sum()) == pytest.approx(surveyed["residents"].sum())
    assert ages.sum() < pop[pop["age"] >= 18]["residents"].sum()  # not the whole region


def test_headers_without_group_prefixes_and_text_only_headings(tmp_path):
    kobo = pd.read_csv(BYO / "conciliazione_kobo_xml.csv", sep=";", dtype=str, keep_default_na=False)
    flat = kobo.rename(columns=lambda c: c.split("/", 1)[1] if c.count("/") == 1 else c)  # "comune", "servizi/nido"
    flat.to_csv(tmp_path / "flat.csv", sep=";", index=False)
    summary = ingest_survey(tmp_path / "flat.csv", out_dir=tmp_path / "a", root=tmp_path, form=FORM)
    assert (summary["rows_kept"], summary["rows_quarantined"], summary["unmatched_columns"]) == (30, 3, [])
    lime = pd.read_csv(BYO / "why_limesurvey.csv", dtype=str, keep_default_na=False)
    text_only = lime.rename(columns=lambda c: c.split(". ", 1)[1])  # LimeSurvey "question text" headings
    text_only.to_csv(tmp_path / "text.csv", index=False)
    both = [ingest_survey(tmp_path / name, out_dir=tmp_path / name[:4], root=tmp_path)
            for name in ("text.csv",)] + [ingest_survey(BYO / "why_limesurvey.csv", out_dir=tmp_path / "code",
                                                        root=tmp_path)]
    assert [b["rows_kept"] for b in both] == [200, 200]
    a, b = (pd.read_parquet(tmp_path / d / "respondents.parquet") for d in ("text", "code"))
    assert a["welfare_forms"].tolist() == b["welfare_forms"].tolist()
    assert a["need_community"].tolist() == b["need_community"].tolist()


def test_expressed_override_and_yes_no_need_items(tmp_path):
    mapping = pd.read_csv(BYO / "conciliazione_google_mapping.csv", dtype=str, keep_default_na=False)
    extra = pd.DataFrame([{"kind": "expressed", "source": "", "concept": "need_eldercare", "level": "4", "note": ""},
                          {"kind": "column", "source": "Ti serve un aiuto per la casa?", "concept": "need_housing",
                           "level": "", "note": ""}])
    pd.concat([mapping, extra]).to_csv(tmp_path / "map.csv", index=False)
    data = pd.read_csv(BYO / "conciliazione_google.csv", dtype=str, keep_default_na=False)
    data["Ti serve un aiuto per la casa?"] = ["Sì", "No", "Non so"] * 11
    data.to_csv(tmp_path / "g.csv", index=False)
    summary = ingest_survey(tmp_path / "g.csv", out_dir=tmp_path / "o", root=tmp_path, mapping=tmp_path / "map.csv")
    needs = pd.read_parquet(tmp_path / "o" / "needs.parquet")
    kept = pd.read_csv(BYO / "conciliazione_truth.csv", dtype=str, keep_default_na=False).iloc[:30]
    likert_only = kept["cura_anziani"].map({"1": 0.0, "2": 0.0, "3": 0.0, "4": 1.0, "ns": np.nan})
    listed = kept["servizi"].str.contains("badante").astype(float).where(kept["servizi"] != "")
    expected = pd.concat([likert_only, listed], axis=1).max(axis=1, skipna=True)
    assert needs["need_eldercare"].tolist() == pytest.approx(expected.tolist(), nan_ok=True)
    assert summary["need_scales"]["need_eldercare"]["expressed_from"] == 4
    assert needs["need_housing"].tolist()[:3] == pytest.approx([1.0, 0.0, np.nan], nan_ok=True)


def test_profile_of_a_survey_with_its_own_age_bands(tmp_path):
    from wecare_analysis.survey.profile import profile_counts

    ingest_survey(BYO / "conciliazione_kobo_xml.csv", out_dir=tmp_path / "o", root=tmp_path, form=FORM)
    needs = pd.read_parquet(tmp_path / "o" / "needs.parquet")
    truth = pd.read_csv(BYO / "conciliazione_truth.csv", dtype=str, keep_default_na=False).iloc[:30]
    counts = profile_counts(needs, "age_class")
    assert list(counts.index) == ["18-34 anni", "35-44 anni", "45-54 anni", "55 anni e più"]
    by_band = truth["fascia_eta"].value_counts()
    assert counts.sum(axis=1).tolist() == [by_band.get(f, 0) for f in ("f1", "f2", "f3", "f4")]


def test_a_form_naming_an_unknown_concept_or_no_xlsform_is_refused(tmp_path, capsys):
    survey = pd.read_excel(FORM, sheet_name="survey", dtype=str).fillna("")
    choices = pd.read_excel(FORM, sheet_name="choices", dtype=str).fillna("")
    survey.loc[survey["name"] == "genere", "wecare"] = "gender"
    bad = tmp_path / "bad_form.xlsx"
    with pd.ExcelWriter(bad) as xw:
        survey.to_excel(xw, sheet_name="survey", index=False)
        choices.to_excel(xw, sheet_name="choices", index=False)
    code = main(["survey", "validate", str(BYO / "conciliazione_kobo_xml.csv"), "--form", str(bad),
                 "--out", str(tmp_path / "o"), "--root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "question 'genere': wecare = 'gender' is no workbench concept" in err
    code = main(["survey", "validate", str(BYO / "conciliazione_kobo_xml.csv"), "--form",
                 str(BYO / "why_msforms.xlsx"), "--out", str(tmp_path / "o"), "--root", str(tmp_path)])
    assert code == 2 and "not an XLSForm: no sheet 'survey'" in capsys.readouterr().err


def test_headers_left_blank_in_the_mapping_are_reported_not_used(tmp_path):
    mapping = pd.read_csv(BYO / "conciliazione_google_mapping.csv", dtype=str, keep_default_na=False)
    mapping.loc[mapping["source"] == "Ruolo in azienda", "concept"] = ""
    mapping.to_csv(tmp_path / "map.csv", index=False)
    summary = ingest_survey(BYO / "conciliazione_google.csv", out_dir=tmp_path / "o", root=tmp_path,
                            mapping=tmp_path / "map.csv")
    assert summary["unmatched_columns"] == ["Ruolo in azienda"] and "role" in summary["concepts_missing"]
    assert summary["rows_kept"] == 30
