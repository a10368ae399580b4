"""Atomic writes: a reader sees the old file or the new one, never half of one.

Every output of the workbench goes through these helpers: the content is written
to a temporary sibling, flushed to disk, then renamed over the target with
:func:`os.replace`, which POSIX guarantees to be atomic within a file system.

A target that is not a regular file is never replaced: a FIFO or a character
device (``/dev/stdout``, ``/dev/null``, a named pipe) is written into once the
content is complete; a symbolic link keeps pointing where it did, and the file it
points to is replaced atomically; a block device or a socket is refused (exit 2).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from wecare_analysis.errors import InputError, os_error_message

if TYPE_CHECKING:
    from filelock import FileLock


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def is_stream(target: str | os.PathLike[str]) -> bool:
    """True when ``target`` (links followed) is a FIFO or a character device: written into, never replaced."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def prepare_target(target: str | os.PathLike[str]) -> Path:
    """Check that a file can be written at ``target`` and create its folder; return the path to write.

    That is ``target`` itself, or for a symbolic link the file it points to (the link is kept).

    Raises
    ------
    InputError
        (exit code 2) naming the path when ``target`` is a folder, a block device or a
        socket, when a part of its folder path is a file, or when the folder cannot be created.
    """
    target = Path(target)
    if target.is_dir():
        raise InputError(f"cannot write {target}: it is a folder; give a file name.")
    if is_stream(target):
        return target
    if target.exists() and not target.is_file():
        raise InputError(f"cannot write {target}: it is a special file (a block device or a socket), not a "
                         "regular file; give a file name.")
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in (target.parent, *target.parent.parents) if p.exists() and not p.is_dir()),
                       target.parent)
        raise InputError(f"cannot write {target}: {blocker} is a file, not a folder; choose another "
                         "output path.") from None
    except OSError as err:
        raise InputError(f"{os_error_message(err, 'create the folder')} (needed to write {target}).") from None
    return target


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it onto ``target``.

    Use it with writers that want a file name (``to_parquet``, ``to_file``,
    ``savefig``). On an exception the temporary file is removed and ``target``
    is left as it was. A target that cannot be written (a folder, a path under
    a file, no permission) raises :class:`~wecare_analysis.errors.InputError`
    naming it, before anything is written.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> with atomic_path(out) as tmp:
    ...     pd.DataFrame({"a": [1]}).to_csv(tmp, index=False)
    >>> out.read_text()
    'a\\n1\\n'
    """
    given = Path(target)
    target = prepare_target(given)
    stream = is_stream(target)
    suffix = suffix if suffix is not None else "".join(target.suffixes)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{suffix}",
                                        dir=None if stream else target.parent)
    except OSError as err:
        raise InputError(f"cannot write {given}: {_reason(err)}.") from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as pyogrio refuse an existing file
    try:
        try:
            yield tmp
        except OSError as err:  # the writer could not write the temporary file (e.g. the disk is full)
            if err.filename not in (None, str(tmp), tmp):
                raise
            raise InputError(f"cannot write {given}: {_reason(err)}.") from None
        try:
            if stream:
                _write_into(tmp, target)
            else:
                _replace(tmp, target)
        except OSError as err:
            raise InputError(f"cannot write {given}: {_reason(err)}.") from None
    finally:
        if tmp.exists():
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink()


def _reason(err: OSError) -> str:
    """The reason part of :func:`~wecare_analysis.errors.os_error_message` (``no space left on device``...)."""
    return os_error_message(err, "write").split(": ", 1)[-1]


def _replace(tmp: Path, target: Path) -> None:
    """Flush ``tmp`` to disk and rename it onto ``target``."""
    if tmp.is_file():
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def _write_into(tmp: Path, target: Path) -> None:
    """Copy the complete ``tmp`` into the FIFO or device ``target`` (opening a FIFO waits for its reader)."""
    with open(tmp, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text_atomic(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically and return the path."""
    return write_bytes_atomic(target, text.encode(encoding))


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux ``renameat2(RENAME_EXCHANGE)``; False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # here: only a directory swap needs it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    res = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return res == 0


