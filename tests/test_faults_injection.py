"""Attacks through user-supplied text (issue 18, items 3, 4 and 11).

- Every injection string, as a file name, a service name or a survey value, is shown as text in the
  report's HTML and Markdown, never run (``safe_text``, ``display_table``, ``report.sanitise``).
- A text cell starting with ``= + - @``, a tab or a CR is written to every CSV and workbook with a leading
  ``'`` (OWASP CSV Injection), never as a formula; numbers stay numbers.
- Personal data typed in the wrong column (an e-mail in a need column, a name in the municipality column,
  a fiscal code in a numeric column) is masked in the quarantine, ``validation.json`` and the terminal.
"""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from openpyxl import load_workbook

from wecare_analysis.cli import main
from wecare_analysis.masking import Masker
from wecare_analysis.safe_text import is_formula_like, markdown_text, neutralised, restored_cell

IMG = "x_<img src=x onerror=alert(1)>.csv"
SCRIPT = "<script>alert(1)</script>"
#: Strings a spreadsheet would run as formulas (OWASP CSV Injection), and what they must become.
FORMULAS = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]
INJECTIONS = [IMG, SCRIPT, "**bold**", *FORMULAS]
SURVEY = Path(__file__).parent / "data" / "survey" / "base_kobo.csv"


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, and the text of its scripts."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def assert_no_live_html(page: str) -> None:
    parsed = Tags(page)
    handlers = [(t, a) for t, a in parsed.tags if any(k.lower().startswith("on") for k in a)]
    assert handlers == [], handlers
    assert not [t for t, a in parsed.tags if t == "img" and a.get("src") == "x"]
    assert not any("alert(1)" in s for s in parsed.scripts)


# --- escaping: helpers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", INJECTIONS)
def test_markdown_text_renders_as_the_same_literal_text(text):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    rendered = markdown2html_mistune(f"File «{markdown_text(text)}» letto.")
    assert_no_live_html(rendered)
    parsed = Tags(rendered)
    # no <em>, <strong>, <img>, <script>; a bare http address may become a link (mistune's autolinks)
    assert [t for t, a in parsed.tags if not (t == "a" and a["href"].startswith("http://"))] == ["p"]
    shown = "".join(HTMLText(rendered).parts).strip()
    assert shown == f"File «{' '.join(text.splitlines())}» letto."


