"""Finite population correction of a stratified design from R-style ``fpc`` values.

R ``svydesign(fpc=~f)`` reads one value per record: the population number of PSUs
:math:`N_h` of the record's stratum or, when every value is at most 1, the sampling
fraction :math:`f_h = n_h / N_h`. The variance of stratum *h* is then multiplied by
:math:`1 - n_h / N_h` (Cochran 1977, §5.3); a stratum with :math:`n_h = N_h` was
sampled completely and adds no variance.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError


def stratum_popsize(fpc: Sequence[float] | np.ndarray | pd.Series, stratum: np.ndarray, npsu: np.ndarray,
                    labels: Sequence) -> np.ndarray:
    """Return the population number of PSUs :math:`N_h` of each stratum from R-style ``fpc`` values.

    Values all <= 1 are sampling fractions :math:`f_h` (:math:`N_h = n_h / f_h`), else
    population sizes; each must be constant within its stratum and :math:`N_h \\ge n_h`.
    """
    f = np.asarray(pd.to_numeric(pd.Series(np.asarray(fpc)), errors="coerce"), dtype=float)
    if f.shape != stratum.shape:
        raise InputError(f"fpc has {f.shape[0]} values for {stratum.shape[0]} records.")
    bad = ~np.isfinite(f) | (f <= 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"fpc: row {i + 2} has {f[i]!r}; the finite population correction must be a positive "
                         f"number ({int(bad.sum())} bad row(s)).")
    lo = np.full(len(npsu), np.inf)
    hi = np.full(len(npsu), -np.inf)
    np.minimum.at(lo, stratum, f)
    np.maximum.at(hi, stratum, f)
    varying = np.flatnonzero(hi - lo > 1e-9 * np.maximum(np.abs(hi), 1.0))
    if varying.size:
        h = int(varying[0])
        raise InputError(f"fpc varies within stratum {labels[h]!s} (from {lo[h]:g} to {hi[h]:g}); it must be one "
                         "value per stratum (population PSUs or sampling fraction).")
    fraction = bool((f <= 1).all())
    popsize = npsu / lo if fraction else lo.copy()
    small = np.flatnonzero(popsize < npsu * (1 - 1e-12))
    if small.size:
        h = int(small[0])
        raise InputError(f"fpc of stratum {labels[h]!s}: population {popsize[h]:g} PSUs is smaller than the "
                         f"{int(npsu[h])} sampled; give the population number of PSUs or a fraction <= 1.")
    return popsize
