"""The parts of the region analysis as declared datasets: name, parameters, input files, code.

Every cache key (:func:`cached`) and every report's ``--resume`` fingerprint and manifest inputs
(:func:`input_digests`) derive from these declarations, never from a list kept by hand in a
caller: a dataset reads exactly the files :func:`declared_files` names, for the parameters
:func:`declared_parameters` names, with the package's code (:func:`~wecare_analysis.provenance.code_digest`).

======================  =========================================================  ===============================
dataset                 files                                                      parameters
======================  =========================================================  ===============================
``territory``           the processed layer of the year and region and its          year, region
                        manifest
``survey``              the ingested survey (``data/processed/survey/``), the       survey_path, form_path,
                        export, form and mapping given                              mapping_path
``services``            the service list given (with a shapefile's sidecars), else  services_path
                        the demo services
``needs``               territory, survey                                           min_cell
``offer``               territory, services                                         —
``transfer_inputs``     territory, survey, offer, the MEF and third-sector files    mef_path, third_sector_path
``assessments``         transfer_inputs, the AHP file                               ahp_path
``activities``          the validated programme records (``data/processed/          year, region, min_cell
                        activities/``) and the user's free-text dictionary, survey
======================  =========================================================  ===============================

``activities`` reads the synthetic demo records when no record was validated; those are written
from the package's code (part of every cache key), so they are not listed as inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from wecare_analysis.activities.freetext import USER_DICTIONARY
from wecare_analysis.activities.store import processed_dir
from wecare_analysis.analysis.parameters import PATH_PARAMETERS, RunParameters
from wecare_analysis.cache import shared_result
from wecare_analysis.catalog import Catalog
from wecare_analysis.services.sources import demo_services_path
from wecare_analysis.survey.ingest import default_output_dir
from wecare_analysis.territory.sources import file_sha256

T = TypeVar("T")

#: Files a shapefile is made of besides the ``.shp`` (its attributes, index, projection, encoding).
SHAPEFILE_SIDECARS = (".dbf", ".shx", ".prj", ".cpg")


def _with_sidecars(path: str | None) -> list[Path]:
    if path is None:
        return []
    main = Path(path)
    return [main] + ([main.with_suffix(s) for s in SHAPEFILE_SIDECARS] if main.suffix.lower() == ".shp" else [])


def _territory_files(p: RunParameters) -> list[Path]:
    cat = Catalog(p.root)
    return [cat.territory(p.year, p.region), cat.territory_manifest(p.year, p.region)]


def _survey_files(p: RunParameters) -> list[Path]:
    folder = default_output_dir(p.root)
    ingested = sorted(f for f in folder.rglob("*") if f.is_file() and not f.name.startswith(".")
                      and not f.name.endswith(".lock")) if folder.is_dir() else []
    return [*_with_sidecars(p.survey_path), *_with_sidecars(p.form_path), *_with_sidecars(p.mapping_path),
            *ingested]


def _activities_files(p: RunParameters) -> list[Path]:
    folder = processed_dir(p.root)
    validated = sorted(f for f in folder.rglob("*") if f.is_file() and not f.name.startswith(".")
                       and not f.name.endswith(".lock")) if folder.is_dir() else []
    return [*validated, Catalog(p.root).raw / USER_DICTIONARY]


def _services_files(p: RunParameters) -> list[Path]:
    return _with_sidecars(p.services_path) if p.services_path else [demo_services_path(p.root)]


@dataclass(frozen=True)
class Dataset:
    """One part of the region analysis: what it reads.

    ``files`` lists the input files of the dataset itself, ``parameters`` the run parameters it
    depends on, ``depends`` the datasets it is computed from (their inputs are its inputs too).
    """

    name: str
    files: Callable[[RunParameters], list[Path]] = lambda p: []
    parameters: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()


DATASETS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("territory", _territory_files, ("year", "region")),
    Dataset("survey", _survey_files, ("survey_path", "form_path", "mapping_path")),
    Dataset("services", _services_files, ("services_path",)),
    Dataset("needs", parameters=("min_cell",), depends=("territory", "survey")),
    Dataset("offer", depends=("territory", "services")),
    Dataset("transfer_inputs", lambda p: _with_sidecars(p.mef_path) + _with_sidecars(p.third_sector_path),
            ("mef_path", "third_sector_path"), ("territory", "survey", "offer")),
    Dataset("assessments", lambda p: _with_sidecars(p.ahp_path), ("ahp_path",), ("transfer_inputs",)),
    Dataset("activities", _activities_files, ("year", "region", "min_cell"), ("survey",)),
)}
#: The datasets a report reads (a province report and a regional overview alike).
REPORT_DATASETS: tuple[str, ...] = ("needs", "offer", "assessments", "activities")


def _closure(names: Iterable[str]) -> list[Dataset]:
    seen: dict[str, Dataset] = {}

    def visit(name: str) -> None:
        if name not in seen:
            seen[name] = DATASETS[name]
            for dep in DATASETS[name].depends:
                visit(dep)

    for name in names:
        visit(name)
    return list(seen.values())


def declared_files(names: Iterable[str], params: RunParameters) -> list[Path]:
    """Every file the datasets ``names`` (and those they depend on) read, sorted, without duplicates."""
    return sorted({f for d in _closure(names) for f in d.files(params)})


def declared_parameters(names: Iterable[str], params: RunParameters) -> dict[str, object]:
    """The run parameters the datasets ``names`` (and those they depend on) depend on, by name."""
    return {k: getattr(params, k) for k in sorted({k for d in _closure(names) for k in d.parameters})}


def input_key(path: Path, params: RunParameters) -> str:
    """Name of an input in a manifest: ``file:<absolute path>`` for the user's files, else the path
    relative to the project root (e.g. ``data/processed/survey/needs.parquet``)."""
    given = {str(f) for name in PATH_PARAMETERS for f in _with_sidecars(getattr(params, name))}
    root = Catalog(params.root).root
    if str(path) in given or not path.resolve().is_relative_to(root):
        return f"file:{path}"
    return path.resolve().relative_to(root).as_posix()


def input_digests(names: Iterable[str], params: RunParameters) -> dict[str, str]:
    """SHA-256 of every file the datasets ``names`` read (existing files only), by :func:`input_key`."""
    return {input_key(f, params): file_sha256(f) for f in declared_files(names, params) if f.is_file()}


def cached(name: str, params: RunParameters, compute: Callable[[], T]) -> T:
    """``compute()`` of dataset ``name``, computed once per state of its declared inputs and shared
    by every report of the run (:func:`~wecare_analysis.cache.shared_result`)."""
    return shared_result(params.root, name, declared_parameters([name], params), compute,
                         files=declared_files([name], params))


def dataset_root(params: RunParameters) -> Path:
    """Project root of ``params`` (resolved like :class:`~wecare_analysis.catalog.Catalog`)."""
    return Catalog(params.root).root


__all__ = ["DATASETS", "REPORT_DATASETS", "Dataset", "cached", "dataset_root", "declared_files",
           "declared_parameters", "input_digests", "input_key"]
