"""Transferability report: heat map, ranking with uncertainty, rank stability, Italian paragraphs.

Every figure and sentence is built from the tables of
:class:`wecare_analysis.practices.assess.Assessment`, so the numbers a reader sees in
the text are those of the tables (rounded the Italian way).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from wecare_analysis.formatting import format_it, format_percent_it
from wecare_analysis.practices.ahp import AHPResult
from wecare_analysis.practices.assess import Assessment, TransferabilityInputs
from wecare_analysis.practices.catalogue import Catalogue
from wecare_analysis.practices.criteria import CATEGORIES, CRITERIA, OK, UNAVAILABLE, figure_text, score_text
from wecare_analysis.practices.optional_inputs import OptionalInput
from wecare_analysis.report.document import display_table
from wecare_analysis.report.exports import write_workbook
from wecare_analysis.safe_text import markdown_text

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

WEAK_SCORE = 0.5
#: Bars of the ranking chart at least this long carry their label inside (white), shorter ones beside them.
LABEL_INSIDE_FROM = 0.6
#: Italian names of the criteria statuses shown to readers (the others are already Italian).
STATUS_LABELS = {OK: "calcolato"}
#: Ticks of a 0–1 axis.
UNIT_TICKS = np.linspace(0, 1, 6)


def tick_text(value: float, decimals: int = 2) -> str:
    """Italian tick label, without trailing zeros: 0 → '0', 0.2 → '0,2', 1 → '1', 1234.5 → '1.234,5'.

    Examples
    --------
    >>> [tick_text(v) for v in (0.0, 0.2, 0.25, 1.0, -0.0, 1234.5)]
    ['0', '0,2', '0,25', '1', '0', '1.234,5']
    """
    text = format_it(round(float(value), decimals) + 0.0, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


#: Matplotlib formatter of Italian tick labels (:func:`tick_text`).
ITALIAN_TICKS = FuncFormatter(lambda v, _pos: tick_text(v))
#: Matplotlib formatter of a 0–1 share as an Italian percentage: 0.2 → '20%'.
ITALIAN_PERCENT_TICKS = FuncFormatter(lambda v, _pos: f"{tick_text(100 * v, 1)}%")


def lower_first(text: str) -> str:
    """``text`` with its first letter lowercased, to follow a colon; kept when the first word is an acronym.

    Examples
    --------
    >>> lower_first("Collaborazione con ASL e Comuni"), lower_first("ASL locale"), lower_first("È attivo")
    ('collaborazione con ASL e Comuni', 'ASL locale', 'è attivo')
    """
    words = text.split(maxsplit=1)
    if words and len(words[0]) > 1 and words[0].isupper():
        return text
    return text[:1].lower() + text[1:]


def _names(assessment: Assessment) -> list[str]:
    return assessment.ranking["practice_name"].tolist()


def heatmap_figure(assessment: Assessment) -> Figure:
    """Practice × criterion scores of the province (practices in ranking order); 'n.d.' where unavailable."""
    crit = assessment.province_criteria
    order = assessment.ranking["practice_id"].tolist()
    columns = list(CRITERIA)
    scores = crit.pivot(index="practice_id", columns="criterion", values="score").reindex(index=order,
                                                                                        columns=columns)
    status = crit.pivot(index="practice_id", columns="criterion", values="status").reindex(index=order,
                                                                                         columns=columns)
    fig, ax = plt.subplots(figsize=(1.05 * len(columns) + 3.5, 0.55 * len(order) + 1.8))
    data = np.ma.masked_invalid(scores.to_numpy(dtype=float))
    image = ax.imshow(data, cmap="YlGn", vmin=0, vmax=1, aspect="auto")
    for i in range(len(order)):
        for j in range(len(columns)):
            text = "n.d." if status.iat[i, j] == UNAVAILABLE else score_text(scores.iat[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if (not np.ma.is_masked(data[i, j]) and data[i, j] > 0.7) else "black")
    ax.set_xticks(range(len(columns)), [f"{CRITERIA[c].label}\n({CATEGORIES[CRITERIA[c].category]})"
                                        for c in columns], rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(order)), _names(assessment), fontsize=9)
    ax.set_title(f"Punteggi dei criteri di trasferibilità, provincia {assessment.province} (0 = sfavorevole, "
                 f"1 = favorevole)", fontsize=10)
    bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="Punteggio", ticks=UNIT_TICKS)
    bar.ax.yaxis.set_major_formatter(ITALIAN_TICKS)
    fig.tight_layout()
    return fig


def ranking_figure(assessment: Assessment) -> Figure:
    """TOPSIS closeness per practice and, beside it, the rank range (5°–95° percentile) under perturbed weights.

    The closeness axis spans exactly 0–1 with Italian ticks; each bar's label (score and probabilities of
    the first place and of the first three) sits inside the bar when the bar is long enough
    (:data:`LABEL_INSIDE_FROM`), else just after it.
    """
    r = assessment.ranking.iloc[::-1]
    y = np.arange(len(r))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.5 * len(r) + 1.8), sharey=True,
                                      gridspec_kw={"width_ratios": [3, 2]})
    left.barh(y, r["topsis"], color="#4c8c4a")
    for yi, (c, p1, p3) in enumerate(zip(r["topsis"], r["p_rank1"], r["p_top3"])):
        text = f"{score_text(c)}  (1ª: {format_percent_it(p1, 0)}, prime 3: {format_percent_it(p3, 0)})"
        if c >= LABEL_INSIDE_FROM:
            left.text(c - 0.01, yi, text, va="center", ha="right", fontsize=8, color="white")
        else:
            left.text(max(c, 0) + 0.01, yi, text, va="center", ha="left", fontsize=8)
    left.set_xlim(0, 1)
    left.set_xticks(UNIT_TICKS)
    left.xaxis.set_major_formatter(ITALIAN_TICKS)
    left.set_yticks(y, r["practice_name"], fontsize=9)
    left.set_xlabel("Vicinanza alla soluzione ideale (TOPSIS)")
    right.errorbar(r["rank_median"], y, xerr=[r["rank_median"] - r["rank_low"], r["rank_high"] - r["rank_median"]],
                   fmt="o", color="#2b5d8a", capsize=3)
    right.set_xlim(len(r) + 0.5, 0.5)
    right.set_xticks(range(1, len(r) + 1))
    right.set_xlabel("Posizione (mediana e intervallo 5-95%)")
    fig.suptitle(f"Graduatoria delle pratiche e sua incertezza, provincia {assessment.province}", fontsize=11)
    fig.tight_layout()
    return fig


def rank_stability_figure(assessment: Assessment) -> Figure:
    """Probability of each rank for each practice under Dirichlet-perturbed weights."""
    dist = assessment.rank_distribution
    fig, ax = plt.subplots(figsize=(0.7 * dist.shape[1] + 4, 0.5 * dist.shape[0] + 1.6))
    image = ax.imshow(dist.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(dist.shape[0]):
        for j in range(dist.shape[1]):
            v = dist.iat[i, j]
            if v >= 0.005:
                ax.text(j, i, format_percent_it(v, 0), ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 else "black")
    ax.set_xticks(range(dist.shape[1]), [f"{k}ª" for k in dist.columns])
    ax.set_yticks(range(dist.shape[0]), _names(assessment), fontsize=9)
    ax.set_xlabel("Posizione in graduatoria")
    ax.set_title("Stabilità della graduatoria: probabilità di ogni posizione al variare dei pesi", fontsize=10)
    bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="Probabilità", ticks=UNIT_TICKS)
    bar.ax.yaxis.set_major_formatter(ITALIAN_PERCENT_TICKS)
    fig.tight_layout()
    return fig


def ranking_table_it(assessment: Assessment) -> pd.DataFrame:
    """The ranking with Italian headers and Italian number formats (strings), for display.

    Published tables (workbooks, open data) use :func:`ranking_table_export`, whose columns are numbers.
    """
    r = assessment.ranking
    return pd.DataFrame({
        "Posizione": r["rank_topsis"].astype(int), "Pratica": r["practice_name"],
        "TOPSIS": r["topsis"].map(score_text), "Somma pesata": r["weighted_sum"].map(score_text),
        "Posizione (somma pesata)": r["rank_weighted_sum"].astype(int),
        "Prob. 1ª posizione": r["p_rank1"].map(lambda v: format_percent_it(v, 1)),
        "Prob. prime 3": r["p_top3"].map(lambda v: format_percent_it(v, 1)),
        "Posizione 5-95%": [f"{int(lo)}-{int(hi)}" for lo, hi in zip(r["rank_low"], r["rank_high"])]})


def ranking_table_export(assessment: Assessment) -> pd.DataFrame:
    """The ranking as published (workbooks, open data): Italian headers, numeric columns.

    Scores are the unrounded 0–1 values of ``assessment.ranking``; probabilities are percentages
    (0–100, header ending in "(%)"); positions are integers.
    """
    r = assessment.ranking
    return pd.DataFrame({
        "Provincia": assessment.province, "Posizione": r["rank_topsis"].astype(int),
        "Pratica": r["practice_name"], "TOPSIS": r["topsis"].astype(float),
        "Somma pesata": r["weighted_sum"].astype(float),
        "Posizione (somma pesata)": r["rank_weighted_sum"].astype(int),
        "Prob. 1ª posizione (%)": 100 * r["p_rank1"].astype(float),
        "Prob. prime 3 (%)": 100 * r["p_top3"].astype(float),
        "Posizione, 5° percentile": r["rank_low"].astype(int),
        "Posizione, 95° percentile": r["rank_high"].astype(int)}).reset_index(drop=True)


def status_label(status: str) -> str:
    """Italian name of a criterion status for readers: 'ok' → 'calcolato' (the others are Italian already)."""
    return STATUS_LABELS.get(status, status)


def criteria_table_it(assessment: Assessment) -> pd.DataFrame:
    """The province's criteria with Italian headers: status, value, reference, score formatted, and the sentence."""
    c = assessment.province_criteria
    unit = c["criterion"].map(lambda k: CRITERIA[k].unit)
    ref_unit = c["criterion"].map(lambda k: CRITERIA[k].reference_unit)
    return pd.DataFrame({
        "Pratica": c["practice_name"], "Criterio": c["criterion"].map(lambda k: CRITERIA[k].label),
        "Categoria": c["category"].map(CATEGORIES), "Stato": c["status"].map(status_label),
        "Valore": [figure_text(v, u) for v, u in zip(c["value"], unit)],
        "Riferimento": [figure_text(v, u) for v, u in zip(c["reference"], ref_unit)],
        "Punteggio": c["score"].map(score_text), "Spiegazione": c["sentence"]})


