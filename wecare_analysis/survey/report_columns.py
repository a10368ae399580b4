"""A summary per column of what was not recognised, and the mapping row that would fix it.

One entry per export column with faults: the distinct values found with their counts
(masked for identifiers and free text), what was expected and, for answers that a
mapping can translate, the ``kind,source,concept,level`` row to add. Meant for a person
fixing the file or the mapping in Excel, printed by ``wecare survey validate`` and kept
in ``validation.json`` (``column_report``).
"""

from __future__ import annotations

from typing import Any

from wecare_analysis.survey.codebook import load_codebook
from wecare_analysis.survey.mapping import Rule, expected_levels
from wecare_analysis.survey.validate import MASK, SurveyValidation

MAX_VALUES = 20


def _concept_of(column: str, result: SurveyValidation, rules: dict[str, Rule] | None) -> str | None:
    for concept, rule in (rules or {}).items():
        if column in rule.columns:
            return concept
    for concept, header in result.columns.direct.items():
        if header == column:
            return concept
    return None


def column_report(result: SurveyValidation, rules: dict[str, Rule] | None = None) -> list[dict[str, Any]]:
    """Per column with faults: ``column, concept, values`` (``[{value, count}]``), ``expected``, ``reason``, ``fix``.

    ``fix`` is a mapping row ``value,<concept>,<value>,<level>`` for each unrecognised answer
    of a concept with levels (``<level>`` to be written), empty otherwise.
    """
    book = load_codebook()
    q = result.quarantine
    q = q[~q["column"].isin(["(row)", "(all)"])]
    out = []
    for column, block in q.groupby("column", sort=False):
        concept = _concept_of(str(column), result, rules)
        counts = block["value"].astype(str).value_counts()
        entry: dict[str, Any] = {
            "column": str(column), "concept": concept,
            "values": [{"value": v, "count": int(n)} for v, n in counts.head(MAX_VALUES).items()],
            "distinct_values": len(counts), "reason": str(block["reason"].iloc[0]), "expected": "", "fix": []}
        has_levels = concept is not None and concept not in ("municipality", "province") and (
            concept == "needs" or (concept in {x.name for x in book.questions}
                                   and book.question(concept).type in ("select_one", "select_multiple", "likert")))
        if concept is not None and (has_levels or concept == "age_class"):
            entry["expected"] = expected_levels(book, concept)
            entry["fix"] = [f"value,{concept},{v},<level>" for v in counts.head(MAX_VALUES).index
                            if v not in (MASK, "") and "not a recognised answer" in " ".join(
                                block.loc[block["value"].astype(str) == v, "reason"].head(1))]
        out.append(entry)
    return out


def report_lines(report: list[dict[str, Any]], limit: int = 12) -> list[str]:
    """The column report as lines for the terminal."""
    lines = []
    for entry in report[:limit]:
        shown = ", ".join(f"{v['value']!r} ×{v['count']}" for v in entry["values"][:6])
        more = f" (+{entry['distinct_values'] - 6} more)" if entry["distinct_values"] > 6 else ""
        concept = f" ({entry['concept']})" if entry["concept"] else ""
        lines.append(f"column {entry['column']!r}{concept}: {shown}{more}: {entry['reason']}")
        if entry["fix"]:
            lines.append("  to accept them add to the mapping: " + "; ".join(entry["fix"][:4]))
    return lines
