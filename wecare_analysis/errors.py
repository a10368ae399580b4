"""Errors a person can act on, and the exit codes of the ``wecare`` command.

Exit codes (documented in the README):

=====  ==============================================================
code   meaning
=====  ==============================================================
0      success: every row kept, every province produced
1      partial: some rows quarantined, some provinces failed, or some reports "parziale"
2      unusable input or wrong usage: nothing was produced
3      another run holds the lock on the output folder
4      internal error: a bug, the details are in a log file named by the message
130    interrupted by the user (Ctrl-C)
=====  ==============================================================
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_UNUSABLE = 2
EXIT_LOCKED = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130


class WecareError(Exception):
    """An error whose message is meant for the user, never shown with a traceback.

    Parameters
    ----------
    message
        What went wrong and what to do, in one or two sentences; name the file,
        row, column, the expected and the found value where they are known.
    exit_code
        Exit code the command line returns for it (default 2, unusable input).
    """

    def __init__(self, message: str, exit_code: int = EXIT_UNUSABLE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class InputError(WecareError):
    """An input file or argument cannot be used (exit code 2)."""


def quarantine_path(source: str | os.PathLike[str]) -> Path:
    """Where the rows rejected from an input file go by default: ``<file>.quarantine.csv`` beside it.

    >>> quarantine_path("data/raw/servizi.csv").name
    'servizi.csv.quarantine.csv'
    """
    source = Path(source)
    return source.with_name(source.name + ".quarantine.csv")


def outside_path(source: str | os.PathLike[str]) -> Path:
    """Where the rows placed outside the region go by default: ``<file>.outside.csv`` beside it.

    >>> outside_path("data/raw/servizi.csv").name
    'servizi.csv.outside.csv'
    """
    source = Path(source)
    return source.with_name(source.name + ".outside.csv")


def os_error_message(err: OSError, action: str = "read/write") -> str:
    """One line for an operating-system error: ``cannot ACTION PATH: reason``.

    >>> os_error_message(IsADirectoryError(21, "Is a directory", "out"), "write")
    'cannot write out: it is a folder, expected a file'
    """
    reasons = {IsADirectoryError: "it is a folder, expected a file",
               NotADirectoryError: "a part of the path is a file, not a folder",
               FileExistsError: "a file with that name already exists where a folder is needed",
               FileNotFoundError: "no such file or folder",
               PermissionError: "permission denied"}
    by_code = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
               errno.EROFS: "read-only file system"}
    reason = next((text for kind, text in reasons.items() if isinstance(err, kind)), by_code.get(err.errno))
    reason = reason or err.strerror or str(err)
    where = err.filename if err.filename is not None else "a file"
    return f"cannot {action} {where}: {reason}"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM acts as Ctrl-C (main thread only): it raises KeyboardInterrupt, so a
    command stopped by ``kill`` cleans up like an interrupted one and exits with :data:`EXIT_INTERRUPTED`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