def weights_table_it(assessment: Assessment) -> pd.DataFrame:
    """Weights chosen and used (after renormalisation), in Italian."""
    w = assessment.weights
    return pd.DataFrame({"Criterio": w["criterion"].map(lambda k: CRITERIA[k].label),
                         "Categoria": w["category"].map(CATEGORIES),
                         "Peso scelto": w["weight_chosen"].map(lambda v: format_it(v, 3)),
                         "Peso usato": w["weight"].map(lambda v: format_it(v, 3)),
                         "Stato": w["status"], "Origine": w["source"]})


def weights_table_export(assessment: Assessment) -> pd.DataFrame:
    """Weights chosen and used as published: Italian headers, weights as numbers (0–1)."""
    w = assessment.weights
    return pd.DataFrame({"Criterio": w["criterion"].map(lambda k: CRITERIA[k].label),
                         "Categoria": w["category"].map(CATEGORIES),
                         "Peso scelto": w["weight_chosen"].astype(float), "Peso usato": w["weight"].astype(float),
                         "Stato": w["status"], "Origine": w["source"]}).reset_index(drop=True)


def _preconditions_text(practice, rows: pd.DataFrame) -> str:
    weak, unknown = [], []
    for pre in practice.preconditions:
        if pre.criterion is None:
            continue
        row = rows[rows["criterion"] == pre.criterion]
        if row.empty or row["status"].iat[0] == UNAVAILABLE:
            unknown.append(lower_first(pre.text))
        elif row["status"].iat[0] == OK and row["score"].iat[0] < WEAK_SCORE:
            weak.append(f"{lower_first(pre.text)} («{CRITERIA[pre.criterion].label}» "
                        f"{score_text(row['score'].iat[0])})")
    local = [lower_first(pre.text) for pre in practice.preconditions if pre.criterion is None]
    parts = [f"Precondizioni carenti: {'; '.join(weak)}." if weak else
             "Nessuna delle precondizioni misurabili risulta carente."]
    if unknown:
        parts.append(f"Non verificabili senza dati: {'; '.join(unknown)}.")
    if local:
        parts.append(f"Da verificare sul territorio: {'; '.join(local)}.")
    return " ".join(parts)


