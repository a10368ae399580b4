"""Every figure quoted in the key findings of a province report matches the published table it comes from."""

from __future__ import annotations

import json
import re

import pandas as pd

from wecare_analysis.formatting import format_it
from wecare_analysis.report.document import NEEDS_COLUMNS, NEEDS_SHEET, key_findings
from wecare_analysis.report.exports import read_workbook


def _findings_text(notebook) -> list[str]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("data", {}).get("text/markdown", ""))
            if "I cinque risultati principali" in text:
                return re.findall(r"^\d\. (.+)$", text, flags=re.MULTILINE)
    raise AssertionError("no key findings in the executed notebook")


def test_key_findings_figures_match_published_table(planted_report: dict) -> None:
    out = planted_report["out"]
    sentences = _findings_text(out / "00_province_report.ipynb")
    assert len(sentences) == 5
    table = read_workbook(out / "findings.xlsx", sheet_name=NEEDS_SHEET)
    label, pct = NEEDS_COLUMNS["label"], [NEEDS_COLUMNS[c] for c in ("pct", "pct_low", "pct_high")]
    for sentence in sentences:
        area = re.search(r"«(.+?)»", sentence).group(1)
        rows = table[table[label] == area]
        assert len(rows), f"area {area!r} of {sentence!r} not in the published table"
        published = {format_it(float(v), 1) for v in rows[pct].to_numpy().ravel() if pd.notna(v)}
        quoted = re.findall(r"\d+,\d", sentence)
        assert len(quoted) in (3, 6), sentence  # estimate and interval, once or for two groups
        assert set(quoted) <= published, (sentence, quoted)
    # the sentences are exactly those the published table yields
    province = table.loc[table["Gruppo"] == "Tutti", "Territorio"].iloc[0]
    assert [f.text for f in key_findings(table, province, region="Piemonte")] == sentences
    html = (out / "report.html").read_text(encoding="utf-8")
    assert all(re.sub(r"[«»]", "", s)[:40] in re.sub(r"[«»]|&laquo;|&raquo;", "", html) for s in sentences)
