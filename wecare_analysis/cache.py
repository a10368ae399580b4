"""Results computed once per input state and shared by every province run.

Region-level computations (accessibility and gaps of a whole region, needs
estimates over the whole survey, transferability inputs) are the same for every
province of a run. :func:`shared_result` computes such a result once, stores it
in ``data/processed/cache/`` under a key made of the function's arguments, the
hashes of the files it reads and the package version, and returns the stored copy
to every later caller. A file lock makes parallel province runs wait for the
first computation instead of repeating it; writes are atomic.

The cache is a private pickle store of the workbench's own results (never read
from elsewhere); deleting ``data/processed/cache/`` is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from filelock import FileLock

from wecare_analysis import __version__
from wecare_analysis.atomic import write_bytes_atomic
from wecare_analysis.catalog import Catalog
from wecare_analysis.provenance import code_digest

T = TypeVar("T")


def _file_key(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def cache_key(name: str, arguments: dict[str, object], files: Iterable[str | os.PathLike[str] | None] = ()
              ) -> str:
    """Hex key of a result: its name, arguments, the size and mtime of the files it reads, the code
    (package version and :func:`~wecare_analysis.provenance.code_digest`).

    >>> cache_key("x", {"a": 1}) == cache_key("x", {"a": 1})
    True
    >>> cache_key("x", {"a": 1}) == cache_key("x", {"a": 2})
    False
    """
    paths = [Path(f) for f in files if f is not None]
    payload = {"name": name, "arguments": arguments, "version": __version__, "code": code_digest(),
               "files": sorted(_file_key(p) if p.exists() else f"{p}:missing" for p in paths)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:20]


def shared_result(root: str | os.PathLike[str] | None, name: str, arguments: dict[str, object],
                  compute: Callable[[], T], files: Iterable[str | os.PathLike[str] | None] = ()) -> T:
    """Return ``compute()``, computed at most once for the same name, arguments and input files.

    Parameters
    ----------
    root
        Project root (its ``data/processed/cache/`` holds the results).
    name
        Name of the result (a file-name prefix).
    arguments
        JSON-serialisable arguments that determine the result.
    compute
        Zero-argument function producing the result (must be picklable).
    files
        Input files the result depends on; a change of size or modification time invalidates it.
    """
    folder = Catalog(root).processed / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}-{cache_key(name, arguments, files)}.pkl"
    with FileLock(str(target) + ".lock"):
        if target.is_file():
            try:
                with open(target, "rb") as fh:
                    return pickle.load(fh)
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
                target.unlink(missing_ok=True)  # stale or damaged: compute again
        result = compute()
        write_bytes_atomic(target, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        return result
