"""Weights: raking to population margins, trimming, weighting efficiency.

Raking (iterative proportional fitting, Deming & Stephan 1940) adjusts the
weights so that their sums over the levels of each margin equal the population
totals. The algorithm, its stopping rule and the information stored for the
variance are those of R ``survey::rake`` (Lumley 2010, *Complex Surveys*, §7.4):
each pass post-stratifies on every margin in turn,
:math:`w_k \\leftarrow w_k\\,N_{ml}/\\hat N_{ml}` for record *k* in level *l* of
margin *m*; the passes stop when the weighted cross-table of all margin variables
changes by less than ``epsilon`` (an absolute count; a value below 1 is a share of
the total weight) or after ``maxit`` passes.

Margins are a table ``variable,level,total``; ``variable`` is a column of the data
or a crossing ``a:b`` of columns, whose levels are then written ``x:y``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError
from wecare_analysis.survey.design import RakingMargin, SurveyDesign
from wecare_analysis.survey.margin_check import MarginsNotMet, check_margins

#: Relative tolerance for the grand totals of different margin variables to agree.
TOTALS_RTOL = 1e-6

#: Relative tolerance for every weighted margin to meet its target after raking or calibration.
MARGIN_RTOL = 1e-3


@dataclass(frozen=True)
class MarginSpec:
    """Population totals of one margin matched to the records."""

    name: str
    levels: tuple[str, ...]
    totals: np.ndarray
    index: np.ndarray
    from_shares: bool = False


@dataclass(frozen=True)
class RakingResult:
    """Outcome of :func:`rake`: the raked design and how the iterations went."""

    design: SurveyDesign
    iterations: int
    converged: bool
    max_change: float


def level_labels(values: pd.Series) -> pd.Series:
    """Return ``values`` as strings for matching margin levels (``2.0`` -> ``'2'``, NaN kept).

    Examples
    --------
    >>> level_labels(pd.Series([1.0, 2.0, None])).tolist()
    ['1', '2', nan]
    """
    s = pd.Series(values)
    if pd.api.types.is_float_dtype(s) and s.dropna().apply(float.is_integer).all():
        s = s.astype("Int64")
    out = s.astype("string").str.strip()
    return out.astype(object).where(s.notna(), np.nan)


def read_margins(path: str) -> pd.DataFrame:
    """Read a margins CSV ``variable,level,total`` and check it; return it as a DataFrame."""
    try:
        m = pd.read_csv(path, dtype={"variable": str, "level": str}, keep_default_na=False)
    except FileNotFoundError as err:
        raise InputError(f"margins file {path} not found.") from err
    except IsADirectoryError:
        raise InputError(f"margins file {path} is a folder; expected a CSV variable,level,total.") from None
    except OSError as err:
        raise InputError(f"margins file {path} cannot be read: {err.strerror or err}.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise InputError(f"margins file {path} cannot be read as CSV: {err}") from err
    missing = {"variable", "level", "total"} - set(m.columns)
    if missing:
        raise InputError(
            f"margins file {path}: columns {', '.join(sorted(missing))} missing; expected variable,level,total, "
            f"found {','.join(map(str, m.columns))}."
        )
    if m.empty:
        raise InputError(f"margins file {path} has no rows after the header; expected one row per "
                         "variable,level,total.")
    tot = pd.to_numeric(m["total"], errors="coerce")
    bad = tot.isna() | (tot < 0) | ~np.isfinite(tot.fillna(0))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        found = m["total"].iloc[i]
        found = found.item() if isinstance(found, np.generic) else found
        raise InputError(
            f"margins file {path}, row {i + 2}, column total: expected a finite number >= 0, found {found!r}."
        )
    m = m.assign(total=tot.astype(float), variable=m["variable"].str.strip(), level=m["level"].str.strip())
    dup = m.duplicated(["variable", "level"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(f"margins file {path}, row {i + 2}: level {m['level'].iloc[i]!r} of "
                         f"{m['variable'].iloc[i]!r} is listed twice.")
    return m


def margin_specs(data: pd.DataFrame, margins: pd.DataFrame, source: str = "margins",
                 population_total: float | None = None) -> list[MarginSpec]:
    """Match population margins to the records; return one :class:`MarginSpec` per variable.

    Checks, each failing with an :class:`InputError` (exit 2) that names the problem:
    margin variables must be columns of ``data`` without missing values; the grand
    totals of all variables must agree (relative tolerance 1e-6); every level found
    in the data must have a total; a level with a positive total must have
    respondents (collapse it with a neighbouring level otherwise). Levels with no
    respondents and a zero total are ignored, as R's ``postStratify`` does.

    A variable whose totals sum to 1 is read as *shares*: it is scaled to the grand
    total of the variables given as counts, or, when every variable is given as
    shares, to ``population_total`` if given (else it stays a share and
    :func:`rake` scales it to the total of the starting weights); such specs have
    ``from_shares`` set so that the caller can say so.
    """
    specs: list[MarginSpec] = []
    grand: dict[str, float] = {}
    for name, block in margins.groupby("variable", sort=False):
        cols = name.split(":")
        unknown = [c for c in cols if c not in data.columns]
        if unknown:
            raise InputError(
                f"{source}: variable {name!r} is not a column of the data (unknown {', '.join(unknown)}); "
                f"columns are {', '.join(map(str, data.columns))}."
            )
        labels = [level_labels(data[c]) for c in cols]
        for c, lab in zip(cols, labels):
            if lab.isna().any():
                row = int(np.flatnonzero(lab.isna().to_numpy())[0])
                raise InputError(f"data row {row + 2}, column {c}: missing value in a raking variable; "
                                 "every respondent needs a level to be weighted.")
        key = labels[0] if len(labels) == 1 else labels[0].str.cat(labels[1:], sep=":")
        totals = dict(zip(block["level"], block["total"]))
        found = pd.Index(key.unique())
        absent = [lv for lv in found if lv not in totals]
        if absent:
            raise InputError(
                f"{source}: level(s) {', '.join(map(repr, sorted(absent)[:5]))} of {name!r} occur in the data "
                f"but have no population total; add them to the margins or recode them."
            )
        zero = [lv for lv in found if totals[lv] == 0]
        if zero:
            raise InputError(f"{source}: level {zero[0]!r} of {name!r} has respondents but a population "
                             "total of 0; correct the total or recode those respondents.")
        empty = [lv for lv, t in totals.items() if t > 0 and lv not in set(found)]
        if empty:
            raise MarginsNotMet(
                f"{source}: no respondent in level {empty[0]!r} of {name!r} (population total "
                f"{totals[empty[0]]:,.0f}); collapse it with a neighbouring level of {name!r} in the margins "
                "and in the data.", (name,)
            )
        levels = tuple(sorted(found))
        index = pd.Categorical(key, categories=list(levels)).codes.astype(np.int64)
        share = abs(float(block["total"].sum()) - 1.0) < 1e-6
        specs.append(MarginSpec(name, levels, np.array([totals[lv] for lv in levels]), index, share))
        if not share:
            grand[name] = float(block["total"].sum())
    scale_to = next(iter(grand.values())) if grand else population_total
    if scale_to is not None:
        specs = [dataclasses.replace(s, totals=s.totals * scale_to) if s.from_shares else s for s in specs]
    if grand:
        ref_name, ref = next(iter(grand.items()))
        for name, tot in grand.items():
            if abs(tot - ref) > TOTALS_RTOL * max(abs(ref), 1.0):
                raise InputError(
                    f"{source}: totals disagree across variables: {ref_name!r} sums to {ref:,.0f}, "
                    f"{name!r} to {tot:,.0f}; margins must describe the same population."
                )
    return specs


def scaled_shares(specs: list[MarginSpec], total: float) -> list[MarginSpec]:
    """Return the specs with margins still given as shares scaled to ``total`` (the starting weights' sum)."""
    return [dataclasses.replace(s, totals=s.totals * total) if s.from_shares and s.totals.sum() <= 1 + 1e-6
            else s for s in specs]


def _cross_cells(specs: list[MarginSpec], data_keys: list[np.ndarray]) -> np.ndarray:
    """Cell code of each record in the cross-table of all margin variables."""
    frame = pd.DataFrame({i: k for i, k in enumerate(data_keys)})
    return frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()


def rake(
    design: SurveyDesign,
    specs: list[MarginSpec],
    maxit: int = 10,
    epsilon: float = 1.0,
    cells: np.ndarray | None = None,
    require_convergence: bool = True,
    margin_rtol: float | None = MARGIN_RTOL,
) -> RakingResult:
    """Return the design raked to the margins, as R ``rake(design, margins, pop, control)``.

    Parameters
    ----------
    design
        Design with the starting (design) weights.
    specs
        Margins from :func:`margin_specs`.
    maxit, epsilon
        R's ``control``: at most ``maxit`` passes; stop when the weighted cross-table
        of all margin variables changes by less than ``epsilon`` (absolute if >= 1,
        else a share of the total starting weight).
    cells
        Cell code of each record in the cross-table of all margin variables; by
        default the crossing of the margins themselves.
    require_convergence
        Raise an :class:`InputError` if the passes do not converge (R only warns).
    margin_rtol
        After the passes, every level of every margin must be within this relative
        tolerance of its target (:func:`~wecare_analysis.survey.margin_check.check_margins`),
        else an :class:`InputError` names the margins and how far each is off (R
        reports success). ``None``: no check (R's behaviour).

    Returns
    -------
    RakingResult
        The design carries the raked weights and, for the variance, the weights
        after each margin's post-stratification in the last pass.
    """
    w = design.weights.astype(float).copy()
    specs = scaled_shares(specs, float(w.sum()))
    eps = epsilon * w.sum() if epsilon < 1 else epsilon
    if cells is None:
        cells = _cross_cells(specs, [s.index for s in specs])
    ncell = int(cells.max()) + 1 if cells.size else 0
    old = np.bincount(cells, weights=w, minlength=ncell)
    stored: list[np.ndarray] = []
    it, converged, delta = 0, False, np.inf
    while it < maxit:
        stored = []
        for s in specs:
            freq = np.bincount(s.index, weights=w, minlength=len(s.levels))
            w = w * (s.totals / freq)[s.index]
            stored.append(w.copy())
        new = np.bincount(cells, weights=w, minlength=ncell)
        delta = float(np.max(np.abs(old - new))) if ncell else 0.0
        if delta < eps:
            converged = True
            break
        old = new
        it += 1
    if not converged and require_convergence:
        raise MarginsNotMet(
            f"raking did not converge after {maxit} passes (largest change in a weighted cell {delta:,.3g}, "
            f"tolerance {eps:,.3g}); collapse sparse levels of the margins or allow more iterations.",
            tuple(s.name for s in specs)
        )
    if margin_rtol is not None:
        check_margins(w, specs, margin_rtol, f"raking (stopped after {it + (1 if converged else 0)} passes)")
    raking = tuple(RakingMargin(s.name, s.levels, s.index, sw) for s, sw in zip(specs, stored))
    return RakingResult(design.with_weights(w, raking), it + (1 if converged else 0), converged, delta)


def trim_weights(
    weights: np.ndarray, lower: float = -np.inf, upper: float = np.inf, strict: bool = False
) -> np.ndarray:
    """Return weights trimmed to ``[lower, upper]``, the excess spread over the untrimmed ones.

    As R ``trimWeights`` (survey 4.1): :math:`w'_k = \\min(\\max(w_k, L), U)`, then the
    amount trimmed, :math:`\\sum_k (w_k - w'_k)`, is shared equally among the
    untrimmed weights so the total is unchanged; ``strict`` repeats until no weight
    is outside the bounds. The raking information is kept for the variance, as R does.

    Examples
    --------
    >>> trim_weights(np.array([1.0, 1.0, 4.0]), upper=3.0).tolist()
    [1.5, 1.5, 3.0]
    """
    if lower > upper:
        raise InputError(f"trimming bounds in the wrong order: lower {lower:g} is above upper {upper:g}.")
    pw = np.asarray(weights, dtype=float).copy()
    for _ in range(1000):
        outside = (pw < lower) | (pw > upper)
        if not outside.any():
            break
        new = np.clip(pw, lower, upper)
        keep = ~outside
        if not keep.any():
            raise InputError(f"every weight is outside the trimming bounds [{lower:g}, {upper:g}] (weights go "
                             f"from {pw.min():g} to {pw.max():g}); widen --trim-lower/--trim-upper.")
        new[keep] = new[keep] + float((pw - new).sum()) / int(keep.sum())
        pw = new
        if not strict:
            break
    return pw


def weighting_summary(weights: np.ndarray) -> dict[str, float]:
    """Return the Kish design effect of weighting and the weighting efficiency.

    :math:`deff_w = n \\sum w_k^2 / (\\sum w_k)^2 = 1 + CV^2(w)` (Kish 1965, §11.7);
    efficiency :math:`= 1/deff_w`; effective sample size :math:`= n/deff_w`.

    Examples
    --------
    >>> weighting_summary(np.array([1.0, 3.0]))["kish_deff"]
    1.25
    """
    w = np.asarray(weights, dtype=float)
    n = w.size
    deff = float(n * np.sum(w * w) / np.sum(w) ** 2)
    return {
        "n": float(n),
        "total": float(w.sum()),
        "min": float(w.min()),
        "max": float(w.max()),
        "kish_deff": deff,
        "efficiency": 1.0 / deff,
        "effective_n": n / deff,
    }


#: Default age classes of the ISTAT margins (codebook codes -> first, last age).
#: Residents 15-64 are the proxy for workers; the codebook's youngest class
#: (18-24) takes the 15-24 year olds.
DEFAULT_AGE_CLASSES: dict[str, tuple[int, int]] = {
    "18_24": (15, 24),
    "25_34": (25, 34),
    "35_44": (35, 44),
    "45_54": (45, 54),
    "55_64": (55, 64),
}


def margins_from_population(
    population: pd.DataFrame,
    municipality_province: pd.Series,
    age_classes: dict[str, tuple[int, int]] | None = None,
    names: tuple[str, str, str] = ("province", "sex", "age_class"),
    crossed: bool = False,
) -> pd.DataFrame:
    """Return raking margins ``variable,level,total`` from residents by age and sex.

    Parameters
    ----------
    population
        Long table ``municipality_code, age, sex, residents``
        (:func:`wecare_analysis.territory.population_by_age_sex`).
    municipality_province
        Province label (e.g. sigla) indexed by municipality code.
    age_classes
        Class code -> (first age, last age), inclusive; ages outside every class are
        left out. Default :data:`DEFAULT_AGE_CLASSES` (residents 15-64).
    names
        Names of the province, sex and age-class columns of the survey data.
    crossed
        False: three one-way margins (province, sex, age class); True: the crossing
        province x sex (``province:sex``) and age class.

    Returns
    -------
    pandas.DataFrame
        Margins with equal grand totals for every variable.
    """
    classes = age_classes or DEFAULT_AGE_CLASSES
    age_map = {a: code for code, (lo, hi) in classes.items() for a in range(lo, hi + 1)}
    pop = population.assign(age_class=population["age"].map(age_map),
                            province=population["municipality_code"].map(municipality_province))
    pop = pop.dropna(subset=["age_class", "province"])
    prov, sex, age = names

    def block(var: str, keys: list[str]) -> pd.DataFrame:
        g = pop.groupby(keys)["residents"].sum()
        levels = [":".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in g.index]
        return pd.DataFrame({"variable": var, "level": levels, "total": g.to_numpy(dtype=float)})

    parts = ([block(f"{prov}:{sex}", ["province", "sex"])] if crossed
             else [block(prov, ["province"]), block(sex, ["sex"])])
    parts.append(block(age, ["age_class"]))
    return pd.concat(parts, ignore_index=True)


def istat_margins(year: int = 2023, region: str = "01", crossed: bool = False,
                  age_classes: dict[str, tuple[int, int]] | None = None,
                  names: tuple[str, str, str] = ("province", "sex", "age_class"),
                  root: str | None = None) -> pd.DataFrame:
    """Return the default raking margins: ISTAT residents 15-64 by province (sigla), sex, age class.

    Residents of working age stand in for workers (the survey's population) where no
    better totals exist; users with employee counts by province and firm size should
    pass their own margins. See :func:`margins_from_population`.
    """
    # lazy: loads geopandas/shapely, which not every caller of this module needs
    from wecare_analysis.territory import load_territory, population_by_age_sex

    terr = load_territory(year, region, root)
    sigla = pd.Series(terr["province_sigla"].to_numpy(), index=terr["municipality_code"].to_numpy())
    return margins_from_population(population_by_age_sex(year, region, root), sigla, age_classes, names, crossed)
