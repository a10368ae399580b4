"""Bounded reading of ZIP containers (XLSX workbooks, zipped shapefiles and tables): refuse a zip bomb
before parsing it.

An XLSX workbook is a ZIP archive of XML parts. A 3.5 MB workbook whose sheet
expands to 920 MB once inflated used to be parsed in full (about 10 minutes and
2.2 GB of memory) before anything said no. Every reader of a user's XLSX or ZIP
file calls :func:`check_zip` or :func:`check_xlsx` first; they look only at the
ZIP's central directory (the declared size of every member, a few bytes each) and
refuse, with :class:`~wecare_analysis.errors.InputError` (exit code 2), when

- the members expand to more than :data:`UNZIPPED_ENV` MB in total (default 256);
- a member over 1 MiB expands more than :data:`RATIO_ENV` times (default 100: genuine
  workbooks and shapefiles compress 3 to 30 times; the inflate-ratio guard of Apache
  POI's ``ZipSecureFile``, ``MIN_INFLATE_RATIO = 0.01``, is the same bound);
- the archive has more than :data:`MEMBERS_ENV` members (default 10,000).

Only then :func:`check_xlsx` counts the rows and cells of the worksheets by
streaming through their XML in 1 MiB pieces (memory stays bounded; the time is
that of inflating at most the size bound), and refuses a workbook over
:data:`ROWS_ENV` rows (default 1,048,576, Excel's own limit) or :data:`CELLS_ENV`
cells (default 5,000,000) in one sheet, before any parser builds it in memory.

The declared sizes can be trusted for the workbook readers: Python's :mod:`zipfile`
(used by openpyxl) stops inflating a member at its declared size and then checks its
CRC, so a member that lies about its size fails instead of expanding further.

Every bound is named in its message with the environment variable that raises it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from wecare_analysis.errors import InputError

UNZIPPED_ENV = "WECARE_MAX_UNZIPPED_MB"
RATIO_ENV = "WECARE_MAX_ZIP_RATIO"
MEMBERS_ENV = "WECARE_MAX_ZIP_MEMBERS"
ROWS_ENV = "WECARE_MAX_ROWS"
CELLS_ENV = "WECARE_MAX_CELLS"
DEFAULTS = {UNZIPPED_ENV: 256, RATIO_ENV: 100, MEMBERS_ENV: 10_000, ROWS_ENV: 1_048_576, CELLS_ENV: 5_000_000}
#: Members smaller than this are not held to the ratio bound (tiny XML parts compress very well).
RATIO_GRACE_BYTES = 1 << 20
_MB = 1_000_000
_CHUNK = 1 << 20
_ROW = re.compile(rb"<(?:\w{1,16}:)?row[\s>/]")
_CELL = re.compile(rb"<(?:\w{1,16}:)?c[\s>/]")
_KEEP = 24  # longer than any match above: a tag cut between two pieces is counted once
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)

Source = str | os.PathLike[str] | bytes | BinaryIO


@dataclass(frozen=True)
class Bounds:
    """The bounds in force (see the module docstring); :meth:`from_env` reads them from the environment."""

    unzipped_bytes: int
    ratio: float
    members: int
    rows: int
    cells: int

    @classmethod
    def from_env(cls) -> Bounds:
        """The bounds of the environment variables, else the defaults; a value that is not a positive
        number raises InputError naming the variable."""
        values = {}
        for name, default in DEFAULTS.items():
            text = os.environ.get(name, "").strip()
            try:
                value = float(text) if text else float(default)
            except ValueError:
                value = float("nan")
            if not value > 0 or value == float("inf"):
                raise InputError(f"{name}={text!r}: expected a positive number (default {default:,}).")
            values[name] = value
        return cls(int(values[UNZIPPED_ENV] * _MB), values[RATIO_ENV], int(values[MEMBERS_ENV]),
                   int(values[ROWS_ENV]), int(values[CELLS_ENV]))


@dataclass(frozen=True)
class ZipSize:
    """What the central directory of an archive declares: members, total compressed and inflated bytes."""

    members: int
    compressed: int
    unzipped: int


def _mb(n: float) -> str:
    return f"{n / _MB:,.1f} MB"


def _open(source: Source) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)


def is_zip(source: Source) -> bool:
    """True when ``source`` (a path, bytes or a binary file) starts like a ZIP archive.

    >>> is_zip(b"PK\\x03\\x04...") , is_zip(b"a,b\\n1,2\\n")
    (True, False)
    """
    if isinstance(source, bytes):
        return source[:4] == b"PK\x03\x04"
    if isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as fh:
                return fh.read(4) == b"PK\x03\x04"
        except OSError:
            return False
    pos = source.tell()
    head = source.read(4)
    source.seek(pos)
    return head == b"PK\x03\x04"


def _refuse(label: object, found: str, bound: str, env: str, suggestion: float, what: str) -> InputError:
    return InputError(
        f"{label}: refused before reading: {what} {found}, above the bound of {bound}; such a file is "
        f"most likely damaged or a zip bomb. If it is genuine, raise the bound: {env}={suggestion:g} "
        f"(default {DEFAULTS[env]:,}).")


def _member_count(source: Source) -> int | None:
    """Entries declared by the end-of-central-directory record, read without loading the directory
    (with the stdlib's own reader of that record, which handles ZIP64)."""
    try:
        with contextlib.ExitStack() as stack:
            if isinstance(source, bytes):
                fh: BinaryIO = io.BytesIO(source)
            elif isinstance(source, str | os.PathLike):
                fh = stack.enter_context(open(source, "rb"))
            else:
                fh = source
                stack.callback(source.seek, 0)
            end = zipfile._EndRecData(fh)
        return int(end[zipfile._ECD_ENTRIES_TOTAL]) if end else None
    except (OSError, AttributeError, IndexError, TypeError):
        return None


def check_zip(source: Source, label: object = None, bounds: Bounds | None = None,
              what: str = "the archive") -> ZipSize | None:
    """Refuse an archive whose central directory declares too much (see the module docstring).

    Parameters
    ----------
    source
        Path, bytes or seekable binary file of the archive.
    label
        How the file is named in messages (default: ``source`` when it is a path).
    bounds
        Bounds to apply (default :meth:`Bounds.from_env`).
    what
        Name of the content in messages (``the workbook``, ``the zipped shapefile``).

    Returns
    -------
    ZipSize or None
        Members and total sizes declared; None when the central directory cannot be read (a damaged
        archive), left to the reader, which names the damage.

    Raises
    ------
    InputError
        (exit 2) when a bound is exceeded, naming the file, the size found, the bound and the variable
        that raises it.
    """
    bounds = bounds or Bounds.from_env()
    label = label if label is not None else (source if isinstance(source, str | os.PathLike) else "input")
    declared = _member_count(source)
    if declared is not None and declared > bounds.members:
        raise _refuse(label, f"declares {declared:,} members", f"{bounds.members:,}", MEMBERS_ENV,
                      declared, what)
    try:
        with _open(source) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        return None  # a damaged archive: the reader names the damage in its own words
    finally:
        if not isinstance(source, str | os.PathLike | bytes):
            source.seek(0)
    if len(infos) > bounds.members:
        raise _refuse(label, f"holds {len(infos):,} members", f"{bounds.members:,}", MEMBERS_ENV,
                      len(infos), what)
    total = sum(i.file_size for i in infos)
    if total > bounds.unzipped_bytes:
        biggest = max(infos, key=lambda i: i.file_size)
        raise _refuse(label, f"expands to {_mb(total)} when unzipped ({biggest.filename}: "
                      f"{_mb(biggest.compress_size)} compressed, {_mb(biggest.file_size)} unzipped)",
                      _mb(bounds.unzipped_bytes), UNZIPPED_ENV, -(-total // _MB), what)
    for info in infos:
        if info.file_size > RATIO_GRACE_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > bounds.ratio:
                raise _refuse(label, f"has a member that expands {ratio:,.0f} times ({info.filename}: "
                              f"{_mb(info.compress_size)} compressed, {_mb(info.file_size)} unzipped)",
                              f"{bounds.ratio:g} times", RATIO_ENV, float(int(ratio) + 1), what)
    return ZipSize(len(infos), sum(i.compress_size for i in infos), total)


def _count_tags(stream: BinaryIO) -> tuple[int, int]:
    """``(rows, cells)`` of a worksheet's XML, read in pieces of :data:`_CHUNK` bytes."""
    rows = cells = 0
    carry = b""
    while True:
        piece = stream.read(_CHUNK)
        buffer = carry + piece
        limit = len(buffer) if not piece else max(0, len(buffer) - _KEEP)
        rows += sum(1 for m in _ROW.finditer(buffer) if m.start() < limit)
        cells += sum(1 for m in _CELL.finditer(buffer) if m.start() < limit)
        if not piece:
            return rows, cells
        carry = buffer[limit:]


def check_xlsx(source: Source, label: object = None, bounds: Bounds | None = None) -> dict[str, tuple[int, int]]:
    """Refuse a workbook that is too large to parse, before parsing it; return ``{sheet part: (rows, cells)}``.

    First :func:`check_zip` on the central directory, then the rows and cells of every worksheet counted
    by streaming (bounded memory). A source that is not a ZIP (a legacy ``.xls``, a mislabelled CSV) is
    left to the reader, which gives its own message: the result is then empty.

    Raises
    ------
    InputError
        (exit 2) naming the file, the sheet, the count found, the bound and the variable that raises it.
    """
    if not is_zip(source):
        return {}
    bounds = bounds or Bounds.from_env()
    label = label if label is not None else (source if isinstance(source, str | os.PathLike) else "input")
    if check_zip(source, label, bounds, what="the workbook") is None:
        return {}
    counts: dict[str, tuple[int, int]] = {}
    try:
        with _open(source) as zf:
            for info in zf.infolist():
                if not _SHEET.fullmatch(info.filename):
                    continue
                with zf.open(info) as member:
                    rows, cells = _count_tags(member)
                counts[info.filename] = (rows, cells)
                if rows > bounds.rows:
                    raise _refuse(label, f"has {rows:,} rows in {info.filename}", f"{bounds.rows:,} rows",
                                  ROWS_ENV, rows, "the workbook")
                if cells > bounds.cells:
                    raise _refuse(label, f"has {cells:,} cells in {info.filename}", f"{bounds.cells:,} cells",
                                  CELLS_ENV, cells, "the workbook")
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:  # a CRC or inflate error: a damaged part
        raise InputError(f"{label}: the workbook is damaged ({err}); re-save it as .xlsx or export CSV.") from None
    finally:
        if not isinstance(source, str | os.PathLike | bytes):
            source.seek(0)
    return counts
