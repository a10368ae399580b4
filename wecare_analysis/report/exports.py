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
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from wecare_analysis.atomic import atomic_path, write_bytes_atomic
from wecare_analysis.formatting import (
    INDICATOR_DECIMALS,
    code_digits,
    code_text,
    is_code_column,
    label,
)
from wecare_analysis.report.labels import label_for
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
    data_label = label_for(output_dir)
    if data_label is not None:
        add_footer(fig, data_label.footer)
    rendered = render_figure(fig, dpi if output_dir is not None else display_dpi)
    if output_dir is not None:
        folder = Path(output_dir) / "figures"
        text = {"Source": data_label.source_line, "Disclaimer": data_label.banner} if data_label else None
        written.append(write_bytes_atomic(folder / f"{name}.png",
                                          png_bytes(rendered.image, dpi, FIGURE_PNG_COMPRESSION, text)))
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


#: Font size (points) of the footer of a published figure.
FOOTER_SIZE = 7
#: Class (``gid``) of the footer's text, to find it in a figure or its SVG.
FOOTER_GID = "wecare-data-label"


def add_footer(fig: Figure, text: str) -> None:
    """Write ``text`` (the data label, :mod:`~wecare_analysis.report.labels`) under everything ``fig`` shows.

    The footer starts at the left edge of the figure's tight box, 0.04 in below its bottom, wrapped
    to the box's width. The figure grows downwards by the room the footer needs
    (:func:`_grow_downwards`), so that it is painted on the canvas and the single drawing of
    :func:`~wecare_analysis.report.rendering.render_figure` includes it; a figure that cannot grow
    (a layout engine, a figure legend) gets the footer below its edge, which that function then
    draws with ``savefig``. A figure keeps one footer: a second call replaces it.
    """
    import textwrap

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for old in [t for t in fig.texts if t.get_gid() == FOOTER_GID]:
        old.remove()
    if fig.canvas is None or not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    box = fig.get_tightbbox(fig.canvas.get_renderer())  # inches
    chars = max(40, int(box.width * 72 / (0.52 * FOOTER_SIZE)))
    wrapped = "\n".join(textwrap.wrap(text, chars))
    lines = wrapped.count("\n") + 1
    gap = 0.04
    need = gap + lines * FOOTER_SIZE * 1.25 / 72 + 0.02 - box.y0  # inches missing below the content
    shift = need if need > 0 and _grow_downwards(fig, need) else 0.0
    width, height = fig.get_size_inches()  # figure coordinates: savefig's bbox_inches shifts them, not inches
    fig.text(box.x0 / width, (box.y0 + shift - gap) / height, wrapped, ha="left", va="top",
             fontsize=FOOTER_SIZE, color="#444444", gid=FOOTER_GID)


def _grow_downwards(fig: Figure, inches: float) -> bool:
    """Make ``fig`` taller by ``inches`` at the bottom, everything it shows keeping its size and place.

    Axes (their original and active boxes) and figure-coordinate texts (``fig.text``, suptitle)
    are moved up by ``inches``; axes-anchored artists follow their axes. Returns False, changing
    nothing, for a figure with a layout engine or a figure legend (their positions are not boxes
    in figure coordinates).
    """
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()  # a one-shot tight_layout leaves a placeholder, which moves nothing
    if (engine is not None and not isinstance(engine, PlaceHolderLayoutEngine)) or fig.legends:
        return False
    width, height = fig.get_size_inches()
    scale, offset = height / (height + inches), inches / (height + inches)
    for ax in fig.axes:
        box = ax.get_position(original=True)
        ax.set_position([box.x0, box.y0 * scale + offset, box.width, box.height * scale], which="both")
    titles = [getattr(fig, name, None) for name in ("_suptitle", "_supxlabel", "_supylabel")]
    for text in [*fig.texts, *(t for t in titles if t is not None)]:
        if text.get_transform() is fig.transFigure:
            x, y = text.get_position()
            text.set_position((x, y * scale + offset))
    fig.set_size_inches(width, height + inches, forward=False)
    return True


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


#: Widest column (characters) of a workbook; longer text wraps within it.
MAX_COLUMN_WIDTH = 60
#: Total width (characters) above which a sheet is printed in landscape.
LANDSCAPE_FROM = 100


