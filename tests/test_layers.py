"""Issue 19: the package's layers (territory, survey, services, access → gaps, practices → analysis → report →
pipeline → cli), the import-linter contract of pyproject.toml, kept."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_layers_contract_is_kept(monkeypatch) -> None:
    cli = pytest.importorskip("importlinter.cli")
    monkeypatch.chdir(ROOT)
    assert cli.lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def test_the_contract_names_every_subpackage_in_its_layer() -> None:
    import tomllib

    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    named = {m.strip().removeprefix("wecare_analysis.") for layer in contract["layers"] for m in layer.split(":")}
    packages = {p.name for p in (ROOT / "wecare_analysis").iterdir() if (p / "__init__.py").is_file()}
    assert packages - named <= {"demo"}, packages - named  # the demo data generators sit below every layer
    assert contract["layers"][3] == "wecare_analysis.analysis"
