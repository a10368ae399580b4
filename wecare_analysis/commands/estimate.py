"""``wecare estimate`` and ``wecare model``: design-based estimates from a tidy CSV (as R ``survey``).

Only the parsers live here; the implementation (:mod:`wecare_analysis.survey.estimate_cli`)
is imported when a command runs, so that ``wecare --help`` stays fast.
"""

from __future__ import annotations

import argparse

from wecare_analysis.survey.lonely_psu import CLI_LONELY_PSU, LONELY_PSU_OPTIONS


def run_estimate(args: argparse.Namespace) -> int:
    """Run ``wecare estimate`` (implementation imported lazily)."""
    from wecare_analysis.survey.estimate_cli import run_estimate as run

    return run(args)


def run_model(args: argparse.Namespace) -> int:
    """Run ``wecare model`` (implementation imported lazily)."""
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
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--out", help="output CSV (default: standard output)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``estimate`` and ``model`` sub-commands."""
    est = sub.add_parser("estimate", help="weighted means/proportions with design-based SEs (as R survey)")
    _design_options(est)
    est.add_argument("--vars", required=True, help="comma-separated 0/1 or numeric columns")
    est.add_argument("--by", help="comma-separated domain columns (crossed)")
    est.set_defaults(func=run_estimate)
    mod = sub.add_parser("model", help="design-based logistic regression (as R svyglm quasibinomial)")
    _design_options(mod)
    mod.add_argument("--formula", required=True,
                     help='formula of column names, C(col), Q("col name"), numbers and ~ + - * / : ** ( ); '
                          'e.g. "y ~ C(x1) + x2"')
    mod.set_defaults(func=run_model)
