"""``wecare estimate`` and ``wecare model``: design-based estimates from any tidy CSV.

Contract (kept stable; automated checks call it)::

    wecare estimate DATA.csv --vars v1,v2 [--by c1,c2] [--weights W] [--cluster C]
        [--strata S] [--rake-to MARGINS.csv] [--out OUT.csv]
    wecare model DATA.csv --formula "y ~ C(x1) + x2" [same design options] [--out OUT.csv]

``estimate`` writes the ``--by`` columns then ``variable,estimate,se,ci_low,ci_high,n``, then
``df,deff,ci_method`` (degrees of freedom, design effect, how the interval was made: ``logit``
by default for 0/1 variables, as R ``svyciprop(method="logit")``, ``clopper-pearson`` at 0 or
1, ``wald`` otherwise; ``--ci-method`` chooses);
``model`` writes ``term,estimate,se,ci_low,ci_high,p_value`` on the logit scale.
Without ``--out`` the table goes to standard output. Extra options: ``--lonely-psu``
(default ``adjust``: a stratum with a single cluster is centred on the overall
estimate; R's default ``fail`` is available), ``--rake-maxit`` (50),
``--rake-epsilon`` (1, R's rule), ``--trim-lower/--trim-upper``, ``--level`` (0.95);
``--rake-to istat`` rakes to ISTAT residents 15-64 by province, sex and age class
(:func:`~wecare_analysis.survey.weights.istat_margins`), named after the data's columns.
More design options (:mod:`~wecare_analysis.survey.estimate_design`): ``--fpc COLUMN``,
``--calibrate-to MARGINS|istat [--calfun linear|raking] [--bounds LO,HI]``,
``--variance taylor|jk1|jkn|bootstrap|brr [--replicates N --seed S]``,
``--repweights PREFIX --rep-type T [--rep-scale C]``. ``estimate`` also takes
``--stat mean|total``, ``--ratio NUM/DEN``, ``--where "sex == 'F'"`` (a domain of the
whole design; checked like ``--formula``) and reads the Parquet tables of ``wecare survey
validate``; Likert need answers (1-5) become 0/1 needs unless ``--likert-means``.
The data file is decoded as a whole (UTF-8, else cp1252, else Latin-1). ``--formula``
may name only columns, ``C(...)``, ``Q("...")``, numbers and the operators
``~ + - * / : **``: it is checked before patsy evaluates it, so it cannot run code.
Exit codes: 0 done, 2 unusable input or option (message names file, row, column).
"""

from __future__ import annotations

import argparse
import codecs
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis.atomic import atomic_path
from wecare_analysis.errors import InputError, os_error_message
from wecare_analysis.safe_text import neutralised
from wecare_analysis.survey.estimate import (
    EXTRA_COLUMNS,
    OUTPUT_COLUMNS,
    estimate_means,
    estimate_ratios,
    estimate_totals,
)
from wecare_analysis.survey.estimate_columns import numeric_column
from wecare_analysis.survey.estimate_design import build_design
from wecare_analysis.survey.readers import decode_text
from wecare_analysis.survey.tidy import NEED_THRESHOLD
from wecare_analysis.survey.where import where_mask


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
    text, encoding = decode_text(raw, p)
    head = (text.partition("\n")[0].splitlines() or [""])[0]  # the first line, without splitting the file
    semi = head.count(";") > head.count(",")
    # valid UTF-8 goes to the parser as it is (no text round trip), the BOM removed as decoding did
    source = (io.BytesIO(raw.removeprefix(codecs.BOM_UTF8))
              if encoding == "utf-8-sig" else io.StringIO(text))
    try:
        df = pd.read_csv(source, sep=";" if semi else ",", decimal="," if semi else ".", low_memory=False,
                         encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"data file {path} cannot be read as CSV: {err}".replace("\n", " ")) from err
    if df.empty:
        raise InputError(f"data file {path} has no data rows.")
    df.columns = [str(c).strip() for c in df.columns]
    return df


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


def _write(table: pd.DataFrame, out: str | None) -> None:
    if out:
        with atomic_path(out) as tmp:
            neutralised(table).to_csv(tmp, index=False)
    else:
        neutralised(table).to_csv(sys.stdout, index=False)


def read_table(path: str) -> pd.DataFrame:
    """Read the survey table: a Parquet file (as ``wecare survey validate`` writes) or a tidy CSV."""
    if str(path).lower().endswith(".parquet"):
        if not Path(path).is_file():
            raise InputError(f"data file {path} not found.")
        try:
            df = pd.read_parquet(path)
        except (OSError, ValueError) as err:
            raise InputError(f"data file {path} cannot be read as Parquet: {err}".replace("\n", " ")) from None
        if df.empty:
            raise InputError(f"data file {path} has no data rows.")
        return df
    return read_tidy_csv(path)


