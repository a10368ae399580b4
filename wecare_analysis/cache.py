"""Results computed once per input state and shared by every province run.

Region-level computations (accessibility and gaps of a whole region, needs
estimates over the whole survey, transferability inputs) are the same for every
province of a run. :func:`shared_result` computes such a result once, stores it
in ``data/processed/cache/`` under a key made of the function's arguments, the
hashes of the files it reads and the package version, and returns the stored copy
to every later caller. A file lock makes parallel province runs wait for the
first computation instead of repeating it; writes are atomic.

Threat model and signature
--------------------------
The cached results are the workbench's own objects (dataclasses of estimates,
GeoDataFrames, assessments), which only pickle can store whole, and unpickling
runs code. The cache folder may be on a file system shared with other people
(Dask workers, a project folder on a network drive): whoever can write there
could plant a file that runs code in the next run. So every entry is signed:

``MAGIC || HMAC-SHA256(key, MAGIC || entry name || payload) || payload``

with a 32-byte local key that never lives in the shared folder: by default
``$XDG_CONFIG_HOME/wecare/cache.key`` (``~/.config/wecare/cache.key``), created
with mode 0600 on first use; :data:`KEY_ENV` names another file (give every
Dask worker the same private key file). The tag is checked with
:func:`hmac.compare_digest` *before* the payload is unpickled; an entry without a
valid tag (unsigned, signed with another key, renamed from another entry,
truncated) is never loaded: a warning is issued and the result is computed again
and stored signed. A key file that other users can read or write is not trusted:
the cache is then bypassed (computed every time) with a warning. What the
signature does not protect: someone who can read the key (the same user account)
can sign anything, and the cached results are not encrypted (they hold only
processed, shareable data). Deleting ``data/processed/cache/`` is always safe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import secrets
import stat
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from filelock import FileLock

from wecare_analysis import __version__
from wecare_analysis.atomic import write_bytes_atomic
from wecare_analysis.catalog import Catalog
from wecare_analysis.provenance import code_digest

T = TypeVar("T")

#: Environment variable naming the key file that signs the cache (default ``~/.config/wecare/cache.key``).
KEY_ENV = "WECARE_CACHE_KEY_FILE"
#: First bytes of every signed entry (format version 1).
MAGIC = b"WECARE-CACHE-HMAC-SHA256-1\n"
#: Suffix of a signed entry (entries of older versions, plain ``.pkl``, are never read).
SUFFIX = ".signed.pkl"
_TAG = hashlib.sha256().digest_size


class CacheWarning(UserWarning):
    """A cache entry or the cache key was not trusted; the result was computed again."""


def key_path() -> Path:
    """The key file: ``$WECARE_CACHE_KEY_FILE``, else ``$XDG_CONFIG_HOME/wecare/cache.key``
    (``~/.config/wecare/cache.key``)."""
    given = os.environ.get(KEY_ENV)
    if given:
        return Path(given).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "wecare" / "cache.key"


def cache_key_bytes() -> bytes | None:
    """The signing key (created, 32 random bytes with mode 0600, when missing); None when it cannot be
    trusted (readable or writable by group or others, too short) or cannot be read or created."""
    path = key_path()
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
        mode = path.stat().st_mode
        if stat.S_IMODE(mode) & 0o077 or not stat.S_ISREG(mode):
            warnings.warn(f"cache key {path} is readable or writable by other users (mode "
                          f"{stat.S_IMODE(mode):o}); the shared cache is not used. Run `chmod 600 {path}`.",
                          CacheWarning, stacklevel=3)
            return None
        key = path.read_bytes()
    except FileExistsError:  # created by a parallel process in the meantime
        return cache_key_bytes()
    except OSError as err:
        warnings.warn(f"cannot read or create the cache key {path} ({err.strerror}); the shared cache is not "
                      f"used. Set {KEY_ENV} to a private file.", CacheWarning, stacklevel=3)
        return None
    if len(key) < 16:
        warnings.warn(f"cache key {path} is shorter than 16 bytes; the shared cache is not used. Delete it to "
                      "have a new one created.", CacheWarning, stacklevel=3)
        return None
    return key


def _tag(key: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(key, MAGIC + name.encode() + b"\0" + payload, hashlib.sha256).digest()


def sign(key: bytes, name: str, payload: bytes) -> bytes:
    """The stored form of ``payload`` for entry ``name``: magic, HMAC-SHA256 tag, payload."""
    return MAGIC + _tag(key, name, payload) + payload


def verified_payload(key: bytes, name: str, stored: bytes) -> bytes | None:
    """The payload of a stored entry if its tag is valid for ``name`` under ``key``, else None.

    >>> k = b"k" * 32
    >>> verified_payload(k, "a", sign(k, "a", b"data"))
    b'data'
    >>> verified_payload(k, "b", sign(k, "a", b"data")) is None  # an entry renamed from another
    True
    """
    if not stored.startswith(MAGIC) or len(stored) < len(MAGIC) + _TAG:
        return None
    tag, payload = stored[len(MAGIC):len(MAGIC) + _TAG], stored[len(MAGIC) + _TAG:]
    return payload if hmac.compare_digest(tag, _tag(key, name, payload)) else None


def _file_key(path: Path) -> str:
    stat_ = path.stat()
    return f"{path.resolve()}:{stat_.st_size}:{stat_.st_mtime_ns}"


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


def _load(target: Path, key: bytes) -> tuple[bool, object]:
    """``(True, result)`` for a valid signed entry; ``(False, None)`` (with a warning when the file exists
    but is not trusted) otherwise. Nothing is unpickled before its tag is verified."""
    try:
        stored = target.read_bytes()
    except OSError:
        return False, None
    payload = verified_payload(key, target.name, stored)
    if payload is None:
        warnings.warn(f"cache entry {target} has no valid signature (planted, damaged or made with another key); "
                      "it is not loaded and the result is computed again.", CacheWarning, stacklevel=4)
        return False, None
    try:
        return True, pickle.loads(payload)  # authenticated above with the local key
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return False, None  # signed by us with an older code layout: compute again


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

    Stored entries are signed and verified (see the module docstring); an entry that fails the check
    is computed again (:class:`CacheWarning`).
    """
    key = cache_key_bytes()
    if key is None:
        return compute()
    folder = Catalog(root).processed / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}-{cache_key(name, arguments, files)}{SUFFIX}"
    with FileLock(str(target) + ".lock"):
        if target.is_file():
            found, result = _load(target, key)
            if found:
                return result  # type: ignore[return-value]
            target.unlink(missing_ok=True)
        result = compute()
        write_bytes_atomic(target, sign(key, target.name, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)))
        return result
