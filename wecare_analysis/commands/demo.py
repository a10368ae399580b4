"""``wecare demo-data``: write the synthetic demonstration data ("dati sintetici dimostrativi")."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from wecare_analysis.catalog import Catalog
from wecare_analysis.commands.validators import (
    MAX_RESPONDENTS,
    add_init_option,
    non_negative_int,
    respondents_count,
)
from wecare_analysis.errors import EXIT_OK, InputError


def _survey_writer(out: Path, respondents: int, seed: int, root: str | None) -> list[Path]:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.demo.survey import write_demo_survey

    return write_demo_survey(out, n_respondents=respondents, seed=seed, root=root)


#: Writers of synthetic layers, called in order with ``(out_dir, respondents, seed, root)``;
#: each returns the paths it wrote.
#: >>> SERVICES WRITER GOES HERE: append the writer of DIR/services.gpkg (wecare_analysis.demo.services).
def _services_writer(out: Path, respondents: int, seed: int, root: str | None) -> list[Path]:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.demo.services import write_demo_services

    return write_demo_services(out, seed=seed, root=root)


def _activities_writer(out: Path, respondents: int, seed: int, root: str | None) -> list[Path]:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.activities.demo import write_demo_activities

    return write_demo_activities(out / "activities", seed=seed)


DEMO_WRITERS: list[Callable[[Path, int, int, str | None], list[Path]]] = [
    _survey_writer,
    _services_writer,
    _activities_writer,
]


def _demo_data(args: argparse.Namespace) -> int:
    if args.respondents < 1:
        raise InputError(f"--respondents must be at least 1, found {args.respondents}.")
    out = Path(args.out) if args.out else Catalog(args.root).raw / "demo"
    written = [path for writer in DEMO_WRITERS for path in writer(out, args.respondents, args.seed, args.root)]
    for path in written:
        print(f"written {path}")
    print("dati sintetici dimostrativi: synthetic data, not real respondents.")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``demo-data``."""
    demo = sub.add_parser("demo-data", help="write the synthetic survey (and other demo layers) with its truth")
    demo.add_argument("--out", default=None, help="output folder (default data/raw/demo/)")
    demo.add_argument("--respondents", type=respondents_count, default=3000,
                      help=f"number of respondents, 1 to {MAX_RESPONDENTS:,} (default 3000)")
    demo.add_argument("--seed", type=non_negative_int, default=0, help="random seed, 0 or more (default 0)")
    demo.add_argument("--root", default=os.environ.get("WECARE_ROOT"), help="project root")
    add_init_option(demo)
    demo.set_defaults(func=_demo_data)
