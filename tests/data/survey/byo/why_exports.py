"""The four exports of issue 14's "Why", recreated from the synthetic demo survey (dati sintetici dimostrativi).

Used by make_fixtures.py; each export has 200 respondents of the workbench's own questionnaire:

- why_google_forms.csv (+ why_google_forms_mapping.csv, drafted by `wecare survey map` and completed as a
  user would in Excel): Italian question texts as headers, a timestamp column, answers as labels
  ("Molto importante", "Donna", "45-54"), municipality names ("Biella", "Biella (BI)", "BIELLA");
- why_limesurvey.csv: "question code & question text" headings, sub-question columns Y/blank, answer codes;
- why_kobo_labels.xlsx: KoboToolbox XLSX with labels, the select_multiple as one column of labels joined
  by spaces (labels that contain spaces);
- why_msforms.xlsx (+ why_msforms_mapping.csv): Microsoft Forms, answers joined by ';' with a trailing ';'.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

LIKERT_WORDS = {"1": "Per niente importante", "2": "Poco importante", "3": "Abbastanza importante",
                "4": "Molto importante", "5": "Estremamente importante"}
GOOGLE_NEEDS = {"need_childcare_0_2": "Quanto è importante per te un asilo nido?",
                "need_eldercare": "Quanto è importante per te un aiuto per i familiari anziani?",
                "need_health_prevention": "Quanto è importante per te la sanità integrativa?",
                "need_mobility": "Quanto è importante per te un aiuto per andare al lavoro?",
                "need_smart_working": "Quanto è importante per te lavorare da casa qualche giorno?"}
SERVICES = {"need_childcare_0_2": "Asilo nido", "need_eldercare": "Badante o assistenza anziani",
            "need_mobility": "Trasporto casa-lavoro", "need_purchasing_power": "Buoni spesa",
            "need_leisure_wellbeing": "Palestra convenzionata"}


def demo_export(tmp: Path, n: int = 200) -> pd.DataFrame:
    from wecare_analysis.demo.survey import write_demo_survey

    write_demo_survey(tmp / "demo", n_respondents=n, seed=14, root=tmp, truth_draws=10)
    return pd.read_csv(tmp / "demo" / "survey.csv", sep=";", dtype=str, keep_default_na=False)


def _short(df: pd.DataFrame) -> pd.DataFrame:
    return df.rename(columns=lambda c: c.rsplit("/", 1)[-1] if c.count("/") == 1 else c)


def _town_names(codes: pd.Series) -> list[str]:
    from wecare_analysis.territory.reconcile import municipality_list

    munis = municipality_list(2023).set_index("municipality_code")
    out = []
    for i, code in enumerate(codes.astype(int)):
        name, sigla = munis.at[code, "name"], munis.at[code, "province_sigla"]
        out.append([name, f"{name} ({sigla})", name.upper(), f"{name} - {sigla}"][i % 4])
    return out


def google_forms(demo: pd.DataFrame, here: Path) -> None:
    from wecare_analysis.survey.codebook import load_codebook
    from wecare_analysis.survey.draft import draft_mapping
    from wecare_analysis.survey.mapping import write_mapping

    d = _short(demo)
    role = dict(load_codebook().choices["role"])
    frame = pd.DataFrame({
        "Informazioni cronologiche": [f"{1 + i % 28:02d}/05/2024 10.{i % 60:02d}.{i % 50:02d}" for i in range(len(d))],
        "Comune in cui ha sede l'impresa": _town_names(d["municipality"]),
        "Sesso": d["sex"].map({"F": "Donna", "M": "Uomo"}),
        "Età": d["age_class"].map(lambda c: "65 e più" if c == "65_plus" else c.replace("_", "-")),
        "Che ruolo hai nell'impresa?": d["role"].map(role),
        **{text: d[name].map(LIKERT_WORDS) for name, text in GOOGLE_NEEDS.items()},
        "Indirizzo email": [f"utente{i}@example.org" for i in range(len(d))],
    })
    path = here / "why_google_forms.csv"
    frame.to_csv(path, index=False)
    draft = draft_mapping(frame.astype(str), load_codebook())
    fill = {"Che ruolo hai nell'impresa?": "role", **{t: n for n, t in GOOGLE_NEEDS.items()},
            "Comune in cui ha sede l'impresa": "municipality", "Età": "age_class"}
    cols = draft["kind"] == "column"
    draft.loc[cols, "concept"] = [fill.get(s, c) for s, c in zip(draft.loc[cols, "source"], draft.loc[cols, "concept"])]
    draft.loc[cols & (draft["source"].isin(fill)), "note"] = "completed by hand"
    write_mapping(draft, here / "why_google_forms_mapping.csv")


def limesurvey(demo: pd.DataFrame, here: Path) -> None:
    from wecare_analysis.survey.codebook import load_codebook

    book = load_codebook()
    d = _short(demo)
    cols: dict[str, object] = {"id. ID risposta": range(1, len(d) + 1),
                               "submitdate. Data di invio": "2024-05-20 11:00:00", "lastpage. Ultima pagina": "4",
                               "startlanguage. Lingua iniziale": "it", "seed. Seme": "1234567"}
    for q in book.questions:
        if q.type == "select_multiple":
            for code, label in book.options(q):
                cols[f"{q.name}[{code}]. {q.label} [{label}]"] = d[f"{q.group}/{q.name}/{code}"].map({"1": "Y", "0": ""})
        else:
            cols[f"{q.name}. {q.label}"] = d[q.name]
    pd.DataFrame(cols).to_csv(here / "why_limesurvey.csv", index=False)


def kobo_labels(demo: pd.DataFrame, here: Path) -> None:
    from wecare_analysis.survey.codebook import load_codebook

    book = load_codebook()
    d = _short(demo)
    cols: dict[str, object] = {"start": d["start"], "end": d["end"]}
    for q in book.questions:
        labels = dict(book.options(q))
        if q.type == "select_multiple":
            cols[q.label] = d[q.name].map(lambda v, lb=labels: " ".join(lb[c] for c in v.split()))
        elif labels and q.choices != "ateco_section":
            cols[q.label] = d[q.name].map(lambda v, lb=labels: lb.get(v, v))
        else:
            cols[q.label] = d[q.name]
    for meta in ("_id", "_uuid", "_submission_time", "_index"):
        cols[meta] = d[meta]
    pd.DataFrame(cols).to_excel(here / "why_kobo_labels.xlsx", index=False, engine="openpyxl")


def msforms(demo: pd.DataFrame, here: Path) -> None:
    from wecare_analysis.survey.codebook import load_codebook
    from wecare_analysis.survey.draft import draft_mapping
    from wecare_analysis.survey.mapping import write_mapping

    d = _short(demo)
    short_forms = {"unilateral": "Unilaterale", "bilateral": "Bilaterale", "contractual": "Contrattuale",
                   "territorial": "Territoriale", "none": "Nessuna"}
    services = [";".join([label for name, label in SERVICES.items() if d.at[i, name] in ("4", "5")] + [""])
                for i in d.index]
    frame = pd.DataFrame({
        "ID": range(1, len(d) + 1), "Ora di inizio": "5/20/24 10:01:02", "Ora di completamento": "5/20/24 10:09:40",
        "Posta elettronica": "anonymous", "Nome": "",
        "Codice del comune (ISTAT)": d["municipality"],
        "Genere": d["sex"].map({"F": "Femmina", "M": "Maschio"}),
        "Fascia di età": d["age_class"].map(lambda c: "65 anni e più" if c == "65_plus" else
                                            c.replace("_", "-") + " anni"),
        "Quali forme di welfare ci sono già nella tua impresa?": d["welfare_forms"].map(
            lambda v: ";".join(short_forms[c] for c in v.split()) + ";"),
        "Quali servizi ti servirebbero?": services,
    })
    path = here / "why_msforms.xlsx"
    frame.to_excel(path, index=False, engine="openpyxl")
    draft = draft_mapping(frame.astype(str).replace("nan", ""), load_codebook())
    fill = {"Codice del comune (ISTAT)": "municipality", "Fascia di età": "age_class", "Genere": "sex",
            "Quali forme di welfare ci sono già nella tua impresa?": "welfare_forms",
            "Quali servizi ti servirebbero?": "needs"}
    cols = draft["kind"] == "column"
    draft.loc[cols, "concept"] = [fill.get(s, c) for s, c in zip(draft.loc[cols, "source"], draft.loc[cols, "concept"])]
    values = pd.DataFrame([{"kind": "value", "source": label, "concept": "needs", "level": name,
                            "note": "completed by hand"} for name, label in SERVICES.items()])
    draft = pd.concat([draft[~((draft["kind"] == "value") & (draft["concept"] == "needs"))], values],
                      ignore_index=True)
    write_mapping(draft, here / "why_msforms_mapping.csv")


def write_why_exports(here: Path, tmp: Path) -> None:
    demo = demo_export(tmp)
    google_forms(demo, here)
    limesurvey(demo, here)
    kobo_labels(demo, here)
    msforms(demo, here)
