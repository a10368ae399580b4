"""``wecare practices list`` and ``wecare practices show ID``: the good-practice catalogue, in Italian.

``--catalogue PATH`` reads another catalogue file (same schema as the packaged
``catalogue.yaml``). Exit codes: 0 done, 2 unknown practice or invalid catalogue
(the message names the practice and the field).
"""

from __future__ import annotations

import argparse
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the catalogue and formatting load pandas: imported when a command runs
    from wecare_analysis.practices.catalogue import Catalogue, Practice


def _wrap(label: str, text: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=f"{label}: ", subsequent_indent="    ")


def practice_text(cat: Catalogue, p: Practice) -> str:
    """The Italian description of one practice, every field of the catalogue."""
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.report.formatting import format_it
    from wecare_analysis.survey.codebook import load_codebook

    areas = {code: text for code, text, _ in load_codebook().need_areas}
    figures = "; ".join(f"{format_it(f['value'])} {f['unit']} («{f['quote']}»)" for f in p.scale["figures"]) \
        or "nessuna cifra nel testo"
    ref = p.scale.get("reference_population")
    ref_text = f"{ref['note']}" if ref else "non indicata nel testo"
    lines = [
        f"{p.name} [{p.id}]",
        _wrap("Promotore", p.promoter), _wrap("Luogo", p.place), _wrap("Anno", str(p.year)),
        _wrap("Forma di welfare", cat.welfare_forms[p.welfare_form]),
        _wrap("Aree di bisogno", "; ".join(areas.get(a, a) for a in p.need_areas)),
        _wrap("Destinatari", "; ".join(cat.targets[t]["label"] for t in p.target)),
        _wrap("Modello di erogazione", cat.delivery_models[p.delivery_model]["label"]),
        _wrap("Attori necessari", "; ".join(cat.actors[a] for a in p.actors)),
        _wrap("Scala di origine", p.scale["description"]), _wrap("Cifre del testo", figures),
        _wrap("Popolazione di riferimento", ref_text),
        "Precondizioni:", *[textwrap.fill(pre.text, width=100, initial_indent="  - ", subsequent_indent="    ")
                            for pre in p.preconditions],
        _wrap("Note di codifica", p.notes),
        _wrap("Fonte", f"{p.source['file']}: «{p.source['passage']}»"),
    ]
    return "\n".join(lines)


def _list(args: argparse.Namespace) -> int:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.practices.catalogue import load_catalogue

    cat = load_catalogue(args.catalogue)
    print(f"Buone pratiche nel catalogo: {len(cat)}")
    for p in cat.practices:
        print(f"  {p.id:<24} {p.name} - {p.promoter} ({p.place}); "
              f"{cat.delivery_models[p.delivery_model]['label'].lower()}")
    return 0


def _show(args: argparse.Namespace) -> int:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.practices.catalogue import load_catalogue

    cat = load_catalogue(args.catalogue)
    print(practice_text(cat, cat[args.id]))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``wecare practices list|show``."""
    parser = sub.add_parser("practices", help="good-practice catalogue (list, show)",
                            description="Good practices of corporate and territorial welfare (Italian output).")
    psub = parser.add_subparsers(dest="practices_command", metavar="ACTION", parser_class=type(parser))
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--catalogue", metavar="PATH", default=None,
                        help="catalogue YAML file (default: the packaged catalogue.yaml)")
    p_list = psub.add_parser("list", parents=[common], help="list the practices")
    p_list.set_defaults(func=_list)
    p_show = psub.add_parser("show", parents=[common], help="show every field of one practice")
    p_show.add_argument("id", help="practice id, as printed by `wecare practices list`")
    p_show.set_defaults(func=_show)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])
