"""Benchmark the need–offer gap analysis of the service-offer notebook on the Piedmont demo offer.

Times, on the synthetic Piedmont services (written once into ``data/processed/demo/``):

1. :func:`wecare_analysis.gaps.municipality_access` for all 19 categories (2SFCA,
   and optionally e2SFCA / gravity) over the 1,180 municipalities;
2. :func:`need_by_category` + :func:`gap_index`;
3. :func:`gap_clusters` (queen contiguity once, ``esda.Moran_Local`` with 999
   permutations per category);
4. with ``--notebook SIGLA``, the whole ``03_service_offer`` notebook run by
   papermill for that province into a temporary folder.

Usage::

    .venv/bin/python benchmarks/bench_gaps.py [--root .] [--notebook TO]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None, help="project root (default: working directory)")
    parser.add_argument("--notebook", default=None, help="also run the notebook for this province sigla")
    parser.add_argument("--permutations", type=int, default=999)
    args = parser.parse_args()

    from wecare_analysis import gaps
    from wecare_analysis.services.sources import demo_or_user_services
    from wecare_analysis.territory import load_territory

    territory = load_territory(2023, "01", args.root)
    t0 = time.perf_counter()
    validation, _ = demo_or_user_services(None, args.root, "01", 2023, territory)
    print(f"services read and validated: {validation.rows_kept:,} in {time.perf_counter() - t0:.2f} s")
    for method in ("2sfca", "e2sfca", "gravity"):
        t0 = time.perf_counter()
        access = gaps.municipality_access(territory, validation.kept, method=method)
        print(f"access {method:8s} 19 categories x {len(territory):,} municipalities: "
              f"{time.perf_counter() - t0:.2f} s")
        if method == "2sfca":
            kept = access
    t0 = time.perf_counter()
    table = gaps.gap_index(gaps.need_by_category(territory), kept)
    print(f"need + gap index: {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    clusters = gaps.gap_clusters(table, territory, permutations=args.permutations)
    print(f"LISA ({args.permutations} permutations) x 19 categories: {time.perf_counter() - t0:.2f} s; "
          f"HH municipality-categories: {(clusters['cluster'] == 'HH').sum():,}")
    if args.notebook:
        import papermill as pm

        from wecare_analysis.pipeline.province_run import KERNEL_ARGUMENTS, kernel_environment

        kernel_environment()
        notebook = Path(__file__).resolve().parents[1] / "notebooks" / "03_service_offer.ipynb"
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            pm.execute_notebook(notebook, Path(tmp) / "03.ipynb", kernel_name="python3", progress_bar=False,
                                parameters={"province": args.notebook, "root": args.root,
                                            "output_dir": str(Path(tmp) / "out")},
                                extra_arguments=KERNEL_ARGUMENTS)
            seconds = time.perf_counter() - t0
            size = (Path(tmp) / "out" / "mappa_servizi.html").stat().st_size
        print(f"notebook 03 for {args.notebook}: {seconds:.1f} s (papermill, kernel start included); "
              f"mappa_servizi.html {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
