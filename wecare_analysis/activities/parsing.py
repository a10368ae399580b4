"""Read the columns and values of a programme record file: headers, dates, provinces, choices.

Headers are matched to :func:`~wecare_analysis.activities.schema.fields` by
column name (``date``), Italian header (``Data``) or a KoboToolbox/ODK group
path (``incontro/date``, ``incontro-date``), ignoring case and accents. Each
``parse_*`` returns ``(value, reason)`` as :mod:`wecare_analysis.survey.values`
does: the value and None, or None and an English sentence naming what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from wecare_analysis.activities.schema import KINDS, Field, fields
from wecare_analysis.activities.templates import choice_options, dropdown_label, region_provinces
from wecare_analysis.errors import InputError
from wecare_analysis.survey.layout import norm

Parsed = tuple[object, str | None]
#: Programme period when none is given: the programme text (domain.md §1, seed/) states no dates, so only
#: dates that exist and are not in the future are required; pass ``period`` to check a period.
DEFAULT_PERIOD: tuple[dt.date, dt.date] | None = None
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_ITALIAN = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:\s+\d{1,2}[.:]\d{2}(?:[.:]\d{2})?)?$")


def header_lookup(kind: str) -> dict[str, str]:
    """Folded header → field name of ``kind`` (names and Italian headers)."""
    lookup: dict[str, str] = {}
    for f in fields(kind):
        for key in (f.name, f.label):
            lookup.setdefault(norm(key), f.name)
    return lookup


def resolve_header(header: str, lookup: dict[str, str]) -> str | None:
    """The field a header names, also behind a Kobo ``group/`` or ODK ``group-`` prefix."""
    key = norm(header)
    if key in lookup:
        return lookup[key]
    for sep in ("/", "-"):
        tail = key.rsplit(sep, 1)[-1].strip()
        if sep in key and tail in lookup:
            return lookup[tail]
    return None


def header_score(kind: str) -> Callable[[list[str]], int]:
    """How many cells of a candidate header row name a field of ``kind`` (finds the header row)."""
    lookup = header_lookup(kind)
    return lambda row: sum(1 for cell in row if cell and resolve_header(cell, lookup))


def guess_kind(headers: list[str]) -> tuple[str | None, dict[str, int]]:
    """The kind whose fields the headers name most (None on a tie or when none is named), and the scores."""
    scores = {kind: header_score(kind)(headers) for kind in KINDS}
    best = max(scores.values())
    winners = [k for k, s in scores.items() if s == best]
    return (winners[0] if best > 0 and len(winners) == 1 else None), scores


def parse_period(text: str | None) -> tuple[dt.date, dt.date] | None:
    """``'2023-01-01:2024-12-31'`` (or Italian dates) → the two dates; None for None or ``''``.

    >>> parse_period("01/03/2023:31/12/2024")
    (datetime.date(2023, 3, 1), datetime.date(2024, 12, 31))
    """
    if not text:
        return None
    parts = str(text).split(":")
    ends = [parse_date(p.strip())[0] for p in parts] if len(parts) == 2 else [None]
    if len(ends) != 2 or None in ends or ends[0] > ends[1]:

        raise InputError(f"programme period {text!r}: expected START:END, e.g. 2023-01-01:2024-12-31 "
                         "(or 01/01/2023:31/12/2024), START not after END.")
    return ends[0], ends[1]


def parse_date(raw: str) -> Parsed:
    """A date as Italians and spreadsheets write it: ``15/03/2024``, ``15-3-24``, ``2024-03-15 00:00:00``.

    >>> parse_date("15/03/2024"), parse_date("31/02/2024")[1]
    ((datetime.date(2024, 3, 15), None), "'31/02/2024' is not a date: expected dd/mm/yyyy, e.g. 15/03/2024")
    """
    text = raw.strip()
    found = _ISO.match(text)
    if found:
        y, m, d = (int(g) for g in found.groups())
    else:
        found = _ITALIAN.match(text)
        if found:
            d, m, y = (int(g) for g in found.groups())
            y += 2000 if y < 100 else 0
    try:
        return (dt.date(y, m, d), None) if found else (None, "")
    except ValueError:
        pass
    return None, f"{raw!r} is not a date: expected dd/mm/yyyy, e.g. 15/03/2024"


def date_parser(period: tuple[dt.date, dt.date] | None, today: dt.date | None = None) -> Callable[[str], Parsed]:
    """Parser of a record's date: a real date, not in the future, within ``period`` when one is given."""
    today = today or dt.date.today()

    def parse(raw: str) -> Parsed:
        value, reason = parse_date(raw)
        if value is None:
            return None, reason or f"{raw!r} is not a date: expected dd/mm/yyyy, e.g. 15/03/2024"
        if value > today:
            return None, f"date {value:%d/%m/%Y} is in the future (today is {today:%d/%m/%Y})"
        if period is not None and not period[0] <= value <= period[1]:
            return None, (f"date {value:%d/%m/%Y} is outside the programme period {period[0]:%d/%m/%Y}–"
                          f"{period[1]:%d/%m/%Y} (option --period)")
        return value, None

    return parse


def province_parser(region: str = "01") -> Callable[[str], Parsed]:
    """Parser of a province: sigla, name, ``'TO - Torino'`` or ``'Torino (TO)'`` → sigla."""
    provinces = region_provinces(region)
    lookup = {norm(s): s for s, _ in provinces} | {norm(n): s for s, n in provinces}
    valid = ", ".join(s for s, _ in provinces)

    def parse(raw: str) -> Parsed:
        key = norm(raw)
        parts = [key, *re.split(r"\s*[-–(),]\s*", key)]
        sigla = next((lookup[p] for p in parts if p in lookup), None)
        if sigla is None:
            return None, f"unknown province {raw!r}: expected a sigla or name of the region ({valid})"
        return sigla, None

    return parse


def choice_parser(f: Field, region: str = "01") -> Callable[[str], Parsed]:
    """Parser of a column with a fixed list: option code, Italian label, dropdown text or short label."""
    options = choice_options(f, region)
    lookup: dict[str, str] = {}
    for code, label in options:
        for key in (code, label, dropdown_label(f, code, label), label.split(" (")[0], label.split(" - ", 1)[-1]):
            lookup.setdefault(norm(key), code)
    shown = ", ".join(code for code, _ in options)

    def parse(raw: str) -> Parsed:
        code = lookup.get(norm(raw))
        if code is None:
            what = "a need area of the codebook" if f.name == "request_area" else "an option"
            return None, f"{raw!r} is not {what} for {f.name} ({f.label}): expected one of {shown} (codes or labels)"
        return code, None

    return parse
