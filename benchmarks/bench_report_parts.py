"""Where one province report's time goes, and the least a run of the region could take.

Executes the code of ``notebooks/00_province_report.ipynb`` for one province in this
process (parameters injected by papermill, as ``wecare run`` does; the shared
regional caches are warmed by a first, untimed pass), then renders the HTML and PDF
editions of the published notebook ``reports/<SIGLA>/00_province_report.ipynb``.
It prints the seconds spent in:

- drawing the published figures once at 300 dpi (:func:`~wecare_analysis.report.rendering.render_figure`);
- encoding them as PNG (300-dpi file and the report's copy);
- the rest of publishing a figure (SVG file, display, closing);
- the tables and layers (``findings.xlsx``, ``layers.gpkg``, ``opendata/``);
- everything else in the notebook (reading the cached data, the estimates, building the figures' artists);
- the HTML edition and the PDF edition.

"Published outputs" sums the parts that only write what a report must contain
(figure files, tables and layers, HTML, PDF). With the papermill floor of
``bench_run.py`` for the same number of reports and jobs, it gives the least wall
time a run could take if all the analysis cost nothing::

    outputs_lower_bound = reports × published_outputs_seconds ÷ jobs

Usage::

    python benchmarks/bench_report_parts.py [--province CN] [--jobs 2] [--reports 9]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _timed(store: dict[str, float], key: str, func: Callable) -> Callable:
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            store[key] += time.perf_counter() - t0
    return wrapper


def notebook_code(province: str, output_dir: Path) -> str:
    """The province report's code cells, with ``wecare run``'s parameters injected."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(ROOT / "notebooks" / "00_province_report.ipynb"))
    nb = parameterize_notebook(nb, {"province": province, "root": str(ROOT), "output_dir": str(output_dir)})
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")


def notebook_parts(province: str) -> dict[str, float]:
    """Seconds per part of one in-process execution of the province report's code (after a warm-up)."""
    import matplotlib

    matplotlib.use("Agg")
    from wecare_analysis.report import bundle, exports

    parts: dict[str, float] = defaultdict(float)
    exports.render_figure = _timed(parts, "draw", exports.render_figure)
    exports.png_bytes = _timed(parts, "png", exports.png_bytes)
    bundle.show_figure = _timed(parts, "figures", bundle.show_figure)
    bundle.province_bundle = _timed(parts, "tables", bundle.province_bundle)
    with tempfile.TemporaryDirectory() as tmp:
        code = compile(notebook_code(province, Path(tmp) / "warm"), "00_province_report", "exec")
        exec(code, {})  # noqa: S102  (the notebook's own code) warm-up: imports and shared caches
        parts.clear()
        code = compile(notebook_code(province, Path(tmp) / "timed"), "00_province_report", "exec")
        t0 = time.perf_counter()
        exec(code, {})  # noqa: S102  (the notebook's own code)
        parts["notebook"] = time.perf_counter() - t0
    return dict(parts)


def edition_seconds(province: str) -> tuple[float, float]:
    """Seconds to write the HTML and the PDF edition of the published report of ``province``."""
    from wecare_analysis.report.html import notebook_to_html
    from wecare_analysis.report.pdf import notebook_to_pdf

    notebook = ROOT / "reports" / province / "00_province_report.ipynb"
    if not notebook.exists():
        sys.exit(f"{notebook} not found: run `wecare run --province {province}` first")
    with tempfile.TemporaryDirectory() as tmp:
        notebook_to_html(notebook, Path(tmp) / "r.html", "bench")  # warm-up (templates, fonts)
        t0 = time.perf_counter()
        notebook_to_html(notebook, Path(tmp) / "r.html", "bench")
        html = time.perf_counter() - t0
        t0 = time.perf_counter()
        notebook_to_pdf(notebook, Path(tmp) / "r.pdf", "bench")
        return html, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", default="CN")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--reports", type=int, default=9, help="reports of the run (Piedmont: 8 provinces + overview)")
    args = parser.parse_args()

    from bench_run import floor_seconds

    html, pdf = edition_seconds(args.province)
    parts = notebook_parts(args.province)
    svg_and_rest = parts["figures"] - parts["draw"] - parts["png"]
    analysis = parts["notebook"] - parts["figures"] - parts["tables"]
    outputs = parts["figures"] + parts["tables"] + html + pdf
    floor = floor_seconds([f"R{i}" for i in range(args.reports)], args.jobs)
    bound = args.reports * outputs / args.jobs
    rows = [("figures: drawing at 300 dpi", parts["draw"]), ("figures: PNG encoding", parts["png"]),
            ("figures: SVG and the rest", svg_and_rest), ("tables and layers", parts["tables"]),
            ("analysis and figure building", analysis), ("HTML edition", html), ("PDF edition", pdf)]
    print(f"province report {args.province}, one process, warm caches")
    for name, seconds in rows:
        print(f"  {name:<32} {seconds:6.2f} s")
    print(f"  {'notebook + editions':<32} {parts['notebook'] + html + pdf:6.2f} s")
    print(f"published outputs only: {outputs:.2f} s per report")
    print(f"{args.reports} reports on {args.jobs} jobs: outputs alone ≥ {bound:.1f} s; papermill floor {floor:.1f} s; "
          f"lower bound of the ratio {bound / floor:.1f} (goal 1.5 allows {1.5 * floor:.1f} s)")


if __name__ == "__main__":
    main()
