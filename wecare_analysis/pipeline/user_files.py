"""The user's own input files of a run (``wecare run --services/--mef/--third-sector/--ahp``), checked once.

Each file is read before any province runs, so that a file that cannot be used stops
the run at once (:class:`~wecare_analysis.errors.InputError`, exit 2) instead of failing
every province, and rows left out are written, with their reason, to a quarantine file
next to the input (the input stays where the user keeps it, normally ``data/raw/``). The
files then reach every notebook as parameters of the same names.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd

from wecare_analysis.errors import InputError, quarantine_path
from wecare_analysis.practices.assess import load_ahp
from wecare_analysis.practices.optional_inputs import (
    UNUSABLE,
    read_mef_irpef,
    read_third_sector,
    write_quarantine,
)
from wecare_analysis.practices.weights import chosen_weights
from wecare_analysis.services.ingest import validate_services
from wecare_analysis.territory import load_territory

#: Notebook parameter of each kind of user file, with what it is (English, for messages).
USER_FILES: dict[str, str] = {
    "services_path": "service list",
    "mef_path": "MEF IRPEF income file",
    "third_sector_path": "third-sector register",
    "ahp_path": "AHP pairwise-comparison matrix",
}


def _note(message: str) -> None:
    sys.stderr.write(f"wecare: {message}\n")


def check_services(path: Path, year: int, region: str, territory: gpd.GeoDataFrame) -> str | None:
    """Validate and place the services; quarantine the rows that cannot be placed (``PATH.quarantine.csv``)
    and list those outside the region (``PATH.outside.csv``); return what was left out (None: nothing).

    Raises
    ------
    InputError
        When no row is kept in the region (exit 2): the reports would show access 0 everywhere.
    """

    result = validate_services(path, region=region, year=year, territory=territory)
    quarantine = result.write_quarantine()
    outside = result.write_outside()
    if quarantine is not None:
        _note(f"{path.name}: {result.rows_quarantined} of {result.rows_read} rows quarantined (reasons in "
              f"{quarantine}).")
    if outside is not None:
        _note(f"{path.name}: {result.rows_outside_region} of {result.rows_read} rows outside the region "
              f"(listed in {outside}).")
    if result.rows_kept:
        for warning in result.warnings:
            _note(f"warning: {path.name}: {warning}")
    else:
        hint = "".join(f" {w[0].upper()}{w[1:]}" for w in result.warnings)
        raise InputError(f"{path}: no service of the region was kept ({result.rows_read} rows read, "
                         f"{result.rows_quarantined} quarantined, {result.rows_outside_region} outside the region); "
                         f"the reports would show access 0 everywhere.{hint} Fix the file or run without "
                         "--services.")
    if result.rows_quarantined or result.rows_outside_region:
        return (f"{path.name}: {result.rows_quarantined} rows quarantined, {result.rows_outside_region} outside "
                f"the region, of {result.rows_read}")
    return None


def _check_optional(reader: Callable) -> Callable[[Path, int, str, gpd.GeoDataFrame], str | None]:
    """A check of an optional criteria file: read it, quarantine its bad rows next to it
    (``PATH.quarantine.csv``), say what it gave."""
    def check(path: Path, year: int, region: str, territory: gpd.GeoDataFrame) -> str | None:
        result = reader(path, territory, year)
        if result.status == UNUSABLE:
            raise InputError(f"{path}: cannot be used: {' '.join(result.messages)}")
        quarantine = write_quarantine(result, target=quarantine_path(path))
        _note(f"{path.name}: {result.status}; {result.rows_kept} of {result.rows_read} rows used"
              + (f", {result.rows_quarantined} quarantined ({quarantine})" if quarantine else "") + ".")
        return f"{path.name}: {result.rows_quarantined} rows quarantined" if result.rows_quarantined else None
    return check


def check_ahp(path: Path, year: int, region: str, territory: gpd.GeoDataFrame) -> None:
    """Read the pairwise comparisons and check that they compare criteria or categories of the catalogue."""

    ahp = load_ahp(path)
    _, source = chosen_weights(None, ahp)
    if ahp.inconsistent:
        _note(f"{path.name}: consistency ratio {ahp.cr:.2f} is above 0.10 (the reports say so).")
    _note(f"{path.name}: criteria weights from {source}.")


def _checks() -> dict[str, Callable[[Path, int, str, gpd.GeoDataFrame], str | None]]:
    return {"services_path": check_services, "mef_path": _check_optional(read_mef_irpef),
            "third_sector_path": _check_optional(read_third_sector), "ahp_path": check_ahp}


def check_user_files(files: dict[str, str | os.PathLike[str] | None], year: int, region: str,
                     root: str | os.PathLike[str] | None = None, partial: list[str] | None = None
                     ) -> dict[str, str]:
    """Check every given file (see the module docstring) against the territory of ``region`` in ``root``;
    return ``parameter -> absolute path`` of those given. A line for each file with rows left out
    (quarantined, or services outside the region) is appended to ``partial``.

    Raises
    ------
    InputError
        For an unknown parameter, a missing file, or a file that cannot be used (exit 2).
    """

    checks = _checks()
    territory = None
    out: dict[str, str] = {}
    for parameter, value in files.items():
        if value is None:
            continue
        if parameter not in USER_FILES:
            raise InputError(f"unknown input {parameter!r}; expected one of {', '.join(USER_FILES)}.")
        path = Path(value).resolve()
        if not path.is_file():
            raise InputError(f"{path}: {USER_FILES[parameter]} not found.")
        if territory is None:
            territory = load_territory(year, region, root)
        note = checks[parameter](path, year, region, territory)
        if note and partial is not None:
            partial.append(note)
        out[parameter] = str(path)
    return out
