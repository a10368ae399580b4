"""The ``wecare access`` contract: columns, methods, options, cost table and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecare_analysis import cli
from wecare_analysis.access.io import read_points

DEMAND = "id,x,y,demand\na,0,0,200\nb,3000,4000,100\nc,100000,0,50\n"
SUPPLY = "id,x,y,capacity\ns0,0,0,2\ns1,3000,4000,3\n"


def run(tmp_path: Path, monkeypatch, *extra: str, demand: str = DEMAND, supply: str = SUPPLY) -> tuple[int, Path]:
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["wecare_analysis.commands.access"])
    (tmp_path / "d.csv").write_text(demand)
    (tmp_path / "s.csv").write_text(supply)
    out = tmp_path / "out.csv"
    code = cli.main(["access", "--demand", str(tmp_path / "d.csv"), "--supply", str(tmp_path / "s.csv"),
                     "--out", str(out), *extra])
    return code, out


def test_2sfca_by_hand(tmp_path, monkeypatch):
    code, out = run(tmp_path, monkeypatch, "--method", "2sfca", "--radius-km", "5")
    df = pd.read_csv(out, dtype={"id": str})
    assert code == 0 and list(df.columns) == ["id", "access"] and df["id"].tolist() == ["a", "b", "c"]
    # both services reach a and b (300 people): 5 / 300 each; c reaches nothing -> 0
    np.testing.assert_allclose(df["access"], [5 / 300, 5 / 300, 0.0], rtol=1e-12)


def test_gravity_and_e2sfca_by_hand(tmp_path, monkeypatch):
    code, out = run(tmp_path, monkeypatch, "--method", "gravity", "--radius-km", "5", "--alpha", "-1", "--min-km", "1")
    assert code == 0
    # weights: d=0 -> 1, d=5 km -> 1/5. D_s0 = 200 + 100/5 = 220, D_s1 = 200/5 + 100 = 140
    a = 2 / 220 + 0.2 * 3 / 140
    b = 0.2 * 2 / 220 + 3 / 140
    np.testing.assert_allclose(pd.read_csv(out)["access"], [a, b, 0.0], rtol=1e-12)
    _, out = run(tmp_path, monkeypatch, "--method", "e2sfca", "--radius-km", "20", "--bands", "4,10",
                    "--band-weights", "1,0.5")
    a = 2 / 250 + 0.5 * 3 / 200
    b = 0.5 * 2 / 250 + 3 / 200
    np.testing.assert_allclose(pd.read_csv(out)["access"], [a, b, 0.0], rtol=1e-12)


def test_nearest_in_metres_zero_when_nothing_within_radius(tmp_path, monkeypatch, capsys):
    code, out = run(tmp_path, monkeypatch, "--method", "nearest", "--radius-km", "10")
    assert code == 0 and pd.read_csv(out)["access"].tolist() == [0.0, 0.0, 0.0]
    code, out = run(tmp_path, monkeypatch, "--method", "nearest", "--radius-km", "10",
                    demand="id,x,y,demand\na,400,300,1\nb,90000,0,1\n")
    assert pd.read_csv(out)["access"].tolist() == [500.0, 0.0]
    assert "1 demand points have no supply within 10 km" in capsys.readouterr().err


def test_lonlat_input_and_cost_table(tmp_path, monkeypatch):
    lonlat = "id,lon,lat,demand\na,9,45,10\n"
    sup = "id,lon,lat,capacity\ns,9,45.01,1\n"
    code, out = run(tmp_path, monkeypatch, "--method", "nearest", "--radius-km", "5", demand=lonlat, supply=sup)
    assert code == 0
    assert pd.read_csv(out)["access"].iloc[0] == pytest.approx(1111.9, abs=2.0)
    (tmp_path / "c.csv").write_text("origin,dest,cost\na,s0,6000\nb,s0,100\nb,s1,9000\nzz,s1,1\n")
    _, out = run(tmp_path, monkeypatch, "--method", "2sfca", "--radius-km", "7", "--cost", str(tmp_path / "c.csv"))
    # s0 reached by a (200) and b (100): 2/300 each; s1 only beyond 7 km
    np.testing.assert_allclose(pd.read_csv(out)["access"], [2 / 300, 2 / 300, 0.0])


@pytest.mark.parametrize("demand,supply,extra,message", [
    ("", SUPPLY, [], "empty"),
    ("id,x,y,demand\n", SUPPLY, [], "no data rows"),
    ("id,x,y,demand\na,0,0,1\na,5,5,2\n", SUPPLY, [], "repeated id"),
    (DEMAND, "id,x,y,capacity\ns0,0,0,-2\n", [], "expected a value >= 0"),
    (DEMAND, "id,x,y,capacity\ns0,0,abc,2\n", [], "line 2, column 'y': expected a number"),
    ("id,lat,lon,demand\na,0,0,1\n", SUPPLY, [], "not a valid position"),
    ("id,east,north,demand\na,1,1,1\n", SUPPLY, [], "expected columns id,x,y,demand"),
    (DEMAND, SUPPLY, ["--bands", "5,10", "--band-weights", "1"], "one weight per band"),
])
def test_bad_input_exits_2_with_a_message(tmp_path, monkeypatch, capsys, demand, supply, extra, message):
    code, out = run(tmp_path, monkeypatch, "--method", "e2sfca", "--radius-km", "5", *extra,
                    demand=demand, supply=supply)
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err and not out.exists()


def test_usage_errors_exit_2(tmp_path, monkeypatch):
    code, _ = run(tmp_path, monkeypatch, "--method", "2sfca", "--radius-km", "0")
    assert code == 2
    code, _ = run(tmp_path, monkeypatch, "--method", "gravity", "--radius-km", "5", "--min-km", "0")
    assert code == 2
    with pytest.raises(SystemExit) as e:
        run(tmp_path, monkeypatch, "--method", "3sfca", "--radius-km", "5")
    assert e.value.code == 2


def test_read_points_semicolon_decimal_comma(tmp_path):
    (tmp_path / "p.csv").write_text("\ufeffid;x;y;capacity\n007;396000,5;4991000;2,5\n")
    p = read_points(tmp_path / "p.csv", "capacity")
    assert p["id"].tolist() == ["007"] and p["x"].tolist() == [396000.5] and p["value"].tolist() == [2.5]