def write_workbook(sheets: dict[str, pd.DataFrame], target: str | os.PathLike[str],
                   column_format: Callable[[str, pd.Series], str | None],
                   header: Callable[[str], str] = str,
                   row_formats: Mapping[str, Sequence[str | None]] | None = None,
                   banner: str | None = None) -> Path:
    """Write one sheet per entry atomically: bold frozen header row, widths from content, number formats.

    Every sheet has an autofilter on its header row, text longer than :data:`MAX_COLUMN_WIDTH`
    characters wrapped in a column that wide, and a print setup one page wide (landscape when the
    columns add up to more than :data:`LANDSCAPE_FROM` characters) repeating the header on every
    page; whole numbers of a column formatted without decimals (``"#,##0"``) are stored as integers.

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
    banner
        A line written in the first row of every sheet, above the header (the data label of
        :mod:`~wecare_analysis.report.labels`; read such a sheet with :func:`read_workbook`); default
        the footer (banner and source line) of the label registered for ``target``'s folder, if any.
    """

    if banner is None:
        registered = label_for(Path(target).parent)
        banner = registered.footer if registered is not None else None
    top = 1 if banner else 0  # rows above the header
    with atomic_path(target, suffix=".xlsx") as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, df in sheets.items():
            formats = {column: column_format(str(column), df[column]) for column in df.columns}
            texts = [c for c, fmt in formats.items() if fmt == TEXT_FORMAT]
            if texts:
                df = df.copy()
                for c in texts:
                    df[c] = code_text(df[c], code_digits(str(c), header(str(c))))
            neutralised(df.rename(columns=header)).to_excel(writer, sheet_name=name[:31], index=False, startrow=top)
            sheet = writer.sheets[name[:31]]
            _lay_out_sheet(sheet, df, formats, header, list((row_formats or {}).get(name, ())), top, banner)
    return Path(target)


def _lay_out_sheet(sheet, df: pd.DataFrame, formats: dict, header: Callable[[str], str],
                   by_row: list, top: int, banner: str | None) -> None:
    """Banner, bold header, freeze panes, autofilter, widths, wrapping, number formats and print setup."""
    head = top + 1  # the header's row number (1-based)
    if banner:
        sheet.cell(row=1, column=1, value=banner).font = Font(bold=True, color="9C0006")
    sheet.freeze_panes = f"A{head + 1}"
    if len(df.columns):
        sheet.auto_filter.ref = f"A{head}:{get_column_letter(len(df.columns))}{head + max(len(df), 1)}"
    total = 0
    for i, column in enumerate(df.columns, start=1):
        letter = get_column_letter(i)
        sheet[f"{letter}{head}"].font = Font(bold=True)
        sheet[f"{letter}{head}"].alignment = Alignment(wrap_text=True, vertical="top")
        longest = max([len(header(str(column)))] + [len(str(v)) for v in df[column].head(200)])
        width = max(10, min(MAX_COLUMN_WIDTH, longest + 2))
        sheet.column_dimensions[letter].width = width
        total += width
        fmt = formats[column]
        wrap = longest + 2 > MAX_COLUMN_WIDTH
        for row, cell in enumerate(sheet[letter][head:]):
            if wrap and isinstance(cell.value, str):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if fmt == TEXT_FORMAT:
                if cell.value is not None:
                    cell.number_format = fmt
                continue
            if isinstance(cell.value, bool) or not isinstance(cell.value, (int, float)):
                continue
            cell_fmt = by_row[row] if row < len(by_row) and by_row[row] else fmt
            if cell_fmt:
                cell.number_format = cell_fmt
            if cell_fmt == "#,##0" and isinstance(cell.value, float) and cell.value.is_integer():
                cell.value = int(cell.value)  # a count is an integer, not 12.0
    sheet.print_title_rows = f"{head}:{head}"
    sheet.page_setup.orientation = "landscape" if total > LANDSCAPE_FROM else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def read_workbook(path: str | os.PathLike[str], sheet_name: str | int | list | None = 0,
                  **kwargs: object) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Read sheets written by :func:`write_workbook` with pandas, skipping the banner row when present.

    A sheet has a banner when its header is frozen below row 2 (``freeze_panes`` ``A3``).
    """
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=False)
    try:
        names = book.sheetnames if sheet_name is None else (
            [sheet_name] if isinstance(sheet_name, (str, int)) else list(sheet_name))
        names = [book.sheetnames[n] if isinstance(n, int) else n for n in names]
        tops = {n: 1 if book[n].freeze_panes == "A3" else 0 for n in names}
    finally:
        book.close()
    frames = {n: pd.read_excel(path, sheet_name=n, header=tops[n], **kwargs) for n in names}
    return frames if sheet_name is None or isinstance(sheet_name, list) else frames[names[0]]


def write_excel(sheets: dict[str, pd.DataFrame], target: Path) -> Path:
    """Write indicator tables: Italian headers (:func:`~wecare_analysis.formatting.label`) and
    thousands-separated numbers with each indicator's decimals (Excel shows the reader's separators)."""
    return write_workbook(sheets, target, _indicator_format, header=label)


def write_geopackage(layers: dict[str, gpd.GeoDataFrame], target: Path, description: str | None = None) -> Path:
    """Write each GeoDataFrame as a layer of one GeoPackage (opens in QGIS).

    ``description`` (default: the footer of the data label registered for the target's folder,
    :func:`~wecare_analysis.report.labels.label_for`) is written as every layer's description
    (``gpkg_contents.description``, GDAL's ``DESCRIPTION`` layer option; QGIS shows it as the layer's abstract).
    """

    if description is None:
        registered = label_for(Path(target).parent)
        description = registered.footer if registered is not None else None
    options = {"layer_options": {"DESCRIPTION": description}} if description else {}
    with atomic_path(target) as tmp:
        for i, (name, gdf) in enumerate(layers.items()):
            gdf.to_file(tmp, layer=name, driver="GPKG", mode="w" if i == 0 else "a", **options)
    return Path(target)
