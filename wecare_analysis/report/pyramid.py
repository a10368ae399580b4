"""Population pyramid of a province against its region (shares by five-year class)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from wecare_analysis.formatting import format_it

AGE_CLASS_WIDTH = 5


def age_class_shares(pop: pd.DataFrame) -> pd.DataFrame:
    """Share of residents (in % of the total, both sexes) per five-year age class and sex.

    Parameters
    ----------
    pop
        ``age, F, M`` rows (any number per age; they are summed). Age 100 = 100+.

    Returns
    -------
    pandas.DataFrame
        Index = lower bound of the class (0, 5, …, 100, the last being 100+),
        columns ``F`` and ``M`` in percent; ``F.sum() + M.sum() == 100``.

    Examples
    --------
    >>> s = age_class_shares(pd.DataFrame({"age": [0, 7], "F": [1, 1], "M": [2, 0]}))
    >>> float(s.loc[0, "M"]), float(s.loc[5, "F"])
    (50.0, 25.0)
    """
    cls = (pop["age"] // AGE_CLASS_WIDTH) * AGE_CLASS_WIDTH
    sums = pop[["F", "M"]].groupby(cls).sum().reindex(range(0, 101, AGE_CLASS_WIDTH), fill_value=0)
    total = sums.to_numpy().sum()
    return 100 * sums / total


def population_pyramid(local: pd.DataFrame, reference: pd.DataFrame, local_name: str,
                       reference_name: str) -> Figure:
    """Pyramid of ``local`` shares (bars) with ``reference`` shares as outlines (steps)."""
    a, b = age_class_shares(local), age_class_shares(reference)
    y = np.arange(len(a))
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.barh(y, -a["M"], color="#4c72b0", label=f"Uomini – {local_name}")
    ax.barh(y, a["F"], color="#dd8452", label=f"Donne – {local_name}")
    for col, sign in (("M", -1), ("F", 1)):
        ax.step(sign * b[col].to_numpy(), y, where="mid", color="black", linewidth=1.2,
                label=f"{reference_name}" if col == "M" else None)
    labels = [f"{lo}-{lo + 4}" if lo < 100 else "100+" for lo in a.index]
    ax.set_yticks(y, labels, fontsize=7)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{format_it(abs(v), 1)}%"))
    ax.axvline(0, color="grey", linewidth=0.5)
    ax.set_xlabel("Quota sul totale dei residenti")
    ax.set_ylabel("Classe di età (anni)")
    ax.set_title(f"Piramide delle età: {local_name} e {reference_name}")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig
