"""``wecare survey validate`` and ``wecare codebook export``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wecare_analysis.atomic import write_text_atomic
from wecare_analysis.commands.validators import add_init_option, input_file
from wecare_analysis.errors import EXIT_OK, EXIT_UNUSABLE, InputError


def _validate(args: argparse.Namespace) -> int:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.survey.ingest import ingest_survey

    try:
        if args.form and args.mapping:
            raise InputError("give either --form or --mapping, not both (a mapping drafted from the form "
                             "with `wecare survey map EXPORT --form FORM` can be edited and passed alone).")
        summary = ingest_survey(args.path, out_dir=args.out, root=args.root, year=args.year,
                                form=args.form, mapping=args.mapping)
    except InputError as err:
        if not args.json:
            raise
        print(json.dumps({"file": str(args.path), "rows_read": 0, "rows_kept": 0, "rows_quarantined": 0,
                          "errors": [err.message], "errors_total": 1, "warnings": [],
                          "concepts_found": [], "concepts_missing": [],
                          "exit_code": err.exit_code}, ensure_ascii=False))
        sys.stderr.write(f"wecare: {err.message}\n")
        return err.exit_code
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"{summary['file']}: {summary['rows_read']} rows read, {summary['rows_kept']} kept, "
              f"{summary['rows_quarantined']} quarantined ({summary['outputs']['quarantine']}).")
        for line in summary["warnings"]:
            print(f"warning: {line}")
        if summary.get("concepts_missing"):
            print(f"concepts not asked (non rilevati): {', '.join(summary['concepts_missing'])}")
        if summary.get("unmatched_columns"):
            print(f"columns not used: {', '.join(map(repr, summary['unmatched_columns'][:12]))}")
        # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
        from wecare_analysis.survey.report_columns import report_lines

        for line in report_lines(summary.get("column_report", [])):
            sys.stderr.write(f"{line}\n")
    for line in summary["errors"][:20] if not args.json else []:
        sys.stderr.write(f"{line}\n")
    if summary["errors_total"] > 20 and not args.json:
        sys.stderr.write(f"... {summary['errors_total'] - 20} more in {summary['outputs']['quarantine']}\n")
    return int(summary["exit_code"])


def _map(args: argparse.Namespace) -> int:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.survey.codebook import load_codebook
    from wecare_analysis.survey.draft import draft_mapping
    from wecare_analysis.survey.form import read_xlsform
    from wecare_analysis.survey.layout import HeaderMatcher
    from wecare_analysis.survey.mapping import write_mapping
    from wecare_analysis.survey.readers import read_table

    book = load_codebook()
    form = read_xlsform(args.form) if args.form else None
    if form is not None:
        # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
        from wecare_analysis.survey.concepts import form_headers, header_score

        score = header_score(form_headers(form))
    else:
        score = HeaderMatcher(book).score
    table = read_table(args.path, score)
    mapping = draft_mapping(table.data, book, form)
    write_mapping(mapping, args.out)
    columns = mapping[mapping["kind"] == "column"]
    values = mapping[mapping["kind"] == "value"]
    print(f"mapping written to {args.out}: {len(columns)} columns ({(columns['concept'] == '').sum()} without a "
          f"concept), {len(values)} answers ({(values['level'] == '').sum()} without a level); fill the blanks, "
          f"then run `wecare survey validate {args.path} --mapping {args.out}`.")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.survey.codebook import load_codebook
    from wecare_analysis.survey.export import questionnaire_markdown, write_xlsform

    book = load_codebook()
    if args.format == "xlsform":
        target = Path(args.out or "wecare_xlsform.xlsx")
        if target.suffix.lower() != ".xlsx":
            raise InputError(f"--out {target}: an XLSForm must be an .xlsx file.", EXIT_UNUSABLE)
        write_xlsform(book, target)
        print(f"XLSForm written to {target}")
    elif args.out:
        write_text_atomic(args.out, questionnaire_markdown(book))
        print(f"questionnaire written to {args.out}")
    else:
        print(questionnaire_markdown(book))
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``survey validate`` and ``codebook export``."""
    survey = sub.add_parser("survey", help="read and validate questionnaire exports")
    survey_sub = survey.add_subparsers(dest="survey_command", metavar="ACTION", parser_class=type(survey))
    val = survey_sub.add_parser(
        "validate", help="validate an export, write the clean table and quarantine.csv",
        description="Exit codes: 0 all rows kept; 1 some rows quarantined; 2 file unusable.")
    val.add_argument("path", type=input_file, help="CSV, XLSX or SPSS .sav export (KoboToolbox, ODK, LimeSurvey, ...)")
    val.add_argument("--json", action="store_true", help="print one JSON summary object on stdout")
    val.add_argument("--out", default=None, help="output folder (default data/processed/survey/)")
    val.add_argument("--root", default=None, help="project root (default $WECARE_ROOT or the current folder)")
    add_init_option(val)
    val.add_argument("--year", type=int, default=2023, help="ISTAT municipality list year (default 2023)")
    val.add_argument("--form", default=None, metavar="FORM.xlsx",
                     help="the XLSForm the survey was deployed from, with a 'wecare' column (replaces the codebook)")
    val.add_argument("--mapping", default=None, metavar="MAP",
                     help="mapping file (xlsx/csv: kind,source,concept,level,note), e.g. drafted by `survey map`")
    val.set_defaults(func=_validate)

    mp = survey_sub.add_parser(
        "map", help="draft the mapping of an export's columns and answers to the workbench's concepts",
        description="Writes kind,source,concept,level,note with best guesses and blanks to finish in Excel.")
    mp.add_argument("path", help="the survey export (CSV, XLSX, SPSS .sav)")
    mp.add_argument("--form", default=None, metavar="FORM.xlsx", help="the XLSForm of the survey, if any")
    mp.add_argument("--out", required=True, metavar="MAP.xlsx|MAP.csv", help="mapping file to write")
    mp.set_defaults(func=_map)

    codebook = sub.add_parser("codebook", help="export the questionnaire codebook")
    cb_sub = codebook.add_subparsers(dest="codebook_command", metavar="ACTION", parser_class=type(codebook))
    exp = cb_sub.add_parser("export", help="write the XLSForm or the printable Italian questionnaire")
    exp.add_argument("--format", choices=["xlsform", "markdown"], required=True)
    exp.add_argument("--out", default=None,
                     help="output file (default wecare_xlsform.xlsx; markdown to stdout)")
    exp.set_defaults(func=_export)
