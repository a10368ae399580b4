"""Exports for every audience: ``findings.xlsx``, ``layers.gpkg``, figures (PNG 300 dpi + SVG), ``opendata/``.

Every table handed to these writers is already a *published* table (Italian
headers, suppressed cells as ``'< 5'``/``'n.p.'``): the bundle never sees
respondent rows. All files are written atomically.

- ``findings.xlsx``: first sheet "Definizioni e fonti", then one sheet per theme;
  bold frozen header, number formats of :func:`number_format` (counts with
  thousands separators, percentages with one decimal, other values with the
  decimals their precision needs; Excel shows them in the reader's locale),
  identifier columns (ISTAT codes, sigle, CAP) as text with their leading zeros.
- ``layers.gpkg``: one layer per theme (municipality indicators, needs,
  accessibility, gaps, transferability, service points), opens in QGIS; Italian
  snake_case field names (:data:`LAYER_FIELDS`), codes as zero-padded text.
- ``opendata/``: one UTF-8 CSV per table (``,`` separator, ``.`` decimals,
  snake_case headers, numbers as :func:`csv_number` writes them, codes as
  zero-padded text) and ``dizionario_dati.csv`` (file, column, Italian header,
  description, type).
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from wecare_analysis import gaps
from wecare_analysis.atomic import atomic_path
from wecare_analysis.disclosure import COMPLEMENTARY_LABEL, suppression_label
from wecare_analysis.formatting import INDICATOR_DECIMALS, code_digits, code_text, is_code_column, label
from wecare_analysis.practices.assess import Assessment
from wecare_analysis.report import definitions as glossary
from wecare_analysis.report import service_offer as so
from wecare_analysis.report import territory_profile as tp
from wecare_analysis.report import transferability as tr
from wecare_analysis.report.definitions import disclosure_definitions
from wecare_analysis.report.document import NEEDS_SHEET
from wecare_analysis.report.exports import TEXT_FORMAT, show_figure, write_geopackage, write_workbook
from wecare_analysis.report.kit import slide_copy
from wecare_analysis.report.labels import LABEL_COLUMN, DataLabel, label_for
from wecare_analysis.report.service_offer import OFFER_DEFINITIONS
from wecare_analysis.safe_text import neutralised

DEFINITIONS_SHEET = "Definizioni e fonti"
#: Phrase of the definitions replaced by the year of the data when the bundle knows it.
YEAR_PHRASE = "dell'anno indicato"

#: Definitions every bundle carries: (term, definition, source), from ``definitions.yaml``
#: (:mod:`wecare_analysis.report.definitions`). Shown in "Definizioni e fonti" and used as the descriptions of
#: the same headers in ``dizionario_dati.csv``.
BASE_DEFINITIONS: tuple[tuple[str, str, str], ...] = glossary.definitions("base")
#: Source of the survey's definitions when no data label names the survey read.
SURVEY_SOURCE = glossary.sources()["survey"]
#: How text cells that a spreadsheet would run as formulas are written (:mod:`wecare_analysis.safe_text`), in
#: "Definizioni e fonti" and as the last row of ``dizionario_dati.csv``.
FORMULA_NOTE: tuple[str, str, str] = glossary.formula_note()
#: Descriptions of the identifying and classifying headers of the published tables, for
#: ``dizionario_dati.csv`` only (they need no entry in "Definizioni e fonti").
COLUMN_DESCRIPTIONS: dict[str, str] = glossary.column_descriptions()


def with_year(text: str, year: int | None) -> str:
    """``text`` with :data:`YEAR_PHRASE` replaced by ``year`` (unchanged when ``year`` is None).

    >>> with_year("Popolazione residente al 1° gennaio dell'anno indicato.", 2023)
    'Popolazione residente al 1° gennaio 2023.'
    """
    return text if year is None else text.replace(YEAR_PHRASE, str(year))


def definitions_table(extra: list[tuple[str, str, str]] | None = None, year: int | None = None,
                      k: int | None = None, data_label: DataLabel | None = None) -> pd.DataFrame:
    """The "Definizioni e fonti" sheet: ``Voce, Definizione, Fonte`` (``year``: see :func:`with_year`; ``k``: the
    disclosure threshold, :func:`disclosure_definitions`).

    With ``data_label`` (:class:`~wecare_analysis.report.labels.DataLabel`) the first row, "Fonte dei dati",
    gives the banner and the source line, and the survey's definitions name the survey read (its file and
    date, or "dati sintetici dimostrativi") instead of :data:`SURVEY_SOURCE`."""
    base = list(BASE_DEFINITIONS) + list(disclosure_definitions(k)) + [FORMULA_NOTE]
    rows = [(term, with_year(text, year), source) for term, text, source in base + list(extra or [])]
    if data_label is not None:  # the survey's own name (or the synthetic label), never "Indagine Wecare"
        survey = data_label.survey[0].upper() + data_label.survey[1:]
        rows = [("Fonte dei dati", f"{data_label.banner}.", data_label.source_line.removeprefix("Fonti: ")),
                *((t, d, survey if s == SURVEY_SOURCE else s) for t, d, s in rows)]
    return pd.DataFrame(rows, columns=["Voce", "Definizione", "Fonte"])


#: Most decimals :func:`number_format` gives a column (values below 1).
MAX_DECIMALS = 3


def number_format(header: str, series: pd.Series) -> str | None:
    """Excel number format of a published column (None: no numbers, no format).

    The rule, in order:

    1. identifier columns (:func:`~wecare_analysis.formatting.is_code_column`: a header with the word
       "Codice"/"code", "ISTAT", "sigla" or "CAP") are text, ``"@"``: the writer stores them as zero-padded
       strings (ISTAT municipality ``"004001"``, province ``"004"``, region ``"01"``), never with a
       thousands separator;
    2. percentages (``%`` in the header) have one decimal;
    3. columns whose values are all whole numbers, also when stored as floats (counts), have none;
    4. the other columns have the decimals of their typical size, the median of the non-zero absolute
       values: 1 from 10 up, 2 from 1 to 10 (rates such as services per 1.000 users), 3 below 1
       (scores, shares, small rates); but never more than the values carry (values already rounded to
       2 decimals keep 2), and at least 1.

    Examples
    --------
    >>> number_format("Stima (%)", pd.Series([1.5])), number_format("Residenti", pd.Series([579948.0, 12.0]))
    ('#,##0.0', '#,##0')
    >>> number_format("Tasso per 1.000", pd.Series([0.02, 0.15])), number_format("TOPSIS", pd.Series([0.659, 0.65]))
    ('#,##0.00', '#,##0.000')
    >>> number_format("Accesso", pd.Series([3.5925, 0.958])), number_format("Densità", pd.Series([583.0985, 1.03]))
    ('#,##0.00', '#,##0.0')
    >>> number_format("Codice ISTAT comune", pd.Series([4235])), number_format("Comune", pd.Series(["Alba"]))
    ('@', None)
    """
    if is_code_column(header):
        return TEXT_FORMAT
    values = pd.to_numeric(series[[not isinstance(v, bool) for v in series]], errors="coerce").dropna()
    values = values[values.map(math.isfinite)]
    if values.empty:
        return None
    if "%" in header:
        return "#,##0.0"
    if (values == values.round()).all():
        return "#,##0"
    decimals = _decimals(values.abs())
    return "#,##0." + "0" * decimals


def _decimals(values: pd.Series) -> int:
    """Decimals of a non-integer column (rule 4 of :func:`number_format`)."""
    nonzero = values[values > 0]
    typical = float(nonzero.median()) if len(nonzero) else 0.0
    wanted = 1 if typical >= 10 else 2 if typical >= 1 else MAX_DECIMALS
    carried = next((d for d in range(1, MAX_DECIMALS + 1) if ((values - values.round(d)).abs() < 1e-9).all()),
                   MAX_DECIMALS)
    return max(1, min(wanted, carried))


def indicator_row_formats(indicators: Sequence[str]) -> list[str]:
    """Excel format of each row of a long indicator table (counts: none, indices: their decimals).

    >>> indicator_row_formats(["residents", "old_age_index"])
    ['#,##0', '#,##0.0']
    """
    return ["#,##0." + "0" * INDICATOR_DECIMALS[c] if INDICATOR_DECIMALS.get(c) else "#,##0" for c in indicators]


def write_findings_xlsx(sheets: dict[str, pd.DataFrame], target: str | os.PathLike[str],
                        definitions: pd.DataFrame | None = None,
                        row_formats: Mapping[str, Sequence[str | None]] | None = None) -> Path:
    """Write ``findings.xlsx``: "Definizioni e fonti" first, then ``sheets`` in order (names ≤ 31 chars).

    Number formats are those of :func:`number_format`; ``row_formats`` (sheet → one format per row)
    override them row by row in long tables whose rows mix counts and indices ("Territorio").
    """
    ordered = {DEFINITIONS_SHEET: definitions if definitions is not None else definitions_table(), **sheets}
    return write_workbook(ordered, target, number_format, row_formats=row_formats)


#: Italian snake_case field names of ``layers.gpkg`` (English column → field). Other columns keep their
#: name as :func:`slug` writes it (``"Asilo nido"`` → ``asilo_nido``); need columns ``need_<area>[_pct]``
#: become ``bisogno_<area>[_pct]`` (:data:`NEED_FIELDS`). Codes are written as zero-padded text.
LAYER_FIELDS: dict[str, str] = {
    "municipality_code": "codice_comune", "istat_code": "codice_comune", "name": "nome",
    "cadastral_code": "codice_catastale", "province_code": "codice_provincia", "province_sigla": "sigla_provincia",
    "province_name": "provincia", "region_code": "codice_regione", "region_name": "regione",
    "n_municipalities": "comuni", "area_km2": "superficie_km2", "residents": "residenti",
    "residents_f": "residenti_donne", "residents_m": "residenti_uomini", "age_0_2": "eta_0_2",
    "age_3_5": "eta_3_5", "age_6_14": "eta_6_14", "age_0_14": "eta_0_14", "age_15_64": "eta_15_64",
    "age_15_64_f": "donne_15_64", "age_15_64_m": "uomini_15_64", "age_65_plus": "eta_65_piu",
    "age_75_plus": "eta_75_piu", "age_85_plus": "eta_85_piu", "women_25_49": "donne_25_49",
    "old_age_index": "indice_vecchiaia", "structural_dependency": "indice_dipendenza_strutturale",
    "elderly_dependency": "indice_dipendenza_anziani", "density": "densita_ab_km2",
    "category": "codice_servizio", "category_label": "servizio", "population": "utenti_potenziali",
    "services": "servizi", "supply_per_1000": "servizi_per_1000_utenti",
    "access_per_1000": "accesso_2sfca_per_1000_utenti", "nearest_km": "servizio_piu_vicino_km",
    "access_ratio": "accesso_rispetto_regione", "gap_index": "indice_divario",
    "shortfall": "utenti_scoperti", "cluster": "cluster_lisa", "cluster_label": "cluster_lisa_descrizione",
    "hh_municipalities": "comuni_cluster_hh", "service_id": "id_servizio", "capacity": "capacita",
}
#: Italian field name of each need area (``need_<area>`` → ``bisogno_<name>``) in the small-area layer.
NEED_FIELDS: dict[str, str] = {
    "childcare_0_2": "nido_0_2", "childcare_3_5": "infanzia_3_5", "childcare_6_14": "figli_6_14",
    "eldercare": "assistenza_anziani", "health_prevention": "salute_prevenzione",
    "psychological_support": "supporto_psicologico", "supplementary_pension": "previdenza_complementare",
    "purchasing_power": "potere_acquisto", "housing": "casa", "training": "formazione",
    "mobility": "mobilita", "errands_concierge": "servizi_salva_tempo", "smart_working": "lavoro_agile",
    "leisure_wellbeing": "tempo_libero", "inclusion": "pari_opportunita", "safety": "sicurezza_lavoro",
    "supplier_network": "reti_fornitori", "community": "welfare_comunita",
}


def layer_field(column: str) -> str:
    """Italian snake_case field name of a layer column (:data:`LAYER_FIELDS`, :data:`NEED_FIELDS`, :func:`slug`).

    >>> layer_field("residents"), layer_field("age_0_2"), layer_field("need_housing_pct"), layer_field("Asilo nido")
    ('residenti', 'eta_0_2', 'bisogno_casa_pct', 'asilo_nido')
    """
    if column in LAYER_FIELDS:
        return LAYER_FIELDS[column]
    need = re.fullmatch(r"need_(.+?)(_pct)?", column)
    if need:
        return f"bisogno_{NEED_FIELDS.get(need.group(1), need.group(1))}{need.group(2) or ''}"
    return slug(column) or column


def italian_layer(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` with Italian field names (:func:`layer_field`) and codes as zero-padded text; geometry kept.

    ``municipality_code`` is dropped when ``istat_code`` carries the same code (both become ``codice_comune``).
    """
    geometry = gdf.geometry.name
    if "istat_code" in gdf.columns and "municipality_code" in gdf.columns:
        gdf = gdf.drop(columns="municipality_code")
    out = gdf.copy()
    for column in out.columns:
        if column != geometry and is_code_column(str(column), layer_field(str(column))):
            out[column] = code_text(out[column], code_digits(str(column), layer_field(str(column))))
    names = {c: layer_field(str(c)) for c in out.columns if c != geometry}
    clashes = {n for n in names.values() if list(names.values()).count(n) > 1}
    if clashes:
        raise ValueError(f"two columns of a layer have the same Italian field name: {sorted(clashes)}")
    return out.rename(columns=names)


