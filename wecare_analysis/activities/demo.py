"""Synthetic programme records ("dati sintetici dimostrativi"): meetings, desk contacts, focus groups.

Written in the layout of the templates (Italian headers, ``;``, UTF-8 with BOM,
a first title row that says the data are synthetic), so that they go through
``wecare activities validate`` as a user's files do. Drawn with one numpy
generator seeded by ``seed``:

- **meetings**: in every province of Piedmont :data:`MEETINGS_PER_PROVINCE`
  meetings in the places of :data:`PLACES`, dates uniform in :data:`DEMO_PERIOD`;
  participants Poisson (firms mean 14, workers 6, public bodies 2, third sector
  2), CNA members Binomial(firms, 0.6), new contacts Binomial(participants, 0.3);
- **desk contacts**: :data:`DESK_CONTACTS` per province (``round(n × share)``, shares
  in :data:`DESK_SHARE`), request areas drawn with the weights of
  :data:`REQUEST_WEIGHTS` (the planted truth), channels, size classes and outcomes
  uniform over their options; a note for one contact in four, an Italian
  sentence about the request drawn from :data:`NOTE_PHRASES` (no personal data);
- **focus groups**: :data:`FOCUS_GROUPS` (mostly in the Turin metropolitan area, as
  the programme planned), each theme's strength Binomial(3, ``THEME_PROB[area]``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis.activities.schema import fields, need_area_choices
from wecare_analysis.atomic import write_text_atomic
from wecare_analysis.demo.survey import SYNTHETIC_LABEL

DEMO_PERIOD = ("2023-03-01", "2024-06-30")
FILE_NAMES = {"meetings": "incontri_demo.csv", "desk": "sportelli_demo.csv", "focus": "focus_group_demo.csv"}
MEETINGS_PER_PROVINCE = {"TO": 4, "VC": 1, "NO": 2, "CN": 3, "AT": 1, "AL": 2, "BI": 1, "VB": 1}
PLACES = {"TO": ["Torino", "Pinerolo", "Ivrea", "Moncalieri"], "VC": ["Vercelli"], "NO": ["Novara", "Borgomanero"],
          "CN": ["Cuneo", "Alba", "Mondovì"], "AT": ["Asti"], "AL": ["Alessandria", "Casale Monferrato"],
          "BI": ["Biella"], "VB": ["Verbania"]}
DESK_CONTACTS = 400
DESK_SHARE = {"TO": 0.40, "VC": 0.05, "NO": 0.09, "CN": 0.16, "AT": 0.06, "AL": 0.12, "BI": 0.06, "VB": 0.06}
#: Planted weights of the desk requests (``general_info``: questions on welfare in general).
REQUEST_WEIGHTS = {"health_prevention": 14, "purchasing_power": 12, "eldercare": 10, "supplementary_pension": 9,
                   "childcare_0_2": 8, "childcare_6_14": 7, "training": 6, "errands_concierge": 5, "housing": 5,
                   "childcare_3_5": 4, "smart_working": 4, "mobility": 4, "psychological_support": 3, "safety": 3,
                   "leisure_wellbeing": 2, "supplier_network": 2, "inclusion": 1, "community": 1, "general_info": 15}
NOTE_PHRASES = {"health_prevention": "chiede come attivare una cassa sanitaria per le visite",
                "purchasing_power": "interessata ai buoni pasto e ai buoni spesa per i dipendenti",
                "eldercare": "cerca aiuto per un genitore anziano non autosufficiente",
                "supplementary_pension": "domande sul fondo pensione di categoria",
                "childcare_0_2": "chiede di convenzioni con un asilo nido",
                "childcare_6_14": "informazioni sui centri estivi per i figli",
                "training": "vorrebbe corsi di formazione per gli apprendisti",
                "errands_concierge": "chiede di un servizio per le pratiche burocratiche",
                "housing": "chiede di contributi per l'affitto", "mobility": "chiede di abbonamenti ai mezzi pubblici",
                "smart_working": "vuole introdurre orari flessibili", "childcare_3_5": "chiede del post scuola",
                "psychological_support": "interessato a uno sportello psicologico",
                "safety": "domande sulla sicurezza in cantiere", "leisure_wellbeing": "convenzioni con palestre",
                "supplier_network": "vorrebbe fare rete con altre imprese", "inclusion": "pari opportunità",
                "community": "servizi aperti al quartiere", "general_info": "primo contatto, informazioni generali"}
FOCUS_GROUPS = (("Torino", "TO"), ("Torino", "TO"), ("Moncalieri", "TO"), ("Collegno", "TO"), ("Cuneo", "CN"),
                ("Alessandria", "AL"))
THEME_PROB = {"childcare_0_2": 0.5, "childcare_6_14": 0.55, "eldercare": 0.6, "health_prevention": 0.65,
              "purchasing_power": 0.55, "supplementary_pension": 0.35, "errands_concierge": 0.4,
              "smart_working": 0.5, "mobility": 0.3, "training": 0.35}
THEME_PROB_OTHER = 0.12


def _dates(rng: np.random.Generator, n: int) -> list[str]:
    start, end = (pd.Timestamp(d) for d in DEMO_PERIOD)
    days = rng.integers(0, (end - start).days + 1, n)
    return [(start + pd.Timedelta(days=int(d))).strftime("%d/%m/%Y") for d in days]


def _labelled(kind: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Columns renamed to the template's Italian headers, choice codes left as codes."""
    return rows.rename(columns={f.name: f.label for f in fields(kind)})[[f.label for f in fields(kind)]]


