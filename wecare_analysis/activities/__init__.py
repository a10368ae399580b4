"""The programme's own evidence: territorial meetings, info-desk contacts, focus groups, free-text answers.

Modules, in the order data flows:

- :mod:`.schema`: the three kinds of records and their columns (need areas from the codebook);
- :mod:`.templates`: XLSX (dropdowns), CSV and XLSForm templates (``wecare activities template``);
- :mod:`.parsing`, :mod:`.screening`, :mod:`.ingest`: validation with quarantine, personal data masked;
- :mod:`.store`: the processed tables and the restricted notes (``wecare activities validate``);
- :mod:`.freetext`: the dictionary coder of free text (``freetext_dictionary.yaml``);
- :mod:`.indicators`: per province and region, with disclosure control;
- :mod:`.triangulation`: ranks of the need areas in survey, desk and focus groups, and their agreement;
- :mod:`.source`: the user's records, else the synthetic demo ones, as one :class:`~.indicators.ActivitiesIndicators`.

The report section is :mod:`wecare_analysis.report.activities_section`.
"""

from wecare_analysis.activities.indicators import ActivitiesIndicators, activity_indicators
from wecare_analysis.activities.source import activities_source, researcher_term_table
from wecare_analysis.activities.store import ingest_activities, load_activities
from wecare_analysis.activities.templates import write_template
from wecare_analysis.activities.triangulation import survey_shares, triangulation_table

__all__ = ["ActivitiesIndicators", "activities_source", "activity_indicators", "ingest_activities",
           "load_activities", "researcher_term_table", "survey_shares", "triangulation_table", "write_template"]
