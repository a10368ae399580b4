"""PSU x domain cells: one aggregation pass behind every domain estimate of a plain design.

A mean, ratio or total of domain *d* and its Taylor variance (design not raked or
calibrated) need the records only through sums over the cells :math:`(i, d)`, PSU
*i* crossed with domain *d*:

.. math::

    W_{id} = \\sum_{k \\in (i,d)} w_k, \\quad A_{id} = \\sum w_k y_k, \\quad
    B_{id} = \\sum w_k x_k, \\quad Q_{id} = \\sum w_k y_k^2, \\quad n_{id},

each over the records valid for the variable (non-missing). The PSU total of the
influence values of the ratio :math:`\\hat R_d = A_d / B_d` (a mean when
:math:`x \\equiv 1`) is then

.. math::

    z_{id} = \\sum_{k \\in (i,d)} \\frac{w_k (y_k - \\hat R_d x_k)}{B_d}
           = \\frac{A_{id} - \\hat R_d B_{id}}{B_d},

of a total :math:`z_{id} = A_{id}`, and the variance is
:math:`\\sum_h \\frac{n_h}{n_h-1} \\sum_{i \\in h} (z_{id} - \\bar z_{hd})^2` with
:math:`n_h` the PSUs of stratum *h* in the whole design (records outside the domain
count as zeros, as R ``svyby``; Wolter 2007, *Introduction to Variance Estimation*,
ch. 6), through :func:`~wecare_analysis.survey.design.cell_variance`. A replicate
estimate is :math:`\\sum_i a_{ri} A_{id}` with the replicate factors :math:`a_{ri}`
of the PSUs. So the records are read once per variable (``np.bincount`` over the
cell codes), whatever the number of domains, and everything after works on the
cells (at most PSUs x domains, far fewer than the records).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wecare_analysis.survey.design import SurveyDesign


@dataclass(frozen=True)
class DomainCells:
    """The (PSU, domain) cells of a design's records.

    Attributes
    ----------
    record
        Cell of every record; ``n_cells`` for a record in no domain (a dump cell that
        :meth:`sums` drops).
    psu, domain
        PSU and domain of every cell.
    n_domains
        Number of domains D.
    """

    record: np.ndarray
    psu: np.ndarray
    domain: np.ndarray
    n_domains: int

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.psu.shape[0])

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Return the cell sums of a records-long vector (records in no domain left out)."""
        return np.bincount(self.record, weights=values, minlength=self.n_cells + 1)[:-1]

    def to_domains(self, cell_values: np.ndarray) -> np.ndarray:
        """Return the domain sums of cells-long values (vector) or cells x k values (D x k)."""
        if cell_values.ndim == 1:
            return np.bincount(self.domain, weights=cell_values, minlength=self.n_domains)
        k = cell_values.shape[1]
        index = ((self.domain * k)[:, None] + np.arange(k)[None, :]).ravel()
        return np.bincount(index, weights=cell_values.ravel(), minlength=self.n_domains * k).reshape(-1, k)

    def replicate_totals(self, factors: np.ndarray, cell_values: np.ndarray) -> np.ndarray:
        """Return :math:`\\sum_{i} a_{ri} A_{id}` for replicate factors ``factors`` (R x PSUs): R x (D*k).

        ``cell_values`` is cells x k; column ``d*k + j`` of the result is domain *d*,
        variable *j*.
        """
        k = cell_values.shape[1]
        out = np.zeros((factors.shape[0], self.n_domains * k))
        order = np.argsort(self.domain, kind="stable")
        bounds = np.searchsorted(self.domain[order], np.arange(self.n_domains + 1))
        for d in np.flatnonzero(np.diff(bounds)):  # domains with cells: R x cells_d times cells_d x k
            rows = order[bounds[d]:bounds[d + 1]]
            out[:, d * k:(d + 1) * k] = factors[:, self.psu[rows]] @ cell_values[rows]
        return out


