"""Argument checks shared by the sub-commands: a bad value is a usage error (exit 2), never a crash (exit 4).

Each ``type=`` function turns the text of an option into its value or raises
:class:`argparse.ArgumentTypeError`, which the parser reports as
``wecare …: error: argument --jobs: …`` with exit code 2. :func:`check_project_root`
runs after parsing, for the commands with ``--root``: the folder must exist unless
``--init`` asks to create a new project there (a typo must not silently start an
empty project).
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

from wecare_analysis.errors import InputError

#: Largest synthetic survey ``wecare demo-data`` writes (its benchmark size: about 30 s, 0.5 GB).
MAX_RESPONDENTS = 1_000_000
#: A Dask scheduler address: ``tcp://host:port`` (or another Dask protocol), or ``host:port``.
SCHEDULER_ADDRESS = re.compile(r"^((tcp|tls|ucx|ws|wss|inproc)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:\d{1,5})?/?$")


def _integer(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None


def int_between(low: int, high: int | None = None, what: str = "") -> Callable[[str], int]:
    """A ``type=`` function accepting whole numbers from ``low`` to ``high`` (no upper bound: None).

    >>> int_between(1, 10)("3")
    3
    """
    def check(text: str) -> int:
        value = _integer(text)
        if value < low or (high is not None and value > high):
            bound = f"from {low:,} to {high:,}" if high is not None else f"at least {low:,}"
            raise argparse.ArgumentTypeError(f"must be {bound}{what}, found {text}")
        return value
    check.__name__ = "whole number"
    return check


#: Whole numbers ≥ 1 (``--jobs``, timeouts in seconds) and ≥ 0 (``--seed``).
positive_int = int_between(1)
non_negative_int = int_between(0)
respondents_count = int_between(1, MAX_RESPONDENTS, " (a larger synthetic survey would take minutes and GBs)")


def finite_float(text: str) -> float:
    """A real number, not ``nan`` or ``inf``.

    >>> finite_float("-1.5")
    -1.5
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, found {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, found {text!r}")
    return value


def scheduler_address(text: str) -> str:
    """A Dask scheduler address such as ``tcp://10.0.0.5:8786``.

    >>> scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    if not SCHEDULER_ADDRESS.match(text.strip()):
        raise argparse.ArgumentTypeError(f"expected a Dask scheduler address such as tcp://10.0.0.5:8786, "
                                         f"found {text!r}")
    return text.strip()


def input_file(text: str) -> str:
    """The path of an input file; a folder is refused with the files it holds that could be meant."""
    path = Path(text)
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir() if p.is_file() and not p.name.startswith("."))[:5]
        hint = f"; it holds {', '.join(inside)}" if inside else " (it holds no file)"
        raise argparse.ArgumentTypeError(f"{text} is a folder, give the file to read{hint}")
    return text


def add_init_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--init``: allow ``--root`` to name a folder that does not exist yet (a new project)."""
    parser.add_argument("--init", action="store_true",
                        help="create a new project at --root if the folder does not exist")


def check_project_root(args: argparse.Namespace) -> None:
    """Refuse (exit 2) a ``--root`` (or ``$WECARE_ROOT``) that is not an existing folder, unless ``--init``."""
    if "root" not in vars(args) or getattr(args, "init", False):
        return
    given, origin = args.root, "--root"
    if given is None and os.environ.get("WECARE_ROOT"):
        given, origin = os.environ["WECARE_ROOT"], "$WECARE_ROOT"
    if given is None:
        return
    path = Path(given)
    if path.is_dir():
        return
    what = "is a file, not a folder" if path.exists() else "does not exist"
    raise InputError(f"{origin} {given} {what}: give the folder of an existing project, or add --init to "
                     "start a new project there.")
