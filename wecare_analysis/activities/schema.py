"""The three kinds of programme records: territorial meetings, info-desk contacts, focus groups.

One :class:`Field` per column, with the Italian header a desk operator sees, the
instruction shown in the template and the allowed values. The need areas are
never listed here: they come from the questionnaire codebook
(:func:`wecare_analysis.survey.codebook.load_codebook`), so a desk request or a
focus-group theme is coded to the same areas the survey measures.

Kinds and their columns
-----------------------
``meetings`` (one row per territorial meeting)
    ``date``, ``province``, ``municipality``, ``meeting_kind``, ``mode``,
    ``participants_firms``, ``participants_workers``, ``participants_public``,
    ``participants_third_sector``, ``cna_members`` (member firms among the firms),
    ``new_contacts``, ``notes``.
``desk`` (one row per contact of an "Info Welfare MPI" desk; no names)
    ``date``, ``desk``, ``province``, ``channel``, ``request_area`` (a codebook need
    area, or ``general_info``), ``size_class`` (the codebook's firm size classes),
    ``outcome``, ``notes``.
``focus`` (one row per focus group)
    ``date``, ``place`` (municipality), ``province``, the four ``participants_*``
    counts, one ``theme_<area>`` column per need area with the strength of that
    theme (:data:`STRENGTHS`, 0 = not raised … 3 = central), ``notes``.

``notes`` is free text: it never leaves ``data/raw/`` (see :mod:`.ingest`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from wecare_analysis.survey.codebook import load_codebook

KINDS = ("meetings", "desk", "focus")
#: Italian name of each kind (templates, messages to the operator).
KIND_LABELS = {"meetings": "Incontri di animazione territoriale", "desk": "Contatti degli sportelli Info Welfare",
               "focus": "Focus group"}
#: Request of a desk contact that concerns welfare in general, not one need area.
GENERAL_INFO = ("general_info", "Informazioni generali sul welfare aziendale")
#: Strength of a focus-group theme: code → Italian label.
STRENGTHS = (("0", "0 - Non emerso"), ("1", "1 - Accennato"), ("2", "2 - Discusso"), ("3", "3 - Centrale"))
PARTICIPANT_TYPES = (("participants_firms", "imprese"), ("participants_workers", "lavoratori"),
                     ("participants_public", "enti pubblici"), ("participants_third_sector", "terzo settore"))
MEETING_KINDS = (("territorial_animation", "Animazione territoriale"),
                 ("info_seminar", "Seminario informativo"),
                 ("good_practices", "Presentazione di buone pratiche"),
                 ("results_dissemination", "Diffusione dei risultati"),
                 ("other", "Altro"))
MODES = (("in_person", "In presenza"), ("online", "Online"), ("hybrid", "Mista"))
CHANNELS = (("in_person", "Di persona allo sportello"), ("phone", "Telefono"), ("email", "E-mail"),
            ("video", "Videochiamata"), ("other", "Altro"))
OUTCOMES = (("information", "Informazioni fornite"), ("practice_opened", "Pratica avviata"),
            ("referred", "Inviato ad altro servizio"), ("follow_up", "Da ricontattare"), ("other", "Altro"))


@dataclass(frozen=True)
class Field:
    """One column of a kind of record.

    ``type`` is one of ``date``, ``province``, ``municipality``, ``choice``,
    ``integer``, ``label`` (a short category typed by the operator, e.g. the desk's
    name) and ``text`` (free text, restricted).
    """

    name: str
    label: str
    type: str
    hint: str
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    max: int | None = None


def need_area_choices() -> tuple[tuple[str, str], ...]:
    """``(code, Italian label)`` of the codebook's need areas, in codebook order."""
    return tuple((code, label) for code, label, _index in load_codebook().need_areas)


def _participants(what: str) -> list[Field]:
    return [Field(name, f"Partecipanti: {label}", "integer",
                  f"Numero di partecipanti {what}: {label} (0 se nessuno).", max=10_000)
            for name, label in PARTICIPANT_TYPES]


_DATE_HINT = "Data nel formato gg/mm/aaaa, ad esempio 15/03/2024."
_PROVINCE_HINT = "Sigla della provincia (TO, VC, NO, CN, AT, AL, BI, VB) o il suo nome."
_NOTES_HINT = ("Note libere, facoltative. NON scrivere nomi, telefoni, e-mail o codici fiscali di persone: "
               "le note restano riservate e non sono mai pubblicate.")


@functools.cache
def fields(kind: str) -> tuple[Field, ...]:
    """The columns of ``kind`` (see the module docstring), in template order.

    Examples
    --------
    >>> [f.name for f in fields("desk")][:4]
    ['date', 'desk', 'province', 'channel']
    >>> len([f for f in fields("focus") if f.name.startswith("theme_")]) == len(need_area_choices())
    True
    """
    date = Field("date", "Data", "date", _DATE_HINT)
    province = Field("province", "Provincia", "province", _PROVINCE_HINT)
    notes = Field("notes", "Note (riservate)", "text", _NOTES_HINT, required=False)
    if kind == "meetings":
        return (date, province,
                Field("municipality", "Comune", "municipality",
                      "Comune dove si è svolto l'incontro (nome o codice ISTAT)."),
                Field("meeting_kind", "Tipo di incontro", "choice", "Scegliere dall'elenco.", choices=MEETING_KINDS),
                Field("mode", "Modalità", "choice", "In presenza, online o mista.", required=False, choices=MODES),
                *_participants("all'incontro"),
                Field("cna_members", "Imprese associate CNA presenti", "integer",
                      "Quante delle imprese presenti sono associate CNA (non più delle imprese partecipanti).",
                      max=10_000),
                Field("new_contacts", "Nuovi contatti", "integer",
                      "Partecipanti mai entrati prima in contatto con l'associazione (non più dei partecipanti).",
                      max=10_000),
                notes)
    if kind == "desk":
        return (date,
                Field("desk", "Sportello", "label",
                      "Nome dello sportello (ad esempio «Epasa Itaco Cuneo», «Sanarti Torino»), non della persona."),
                province,
                Field("channel", "Canale", "choice", "Come è avvenuto il contatto.", choices=CHANNELS),
                Field("request_area", "Area della richiesta", "choice",
                      "Area di bisogno principale della richiesta (le stesse del questionario).",
                      choices=(*need_area_choices(), GENERAL_INFO)),
                Field("size_class", "Dimensione dell'impresa", "choice",
                      "Addetti dell'impresa che chiede, se noti.", required=False,
                      choices=load_codebook().choices["size_class"]),
                Field("outcome", "Esito", "choice", "Come si è concluso il contatto.", choices=OUTCOMES),
                notes)
    if kind == "focus":
        themes = [Field(f"theme_{code}", f"Tema: {label.split(' (')[0]}", "choice",
                        f"Quanto è emerso il tema «{label}»: 0 non emerso, 1 accennato, 2 discusso, 3 centrale.",
                        required=False, choices=STRENGTHS)
                  for code, label in need_area_choices()]
        return (date,
                Field("place", "Luogo (comune)", "municipality",
                      "Comune dove si è svolto il focus group (nome o codice ISTAT)."),
                province, *_participants("al focus group"), *themes, notes)
    raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")


def field_names(kind: str) -> list[str]:
    """Column names of ``kind`` in template order."""
    return [f.name for f in fields(kind)]


def theme_columns() -> dict[str, str]:
    """``theme_<area>`` column → need area code, for the focus groups."""
    return {f"theme_{code}": code for code, _label in need_area_choices()}
