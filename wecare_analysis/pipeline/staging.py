"""Staging folders that carry their owner: only a dead owner's staging is ever removed.

A province is built in ``reports/.staging-<REPORT>-<pid>-<start>-<random>-<host>`` and
then swapped in place of ``reports/<REPORT>/``. The owner (the process building it: its
pid, its start time, so that a reused pid is not mistaken for it, and its host) is part of
the folder's *name*, so it exists from the folder's first instant and survives anything
written or deleted inside. :func:`remove_stale_staging` removes a folder only when its
owner is gone: a new run never deletes the folder of a process still writing it (the
fault that once published a report with 10 of its 35 files). A folder of another host
(a Dask worker on a shared file system) cannot be checked and is removed only when it has
not changed for :data:`FOREIGN_STALE_SECONDS`.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import uuid
from pathlib import Path

from wecare_analysis.catalog import Catalog

STAGING_PREFIX = ".staging-"
#: Age after which the staging folder of another host's process is taken as abandoned.
FOREIGN_STALE_SECONDS = 24 * 3600

#: The staging folder this process is building (removed by the worker's stop handler).
_current: list[Path] = []


def process_start_time(pid: int) -> str:
    """Start time of process ``pid`` in clock ticks since boot (Linux ``/proc``); ``"0"`` where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "0"


def process_alive(pid: int, start: str = "0") -> bool:
    """True when process ``pid`` exists (and, when ``start`` is known, is the one that started then)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    return start in ("0", process_start_time(pid))


def host_name() -> str:
    """This machine's host name, with ``-`` allowed but no path separator."""
    return socket.gethostname().replace("/", "_") or "localhost"


def new_staging(cat: Catalog, report: str) -> Path:
    """Create and return the staging folder of ``report`` owned by this process (registered as current)."""
    pid = os.getpid()
    folder = cat.reports / (f"{STAGING_PREFIX}{report}-{pid}-{process_start_time(pid)}-"
                            f"{uuid.uuid4().hex[:8]}-{host_name()}")
    folder.mkdir(parents=True)
    _current.append(folder)
    return folder


def discard_staging(folder: Path) -> None:
    """Remove ``folder`` (after its publication or failure) and forget it."""
    shutil.rmtree(folder, ignore_errors=True)
    if folder in _current:
        _current.remove(folder)


def discard_current_staging() -> None:
    """Remove every staging folder this process is building (a worker being stopped)."""
    while _current:
        discard_staging(_current[-1])


def staging_owner(folder: Path) -> tuple[str, int, str] | None:
    """``(host, pid, start)`` of the process that owns ``folder``; None for a name without an owner."""
    parts = folder.name[len(STAGING_PREFIX):].split("-", 4)
    if len(parts) != 5 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return parts[4], int(parts[1]), parts[2]


def staging_is_stale(folder: Path) -> bool:
    """True when nobody can still be writing ``folder``: its owner process is gone.

    A folder named without an owner (left by an older version) is stale; one of another
    host is stale once untouched for :data:`FOREIGN_STALE_SECONDS`.
    """
    owner = staging_owner(folder)
    if owner is None:
        return True
    host, pid, start = owner
    if host != host_name():
        try:
            return time.time() - folder.stat().st_mtime > FOREIGN_STALE_SECONDS
        except OSError:
            return False
    return not process_alive(pid, start)


def remove_stale_staging(cat: Catalog) -> list[Path]:
    """Delete the staging folders whose owner is dead, and recover or drop ``.<REPORT>.old`` backups
    of an interrupted non-atomic swap (call it while holding the run lock); return the folders removed."""
    stale = [p for p in cat.reports.glob(f"{STAGING_PREFIX}*") if p.is_dir() and staging_is_stale(p)]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    for backup in cat.reports.glob(".*.old"):
        target = backup.with_name(backup.name[1:-4])
        if target.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(backup, target)
    return stale
