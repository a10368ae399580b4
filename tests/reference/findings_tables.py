"""Extract the published tables of a ``findings.xlsx`` as plain JSON (the regression reference).

Usage: ``python tests/reference/findings_tables.py reports/BI/findings.xlsx tests/reference/findings_BI_before.json``.
The reference was written from the code of ``main`` before the region-analysis redesign (issue 19), by
``wecare run --province BI --no-pdf`` on the embedded demo data.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from wecare_analysis.report.exports import read_workbook
from wecare_analysis.report.labels import LABEL_COLUMN

#: Sheets of text (definitions, sources), not numbers: left out of the comparison.
TEXT_SHEETS = {"Definizioni e fonti"}


def _cell(value: object) -> object:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 9)
    return value


def findings_tables(path: str | Path) -> dict[str, dict[str, list]]:
    """Every sheet but :data:`TEXT_SHEETS` as ``{"columns": [...], "rows": [[...], ...]}``.

    The data label's column (``fonte_dati``, added with the labels of issue 16) is provenance text, not a
    published number: left out, so that the tables compare with those written before it."""
    sheets = read_workbook(path, sheet_name=None)  # under the data label's banner row, when there is one
    return {name: {"columns": [str(c) for c in frame.columns],
                   "rows": [[_cell(v) for v in row] for row in frame.astype(object).itertuples(index=False)]}
            for name, frame in ((n, f.drop(columns=LABEL_COLUMN, errors="ignore")) for n, f in sheets.items())
            if name not in TEXT_SHEETS}


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(findings_tables(sys.argv[1]), ensure_ascii=False, indent=0) + "\n",
                                 encoding="utf-8")
