"""Checked columns of the table given to ``wecare estimate``: numeric values and design weights.

A cell that is not a number, or a weight that is missing, zero or negative, stops the command with an
:class:`~wecare_analysis.errors.InputError` naming the file, the row (1 = header) and the column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError


def _shown(value: object) -> str:
    """``repr`` of a cell without numpy's type wrapper (``0.0``, not ``np.float64(0.0)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def numeric_column(df: pd.DataFrame, col: str, path: str, what: str) -> pd.Series:
    """Return ``df[col]`` as floats; raise naming the first non-numeric cell."""
    s = df[col]
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return s.astype(float)
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & s.notna() & (s.astype(str).str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{path}, row {i + 2}, column {col}: {what} must be numeric, found {_shown(s.iloc[i])} "
                         f"({int(bad.sum())} non-numeric value(s) in that column).")
    return num.astype(float)


def design_weights(df: pd.DataFrame, col: str | None, path: str) -> np.ndarray | None:
    """Return the weights column checked: numeric, present and positive."""
    if not col:
        return None
    w = numeric_column(df, col, path, "weights")
    bad = w.isna() | ~(w > 0) | ~np.isfinite(w.fillna(0))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        kind = "missing" if pd.isna(w.iloc[i]) else ("negative" if w.iloc[i] < 0 else "not positive")
        raise InputError(f"{path}, row {i + 2}, column {col}: weight {kind} ({_shown(df[col].iloc[i])}); "
                         f"weights must be positive numbers ({int(bad.sum())} bad row(s)).")
    return w.to_numpy()
