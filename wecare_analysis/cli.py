"""The ``wecare`` command.

Each feature module contributes its sub-commands through a function
``register(subparsers)`` that adds its parsers and sets ``func`` to a callable
taking the parsed arguments and returning an exit code (see
:mod:`wecare_analysis.errors`). To add a command, write it in its own module
and append the module's name to :data:`COMMAND_MODULES`.

Every :class:`~wecare_analysis.errors.WecareError` reaches the user as one
message on stderr with its exit code, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from wecare_analysis import __version__
from wecare_analysis.errors import EXIT_INTERRUPTED, EXIT_UNUSABLE, WecareError

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
]


class _Parser(argparse.ArgumentParser):
    """argparse parser whose usage errors exit with code 2 and a one-line hint."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_UNUSABLE)


def build_parser() -> argparse.ArgumentParser:
    """Return the ``wecare`` argument parser with every registered sub-command."""
    parser = _Parser(prog="wecare", description="Wecare workbench: welfare needs, services, good practices.")
    parser.add_argument("--version", action="version", version=f"wecare {__version__}")
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
        return int(args.func(args) or 0)
    except WecareError as err:
        sys.stderr.write(f"wecare: {err.message}\n")
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("wecare: interrupted.\n")
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
