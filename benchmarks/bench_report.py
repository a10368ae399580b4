"""Time the dissemination layer: the province report (00) for every Piedmont province, HTML and PDF, and
the regional overview. Prints seconds per province and the size and page count of each output.

Usage: ``.venv/bin/python benchmarks/bench_report.py [ROOT] [SIGLA ...]`` (default: a fresh temporary root,
all eight provinces). Outputs go to ``ROOT/reports/<SIGLA>/`` and ``ROOT/reports/PIEMONTE/``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import papermill as pm

from wecare_analysis.pipeline.overview_run import run_regional_overview
from wecare_analysis.pipeline.province_run import KERNEL_ARGUMENTS, kernel_environment
from wecare_analysis.report.editions import write_report_editions
from wecare_analysis.territory import load_territory

PROVINCES = ("TO", "VC", "NO", "CN", "AT", "AL", "BI", "VB")


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="wecare-bench-"))
    provinces = sys.argv[2:] or PROVINCES
    load_territory(2023, "01", root)
    kernel_environment()
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "00_province_report.ipynb"
    total = time.perf_counter()
    for sigla in provinces:
        out = root / "reports" / sigla
        out.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        pm.execute_notebook(notebook, out / notebook.name, kernel_name="python3", progress_bar=False,
                            parameters={"province": sigla, "root": str(root), "output_dir": str(out)},
                            cwd=str(root), extra_arguments=KERNEL_ARGUMENTS)
        t1 = time.perf_counter()
        write_report_editions(out / notebook.name, out, f"Wecare – rapporto provinciale {sigla}")
        t2 = time.perf_counter()
        print(f"{sigla}: notebook {t1 - t0:.1f} s, html+pdf {t2 - t1:.1f} s, "
              f"html {(out / 'report.html').stat().st_size / 1e6:.1f} MB, pdf {pages(out / 'report.pdf')} pages",
              flush=True)
    t0 = time.perf_counter()
    folder = run_regional_overview(root=root)
    print(f"PIEMONTE: overview {time.perf_counter() - t0:.1f} s, pdf {pages(folder / 'report.pdf')} pages")
    print(f"total {time.perf_counter() - total:.1f} s, root {root}")


if __name__ == "__main__":
    main()
