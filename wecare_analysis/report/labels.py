"""The data label every published output carries: which parts are synthetic, and the source line.

A report built from the synthetic demo data must say so wherever a reader sees a
number: the banner row of every workbook sheet, the ``fonte_dati`` column of every
open-data CSV (and its entry in ``dizionario_dati.csv``), the footer of every figure
(PNG and SVG, and the PNG's ``Source``/``Disclaimer`` text chunks), the description
of every GeoPackage layer (``gpkg_contents.description``), the HTML and the PDF.

A report notebook builds its label once (:func:`analysis_label`) and registers it
for its output folder (:func:`register`); the writers of :mod:`~wecare_analysis.report.exports`
and :mod:`~wecare_analysis.report.bundle` look it up by the path they write
(:func:`label_for`), so that no figure or table call has to carry it. The registry is
keyed by the resolved output folder, which is a fresh staging folder for every
pipeline run: a warm kernel that runs another province never reuses a label.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the labels module stays light for every writer of report/exports
    from wecare_analysis.analysis.region import RegionAnalysis

#: What the synthetic parts are called in every label (the same words as the demo data's own label).
SYNTHETIC_WORDS = "dati sintetici dimostrativi"
#: The banner of an output built (in part) from synthetic data.
SYNTHETIC_BANNER = "Dati sintetici dimostrativi – non usare per conclusioni sul territorio"
#: Open-data column carrying the label on every row (described in ``dizionario_dati.csv``).
LABEL_COLUMN = "fonte_dati"


@dataclass(frozen=True)
class DataLabel:
    """Where the data of a report come from, part by part (Italian texts).

    Attributes
    ----------
    survey
        The survey's source (``"indagine «export.csv» del 03/12/2026"``) or :data:`SYNTHETIC_WORDS`.
    survey_synthetic, services_synthetic, activities_synthetic
        Whether the survey, the service list and the programme's activity records are the demo ones.
    services
        The service list's source (``"servizi «asili.geojson»"``) or :data:`SYNTHETIC_WORDS`.
    year
        Year of the ISTAT population.
    """

    survey: str
    survey_synthetic: bool
    services: str
    services_synthetic: bool
    year: int = 2023
    activities_synthetic: bool = False

    @property
    def synthetic_parts(self) -> list[str]:
        """Italian names of the synthetic parts (``['indagine', 'servizi']``), empty for real data."""
        return [name for name, flag in (("indagine", self.survey_synthetic), ("servizi", self.services_synthetic),
                                        ("attività del programma", self.activities_synthetic)) if flag]

    @property
    def synthetic(self) -> bool:
        """Whether any part is synthetic."""
        return bool(self.synthetic_parts)

    @property
    def banner(self) -> str:
        """The banner: :data:`SYNTHETIC_BANNER` with the synthetic parts, or the source line for real data.

        >>> DataLabel("dati sintetici dimostrativi", True, "dati sintetici dimostrativi", True).banner
        'Dati sintetici dimostrativi (indagine, servizi) – non usare per conclusioni sul territorio'
        """
        parts = self.synthetic_parts
        if not parts:
            return self.source_line
        head, tail = SYNTHETIC_BANNER.split(" – ", 1)
        return f"{head} ({', '.join(parts)}) – {tail}"

    @property
    def source_line(self) -> str:
        """``Fonti: ISTAT, popolazione 2023; indagine: …; servizi: …``.

        >>> DataLabel("indagine «bisogni.csv» del 01/03/2025", False, "servizi «asili.csv»", False).source_line
        'Fonti: ISTAT, popolazione 2023; indagine: indagine «bisogni.csv» del 01/03/2025; servizi: servizi «asili.csv»'
        """
        return f"Fonti: ISTAT, popolazione {self.year}; indagine: {self.survey}; servizi: {self.services}"

    @property
    def footer(self) -> str:
        """Footer of figures and layer descriptions: the banner (when synthetic) and the source line."""
        return f"{self.banner}. {self.source_line}." if self.synthetic else f"{self.source_line}."

    def markdown(self) -> str:
        """The label as a Markdown paragraph for the HTML and PDF editions."""
        if self.synthetic:
            return f"**{self.banner}.** *{self.source_line}.*"
        return f"*{self.source_line}.*"


def survey_text(synthetic: bool, file_name: str | None, modified: str | None = None) -> str:
    """Italian source of the survey: :data:`SYNTHETIC_WORDS`, or its file name and date.

    >>> survey_text(False, "bisogni.csv", "2025-03-01"), survey_text(True, "survey.csv")
    ('indagine «bisogni.csv» del 01/03/2025', 'dati sintetici dimostrativi')
    """
    if synthetic:
        return SYNTHETIC_WORDS
    day = "/".join(reversed(str(modified).split("T")[0].split("-"))) if modified else ""
    return f"indagine «{file_name}»" + (f" del {day}" if day else "")


def services_text(synthetic: bool, services_path: str | os.PathLike[str] | None) -> str:
    """Italian source of the service list: :data:`SYNTHETIC_WORDS` or ``servizi «file»``."""
    if synthetic or services_path is None:
        return SYNTHETIC_WORDS
    return f"servizi «{Path(services_path).name}»"


def analysis_label(analysis: RegionAnalysis) -> DataLabel:
    """The label of a :class:`~wecare_analysis.analysis.region.RegionAnalysis` (what a report reads).

    The survey is named by its ``survey.manifest.json`` (file name and date, as the report's
    ``manifest.json`` records it under ``survey``); the services by their file name.
    """
    survey = analysis.survey
    record = survey.record or {}
    name = record.get("file") or survey.path.name
    label = DataLabel(survey_text(survey.synthetic, Path(str(name)).name, record.get("modified")),
                      bool(survey.synthetic),
                      services_text(analysis.offer.synthetic, analysis.params.services_path),
                      bool(analysis.offer.synthetic), int(analysis.params.year),
                      bool(analysis.activities is not None and analysis.activities.synthetic))
    return label


_REGISTRY: dict[Path, DataLabel] = {}


def register(output_dir: str | os.PathLike[str] | None, label: DataLabel) -> DataLabel:
    """Make ``label`` the label of every file written under ``output_dir`` (nothing when it is None)."""
    if output_dir is not None:
        _REGISTRY[Path(output_dir).resolve()] = label
    return label


def label_for(path: str | os.PathLike[str] | None) -> DataLabel | None:
    """The label registered for ``path`` or its nearest registered parent folder, else None."""
    if path is None or not _REGISTRY:
        return None
    here = Path(path).resolve()
    for folder in (here, *here.parents):
        if folder in _REGISTRY:
            return _REGISTRY[folder]
    return None
