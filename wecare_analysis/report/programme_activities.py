"""The section "Attività del programma" of a report rendered from the region analysis, and its exports.

:func:`analysis_section` renders :func:`~wecare_analysis.report.activities_section.activities_section`
from :attr:`RegionAnalysis.activities <wecare_analysis.analysis.region.RegionAnalysis>` (computed once
per region) and the survey's suppressed design-based estimates (``analysis.needs.groups``), so a
province report and the regional overview triangulate against the same published shares.
:func:`section_export` gives the sheets of ``findings.xlsx``, their definitions ("Definizioni e fonti"),
the descriptions of every column in ``dizionario_dati.csv`` and the names of the ``opendata/`` files;
when the records are the demo ones every definition and description says "dati sintetici dimostrativi".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from wecare_analysis.activities import survey_shares
from wecare_analysis.activities.indicators import REGION_KEY
from wecare_analysis.activities.schema import PARTICIPANT_TYPES
from wecare_analysis.analysis.region import RegionAnalysis
from wecare_analysis.report.activities_section import (
    CSV_NAMES,
    SHEETS,
    ActivitiesSection,
    activities_section,
    place_names,
)
from wecare_analysis.report.definitions import (
    activities_area_counts,
    activities_headers,
    activities_province,
    column_descriptions,
)

#: Caption shown above each table of the section, keyed as :data:`~.activities_section.SHEETS`.
CAPTIONS = {"meetings": "Incontri e partecipanti per provincia", "desk": "Contatti degli sportelli Info Welfare",
            "requests": "Richieste agli sportelli per area di bisogno", "focus": "Temi dei focus group della regione",
            "free_text": "Risposte libere e note degli sportelli, codificate per area di bisogno",
            "triangulation": "Triangolazione: rango delle aree di bisogno nelle tre fonti",
            "agreement": "Accordo tra le fonti"}
SOURCE = "Registri del programma Wecare (incontri, sportelli Info Welfare, focus group)"
SYNTHETIC_SOURCE = "Dati sintetici dimostrativi: registri simulati del programma Wecare"
SYNTHETIC_SUFFIX = " Dati sintetici dimostrativi."
SYNTHETIC_INPUT = ("Attività del programma: dati sintetici dimostrativi (nessun registro di incontri, sportelli o "
                   "focus group convalidato con «wecare activities validate»).")
USER_INPUT = "Attività del programma: registri convalidati con «wecare activities validate» (data/processed/activities/)."
_SURVEY = "Indagine Wecare, stima ponderata pubblicata (soglia di riservatezza applicata)"
#: (header, definition) of the headers of the section's tables (from ``definitions.yaml``,
#: :mod:`wecare_analysis.report.definitions`).
HEADER_DEFINITIONS: tuple[tuple[str, str], ...] = activities_headers(lab for _, lab in PARTICIPANT_TYPES)
_AREA_COUNTS = activities_area_counts()


@dataclass(frozen=True)
class SectionExport:
    """What the bundle writes of the section: ``sheets`` (name → table), ``definitions`` (term, definition,
    source) for "Definizioni e fonti", ``descriptions`` ((sheet, header) → text) for ``dizionario_dati.csv``
    and ``file_names`` (sheet → ``opendata/`` file name)."""

    sheets: dict[str, pd.DataFrame]
    definitions: tuple[tuple[str, str, str], ...]
    descriptions: dict[tuple[str, str], str]
    file_names: dict[str, str]


def analysis_section(analysis: RegionAnalysis, province: str | None = None) -> ActivitiesSection:
    """The section of province ``province`` (a sigla) or, with None, of the regional overview.

    The survey's shares are the published design-based estimates of the same territory
    (:func:`~wecare_analysis.activities.survey_shares` of ``analysis.needs.groups``; None when the
    survey has no respondent in the region).
    """
    acts = analysis.activities
    shares = None
    if analysis.surveyed:
        shares = survey_shares(analysis.needs.groups, analysis.region_name if province is None else province.upper())
    return activities_section(acts.indicators, shares, None if province is None else province.upper(),
                              acts.synthetic, analysis.region_name)


#: Decimals shown of the tables with rates, mean strengths or correlations (the others: one).
DECIMALS = {"desk": 2, "focus": 2, "agreement": 2}


def captioned_tables(section: ActivitiesSection) -> Iterator[tuple[str, pd.DataFrame, int]]:
    """``(caption in Markdown, table, decimals shown)`` of every table of the section, in the order of the text
    (for :func:`~wecare_analysis.report.document.display_table`)."""
    for key, table in section.tables.items():
        yield f"#### {CAPTIONS[key]}", table, DECIMALS.get(key, 1)


def input_notes(analysis: RegionAnalysis) -> tuple[str, ...]:
    """The line of the methods' inputs naming the programme records used."""
    if analysis.activities.synthetic:
        return (SYNTHETIC_INPUT,)
    return (USER_INPUT,)


def _column_text(key: str, header: str, known: dict[str, str], places: dict[str, str]) -> str:
    if header in known:
        return known[header]
    if key in _AREA_COUNTS and header in places:
        return f"{_AREA_COUNTS[key]}: {places[header]} («altre aree»: conteggi sotto la soglia riuniti)."
    if header == "Area di bisogno":
        return column_descriptions()[header]
    return activities_province() if header == "Provincia" else header


def section_export(section: ActivitiesSection, synthetic: bool, analysis: RegionAnalysis) -> SectionExport:
    """The exports of ``section`` (see :class:`SectionExport`); synthetic records are said so everywhere."""
    source = SYNTHETIC_SOURCE if synthetic else SOURCE
    suffix = SYNTHETIC_SUFFIX if synthetic else ""
    definitions = tuple((term, text + suffix, _SURVEY if term.startswith("Indagine") else source)
                        for term, text in HEADER_DEFINITIONS)
    known = dict(HEADER_DEFINITIONS)
    headers = place_names(analysis.activities.indicators, analysis.region_name)
    places = {header: f"regione {analysis.region_name}" if sigla == REGION_KEY else f"provincia di {header}"
              for sigla, header in headers.items()}
    descriptions = {(SHEETS[key], str(h)): _column_text(key, str(h), known, places) + suffix
                    for key, table in section.tables.items() for h in table.columns}
    return SectionExport(section.sheets, definitions, descriptions,
                         {SHEETS[key]: CSV_NAMES[key] for key in section.tables})
