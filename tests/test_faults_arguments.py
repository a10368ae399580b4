"""Argument checks of every command (issue 18, item 13): a bad value is exit 2 with one message naming the
option, never exit 4 or a traceback, and nothing is created."""

from __future__ import annotations

import argparse
import time

import pandas as pd
import pytest

from wecare_analysis.catalog import Catalog
from wecare_analysis.cli import main
from wecare_analysis.commands.validators import check_project_root
from wecare_analysis.errors import EXIT_LOCKED, EXIT_UNUSABLE, InputError
from wecare_analysis.pipeline import state


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's usage errors leave through SystemExit(2)
        code = stop.code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.err


@pytest.mark.parametrize(("argv", "fragment"), [
    (["run", "--scheduler", "not a url"], "argument --scheduler: expected a Dask scheduler address"),
    (["run", "--timeout", "-1"], "argument --timeout: must be at least 1, found -1"),
    (["run", "--notebook-timeout", "-1"], "argument --notebook-timeout: must be at least 1, found -1"),
    (["run", "--jobs", "-5"], "argument --jobs: must be at least 1, found -5"),
    (["run", "--jobs", "0"], "argument --jobs: must be at least 1, found 0"),
    (["run", "--jobs", "due"], "argument --jobs: expected a whole number, found 'due'"),
    (["demo-data", "--seed", "-1"], "argument --seed: must be at least 0, found -1"),
    (["demo-data", "--respondents", "1000000000"], "argument --respondents: must be from 1 to 1,000,000"),
    (["demo-data", "--respondents", "0"], "argument --respondents: must be from 1 to 1,000,000"),
    (["access", "--demand", "d.csv", "--supply", "s.csv", "--method", "gravity", "--radius-km", "10",
      "--alpha", "nan"], "argument --alpha: expected a finite number, found 'nan'"),
    (["access", "--demand", "d.csv", "--supply", "s.csv", "--method", "2sfca", "--radius-km", "inf"],
     "argument --radius-km: expected a finite number, found 'inf'"),
])
def test_bad_option_values_exit_2(argv, fragment, capsys):
    t0 = time.perf_counter()
    code, err = _run(argv, capsys)
    assert code == EXIT_UNUSABLE and fragment in err, err
    assert time.perf_counter() - t0 < 5  # refused before any work


@pytest.mark.parametrize("command", [["run"], ["territory", "build"], ["demo-data"]])
def test_root_must_be_an_existing_project_unless_init(command, tmp_path, capsys):
    typo = tmp_path / "typo"
    code, err = _run([*command, "--root", str(typo)], capsys)
    assert code == EXIT_UNUSABLE and f"--root {typo} does not exist" in err and "--init" in err
    assert not typo.exists()  # no new project was started


def test_root_checks_for_survey_validate_and_the_environment(tmp_path, capsys, monkeypatch):
    export = tmp_path / "survey.csv"
    export.write_text("a\n1\n")
    code, err = _run(["survey", "validate", str(export), "--root", str(tmp_path / "nope")], capsys)
    assert code == 2 and "does not exist" in err and not (tmp_path / "nope").exists()
    monkeypatch.setenv("WECARE_ROOT", str(export))
    code, err = _run(["run"], capsys)
    assert code == 2 and f"$WECARE_ROOT {export} is a file, not a folder" in err
    # --init lets the folder be new; an existing folder needs nothing
    check_project_root(argparse.Namespace(root=str(tmp_path / "new"), init=True))
    monkeypatch.delenv("WECARE_ROOT")
    check_project_root(argparse.Namespace(root=str(tmp_path), init=False))
    with pytest.raises(InputError):
        check_project_root(argparse.Namespace(root=str(tmp_path / "new"), init=False))


def test_survey_validate_of_a_folder_says_so(tmp_path, capsys):
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "wave1.csv").write_text("a\n1\n")
    code, err = _run(["survey", "validate", str(tmp_path / "exports")], capsys)
    assert code == 2 and f"{tmp_path / 'exports'} is a folder, give the file to read; it holds wave1.csv" in err


def test_the_lock_is_checked_before_the_territory_loads(tmp_path, capsys):
    root = tmp_path / "proj"
    root.mkdir()
    with state.run_lock(Catalog(root)):
        t0 = time.perf_counter()
        code, err = _run(["run", "--root", str(root), "--no-progress"], capsys)
        elapsed = time.perf_counter() - t0
    assert code == EXIT_LOCKED and "already writing" in err
    assert elapsed < 3 and not (root / "data").exists()  # the territory was not built first


def test_zero_demand_is_left_empty_not_inf(tmp_path, capsys):
    # two villages of 0 people, one of 200; the first doctor reaches only the empty villages
    pd.DataFrame({"id": ["a", "b", "c"], "x": [0, 1000, 50000], "y": [0, 0, 0], "demand": [0, 0, 200]}).to_csv(
        tmp_path / "d.csv", index=False)
    pd.DataFrame({"id": ["s1", "s2"], "x": [500, 50000], "y": [0, 0], "capacity": [2, 1]}).to_csv(
        tmp_path / "s.csv", index=False)
    out = tmp_path / "a.csv"
    code, err = _run(["access", "--demand", str(tmp_path / "d.csv"), "--supply", str(tmp_path / "s.csv"),
                      "--method", "2sfca", "--radius-km", "5", "--out", str(out)], capsys)
    assert code == 1 and "2 demand points (e.g. a, b) reach only supply points whose catchment holds no demand" in err
    text = out.read_text()
    assert "inf" not in text
    assert text.splitlines() == ["id,access", "a,", "b,", "c,0.005"]  # 1 doctor / 200 people
