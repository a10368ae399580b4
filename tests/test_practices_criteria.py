"""Criteria values computed by hand, sentences whose numbers equal the table, the ninth practice ranked."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import catalogue_with_ninth

from wecare_analysis.practices.assess import assess_province
from wecare_analysis.practices.catalogue import load_catalogue
from wecare_analysis.practices.criteria import CRITERIA, CriteriaInputs, criteria_table, figure_text
from wecare_analysis.report.transferability import top_paragraphs

DATA = Path(__file__).parent / "data" / "practices"
NUMBER = re.compile(r"\d[\d.]*(?:,\d+)?%?")


def toy_territory() -> pd.DataFrame:
    base = {"age_0_2": 20, "age_3_5": 20, "age_6_14": 80, "age_75_plus": 100, "women_25_49": 150,
            "age_15_64": 600}
    rows = [dict(municipality_code=1, province_sigla="AA", province_code=1, residents=1000, density=2000, **base),
            dict(municipality_code=2, province_sigla="AA", province_code=1, residents=1000, density=50, **base),
            dict(municipality_code=3, province_sigla="BB", province_code=2, residents=2000, density=200,
                 **{k: 2 * v for k, v in base.items()} | {"age_75_plus": 100, "age_15_64": 1300})]
    return pd.DataFrame(rows)


def toy_inputs() -> CriteriaInputs:
    """Criteria inputs of the toy territory, with an income file and a third-sector register."""
    return CriteriaInputs(
        territory=toy_territory(),
        income=pd.DataFrame({"municipality_code": [1, 3], "taxpayers": [100.0, 100.0],
                             "taxable_income": [2_000_000.0, 3_000_000.0]}),
        third_sector=pd.DataFrame({"municipality_code": [1, 3], "entities": [4, 1], "third_sector": [3, 1]}),
        covered_provinces={"third_sector": ["AA", "BB"]})


@pytest.fixture(scope="module")
def toy() -> pd.DataFrame:
    return criteria_table(load_catalogue(), toy_inputs()).set_index(["practice_id", "province_sigla", "criterion"])


def test_density_fit_by_hand(toy):
    # concierge needs 1,000 inhabitants/km2: AA has 1,000 of 2,000 residents in such a municipality, BB none
    assert toy.loc[("maggiordomo_quartiere", "AA", "density_fit"), "score"] == pytest.approx(0.5)
    assert toy.loc[("maggiordomo_quartiere", "BB", "density_fit"), "score"] == 0.0
    assert toy.loc[("biellawelfare", "AA", "density_fit"), "status"] == "non richiesto"


def test_beneficiary_share_and_scale_by_hand(toy):
    # Rete Giunca serves working-age people and, through health, women 25-49 (all-resident services left out)
    share_aa = (1200 / 2000 + 300 / 2000) / 2
    share_bb = (1300 / 2000 + 300 / 2000) / 2
    row = toy.loc[("rete_giunca", "AA", "beneficiary_share")]
    assert row["value"] == pytest.approx(share_aa)
    assert row["score"] == pytest.approx(share_aa / share_bb)
    scale = toy.loc[("rete_giunca", "BB", "scale_fit")]
    assert scale["value"] == 1300 and scale["reference"] == 2500
    assert scale["score"] == pytest.approx(1 / (1 + abs(math.log10(1300 / 2500))))
    assert toy.loc[("welfarenet", "AA", "scale_fit"), "status"] == "neutro"


def test_income_and_third_sector_by_hand(toy):
    inc = toy.loc[("biellawelfare", "AA", "income_fit")]
    assert inc["value"] == 20000 and inc["reference"] == 25000 and inc["score"] == pytest.approx(0.4)
    ts_aa, ts_bb = toy.loc[("biellawelfare", "AA", "third_sector")], toy.loc[("biellawelfare", "BB", "third_sector")]
    assert ts_aa["value"] == pytest.approx(15.0) and ts_aa["score"] == 1.0
    assert ts_bb["value"] == pytest.approx(5.0) and ts_bb["score"] == pytest.approx(1 / 3)
    assert toy.loc[("rete_giunca", "AA", "third_sector"), "status"] == "non richiesto"


def test_absent_inputs_are_marked_unavailable(toy):
    for crit in ("need_prevalence", "offer_gap", "firm_welfare", "existing_services"):
        assert (toy.xs(crit, level="criterion")["status"] == "non disponibile").all()
    assert "non disponibile" in toy.loc[("rete_giunca", "AA", "firm_welfare"), "sentence"]


def _italian(token: str) -> float:
    return float(token.rstrip("%").replace(".", "").replace(",", "."))


def _decimals(token: str) -> int:
    return len(token.rstrip("%").split(",")[1]) if "," in token else 0


def _matches(token: str, candidates: list[tuple[float, bool]]) -> bool:
    v, d = _italian(token), _decimals(token)
    for value, is_share in candidates:
        x = 100 * value if (is_share and token.endswith("%")) else value
        if np.isfinite(x) and abs(x - v) <= 0.5 * 10 ** -d + 1e-9:
            return True
    return False


def assert_numbers_from_table(text: str, candidates: list[tuple[float, bool]], strip: list[str]) -> int:
    for s in sorted(strip, key=len, reverse=True):
        text = text.replace(s, " ")
    tokens = NUMBER.findall(text)
    for tok in tokens:
        assert _matches(tok, candidates), (tok, text)
    return len(tokens)


@pytest.fixture(scope="module")
def assessment(piedmont, tmp_path_factory):
    rng = np.random.default_rng(0)
    terr = pd.DataFrame(piedmont.drop(columns="geometry"))
    sigle = terr["province_sigla"].unique()
    areas = sorted({a for p in load_catalogue().practices for a in p.need_areas} | {"supplementary_pension"})
    prevalence = pd.DataFrame([{"province_sigla": s, "need_area": a, "prevalence": rng.uniform(0.05, 0.5),
                                "se": rng.uniform(0.01, 0.05)} for s in sigle for a in areas])
    firms = pd.DataFrame({"province_sigla": sigle, "firms": 40} | {f"with_{f}": rng.integers(0, 20, len(sigle))
                         for f in ("unilateral", "bilateral", "contractual", "territorial", "any")})
    access = pd.DataFrame([{"municipality_code": m, "category": c, "population": 100.0,
                            "access_per_1000": rng.uniform(0, 3), "gap_index": rng.normal()}
                           for m in terr["municipality_code"] for c in ("rsa", "asilo_nido", "farmacia")])
    cat = load_catalogue(catalogue_with_ninth(tmp_path_factory.mktemp("cat")))
    inputs = CriteriaInputs(territory=terr, prevalence=prevalence, firms=firms, access=access)
    return cat, assess_province("VB", cat, inputs, n_draws=300)


def test_every_sentence_number_equals_the_table(assessment):
    _, a = assessment
    checked = 0
    for row in a.criteria.to_dict("records"):
        c = CRITERIA[row["criterion"]]
        cands = [(row["value"], c.unit == "share"), (row["reference"], c.reference_unit == "share"),
                 (row["score"], False)]
        checked += assert_numbers_from_table(row["sentence"], cands, [row["basis"]])
        for value, unit in ((row["value"], c.unit), (row["reference"], c.reference_unit)):
            if row["status"] == "ok" and np.isfinite(value):
                assert figure_text(value, unit) in row["sentence"]
    assert checked > 500


def test_paragraph_numbers_equal_the_tables(assessment):
    cat, a = assessment
    paragraphs = top_paragraphs(a, cat)
    assert len(paragraphs) == 3
    for pid, text in paragraphs.items():
        rank = a.ranking.set_index("practice_id").loc[pid]
        crit = a.province_criteria[a.province_criteria["practice_id"] == pid]
        cands = [(rank["rank_topsis"], False), (rank["topsis"], False), (rank["p_rank1"], True),
                 (rank["p_top3"], True)] + [(s, False) for s in crit["score"]]
        assert assert_numbers_from_table(text, cands, [cat[pid].name]) >= 4
        assert "Attori locali da coinvolgere" in text and "precondizion" in text.lower()


def test_ninth_practice_scored_and_ranked(assessment):
    _, a = assessment
    assert len(a.ranking) == 9 and "sportelli_info_welfare" in set(a.ranking["practice_id"])
    mine = a.province_criteria[a.province_criteria["practice_id"] == "sportelli_info_welfare"]
    avail = mine["status"] != "non disponibile"
    assert len(mine) == len(CRITERIA) and mine.loc[avail, "score"].between(0, 1).all()
    assert mine.loc[~avail, "criterion"].tolist() == ["income_fit", "third_sector"]
    row = a.ranking.set_index("practice_id").loc["sportelli_info_welfare"]
    assert 1 <= row["rank_topsis"] <= 9 and 0 <= row["p_top3"] <= 1
    assert a.rank_distribution.shape == (9, 9)
