"""Writers of the published files: figures, Excel workbooks with Italian headers, GeoPackages.

Every writer is atomic (see :mod:`wecare_analysis.atomic`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from openpyxl.utils import get_column_letter

from wecare_analysis.atomic import atomic_path, write_bytes_atomic
from wecare_analysis.report.formatting import INDICATOR_DECIMALS, label


def figure_png(fig: Figure, dpi: int = 150) -> bytes:
    """Render ``fig`` to PNG bytes once (to show it and to save it without drawing it twice)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def show_figure(fig: Figure, name: str, output_dir: str | Path | None, dpi: int = 150) -> list[Path]:
    """Show ``fig`` in the notebook as a PNG and, when ``output_dir`` is set, save it as PNG and SVG.

    The figure is rendered to PNG once; the notebook displays those bytes and the
    figure is closed so that the inline backend does not draw it again.
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    png = figure_png(fig, dpi)
    written: list[Path] = []
    if output_dir is not None:
        folder = Path(output_dir) / "figures"
        written.append(write_bytes_atomic(folder / f"{name}.png", png))
        with atomic_path(folder / f"{name}.svg") as tmp:
            fig.savefig(tmp, format="svg", bbox_inches="tight")
        written.append(folder / f"{name}.svg")
    plt.close(fig)
    display(Image(data=png, format="png", width=int(fig.get_figwidth() * 96)))
    return written


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
    with atomic_path(target) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
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
