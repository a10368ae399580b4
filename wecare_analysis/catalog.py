"""Where every dataset lives: one place maps dataset names to paths.

Everything else asks the catalogue by name (as in Kedro's data catalog) instead
of building paths. The project root is, in order: the ``root`` argument, the
``WECARE_ROOT`` environment variable, the current working directory.

Layout::

    <root>/data/raw/          immutable user inputs (never written by the workbench)
    <root>/data/processed/    rebuilt from raw inputs and package data, with manifests
    <root>/reports/<SIGLA>/   published per-province reports
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def project_root(root: str | os.PathLike[str] | None = None) -> Path:
    """Return the project root: ``root``, else ``$WECARE_ROOT``, else the working directory."""
    if root is not None:
        return Path(root).resolve()
    env = os.environ.get("WECARE_ROOT")
    return Path(env).resolve() if env else Path.cwd().resolve()


@dataclass(frozen=True)
class Catalog:
    """Paths of the datasets of one project root.

    Examples
    --------
    >>> cat = Catalog("/tmp/project")
    >>> cat.territory(2023, "01").name
    'territory_2023_r01.parquet'
    """

    root: Path

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        object.__setattr__(self, "root", project_root(root))

    # folders -----------------------------------------------------------------
    @property
    def raw(self) -> Path:
        """Folder of immutable user inputs."""
        return self.root / "data" / "raw"

    @property
    def processed(self) -> Path:
        """Folder of rebuilt, shareable intermediate data."""
        return self.root / "data" / "processed"

    @property
    def reports(self) -> Path:
        """Folder of published reports, one sub-folder per province sigla."""
        return self.root / "reports"

    @property
    def notebooks(self) -> Path:
        """Folder of the parametrised notebooks (in the source tree, else the package copy)."""
        local = self.root / "notebooks"
        return local if local.is_dir() else Path(__file__).resolve().parent.parent / "notebooks"

    # datasets ----------------------------------------------------------------
    def territory(self, year: int, region: str) -> Path:
        """GeoParquet of the municipality territory layer for ``year`` and ``region`` ('01', 'all')."""
        return self.processed / f"territory_{year}_r{region}.parquet"

    def territory_manifest(self, year: int, region: str) -> Path:
        """JSON manifest (input hashes, versions, repairs) of :meth:`territory`."""
        return self.processed / f"territory_{year}_r{region}.manifest.json"

    def report_dir(self, sigla: str) -> Path:
        """Published report folder of one province (or ``PIEMONTE`` for the region)."""
        return self.reports / sigla.upper()

    def raw_territory_override(self) -> Path:
        """Optional folder of newer ISTAT/Openpolis files that replace the packaged ones."""
        return self.raw / "istat"
