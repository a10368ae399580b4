"""Every file in ``tests/data/`` through every reader command that could take it: never exit 4.

Also the bare-machine rule of issue 15: no feature or test calls poppler, Chromium, R or
the GDAL command-line tools; PDF text comes from pypdf even with an empty ``PATH``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from wecare_analysis import cli

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
FILES = sorted(p for p in DATA.rglob("*") if p.is_file() and p.name != "README.md")
COMMANDS = (["services", "validate"], ["inputs", "validate", "mef"], ["inputs", "validate", "third-sector"],
            ["inputs", "validate", "ahp"])


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(DATA)) for p in FILES])
def test_no_command_exits_4_on_any_fixture(path, tmp_path, capsys, monkeypatch, project_root):
    monkeypatch.chdir(project_root)
    copy = tmp_path / path.name  # quarantine files go next to the copy, never into tests/data
    shutil.copyfile(path, copy)
    for command in (*COMMANDS, ["survey", "validate"]):
        capsys.readouterr()
        extra = ["--out", str(tmp_path / "survey")] if command[0] == "survey" else []
        code = cli.main([*command, str(copy), "--json", *extra])
        out, err = capsys.readouterr()
        assert code in (0, 1, 2), (command, path.name, err)
        payload = json.loads(out)  # stdout is JSON whatever happened
        assert "internal error" not in err and "Traceback" not in err
        if command[0] == "survey":
            continue
        if code == 2:
            assert payload["errors"] and str(payload["errors"][0]).strip()
        else:
            assert payload["rows_read"] == payload["rows_kept"] + payload["rows_quarantined"] + \
                payload["rows_outside_region"]


FORBIDDEN = re.compile(r"""["'\[](pdfinfo|pdftotext|pdftoppm|chromium|chromium-browser|google-chrome|Rscript|R|"""
                       r"""ogr2ogr|ogrinfo|gdalinfo|libreoffice|soffice)["',\s]""")


def test_no_feature_or_test_runs_an_external_program():
    files = [p for p in (ROOT / "wecare_analysis").rglob("*.py")] + [p for p in (ROOT / "tests").glob("*.py")]
    offenders = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"subprocess\.(run|call|check_output|check_call|Popen)\(\s*\[([^\]]*)", text):
            if FORBIDDEN.search("[" + call.group(2) + ","):
                offenders.append(f"{path.relative_to(ROOT)}: {call.group(0)[:80]}")
    assert offenders == []


def test_pdf_screening_needs_no_system_program(tmp_path, monkeypatch):
    from wecare_analysis.disclosure import screen_outputs
    from wecare_analysis.report.pdf import html_to_pdf

    (tmp_path / "out").mkdir()
    (tmp_path / "r.html").write_text("<html><body><h1>Rapporto</h1><p>Mario Rossi, via Roma 1</p></body></html>",
                                     encoding="utf-8")
    html_to_pdf(tmp_path / "r.html", tmp_path / "out" / "r.pdf")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no pdftotext, no anything
    assert shutil.which("pdftotext") is None
    hits = screen_outputs(tmp_path / "out", ["Mario Rossi", "Bianchi"])
    assert hits["needle"].tolist() == ["Mario Rossi"]