class HTMLText(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.feed(text)

    def handle_data(self, data):
        self.parts.append(data)


def test_display_table_escapes_cells_and_headers():
    from wecare_analysis.report.document import display_table

    df = pd.DataFrame({"Servizio": [IMG, SCRIPT, "**bold**"], SCRIPT: [1, 2, 3]})
    page = display_table(df, 0).to_html()
    assert_no_live_html(page)
    assert [t for t, _ in Tags(page).tags if t in ("img", "script")] == []
    assert "x_&lt;img src=x onerror=alert(1)&gt;.csv" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_report_conversion_defuses_unescaped_tables_and_markdown(tmp_path):
    """The sink: a notebook whose outputs carry the raw strings (a Styler without escaping, Markdown with the
    raw file name) becomes an HTML report with no live element from them."""
    from wecare_analysis.report.html import notebook_to_html

    df = pd.DataFrame({"Comune": [IMG, SCRIPT], "n": [1, -2]})
    raw_styler = df.style.hide(axis="index").to_html()  # what `frame.style` in a notebook gives: not escaped
    assert "<img src=x onerror=alert(1)>" in raw_styler  # the hazard the conversion must remove
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("display(...)")
    cell.outputs = [
        nbformat.v4.new_output("display_data", {"text/markdown": f"Servizi: file fornito «{IMG}» {SCRIPT}",
                                                "text/plain": "<Markdown>"}),
        nbformat.v4.new_output("execute_result", {"text/html": raw_styler, "text/plain": "<Styler>"},
                               execution_count=1),
        nbformat.v4.new_output("display_data", {"application/javascript": "alert(1)", "text/plain": "js"}),
    ]
    nb.cells = [cell]
    source = tmp_path / "nb.ipynb"
    nbformat.write(nb, source)
    page = notebook_to_html(source, tmp_path / "report.html", "Prova").read_text(encoding="utf-8")
    assert_no_live_html(page)
    text = "".join(HTMLText(page).parts)
    assert IMG in text and SCRIPT in text  # shown as written
    assert "<td" in page and "-2" in text  # the table is still a table


# --- formula neutralisation ------------------------------------------------------------------------------

def test_neutralised_prefixes_formula_like_text_and_keeps_numbers():
    frame = pd.DataFrame({"text": FORMULAS + ["-3", "Biella", None], "number": [-1, -2.5, 3, 0, -7, 8, 1, 2, 3],
                          FORMULAS[0]: range(9)})
    out = neutralised(frame)
    assert out["text"].tolist()[:6] == ["'" + f.replace("\r", "\n") for f in FORMULAS]
    assert out["text"].tolist()[6:8] == ["-3", "Biella"] and pd.isna(out["text"].iloc[8])
    assert out["number"].dtype == frame["number"].dtype and out["number"].tolist() == frame["number"].tolist()
    assert list(out.columns)[2] == "'" + FORMULAS[0]
    assert [restored_cell(v) for v in out["text"][:5]] == FORMULAS[:5]
    assert not is_formula_like(-2) and is_formula_like("-2+3") and not is_formula_like("-2,5")


def test_workbook_cells_are_text_never_formulas(tmp_path):
    from wecare_analysis.report.exports import write_workbook

    sheet = pd.DataFrame({"Servizio": FORMULAS, "Valore": [-1.5, -2, 3, -4, 5, 6]})
    target = write_workbook({"Prova": sheet}, tmp_path / "findings.xlsx", lambda c, s: None)
    ws = load_workbook(target)["Prova"]
    cells = [ws.cell(row=r, column=1) for r in range(2, 8)]
    assert [c.data_type for c in cells] == ["s"] * 6
    assert [c.value for c in cells] == ["'" + f.replace("\r", "\n") for f in FORMULAS]
    numbers = [ws.cell(row=r, column=2) for r in range(2, 8)]
    assert [c.data_type for c in numbers] == ["n"] * 6 and [c.value for c in numbers] == [-1.5, -2, 3, -4, 5, 6]


def test_opendata_csv_and_dictionary_are_neutralised(tmp_path):
    from wecare_analysis.report.bundle import write_opendata

    table = pd.DataFrame({"Servizio": FORMULAS, "Differenza": [-1.5, -2.0, 3.0, -4.0, 5.0, 6.0]})
    paths = write_opendata({"servizi": table, SCRIPT: table.head(1)}, tmp_path,
                           descriptions={"Servizio": "=1+1 descrizione"})
    rows = list(csv.reader(io.StringIO(paths[0].read_bytes().decode("utf-8"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + f.replace("\r", "\n") for f in FORMULAS]
    assert [float(r[1]) for r in rows[1:]] == [-1.5, -2.0, 3.0, -4.0, 5.0, 6.0]  # negative numbers stay numbers
    dictionary = pd.read_csv(tmp_path / "dizionario_dati.csv", dtype=str)
    assert "'=1+1 descrizione" in dictionary["descrizione"].tolist()
    assert not any(is_formula_like(v) for v in dictionary.stack())
    note = dictionary.iloc[-1]  # the dictionary explains the apostrophe
    assert note["file"] == "(tutti)" and "apostrofo" in note["descrizione"] and "OWASP" not in note["descrizione"]


def test_mapping_draft_is_neutralised_and_reads_back_as_written(tmp_path):
    from wecare_analysis.survey.mapping import read_mapping, write_mapping

    mapping = pd.DataFrame({"kind": ["value"] * 3, "source": ["=HYPERLINK(\"http://x\")", "-2+3", "@SUM(A1)"],
                            "concept": ["role"] * 3, "level": ["owner", "employee", "owner"], "note": ""})
    for suffix in (".csv", ".xlsx"):
        path = write_mapping(mapping, tmp_path / f"mapping{suffix}")
        if suffix == ".xlsx":
            ws = load_workbook(path)["mapping"]
            assert [ws.cell(row=r, column=2).data_type for r in (2, 3, 4)] == ["s"] * 3
            assert all(str(ws.cell(row=r, column=2).value).startswith("'") for r in (2, 3, 4))
        else:
            assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig")
        assert read_mapping(path)["source"].tolist() == mapping["source"].tolist()


# --- masking ---------------------------------------------------------------------------------------------

def test_masker_finds_personal_data_in_any_text():
    m = Masker(names=["Tessitura Bianchi srl", "maria.bianchi@example.org"], person_names=["Maria Bianchi"])
    personal = ["maria.bianchi@example.org", "scrivere a x.y@pec.it", "BNCMRA80A41L219K", "bncmra80a41l21vk",
                "IT01234567890", "01234567890", "+39 011 555 1234", "347-1234567", "Maria Bianchi", "BIANCHI",
                "tessitura  bianchi SRL"]
    harmless = ["Biela", "001272", "15/03/2024", "2019-2024", "12", "Servizi per bambini", "L219", "boss"]
    assert [v for v in personal if m.value(v) != m.mask] == []
    assert [v for v in harmless if m.value(v) != v] == []
    assert m.text("'347 123 4567' is not a whole number") == f"'{m.mask}' is not a whole number"


def _survey_with_personal_data(path: Path) -> Path:
    df = pd.read_csv(SURVEY, sep=";", dtype=str, keep_default_na=False)
    df.loc[0, "contatti/respondent_name"] = "Maria Bianchi"
    df.loc[1, "bisogni/need_housing"] = "maria.bianchi@example.org"
    df.loc[2, "impresa/municipality"] = "Maria Bianchi"
    df.loc[3, "profilo/commute_minutes"] = "BNCMRA80A41L219K"
    df.loc[4, "bisogni/need_training"] = "347 123 4567"
    df.loc[5, "profilo/sex"] = "IT01234567890"
    df.loc[6, "profilo/role"] = '=HYPERLINK("http://x")'
    df.loc[7, "profilo/contract"] = "-2+3"
    df.loc[8, "profilo/working_time"] = "@SUM(A1)"
    df.to_csv(path, sep=";", index=False)
    return path


PERSONAL = ["maria", "bianchi", "BNCMRA80A41L219K", "347 123 4567", "3471234567", "01234567890"]


@pytest.mark.parametrize("as_json", [False, True])
def test_survey_validate_masks_personal_data_everywhere(tmp_path, capsys, as_json):
    from wecare_analysis.survey.validate import MASK

    path = _survey_with_personal_data(tmp_path / "indagine.csv")
    out = tmp_path / "out"
    code = main(["survey", "validate", str(path), "--out", str(out), "--root", str(tmp_path)]
                + (["--json"] if as_json else []))
    printed = capsys.readouterr()
    assert code == 1
    quarantine_text = (out / "quarantine.csv").read_text(encoding="utf-8")
    validation = (out / "validation.json").read_text(encoding="utf-8")
    for where, text in [("stdout", printed.out), ("stderr", printed.err), ("quarantine.csv", quarantine_text),
                        ("validation.json", validation)]:
        leaked = [p for p in PERSONAL if p.casefold() in text.casefold()]
        assert leaked == [], (where, leaked)
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str, keep_default_na=False)
    masked = quarantine.set_index("row")["value"]
    assert [masked[str(r)] for r in (3, 4, 5, 6, 7)] == [MASK] * 5  # spreadsheet rows: data row + 2
    summary = json.loads(validation)
    assert summary["rows_read"] == 12 and summary["rows_quarantined"] == 8 and summary["rows_kept"] == 4
    # the formula-like answers are kept readable but neutralised in the CSV
    assert masked["8"] == "'=HYPERLINK(\"http://x\")" and masked["9"] == "'-2+3" and masked["10"] == "'@SUM(A1)"
    reasons = quarantine.set_index("row")["reason"]
    assert reasons["5"] == f"'{MASK}' is not a whole number: expected commute_minutes from 0 to 240"
    if as_json:
        assert json.loads(printed.out)["errors_total"] == 8


def test_services_quarantine_is_masked_and_neutralised(tmp_path):
    from wecare_analysis.services import validate_services

    rows = pd.DataFrame({"id": ["a", "b", "c"], "categoria": ["bar", "asilo_nido", "farmacia"],
                         "nome": ['=HYPERLINK("http://x")', "Nido mario.rossi@example.org", "@SUM(A1)"],
                         "telefono": ["+39 011 555 1234", "-2+3", "RSSMRA80A01L219X"],
                         "lon": [8.05, None, None], "lat": [45.56, None, None]})
    path = tmp_path / "servizi.csv"
    rows.to_csv(path, index=False)
    result = validate_services(path)
    target = result.write_quarantine(tmp_path / "q.csv")
    assert result.rows_quarantined == 3
    text = target.read_text(encoding="utf-8")
    for leaked in ("mario.rossi", "555 1234", "RSSMRA80A01L219X"):
        assert leaked not in text
    quarantine = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert quarantine["nome"].tolist()[0] == "'=HYPERLINK(\"http://x\")"
    assert not any(is_formula_like(v) for v in quarantine.stack())


# --- the whole run (slow) ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_injection_strings_through_a_whole_run(project_root, tmp_path):
    """Survey and services files named ``x_<img src=x onerror=alert(1)>.csv``, service names and survey answers
    that are injection strings: no live element in the published HTML, no formula in its workbooks and CSVs,
    none in the quarantine files."""
    import shutil

    from wecare_analysis.services.sources import demo_or_user_services
    from wecare_analysis.territory import load_territory

    root = tmp_path / "project"
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed",
                    ignore=shutil.ignore_patterns("cache", "*.lock", "survey"))
    (tmp_path / "s").mkdir()
    (tmp_path / "v").mkdir()
    from wecare_analysis.demo.survey import write_demo_survey

    survey = tmp_path / "s" / IMG
    demo = write_demo_survey(tmp_path / "demo", n_respondents=1500, root=root, truth_draws=20)[0]
    df = pd.read_csv(demo, sep=";", dtype=str, keep_default_na=False)
    # a bare CR inside a survey value makes the reader take CR for the file's line ending (not this issue's)
    for i, text in enumerate(t for t in INJECTIONS if "\r" not in t):
        df.loc[i, "profilo/role" if i % 2 else "profilo/contract"] = text
    df.loc[0, "impresa/firm_name"] = SCRIPT
    df.to_csv(survey, sep=";", index=False)
    biella = set(load_territory(2023, "01", root).query("province_sigla == 'BI'")["municipality_code"])
    demo = demo_or_user_services(None, root)[0].kept
    good = demo[demo["municipality_code"].isin(biella)].to_crs(4326)
    names = [INJECTIONS[i % len(INJECTIONS)] for i in range(len(good))]
    services = tmp_path / "v" / IMG
    pd.DataFrame({"id": list(good["service_id"]) + ["x1"], "categoria": list(good["category"]) + ["asilo_nido"],
                  "nome": names + ["=HYPERLINK(\"http://x\")"], "lon": list(good.geometry.x.round(6)) + [None],
                  "lat": list(good.geometry.y.round(6)) + [None]}).to_csv(services, index=False)
    code = main(["run", "--province", "BI", "--root", str(root), "--survey", str(survey), "--services",
                 str(services), "--no-pdf", "--no-overview", "--no-progress", "--jobs", "1"])
    assert code == 1  # rows quarantined in both files
    report = root / "reports" / "BI"
    page = (report / "report.html").read_text(encoding="utf-8")
    assert_no_live_html(page)
    assert IMG in "".join(HTMLText(page).parts)  # the file names are shown as written
    for extra in report.rglob("*.html"):
        assert_no_live_html(extra.read_text(encoding="utf-8"))
        assert "</script><script>" not in extra.read_text(encoding="utf-8")
    for book in report.rglob("*.xlsx"):
        for ws in load_workbook(book).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (book.name, cell.coordinate, cell.value)
                    assert not is_formula_like(cell.value), (book.name, cell.coordinate, cell.value)
    quarantines = [root / "data" / "processed" / "survey" / "quarantine.csv", services.parent / f"{IMG}.quarantine.csv"]
    for table in [*report.rglob("*.csv"), *quarantines]:
        with table.open(encoding="utf-8", newline="") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert not any(is_formula_like(c) for c in cells), table
    survey_q = pd.read_csv(quarantines[0], dtype=str, keep_default_na=False)
    assert {"'" + f.replace("\r", "\n") for f in FORMULAS} & set(survey_q["value"])


def test_activities_quarantine_masks_a_partita_iva_and_neutralises_formulas(tmp_path, capsys):
    header = "Data;Sportello;Provincia;Canale;Area della richiesta;Dimensione dell'impresa;Esito;Note (riservate)"
    rows = ["05/02/2024;Sportello Cuneo;CN;phone;eldercare;2_9;information;",
            "06/02/2024;Sportello Torino;IT01234567890;email;health_prevention;0_1;follow_up;",
            "07/02/2024;Sportello Torino;=HYPERLINK(\"http://x\");email;housing;0_1;follow_up;"]
    path = tmp_path / "data" / "raw" / "sportelli.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    code = main(["activities", "validate", str(path), "--json", "--root", str(tmp_path),
                 "--period", "2023-01-01:2024-12-31"])
    printed = capsys.readouterr()
    summary = json.loads(printed.out)
    assert code == 1 and summary["rows_quarantined"] == 2
    quarantine_file = Path(summary["outputs"]["quarantine"])
    for text in (printed.out, printed.err, quarantine_file.read_text(encoding="utf-8")):
        assert "01234567890" not in text
    quarantine = pd.read_csv(quarantine_file, dtype=str, keep_default_na=False).set_index("row")
    assert quarantine.loc["3", "value"] == "[omesso: dato riservato]"
    assert quarantine.loc["4", "value"] == "'=HYPERLINK(\"http://x\")"
