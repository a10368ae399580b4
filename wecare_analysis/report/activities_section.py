"""The report section "Attività del programma": meetings, info desks, focus groups, free text, triangulation.

A standalone renderer: :func:`activities_section` takes the indicators of
:func:`wecare_analysis.activities.indicators.activity_indicators` (or
:func:`wecare_analysis.activities.source.activities_source`) and the survey's
need shares (:func:`wecare_analysis.activities.triangulation.survey_shares`), and
returns an :class:`ActivitiesSection`: the Italian Markdown text, the tables as
DataFrames with Italian headers (numbers as numbers, suppressed cells as ``'< 5'``
/ ``'n.p.'``) for display, for the sheets of ``findings.xlsx`` and for the CSV files
of ``opendata/`` (:data:`CSV_NAMES`).

``province=None`` gives the regional overview (every province, then the region);
a sigla gives that province next to the region. Desk and free-text counts are
suppressed on the whole province × area table before any column is chosen, so
every report publishes the same cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from wecare_analysis.activities.indicators import (
    OTHER_KEY,
    REGION_KEY,
    ActivitiesIndicators,
    published_counts,
)
from wecare_analysis.activities.schema import GENERAL_INFO, PARTICIPANT_TYPES
from wecare_analysis.activities.triangulation import agreement, agreement_sentence, triangulation_table
from wecare_analysis.disclosure import suppressed_counts
from wecare_analysis.report.formatting import format_it
from wecare_analysis.survey.codebook import load_codebook

TITLE = "## Attività del programma"
SYNTHETIC_NOTE = ("**Dati sintetici dimostrativi**: incontri, contatti degli sportelli e focus group sono simulati, "
                  "non descrivono attività reali.")
SHEETS = {"meetings": "Attività - incontri", "desk": "Attività - sportelli", "requests": "Attività - richieste",
          "focus": "Attività - focus group", "free_text": "Attività - testo libero",
          "triangulation": "Attività - triangolazione", "agreement": "Attività - accordo fonti"}
CSV_NAMES = {key: f"attivita_{key}.csv" for key in SHEETS}
MEETING_HEADERS = {"province_name": "Provincia", "meetings": "Incontri", "below_minimum": "Sotto il minimo",
                   "participants": "Partecipanti", **{c: f"Partecipanti: {lab}" for c, lab in PARTICIPANT_TYPES},
                   "cna_members": "Imprese associate CNA", "new_contacts": "Nuovi contatti"}
OTHER_LABEL = "Altre aree (conteggi sotto la soglia di riservatezza, riuniti)"
SOURCE_NAMES = {"survey": "Indagine", "desk": "Sportelli", "focus": "Focus group"}


@dataclass
class ActivitiesSection:
    """What the section publishes: ``markdown``, and ``tables`` keyed as :data:`SHEETS` (Italian headers)."""

    markdown: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def sheets(self) -> dict[str, pd.DataFrame]:
        """The tables under their ``findings.xlsx`` sheet names."""
        return {SHEETS[key]: table for key, table in self.tables.items()}

    @property
    def csv_tables(self) -> dict[str, pd.DataFrame]:
        """The tables under their ``opendata/`` file names."""
        return {CSV_NAMES[key]: table for key, table in self.tables.items()}


def area_labels() -> dict[str, str]:
    """Italian short label of each need area (and of ``general_info``)."""
    labels = {code: text.split(" (")[0] for code, text, _ in load_codebook().need_areas}
    return {**labels, GENERAL_INFO[0]: GENERAL_INFO[1], OTHER_KEY: OTHER_LABEL}


def place_names(ind: ActivitiesIndicators, region_name: str) -> dict[str, str]:
    """Header of each place (sigla or :data:`REGION_KEY`): the province's name, the region's name (with
    " (regione)" where a province has the same name, as in Valle d'Aosta)."""
    names = dict(ind.provinces)
    return {**names, REGION_KEY: region_name + (" (regione)" if region_name in names.values() else "")}


def _columns(ind: ActivitiesIndicators, province: str | None) -> list[str]:
    return [s for s, _ in ind.provinces] + [REGION_KEY] if province is None else [province, REGION_KEY]


def meetings_table(ind: ActivitiesIndicators, province: str | None, region_name: str) -> pd.DataFrame:
    """Meetings and attendance per province (Italian headers)."""
    rows = ind.meetings.set_index("province_sigla").loc[_columns(ind, province)].reset_index()
    rows["province_name"] = rows["province_sigla"].map(place_names(ind, region_name))
    rows["below_minimum"] = rows["below_minimum"].map({True: "sì", False: "no"})
    return rows[list(MEETING_HEADERS)].rename(columns=MEETING_HEADERS)


def desk_table(ind: ActivitiesIndicators, province: str | None, region_name: str) -> pd.DataFrame:
    """Desk contacts per province, suppressed under ``k``, with the rates per 1,000 where a denominator is given."""
    desk = ind.desk.set_index("province_sigla")
    shown = contacts_published(ind)
    out = pd.DataFrame({"Provincia": [place_names(ind, region_name)[s] for s in _columns(ind, province)],
                        "Contatti": shown.loc[_columns(ind, province)].to_numpy()})
    for what, header in (("firms", "Contatti ogni 1.000 imprese"), ("workers", "Contatti ogni 1.000 addetti")):
        if f"contacts_per_1000_{what}" in desk:
            rate = desk[f"contacts_per_1000_{what}"].round(2).astype(object)
            rate = rate.where(shown.map(lambda v: not isinstance(v, str)), "n.p.")
            out[header] = rate.loc[_columns(ind, province)].to_numpy()
    return out


def contacts_published(ind: ActivitiesIndicators) -> pd.Series:
    """Desk contacts per province and region as published: under ``k`` ``'< k'``, complements ``'n.p.'``."""

    return suppressed_counts(ind.desk.set_index("province_sigla")[["contacts"]], ind.k)["contacts"]


def _area_table(counts: pd.DataFrame, ind: ActivitiesIndicators, province: str | None,
                region_name: str) -> pd.DataFrame:
    shown = published_counts(counts, ind.k)[_columns(ind, province)]
    shown.columns = [place_names(ind, region_name)[c] for c in shown.columns]
    shown.insert(0, "Area di bisogno", shown.index.map(area_labels()))
    return shown.reset_index(drop=True)


def focus_table(ind: ActivitiesIndicators) -> pd.DataFrame:
    """Themes of the focus groups of the region, strongest first."""
    f = ind.focus.sort_values(["strength_total", "groups"], ascending=False, kind="stable")
    return pd.DataFrame({"Area di bisogno": f["area"].map(area_labels()).to_numpy(),
                         "Focus group in cui è emerso": f["groups"].to_numpy(),
                         "Forza totale (0-3 per gruppo)": f["strength_total"].to_numpy(),
                         "Forza media dove è emerso": f["strength_mean"].round(2).to_numpy()})


def triangulation_frames(ind: ActivitiesIndicators, survey: pd.Series | None, province: str | None
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The triangulation table and the agreement table (English columns) of ``province`` or the region."""
    areas = list(load_codebook().need_area_codes)
    place = REGION_KEY if province is None else province
    desk = published_counts(ind.requests, ind.k)[place]
    focus = ind.focus.set_index("area")["strength_total"]
    survey = survey if survey is not None else pd.Series(dtype=float)
    table = triangulation_table(areas, survey, desk, focus)
    return table, agreement(table)


def _triangulation_published(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Area di bisogno": table["area"].map(area_labels()).to_numpy(),
        "Indagine: quota con il bisogno (%)": (100 * table["survey_share"]).round(1).to_numpy(),
        "Indagine: rango": table["survey_rank"].to_numpy(),
        "Sportelli: richieste": table["desk_requests"].to_numpy(),
        "Sportelli: rango": table["desk_rank"].to_numpy(),
        "Focus group: forza totale": table["focus_score"].to_numpy(),
        "Focus group: rango": table["focus_rank"].to_numpy()})


def _agreement_published(agree: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Fonti": [f"{SOURCE_NAMES[a]} – {SOURCE_NAMES[b].lower()}" for a, b in zip(agree["first"], agree["second"])],
        "Aree confrontate": agree["areas"].to_numpy(),
        "Tau di Kendall": agree["kendall_tau"].round(2).to_numpy(),
        "Rho di Spearman": agree["spearman_rho"].round(2).to_numpy(),
        "Giudizio": [agreement_sentence(r) for _, r in agree.iterrows()]})


def activities_tables(ind: ActivitiesIndicators, survey: pd.Series | None, province: str | None = None,
                      region_name: str = "Piemonte") -> dict[str, pd.DataFrame]:
    """Every table of the section, keyed as :data:`SHEETS` (``free_text`` only when free text was coded)."""
    table, agree = triangulation_frames(ind, survey, province)
    tables = {"meetings": meetings_table(ind, province, region_name),
              "desk": desk_table(ind, province, region_name),
              "requests": _area_table(ind.requests, ind, province, region_name),
              "focus": focus_table(ind)}
    if ind.free_text is not None:
        tables["free_text"] = _area_table(ind.free_text, ind, province, region_name)
    tables["triangulation"] = _triangulation_published(table)
    tables["agreement"] = _agreement_published(agree)
    return tables


def activities_section(ind: ActivitiesIndicators, survey: pd.Series | None, province: str | None = None,
                       synthetic: bool = False, region_name: str = "Piemonte") -> ActivitiesSection:
    """The section of a province report (``province`` sigla) or of the regional overview (None).

    Parameters
    ----------
    ind
        Indicators of the activities (:func:`wecare_analysis.activities.source.activities_source`).
    survey
        Weighted share of respondents with each need area, indexed by area code, of the same territory
        (:func:`wecare_analysis.activities.triangulation.survey_shares`); None when there is no survey.
    synthetic
        The records are the demo ones: the text says "dati sintetici dimostrativi".
    """
    tables = activities_tables(ind, survey, province, region_name)
    table, agree = triangulation_frames(ind, survey, province)
    text = section_markdown(ind, table, agree, province, synthetic, region_name)
    return ActivitiesSection(markdown=text, tables=tables)


def number(value: object, decimals: int = 0) -> str:
    """A published cell as Italian text: numbers formatted, suppression labels as they are."""
    return value if isinstance(value, str) else format_it(value, decimals)


def _plural(n: int, one: str, many: str) -> str:
    return f"{format_it(n)} {one if n == 1 else many}"


def _meetings_text(ind: ActivitiesIndicators, province: str | None, region_name: str) -> str:
    m = ind.meetings.set_index("province_sigla")
    names = dict(ind.provinces)
    if province is not None:
        r, where = m.loc[province], f"Nella provincia di {names[province]}"
        if r["meetings"] == 0:
            return (f"**{where} non risulta alcun incontro di animazione territoriale**: il programma ne prevedeva "
                    "almeno uno in ogni provincia.")
    else:
        r, where = m.loc[REGION_KEY], f"In {region_name}"
    n = int(r["meetings"])
    verb = "si è tenuto" if n == 1 else "si sono tenuti"
    text = (f"{where} {verb} {_plural(n, 'incontro', 'incontri')} di animazione territoriale, con "
            f"{_plural(int(r['participants']), 'partecipante', 'partecipanti')}: "
            f"{_plural(int(r['participants_firms']), 'impresa', 'imprese')} "
            f"({format_it(r['cna_members'])} {'associata' if r['cna_members'] == 1 else 'associate'} CNA), "
            f"{_plural(int(r['participants_workers']), 'lavoratore', 'lavoratori')}, "
            f"{_plural(int(r['participants_public']), 'ente pubblico', 'enti pubblici')} e "
            f"{_plural(int(r['participants_third_sector']), 'soggetto', 'soggetti')} del terzo settore; "
            f"{_plural(int(r['new_contacts']), 'nuovo contatto', 'nuovi contatti')}.")
    if province is None:
        below = [names[s] for s in m.index[:-1] if m.loc[s, "below_minimum"]]
        text += (" Province sotto il minimo previsto dal programma (almeno un incontro in ogni provincia): "
                 + (", ".join(below) if below else "nessuna") + ".")
    return text


def _top_areas(column: pd.Series, n: int = 3, exclude: tuple[str, ...] = (GENERAL_INFO[0],)) -> str:
    published = column.drop([*exclude, OTHER_KEY], errors="ignore")
    published = published[published.map(lambda v: not isinstance(v, str) and v > 0)].astype(int)
    top = published.sort_values(ascending=False, kind="stable").head(n)
    return "; ".join(f"{area_labels()[a].lower()} ({format_it(v)})" for a, v in top.items())


def _desk_text(ind: ActivitiesIndicators, place: str) -> str:
    contacts = contacts_published(ind).loc[place]
    if contacts == 0:
        return "Nessun contatto registrato dagli sportelli Info Welfare."
    if isinstance(contacts, str):
        return (f"Gli sportelli Info Welfare hanno registrato {contacts} contatti: per riservatezza il numero "
                "esatto e le richieste non sono pubblicati.")
    desk = ind.desk.set_index("province_sigla").loc[place]
    rates = [f"{format_it(desk[f'contacts_per_1000_{w}'], 2)} ogni 1.000 {label}"
             for w, label in (("firms", "imprese"), ("workers", "addetti"))
             if f"contacts_per_1000_{w}" in desk and pd.notna(desk[f"contacts_per_1000_{w}"])]
    text = f"Gli sportelli Info Welfare hanno registrato {_plural(int(contacts), 'contatto', 'contatti')}"
    text += f" ({', '.join(rates)})." if rates else "."
    requests = published_counts(ind.requests, ind.k)[place]
    top = _top_areas(requests)
    if top:
        text += f" Le aree di bisogno più richieste: {top}."
    general = requests.get(GENERAL_INFO[0], 0)
    if not isinstance(general, str) and general > 0:
        text += f" {_plural(int(general), 'contatto ha', 'contatti hanno')} chiesto informazioni generali sul welfare."
    return text


def _focus_text(ind: ActivitiesIndicators, province: str | None) -> str:
    groups = ind.focus_groups.set_index("province_sigla")["focus_groups"]
    total = int(groups[REGION_KEY])
    if total == 0:
        return "Nessun focus group registrato."
    top = ind.focus.sort_values(["strength_total", "groups"], ascending=False, kind="stable").head(3)
    themes = "; ".join(f"{area_labels()[a].lower()} (forza totale {format_it(s)})"
                       for a, s in zip(top["area"], top["strength_total"]) if s > 0)
    where = ", ".join(f"{format_it(n)} nella provincia di {dict(ind.provinces)[s]}"
                      for s, n in groups.drop(REGION_KEY).items() if n > 0)
    verb = "si è tenuto" if total == 1 else "si sono tenuti"
    text = f"Nella regione {verb} {_plural(total, 'focus group', 'focus group')} ({where})"
    text += f"; i temi emersi con più forza: {themes}." if themes else "."
    if province is not None:
        here = int(groups[province])
        text += (" Nella provincia non si è tenuto alcun focus group" if here == 0 else
                 f" Nella provincia {'si è tenuto' if here == 1 else 'si sono tenuti'} "
                 f"{_plural(here, 'focus group', 'focus group')}")
        text += "; i temi riportati sono quelli di tutti i focus group della regione."
    return text


def _free_text_text(ind: ActivitiesIndicators, place: str) -> str:
    if ind.free_text is None:
        return ""
    top = _top_areas(published_counts(ind.free_text, ind.k)[place], exclude=())
    text = ("Le risposte libere dell'indagine («Altri bisogni o suggerimenti») e le note degli sportelli sono "
            "codificate per area di bisogno con un dizionario trasparente di parole e frasi in italiano, che tiene "
            "conto delle negazioni; nessun testo è citato.")
    return text + (f" Aree più citate: {top}." if top else " Nessuna area con un numero pubblicabile di risposte.")


def _triangulation_text(table: pd.DataFrame, agree: pd.DataFrame, province: str | None,
                        has_survey: bool) -> str:
    text = ("Per ogni area di bisogno la tabella di triangolazione mette a confronto il rango nell'indagine "
            "(quota stimata di chi ha il bisogno), nelle richieste agli sportelli e nella forza dei temi dei "
            "focus group (rango 1 = il valore più alto; a pari merito il rango medio).")
    if province is not None:
        text += " Sono confrontate le stime e le richieste della provincia con i focus group di tutta la regione."
    if not has_survey:
        text += " Le stime dell'indagine non sono disponibili: il confronto è tra sportelli e focus group."
    rows = agree if has_survey else agree[agree["first"] != "survey"]
    text += " " + " ".join(agreement_sentence(r) for _, r in rows.iterrows())
    ranks = [c for c in ("survey_rank", "desk_rank", "focus_rank") if has_survey or c != "survey_rank"]
    if any(table[c].nunique() < 2 for c in ranks):  # a source without data ranks every area alike
        return text
    common = table[(table[ranks] <= 5).all(axis=1)]["area"].map(area_labels()).str.lower().tolist()
    text += (f" Tra le prime cinque aree in tutte le fonti: {', '.join(common)}." if common
             else " Nessuna area è tra le prime cinque in tutte le fonti.")
    return text


def section_markdown(ind: ActivitiesIndicators, table: pd.DataFrame, agree: pd.DataFrame, province: str | None,
                     synthetic: bool, region_name: str = "Piemonte") -> str:
    """The Italian text of the section (the tables are published beside it)."""
    place = REGION_KEY if province is None else province
    has_survey = bool(table["survey_share"].notna().any())
    parts = [TITLE, ""]
    if synthetic:
        parts += [SYNTHETIC_NOTE, ""]
    parts += ["### Incontri di animazione territoriale", "", _meetings_text(ind, province, region_name), "",
              "### Sportelli Info Welfare", "", _desk_text(ind, place), "",
              "### Focus group", "", _focus_text(ind, province), ""]
    free = _free_text_text(ind, place)
    if free:
        parts += ["### Risposte libere e note", "", free, ""]
    parts += ["### Le fonti concordano?", "", _triangulation_text(table, agree, province, has_survey), ""]
    return "\n".join(parts)
