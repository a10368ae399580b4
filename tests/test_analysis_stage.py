"""Issue 19: one RunParameters, one region analysis (one estimate path, one offer path), declared inputs."""

from __future__ import annotations

import ast
import json
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis.analysis import NOTEBOOK_PARAMETERS, RunParameters, analyse_region
from wecare_analysis.analysis.datasets import declared_files, declared_parameters
from wecare_analysis.report.exports import read_workbook

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _parameters_cell(path: Path) -> dict[str, object]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, path.name
    tree = ast.parse("".join(cells[0]["source"]))
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)}


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_notebook_parameters_cell_is_run_parameters(path: Path) -> None:
    cell = _parameters_cell(path)
    defaults = RunParameters(min_cell=None)
    expected = [n for n in NOTEBOOK_PARAMETERS if n != "province" or "province" in cell]
    assert list(cell) == expected, path.name  # the same names, in the same order, in every notebook
    field_names = {f.name for f in fields(RunParameters)}
    for name, value in cell.items():
        if name in field_names and name not in ("min_cell", "root"):
            assert value == getattr(defaults, name), (path.name, name)
    assert cell["min_cell"] is None and cell["root"] is None and cell.get("output_dir") is None
    text = path.read_text(encoding="utf-8")
    for surgery in ('split(\\"\\\\n\\\\n\\", 1)[1]', 'replace(\\"## \\", \\"### \\", 1)', "transfer[0]", "min_cell = 5"):
        assert surgery not in text, (path.name, surgery)


def test_threshold_has_one_source(monkeypatch) -> None:
    monkeypatch.delenv("WECARE_MIN_CELL", raising=False)
    assert RunParameters().min_cell == 5
    monkeypatch.setenv("WECARE_MIN_CELL", "10")
    assert RunParameters().min_cell == 10
    assert RunParameters(min_cell=7).min_cell == 7  # the parameter, when given, wins
    injected = RunParameters().notebook_parameters("BI", "/tmp/out")
    assert injected["min_cell"] == 10 and injected["province"] == "BI"
    assert "province" not in RunParameters().notebook_parameters(None, None)
    from wecare_analysis.errors import EXIT_UNUSABLE, InputError

    monkeypatch.setenv("WECARE_MIN_CELL", "cinque")
    with pytest.raises(InputError) as bad:
        RunParameters()
    assert bad.value.exit_code == EXIT_UNUSABLE and "WECARE_MIN_CELL" in str(bad.value)


def test_declarations_name_the_ingested_survey_and_nothing_unrelated(tmp_path) -> None:
    survey = tmp_path / "data" / "processed" / "survey"
    survey.mkdir(parents=True)
    (survey / "needs.parquet").write_bytes(b"x")
    (tmp_path / "data" / "processed" / "territory_2022_r01.manifest.json").write_text("{}")
    restricted = tmp_path / "data" / "raw" / "restricted"
    restricted.mkdir(parents=True)
    (restricted / "free_text.csv").write_text("a\n")
    params = RunParameters(root=str(tmp_path), ahp_path=str(tmp_path / "ahp.csv"))
    files = {p.relative_to(tmp_path).as_posix() for p in declared_files(["assessments"], params)}
    assert "data/processed/survey/needs.parquet" in files and "ahp.csv" in files
    assert "data/processed/territory_2023_r01.parquet" in files
    assert not any("2022" in f or "restricted" in f for f in files)
    assert "ahp_path" in declared_parameters(["assessments"], params)
    assert "ahp_path" not in declared_parameters(["needs"], params)  # a new AHP file keeps the MRP cached
    assert "min_cell" in declared_parameters(["needs"], params)


@pytest.fixture(scope="module")
def strict(project_root: Path):
    return analyse_region(RunParameters(root=str(project_root), min_cell=10))


def test_threshold_10_leaves_no_published_cell_under_10(strict, project_root) -> None:
    from wecare_analysis.report import document as doc

    groups = strict.needs.groups
    shown = groups[~groups["suppressed"]]
    assert len(shown) and (shown["n"] >= 10).all()
    assert set(groups.loc[groups["suppressed"], "n_label"]) <= {"< 10", "n.p."}
    muni = strict.needs.municipality
    counts = pd.to_numeric(muni["n_label"], errors="coerce")
    assert not ((counts > 0) & (counts < 10)).any() and (muni["n_label"] == "< 10").any()
    profile = doc.profile_table(strict.survey.needs, "BI", strict.min_cell)
    numbers = profile[["BI"]].apply(pd.to_numeric, errors="coerce")
    assert not ((numbers > 0) & (numbers < 10)).any().any()
    table = doc.needs_table(groups, ["BI", strict.region_name], {"BI": "Biella"})
    respondents = pd.to_numeric(table["Rispondenti"], errors="coerce")
    assert not ((respondents > 0) & (respondents < 10)).any()
    assert "«< 10»" in doc.methods_markdown(strict.survey, 2023, strict.min_cell)


