"""The design of ``wecare estimate``/``wecare model`` from the command-line options.

Order of the steps, each optional: the design (weights, strata, clusters, finite
population correction) -> replicate weights built from it (``--variance``) or read
(``--repweights``) -> raking (``--rake-to``) or calibration (``--calibrate-to``) of
the weights *and of every replicate* -> trimming. ``istat`` as margins means ISTAT
residents by province, sex and age class, named after the data's own columns
(``province_sigla`` in the table ``wecare survey validate`` writes, else
``province``), with the class ``65_plus`` (residents 65-69, where most workers over
65 are) when the respondents include it; the command says so on standard error.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError
from wecare_analysis.survey.calibration import calibrate
from wecare_analysis.survey.design import SurveyDesign, survey_design
from wecare_analysis.survey.estimate_columns import design_weights
from wecare_analysis.survey.replicates import (
    ReplicateWeights,
    calibrated_replicates,
    design_replicates,
    raked_replicates,
    supplied_replicates,
)
from wecare_analysis.survey.weights import (
    DEFAULT_AGE_CLASSES,
    MARGIN_RTOL,
    istat_margins,
    margin_specs,
    rake,
    read_margins,
    scaled_shares,
    trim_weights,
    weighting_summary,
)

#: Ages standing in for respondents in the class ``65_plus`` when raking to ISTAT residents.
OLDER_WORKERS = (65, 69)


def _opt(args: argparse.Namespace, name: str, default=None):
    return getattr(args, name, default)


def istat_margins_for(data: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Return ISTAT margins named after ``data``'s columns, and a sentence saying what they are."""
    prov = "province_sigla" if "province_sigla" in data.columns and "province" not in data.columns else "province"
    classes = dict(DEFAULT_AGE_CLASSES)
    if "age_class" in data.columns and (data["age_class"].astype(str) == "65_plus").any():
        classes["65_plus"] = OLDER_WORKERS
    ages = f"{min(lo for lo, _ in classes.values())}-{max(hi for _, hi in classes.values())}"
    note = (f"ISTAT residents aged {ages} by {prov}, sex and age_class"
            + (f" (65_plus: residents {OLDER_WORKERS[0]}-{OLDER_WORKERS[1]})" if "65_plus" in classes else ""))
    return istat_margins(age_classes=classes, names=(prov, "sex", "age_class")), note


def _margins(arg: str, data: pd.DataFrame, weights: np.ndarray) -> list:
    if arg == "istat":
        margins, note = istat_margins_for(data)
        sys.stderr.write(f"wecare: margins: {note}.\n")
    else:
        margins = read_margins(arg)
    specs = margin_specs(data, margins, source=f"margins {arg}")
    shares = [s.name for s in specs if s.from_shares]
    if shares:
        total = float(next((s.totals.sum() for s in specs if not s.from_shares), weights.sum()))
        sys.stderr.write(f"wecare: margins of {', '.join(shares)} are shares (they sum to 1): scaled to the "
                         f"population total {total:,.0f}.\n")
    return scaled_shares(specs, float(weights.sum()))


def _replicates(df: pd.DataFrame, design: SurveyDesign, args: argparse.Namespace) -> ReplicateWeights | None:
    variance = _opt(args, "variance", "taylor")
    prefix = _opt(args, "repweights")
    if prefix:
        if variance not in ("taylor", None):
            raise InputError("give either --repweights (replicate weights in the data) or --variance "
                             f"{variance} (replicates built from the design), not both.")
        return supplied_replicates(df, prefix, _opt(args, "rep_type") or "JK1", _opt(args, "rep_scale"),
                                   _opt(args, "fay_rho", 0.0) or 0.0, bool(_opt(args, "mse")), args.data)
    if variance in (None, "taylor"):
        return None
    return design_replicates(design, variance, _opt(args, "replicates", 50), _opt(args, "seed"),
                             _opt(args, "fay_rho", 0.0) or 0.0, bool(_opt(args, "mse")))


def _bounds(text: str | None) -> tuple[float, float]:
    if not text:
        return (-np.inf, np.inf)
    try:
        lo, hi = (float(x) for x in text.split(","))
    except ValueError:
        raise InputError(f"--bounds {text!r}: expected two numbers LOW,HIGH around 1, e.g. 0.5,2.") from None
    return lo, hi


def build_design(df: pd.DataFrame, args: argparse.Namespace, fpc: pd.Series | None = None
                 ) -> tuple[SurveyDesign, ReplicateWeights | None]:
    """Return the (weighted, trimmed) design and its replicate weights (None: Taylor linearisation)."""
    path = args.data
    for opt in ("cluster", "strata"):
        col = getattr(args, opt)
        if col and df[col].isna().any():
            i = int(np.flatnonzero(df[col].isna().to_numpy())[0])
            raise InputError(f"{path}, row {i + 2}, column {col}: missing {opt} value; every record needs one.")
    design = survey_design(len(df), design_weights(df, args.weights, path),
                           df[args.strata] if args.strata else None, df[args.cluster] if args.cluster else None,
                           lonely_psu=args.lonely_psu, fpc=fpc)
    reps = _replicates(df, design, args)
    rtol = _opt(args, "margin_rtol", MARGIN_RTOL)
    done = ""
    if args.rake_to and _opt(args, "calibrate_to"):
        raise InputError("give either --rake-to or --calibrate-to, not both.")
    if args.rake_to:
        specs = _margins(args.rake_to, df, design.weights)
        result = rake(design, specs, maxit=args.rake_maxit, epsilon=args.rake_epsilon, margin_rtol=rtol)
        if reps is not None:
            reps = raked_replicates(reps, design, specs, result.iterations)
        design, done = result.design, f"; raked in {result.iterations} passes"
    elif _opt(args, "calibrate_to"):
        specs = _margins(args.calibrate_to, df, design.weights)
        calfun, bounds = _opt(args, "calfun", "linear"), _bounds(_opt(args, "bounds"))
        result = calibrate(design, specs, calfun, bounds, margin_rtol=rtol)
        if reps is not None:
            reps = calibrated_replicates(reps, design, specs, calfun, bounds)
        design, done = result.design, f"; calibrated ({calfun}) in {result.iterations} iteration(s)"
    if args.trim_lower is not None or args.trim_upper is not None:
        if reps is not None:
            raise InputError("trimming (--trim-lower/--trim-upper) is not available with replicate weights; "
                             "use Taylor linearisation (--variance taylor).")
        lo = -np.inf if args.trim_lower is None else args.trim_lower
        hi = np.inf if args.trim_upper is None else args.trim_upper
        design = design.with_weights(trim_weights(design.weights, lo, hi))
    _describe(design, reps, done)
    return design, reps


def _describe(design: SurveyDesign, reps: ReplicateWeights | None, done: str) -> None:
    summary = weighting_summary(design.weights)
    lonely = int(((design.npsu == 1) & ~design.census).sum())
    census = int(design.census.sum())
    sys.stderr.write(
        f"wecare: {design.n:,} records, {design.n_strata} strata, {design.n_psu:,} clusters"
        + (f" ({lonely} strata with one cluster: {design.lonely_psu})" if lonely else "")
        + (f"; finite population correction ({census} strata sampled completely)" if design.fpc is not None else "")
        + done
        + (f"; variance from {reps.n_replicates} {reps.kind} replicates" if reps is not None else "")
        + f"; Kish design effect of weighting {summary['kish_deff']:.3f}, efficiency {summary['efficiency']:.1%}.\n"
    )
