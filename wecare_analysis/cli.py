"""The ``wecare`` command.

Each feature module contributes its sub-commands through a function
``register(subparsers)`` that adds its parsers and sets ``func`` to a callable
taking the parsed arguments and returning an exit code (see
:mod:`wecare_analysis.errors`). To add a command, write it in its own module
and append the module's name to :data:`COMMAND_MODULES`.

Every :class:`~wecare_analysis.errors.WecareError` reaches the user as one
message on stderr with its exit code, never as a traceback. An operating-system
error that a command did not turn into one (a file that cannot be read or
written) gives ``cannot read/write PATH: reason`` and exit code 2; any other
exception is a bug: one line ``internal error: ...`` names a log file holding
the traceback, and the exit code is 4. With ``--json`` the error is also printed
on stdout as a JSON object (``error``, ``errors``, ``exit_code``, and ``file``
when the command reads one), so stdout is always valid JSON.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence

import wecare_analysis
from wecare_analysis.commands.validators import check_project_root
from wecare_analysis.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_UNUSABLE,
    WecareError,
    interrupt_on_sigterm,
    os_error_message,
)

#: Modules that register sub-commands, in the order they appear in ``wecare --help``.
COMMAND_MODULES: list[str] = [
    "wecare_analysis.commands.run",
    "wecare_analysis.commands.territory",
    "wecare_analysis.commands.survey",
    "wecare_analysis.commands.demo",
    "wecare_analysis.commands.access",
    "wecare_analysis.commands.services",
    "wecare_analysis.commands.estimate",
    "wecare_analysis.commands.practices",
    "wecare_analysis.commands.activities",
    "wecare_analysis.commands.inputs",
    "wecare_analysis.commands.disclosure",
]


class _Parser(argparse.ArgumentParser):
    """argparse parser whose usage errors exit with code 2 and a one-line hint."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_UNUSABLE)


class _VersionAction(argparse.Action):
    """``--version``: print ``wecare VERSION`` and exit 0, the version read only then (start-up time)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        parser._print_message(f"wecare {wecare_analysis.__version__}\n", sys.stdout)
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """Return the ``wecare`` argument parser with every registered sub-command."""
    parser = _Parser(prog="wecare", description="Wecare workbench: welfare needs, services, good practices.")
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show program's version number and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``wecare`` command and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_UNUSABLE
    try:
        check_project_root(args)
        with interrupt_on_sigterm():
            return int(args.func(args) or 0)
    except WecareError as err:
        return _fail(args, err.message, err.exit_code)
    except KeyboardInterrupt:
        return _fail(args, "interrupted.", EXIT_INTERRUPTED)
    except OSError as err:
        return _fail(args, f"{os_error_message(err)}.", EXIT_UNUSABLE)
    except Exception as err:  # noqa: BLE001 - last resort: a bug must not print a traceback
        log = _write_traceback(args)
        where = f"details in {log}" if log else "no log could be written"
        summary = f"{type(err).__name__}: {err}".replace("\n", " ")
        if len(summary) > 300:
            summary = summary[:297] + "..."
        return _fail(args, f"internal error: {summary} ({where}); please report it.", EXIT_INTERNAL)


def _fail(args: argparse.Namespace, message: str, code: int) -> int:
    """Write ``message`` on stderr (and as JSON on stdout under ``--json``); return ``code``."""
    sys.stderr.write(f"wecare: {message}\n")
    if getattr(args, "json", False):
        payload: dict[str, object] = {"error": message, "errors": [message], "exit_code": code}
        source = next((getattr(args, name) for name in ("path", "data") if getattr(args, name, None)), None)
        if source is not None:
            payload = {"file": str(source), **payload}
        print(json.dumps(payload, ensure_ascii=False))
    return code


def _write_traceback(args: argparse.Namespace) -> str | None:
    """Write the current exception's traceback to a private log file; return its path (None if impossible)."""
    text = (f"wecare {wecare_analysis.__version__}, {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
            f"command: {' '.join(sys.argv)}\n\n{traceback.format_exc()}")
    try:
        fd, name = tempfile.mkstemp(prefix="wecare-internal-error-", suffix=".log")  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError:
        return None
    return name


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