def write_layers(layers: dict[str, gpd.GeoDataFrame], target: str | os.PathLike[str]) -> Path:
    """Write ``layers.gpkg``: one layer per non-empty GeoDataFrame (EPSG kept), fields as :func:`italian_layer`."""
    present = {name: italian_layer(gdf) for name, gdf in layers.items() if gdf is not None and len(gdf)}
    return write_geopackage(present, Path(target))


def write_bundle(output_dir: str | os.PathLike[str], sheets: dict[str, pd.DataFrame],
                 layers: dict[str, gpd.GeoDataFrame],
                 definitions: tuple[tuple[str, str, str], ...] = (),
                 descriptions: Mapping[str | tuple[str, str], str] | None = None,
                 year: int | None = None,
                 row_formats: Mapping[str, Sequence[str | None]] | None = None,
                 k: int | None = None, file_names: Mapping[str, str] | None = None) -> list[Path]:
    """Write ``findings.xlsx``, ``layers.gpkg`` and ``opendata/`` into ``output_dir``; return the paths.

    ``definitions`` (term, definition, source) are added to :data:`BASE_DEFINITIONS` in the
    workbook's "Definizioni e fonti" sheet and describe the same headers in the data dictionary;
    ``descriptions`` describe further headers in the dictionary only (see :func:`write_opendata`).
    ``year``, the year of the ISTAT population, replaces "dell'anno indicato" in both
    (:func:`with_year`). ``row_formats``: see :func:`write_findings_xlsx`. ``k``: the run's disclosure
    threshold (the definitions of its suppressed cells). ``file_names``: see :func:`write_opendata`.
    """
    out = Path(output_dir)
    data_label = label_for(out)
    definitions = tuple(definitions) + disclosure_definitions(k)
    written = [write_findings_xlsx(sheets, out / "findings.xlsx",
                                   definitions_table(list(definitions[:-2]), year, k, data_label), row_formats),
               write_layers(layers, out / "layers.gpkg")]
    known: dict[str | tuple[str, str], str] = {term: with_year(text, year) for term, text, _
                                               in tuple(definitions) + disclosure_definitions(k)}
    known |= dict(descriptions or {})
    return written + write_opendata(sheets, out / "opendata", known, year, file_names)


