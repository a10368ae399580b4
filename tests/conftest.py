"""Shared fixtures. Add fixtures with small, separate edits: several areas use this file."""

from __future__ import annotations

from pathlib import Path

import pytest


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
