"""Writers of the published files: figures, Excel workbooks with Italian headers, GeoPackages.

Every writer is atomic (see :mod:`wecare_analysis.atomic`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from openpyxl.utils import get_column_letter

from wecare_analysis.atomic import atomic_path
from wecare_analysis.report.formatting import INDICATOR_DECIMALS, label


def save_figure(fig: Figure, folder: Path, name: str, dpi: int = 150) -> list[Path]:
    """Save ``fig`` as ``folder/name.png`` and ``folder/name.svg``; return the paths."""
    paths = []
    for ext in ("png", "svg"):
        target = Path(folder) / f"{name}.{ext}"
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=ext, dpi=dpi, bbox_inches="tight")
        paths.append(target)
    return paths


def italian_table(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its columns renamed to their Italian labels (values untouched)."""
    return df.rename(columns=label)


def _number_format(column: str) -> str:
    decimals = INDICATOR_DECIMALS.get(column, 0)
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def write_excel(sheets: dict[str, pd.DataFrame], target: Path) -> Path:
    """Write one sheet per entry, Italian headers, number formats, frozen header row.

    Column names are translated with :func:`~wecare_analysis.report.formatting.label`;
    numeric columns get a thousands-separated format with the indicator's decimals
    (Excel shows them with the reader's locale separators).
    """
    with atomic_path(target) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, df in sheets.items():
                italian_table(df).to_excel(writer, sheet_name=name[:31], index=False)
                sheet = writer.sheets[name[:31]]
                sheet.freeze_panes = "A2"
                for i, column in enumerate(df.columns, start=1):
                    letter = get_column_letter(i)
                    sheet.column_dimensions[letter].width = max(12, min(40, len(label(column)) + 2))
                    if pd.api.types.is_numeric_dtype(df[column]):
                        for cell in sheet[letter][1:]:
                            cell.number_format = _number_format(column)
    return Path(target)


def write_geopackage(layers: dict[str, gpd.GeoDataFrame], target: Path) -> Path:
    """Write each GeoDataFrame as a layer of one GeoPackage (opens in QGIS)."""
    with atomic_path(target) as tmp:
        for i, (name, gdf) in enumerate(layers.items()):
            gdf.to_file(tmp, layer=name, driver="GPKG", mode="w" if i == 0 else "a")
    return Path(target)
