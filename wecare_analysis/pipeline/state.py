"""Run state on disk: input fingerprints (for ``--resume``), per-province status, the run lock.

Everything lives in ``reports/``: ``reports/<SIGLA>/manifest.json`` (published
runs), ``reports/.runs/<SIGLA>.json`` and ``.log`` (last attempt of each
province), ``reports/.wecare-run.lock`` (held by the running ``wecare run``).
The lock is an OS-level ``flock``: the kernel releases it when the holder dies,
even by ``kill -9``, so it never stays stuck.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from wecare_analysis import __version__
from wecare_analysis.atomic import write_text_atomic
from wecare_analysis.catalog import Catalog
from wecare_analysis.errors import EXIT_LOCKED, WecareError
from wecare_analysis.pipeline.staging import STAGING_PREFIX  # noqa: F401 - where it used to live
from wecare_analysis.provenance import code_digest
from wecare_analysis.territory.sources import file_sha256 as file_digest

LOCK_NAME = ".wecare-run.lock"


def runs_dir(cat: Catalog) -> Path:
    """Folder with the log and status of the last attempt of each province."""
    folder = cat.reports / ".runs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


#: Files a shapefile is made of besides the ``.shp`` (its attributes, index, projection, encoding).
SHAPEFILE_SIDECARS = (".dbf", ".shx", ".prj", ".cpg")


def input_digests(cat: Catalog, year: int, region: str, user_files: Iterable[str | os.PathLike[str]] = ()
                  ) -> dict[str, str]:
    """Hashes of every input a province run reads.

    The territory layer's own inputs (from its build manifest), every file under
    ``data/raw/`` (user inputs), every manifest under ``data/processed/`` and the
    user's files given to the run wherever they are (with a shapefile's sidecar files).
    """
    digests: dict[str, str] = {}
    for given in user_files:
        main = Path(given).resolve()
        parts = [main] + ([main.with_suffix(s) for s in SHAPEFILE_SIDECARS] if main.suffix.lower() == ".shp" else [])
        digests |= {f"file:{part}": file_digest(part) for part in parts if part.is_file()}
    territory_manifest = cat.territory_manifest(year, region)
    if territory_manifest.is_file():
        digests.update(json.loads(territory_manifest.read_text(encoding="utf-8")).get("inputs", {}))
    for folder in (cat.raw, cat.processed):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and (folder == cat.raw or path.name.endswith("manifest.json")) \
                    and not path.name.startswith(".") and path.name != "README.md":
                digests[str(path.relative_to(cat.root))] = file_digest(path)
    return digests


def run_fingerprint(cat: Catalog, province: str, year: int, region: str, notebooks: tuple[str, ...],
                    inputs: dict[str, str]) -> str:
    """Hash of everything that determines a province's report: parameters, notebooks, inputs, code
    (package version and :func:`~wecare_analysis.provenance.code_digest`)."""
    payload = {"province": province, "year": year, "region": region, "version": __version__, "code": code_digest(),
               "notebooks": {n: file_digest(cat.notebooks / n) for n in notebooks}, "inputs": inputs}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def is_up_to_date(cat: Catalog, province: str, fingerprint: str) -> bool:
    """True when ``reports/<SIGLA>/`` is a complete, successful run with this fingerprint."""
    path = cat.report_dir(province) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    folder = cat.report_dir(province)
    return (manifest.get("status") == "ok" and manifest.get("fingerprint") == fingerprint
            and all((folder / name).is_file() for name in manifest.get("outputs", [])))


def write_status(cat: Catalog, province: str, status: str, error: str = "") -> None:
    """Record the outcome of the last attempt of ``province``."""
    record = {"province": province, "status": status, "error": error,
              "at": datetime.now(UTC).isoformat(timespec="seconds")}
    write_text_atomic(runs_dir(cat) / f"{province}.json", json.dumps(record, ensure_ascii=False))


#: Last statuses of an attempt that did not publish: failed, or cut short by a kill or an interruption.
UNFINISHED = ("failed", "queued", "running", "interrupted")


def failed_provinces(cat: Catalog, candidates: list[str]) -> list[str]:
    """Those of ``candidates`` whose last attempt failed, was cut short (:data:`UNFINISHED`) or never
    published a report."""
    out = []
    for province in candidates:
        path = runs_dir(cat) / f"{province}.json"
        status = json.loads(path.read_text(encoding="utf-8")).get("status") if path.is_file() else None
        if status in UNFINISHED or (status is None and not cat.report_dir(province).is_dir()):
            out.append(province)
    return out


def remove_stale_staging(cat: Catalog) -> list[Path]:
    """Delete the staging folders of dead owners (see :mod:`wecare_analysis.pipeline.staging`)."""
    from wecare_analysis.pipeline.staging import remove_stale_staging as remove

    return remove(cat)


@contextlib.contextmanager
def run_lock(cat: Catalog) -> Iterator[None]:
    """Hold the run lock of ``reports/``; raise an exit-3 error at once if another run holds it."""
    cat.reports.mkdir(parents=True, exist_ok=True)
    lock_path = cat.reports / LOCK_NAME
    owner_path = cat.reports / ".wecare-run.owner"
    lock = FileLock(str(lock_path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        owner = owner_path.read_text(encoding="utf-8").strip() if owner_path.is_file() else "unknown"
        raise WecareError(f"another 'wecare run' is already writing to {cat.reports} ({owner}); wait for it "
                          f"to finish. The lock is released automatically when that process ends.",
                          EXIT_LOCKED) from None
    try:
        write_text_atomic(owner_path, f"pid {os.getpid()} on {socket.gethostname()} since "
                                      f"{datetime.now(UTC).isoformat(timespec='seconds')}")
        yield
    finally:
        with contextlib.suppress(OSError):
            owner_path.unlink()
        lock.release()
