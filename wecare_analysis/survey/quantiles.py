"""Normal and Student *t* quantiles in NumPy, so that ``wecare estimate`` starts without SciPy.

Importing :mod:`scipy.special` costs about a third of a second of start-up (it loads
most of NumPy's optional submodules); the intervals need only two quantiles.

Normal
    :math:`z_p = \\Phi^{-1}(p)`: Newton's method on :math:`\\Phi(x) = \\tfrac12
    \\operatorname{erfc}(-x/\\sqrt2)` (:func:`math.erfc`), from the rational start of
    Abramowitz & Stegun (1964) 26.2.23; converged to machine precision.
Student *t*, whole degrees of freedom :math:`\\nu \\le 400`
    with :math:`t = \\sqrt\\nu \\tan\\theta`, the two-sided probability
    :math:`A(\\theta) = P(|T| \\le t)` is a finite series (Abramowitz & Stegun 26.7.3-4):
    :math:`\\nu` odd, :math:`A = \\tfrac2\\pi(\\theta + \\sin\\theta\\cos\\theta
    \\sum_{j=0}^{(\\nu-3)/2} c_j \\cos^{2j}\\theta)`, :math:`c_0 = 1, c_j = c_{j-1}\\,2j/(2j+1)`;
    :math:`\\nu` even, :math:`A = \\sin\\theta \\sum_{j=0}^{(\\nu-2)/2} d_j\\cos^{2j}\\theta`,
    :math:`d_0 = 1, d_j = d_{j-1}(2j-1)/(2j)`; and
    :math:`A'(\\theta) = 2\\,\\Gamma(\\tfrac{\\nu+1}2)/(\\sqrt\\pi\\,\\Gamma(\\tfrac\\nu2))\\cos^{\\nu-1}\\theta`.
    :math:`t_{\\nu,p}` solves :math:`A = 2p - 1` by Newton's method in :math:`\\theta`
    from :math:`\\arctan(z_p/\\sqrt\\nu)`, left of the root (:math:`t_{\\nu,p} > z_p`);
    :math:`A` is concave there, so the steps rise monotonically to the root.
Student *t*, :math:`\\nu > 400`
    the Cornish-Fisher expansion to :math:`\\nu^{-4}` (Abramowitz & Stegun 26.7.5),
    relative error below :math:`10^{-12}` there for :math:`p \\le 0.995` (below
    :math:`10^{-10}` up to :math:`1 - 10^{-5}`).
Other degrees of freedom (not whole numbers)
    :func:`scipy.special.stdtrit`, imported only then.
"""

from __future__ import annotations

import math

import numpy as np

#: Largest degrees of freedom solved from the finite series; above, Cornish-Fisher.
SERIES_MAX_DF = 400


def normal_quantile(p: float) -> float:
    """Return :math:`\\Phi^{-1}(p)` for ``0 < p < 1``.

    Examples
    --------
    >>> f"{normal_quantile(0.975):.12f}"
    '1.959963984540'
    """
    if not 0 < p < 1:
        return math.nan
    q = min(p, 1 - p)
    s = math.sqrt(-2 * math.log(q))
    x = s - (2.515517 + 0.802853 * s + 0.010328 * s * s) / (1 + 1.432788 * s + 0.189269 * s * s + 0.001308 * s ** 3)
    x = x if p > 0.5 else -x
    for _ in range(50):
        # near the centre Phi(x) - p as erf(x / sqrt 2) / 2 - (p - 1/2): no cancellation
        gap = 0.5 * math.erf(x / math.sqrt(2)) - (p - 0.5) if abs(x) < 1 else 0.5 * math.erfc(-x / math.sqrt(2)) - p
        step = gap / (math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))
        x -= step
        if abs(step) <= 1e-16 * max(1.0, abs(x)):
            break
    return x


def _cornish_fisher(nu: np.ndarray, z: float) -> np.ndarray:
    g1 = (z ** 3 + z) / 4
    g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96
    g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384
    g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160
    return z + g1 / nu + g2 / nu ** 2 + g3 / nu ** 3 + g4 / nu ** 4


def _two_sided(theta: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """:math:`P(|T| \\le \\sqrt\\nu\\tan\\theta)` for whole ``nu`` (the finite series)."""
    odd = nu % 2 == 1
    terms = np.where(odd, (nu - 3) // 2, (nu - 2) // 2)  # last index j of the sum
    c2 = np.cos(theta) ** 2
    term = np.ones_like(theta)
    total = np.where(terms >= 0, 1.0, 0.0)
    for j in range(1, int(terms.max(initial=0)) + 1):
        term = term * c2 * np.where(odd, 2 * j / (2 * j + 1), (2 * j - 1) / (2 * j))
        total += np.where(j <= terms, term, 0.0)
    return np.where(odd, 2 / np.pi * (theta + np.sin(theta) * np.cos(theta) * total), np.sin(theta) * total)


def _series_quantile(nu: np.ndarray, p: float, z: float) -> np.ndarray:
    target = 2 * p - 1
    theta = np.arctan(z / np.sqrt(nu))
    const = np.array([2 * math.exp(math.lgamma((v + 1) / 2) - math.lgamma(v / 2)) / math.sqrt(math.pi)
                      for v in nu.tolist()])
    converged = False
    for _ in range(60):
        step = (_two_sided(theta, nu) - target) / (const * np.cos(theta) ** (nu - 1))
        theta = np.minimum(theta - step, np.pi / 2)
        if converged:  # one step after 1e-9: quadratic convergence is then at rounding level
            break
        converged = bool(np.all(np.abs(step) <= 1e-9 * theta))
    return np.sqrt(nu) * np.tan(theta)


def t_quantile(df: np.ndarray | float, p: float) -> np.ndarray:
    """Return the Student *t* quantiles :math:`t_{df,p}` (``p`` scalar); NaN where ``df`` is not positive.

    Examples
    --------
    >>> [f"{x:.8f}" for x in t_quantile(np.array([1.0, 2.0, 10.0, 1e9]), 0.975)]
    ['12.70620474', '4.30265273', '2.22813885', '1.95996399']
    """
    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    if not 0 < p < 1:
        return out
    ok = np.isfinite(df) & (df > 0)
    out[np.isposinf(df)] = normal_quantile(p)
    if not ok.any():
        return out
    nu, where = np.unique(df[ok], return_inverse=True)
    whole = nu == np.round(nu)
    if not whole.all():  # an uncommon case: leave it to SciPy
        from scipy import special

        return np.where(ok, special.stdtrit(np.where(ok, df, 1.0), p), out)
    if p < 0.5:
        q = -t_quantile(nu, 1 - p)
    elif p == 0.5:
        q = np.zeros_like(nu)
    else:
        z = normal_quantile(p)
        q = _cornish_fisher(nu, z)
        small = nu <= SERIES_MAX_DF
        if small.any():
            q[small] = _series_quantile(nu[small].astype(np.int64), p, z)
    out[ok] = q[where.ravel()]
    return out
