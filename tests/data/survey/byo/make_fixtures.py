"""Write the "bring your own questionnaire" fixtures of tests/data/survey/byo/ (run once; outputs committed).

Faithful recreations (no real respondents): the XLSForm of a welfare survey that is NOT the
workbench's ("Rete Welfare Biellese: bisogni di conciliazione"), its exports as KoboToolbox
(XLSX with labels, CSV with XML names and group prefixes), Google Forms and LimeSurvey write
them, with planted faulty rows; and the four exports of issue 14's "Why", built from the
synthetic demo survey of the workbench's own questionnaire (dati sintetici dimostrativi).

    .venv/bin/python tests/data/survey/byo/make_fixtures.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent

# --- the form ---------------------------------------------------------------------------------------------------
SURVEY = [  # type, name, label, wecare, required
    ("begin group", "azienda", "La tua azienda", "", ""),
    ("select_one comuni", "comune", "Comune della sede di lavoro", "municipality", "yes"),
    ("integer", "dipendenti", "Quante persone lavorano nella tua azienda?", "", ""),
    ("end group", "", "", "", ""),
    ("begin group", "chi_sei", "Chi sei", "", ""),
    ("select_one genere", "genere", "Genere", "sex", ""),
    ("select_one fasce", "fascia_eta", "Fascia d'età", "age_class", ""),
    ("select_one ruoli", "ruolo", "Ruolo in azienda", "role", ""),
    ("end group", "", "", "", ""),
    ("begin group", "bisogni", "I tuoi bisogni", "", ""),
    ("select_one scala4", "cura_anziani", "Quanto ti pesa la cura di un familiare anziano?", "need_eldercare", ""),
    ("select_one scala4", "orari", "Quanto ti servirebbero orari più flessibili?", "need_smart_working", ""),
    ("select_multiple servizi", "servizi", "Quali servizi ti sarebbero utili?", "needs", ""),
    ("text", "altro", "Altro che vorresti segnalare", "", ""),
    ("end group", "", "", "", ""),
]
CHOICES = [  # list_name, name, label, wecare
    ("comuni", "biella", "Biella", ""), ("comuni", "cossato", "Cossato", ""), ("comuni", "candelo", "Candelo", ""),
    ("comuni", "vigliano", "Vigliano Biellese", ""), ("comuni", "vercelli", "Vercelli", ""),
    ("comuni", "santhia", "Santhià", ""), ("comuni", "torino", "Torino", ""),
    ("comuni", "moransengo", "Moransengo", ""), ("comuni", "calliano", "Calliano (AT)", ""),
    ("genere", "donna", "Donna", "F"), ("genere", "uomo", "Uomo", "M"),
    ("genere", "nd", "Preferisco non rispondere", "-"),
    ("fasce", "f1", "Fino a 34 anni", "18-34"), ("fasce", "f2", "35-44 anni", "35-44"),
    ("fasce", "f3", "45-54 anni", "45-54"), ("fasce", "f4", "55 anni e oltre", "55+"),
    ("ruoli", "dip", "Lavoratore o lavoratrice dipendente", "employee"), ("ruoli", "tit", "Titolare o socio", "owner"),
    ("scala4", "1", "Per niente", ""), ("scala4", "2", "Poco", ""), ("scala4", "3", "Abbastanza", ""),
    ("scala4", "4", "Molto", ""), ("scala4", "ns", "Non so", ""),
    ("servizi", "nido", "Asilo nido", "childcare_0_2"),
    ("servizi", "centro_estivo", "Centro estivo per i figli", "childcare_6_14"),
    ("servizi", "badante", "Aiuto per un familiare anziano", "eldercare"),
    ("servizi", "trasporto", "Trasporto casa-lavoro", "mobility"),
    ("servizi", "palestra", "Palestra convenzionata", "leisure_wellbeing"),
]


def write_form(path: Path) -> None:
    survey = pd.DataFrame(SURVEY, columns=["type", "name", "label::Italiano (it)", "wecare", "required"])
    choices = pd.DataFrame(CHOICES, columns=["list_name", "name", "label::Italiano (it)", "wecare"])
    settings = pd.DataFrame([{"form_title": "Rete Welfare Biellese: bisogni di conciliazione",
                              "form_id": "rwb_conciliazione", "version": "2024-03", "default_language":
                              "Italiano (it)"}])
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        survey.to_excel(xw, sheet_name="survey", index=False)
        choices.to_excel(xw, sheet_name="choices", index=False)
        settings.to_excel(xw, sheet_name="settings", index=False)


# --- respondents (choice names) -----------------------------------------------------------------------------------
def respondents() -> pd.DataFrame:
    """30 valid respondents; deterministic."""
    rng = np.random.default_rng(14)
    n = 30
    comuni = ["biella", "cossato", "candelo", "vigliano", "vercelli", "santhia", "torino", "moransengo", "calliano"]
    rows = []
    for i in range(n):
        services = [s for s in ("nido", "centro_estivo", "badante", "trasporto", "palestra") if rng.random() < 0.35]
        rows.append({"comune": comuni[i % len(comuni)], "dipendenti": str(int(rng.integers(1, 40))),
                     "genere": ["donna", "uomo"][i % 2] if i != 7 else "nd",
                     "fascia_eta": ["f1", "f2", "f3", "f4"][int(rng.integers(0, 4))],
                     "ruolo": "dip" if rng.random() < 0.75 else "tit",
                     "cura_anziani": str(int(rng.integers(1, 5))) if i != 11 else "ns",
                     "orari": str(int(rng.integers(1, 5))), "servizi": services,
                     "altro": "Servirebbe un doposcuola vicino" if i == 3 else ""})
    return pd.DataFrame(rows)


def planted(valid: pd.DataFrame) -> pd.DataFrame:
    """Faulty rows appended after the valid ones: missing municipality, unknown answer, duplicate."""
    bad = [dict(valid.iloc[0], comune=""),  # missing required place
           dict(valid.iloc[1], cura_anziani="tantissimo"),  # not an option of the 4-point scale
           dict(valid.iloc[2])]  # duplicate of row 3 (same _uuid / identical answers)
    return pd.concat([valid, pd.DataFrame(bad)], ignore_index=True)


LABEL = {(lst, name): label for lst, name, label, _ in CHOICES}
QLABEL = {name: label for _t, name, label, _w, _r in SURVEY if name}
GROUP_LABEL = {"comune": "La tua azienda", "dipendenti": "La tua azienda", "genere": "Chi sei",
               "fascia_eta": "Chi sei", "ruolo": "Chi sei", "cura_anziani": "I tuoi bisogni",
               "orari": "I tuoi bisogni", "servizi": "I tuoi bisogni", "altro": "I tuoi bisogni"}
GROUP = {"comune": "azienda", "dipendenti": "azienda", "genere": "chi_sei", "fascia_eta": "chi_sei",
         "ruolo": "chi_sei", "cura_anziani": "bisogni", "orari": "bisogni", "servizi": "bisogni", "altro": "bisogni"}
LISTS = {"comune": "comuni", "genere": "genere", "fascia_eta": "fasce", "ruolo": "ruoli", "cura_anziani": "scala4",
         "orari": "scala4"}
SERVICES = ["nido", "centro_estivo", "badante", "trasporto", "palestra"]


def _label(q: str, name: str) -> str:
    return LABEL.get((LISTS[q], name), name) if q in LISTS and name else name


def _meta(n: int) -> dict[str, list[str]]:
    uuids = [f"{i:08x}-5c1e-4f1a-9b2d-{i * 7919:012x}" for i in range(n)]
    uuids[-1] = uuids[2]  # the planted duplicate
    times = [f"2024-04-{1 + i % 28:02d}T09:{i % 60:02d}:00" for i in range(n)]
    return {"_id": [str(1000 + i) for i in range(n)], "_uuid": uuids, "_submission_time": times,
            "_validation_status": [""] * n, "_index": [str(i + 1) for i in range(n)]}


def kobo_labels_xlsx(data: pd.DataFrame, path: Path) -> None:
    """KoboToolbox XLSX, labels, group names in headers, select_multiple joined and split."""
    cols: dict[str, list[str]] = {"start": ["2024-04-01T09:00:00"] * len(data),
                                  "end": ["2024-04-01T09:10:00"] * len(data)}
    for q in ["comune", "dipendenti", "genere", "fascia_eta", "ruolo", "cura_anziani", "orari"]:
        cols[f"{GROUP_LABEL[q]}/{QLABEL[q]}"] = [_label(q, v) for v in data[q]]
    head = f"{GROUP_LABEL['servizi']}/{QLABEL['servizi']}"
    cols[head] = [" ".join(LABEL[("servizi", s)] for s in v) for v in data["servizi"]]
    for s in SERVICES:
        cols[f"{head}/{LABEL[('servizi', s)]}"] = [str(int(s in v)) for v in data["servizi"]]
    cols[f"{GROUP_LABEL['altro']}/{QLABEL['altro']}"] = list(data["altro"])
    cols.update(_meta(len(data)))
    frame = pd.DataFrame(cols)
    frame.loc[len(frame) - 2, f"{GROUP_LABEL['cura_anziani']}/{QLABEL['cura_anziani']}"] = "Tantissimo"
    frame.to_excel(path, index=False, engine="openpyxl")


def kobo_xml_csv(data: pd.DataFrame, path: Path) -> None:
    """KoboToolbox CSV (';'), XML names with group prefixes, select_multiple only as split 1/0 columns."""
    cols: dict[str, list[str]] = {"start": ["2024-04-01T09:00:00"] * len(data),
                                  "end": ["2024-04-01T09:10:00"] * len(data)}
    for q in ["comune", "dipendenti", "genere", "fascia_eta", "ruolo", "cura_anziani", "orari"]:
        cols[f"{GROUP[q]}/{q}"] = list(data[q])
    for s in SERVICES:
        cols[f"bisogni/servizi/{s}"] = [str(int(s in v)) for v in data["servizi"]]
    cols["bisogni/altro"] = list(data["altro"])
    cols.update(_meta(len(data)))
    frame = pd.DataFrame(cols)
    frame.loc[len(frame) - 2, "bisogni/cura_anziani"] = "tantissimo"
    frame.loc[len(frame) - 3, "bisogni/servizi/palestra"] = "forse"  # a planted bad flag (in the missing-place row)
    frame.to_csv(path, sep=";", index=False)


def google_csv(data: pd.DataFrame, path: Path) -> None:
    """Google Forms CSV: timestamp first, question texts, short-answer municipality, ', '-joined checkboxes."""
    variants = ["{}", "{} ({})", "{}", "{} - {}", "{}"]
    sigla = {"biella": "BI", "cossato": "BI", "candelo": "BI", "vigliano": "BI", "vercelli": "VC",
             "santhia": "VC", "torino": "TO", "moransengo": "AT", "calliano": "AT"}
    towns = []
    for i, v in enumerate(data["comune"]):
        if not v:
            towns.append("")
            continue
        name = LABEL[("comuni", v)].replace(" (AT)", "")
        text = variants[i % len(variants)].format(name, sigla[v])
        towns.append(text.upper() if i % 3 == 2 else text)
    towns = [t if "Calliano" not in t.title() or "AT" in t else t + " (AT)" for t in towns]
    frame = pd.DataFrame({
        "Informazioni cronologiche": [f"{1 + i % 28:02d}/04/2024 9.{i % 60:02d}.00" for i in range(len(data) - 1)]
        + ["03/04/2024 9.02.00"],  # the planted duplicate: the same submission twice
        "In quale comune lavori?": towns,
        "Quante persone lavorano nella tua azienda?": list(data["dipendenti"]),
        "Sei:": [{"donna": "Donna", "uomo": "Uomo", "nd": "Preferisco non rispondere"}[v] for v in data["genere"]],
        "Quanti anni hai?": [{"f1": "fino a 34", "f2": "35-44", "f3": "45-54", "f4": "55 e oltre"}[v]
                             for v in data["fascia_eta"]],
        "Ruolo in azienda": [{"dip": "Dipendente", "tit": "Titolare"}[v] for v in data["ruolo"]],
        "Quanto ti pesa la cura di un familiare anziano? (da 1 a 4)": [v if v != "ns" else "" for v in
                                                                      data["cura_anziani"]],
        "Quanto ti servirebbero orari più flessibili? (da 1 a 4)": list(data["orari"]),
        "Quali servizi ti sarebbero utili?": [", ".join(LABEL[("servizi", s)] for s in v) for v in data["servizi"]],
        "Indirizzo email": [f"persona{i}@example.org" for i in range(len(data) - 1)] + ["persona2@example.org"],
    })
    frame.loc[len(frame) - 2, "Quanto ti pesa la cura di un familiare anziano? (da 1 a 4)"] = "tantissimo"
    frame.to_csv(path, index=False)


def limesurvey_csv(data: pd.DataFrame, path: Path) -> None:
    """LimeSurvey CSV, headings "question code & question text", answers as full texts, Y/blank sub-questions."""
    cols: dict[str, list[str]] = {"id. ID risposta": [str(i + 1) for i in range(len(data) - 1)] + ["3"],
                                  "submitdate. Data di invio": ["2024-04-02 10:00:00"] * len(data),
                                  "lastpage. Ultima pagina": ["3"] * len(data),
                                  "startlanguage. Lingua iniziale": ["it"] * len(data)}
    for q in ["comune", "dipendenti", "genere", "fascia_eta", "ruolo", "cura_anziani", "orari"]:
        cols[f"{q}. {QLABEL[q]}"] = [_label(q, v) for v in data[q]]
    for s in SERVICES:
        cols[f"servizi[{s}]. {QLABEL['servizi']} [{LABEL[('servizi', s)]}]"] = ["Y" if s in v else "" for v in
                                                                                data["servizi"]]
    cols[f"altro. {QLABEL['altro']}"] = list(data["altro"])
    frame = pd.DataFrame(cols)
    frame.loc[len(frame) - 2, f"cura_anziani. {QLABEL['cura_anziani']}"] = "Tantissimo"
    frame.to_csv(path, index=False)


def main() -> None:
    write_form(HERE / "conciliazione_form.xlsx")
    data = planted(respondents())
    data.assign(servizi=[" ".join(v) for v in data["servizi"]]).to_csv(HERE / "conciliazione_truth.csv", index=False)
    kobo_labels_xlsx(data, HERE / "conciliazione_kobo_labels.xlsx")
    kobo_xml_csv(data, HERE / "conciliazione_kobo_xml.csv")
    google_csv(data, HERE / "conciliazione_google.csv")
    limesurvey_csv(data, HERE / "conciliazione_limesurvey.csv")
    from why_exports import write_why_exports

    with tempfile.TemporaryDirectory() as tmp:
        write_why_exports(HERE, Path(tmp))


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(HERE))
    main()
