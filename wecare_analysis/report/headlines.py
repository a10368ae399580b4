"""Rules that keep a headline to what the data support: precision and distinguishable differences.

A press office quotes the first sentence it reads. The key findings therefore obey two rules:

1. **minimum precision**: an estimate whose 95 % interval is wider than :data:`MAX_WIDTH`
   percentage points (e.g. "Casa 56,4 % (IC 95 %: 25,6–82,9 %)", 57 points) is not stated as a
   plain fact: its sentence carries :data:`UNCERTAIN_NOTE`;
2. **distinguishable differences**: a difference between two groups (women and men, employees
   and owners) or between the province and the region is headlined only where the two 95 %
   intervals do not overlap — a conservative test (non-overlapping 95 % intervals imply a
   difference significant at well under 5 %; Schenker & Gentleman 2001) that needs no
   covariance between overlapping domains (the province is part of the region). The largest
   such difference is quoted; when no area passes, the sentence says that no difference is
   clear (:func:`largest_distinct`).

References
----------
Schenker N., Gentleman J. F. (2001) On judging the significance of differences by examining the
overlap between confidence intervals. The American Statistician 55(3):182-186.
"""

from __future__ import annotations

import pandas as pd

#: Widest 95 % interval (percentage points) of an estimate stated without a caveat.
MAX_WIDTH = 20.0
#: Italian caveat of a sentence quoting an estimate with a wide interval.
UNCERTAIN_NOTE = (f"Stima incerta: l'intervallo di confidenza è più ampio di {MAX_WIDTH:.0f} punti percentuali, "
                  "da leggere con cautela.")


def too_wide(low: float, high: float, max_width: float = MAX_WIDTH) -> bool:
    """Whether the interval ``[low, high]`` (percent) is wider than ``max_width`` points.

    >>> too_wide(25.6, 82.9), too_wide(38.1, 47.0)
    (True, False)
    """
    return float(high) - float(low) > max_width


def distinct(a_low: float, a_high: float, b_low: float, b_high: float) -> bool:
    """Whether two 95 % intervals do not overlap (the difference is clear).

    >>> distinct(36.0, 44.0, 16.0, 24.0), distinct(30.0, 40.0, 35.0, 45.0)
    (True, False)
    """
    return float(a_low) > float(b_high) or float(b_low) > float(a_high)


def largest_distinct(a: pd.DataFrame, b: pd.DataFrame, pct: str, low: str, high: str) -> tuple[object, bool]:
    """The area (common index of ``a`` and ``b``) with the largest clear difference, and True; or, when no
    area's intervals are apart, the area with the largest difference and False.

    ``a`` and ``b`` are published rows indexed by area with the estimate ``pct`` and its interval
    ``low``–``high`` (percent); ties go to the first area in the order of ``a``.
    """
    common = a.index.intersection(b.index)
    gap = (a.loc[common, pct] - b.loc[common, pct]).abs()
    clear = [area for area in common
             if distinct(a.loc[area, low], a.loc[area, high], b.loc[area, low], b.loc[area, high])]
    if clear:
        return gap.loc[clear].idxmax(), True
    return gap.idxmax(), False


def caveated(text: str, rows: list[tuple[float, float]]) -> str:
    """``text`` followed by :data:`UNCERTAIN_NOTE` when any ``(low, high)`` interval it quotes is too wide."""
    return f"{text} {UNCERTAIN_NOTE}" if any(too_wide(lo, hi) for lo, hi in rows) else text