def publish_figure(fig: Figure, name: str, output_dir: str | os.PathLike[str] | None) -> list[Path]:
    """Show ``fig`` and, with ``output_dir``, save ``figures/<name>.png`` (300 dpi) and ``.svg``
    (:func:`~wecare_analysis.report.exports.show_figure`), and a 1920×1080 slide copy of the PNG in
    ``kit/diapositive/`` (:func:`~wecare_analysis.report.kit.slide_copy`)."""

    written = show_figure(fig, name, output_dir)
    pngs = [p for p in written if p.suffix == ".png"]
    return written + [slide_copy(png, output_dir) for png in pngs]


def slug(header: str) -> str:
    """snake_case ASCII name of an Italian header: ``'IC 95% inferiore (%)'`` → ``'ic_95pct_inferiore_pct'``.

    >>> slug("Densità (ab./km²)"), slug("Stima (%)")
    ('densita_ab_km2', 'stima_pct')
    """
    text = unicodedata.normalize("NFKD", str(header).replace("%", "pct")).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


#: Significant digits of the non-integer numbers of the open-data CSV (:func:`csv_number`).
CSV_SIGNIFICANT_DIGITS = 6
#: Suppressed cells of the published tables (``'< 5'``, ``'n.p.'``): a column of numbers and these is numeric.
_SUPPRESSED = re.compile(r"<\s*\d+|n\.p\.")