def need_shares(df: pd.DataFrame, variables: list[str], keep_likert: bool) -> list[str]:
    """Turn Likert need answers (1-5, as in ``respondents.csv``) into 0/1 needs in place; return the columns turned.

    A ``need_*`` column whose answers are whole numbers 1-5, not only 0/1, becomes 1 where the
    answer is at least :data:`~wecare_analysis.survey.tidy.NEED_THRESHOLD` (the cut of the
    tidy table), so the estimate is the share of workers with that need.
    """
    turned = []
    for v in variables:
        if keep_likert or not v.startswith("need_"):
            continue
        x = df[v].dropna()
        if x.empty:
            continue
        if x.isin([0, 1]).all() or not (x.isin([1, 2, 3, 4, 5]).all()):
            continue
        df[v] = np.where(df[v].isna(), np.nan, (df[v] >= NEED_THRESHOLD).astype(float))
        turned.append(v)
    return turned


def _ratio_pairs(text: str | None, df: pd.DataFrame, path: str) -> list[tuple[str, str]]:
    pairs = []
    for item in _split(text):
        if item.count("/") != 1:
            raise InputError(f"--ratio {item!r}: expected NUMERATOR/DENOMINATOR, e.g. need_housing/employees.")
        num, den = (x.strip() for x in item.split("/"))
        pairs.append((num, den))
    check_columns(df, path, ratio=[c for p in pairs for c in p])
    return pairs


def run_estimate(args: argparse.Namespace) -> int:
    """Run ``wecare estimate``; return the exit code."""

    check_options(args)
    df = read_table(args.data)
    variables, by = _split(args.vars), _split(args.by)
    pairs = _ratio_pairs(getattr(args, "ratio", None), df, args.data)
    if not variables and not pairs:
        raise InputError("--vars needs at least one column name (comma separated), or give --ratio NUM/DEN.")
    extra = {k: [getattr(args, k)] for k in ("weights", "cluster", "strata", "fpc") if getattr(args, k, None)}
    check_columns(df, args.data, vars=variables, by=by, **extra)
    for v in dict.fromkeys(variables + [c for p in pairs for c in p]):
        df[v] = numeric_column(df, v, args.data, "estimated variables")
        if df[v].isna().all():
            raise InputError(f"{args.data}, column {v}: every value is missing ({len(df)} rows); "
                             "--vars needs columns with at least one answer.")
    turned = need_shares(df, variables, getattr(args, "likert_means", False))
    if turned:
        sys.stderr.write(f"wecare: {', '.join(turned)}: Likert answers 1-5 read as needs (1 for an answer of 4 or "
                         "5): the estimates are shares of workers (--likert-means for mean scores).\n")
    subset = where_mask(df, args.where) if getattr(args, "where", None) else None
    if subset is not None:
        sys.stderr.write(f"wecare: --where keeps {int(subset.sum()):,} of {len(df):,} records (a domain of the "
                         "whole design).\n")
        if not subset.any():
            raise InputError(f"--where {args.where!r} matches no record of {args.data}.")
    fpc = numeric_column(df, args.fpc, args.data, "--fpc") if getattr(args, "fpc", None) else None
    design, reps = build_design(df, args, fpc)
    missing_by = int(df[by].isna().any(axis=1).sum()) if by else 0
    if missing_by:
        sys.stderr.write(f"wecare: {missing_by} record(s) with a missing --by value are in no domain.\n")
    kw = {"level": args.level, "subset": subset, "replicates": reps, "ci_method": getattr(args, "ci_method", "auto")}
    parts = []
    if variables:
        stat = getattr(args, "stat", "mean")
        parts.append((estimate_totals if stat == "total" else estimate_means)(df, variables, design, by=by, **kw))
    if pairs:
        parts.append(estimate_ratios(df, pairs, design, by=by, **kw))
    table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    _write(table[by + OUTPUT_COLUMNS + EXTRA_COLUMNS], args.out)
    return 0


def run_model(args: argparse.Namespace) -> int:
    """Run ``wecare model``; return the exit code."""
    # lazy: statsmodels and scipy, which ``wecare estimate`` does not need at start-up
    from wecare_analysis.survey.model import MODEL_COLUMNS, check_formula, svyglm_logit

    check_options(args)
    df = read_table(args.data)
    check_formula(args.formula, list(df.columns))  # before anything else: patsy would evaluate it
    check_columns(df, args.data,
                  **{k: [getattr(args, k)] for k in ("weights", "cluster", "strata", "fpc") if getattr(args, k, None)})
    fpc = numeric_column(df, args.fpc, args.data, "--fpc") if getattr(args, "fpc", None) else None
    design, _ = build_design(df, args, fpc)
    table = svyglm_logit(df, args.formula, design, level=args.level)
    _write(table[MODEL_COLUMNS], args.out)
    return 0
