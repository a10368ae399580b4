"""Check that weights meet their population margins, with a relative tolerance.

R's ``rake`` stops when the weighted cross-table stops changing, which also
happens when the margins contradict each other or cannot be met (a level whose
only respondents are pinned by another margin); ``calibrate`` stops on an
absolute misfit. Both can then report success with margins far off. Here every
level of every margin is compared with its target after the iterations:

.. math::

    r_{m,\\ell} = \\frac{|\\hat T_{m,\\ell} - T_{m,\\ell}|}{T_{m,\\ell}},
    \\qquad \\hat T_{m,\\ell} = \\sum_{k:\\, x_{mk} = \\ell} w_k,

and any :math:`r_{m,\\ell}` above the tolerance stops the run (exit 2) with the
margins named and how far each is off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from wecare_analysis.errors import InputError


class MarginsNotMet(InputError):
    """The respondents cannot meet the margins: a level without respondents, raking that does not
    converge, or weights off their targets (exit code 2). ``margins`` names the margins concerned."""

    def __init__(self, message: str, margins: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.margins = margins


class _Margin(Protocol):
    name: str
    levels: tuple[str, ...]
    totals: np.ndarray
    index: np.ndarray


def margin_misfits(weights: np.ndarray, specs: Sequence[_Margin]) -> list[tuple[str, str, float, float, float]]:
    """Return ``(margin, level, achieved, target, relative error)`` for every level of every margin."""
    out = []
    for s in specs:
        got = np.bincount(s.index, weights=weights, minlength=len(s.levels))
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.abs(got - s.totals) / np.where(s.totals > 0, s.totals, np.nan)
        out.extend((s.name, lv, float(g), float(t), float(r)) for lv, g, t, r in zip(s.levels, got, s.totals, rel))
    return out


def check_margins(weights: np.ndarray, specs: Sequence[_Margin], rtol: float, what: str) -> None:
    """Raise :class:`MarginsNotMet` (an :class:`InputError`) naming every margin level more than ``rtol``
    (relative) off its target.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(name="sex", levels=("F", "M"), totals=np.array([1.0, 4.0]), index=np.array([0, 1]))
    >>> check_margins(np.array([1.0, 4.0]), [m], 1e-3, "raking")
    >>> try:
    ...     check_margins(np.array([3.0, 2.0]), [m], 1e-3, "raking")
    ... except InputError as err:
    ...     print(err.message.split(";")[0])
    raking did not meet the margins: sex F 3 against 1 (+200.0%), sex M 2 against 4 (-50.0%) (tolerance 0.001 relative)
    """
    bad = [m for m in margin_misfits(weights, specs) if not m[4] <= rtol]
    if not bad:
        return
    bad.sort(key=lambda m: -m[4])
    shown = ", ".join(f"{n} {lv} {g:,.6g} against {t:,.6g} ({(g - t) / t:+.1%})" for n, lv, g, t, _ in bad[:8])
    more = f" and {len(bad) - 8} more" if len(bad) > 8 else ""
    names = sorted({m[0] for m in bad})
    raise MarginsNotMet(
        f"{what} did not meet the margins: {shown}{more} (tolerance {rtol:.2g} relative); the margins of "
        f"{', '.join(names)} cannot all be met by these respondents: they contradict each other or a level's "
        "respondents are pinned by another margin. Check the totals, collapse sparse levels, or drop a margin.",
        tuple(names))
