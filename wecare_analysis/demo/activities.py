"""Synthetic programme records, kept under this name for existing imports.

The generator lives in :mod:`wecare_analysis.activities.demo`: it draws records in the activities
schema, and :mod:`wecare_analysis.activities.source` falls back on it, so it belongs to that package
(here it made ``activities`` and ``demo`` import each other).
"""

from __future__ import annotations

from wecare_analysis.activities.demo import (
    DEMO_PERIOD,
    DESK_CONTACTS,
    DESK_SHARE,
    FILE_NAMES,
    FOCUS_GROUPS,
    MEETINGS_PER_PROVINCE,
    NOTE_PHRASES,
    PLACES,
    REQUEST_WEIGHTS,
    THEME_PROB,
    THEME_PROB_OTHER,
    demo_activities,
    demo_desk,
    demo_focus,
    demo_meetings,
    write_demo_activities,
)

__all__ = ["DEMO_PERIOD", "DESK_CONTACTS", "DESK_SHARE", "FILE_NAMES", "FOCUS_GROUPS", "MEETINGS_PER_PROVINCE",
           "NOTE_PHRASES", "PLACES", "REQUEST_WEIGHTS", "THEME_PROB", "THEME_PROB_OTHER", "demo_activities",
           "demo_desk", "demo_focus", "demo_meetings", "write_demo_activities"]
