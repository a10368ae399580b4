"""Residuals of influence values from a linear (GREG) calibration, as R ``svyrecvar``.

After ``calibrate()`` R stores, for the variance, the QR decomposition of
:math:`X\\,\\mathrm{diag}(\\sqrt{w})` (the model matrix of the calibration
variables scaled by the square roots of the *starting* weights) and
:math:`v_k = g_k \\sqrt{w_k}`; the influence values :math:`z` are replaced by

.. math::

    e = v \\odot \\bigl(u - Q Q^\\top u\\bigr), \\qquad u = z / v,

(``qr.resid(qr, z / v) * v``; Deville & Särndal 1992; Lumley 2010, *Complex
Surveys*, §7.3). Kept free of any other import of the package so that the
design module can use it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scipy.sparse is imported where it is used: `wecare estimate` starts without it
    import scipy.sparse as sp


@dataclass(frozen=True)
class GregCalibration:
    """What the variance needs of one calibration.

    Attributes
    ----------
    q
        Records x rank orthonormal basis of the columns of :math:`X\\,\\mathrm{diag}(\\sqrt{w})`.
    v
        :math:`g_k \\sqrt{w_k}` for every record.
    names
        Names of the calibration margins (for messages).
    """

    q: np.ndarray
    v: np.ndarray
    names: tuple[str, ...] = ()


def orthonormal_columns(a: np.ndarray, rtol: float = 1e-10) -> np.ndarray:
    """Return an orthonormal basis of the column space of ``a`` (rank-revealing, via the SVD).

    Equals R's ``qr.Q`` up to rotation for a full-rank ``a``, so the projection
    :math:`QQ^\\top` is the same; a rank-deficient ``a`` (collinear margins) keeps
    its column space, as R's pivoting QR does.
    """
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    keep = s > rtol * (s[0] if s.size else 0.0)
    return np.ascontiguousarray(u[:, keep])


def greg_projection(cal: GregCalibration, z: sp.spmatrix | np.ndarray) -> np.ndarray:
    """Return :math:`Q^\\top (z / v)`, rank x columns (dense), for the residuals of ``z``."""
    import scipy.sparse as sp
    qv = cal.q / cal.v[:, None]
    if sp.issparse(z):
        return np.asarray((sp.csr_matrix(z).T @ qv).T)
    return qv.T @ np.asarray(z, dtype=float)


def greg_psu_basis(cal: GregCalibration, psu_matrix: sp.csr_matrix) -> np.ndarray:
    """Return the PSU totals of :math:`v \\odot Q` (PSUs x rank): the fitted part per PSU."""
    return np.asarray(psu_matrix @ (cal.q * cal.v[:, None]))