def domain_cells(design: SurveyDesign, domain: np.ndarray, n_domains: int) -> DomainCells:
    """Return the (PSU, domain) cells of the records (``domain`` -1: in no domain)."""
    domain = np.asarray(domain, dtype=np.int64)
    inr = domain >= 0
    key = design.psu * n_domains + np.where(inr, domain, 0)
    uniq, inv = np.unique(key[inr], return_inverse=True)
    record = np.full(design.n, uniq.size, dtype=np.int64)
    record[inr] = inv.ravel()
    return DomainCells(record=record, psu=uniq // n_domains, domain=uniq % n_domains, n_domains=n_domains)


@dataclass(frozen=True)
class CellStatistics:
    """Domain totals or ratios and their cell sums (D domains, V variables, C cells).

    Attributes
    ----------
    estimate, counts, srs_variance
        D x V: the estimate, the valid records, the variance under simple random
        sampling without replacement (for ``deff``).
    z
        C x V: the cell sums of the influence values, :math:`z_{id}`.
    has
        C x V: the cell holds a record valid for the variable.
    num, den
        C x V: :math:`A_{id}` and :math:`B_{id}` (``den`` None for totals).
    """

    estimate: np.ndarray
    counts: np.ndarray
    srs_variance: np.ndarray
    z: np.ndarray
    has: np.ndarray
    num: np.ndarray
    den: np.ndarray | None


def cell_statistics(design: SurveyDesign, cells: DomainCells, num: np.ndarray, den: np.ndarray | str | None
                    ) -> CellStatistics:
    """Return domain totals, means or ratios :math:`A_d / B_d` of records x V arrays, from one pass.

    ``den`` None: totals of ``num``; ``"mean"``: means (:math:`x \\equiv 1`, so
    :math:`B = W`); else the records x V denominators of ratios. A record counts for
    variable *v* when its value (and its denominator) is not missing (R ``na.rm=TRUE``).
    The SRS variance is :math:`s^2_w (\\hat N - n)/(\\hat N n)`, :math:`s^2_w = \\frac{n}{n-1}
    (Q_d - A_d^2/W_d)/W_d` (times :math:`\\hat N^2 = W_d^2` for a total), as R
    ``svymean``/``svytotal(deff=TRUE)``.
    """
    w = design.weights
    nv = num.shape[1]
    shape = (cells.n_cells, nv)
    cnt_c, w_c, a_c, q_c = (np.empty(shape) for _ in range(4))
    mean = isinstance(den, str)
    ratio = den is not None and not mean
    b_c = np.empty(shape) if ratio else None
    all_count, all_w = None, None
    for v in range(nv):  # one pass over the records per variable; domains and PSUs together
        y = num[:, v]
        missing = np.isnan(y)
        if ratio:
            missing |= np.isnan(den[:, v])
        if missing.any():
            ok = ~missing
            wk = np.where(ok, w, 0.0)
            a = np.where(ok, y, 0.0)
            cnt_c[:, v] = cells.sums(ok.astype(float))
            w_c[:, v] = cells.sums(wk)
        else:  # no missing value: the counts and weight sums of the cells serve every such variable
            if all_count is None:
                all_count, all_w = cells.sums(np.ones(w.shape[0])), cells.sums(w)
            wk, a = w, y
            cnt_c[:, v], w_c[:, v] = all_count, all_w
        wa = wk * a
        a_c[:, v] = cells.sums(wa)
        wa *= a
        q_c[:, v] = cells.sums(wa)
        if b_c is not None:
            b_c[:, v] = cells.sums(wk * np.where(missing, 0.0, den[:, v]))
    if mean:
        b_c = w_c
    cnt, wsum, asum, qsum = (cells.to_domains(x) for x in (cnt_c, w_c, a_c, q_c))
    d = cells.domain
    has = cnt_c > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        s2 = np.maximum(qsum - asum * asum / wsum, 0.0) / wsum * cnt / (cnt - 1)
        vsrs = s2 * (wsum - cnt) / (wsum * cnt)
        if b_c is None:
            est, z = asum, a_c
            vsrs = vsrs * wsum * wsum
        else:
            bsum = wsum if mean else cells.to_domains(b_c)
            est = asum / bsum
            z = np.where(has, (a_c - est[d] * b_c) / bsum[d], 0.0)
    return CellStatistics(estimate=est, counts=np.rint(cnt).astype(np.int64), srs_variance=vsrs, z=z, has=has,
                          num=a_c, den=b_c)
