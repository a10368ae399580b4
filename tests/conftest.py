"""Shared fixtures. Add fixtures with small, separate edits: several areas use this file."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _private_cache_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Sign the shared caches of the tests with a key of their own, never the user's ``~/.config`` one."""
    import os

    from wecare_analysis.cache import KEY_ENV

    os.environ.setdefault(KEY_ENV, str(tmp_path_factory.mktemp("cache-key") / "cache.key"))


@pytest.fixture(scope="session")
def project_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh project root (data/, reports/) with the Piedmont 2023 territory layer built once."""
    from wecare_analysis.territory import load_territory

    root = tmp_path_factory.mktemp("project")
    load_territory(2023, "01", root)
    return root


@pytest.fixture(scope="session")
def piedmont(project_root: Path):
    """The Piedmont 2023 territory layer (GeoDataFrame, EPSG:32632)."""
    from wecare_analysis.territory import load_territory

    return load_territory(2023, "01", project_root)


@pytest.fixture(scope="session")
def planted_report(project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The province report notebook run once for VB on a demo survey with planted identifiers.

    Own project root (territory files copied from ``project_root``); returns ``root``,
    ``out`` (published folder with report.html / report.pdf), ``needles`` (strings that
    must appear in no published file) and ``rare`` (the planted rare combination).
    """
    import shutil

    from report_fixtures import run_planted_report

    root = tmp_path_factory.mktemp("planted")
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed",
                    ignore=shutil.ignore_patterns("survey", "*.lock"))
    return run_planted_report(root, root / "reports" / "VB", "VB")


def execute_notebook(name: str, root: Path, workdir: Path, **parameters: object) -> tuple[dict, str, Path]:
    """Run ``notebooks/<name>`` with papermill as the pipeline does (its kernel, its parameters).

    Returns the executed notebook (JSON), all its text/markdown/html outputs joined, and the
    ``output_dir`` it wrote to (``workdir/out``). Fails if any cell raised.
    """
    import json

    import papermill as pm

    from wecare_analysis.pipeline.province_run import KERNEL_ARGUMENTS, kernel_environment

    kernel_environment()
    out, executed = workdir / "out", workdir / name
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / name
    pm.execute_notebook(notebook, executed, kernel_name="python3", progress_bar=False, cwd=str(root),
                        parameters={"root": str(root), "output_dir": str(out), **parameters},
                        extra_arguments=KERNEL_ARGUMENTS)
    nb = json.loads(executed.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)
    text = "\n".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/markdown", ""))
                     + "".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    return nb, text, out


def load_benchmark(name: str):
    """Import ``benchmarks/<name>.py`` as a module (tests reuse its measuring functions)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def catalogue_with_ninth(tmp_path: Path) -> Path:
    """The packaged practice catalogue with the fixture's ninth practice appended (the data file only)."""
    import yaml

    from wecare_analysis.practices.catalogue import CATALOGUE_FILE

    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    ninth = Path(__file__).parent / "data" / "practices" / "ninth_practice.yaml"
    raw["practices"] += yaml.safe_load(ninth.read_text(encoding="utf-8"))
    target = tmp_path / "catalogue.yaml"
    target.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