def csv_number(value: float, digits: int = CSV_SIGNIFICANT_DIGITS) -> str:
    """A number as the open-data CSV writes it: whole numbers without decimals, others rounded.

    Non-integer values keep ``digits`` significant digits (6), but never fewer than their integer
    part (no rounding of the units, no exponent); trailing zeros are dropped.

    >>> csv_number(247.0), csv_number(193.93649553421076), csv_number(0.1274669386307864), csv_number(12345.678)
    ('247', '193.936', '0.127467', '12345.7')
    """
    if not math.isfinite(value):
        return ""
    if float(value).is_integer():
        return str(int(value))
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def csv_column(values: pd.Series, name: str, header: str) -> pd.Series:
    """One column of an open-data CSV as text: codes zero-padded (:func:`code_text`), numbers as
    :func:`csv_number`, other values as they are, missing values empty."""
    if is_code_column(header, name):
        return code_text(values, code_digits(header, name))

    def one(value: object) -> object:
        if value is None or value is pd.NA or isinstance(value, bool):
            return value
        if isinstance(value, (int, np.integer)):
            return str(int(value))
        if isinstance(value, (float, np.floating)):
            return None if math.isnan(value) else csv_number(float(value))
        return value

    return pd.Series([one(v) for v in values], index=values.index, dtype=object)


