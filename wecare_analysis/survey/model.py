"""Design-based logistic regression, as R ``svyglm(family=quasibinomial())``.

The coefficients solve the weighted score equations
:math:`\\sum_k w_k x_k (y_k - \\mu_k) = 0`, :math:`\\mu_k = \\mathrm{expit}(x_k'\\beta)`
(pseudo-likelihood, Binder 1983), fitted by Newton-Raphson (IRLS). The variance is
the sandwich :math:`A^{-1} V A^{-1}` with :math:`A = X' \\mathrm{diag}(w\\mu(1-\\mu)) X`
and *V* the design variance of the totals of the scores, i.e. the linearised
variance of the influence values :math:`z_k = w_k (y_k - \\mu_k) x_k' A^{-1}`
(R ``svy.varcoef``), with the raking residuals when the design is raked.

Inference follows R ``summary.svyglm``/``confint.svyglm``: *t* statistics with
``df = degf(design) + 1 - p`` (PSUs minus strata of the records in the model,
plus one, minus the number of coefficients) for p-values and Wald intervals.

The formula uses patsy syntax (``y ~ C(x1) + x2``): treatment coding, reference
the first level in sorted order, intercept first, terms in model-matrix order.
Records with a missing value in any model variable are left out of the fit but
stay in the design (as R's ``svyglm`` does).
"""

from __future__ import annotations

import io
import tokenize

import numpy as np
import pandas as pd
import patsy
from scipy import stats

from wecare_analysis.errors import InputError
from wecare_analysis.survey.design import SurveyDesign, linearised_variance, subset_degf

MODEL_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "p_value"]


#: Operators a model formula may use (patsy syntax).
FORMULA_OPERATORS = frozenset({"~", "+", "-", "*", "/", ":", "**", "(", ")", ","})
#: Functions a model formula may call: categorical coding and quoting of odd column names.
FORMULA_FUNCTIONS = frozenset({"C", "Q"})


def check_formula(formula: str, columns: list[str]) -> None:
    """Refuse a formula with anything but column names, ``C()``, ``Q("name")``, numbers and operators.

    patsy evaluates the terms of a formula as Python code, so without this check
    ``y ~ __import__('os').system('...')`` would run a command.

    Raises
    ------
    InputError
        (exit code 2) naming the first token that is not allowed.

    Examples
    --------
    >>> check_formula("y ~ C(g) + x - 1", ["y", "g", "x"])
    >>> try:
    ...     check_formula("y ~ __import__('os').system('id')", ["y"])
    ... except InputError as err:
    ...     print(err.message.split(";")[0])
    formula "y ~ __import__('os').system('id')": '__import__' is not a column
    """
    names = set(map(str, columns))
    allowed = ("only column names, C(column), Q(\"column name\"), numbers and the operators "
               "~ + - * / : ** ( ) are allowed")
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(formula).readline)
                  if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT,
                                    tokenize.DEDENT)]
    except (tokenize.TokenError, SyntaxError, IndentationError) as err:
        raise InputError(f"formula {formula!r} cannot be read: {err}; {allowed}.") from None
    show = f'formula "{formula}"' if '"' not in formula else f"formula {formula!r}"
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1].string if i + 1 < len(tokens) else ""
        prev = tokens[i - 1].string if i else ""
        if tok.type == tokenize.NAME:
            if tok.string in FORMULA_FUNCTIONS and nxt == "(":
                continue
            if tok.string in names and nxt != "(" and nxt != ".":
                continue
            what = "a column" if tok.string not in names else "usable here"
            listed = sorted(names)
            more = f" and {len(listed) - 25} more" if len(listed) > 25 else ""
            raise InputError(f"{show}: {tok.string!r} is not {what}; {allowed}. Columns are "
                             f"{', '.join(listed[:25])}{more}.")
        if tok.type == tokenize.NUMBER:
            continue
        if tok.type == tokenize.STRING and prev == "(" and i >= 2 and tokens[i - 2].string == "Q":
            try:
                import ast

                name = ast.literal_eval(tok.string)
            except (ValueError, SyntaxError):
                name = None
            if isinstance(name, str) and name in names and nxt == ")":
                continue
            raise InputError(f"{show}: Q() takes one quoted column name, found {tok.string}; {allowed}.")
        if tok.type == tokenize.OP and tok.string in FORMULA_OPERATORS:
            continue
        raise InputError(f"{show}: {tok.string!r} is not allowed; {allowed}.")


