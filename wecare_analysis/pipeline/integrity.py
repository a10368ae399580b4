"""Per-file size and SHA-256 of a report, recorded in its manifest and verified before it is trusted.

The manifest of every report (``reports/<REPORT>/manifest.json``) lists under ``files`` each
output's size in bytes and SHA-256 (``manifest.json`` itself excepted). A report is verified

- before it is published: the staging folder must hold exactly the files of its manifest,
  byte for byte (:func:`verify_files`), so a folder changed after its manifest was written
  (a file deleted or truncated by another process) is never swapped in;
- before ``wecare run --resume`` skips it (:func:`report_is_intact`): an emptied
  ``report.pdf``, a garbage ``findings.xlsx`` or a missing figure makes the report out of
  date, and it is rebuilt.
"""

from __future__ import annotations

import json
from pathlib import Path

from wecare_analysis.territory.sources import file_sha256

MANIFEST = "manifest.json"


class ReportMismatch(RuntimeError):
    """A report folder does not match its manifest: it is not published."""


def file_names(folder: Path) -> list[str]:
    """Sorted relative paths (POSIX) of the files under ``folder``, the manifest excepted."""
    names = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return sorted(n for n in names if n != MANIFEST)


def file_records(folder: Path) -> dict[str, dict[str, int | str]]:
    """``relative path -> {"size": bytes, "sha256": hex}`` of every file under ``folder`` but the manifest."""
    return {name: {"size": (folder / name).stat().st_size, "sha256": file_sha256(folder / name)}
            for name in file_names(folder)}


def verify_files(folder: Path, files: dict[str, dict[str, int | str]], exact: bool = True) -> list[str]:
    """Differences between ``folder`` and the ``files`` recorded for it, one line each ([] when none).

    A file missing, of another size or another SHA-256 is a difference; with ``exact``, so is a
    file present but not recorded. Sizes are compared first, so a truncated file costs no hash.
    """
    problems = []
    for name, record in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != record.get("size"):
            problems.append(f"{name}: {path.stat().st_size} bytes, the manifest says {record.get('size')}")
        elif file_sha256(path) != record.get("sha256"):
            problems.append(f"{name}: content differs from the manifest (SHA-256)")
    if exact:
        extra = sorted(set(file_names(folder)) - set(files))
        problems += [f"{name}: not in the manifest" for name in extra]
    return problems


def report_problems(folder: Path) -> list[str]:
    """Why the published report in ``folder`` cannot be trusted ([] when it is intact).

    Its manifest must be readable, say ``ok`` (or ``parziale``: published with sections not available), record every file (``files``) and list the same
    ``outputs``; each recorded file must have its recorded size and SHA-256. Files added to the
    folder afterwards (a note of the user) are tolerated.
    """
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{MANIFEST}: unreadable ({type(exc).__name__})"]
    if not isinstance(manifest, dict) or manifest.get("status") not in ("ok", "parziale"):
        return [f"{MANIFEST}: status is not ok"]
    files = manifest.get("files")
    if not isinstance(files, dict):
        return [f"{MANIFEST}: no per-file sizes and hashes (made by an older version)"]
    if sorted([*files, MANIFEST]) != sorted(manifest.get("outputs", [])):
        return [f"{MANIFEST}: its outputs and its files disagree"]
    return verify_files(folder, files, exact=False)


def report_is_intact(folder: Path) -> bool:
    """True when :func:`report_problems` finds nothing."""
    return not report_problems(folder)