def column_type(values: pd.Series, name: str, header: str) -> str:
    """Type of a column in the data dictionary: ``"testo"`` for codes and text, ``"numero"`` when every
    non-empty cell is a number or a suppressed cell (``'< 5'``, ``'n.p.'``) and one at least is a number."""
    if is_code_column(header, name):
        return "testo"
    present = values.dropna()
    numbers = pd.to_numeric(present, errors="coerce")
    others = present[numbers.isna()].astype(str).str.strip()
    return "numero" if numbers.notna().any() and others.str.fullmatch(_SUPPRESSED).all() else "testo"


def write_opendata(tables: dict[str, pd.DataFrame], folder: str | os.PathLike[str],
                   descriptions: Mapping[str | tuple[str, str], str] | None = None,
                   year: int | None = None, file_names: Mapping[str, str] | None = None) -> list[Path]:
    """Write one CSV per table and ``dizionario_dati.csv`` into ``folder``; return the paths.

    A table's file is ``file_names[name]`` when given, else ``<slug(name)>.csv``.

    Headers become :func:`slug` names; values are written by :func:`csv_column` (codes as zero-padded
    text, whole numbers without decimals, other numbers to 6 significant digits). The dictionary lists,
    for each file and column, the Italian header, its description and its type (:func:`column_type`).
    Text cells a spreadsheet would run as formulas get a leading ``'`` (:func:`~wecare_analysis.safe_text.neutralised`,
    explained by the dictionary's last row, :data:`FORMULA_NOTE`). The description of a header is, in order: ``descriptions[(table, header)]``, ``descriptions[header]``,
    the definitions of :data:`BASE_DEFINITIONS` and :data:`COLUMN_DESCRIPTIONS`, then the longest of those
    terms that starts the header as whole words (``'IC 95% inferiore (%)'`` → "IC 95%"), else the header.
    ``year`` replaces "dell'anno indicato" in the definitions (:func:`with_year`). When a data label is
    registered for ``folder`` (:func:`~wecare_analysis.report.labels.label_for`), every file ends with the
    column :data:`~wecare_analysis.report.labels.LABEL_COLUMN` (``fonte_dati``: the label's footer on every
    row), described in the dictionary.
    """
    out = Path(folder)
    data_label = label_for(out)
    given = dict(descriptions or {})
    known = ({term: with_year(text, year) for term, text, _ in BASE_DEFINITIONS + disclosure_definitions()}
             | COLUMN_DESCRIPTIONS
             | {k: v for k, v in given.items() if isinstance(k, str)})
    written, dictionary = [], []
    for name, df in tables.items():
        file = (file_names or {}).get(name) or f"{slug(name)}.csv"
        source = df.drop(columns="geometry", errors="ignore")
        columns = {c: slug(c) for c in source.columns}
        frame = pd.DataFrame({columns[c]: csv_column(source[c], str(c), columns[c]) for c in source.columns},
                             index=source.index)
        if data_label is not None:  # the label on every row: it stays with any row copied elsewhere
            frame[LABEL_COLUMN] = data_label.footer
        with atomic_path(out / file) as tmp:
            neutralised(frame).to_csv(tmp, index=False, encoding="utf-8")
        written.append(out / file)
        for original, column in columns.items():
            header = str(original)
            text = given.get((name, header)) or known.get(header) or _described(header, known)
            dictionary.append({"file": file, "colonna": column, "intestazione": header, "descrizione": text,
                               "tipo": column_type(source[original], column, header)})
        if data_label is not None:
            dictionary.append({"file": file, "colonna": LABEL_COLUMN, "intestazione": "Fonte dei dati",
                               "descrizione": f"Provenienza dei dati della riga: {data_label.footer}",
                               "tipo": "testo"})
    dictionary.append({"file": "(tutti)", "colonna": "(testi)", "intestazione": FORMULA_NOTE[0],
                       "descrizione": FORMULA_NOTE[1], "tipo": "testo"})
    with atomic_path(out / "dizionario_dati.csv") as tmp:
        neutralised(pd.DataFrame(dictionary)).to_csv(tmp, index=False, encoding="utf-8")
    written.append(out / "dizionario_dati.csv")
    return written


