"""No finding without data: which sections of a report have their inputs, and a record of those that do not.

A section whose inputs are missing says "non disponibile" and why, and draws nothing
from zeros: no map, no LISA cluster, no cluster count, no ranking. The rules:

- **needs** (estimates, small areas, respondents): the survey has respondents in the region
  (:attr:`~wecare_analysis.analysis.region.RegionAnalysis.surveyed`);
- **offer and gaps** (maps of services and access, LISA clusters, largest gaps): the service
  list has at least one service in the region; with none, access is 0 everywhere and the gap
  index only restates the need, so neither is shown;
- **transferability ranking**: withheld when more than half of the criteria are unavailable
  (:data:`MAX_UNAVAILABLE_SHARE`), counting as unavailable the offer-based criteria of a region
  without services; otherwise shown, with the unavailable criteria named.

The report notebook records each missing section in a :class:`Availability`, which writes
``availability.json`` into the report folder; the pipeline reads it
(:func:`missing_sections`) and marks such a report ``parziale`` in its ``manifest.json``
and in the run summary.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wecare_analysis.atomic import write_text_atomic
from wecare_analysis.practices.criteria import CRITERIA, unavailable_criteria

if TYPE_CHECKING:  # annotations only: the pipeline reads this module's rules without loading the report
    from wecare_analysis.analysis.offer import ServiceOffer
    from wecare_analysis.practices.assess import Assessment
    from wecare_analysis.report.service_offer import RegionalOffer

#: File of a report folder listing its missing sections (read by the pipeline).
AVAILABILITY_FILE = "availability.json"
#: Status of a report some of whose sections are not available (besides ``ok`` and ``failed``).
PARTIAL = "parziale"
#: Criteria computed from the service offer: meaningless (all zeros) in a region without services.
OFFER_CRITERIA = ("offer_gap", "existing_services")
#: Largest share of unavailable criteria with which the transferability ranking is still shown.
MAX_UNAVAILABLE_SHARE = 0.5


def offer_reason(offer: ServiceOffer | RegionalOffer) -> str | None:
    """Why the offer and gaps sections are not available (Italian), or None when the region has services.

    ``offer``: the analysis's :class:`~wecare_analysis.analysis.offer.ServiceOffer` or a report's
    :class:`~wecare_analysis.report.service_offer.RegionalOffer` (and its
    :class:`~wecare_analysis.report.service_offer.ServiceOfferContext`).
    """
    if len(offer.services):
        return None
    if offer.synthetic:
        return ("l'elenco dimostrativo dei servizi non ha servizi in questa regione (copre il Piemonte) e "
                "nessun elenco di servizi è stato fornito: accessibilità e divari non sono calcolabili")
    return ("il file dei servizi fornito non ha servizi in questa regione: accessibilità e divari non sono "
            "calcolabili")


def unavailable_for_ranking(assessment: Assessment, offer_missing: bool) -> list[str]:
    """Codes of the criteria of ``assessment`` without data: those "non disponibile", plus the offer-based
    ones (:data:`OFFER_CRITERIA`) when the region has no service (``offer_missing``)."""
    missing = set(unavailable_criteria(assessment.criteria))
    if offer_missing:
        missing |= set(OFFER_CRITERIA)
    return [c for c in CRITERIA if c in missing and c in set(assessment.criteria["criterion"])]


def transfer_reason(assessment: Assessment, offer_missing: bool = False) -> str | None:
    """Why the transferability ranking is withheld (Italian), or None when it can be shown.

    Withheld when the unavailable criteria (:func:`unavailable_for_ranking`) are more than
    :data:`MAX_UNAVAILABLE_SHARE` of the criteria: e.g. 6 of 9 in a region without survey
    respondents and without services.
    """
    used = set(assessment.criteria["criterion"])
    missing = unavailable_for_ranking(assessment, offer_missing)
    if len(missing) <= MAX_UNAVAILABLE_SHARE * len(used):
        return None
    return (f"mancano i dati di {len(missing)} criteri su {len(used)} "
            f"({', '.join(CRITERIA[c].label for c in missing)}): una graduatoria sui criteri restanti "
            "non sarebbe confrontabile con quella delle altre province")


def ranking_notes(assessment: Assessment, offer_missing: bool = False, extra: Iterable[str | None] = ()) -> str:
    """Italian notes above a ranking that is shown: the assessment's notes, ``extra`` notes (``None`` skipped,
    e.g. a criterion whose concept the questionnaire did not ask), and the offer-based criteria computed without
    any service in the region (empty string when there is nothing to say)."""
    notes = [*assessment.notes, *filter(None, extra)]
    if offer_missing:
        names = ", ".join(CRITERIA[c].label for c in OFFER_CRITERIA)
        notes.append(f"Graduatoria parziale: i criteri {names} non hanno dati (nessun servizio nella regione).")
    return ("*" + " ".join(notes) + "*") if notes else ""


@dataclass
class Availability:
    """The sections of one report that are not available, and why (see the module docstring)."""

    output_dir: str | os.PathLike[str] | None = None
    missing: list[dict[str, str]] = field(default_factory=list)

    def check(self, section: str, reason: str | None) -> bool:
        """Record ``section`` as missing when ``reason`` is given; return whether it is available."""
        if reason is not None and not any(m["section"] == section for m in self.missing):
            self.missing.append({"section": section, "reason": reason})
        return reason is None

    def write(self) -> Path | None:
        """Write :data:`AVAILABILITY_FILE` into the output folder (nothing without one)."""
        if self.output_dir is None:
            return None
        return write_text_atomic(Path(self.output_dir) / AVAILABILITY_FILE,
                                 json.dumps({"missing": self.missing}, indent=2, ensure_ascii=False))


def missing_sections(folder: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The missing sections a report folder records (``[{"section", "reason"}]``; [] without the file)."""
    path = Path(folder) / AVAILABILITY_FILE
    if not path.is_file():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")).get("missing", []))
