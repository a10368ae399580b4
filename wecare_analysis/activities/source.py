"""Which programme records a report reads: the user's validated files, else the synthetic demo ones.

The rule mirrors the survey's (:mod:`wecare_analysis.survey.source`): if any file
of any kind was validated with ``wecare activities validate``
(``data/processed/activities/<kind>/``), those files are used, and a kind without
files has no records; otherwise the demo records
(:mod:`wecare_analysis.activities.demo`) are written to ``data/raw/demo/activities/``
once, validated over the demo period into ``data/processed/activities_demo/``
(never mixed with the user's) and flagged synthetic.

The free text coded is the survey's "Altri bisogni o suggerimenti" (the restricted
file the survey's ingestion wrote, joined to the respondents' province) and the
desk notes of the files used.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from wecare_analysis.activities.demo import DEMO_PERIOD, FILE_NAMES, write_demo_activities
from wecare_analysis.activities.freetext import load_dictionary, term_matches
from wecare_analysis.activities.indicators import ActivitiesIndicators, activity_indicators, read_denominators
from wecare_analysis.activities.parsing import parse_period
from wecare_analysis.activities.schema import KINDS
from wecare_analysis.activities.store import ingest_activities, load_activities, load_notes, processed_dir
from wecare_analysis.catalog import Catalog
from wecare_analysis.survey.ingest import default_output_dir


def demo_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """``data/raw/demo/activities/``: where the synthetic records are written."""
    return Catalog(root).raw / "demo" / "activities"


def demo_processed_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """``data/processed/activities_demo/``: the validated synthetic records, apart from the user's."""
    return Catalog(root).processed / "activities_demo"


def _user_files(root) -> bool:
    return any(next((processed_dir(root) / kind).glob("*.parquet"), None) is not None for kind in KINDS)


def _demo_tables(root, year: int, region: str) -> dict[str, pd.DataFrame]:
    folder = demo_dir(root)
    if not all((folder / name).is_file() for name in FILE_NAMES.values()):
        write_demo_activities(folder)
    period = parse_period(":".join(DEMO_PERIOD))
    for kind, name in FILE_NAMES.items():
        if not (demo_processed_dir(root) / kind / f"{Path(name).stem}.parquet").is_file():
            ingest_activities(folder / name, kind, out_dir=demo_processed_dir(root) / kind, root=root,
                              quarantine=demo_processed_dir(root) / kind / f"{name}.quarantine.csv",
                              period=period, year=year, region=region)
    return {kind: load_activities(kind, folder=demo_processed_dir(root) / kind) for kind in KINDS}


def survey_free_text(root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """``province_sigla, text`` of the ingested survey's free-text answers (empty when there are none)."""

    summary_file = default_output_dir(root) / "validation.json"
    empty = pd.DataFrame(columns=["province_sigla", "text"])
    if not summary_file.is_file():
        return empty
    outputs = json.loads(summary_file.read_text(encoding="utf-8")).get("outputs", {})
    text_file = outputs.get("restricted_free_text")
    if not text_file or not Path(text_file).is_file():
        return empty
    texts = pd.read_csv(text_file, dtype=str, keep_default_na=False)
    people = pd.read_parquet(outputs["respondents"], columns=["respondent_id", "province_sigla"])
    joined = texts.merge(people, on="respondent_id", how="inner")
    columns = [c for c in texts.columns if c != "respondent_id"]
    text = joined[columns].agg(" . ".join, axis=1) if columns else pd.Series("", index=joined.index)
    return pd.DataFrame({"province_sigla": joined["province_sigla"], "text": text})


def free_texts(tables: dict[str, pd.DataFrame], root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """``province_sigla, text``: the survey's free-text answers and the notes of the desk files in ``tables``."""
    stems = sorted(set(tables["desk"]["source_file"])) if len(tables["desk"]) else []
    notes = load_notes("desk", root, stems=stems).rename(columns={"notes": "text"})
    return pd.concat([survey_free_text(root), notes[["province_sigla", "text"]]], ignore_index=True)


def researcher_term_table(root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """For the researcher only (never published): which dictionary entries matched the free text, and how often.

    Columns ``area, term, answers, negated`` (:func:`wecare_analysis.activities.freetext.term_matches`), over the
    texts :func:`activities_source` codes; no text is quoted.
    """

    tables = {kind: load_activities(kind, root) for kind in KINDS} if _user_files(root) else {
        kind: load_activities(kind, folder=demo_processed_dir(root) / kind) for kind in KINDS}
    return term_matches(free_texts(tables, root)["text"], load_dictionary(root))


def activities_source(root: str | os.PathLike[str] | None = None, year: int = 2023, region: str = "01",
                      denominators: str | os.PathLike[str] | None = None, k: int | None = None,
                      free_text: bool = True) -> tuple[ActivitiesIndicators, bool]:
    """The indicators of the records to report (module docstring) and whether they are synthetic.

    Parameters
    ----------
    denominators
        Optional file of firms/workers per province (:func:`~.indicators.read_denominators`).
    free_text
        Code the survey's free-text answers and the desk notes (:func:`~.indicators.free_text_counts`).
    """
    synthetic = not _user_files(root)
    if synthetic:
        tables = _demo_tables(root, year, region)
    else:
        tables = {kind: load_activities(kind, root) for kind in KINDS}
    texts = free_texts(tables, root) if free_text else None
    den = read_denominators(denominators, region) if denominators is not None else None

    book = load_dictionary(root) if free_text else None
    indicators = activity_indicators(tables["meetings"], tables["desk"], tables["focus"], region, den, texts, k, book)
    return indicators, synthetic
