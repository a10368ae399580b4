"""Ingest a survey export: validate, pseudonymise, write the processed tables.

:func:`ingest_survey` is the function behind ``wecare survey validate``. It writes,
into ``out_dir`` (default ``data/processed/survey/``):

- ``respondents.parquet`` and ``respondents.csv``: kept rows, pseudonymised;
- ``needs.parquet``: the tidy table of :func:`wecare_analysis.survey.tidy.needs_table`;
- ``quarantine.csv``: ``row, column, value, reason`` for every fault (header only if none);
- ``validation.json``: the summary returned;
- ``survey.manifest.json``: which survey it was (:func:`survey_manifest`);

and the free text, if any, into ``data/raw/restricted/<file stem>_<key>_free_text.csv``
(:func:`restricted_name`: two exports never share a free-text file).

The outputs form one set, published with a folder swap
(:func:`~wecare_analysis.atomic.staged_directory`): they are written into a
staging folder ``data/processed/.survey.staging-*`` and swapped in place of
``data/processed/survey/`` in one ``renameat2(RENAME_EXCHANGE)`` call on Linux
(elsewhere: the old folder renamed to ``.survey.old``, the new one renamed in,
the backup removed). A reader or a crash at any instant therefore finds the old
set or the new one, never ``validation.json`` of one export with
``needs.parquet`` of another. Recovery is deterministic: the next ingestion, or
the next reader (:func:`default_output_dir`), restores a backup left without a
live folder, removes a backup beside a live one and removes leftover staging
folders. The free text is written (under its own name) before the swap, so the
published set never points at a missing file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wecare_analysis.atomic import atomic_path, prepare_target, recover_directory, staged_directory
from wecare_analysis.catalog import Catalog
from wecare_analysis.errors import EXIT_OK, EXIT_PARTIAL
from wecare_analysis.safe_text import neutralised
from wecare_analysis.survey.codebook import load_codebook
from wecare_analysis.survey.concepts import mapped_validation, summary_extras
from wecare_analysis.survey.mapped import effective_codebook
from wecare_analysis.survey.pseudonymise import SALT_FILE, load_salt, pseudonymised, salt_path
from wecare_analysis.survey.tidy import needs_table
from wecare_analysis.survey.validate import SurveyValidation, validate_survey

#: The files of one ingestion, published together (a folder swap replaces exactly these).
PUBLISHED = ("validation.json", "survey.manifest.json", "respondents.parquet", "needs.parquet",
             "respondents.csv", "quarantine.csv")


def default_output_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """``data/processed/survey/`` under the project root, recovered first if an ingestion crashed while
    publishing it (:func:`~wecare_analysis.atomic.recover_directory`), so every reader finds one set."""
    return recover_directory(Catalog(root).processed / "survey")


def restricted_name(path: Path, source_key: str) -> str:
    """File name of an export's free text: ``<stem>_<key>_free_text.csv``, where the key (12 hex digits)
    is the SHA-256 of the export's full path and content hash, so that two exports with the same name
    (in two folders, or one corrected in place) never overwrite each other's free text.

    >>> restricted_name(Path("/a/export.csv"), "0" * 64) != restricted_name(Path("/b/export.csv"), "0" * 64)
    True
    """
    key = hashlib.sha256(f"{path.resolve()}\0{source_key}".encode()).hexdigest()[:12]
    return f"{path.stem}_{key}_free_text.csv"


def restricted_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """``data/raw/restricted/``: where free text goes, never shared."""
    return Catalog(root).raw / "restricted"


def summary_of(result: SurveyValidation, outputs: dict[str, str]) -> dict[str, Any]:
    """The JSON summary of a validation (``rows_read``, ``rows_kept``, ``rows_quarantined``, ``errors``...)."""
    table = result.table
    return {
        "file": str(result.path), "format": table.format, "encoding": table.encoding,
        "delimiter": table.delimiter, "header_row": table.header_row,
        "rows_read": result.rows_read, "rows_kept": result.rows_kept,
        "rows_quarantined": result.rows_quarantined, "blank_rows_skipped": table.blank_rows,
        "errors": result.error_messages(), "errors_total": len(result.quarantine),
        "warnings": result.warnings, "unmatched_columns": result.columns.unmatched,
        "outputs": outputs,
        "exit_code": EXIT_OK if result.rows_quarantined == 0 else EXIT_PARTIAL,
    }


def _project_of(path: Path) -> Path | None:
    """The project a path belongs to: the parent of its nearest ancestor folder named ``data``."""
    for parent in Path(path).resolve().parents:
        if parent.name == "data":
            return parent.parent
    return None


def output_places(path: Path, out_dir: str | os.PathLike[str] | None,
                  root: str | os.PathLike[str] | None) -> tuple[Path, Path, Path]:
    """``(output folder, restricted folder, salt file)`` of one ingestion.

    With ``out_dir`` given, nothing is written outside it and the ``data/raw/`` of the project it
    belongs to (the project of ``out_dir``, else of the export): the free text goes to that
    project's ``data/raw/restricted/`` and its salt is used; when neither belongs to a project, the
    free text goes to ``out_dir/restricted/`` and the salt is the project root's if it exists, else
    a new one in ``out_dir``.
    """

    if out_dir is None:
        return default_output_dir(root), restricted_dir(root), salt_path(root)
    out = Path(out_dir)
    project = _project_of(out / "x") or (_project_of(path) if "raw" in Path(path).resolve().parts else None)
    if project is not None:
        return out, restricted_dir(project), salt_path(project)
    salt = salt_path(root)
    return out, out / "restricted", salt if salt.is_file() else out / SALT_FILE


def survey_manifest(path: Path, summary: dict[str, Any], form: str | os.PathLike[str] | None,
                    mapping: str | os.PathLike[str] | None) -> dict[str, Any]:
    """Which survey was ingested: file name, SHA-256, modification date, form or mapping and their hashes, rows.

    Written as ``survey.manifest.json`` beside the processed tables; the run's input digests include
    every ``*manifest.json`` under ``data/processed/``, so ``wecare run --resume`` notices another survey.
    """
    import datetime as dt

    def described(file: str | os.PathLike[str] | None) -> dict[str, str] | None:
        if file is None:
            return None
        return {"name": Path(file).name, "sha256": hashlib.sha256(Path(file).read_bytes()).hexdigest()}

    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
    return {"file": path.name, "sha256": summary["survey_sha256"], "modified": modified,
            "form": described(form), "mapping": described(mapping), "rows_read": summary["rows_read"],
            "rows_kept": summary["rows_kept"], "rows_quarantined": summary["rows_quarantined"],
            "concepts_found": summary["concepts_found"], "concepts_missing": summary["concepts_missing"]}


def ingest_survey(path: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None,
                  root: str | os.PathLike[str] | None = None, year: int = 2023,
                  region: str = "01", form: str | os.PathLike[str] | None = None,
                  mapping: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Validate ``path``, write the processed tables and return the summary (see the module docstring).

    ``form`` (an XLSForm with ``wecare`` columns) or ``mapping`` (a mapping file) read a survey that
    is not the shipped questionnaire (:func:`~wecare_analysis.survey.concepts.mapped_validation`).
    The summary adds ``concepts_found`` and ``concepts_missing`` (codebook question names),
    ``age_bands`` and, for a form or mapping, ``need_scales``. Raises
    :class:`~wecare_analysis.errors.InputError` (exit code 2) when the file cannot be used at all;
    the summary's ``exit_code`` is 0 (all rows kept) or 1.
    """

    book = load_codebook()
    rules = None
    if form is not None or mapping is not None:
        result, rules = mapped_validation(path, form=form, mapping=mapping, book=book, year=year, region=region)
    else:
        result = validate_survey(path, year=year, region=region)
    out, restricted_folder, salt_file = output_places(Path(path), out_dir, root)
    source_key = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    shareable, restricted = pseudonymised(result.clean, load_salt(salt_file.parent), source_key,
                                          effective_codebook(book, rules or {}))
    expressed = {q.name: 1 for q in book.need_questions} if rules is not None else None
    outputs = {"respondents": str(out / "respondents.parquet"), "respondents_csv": str(out / "respondents.csv"),
               "needs": str(out / "needs.parquet"), "quarantine": str(out / "quarantine.csv")}
    if len(restricted):
        outputs["restricted_free_text"] = str(restricted_folder / restricted_name(Path(path), source_key))
    summary = summary_of(result, outputs)
    summary.update(summary_extras(result, rules, book))
    summary.update({"survey_sha256": source_key, "form": str(form) if form else None,
                    "mapping": str(mapping) if mapping else None})
    manifest = survey_manifest(Path(path), summary, form, mapping)
    writers: dict[str, Callable[[Path], object]] = {
        "validation.json": lambda f: f.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"),
        "survey.manifest.json": lambda f: f.write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                                       encoding="utf-8"),
        "respondents.parquet": lambda f: shareable.to_parquet(f, index=False),
        "needs.parquet": lambda f: (needs_table(shareable) if expressed is None else
                                    needs_table(shareable, book, expressed)).to_parquet(f, index=False),
        "respondents.csv": lambda f: neutralised(shareable).to_csv(f, index=False),
        "quarantine.csv": lambda f: neutralised(result.quarantine).to_csv(f, index=False),
    }
    free_text = Path(outputs["restricted_free_text"]) if len(restricted) else None
    for name in writers:  # refuse unusable output paths before writing anything
        prepare_target(out / name)
    if free_text is not None:
        prepare_target(free_text)
    inside = free_text is not None and free_text.resolve().is_relative_to(out.resolve())
    if free_text is not None and not inside:  # its own name: it never replaces another export's free text
        with atomic_path(free_text) as tmp:
            restricted.to_csv(tmp, index=False)
    with staged_directory(out, replaced=set(PUBLISHED)) as staging:  # published as one set
        for name, write in writers.items():
            write(staging / name)
        if inside:
            place = staging / free_text.resolve().relative_to(out.resolve())
            place.parent.mkdir(parents=True, exist_ok=True)
            restricted.to_csv(place, index=False)
    return summary
