"""``wecare estimate`` and ``wecare model``: design-based estimates from any tidy CSV.

Contract (kept stable; automated checks call it)::

    wecare estimate DATA.csv --vars v1,v2 [--by c1,c2] [--weights W] [--cluster C]
        [--strata S] [--rake-to MARGINS.csv] [--out OUT.csv]
    wecare model DATA.csv --formula "y ~ C(x1) + x2" [same design options] [--out OUT.csv]

``estimate`` writes the ``--by`` columns then ``variable,estimate,se,ci_low,ci_high,n``;
``model`` writes ``term,estimate,se,ci_low,ci_high,p_value`` on the logit scale.
Without ``--out`` the table goes to standard output. Extra options: ``--lonely-psu``
(default ``adjust``: a stratum with a single cluster is centred on the overall
estimate; R's default ``fail`` is available), ``--rake-maxit`` (50),
``--rake-epsilon`` (1, R's rule), ``--trim-lower/--trim-upper``, ``--level`` (0.95);
``--rake-to istat`` rakes to ISTAT residents 15-64 by province, sex and age class
(:func:`~wecare_analysis.survey.weights.istat_margins`).
The data file is decoded as a whole (UTF-8, else cp1252, else Latin-1). ``--formula``
may name only columns, ``C(...)``, ``Q("...")``, numbers and the operators
``~ + - * / : **``: it is checked before patsy evaluates it, so it cannot run code.
Exit codes: 0 done, 2 unusable input or option (message names file, row, column).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis.atomic import atomic_path
from wecare_analysis.errors import InputError, os_error_message
from wecare_analysis.survey.design import SurveyDesign, survey_design
from wecare_analysis.survey.estimate import OUTPUT_COLUMNS, estimate_means
from wecare_analysis.survey.model import MODEL_COLUMNS, check_formula, svyglm_logit
from wecare_analysis.survey.readers import decode_text
from wecare_analysis.survey.weights import (
    istat_margins,
    margin_specs,
    rake,
    read_margins,
    trim_weights,
    weighting_summary,
)


def read_tidy_csv(path: str) -> pd.DataFrame:
    """Read a tidy CSV (``,`` or ``;`` with decimal comma; UTF-8, UTF-8 with BOM or cp1252)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"data file {path} not found.")
    try:
        raw = p.read_bytes()
    except OSError as err:
        raise InputError(f"data file {path}: {os_error_message(err, 'read').split(': ', 1)[-1]}.") from None
    if not raw.strip():
        raise InputError(f"data file {path} is empty; expected a header line and data rows.")
    if b"\x00" in raw[:65536]:
        raise InputError(f"data file {path} is not a text CSV (binary content, NUL bytes found); "
                         "export the table as CSV.")
    # the whole file decides the encoding (UTF-8, else cp1252, else Latin-1), not its first bytes
    text, _encoding = decode_text(raw, p)
    head = text.splitlines()[0]
    semi = head.count(";") > head.count(",")
    try:
        df = pd.read_csv(io.StringIO(text), sep=";" if semi else ",", decimal="," if semi else ".",
                         low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"data file {path} cannot be read as CSV: {err}".replace("\n", " ")) from err
    if df.empty:
        raise InputError(f"data file {path} has no data rows.")
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _shown(value: object) -> str:
    """``repr`` of a cell without numpy's type wrapper (``0.0``, not ``np.float64(0.0)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_options(args: argparse.Namespace) -> None:
    """Refuse option values that cannot work (exit 2): ``--level`` outside (0, 1), trimming bounds
    in the wrong order or not positive, raking settings that cannot converge."""
    if not 0 < args.level < 1:
        raise InputError(f"--level must be between 0 and 1 (e.g. 0.95 for 95% intervals), found {args.level:g}.")
    lo, hi = args.trim_lower, args.trim_upper
    for name, value in (("--trim-lower", lo), ("--trim-upper", hi)):
        if value is not None and not (np.isfinite(value) and value >= 0):
            raise InputError(f"{name} must be a number >= 0, found {value:g}.")
    if lo is not None and hi is not None and lo > hi:
        raise InputError(f"--trim-lower ({lo:g}) is above --trim-upper ({hi:g}); give lower <= upper.")
    if args.rake_maxit < 1:
        raise InputError(f"--rake-maxit must be at least 1, found {args.rake_maxit}.")
    if not args.rake_epsilon > 0:
        raise InputError(f"--rake-epsilon must be positive, found {args.rake_epsilon:g}.")


def _split(arg: str | None) -> list[str]:
    return [c.strip() for c in arg.split(",") if c.strip()] if arg else []


def check_columns(df: pd.DataFrame, path: str, **groups: list[str]) -> None:
    """Raise an :class:`InputError` naming any requested column that ``df`` lacks."""
    for option, cols in groups.items():
        unknown = [c for c in cols if c not in df.columns]
        if unknown:
            raise InputError(
                f"{path}: --{option.replace('_', '-')} names unknown column(s) {', '.join(unknown)}; "
                f"columns are {', '.join(map(str, df.columns))}."
            )


def numeric_column(df: pd.DataFrame, col: str, path: str, what: str) -> pd.Series:
    """Return ``df[col]`` as floats; raise naming the first non-numeric cell."""
    s = df[col]
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & s.notna() & (s.astype(str).str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{path}, row {i + 2}, column {col}: {what} must be numeric, found {_shown(s.iloc[i])} "
                         f"({int(bad.sum())} non-numeric value(s) in that column).")
    return num.astype(float)


def design_weights(df: pd.DataFrame, col: str | None, path: str) -> np.ndarray | None:
    """Return the weights column checked: numeric, present and positive."""
    if not col:
        return None
    w = numeric_column(df, col, path, "weights")
    bad = w.isna() | ~(w > 0) | ~np.isfinite(w.fillna(0))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        kind = "missing" if pd.isna(w.iloc[i]) else ("negative" if w.iloc[i] < 0 else "not positive")
        raise InputError(f"{path}, row {i + 2}, column {col}: weight {kind} ({_shown(df[col].iloc[i])}); "
                         f"weights must be positive numbers ({int(bad.sum())} bad row(s)).")
    return w.to_numpy()


def build_design(df: pd.DataFrame, args: argparse.Namespace) -> SurveyDesign:
    """Return the (raked, trimmed) design described by the command-line options."""
    path = args.data
    for opt in ("cluster", "strata"):
        col = getattr(args, opt)
        if col and df[col].isna().any():
            i = int(np.flatnonzero(df[col].isna().to_numpy())[0])
            raise InputError(f"{path}, row {i + 2}, column {col}: missing {opt} value; every record needs one.")
    design = survey_design(
        len(df),
        design_weights(df, args.weights, path),
        df[args.strata] if args.strata else None,
        df[args.cluster] if args.cluster else None,
        lonely_psu=args.lonely_psu,
    )
    passes = None
    if args.rake_to:
        margins = istat_margins() if args.rake_to == "istat" else read_margins(args.rake_to)
        specs = margin_specs(df, margins, source=f"margins {args.rake_to}")
        result = rake(design, specs, maxit=args.rake_maxit, epsilon=args.rake_epsilon)
        design, passes = result.design, result.iterations
    if args.trim_lower is not None or args.trim_upper is not None:
        lo = -np.inf if args.trim_lower is None else args.trim_lower
        hi = np.inf if args.trim_upper is None else args.trim_upper
        design = design.with_weights(trim_weights(design.weights, lo, hi))
    summary = weighting_summary(design.weights)
    lonely = int((design.npsu == 1).sum())
    sys.stderr.write(
        f"wecare: {design.n:,} records, {design.n_strata} strata, {design.n_psu:,} clusters"
        + (f" ({lonely} strata with one cluster: {design.lonely_psu})" if lonely else "")
        + (f"; raked in {passes} passes" if passes is not None else "")
        + f"; Kish design effect of weighting {summary['kish_deff']:.3f}, efficiency {summary['efficiency']:.1%}.\n"
    )
    return design


def _write(table: pd.DataFrame, out: str | None) -> None:
    if out:
        with atomic_path(out) as tmp:
            table.to_csv(tmp, index=False)
    else:
        table.to_csv(sys.stdout, index=False)


def run_estimate(args: argparse.Namespace) -> int:
    """Run ``wecare estimate``; return the exit code."""
    check_options(args)
    df = read_tidy_csv(args.data)
    variables, by = _split(args.vars), _split(args.by)
    if not variables:
        raise InputError("--vars needs at least one column name (comma separated).")
    check_columns(df, args.data, vars=variables, by=by,
                  **{k: [getattr(args, k)] for k in ("weights", "cluster", "strata") if getattr(args, k)})
    for v in variables:
        df[v] = numeric_column(df, v, args.data, "estimated variables")
        if df[v].isna().all():
            raise InputError(f"{args.data}, column {v}: every value is missing ({len(df)} rows); "
                             "--vars needs columns with at least one answer.")
    design = build_design(df, args)
    missing_by = int(df[by].isna().any(axis=1).sum()) if by else 0
    if missing_by:
        sys.stderr.write(f"wecare: {missing_by} record(s) with a missing --by value are in no domain.\n")
    table = estimate_means(df, variables, design, by=by, level=args.level)
    _write(table[by + OUTPUT_COLUMNS], args.out)
    return 0


def run_model(args: argparse.Namespace) -> int:
    """Run ``wecare model``; return the exit code."""
    check_options(args)
    df = read_tidy_csv(args.data)
    check_formula(args.formula, list(df.columns))  # before anything else: patsy would evaluate it
    check_columns(df, args.data,
                  **{k: [getattr(args, k)] for k in ("weights", "cluster", "strata") if getattr(args, k)})
    design = build_design(df, args)
    table = svyglm_logit(df, args.formula, design, level=args.level)
    _write(table[MODEL_COLUMNS], args.out)
    return 0