def test_one_estimate_path_and_one_offer_path(strict) -> None:
    from wecare_analysis.analysis.needs import province_prevalence
    from wecare_analysis.report import service_offer as so

    criteria = strict.transfer_inputs.criteria
    # the criteria's need prevalence is the reports' design-based estimate, with the reports' weights
    expected = province_prevalence(strict.respondents, strict.design)
    pd.testing.assert_frame_equal(criteria.prevalence.reset_index(drop=True), expected.reset_index(drop=True))
    shown = strict.needs.groups.query("group_var == 'all' and territory == 'BI' and not suppressed")
    row = shown.iloc[0]
    prev = criteria.prevalence.set_index(["province_sigla", "need_area"])
    assert prev.loc[("BI", row["variable"][len("need_"):]), "prevalence"] == pytest.approx(row["estimate"])
    # report 00's offer, the criteria's access and the overview's offer are one table
    pd.testing.assert_frame_equal(criteria.access, strict.offer.gaps)
    assert so.analysis_offer(strict, "BI").gaps is strict.offer.gaps
    assert so.RegionalOffer.of(2023, strict.territory, strict.offer).gaps is strict.offer.gaps
    assert not any("dati sintetici dimostrativi" in n and "Offerta" in n for n in strict.transfer_inputs.notes)


def test_recipe_notebook_answers_through_the_api(project_root, tmp_path) -> None:
    """Notebook 06: needs of women 25-44 with children 0-2 in low-density municipalities, a few short cells."""
    from conftest import execute_notebook

    from wecare_analysis.analysis.domains import LOW_DENSITY, density_class, domain_needs

    nb, text, _ = execute_notebook("06_recipe_api.ipynb", project_root, tmp_path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and not {"parameters", "injected-parameters"}
            & set(c["metadata"].get("tags", []))]
    assert len(code) <= 3 and all(len("".join(c["source"]).splitlines()) <= 8 for c in code)
    analysis = analyse_region(RunParameters(root=str(project_root)))
    people = analysis.respondents
    low = people["municipality_code"].map(density_class(analysis.territory)) == LOW_DENSITY
    domain = (people["sex"] == "F") & people["age_class"].isin(["25_34", "35_44"]) & (people["children_0_2"] > 0) & low
    needs = domain_needs(analysis, domain)
    top = needs.iloc[0]
    assert top["label"] in text and int(top["n"]) == int(domain.sum()) >= analysis.min_cell
    # the domain estimate is the weighted mean over the domain's respondents (a ratio estimator)
    w = pd.Series(analysis.design.weights, index=people.index)[domain]
    assert top["estimate"] == pytest.approx((w * people.loc[domain, top["variable"]]).sum() / w.sum())


def test_report_with_threshold_10_publishes_no_count_under_10(strict, project_root, tmp_path) -> None:
    """The threshold set once (the run parameter ``min_cell``) reaches every section and output of report 00."""
    from conftest import execute_notebook

    from wecare_analysis.report.bundle import definitions_table

    _, text, out = execute_notebook("00_province_report.ipynb", project_root, tmp_path, province="BI", min_cell=10)
    assert "«< 10»" in text and "< 5" not in text
    sheets = read_workbook(out / "findings.xlsx", sheet_name=None)
    glossary = sheets["Definizioni e fonti"]
    assert "< 10" in set(glossary["Voce"]) and "< 5" not in set(glossary["Voce"])
    assert "< 5" not in " ".join(definitions_table(k=10)["Definizione"])
    counts = [sheets["Bisogni"]["Rispondenti"], *(sheets["Rispondenti"][c] for c in ("BI", "Piemonte"))]
    for csv in (out / "opendata").glob("*.csv"):
        table = pd.read_csv(csv, dtype=str)
        counts += [table[c] for c in table.columns if c.startswith("rispondenti")]
    for column in counts:
        numbers = pd.to_numeric(column, errors="coerce")
        assert not ((numbers > 0) & (numbers < 10)).any(), column.name
        assert not column.astype(str).eq("< 5").any()
    # issue 17: the desk contacts and the coded free text of "Attività del programma" too
    for sheet in ("Attività - sportelli", "Attività - richieste", "Attività - testo libero"):
        cells = sheets[sheet].drop(columns=["Provincia", "Area di bisogno"], errors="ignore")
        numbers = cells.apply(pd.to_numeric, errors="coerce")
        assert not ((numbers > 0) & (numbers < 10)).any().any(), sheet
        assert cells.isin(["in altre aree"]).any().any() or sheet == "Attività - sportelli", sheet
