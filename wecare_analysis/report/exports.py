"""Writers of the published files: figures, Excel workbooks with Italian headers, GeoPackages.

Every writer is atomic (see :mod:`wecare_analysis.atomic`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from wecare_analysis.atomic import atomic_path, write_bytes_atomic
from wecare_analysis.formatting import (
    INDICATOR_DECIMALS,
    code_digits,
    code_text,
    is_code_column,
    label,
)
from wecare_analysis.report.rendering import png_bytes, render_figure, resampled
from wecare_analysis.safe_text import neutralised

#: Resolution of the published PNG figures, and of the copy shown in notebooks and reports.
FIGURE_DPI = 300
DISPLAY_DPI = 110
#: zlib level of the published 300-dpi PNGs: 1 halves the encoding time of 6 for ~15% larger files.
FIGURE_PNG_COMPRESSION = 1


def show_figure(fig: Figure, name: str, output_dir: str | Path | None, dpi: int = FIGURE_DPI,
                display_dpi: int = DISPLAY_DPI) -> list[Path]:
    """Show ``fig`` in the notebook as a PNG and, when ``output_dir`` is set, save it as PNG and SVG.

    The figure is drawn once (:func:`~wecare_analysis.report.rendering.render_figure`):
    at ``dpi`` (300 by default, for print) when it is saved, the notebook's
    ``display_dpi`` copy being a resampling of that drawing; at ``display_dpi``
    only when nothing is saved. The SVG uses the same tight box and keeps its
    text as text. The figure is then closed so that the inline backend does not
    draw it again.
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    written: list[Path] = []
    rendered = render_figure(fig, dpi if output_dir is not None else display_dpi)
    if output_dir is not None:
        folder = Path(output_dir) / "figures"
        written.append(write_bytes_atomic(folder / f"{name}.png",
                                          png_bytes(rendered.image, dpi, FIGURE_PNG_COMPRESSION)))
        fig.set_layout_engine("none")  # laid out by the drawing above; SVG needs no second layout pass
        # text kept as text: editable, and lighter than glyph outlines; viewers substitute the font if absent
        with atomic_path(folder / f"{name}.svg") as tmp, plt.rc_context({"svg.fonttype": "none"}):
            fig.savefig(tmp, format="svg", bbox_inches=rendered.bbox)
        written.append(folder / f"{name}.svg")
    shown = png_bytes(resampled(rendered, display_dpi), display_dpi)
    width = round(rendered.bbox.width * 96)  # CSS pixels: the figure's size in inches on screen
    alt = figure_description(fig)
    plt.close(fig)
    display(Image(data=shown, format="png", width=width, metadata={"alt": alt}))
    return written


def figure_description(fig: Figure) -> str:
    """Italian text alternative of a figure (the reports' ``alt`` text): its title, else its panels' titles.

    >>> import matplotlib.pyplot as plt
    >>> fig, axes = plt.subplots(1, 2)
    >>> _ = axes[0].set_title("Asilo nido"), axes[1].set_title("RSA")
    >>> figure_description(fig)
    'Figura: Asilo nido; RSA'
    >>> _ = fig.suptitle("Cuneo: accesso\\nai servizi"); figure_description(fig)
    'Figura: Cuneo: accesso ai servizi (Asilo nido; RSA)'
    >>> plt.close(fig)
    """
    def flat(text: str) -> str:  # titles wrapped over lines read as one line
        return " ".join(text.split())

    panels = "; ".join(t for t in (flat(ax.get_title()) for ax in fig.axes) if t)
    title = flat(fig.get_suptitle())
    if title and panels:
        return f"Figura: {title} ({panels})"
    return f"Figura: {title or panels}" if title or panels else "Figura"


def italian_table(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its columns renamed to their Italian labels (values untouched)."""
    return df.rename(columns=label)


#: Excel's text format: a column given it is written as text (codes keep their leading zeros).
TEXT_FORMAT = "@"


def _indicator_format(column: str, series: pd.Series) -> str | None:
    """Number format of an indicator column: thousands separated, with the indicator's decimals.

    Identifier columns (:func:`~wecare_analysis.formatting.is_code_column`, e.g. ``municipality_code``)
    are text (``"@"``): :func:`write_workbook` writes them zero-padded, without thousands separators.
    """
    if is_code_column(column, label(column)):
        return TEXT_FORMAT
    if not pd.api.types.is_numeric_dtype(series):
        return None
    decimals = INDICATOR_DECIMALS.get(column, 0)
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def write_workbook(sheets: dict[str, pd.DataFrame], target: str | os.PathLike[str],
                   column_format: Callable[[str, pd.Series], str | None],
                   header: Callable[[str], str] = str,
                   row_formats: Mapping[str, Sequence[str | None]] | None = None) -> Path:
    """Write one sheet per entry atomically: bold frozen header row, widths from content, number formats.

    Parameters
    ----------
    sheets
        Sheet name (cut to Excel's 31 characters) → table.
    column_format
        ``(column, values) → Excel number format`` or None for no format. A column whose format is
        :data:`TEXT_FORMAT` (``"@"``) is written as text: numeric codes become strings, zero-padded to the
        width of their kind (:func:`~wecare_analysis.formatting.code_digits`: ISTAT municipality 6,
        province 3, region 2 digits), so that Excel neither drops the zeros nor groups the thousands.
    header
        Maps a column name to the header written (e.g. its Italian label).
    row_formats
        Sheet name → one number format per data row, for the numeric cells of that row (a long table of
        indicators, whose rows mix counts and indices); it replaces the column's format, never a text one.
        None in the sequence: the column's format.
    """
    with atomic_path(target, suffix=".xlsx") as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, df in sheets.items():
            formats = {column: column_format(str(column), df[column]) for column in df.columns}
            texts = [c for c, fmt in formats.items() if fmt == TEXT_FORMAT]
            if texts:
                df = df.copy()
                for c in texts:
                    df[c] = code_text(df[c], code_digits(str(c), header(str(c))))
            neutralised(df.rename(columns=header)).to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes = "A2"
            by_row = list((row_formats or {}).get(name, ()))
            for i, column in enumerate(df.columns, start=1):
                letter = get_column_letter(i)
                sheet[f"{letter}1"].font = Font(bold=True)
                width = max([len(header(str(column)))] + [len(str(v)) for v in df[column].head(200)])
                sheet.column_dimensions[letter].width = max(10, min(60, width + 2))
                fmt = formats[column]
                for row, cell in enumerate(sheet[letter][1:]):
                    if fmt == TEXT_FORMAT:
                        if cell.value is not None:
                            cell.number_format = fmt
                        continue
                    if isinstance(cell.value, bool) or not isinstance(cell.value, (int, float)):
                        continue
                    cell_fmt = by_row[row] if row < len(by_row) and by_row[row] else fmt
                    if cell_fmt:
                        cell.number_format = cell_fmt
    return Path(target)


def write_excel(sheets: dict[str, pd.DataFrame], target: Path) -> Path:
    """Write indicator tables: Italian headers (:func:`~wecare_analysis.formatting.label`) and
    thousands-separated numbers with each indicator's decimals (Excel shows the reader's separators)."""
    return write_workbook(sheets, target, _indicator_format, header=label)


def write_geopackage(layers: dict[str, gpd.GeoDataFrame], target: Path) -> Path:
    """Write each GeoDataFrame as a layer of one GeoPackage (opens in QGIS)."""
    with atomic_path(target) as tmp:
        for i, (name, gdf) in enumerate(layers.items()):
            gdf.to_file(tmp, layer=name, driver="GPKG", mode="w" if i == 0 else "a")
    return Path(target)