def _described(header: str, known: Mapping[str, str]) -> str:
    """Description of a header that starts with a known term, as whole words (``'IC 95% inferiore (%)'`` →
    IC 95%); the longest such term wins. Else the header itself."""
    starts = [t for t in known if header.startswith(t) and header[len(t):len(t) + 1] in (" ", "(", ",")]
    return known[max(starts, key=len)] if starts else header


def offer_tables(offer: so.ServiceOfferContext) -> dict[str, pd.DataFrame]:
    """Published service-offer tables of a :class:`~wecare_analysis.report.service_offer.ServiceOfferContext`."""

    return {"Offerta di servizi": so.published(so.access_summary(offer), so.AREA_LABELS),
            "Divari maggiori": so.published(so.largest_gaps(offer, 50))}


def offer_layers(offer: so.ServiceOfferContext) -> dict[str, gpd.GeoDataFrame]:
    """Municipality accessibility and gap layer (long: municipality × category) and the service points."""

    local = offer.services[offer.services["municipality_code"].isin(offer.province["municipality_code"])]
    cols = [c for c in ("municipality_code", "category", "category_label", "population", "services",
                        "access_per_1000", "nearest_km", "access_ratio", "gap_index", "shortfall", "cluster")
            if c in offer.gaps.columns]
    access = offer.province[["municipality_code", "name", "geometry"]].merge(offer.province_gaps()[cols],
                                                                            on="municipality_code")
    points = gaps.service_points(local, offer.province)
    return {"accessibilita_divari": gpd.GeoDataFrame(access, geometry="geometry", crs=offer.province.crs),
            "punti_servizio": points[[c for c in ("service_id", "category", "name", "capacity", "municipality_code",
                                                  "geometry") if c in points.columns]]}