def publish_directory(staging: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Replace the directory ``target`` by the complete directory ``staging``.

    On Linux the two folders are swapped in one atomic system call
    (``renameat2`` with ``RENAME_EXCHANGE``), so a reader or a crash sees either
    the old complete folder or the new one. Elsewhere the old folder is renamed
    aside first and removed only after the new one is in place; a crash between
    the two renames leaves it under ``.<name>.old``, restored by the next call.
    """
    staging, target = Path(staging), Path(target)
    backup = target.with_name(f".{target.name}.old")
    if backup.exists() and not target.exists():
        os.replace(backup, target)  # recover from a crash between the renames
    if backup.exists():
        shutil.rmtree(backup)
    if target.exists() and _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old folder
        _fsync_dir(target.parent)
        return target
    if target.exists():
        os.replace(target, backup)
    os.replace(staging, target)
    _fsync_dir(target.parent)
    if backup.exists():
        shutil.rmtree(backup, ignore_errors=True)
    return target


def _staging_prefix(target: Path) -> str:
    return f".{target.name}.staging-"


def _directory_lock(target: Path, timeout: float = -1) -> FileLock:
    """The lock of the published folder ``target``: a file of the user's temporary folder named after the
    folder's absolute path, so that nothing stays beside ``target`` once the publication ends (``survey
    validate --out DIR`` writes nothing outside DIR)."""
    import hashlib
    import tempfile

    from filelock import FileLock  # here: a command writing a single file does not pay for importing it

    key = hashlib.sha256(os.fsencode(os.path.abspath(target))).hexdigest()[:24]
    folder = Path(tempfile.gettempdir()) / f"wecare-locks-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return FileLock(str(folder / f"{key}.lock"), timeout=timeout)


def _recover(target: Path) -> None:
    """Bring ``target`` back to one complete set after a crash (call it holding its lock).

    A backup ``.<name>.old`` left by a crash between the two renames of :func:`publish_directory` is
    restored when the live folder is missing, else removed; staging folders ``.<name>.staging-*`` are
    removed (nobody else can be writing them: their writer would hold the lock).
    """
    backup = target.with_name(f".{target.name}.old")
    if backup.exists() and not target.exists():
        os.replace(backup, target)
        _fsync_dir(target.parent)
    if backup.exists():
        shutil.rmtree(backup, ignore_errors=True)
    for leftover in target.parent.glob(f"{_staging_prefix(target)}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def recover_directory(target: str | os.PathLike[str]) -> Path:
    """Recover the published folder ``target`` after a crash, unless a publication is under way; return it.

    Deterministic: the live folder, if any, is kept; else the backup of an interrupted swap is restored;
    leftover staging folders are removed (see :func:`staged_directory`). Cheap when nothing is left over.
    """
    import filelock

    target = Path(target)
    if not target.with_name(f".{target.name}.old").exists() and not any(
            target.parent.glob(f"{_staging_prefix(target)}*")):
        return target
    try:
        with _directory_lock(target, timeout=0):
            _recover(target)
    except (filelock.Timeout, OSError):
        pass  # a publication holds the lock (it recovers first) or the folder is read-only
    return target


@contextlib.contextmanager
def staged_directory(target: str | os.PathLike[str], replaced: frozenset[str] | set[str] = frozenset()
                     ) -> Iterator[Path]:
    """Yield an empty staging folder; on success publish it in place of ``target`` as one set.

    The outputs of one command that belong together (a survey's ``validation.json`` and its
    ``needs.parquet``) are written into the staging folder ``.<name>.staging-<pid>-<random>`` beside
    ``target``, then swapped in with :func:`publish_directory`: a reader, or a crash at any instant,
    finds the old set or the new one, never a mix. The whole publication holds the lock
    of :func:`_directory_lock`; it starts by recovering what a crashed one left (:func:`recover_directory`).
    Entries of the live folder not named in ``replaced`` (files the user keeps there) are carried
    over into the new set (hard links where possible). On an exception the staging folder is
    removed and ``target`` is left as it was.
    """
    import uuid

    target = Path(target)
    if target.is_symlink():  # the link keeps pointing where it did; the folder it names is swapped
        target = Path(os.path.realpath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    with _directory_lock(target):
        _recover(target)
        staging = target.with_name(f"{_staging_prefix(target)}{os.getpid()}-{uuid.uuid4().hex[:8]}")
        staging.mkdir()
        try:
            if target.is_dir():
                for entry in target.iterdir():
                    if entry.name not in replaced:
                        _carry(entry, staging / entry.name)
            yield staging
            for path in staging.rglob("*"):
                if path.is_file():
                    with open(path, "rb+") as fh:
                        os.fsync(fh.fileno())
            publish_directory(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _carry(entry: Path, dest: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.copytree(entry, dest, symlinks=True, copy_function=_link_or_copy)
    elif entry.is_symlink():
        os.symlink(os.readlink(entry), dest)
    else:
        _link_or_copy(str(entry), str(dest))