def demo_meetings(rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic meetings (see the module docstring), template layout."""
    rows = []
    for sigla, n in MEETINGS_PER_PROVINCE.items():
        for i in range(n):
            firms = int(rng.poisson(14)) + 1
            people = [firms, int(rng.poisson(6)), int(rng.poisson(2)), int(rng.poisson(2))]
            rows.append({"province": sigla, "municipality": PLACES[sigla][i % len(PLACES[sigla])],
                         "meeting_kind": "territorial_animation" if i == 0 else rng.choice(
                             ["info_seminar", "good_practices", "results_dissemination"]),
                         "mode": rng.choice(["in_person", "in_person", "online", "hybrid"]),
                         "participants_firms": people[0], "participants_workers": people[1],
                         "participants_public": people[2], "participants_third_sector": people[3],
                         "cna_members": int(rng.binomial(firms, 0.6)),
                         "new_contacts": int(rng.binomial(sum(people), 0.3)), "notes": ""})
    frame = pd.DataFrame(rows)
    frame.insert(0, "date", _dates(rng, len(frame)))
    return _labelled("meetings", frame)


def demo_desk(rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic desk contacts (see the module docstring), template layout."""
    areas = list(REQUEST_WEIGHTS)
    weights = np.array(list(REQUEST_WEIGHTS.values()), dtype=float)
    capitals = {s: p[0] for s, p in PLACES.items()}
    rows = []
    for sigla, share in DESK_SHARE.items():
        n = round(DESK_CONTACTS * share)
        drawn = rng.choice(areas, size=n, p=weights / weights.sum())
        for area in drawn:
            rows.append({"desk": f"{rng.choice(['Epasa Itaco', 'Sanarti'])} {capitals[sigla]}", "province": sigla,
                         "channel": rng.choice(["in_person", "phone", "email", "video"]), "request_area": area,
                         "size_class": rng.choice(["0_1", "2_9", "10_49", "50_249", ""]),
                         "outcome": rng.choice(["information", "practice_opened", "referred", "follow_up"]),
                         "notes": NOTE_PHRASES[area] if rng.random() < 0.25 else ""})
    frame = pd.DataFrame(rows)
    frame.insert(0, "date", _dates(rng, len(frame)))
    return _labelled("desk", frame)


def demo_focus(rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic focus groups (see the module docstring), template layout."""
    rows = []
    for place, sigla in FOCUS_GROUPS:
        row = {"place": place, "province": sigla, "participants_firms": int(rng.poisson(7)) + 2,
               "participants_workers": int(rng.poisson(3)), "participants_public": int(rng.poisson(1)),
               "participants_third_sector": int(rng.poisson(2)), "notes": ""}
        for code, _label in need_area_choices():
            row[f"theme_{code}"] = int(rng.binomial(3, THEME_PROB.get(code, THEME_PROB_OTHER)))
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.insert(0, "date", _dates(rng, len(frame)))
    return _labelled("focus", frame)


def demo_activities(seed: int = 0) -> dict[str, pd.DataFrame]:
    """The three synthetic tables, keyed by kind, in the templates' layout."""
    rng = np.random.default_rng(seed)
    return {"meetings": demo_meetings(rng), "desk": demo_desk(rng), "focus": demo_focus(rng)}


def write_demo_activities(out_dir: str | os.PathLike[str], seed: int = 0) -> list[Path]:
    """Write the three files of :data:`FILE_NAMES` into ``out_dir`` (atomically); return their paths.

    Each file opens with the title row ``Dati sintetici dimostrativi: …`` above the header.
    """
    out = Path(out_dir)
    paths = []
    for kind, table in demo_activities(seed).items():
        title = f"{SYNTHETIC_LABEL.capitalize()}: {FILE_NAMES[kind]} simulato, nessun dato reale"
        body = table.to_csv(sep=";", index=False, lineterminator="\r\n")
        paths.append(write_text_atomic(out / FILE_NAMES[kind], f"{title}\r\n{body}", encoding="utf-8-sig"))
    return paths
