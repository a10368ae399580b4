"""Synthetic services: counts follow the user population, planted deserts are empty, placement matches truth."""

from __future__ import annotations

import numpy as np
import pytest

from wecare_analysis.demo.services import DESERT_CATEGORIES, synthetic_services, write_demo_services
from wecare_analysis.services import validate_services


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return write_demo_services(out, seed=3), out


def test_demo_round_trip_and_truth(demo):
    (gpkg, truth_csv), _ = demo
    import pandas as pd

    truth = pd.read_csv(truth_csv)
    r = validate_services(gpkg)
    assert r.rows_read == r.rows_kept == int(truth["drawn"].sum()) and r.rows_quarantined == 0
    got = r.kept.groupby(["municipality_code", "category"]).size()
    want = truth[truth["drawn"] > 0].set_index(["municipality_code", "category"])["drawn"]
    assert got.sort_index().to_dict() == want.sort_index().to_dict()
    deserts = truth[truth["desert"]]
    assert len(deserts) > 0 and set(deserts["category"]) <= set(DESERT_CATEGORIES)
    assert (deserts["drawn"] == 0).all()


def test_counts_follow_the_user_population():
    from wecare_analysis.territory import load_territory

    t = load_territory()
    _, truth = synthetic_services(t, seed=5)
    nido = truth[(truth["category"] == "asilo_nido") & ~truth["desert"]]
    # Poisson draws: total within 5 standard deviations of the expected total
    assert abs(nido["drawn"].sum() - nido["expected"].sum()) < 5 * np.sqrt(nido["expected"].sum())
    torino = truth[(truth["municipality_code"] == 1272) & (truth["category"] == "asilo_nido")].iloc[0]
    assert torino["expected"] == pytest.approx(t.set_index("municipality_code").loc[1272, "age_0_2"] / 250)