def model_matrices(formula: str, data: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Return the outcome, the model matrix and the positions of the records used.

    Examples
    --------
    >>> y, X, rows = model_matrices("y ~ C(g)", pd.DataFrame({"y": [0, 1, 1], "g": ["b", "a", "b"]}))
    >>> list(X.columns), rows.tolist()
    (['Intercept', 'C(g)[T.b]'], [0, 1, 2])
    """
    check_formula(formula, list(data.columns))
    frame = data.reset_index(drop=True)
    try:
        yd, xd = patsy.dmatrices(formula, frame, NA_action="drop", return_type="dataframe", eval_env=0)
    except patsy.PatsyError as err:
        raise InputError(f"formula {formula!r} cannot be used: {err}".replace("\n", " ")) from err
    except NameError as err:
        raise InputError(f"formula {formula!r}: {err}; columns are {', '.join(map(str, data.columns))}.") from err
    if yd.shape[1] != 1:
        raise InputError(f"formula {formula!r}: the outcome must be one numeric 0/1 column, "
                         f"found {yd.shape[1]} columns ({', '.join(yd.columns)}); recode it as 0/1.")
    y = yd.iloc[:, 0].to_numpy(dtype=float)
    if ((y < 0) | (y > 1)).any():
        bad = int(np.flatnonzero((y < 0) | (y > 1))[0])
        raise InputError(f"formula {formula!r}: outcome {yd.columns[0]} must be between 0 and 1 "
                         f"(a proportion or 0/1), found {y[bad]:g} in data row {int(yd.index[bad]) + 2}.")
    return y, xd, yd.index.to_numpy()


def _check_rank(x: pd.DataFrame) -> None:
    xm = x.to_numpy()
    rank = np.linalg.matrix_rank(xm)
    if rank < xm.shape[1]:
        _, r = np.linalg.qr(xm)
        diag = np.abs(np.diag(r))
        alias = [c for c, d in zip(x.columns, diag) if d < 1e-9 * max(diag.max(), 1.0)]
        raise InputError(f"the model matrix is rank deficient (aliased terms: {', '.join(alias) or '?'}); "
                         "drop or merge those terms.")


def _singular_message(x: np.ndarray, y: np.ndarray) -> str:
    return (f"the model cannot be fitted: its information matrix is singular ({x.shape[1]} coefficients for "
            f"{len(y)} records, {int(np.sum(y > 0))} with outcome > 0): too many parameters for the data, "
            "aliased terms, or levels of a C() term where the outcome is all 0 or all 1. Collapse sparse "
            "levels (e.g. firms into size classes), drop terms, or model with fewer categories.")


def logistic_fit(y: np.ndarray, x: np.ndarray, w: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Return the weighted logistic regression coefficients and fitted probabilities.

    Newton-Raphson on :math:`\\sum_k w_k x_k (y_k - \\mu_k) = 0`, started as R's
    ``glm`` (``mustart = (w y + 0.5)/(w + 1)``), until the largest step is below 1e-11.

    Examples
    --------
    >>> b, mu = logistic_fit(np.array([0., 1., 1., 0.]), np.ones((4, 1)), np.ones(4))
    >>> round(float(b[0]), 12) + 0.0
    0.0
    """
    ws = w / w.mean()
    mu = (ws * y + 0.5) / (ws + 1)
    eta = np.log(mu / (1 - mu))
    beta = np.linalg.lstsq(x * np.sqrt(ws * mu * (1 - mu))[:, None],
                           (eta + (y - mu) / (mu * (1 - mu))) * np.sqrt(ws * mu * (1 - mu)), rcond=None)[0]
    for _ in range(max_iter):
        eta = x @ beta
        mu = 1 / (1 + np.exp(-eta))
        wt = ws * mu * (1 - mu)
        grad = x.T @ (ws * (y - mu))
        info = x.T @ (x * wt[:, None])
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            raise InputError(_singular_message(x, y)) from None
        beta = beta + step
        if np.max(np.abs(step)) < 1e-11 * (1 + np.max(np.abs(beta))):
            mu = 1 / (1 + np.exp(-(x @ beta)))
            return beta, mu
    raise InputError("the logistic model did not converge (some covariate level may predict the outcome "
                     "perfectly: all 0 or all 1); collapse sparse levels or drop the term.")


def svyglm_logit(
    data: pd.DataFrame, formula: str, design: SurveyDesign, level: float = 0.95
) -> pd.DataFrame:
    """Return the design-based logistic regression table on the logit scale.

    Returns
    -------
    pandas.DataFrame
        Columns ``term, estimate, se, ci_low, ci_high, p_value`` (logit scale), then
        ``odds_ratio, or_low, or_high, df``; one row per model-matrix column.
    """
    y, xd, rows = model_matrices(formula, data)
    _check_rank(xd)
    x = xd.to_numpy(dtype=float)
    w = design.weights[rows]
    beta, mu = logistic_fit(y, x, w)
    ws = w / w.mean()
    try:
        ainv = np.linalg.inv(x.T @ (x * (ws * mu * (1 - mu))[:, None]))
    except np.linalg.LinAlgError:
        raise InputError(_singular_message(x, y)) from None
    z = np.zeros((design.n, x.shape[1]))
    z[rows] = (x * (ws * (y - mu))[:, None]) @ ainv
    members = np.zeros((design.n, 1))
    members[rows] = 1.0
    members_all = np.repeat(members, x.shape[1], axis=1)
    var = linearised_variance(design, z, members_all)
    se = np.sqrt(var)
    df = int(subset_degf(design, members)[0]) + 1 - x.shape[1]
    tval = beta / se
    if df > 0:
        p = 2 * stats.t.sf(np.abs(tval), df)
        q = stats.t.ppf((1 + level) / 2, df)
    else:
        p = np.full_like(beta, np.nan)
        q = np.nan
    out = pd.DataFrame({
        "term": list(xd.columns),
        "estimate": beta,
        "se": se,
        "ci_low": beta - q * se,
        "ci_high": beta + q * se,
        "p_value": p,
    })
    out["odds_ratio"] = np.exp(out["estimate"])
    out["or_low"] = np.exp(out["ci_low"])
    out["or_high"] = np.exp(out["ci_high"])
    out["df"] = df
    return out