def practice_paragraph(assessment: Assessment, catalogue: Catalogue, practice_id: str) -> str:
    """Italian paragraph for one practice: why it fits, which precondition is missing, which actors are needed."""
    practice = catalogue[practice_id]
    rank = assessment.ranking.set_index("practice_id").loc[practice_id]
    rows = assessment.province_criteria
    rows = rows[rows["practice_id"] == practice_id]
    ok = rows[rows["status"] == OK].sort_values("score", ascending=False, kind="stable")
    best = [f"«{CRITERIA[c].label}» {score_text(s)}" for c, s in zip(ok["criterion"][:2], ok["score"][:2])]
    why = (f"Perché può funzionare qui: i punteggi più alti sono {' e '.join(best)}." if best else
           "Nessun criterio calcolato con dati: il giudizio resta da costruire sul territorio.")
    actors = ", ".join(catalogue.actors[a] for a in practice.actors)
    return (f"{int(rank['rank_topsis'])}ª posizione: {practice.name} (TOPSIS {score_text(rank['topsis'])}; "
            f"al variare dei pesi è prima con probabilità {format_percent_it(rank['p_rank1'], 1)} e tra le prime "
            f"tre con probabilità {format_percent_it(rank['p_top3'], 1)}). {why} {_preconditions_text(practice, rows)} "
            f"Attori locali da coinvolgere: {actors}.")


