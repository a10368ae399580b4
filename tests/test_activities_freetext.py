"""The free-text coder on Italian answers written for the test (see tests/data/README.md).

``freetext_corpus.csv`` (80 answers) was written and committed before the dictionary (commit
"Activities: test corpus of 80 Italian free-text answers…"); the dictionary was then written
and tuned on it, so its figures are in-sample. Before tuning, five areas missed the goal of
0.8: recall of childcare_3_5 0.67 ("scuola dell'infanzia": the elided "dell'" was not skipped),
precision of leisure_wellbeing 0.60 ("sport*" matched "sportello" and, by the one-typo rule,
"spostamenti"), training 0.71 ("corsi di italiano", "formazione sulla sicurezza"), errands 0.75
("pratich*" matched "pratici" by the typo rule), health 0.83 ("visit*" matched "visto"). The
changes: one typo only in stems of six letters or more, never at a stem's last letter, and in
whole words with first and last letters in place; elided articles are stopwords; leisure
excludes "sportell*"; training excludes "corsi italiano". After: every area ≥ 0.8 (training
precision 0.83: "formazione sulla sicurezza" is coded training and safety, the corpus says
safety only). ``freetext_heldout.csv`` (40 answers) was written after the tuning and never
tuned on: micro precision 0.93, micro recall 0.69; the misses are words the dictionary lacks
("antinfortunistiche", "rumore", "gite", "bus", "ISEE"), which users can add in
``data/raw/activities/freetext_dictionary.yaml``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis.activities.freetext import (
    code_answers,
    code_text,
    load_dictionary,
    precision_recall,
    term_matches,
)
from wecare_analysis.survey.codebook import load_codebook

DATA = Path(__file__).parent / "data" / "activities"


def _scores(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    book = load_dictionary(extra=os.devnull)
    corpus = pd.read_csv(DATA / name, sep=";", dtype=str, keep_default_na=False)
    truth = pd.DataFrame([[int(a in labels.split()) for a in book.areas] for labels in corpus["areas"]],
                         columns=list(book.areas))
    return precision_recall(code_answers(corpus["text"], book), truth), truth


def test_corpus_covers_every_area_with_negations_and_typos() -> None:
    corpus = pd.read_csv(DATA / "freetext_corpus.csv", sep=";", dtype=str, keep_default_na=False)
    assert len(corpus) >= 60
    truth = _scores("freetext_corpus.csv")[1]
    assert (truth.sum() >= 3).all() and list(truth.columns) == list(load_codebook().need_area_codes)
    assert (corpus["areas"] == "").sum() >= 8  # answers with no need, several of them negated
    assert corpus["text"].str.contains(r"\bnon mi serve\b").any()


def test_precision_and_recall_per_area_on_the_corpus() -> None:
    scores, _truth = _scores("freetext_corpus.csv")
    print("\n" + scores.round(3).to_string())
    assert (scores["precision"] >= 0.8).all(), scores[scores["precision"] < 0.8]
    assert (scores["recall"] >= 0.8).all(), scores[scores["recall"] < 0.8]


def test_held_out_answers_are_coded_precisely() -> None:
    scores, _truth = _scores("freetext_heldout.csv")
    totals = scores[["tp", "fp", "fn"]].sum()
    precision, recall = totals.tp / (totals.tp + totals.fp), totals.tp / (totals.tp + totals.fn)
    print(f"\nheld-out: micro precision {precision:.3f}, micro recall {recall:.3f}\n" + scores.round(3).to_string())
    # measured once when the held-out set was written: 25 TP, 2 FP, 11 FN (precision 0.926, recall 0.694)
    assert (int(totals.tp), int(totals.fp), int(totals.fn)) == (25, 2, 11)
    assert precision >= 0.8


@pytest.mark.parametrize("text,areas", [
    ("non mi serve l'asilo, i miei figli sono grandi", set()),
    ("Non ci sono asili nido in paese", {"childcare_0_2"}),
    ("mia madre non è più autosufficiente", {"eldercare"}),
    ("i buoni pasto li abbiamo già", set()),
    ("non abbiamo problemi di trasporto, ma servirebbe un aiuto per l'affitto", {"housing"}),
    ("un asilio nido e un check-up", {"childcare_0_2", "health_prevention"}),
    ("sportello di ascolto", {"psychological_support"}),
])
def test_negations_typos_and_clauses(text: str, areas: set[str]) -> None:
    book = load_dictionary(extra=os.devnull)
    assert {a for a, _e, negated in code_text(text, book) if not negated} == areas


def test_user_dictionary_extends_the_packaged_one(tmp_path: Path) -> None:
    extra = tmp_path / "data" / "raw" / "activities" / "freetext_dictionary.yaml"
    extra.parent.mkdir(parents=True)
    extra.write_text("areas:\n  safety:\n    stems: [\"antinfortun*\"]\n    phrases: [\"rumore officina\"]\n",
                     encoding="utf-8")
    base, extended = load_dictionary(extra=os.devnull), load_dictionary(tmp_path)
    text = pd.Series(["scarpe antinfortunistiche", "il rumore in officina"])
    assert code_answers(text, base)["safety"].tolist() == [0, 0]
    assert code_answers(text, extended)["safety"].tolist() == [1, 1]
    bad = tmp_path / "bad.yaml"
    bad.write_text("areas:\n  teletrasporto:\n    stems: [x]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a need area of the codebook"):
        load_dictionary(extra=bad)


def test_term_matches_count_entries_and_never_quote_text() -> None:
    book = load_dictionary(extra=os.devnull)
    texts = pd.Series(["buoni pasto per tutti", "niente buoni pasto, grazie", "Buoni pasto!"])
    table = term_matches(texts, book)
    row = table[(table["area"] == "purchasing_power") & (table["term"] == "buon* pasto")].iloc[0]
    assert (row["answers"], row["negated"]) == (2, 1)
    assert not table.astype(str).apply(lambda c: c.str.contains("tutti|grazie")).any().any()
