"""AHP, TOPSIS, weighted sum, weights and robustness checked against published worked examples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.errors import InputError
from wecare_analysis.practices.ahp import RANDOM_INDEX, ahp_from_csv, ahp_weights, read_comparison_matrix
from wecare_analysis.practices.mcda import aggregate, ranks, topsis, weighted_sum
from wecare_analysis.practices.robustness import (
    draw_ranks,
    perturbed_weights,
    rank_probabilities,
    scores_for_weights,
)
from wecare_analysis.practices.weights import chosen_weights, criterion_weights

DATA = Path(__file__).parent / "data" / "practices"

# Hwang C.L., Yoon K. (1981) Multiple Attribute Decision Making, Springer LNEMS 186, the fighter-aircraft
# example: max speed, ferry range, max payload, cost (a cost criterion), reliability, manoeuvrability.
FIGHTERS = np.array([[2.0, 1500, 20000, 5.5, 5, 9], [2.5, 2700, 18000, 6.5, 3, 5],
                     [1.8, 2000, 21000, 4.5, 7, 7], [2.2, 1800, 20000, 5.0, 5, 5]])
FIGHTER_WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.2, 0.3]
FIGHTER_BENEFIT = [True, True, True, False, True, True]


def test_topsis_reproduces_hwang_yoon_fighter_example():
    c = topsis(FIGHTERS, FIGHTER_WEIGHTS, FIGHTER_BENEFIT)
    # published relative closeness C*: A1 0.643, A2 0.268, A3 0.613, A4 0.312
    np.testing.assert_allclose(c, [0.643, 0.268, 0.613, 0.312], atol=1e-3)
    assert ranks(c).tolist() == [1, 4, 2, 3]


def test_topsis_matches_pymcdm():
    pymcdm = pytest.importorskip("pymcdm")
    from pymcdm import normalizations

    rng = np.random.default_rng(3)
    x, w = rng.uniform(0, 1, (9, 7)), rng.dirichlet(np.ones(7))
    ref = pymcdm.methods.TOPSIS(normalization_function=normalizations.vector_normalization)(x, w, np.ones(7))
    np.testing.assert_allclose(topsis(x, w), ref, atol=1e-12)


def test_weighted_sum_reproduces_triantaphyllou_example():
    # Triantaphyllou E. (2000) Multi-Criteria Decision Making Methods: A Comparative Study, Springer, §2.2.1:
    # weights 0.20, 0.15, 0.40, 0.25 -> A1 21.50, A2 22.00, A3 22.00 (a tie the WSM cannot break)
    x = np.array([[25, 20, 15, 30], [10, 30, 20, 30], [30, 10, 30, 10]], dtype=float)
    s = weighted_sum(x, [0.20, 0.15, 0.40, 0.25])
    np.testing.assert_allclose(s, [21.5, 22.0, 22.0])
    assert ranks(s).tolist() == [3, 1, 1]


def test_weighted_sum_normalised_matches_pymcdm_wsm():
    pymcdm = pytest.importorskip("pymcdm")
    from pymcdm import normalizations

    rng = np.random.default_rng(4)
    x, w = rng.uniform(0.1, 1, (6, 4)), rng.dirichlet(np.ones(4))
    ref = pymcdm.methods.WSM(normalization_function=normalizations.max_normalization)(x, w, np.ones(4))
    np.testing.assert_allclose(weighted_sum(x, w, normalise=True), ref, atol=1e-12)


def test_ahp_reproduces_leader_example():
    # Saaty's eigenvector method on the classic "choosing a leader" example (criteria experience, education,
    # charisma, age): published priorities 0.547, 0.127, 0.270, 0.056 and CR 0.044 (RI 0.90 for n = 4)
    a = np.array([[1, 4, 3, 7], [1 / 4, 1, 1 / 3, 3], [1 / 3, 3, 1, 5], [1 / 7, 1 / 3, 1 / 5, 1]])
    r = ahp_weights(a)
    np.testing.assert_allclose(r.weights, [0.547, 0.127, 0.270, 0.056], atol=1.5e-3)
    assert round(r.cr, 3) == 0.044 and not r.inconsistent
    assert RANDOM_INDEX[4] == 0.90 and RANDOM_INDEX[9] == 1.45


def test_ahp_consistent_matrix_gives_back_weights():
    w = np.array([0.4, 0.3, 0.2, 0.1])
    r = ahp_weights(w[:, None] / w[None, :])
    np.testing.assert_allclose(r.weights, w, atol=1e-12)
    assert abs(r.lambda_max - 4) < 1e-9 and r.cr < 1e-9


def test_ahp_csv_upper_triangle_and_flags():
    m = read_comparison_matrix(DATA / "ahp_categories.csv")
    assert m.loc["environment", "population"] == pytest.approx(1 / 3)
    assert m.loc["scale", "implementation"] == pytest.approx(0.25)
    good = ahp_from_csv(DATA / "ahp_categories.csv")
    assert good.weights.idxmax() == "population" and not good.inconsistent
    bad = ahp_from_csv(DATA / "ahp_inconsistent.csv")
    assert bad.inconsistent and bad.cr > 0.10


def test_ahp_csv_not_reciprocal_names_the_cell():
    with pytest.raises(InputError, match=r"row 3, column population: expected the reciprocal of 3"):
        read_comparison_matrix(DATA / "ahp_not_reciprocal.csv")


def test_default_weights_equal_per_category_and_renormalised():
    w, source = chosen_weights()
    by_cat = w.groupby(lambda c: {"need_prevalence": "p", "beneficiary_share": "p", "scale_fit": "s"}.get(c, "o"))
    assert by_cat.sum()["p"] == pytest.approx(0.25) and by_cat.sum()["s"] == pytest.approx(0.25)
    assert source == "pesi uguali per categoria"
    t = criterion_weights(unavailable=["income_fit", "third_sector"]).set_index("criterion")
    # environment: 0.25 over density and offer gap (income lost); implementation: 0.25 over firm, existing
    assert t.loc["density_fit", "weight"] == pytest.approx(0.125)
    assert t.loc["firm_welfare", "weight"] == pytest.approx(0.125)
    assert t.loc["income_fit", "weight"] == 0 and t.loc["income_fit", "status"] == "non disponibile"
    assert t["weight"].sum() == pytest.approx(1.0)


def test_ahp_category_weights_split_inside_category():
    ahp = ahp_from_csv(DATA / "ahp_categories.csv")
    t = criterion_weights(ahp=ahp).set_index("criterion")
    assert t.loc["need_prevalence", "weight"] == pytest.approx(ahp.weights["population"] / 2)
    assert t.loc["scale_fit", "weight"] == pytest.approx(ahp.weights["scale"])


def test_dirichlet_draws_have_the_chosen_mean():
    d = perturbed_weights([0.5, 0.25, 0.25], n_draws=40000, concentration=50, seed=2)
    np.testing.assert_allclose(d.mean(axis=0), [0.5, 0.25, 0.25], atol=3e-3)
    # variance w(1-w)/(kappa+1)
    assert d[:, 0].var() == pytest.approx(0.25 / 51, rel=0.05)


def test_vectorised_scores_equal_topsis_per_draw():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, (5, 4))
    draws = perturbed_weights([0.4, 0.3, 0.2, 0.1], n_draws=20, seed=1)
    fast = scores_for_weights(x, draws, "topsis")
    slow = np.array([topsis(x, w) for w in draws])
    np.testing.assert_allclose(fast, slow, atol=1e-12)
    np.testing.assert_allclose(scores_for_weights(x, draws, "weighted_sum"), draws @ x.T)
    assert draw_ranks(np.array([[0.1, 0.9, 0.5]])).tolist() == [[3, 1, 2]]


def test_dominant_practice_is_first_in_every_draw():
    m = pd.DataFrame([[0.9, 0.8, 0.9], [0.5, 0.7, 0.1], [0.2, 0.1, 0.6], [0.1, 0.2, 0.3]],
                     index=["a", "b", "c", "d"], columns=["need_prevalence", "density_fit", "scale_fit"])
    summary, dist = rank_probabilities(m, pd.Series([0.4, 0.3, 0.3], index=m.columns), n_draws=500)
    s = summary.set_index("practice_id")
    assert s.loc["a", "p_rank1"] == 1.0 and s.loc["d", "p_top3"] == pytest.approx(
        1 - dist.loc["d", 4])
    np.testing.assert_allclose(dist.sum(axis=1), 1.0)
    agg = aggregate(m, pd.Series([0.4, 0.3, 0.3], index=m.columns))
    assert agg["practice_id"].iloc[0] == "a" and agg["rank_weighted_sum"].iloc[0] == 1