def top_paragraphs(assessment: Assessment, catalogue: Catalogue, top: int = 3) -> dict[str, str]:
    """Paragraphs of the ``top`` practices of the ranking, keyed by practice id, in ranking order."""
    ids = assessment.ranking["practice_id"].head(top).tolist()
    return {pid: practice_paragraph(assessment, catalogue, pid) for pid in ids}


def catalogue_table_it(catalogue: Catalogue) -> pd.DataFrame:
    """The catalogue as an Italian table: one row per practice."""
    return pd.DataFrame({
        "Pratica": [p.name for p in catalogue.practices],
        "Promotore": [p.promoter for p in catalogue.practices],
        "Luogo": [p.place for p in catalogue.practices],
        "Forma": [catalogue.welfare_forms[p.welfare_form].split(" (")[0] for p in catalogue.practices],
        "Modello": [catalogue.delivery_models[p.delivery_model]["label"] for p in catalogue.practices],
        "Attori": ["; ".join(catalogue.actors[a] for a in p.actors) for p in catalogue.practices]})


#: Italian names of the optional inputs of the criteria.
OPTIONAL_INPUT_NAMES = {"mef_irpef": "Redditi IRPEF (MEF)", "terzo_settore": "Registro del terzo settore (5×1000)"}


def inputs_table_it(optional_inputs: Sequence[OptionalInput]) -> pd.DataFrame:
    """What each optional input gave: status, rows read / kept / quarantined / outside the region, messages."""
    return pd.DataFrame([{"Dato": OPTIONAL_INPUT_NAMES.get(o.name, o.name), "Stato": o.status,
                          "Righe lette": format_it(o.rows_read), "Usate": format_it(o.rows_kept),
                          "In quarantena": format_it(o.rows_quarantined),
                          "Fuori regione": format_it(o.rows_outside), "Note": " ".join(o.messages)}
                         for o in optional_inputs])


def inputs_table_export(optional_inputs: Sequence[OptionalInput]) -> pd.DataFrame:
    """:func:`inputs_table_it` as published: the row counts as integers."""
    return pd.DataFrame([{"Dato": OPTIONAL_INPUT_NAMES.get(o.name, o.name), "Stato": o.status,
                          "Righe lette": int(o.rows_read), "Usate": int(o.rows_kept),
                          "In quarantena": int(o.rows_quarantined), "Fuori regione": int(o.rows_outside),
                          "Note": " ".join(o.messages)} for o in optional_inputs],
                        columns=["Dato", "Stato", "Righe lette", "Usate", "In quarantena", "Fuori regione", "Note"])