def province_bundle(output_dir: str | os.PathLike[str] | None, territory_ctx: tp.ProvinceContext,
                    needs: pd.DataFrame | None, profile: pd.DataFrame | None, offer: so.ServiceOfferContext | None = None,
                    transfer: dict[str, Assessment] | None = None, small_area: pd.DataFrame | None = None,
                    extra_sheets: dict[str, pd.DataFrame] | None = None,
                    extra_layers: dict[str, gpd.GeoDataFrame] | None = None, k: int | None = None,
                    activities=None) -> list[Path]:
    """Write a province's ``findings.xlsx``, ``layers.gpkg``, ``territory.gpkg`` and ``opendata/``.

    Nothing is written if ``output_dir`` is None. The "Comuni" sheet carries the municipality code once,
    as the 6-digit ``Codice ISTAT`` text (``municipality_code`` holds the same code as an integer and is
    left out); "Territorio" is formatted row by row (:func:`indicator_row_formats`); the population year
    of ``territory_ctx`` dates the residents' definitions (:func:`with_year`).

    Parameters
    ----------
    territory_ctx
        :class:`~wecare_analysis.report.territory_profile.ProvinceContext`.
    needs
        Published needs table (:func:`~wecare_analysis.report.document.needs_table`), or None when the
        survey has no respondent in the region (no needs sheet).
    profile
        Published respondent profile (:func:`~wecare_analysis.report.document.profile_table`) or None.
    offer
        Service-offer context or None (theme not available).
    small_area
        Long MRP table per municipality (``municipality_code, variable, prevalence``) or None.
    transfer
        The transferability assessments to publish (sigla -> ``Assessment``: the province's own) or None.
    activities
        The exports of the section "Attività del programma"
        (:func:`~wecare_analysis.report.programme_activities.section_export`) or None.
    """

    if output_dir is None:
        return []
    out = Path(output_dir)
    region_header = territory_ctx.region_name
    if region_header == territory_ctx.province_name:  # one-province region (Valle d'Aosta): distinct headers
        region_header += " (regione)"
    comparison = tp.comparison_table(territory_ctx)
    territory = comparison.assign(indicator=lambda d: d["indicator"].map(label)).rename(
        columns={"indicator": "Indicatore", "province": territory_ctx.province_name, "region": region_header})
    province = territory_ctx.province.drop(columns="geometry")
    if "istat_code" in province.columns:  # the same code twice: keep the 6-digit text one
        province = province.drop(columns="municipality_code", errors="ignore")
    municipalities = province.rename(columns=label)
    sheets = {"Territorio": territory, "Comuni": municipalities}
    place = f"{territory_ctx.province_name} ({territory_ctx.sigla})"
    descriptions: dict[str | tuple[str, str], str] = {
        ("Territorio", territory_ctx.province_name): f"Valore dell'indicatore per la provincia di {place}.",
        ("Territorio", region_header): f"Valore dell'indicatore per la regione {territory_ctx.region_name}.",
    }
    if needs is not None:  # None: the survey has no respondent in the region
        sheets[NEEDS_SHEET] = needs
    if profile is not None:
        sheets["Rispondenti"] = profile
        for column in profile.columns.drop(["Variabile", "Categoria"], errors="ignore"):
            area = f"della provincia di {place}" if column == territory_ctx.sigla else f"della regione {column}"
            descriptions[("Rispondenti", str(column))] = (
                f"Rispondenti dell'indagine Wecare {area} nella categoria (conteggio non ponderato; "
                f"«{suppression_label(k)}» e «{COMPLEMENTARY_LABEL}»: celle non pubblicate).")
    layers = {"comuni_indicatori": territory_ctx.province}
    if small_area is not None:
        layers["bisogni_piccole_aree"] = small_area_layer(territory_ctx.province, small_area)
    definitions: tuple[tuple[str, str, str], ...] = ()
    if offer is not None:

        sheets |= offer_tables(offer)
        layers |= offer_layers(offer)
        definitions = OFFER_DEFINITIONS
    if transfer is not None:

        assessments = transfer
        sheets["Pratiche trasferibili"] = pd.concat([tr.ranking_table_export(a) for a in assessments.values()],
                                                    ignore_index=True)
        layers["trasferibilita"] = transferability_layer(territory_ctx.boundary,
                                                         assessments)
    files: dict[str, str] = {}
    if activities is not None:
        sheets |= activities.sheets
        definitions = tuple(definitions) + activities.definitions
        descriptions |= activities.descriptions
        files = activities.file_names
    sheets |= extra_sheets or {}
    layers |= extra_layers or {}
    row_formats = {"Territorio": indicator_row_formats(list(comparison["indicator"]))}
    return (write_bundle(out, sheets, layers, definitions, descriptions, territory_ctx.year, row_formats, k, files)
            + [tp.write_territory_gpkg(territory_ctx, out)])


def transferability_layer(layer: gpd.GeoDataFrame, assessments: dict) -> gpd.GeoDataFrame:
    """Province polygons (``province_sigla`` column) with one TOPSIS score column per practice."""
    scores = pd.concat([a.ranking.assign(province_sigla=sigla) for sigla, a in assessments.items()])
    wide = scores.pivot(index="province_sigla", columns="practice_id", values="topsis").reset_index()
    return layer[["province_sigla", "geometry"]].merge(wide, on="province_sigla")


def small_area_layer(municipalities: gpd.GeoDataFrame, small_area: pd.DataFrame) -> gpd.GeoDataFrame:
    """Municipality polygons with the small-area (MRP) prevalence of each need, in percent (one column per need).

    ``small_area``: long table ``municipality_code, variable, prevalence`` (shares 0-1); respondent
    counts are not carried into the layer.
    """
    wide = (100 * small_area.pivot(index="municipality_code", columns="variable", values="prevalence")).round(1)
    wide.columns = [f"{c}_pct" for c in wide.columns]
    base = municipalities[["municipality_code", "name", "geometry"]]
    return base.merge(wide.reset_index(), on="municipality_code", how="inner")
