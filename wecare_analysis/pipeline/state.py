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
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from wecare_analysis import __version__
from wecare_analysis.analysis.datasets import REPORT_DATASETS
from wecare_analysis.analysis.datasets import input_digests as declared_digests
from wecare_analysis.analysis.parameters import RunParameters
from wecare_analysis.atomic import write_text_atomic
from wecare_analysis.catalog import Catalog
from wecare_analysis.errors import EXIT_LOCKED, WecareError
from wecare_analysis.pipeline.staging import STAGING_PREFIX  # noqa: F401 - where it used to live
from wecare_analysis.pipeline.staging import remove_stale_staging as remove
from wecare_analysis.provenance import code_digest
from wecare_analysis.territory.sources import file_sha256 as file_digest

LOCK_NAME = ".wecare-run.lock"
#: Statuses of a published report: complete (``ok``), or with sections its inputs cannot support
#: (``parziale``: running it again on the same inputs gives the same report, so ``--resume`` skips it).
PUBLISHED = ("ok", "parziale")


def runs_dir(cat: Catalog) -> Path:
    """Folder with the log and status of the last attempt of each province."""
    folder = cat.reports / ".runs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def input_digests(cat: Catalog, params: RunParameters) -> dict[str, str]:
    """Hashes of exactly the inputs a report of ``params`` reads, from the declared datasets.

    The territory layer's own inputs (from its build manifest) and every file the region
    analysis's datasets declare (:func:`~wecare_analysis.analysis.datasets.input_digests`: the
    processed territory of this year and region, the ingested survey, the services, the
    optional inputs). Other years', other regions' and unrelated files are not inputs.
    """
    digests: dict[str, str] = {}
    territory_manifest = cat.territory_manifest(params.year, params.region)
    if territory_manifest.is_file():
        digests.update(json.loads(territory_manifest.read_text(encoding="utf-8")).get("inputs", {}))
    return digests | declared_digests(REPORT_DATASETS, params)


def fingerprint_payload(province: str, year: int, region: str, notebooks: dict[str, str],
                        inputs: dict[str, str], parameters: dict[str, object] | None = None) -> dict[str, object]:
    """What a report's fingerprint hashes: parameters, notebook hashes, inputs, code."""
    return {"province": province, "year": year, "region": region, "version": __version__, "code": code_digest(),
            "notebooks": notebooks, "inputs": inputs, "parameters": parameters or {}}


def run_fingerprint(cat: Catalog, province: str, year: int, region: str, notebooks: tuple[str, ...],
                    inputs: dict[str, str], parameters: dict[str, object] | None = None) -> str:
    """Hash of everything that determines a province's report: parameters, notebooks, inputs, code
    (package version and :func:`~wecare_analysis.provenance.code_digest`)."""
    payload = fingerprint_payload(province, year, region, {n: file_digest(cat.notebooks / n) for n in notebooks},
                                  inputs, parameters)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _changed(old: dict, new: dict, what: str) -> list[str]:
    out = [f"{what} changed: {k}" for k in sorted(set(old) & set(new)) if old[k] != new[k]]
    out += [f"new {what}: {k}" for k in sorted(set(new) - set(old))]
    out += [f"{what} no longer read: {k}" for k in sorted(set(old) - set(new))]
    return out


def rerun_reason(cat: Catalog, province: str, notebooks: tuple[str, ...], inputs: dict[str, str],
                 parameters: dict[str, object]) -> str:
    """Why the report of ``province`` is not up to date (English, one line): no published report, a failed
    or damaged one, or the inputs, parameters, notebooks or code that changed since it was published."""
    path = cat.report_dir(province) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no published report"
    if manifest.get("status") not in PUBLISHED:
        return "the published report is not complete"
    missing = [n for n in manifest.get("outputs", []) if not (cat.report_dir(province) / n).is_file()]
    if missing:
        return f"published output missing: {missing[0]}"
    reasons = _changed(manifest.get("inputs", {}), inputs, "input")
    old_params = manifest.get("parameters", {})
    reasons += [f"parameter changed: {k}" for k in sorted(parameters)
                if k in old_params and old_params[k] != parameters[k]]
    reasons += _changed(manifest.get("notebooks", {}), {n: file_digest(cat.notebooks / n) for n in notebooks},
                        "notebook")
    if manifest.get("versions", {}).get("code") != code_digest():
        reasons.append("the package's code changed")
    return "; ".join(reasons) or "the fingerprint changed"


def is_up_to_date(cat: Catalog, province: str, fingerprint: str) -> bool:
    """True when ``reports/<SIGLA>/`` is a published run (:data:`PUBLISHED`) with this fingerprint."""
    path = cat.report_dir(province) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    folder = cat.report_dir(province)
    return (manifest.get("status") in PUBLISHED and manifest.get("fingerprint") == fingerprint
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