def styled_table(table: pd.DataFrame) -> Styler:
    """A table for notebooks: no index, Italian numbers, long text wrapped in full (never cut with "…").

    Built on :func:`wecare_analysis.report.document.display_table`; every cell is left-aligned and wraps.
    """

    return (display_table(table.reset_index(drop=True))
            .set_properties(**{"white-space": "normal", "text-align": "left", "vertical-align": "top"})
            .set_table_styles([{"selector": "th", "props": [("text-align", "left")]}]))


def catalogue_display(catalogue: Catalogue) -> Styler:
    """:func:`catalogue_table_it` for display (:func:`styled_table`)."""
    return styled_table(catalogue_table_it(catalogue))


def inputs_display(optional_inputs: Sequence[OptionalInput]) -> Styler:
    """:func:`inputs_table_it` for display (:func:`styled_table`)."""
    return styled_table(inputs_table_it(optional_inputs))


def weights_display(assessment: Assessment) -> Styler:
    """:func:`weights_table_it` for display (:func:`styled_table`)."""
    return styled_table(weights_table_it(assessment))


def ranking_display(assessment: Assessment) -> Styler:
    """:func:`ranking_table_it` for display (:func:`styled_table`)."""
    return styled_table(ranking_table_it(assessment))


def criteria_display(assessment: Assessment) -> Styler:
    """:func:`criteria_table_it` for display (:func:`styled_table`): statuses in Italian, sentences in full."""
    return styled_table(criteria_table_it(assessment))


#: Excel decimals of the numeric columns of the published tables (integers: none; others: 2).
EXPORT_DECIMALS = {"Prob. 1ª posizione (%)": 1, "Prob. prime 3 (%)": 1, "Peso scelto": 3, "Peso usato": 3}


def _excel_format(column: str, values: pd.Series) -> str | None:
    """Excel number format of a published column: thousands grouped, :data:`EXPORT_DECIMALS` decimals."""
    if pd.api.types.is_integer_dtype(values):
        return "#,##0"
    if pd.api.types.is_float_dtype(values):
        return "#,##0." + "0" * EXPORT_DECIMALS.get(column, 2)
    return None


def write_transferability_tables(assessment: Assessment, optional_inputs: Sequence[OptionalInput],
                                 output_dir: str | os.PathLike[str]) -> Path:
    """Write ``trasferibilita.xlsx`` (ranking, criteria, weights, inputs; Italian headers) into ``output_dir``.

    Ranking and weights are numeric (:func:`ranking_table_export`, :func:`weights_table_export`); the
    criteria keep value and reference as text with their units (units differ by criterion).
    """

    criteria = criteria_table_it(assessment).assign(Punteggio=assessment.province_criteria["score"].to_numpy())
    return write_workbook({"Graduatoria": ranking_table_export(assessment), "Criteri": criteria,
                           "Pesi": weights_table_export(assessment),
                           "Dati facoltativi": inputs_table_export(optional_inputs)},
                          Path(output_dir) / "trasferibilita.xlsx", _excel_format)


def input_notes(inputs: TransferabilityInputs, ahp: AHPResult | None) -> tuple[str, ...]:
    """Italian lines of "Metodi e fonti" on the user's files of the transferability criteria.

    One line per optional file given (what it gave: status and rows), and one on the criteria
    weights when they come from stakeholders' pairwise comparisons (AHP, with the consistency
    ratio). ``inputs`` and ``ahp``: the region analysis's (:class:`~wecare_analysis.analysis.RegionAnalysis`).
    """
    lines = []
    for o in inputs.optional:
        if o.path:
            lines.append(f"{OPTIONAL_INPUT_NAMES.get(o.name, o.name)}: file fornito «{markdown_text(Path(o.path).name)}», "
                         f"{o.status}; righe lette {format_it(o.rows_read)}, usate {format_it(o.rows_kept)}, "
                         f"in quarantena {format_it(o.rows_quarantined)}.")
    if ahp is not None:
        lines.append("Pesi dei criteri di trasferibilità: confronti a coppie (AHP) forniti, rapporto di consistenza "
                     f"{format_it(ahp.cr, 2)}" + (" (sopra 0,10: giudizi poco coerenti)." if ahp.inconsistent
                                                   else "."))
    return tuple(lines)
