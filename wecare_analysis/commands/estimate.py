"""``wecare estimate`` and ``wecare model``: design-based estimates from a tidy CSV (as R ``survey``).

Only the parsers live here; the implementation (:mod:`wecare_analysis.survey.estimate_cli`)
is imported when a command runs, so that ``wecare --help`` stays fast.
"""

from __future__ import annotations

import argparse

from wecare_analysis.survey.lonely_psu import CLI_LONELY_PSU, LONELY_PSU_OPTIONS


def run_estimate(args: argparse.Namespace) -> int:
    """Run ``wecare estimate`` (implementation imported lazily)."""
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.survey.estimate_cli import run_estimate as run

    return run(args)


def run_model(args: argparse.Namespace) -> int:
    """Run ``wecare model`` (implementation imported lazily)."""
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.survey.estimate_cli import run_model as run

    return run(args)


def _design_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="tidy CSV, one row per respondent")
    p.add_argument("--weights", help="column of design weights (default: all 1)")
    p.add_argument("--cluster", help="column of clusters (PSUs, e.g. firm), nested in strata")
    p.add_argument("--strata", help="column of strata (e.g. province)")
    p.add_argument("--rake-to", metavar="MARGINS.csv",
                   help="rake to population margins variable,level,total; 'istat': ISTAT residents 15-64 by "
                        "province (sigla), sex, age_class (columns province, sex, age_class)")
    p.add_argument("--rake-maxit", type=int, default=50, help="raking passes at most (default 50)")
    p.add_argument("--rake-epsilon", type=float, default=1.0,
                   help="raking stops when no weighted cell moves by this much (R's rule; <1: share of total)")
    p.add_argument("--trim-lower", type=float, help="trim weights below this value (after raking)")
    p.add_argument("--trim-upper", type=float, help="trim weights above this value (after raking)")
    p.add_argument("--lonely-psu", choices=LONELY_PSU_OPTIONS, default=CLI_LONELY_PSU,
                   help=f"strata with one cluster (default {CLI_LONELY_PSU}; R's default is fail)")
    p.add_argument("--fpc", metavar="COLUMN",
                   help="finite population correction: population number of clusters of the stratum, or the "
                        "sampling fraction (all values <= 1), as R fpc=")
    p.add_argument("--calibrate-to", metavar="MARGINS.csv",
                   help="calibrate (instead of raking) to margins variable,level,total or 'istat'")
    p.add_argument("--calfun", choices=("linear", "raking"), default="linear",
                   help="calibration function (default linear: GREG), as R calibrate(calfun=)")
    p.add_argument("--bounds", metavar="LO,HI", help="bounds of the calibration g-weights, e.g. 0.5,2")
    p.add_argument("--margin-rtol", type=float, default=1e-3,
                   help="every margin must be met within this relative tolerance after raking or "
                        "calibration (default 0.001), else exit 2 naming the margins")
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--out", help="output CSV (default: standard output)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``estimate`` and ``model`` sub-commands."""
    est = sub.add_parser("estimate", help="weighted means/proportions with design-based SEs (as R survey)")
    _design_options(est)
    est.add_argument("--vars", help="comma-separated 0/1 or numeric columns")
    est.add_argument("--by", help="comma-separated domain columns (crossed)")
    est.add_argument("--stat", choices=("mean", "total"), default="mean",
                     help="mean (proportion for 0/1 variables; default) or total, as R svymean/svytotal")
    est.add_argument("--ratio", metavar="NUM/DEN", help="comma-separated ratios of totals, as R svyratio")
    est.add_argument("--where", metavar="EXPR",
                     help="estimate in a subpopulation, e.g. \"sex == 'F' and age_class == '25_34'\" "
                          "(columns, quoted values, == != < <= > >= in, and, or, not)")
    est.add_argument("--ci-method", choices=("auto", "logit", "wald", "wald-t"), default="auto",
                     help="interval: auto (logit-t for 0/1 variables, as R svyciprop; else Wald), logit, "
                          "wald (normal), wald-t")
    est.add_argument("--likert-means", action="store_true",
                     help="keep Likert need answers (1-5) as scores instead of 0/1 needs")
    est.add_argument("--variance", choices=("taylor", "jk1", "jkn", "bootstrap", "brr"), default="taylor",
                     help="Taylor linearisation (default) or replicate weights built as R as.svrepdesign")
    est.add_argument("--replicates", type=int, default=50, help="bootstrap replicates (default 50)")
    est.add_argument("--seed", type=int, help="random seed of the bootstrap")
    est.add_argument("--fay-rho", type=float, default=0.0, help="Fay's rho for --variance brr (default 0)")
    est.add_argument("--repweights", metavar="PREFIX",
                     help="replicate weights supplied in the data: the columns whose names start with PREFIX")
    est.add_argument("--rep-type", choices=("JK1", "bootstrap", "BRR", "Fay", "successive-difference", "JK2",
                                            "other"), default="JK1",
                     help="type of the supplied replicate weights (sets the variance scale as R svrepdesign)")
    est.add_argument("--rep-scale", type=float, help="variance scale of the supplied replicates (type other)")
    est.add_argument("--mse", action="store_true",
                     help="replicate variance around the full-sample estimate (R mse=TRUE)")
    est.set_defaults(func=run_estimate)
    mod = sub.add_parser("model", help="design-based logistic regression (as R svyglm quasibinomial)")
    _design_options(mod)
    mod.add_argument("--formula", required=True,
                     help='formula of column names, C(col), Q("col name"), numbers and ~ + - * / : ** ( ); '
                          'e.g. "y ~ C(x1) + x2"')
    mod.set_defaults(func=run_model)
