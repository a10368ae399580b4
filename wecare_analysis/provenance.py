"""Which code produced a result: the package version and a digest of the package's own files.

The version alone does not change when a researcher edits the package in place
(an editable install, the usual way to work on the workbench): a cached regional
result or a report skipped by ``wecare run --resume`` would then come from the old
code. :func:`code_digest` hashes every file of the package (sources, codebook,
taxonomy, catalogue, templates), so that any change to them invalidates the shared
caches (:mod:`wecare_analysis.cache`) and the run fingerprints
(:func:`wecare_analysis.pipeline.state.run_fingerprint`).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: Suffixes of the files that make up the package's behaviour.
CODE_SUFFIXES = frozenset({".py", ".yaml", ".csv", ".j2", ".css", ".json", ".tpl"})


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 (first 16 hex digits) of the relative paths and contents of the package's files.

    Computed once per process (about 2 ms); compiled files (``__pycache__``) are ignored.

    >>> len(code_digest()) == 16 and code_digest() == code_digest()
    True
    """
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in CODE_SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
