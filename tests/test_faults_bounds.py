"""Fault injection: zip bombs and oversized workbooks are refused before parsing (issue 18, item 8).

The bombs are built here, never committed: a real workbook (openpyxl) whose sheet XML is replaced by
the same row repeated and deflated at level 9, so it inflates about 300 times.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis import bounded
from wecare_analysis.errors import InputError

ROW = b'<row r="2"><c r="A2" t="n"><v>1</v></c><c r="B2" t="n"><v>2</v></c></row>'


def write_bomb(path: Path, unzipped_mb: float, member: str = "xl/worksheets/sheet1.xml") -> Path:
    """A workbook (or, for another member name, an archive) whose ``member`` inflates to ``unzipped_mb`` MB."""
    from openpyxl import Workbook

    base = io.BytesIO()
    wb = Workbook()
    wb.active.append(["a", "b"])
    wb.save(base)
    block = ROW * 1000
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            if info.filename != member:
                out.writestr(info.filename, src.read(info))
        with out.open(member, "w", force_zip64=True) as fh:
            if member.endswith(".xml"):
                fh.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                         b'spreadsheetml/2006/main"><sheetData>')
            for _ in range(int(unzipped_mb * 1_000_000) // len(block)):
                fh.write(block)
            if member.endswith(".xml"):
                fh.write(b"</sheetData></worksheet>")
    return path


@pytest.fixture(scope="module")
def recipe_bomb(tmp_path_factory) -> Path:
    """The recipe of the issue: a workbook of about 3 MB that inflates to 920 MB."""
    return write_bomb(tmp_path_factory.mktemp("bomb") / "indagine.xlsx", 920)


@pytest.fixture(scope="module")
def small_bomb(tmp_path_factory) -> Path:
    """60 MB in about 0.2 MB (ratio about 300): under the size bound, over the ratio bound."""
    return write_bomb(tmp_path_factory.mktemp("small") / "servizi.xlsx", 60)


def test_recipe_bomb_refused_in_bounded_time_and_memory(recipe_bomb):
    from wecare_analysis.survey.readers import read_table

    assert recipe_bomb.stat().st_size < 4_000_000
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(InputError) as err:
        read_table(recipe_bomb, lambda row: 0)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0, elapsed  # was 594 s (and 2.2 GB) before the bound
    assert peak < 20_000_000, peak
    message = err.value.message
    assert message.startswith(f"{recipe_bomb}: refused before reading")
    assert "expands to 920.0 MB when unzipped" in message and "256.0 MB" in message
    assert "WECARE_MAX_UNZIPPED_MB=920" in message


def test_survey_validate_cli_exits_2_on_the_bomb(recipe_bomb, tmp_path, capsys):
    from wecare_analysis.cli import main

    code = main(["survey", "validate", str(recipe_bomb), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2
    assert "920.0 MB" in captured.err and "Traceback" not in captured.err
    assert not (tmp_path / "out" / "validation.json").exists()


def _reader(name: str):
    """The entry point of one reader (imported before the clock starts)."""
    from wecare_analysis.activities.ingest import validate_activities
    from wecare_analysis.practices.optional_inputs import read_mef_irpef
    from wecare_analysis.services.readers import read_services_file
    from wecare_analysis.survey.export import codebook_from_xlsform
    from wecare_analysis.survey.form import read_xlsform
    from wecare_analysis.survey.mapping import read_mapping
    from wecare_analysis.survey.readers import read_table
    from wecare_analysis.territory.sources import read_municipalities

    return {"survey": lambda p: read_table(p, lambda row: 0),
            "services_xlsx": lambda p: read_services_file(Path(p)),
            "services_zip": lambda p: read_services_file(Path(p)),
            "mef_zip": lambda p: read_mef_irpef(p, pd.DataFrame(columns=["municipality_code"])),
            "mef_xlsx": lambda p: read_mef_irpef(p, pd.DataFrame(columns=["municipality_code"])),
            "form": read_xlsform, "mapping": read_mapping,
            "municipalities": lambda p: read_municipalities(Path(p)),
            "activities": validate_activities, "xlsform_export": codebook_from_xlsform}[name]


@pytest.mark.parametrize("reader", ["survey", "services_xlsx", "services_zip", "mef_zip", "mef_xlsx", "form",
                                    "mapping", "municipalities", "activities", "xlsform_export"])
def test_every_reader_refuses_before_parsing(reader, small_bomb, tmp_path):
    """Each reader of a user's XLSX/ZIP calls the shared check: the ratio bound refuses the 60 MB bomb
    (survey exports, activities templates, services XLSX and zipped shapefiles, optional MEF inputs zipped
    or not, XLSForms, mappings, the municipality list)."""
    import shutil

    from wecare_analysis.practices.optional_inputs import UNUSABLE

    path = {"municipalities": lambda: shutil.copy(small_bomb, tmp_path / "Elenco-comuni-italiani.xlsx"),
            "mef_xlsx": lambda: shutil.copy(small_bomb, tmp_path / "irpef.xlsx"),
            "services_zip": lambda: write_bomb(tmp_path / "servizi_shp.zip", 60, member="servizi.dbf"),
            "mef_zip": lambda: write_bomb(tmp_path / "irpef.zip", 60, member="irpef.csv"),
            }.get(reader, lambda: small_bomb)()
    read = _reader(reader)
    started = time.perf_counter()
    if reader.startswith("mef"):
        result = read(path)
        assert result.status == UNUSABLE
        (message,) = [m for m in result.messages if "refused before reading" in m]
    else:
        with pytest.raises(InputError) as err:
            read(path)
        message = err.value.message
    assert time.perf_counter() - started < 1.0
    assert message.startswith(str(path)), message
    assert "refused before reading" in message and "expands" in message and "times" in message
    assert "WECARE_MAX_ZIP_RATIO=" in message and "above the bound of 100 times" in message


def test_genuine_workbook_is_counted_and_read(tmp_path):
    """A workbook as spreadsheets write it passes, with its rows and cells counted exactly."""
    from wecare_analysis.survey.readers import read_table

    frame = pd.DataFrame({"provincia": ["VB", "TO", "CN"] * 700, "eta": range(2100),
                          "nota": [f"risposta {i}" for i in range(2100)]})
    path = tmp_path / "ok.xlsx"
    frame.to_excel(path, index=False)
    assert bounded.check_xlsx(path) == {"xl/worksheets/sheet1.xml": (2101, 3 * 2101)}
    assert len(read_table(path, lambda row: 1).data) == 2100


def test_row_and_cell_bounds(tmp_path, monkeypatch):
    path = tmp_path / "rows.xlsx"
    pd.DataFrame({"a": range(149), "b": range(149)}).to_excel(path, index=False)  # 150 rows, 300 cells
    monkeypatch.setenv(bounded.ROWS_ENV, "100")
    with pytest.raises(InputError) as err:
        bounded.check_xlsx(path)
    assert "has 150 rows in xl/worksheets/sheet1.xml" in err.value.message
    assert "100 rows" in err.value.message and "WECARE_MAX_ROWS=150" in err.value.message
    monkeypatch.setenv(bounded.ROWS_ENV, "150")
    monkeypatch.setenv(bounded.CELLS_ENV, "299")
    with pytest.raises(InputError, match="has 300 cells"):
        bounded.check_xlsx(path)
    monkeypatch.setenv(bounded.CELLS_ENV, "300")
    assert bounded.check_xlsx(path)["xl/worksheets/sheet1.xml"] == (150, 300)


def test_size_bound_is_raised_by_its_variable(small_bomb, monkeypatch):
    monkeypatch.setenv(bounded.UNZIPPED_ENV, "50")
    with pytest.raises(InputError, match=r"expands to (59\.9|60\.0) MB when unzipped.*50\.0 MB"):
        bounded.check_zip(small_bomb)
    monkeypatch.setenv(bounded.UNZIPPED_ENV, "100")
    monkeypatch.setenv(bounded.RATIO_ENV, "1000")
    size = bounded.check_zip(small_bomb)
    assert 59_900_000 <= size.unzipped < 60_000_000 and size.compressed < 1_000_000


def test_member_bound_and_bad_variables(tmp_path, monkeypatch):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(12):
            zf.writestr(f"f{i}.csv", "a\n1\n")
    monkeypatch.setenv(bounded.MEMBERS_ENV, "10")
    with pytest.raises(InputError, match="declares 12 members.*WECARE_MAX_ZIP_MEMBERS=12"):
        bounded.check_zip(path)
    monkeypatch.setenv(bounded.MEMBERS_ENV, "-1")
    with pytest.raises(InputError, match="WECARE_MAX_ZIP_MEMBERS='-1': expected a positive number"):
        bounded.check_zip(path)


def test_tags_cut_between_pieces_are_counted_once(monkeypatch):
    xml = (b"<sheetData>" + b'<row r="1"><c r="A1"/><c r="B1"><v>1</v></c></row>' * 37
           + b"<x:row><x:c/></x:row><rowBreaks/><cols><col/></cols></sheetData>")
    for chunk in (1, 3, 7, 30, 1 << 20):
        monkeypatch.setattr(bounded, "_CHUNK", chunk)
        assert bounded._count_tags(io.BytesIO(xml)) == (38, 75), chunk


def test_not_a_zip_is_left_to_the_reader(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert bounded.check_xlsx(path) == {}
    assert bounded.check_zip(b"PK\x03\x04 broken") is None
    assert bounded.check_xlsx(b"PK\x03\x04 broken") == {}
