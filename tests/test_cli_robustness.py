"""Robustness of the ``wecare`` command line on broken input: one message, a documented exit code, no
traceback, nothing lost (rows read = kept + quarantined [+ outside]), no identifier outside ``data/raw/``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_estimate_cli import write_estimate_data

from wecare_analysis import cli
from wecare_analysis.cli import main
from wecare_analysis.errors import EXIT_INTERNAL

SURVEY = Path(__file__).parent / "data" / "survey" / "base_kobo.csv"
# services in Piedmont: Torino, Biella, Cuneo, Novara, Asti (lon, lat)
PLACES = [(7.6869, 45.0703), (8.0541, 45.5663), (7.5479, 44.3845), (8.6219, 45.4469), (8.2069, 44.9008)]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    return code, captured.out, captured.err


def _services_csv(path: Path, swap: bool = False, extra: str = "") -> Path:
    lines = ["id,category,name,lon,lat"]
    for i, (lon, lat) in enumerate(PLACES * 4):
        x, y = (lat, lon) if swap else (lon, lat)
        lines.append(f"s{i},farmacia,Farmacia {i},{x},{y}")
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


# --- services validate -------------------------------------------------------------------------------------------

def test_services_unquoted_comma_is_quarantined_and_the_rest_read(tmp_path, capsys):
    src = _services_csv(tmp_path / "s.csv", extra="s99,farmacia,Rossi, Bianchi snc,7.68,45.07\ns100,rsa,RSA,7.69,45.07\n")
    code, out, err = _run(["services", "validate", str(src), "--json"], capsys)
    summary = json.loads(out)
    assert code == 1
    assert (summary["rows_read"], summary["rows_kept"], summary["rows_quarantined"]) == (22, 21, 1)
    assert summary["rows_read"] == summary["rows_kept"] + summary["rows_quarantined"] + summary["rows_outside_region"]
    q = pd.read_csv(summary["quarantine_file"], dtype=str)
    assert q["row"].tolist() == ["22"] and "the row has 6 fields, the header has 5" in q["reason"].iloc[0]
    assert "Rossi" in q["raw_record"].iloc[0]  # the quarantine stays next to the input, in data/raw/
    assert "row 22: the row has 6 fields" in err


def test_services_undecodable_byte_and_unclosed_quote(tmp_path, capsys):
    src = tmp_path / "b.csv"
    src.write_bytes(b"id,category,name,lon,lat\n1,farmacia,Caf\x81,7.68,45.07\n2,farmacia,\"Open,7.69,45.07\n"
                    b"3,farmacia,Three,7.70,45.07\n4,farmacia,Four,7.71,45.07\n")
    code, out, _ = _run(["services", "validate", str(src), "--json"], capsys)
    summary = json.loads(out)
    assert code == 1 and (summary["rows_read"], summary["rows_kept"], summary["rows_quarantined"]) == (4, 3, 1)
    assert any("unclosed quote" in r for r in summary["reasons"])


def test_services_swapped_coordinates_are_listed_and_explained(tmp_path, capsys):
    src = _services_csv(tmp_path / "swapped.csv", swap=True)
    code, out, err = _run(["services", "validate", str(src), "--json"], capsys)
    summary = json.loads(out)
    assert code == 1
    assert (summary["rows_read"], summary["rows_kept"], summary["rows_outside_region"]) == (20, 0, 20)
    outside = pd.read_csv(summary["outside_file"], dtype=str)
    assert Path(summary["outside_file"]).name == "swapped.csv.outside.csv"
    assert len(outside) == 20 and set(outside["reason"]) == {"outside region 01"}
    assert "lon/lat swapped" in err and "exchange the lon and lat columns" in err


def test_services_gauss_boaga_points_suggest_the_crs(tmp_path, capsys):
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3003", always_xy=True).transform(*zip(*PLACES))
    src = tmp_path / "gb.csv"
    pd.DataFrame({"id": range(5), "category": "farmacia", "x": x, "y": y}).to_csv(src, index=False)
    code, out, err = _run(["services", "validate", str(src)], capsys)
    assert code == 1 and "5 outside the region" in out and "EPSG:3003" in err


def test_services_unknown_category_argument_exits_2(tmp_path, capsys):
    src = _services_csv(tmp_path / "s.csv")
    code, out, err = _run(["services", "validate", str(src), "--category", "boh", "--json"], capsys)
    assert code == 2 and "--category 'boh'" in err and "asilo_nido" in err and "farmacia" in err
    assert json.loads(out)["exit_code"] == 2
    assert not (tmp_path / "s.csv.quarantine.csv").exists()


@pytest.mark.parametrize(("content", "fragment"), [(None, "file not found"), (b"", "empty"),
                                                   (b"id,category,lon,lat\n", "no data rows")])
def test_services_json_errors(tmp_path, capsys, content, fragment):
    src = tmp_path / "x.csv"
    if content is not None:
        src.write_bytes(content)
    code, out, err = _run(["services", "validate", str(src), "--json"], capsys)
    payload = json.loads(out)
    assert code == 2 and payload["exit_code"] == 2 and fragment in payload["errors"][0] and fragment in err


def test_services_quarantine_path_is_a_folder_and_stale_quarantine_removed(tmp_path, capsys):
    src = _services_csv(tmp_path / "s.csv", extra="x,bar,Bar,7.68,45.07\n")
    code, _, err = _run(["services", "validate", str(src), "--quarantine", str(tmp_path)], capsys)
    assert code == 2 and f"cannot write {tmp_path}: it is a folder" in err
    assert _run(["services", "validate", str(src)], capsys)[0] == 1
    assert (tmp_path / "s.csv.quarantine.csv").exists()
    _services_csv(src)  # fixed: the old quarantine would describe rows that are fine now
    assert _run(["services", "validate", str(src)], capsys)[0] == 0
    assert not (tmp_path / "s.csv.quarantine.csv").exists()


# --- survey validate ---------------------------------------------------------------------------------------------

def _survey_lines() -> list[str]:
    return SURVEY.read_text(encoding="utf-8").splitlines()


def _validate(tmp_path: Path, text: str, capsys) -> tuple[int, dict, str]:
    src = tmp_path / "raw" / "in.csv"
    src.parent.mkdir(exist_ok=True)
    src.write_text(text, encoding="utf-8")
    code, out, err = _run(["survey", "validate", str(src), "--json", "--out", str(tmp_path / "out"),
                           "--root", str(tmp_path)], capsys)
    return code, json.loads(out), err


def test_survey_unclosed_quote_loses_no_line(tmp_path, capsys):
    lines = _survey_lines()
    cells = lines[5].split(";")
    cells[50] = '"Servirebbe un asilo'  # contatti/comments, quote never closed
    lines[5] = ";".join(cells)
    code, summary, _ = _validate(tmp_path, "\n".join(lines) + "\n", capsys)
    assert code == 1
    assert (summary["rows_read"], summary["rows_kept"], summary["rows_quarantined"]) == (12, 11, 1)
    assert "unclosed quote" in summary["errors"][0] and "line 6" in summary["errors"][0]


def test_survey_ragged_row_writes_no_value_outside_raw(tmp_path, capsys):
    lines = _survey_lines()
    lines[3] = lines[3].replace("Impresa demo", "Rossi; Bianchi", 1)
    assert "Rossi; Bianchi" in lines[3]
    code, summary, _ = _validate(tmp_path, "\n".join(lines) + "\n", capsys)
    assert code == 1 and (summary["rows_read"], summary["rows_quarantined"]) == (12, 1)
    q = pd.read_csv(tmp_path / "out" / "quarantine.csv", dtype=str, keep_default_na=False)
    assert q.to_dict("records") == [{"row": "4", "column": "(row)", "value": "",
                                     "reason": q["reason"].iloc[0]}]
    assert q["reason"].iloc[0].startswith("the row has 56 fields, the header has 55")
    for f in (tmp_path / "out").iterdir():
        assert b"Bianchi" not in f.read_bytes(), f


def test_survey_output_under_a_file_exits_2_with_json(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    code, out, err = _run(["survey", "validate", str(SURVEY), "--json", "--out", str(tmp_path / "afile" / "x"),
                           "--root", str(tmp_path)], capsys)
    assert code == 2 and "is a file, not a folder" in err and json.loads(out)["exit_code"] == 2


def test_survey_outputs_are_one_set(tmp_path, monkeypatch):
    from wecare_analysis.survey import ingest

    out = tmp_path / "out"
    ingest.ingest_survey(SURVEY, out_dir=out, root=tmp_path)
    before = {f.name: f.read_bytes() for f in out.iterdir()}

    def broken(_frame):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest, "needs_table", broken)
    with pytest.raises(RuntimeError):
        ingest.ingest_survey(SURVEY, out_dir=out, root=tmp_path)
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before  # no mix, no temporary left


# --- last-resort handler -----------------------------------------------------------------------------------------

def _fake_command(monkeypatch, exc: BaseException) -> None:
    def register(sub):
        p = sub.add_parser("boom")
        p.add_argument("--json", action="store_true")

        def fail(args):
            raise exc
        p.set_defaults(func=fail)

    import types

    module = types.ModuleType("wecare_fake_boom")
    module.register = register
    monkeypatch.setitem(__import__("sys").modules, "wecare_fake_boom", module)
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["wecare_fake_boom"])


def test_unexpected_exception_is_one_line_and_a_log(monkeypatch, capsys):
    _fake_command(monkeypatch, ValueError("bad thing"))
    code, out, err = _run(["boom", "--json"], capsys)
    assert code == EXIT_INTERNAL == 4
    assert err.count("\n") == 1 and "internal error: ValueError: bad thing (details in " in err
    log = Path(err.split("details in ")[1].split(")")[0])
    assert "Traceback" in log.read_text() and "bad thing" in log.read_text()
    assert json.loads(out)["exit_code"] == 4
    log.unlink()


def test_os_error_is_exit_2(monkeypatch, capsys):
    _fake_command(monkeypatch, PermissionError(13, "Permission denied", "/x/y.csv"))
    code, _, err = _run(["boom"], capsys)
    assert code == 2 and "cannot read/write /x/y.csv: permission denied" in err


# --- estimate / model --------------------------------------------------------------------------------------------

@pytest.fixture()
def tidy(tmp_path: Path) -> Path:
    return write_estimate_data(tmp_path / "tidy.csv")


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--trim-lower", "5", "--trim-upper", "1"], "--trim-lower (5) is above --trim-upper (1)"),
    (["--weights", "w", "--trim-lower", "1000", "--trim-upper", "2000"], "every weight is outside"),
    (["--level", "1.5"], "--level must be between 0 and 1"),
    (["--level", "0"], "--level must be between 0 and 1"),
    (["--rake-to", "DIR"], "is a folder"),
])
def test_estimate_bad_options_exit_2(tidy, tmp_path, capsys, extra, fragment):
    extra = [str(tmp_path) if e == "DIR" else e for e in extra]
    code, _, err = _run(["estimate", str(tidy), "--vars", "need_health", *extra], capsys)
    assert code == 2 and fragment in err


def test_estimate_all_missing_variable_and_plain_numbers_in_messages(tidy, capsys):
    df = pd.read_csv(tidy)
    df.assign(empty=np.nan).to_csv(tidy, index=False)
    code, _, err = _run(["estimate", str(tidy), "--vars", "empty"], capsys)
    assert code == 2 and "every value is missing" in err
    df.loc[3, "w"] = 0.0
    df.to_csv(tidy, index=False)
    code, _, err = _run(["estimate", str(tidy), "--vars", "need_health", "--weights", "w"], capsys)
    assert code == 2 and "(0.0)" in err and "np.float64" not in err


def test_estimate_decodes_the_whole_file(tidy, capsys):
    df = pd.read_csv(tidy)
    df["label"] = "a"
    df.loc[len(df) - 1, "label"] = "Società"  # the only non-ASCII byte is far past the first 4 KB
    df.to_csv(tidy, index=False, encoding="cp1252")
    code, out, _ = _run(["estimate", str(tidy), "--vars", "need_health", "--by", "label"], capsys)
    assert code == 0 and "Società" in out


def test_model_singular_and_formula_injection(tidy, tmp_path, capsys):
    df = pd.read_csv(tidy)
    df["id"] = np.arange(len(df))
    df.to_csv(tidy, index=False)
    code, _, err = _run(["model", str(tidy), "--formula", "need_health ~ C(id)"], capsys)
    assert code == 2 and ("singular" in err or "rank deficient" in err or "did not converge" in err)
    marker = tmp_path / "pwned"
    code, _, err = _run(["model", str(tidy), "--formula",
                         f"need_health ~ __import__('os').system('touch {marker}')"], capsys)
    assert code == 2 and "'__import__' is not a column" in err and not marker.exists()
    code, _, err = _run(["model", str(tidy), "--formula", "need_health ~ np.log(employees)"], capsys)
    assert code == 2 and "'np' is not a column" in err
    code, out, _ = _run(["model", str(tidy), "--formula", 'need_health ~ C(sex) + Q("employees") - 1'], capsys)
    assert code == 0 and "C(sex)[M]" in out


def test_model_singular_information_matrix_is_an_input_error():
    from wecare_analysis.errors import InputError
    from wecare_analysis.survey.model import logistic_fit

    with pytest.raises(InputError, match="information matrix is singular .* too many parameters for the data"):
        logistic_fit(np.array([0.0, 1.0, 1.0, 0.0]), np.ones((4, 2)), np.ones(4))


def test_model_one_level_per_few_records_exits_2(tmp_path, capsys):
    rng = np.random.default_rng(0)
    firm = np.repeat(np.arange(30), 3)
    y = (rng.random(90) < 0.1).astype(int)
    path = tmp_path / "t.csv"
    pd.DataFrame({"y": y, "firm": firm}).to_csv(path, index=False)
    code, _, err = _run(["model", str(path), "--formula", "y ~ C(firm)"], capsys)
    assert code == 2
    assert "too many parameters for the data" in err or "did not converge" in err or "rank deficient" in err


# --- access, demo-data, codebook ---------------------------------------------------------------------------------

def test_access_quoted_header_keeps_leading_zeros(tmp_path, capsys):
    (tmp_path / "d.csv").write_text('"id","lon","lat","demand"\n"001272",7.68,45.07,100\n"001006",7.40,45.12,50\n')
    (tmp_path / "s.csv").write_text('"id","lon","lat","capacity"\n"s1",7.68,45.07,2\n')
    code, out, _ = _run(["access", "--demand", str(tmp_path / "d.csv"), "--supply", str(tmp_path / "s.csv"),
                         "--method", "2sfca", "--radius-km", "10"], capsys)
    assert code == 0 and out.splitlines()[1].startswith("001272,") and out.splitlines()[2].startswith("001006,")
    (tmp_path / "afile").write_text("x")
    code, _, err = _run(["access", "--demand", str(tmp_path / "d.csv"), "--supply", str(tmp_path / "s.csv"),
                         "--method", "2sfca", "--radius-km", "10", "--out", str(tmp_path / "afile" / "o.csv")],
                        capsys)
    assert code == 2 and "is a file, not a folder" in err


def test_demo_and_codebook_unwritable_outputs(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    code, _, err = _run(["demo-data", "--out", str(tmp_path / "afile" / "d"), "--respondents", "5"], capsys)
    assert code == 2 and "is a file, not a folder" in err
    code, _, err = _run(["codebook", "export", "--format", "markdown", "--out", str(tmp_path)], capsys)
    assert code == 2 and "it is a folder" in err


# --- wecare run ----------------------------------------------------------------------------------------------------

def test_run_json_errors_and_services_outside_the_region(project_root, tmp_path, capsys):
    code, out, _ = _run(["run", "--province", "XX", "--root", str(project_root), "--json", "--no-progress"], capsys)
    assert code == 2 and "unknown province" in json.loads(out)["error"]
    code, out, _ = _run(["run", "--province", "AT", "--root", str(project_root), "--json", "--no-progress",
                         "--services", str(tmp_path / "none.csv")], capsys)
    assert code == 2 and "not found" in json.loads(out)["error"]
    src = _services_csv(tmp_path / "swapped.csv", swap=True)
    code, _, err = _run(["run", "--province", "AT", "--root", str(project_root), "--services", str(src),
                         "--no-progress"], capsys)
    assert code == 2 and "no service of the region was kept" in err and "exchange the lon and lat" in err
    assert len(pd.read_csv(tmp_path / "swapped.csv.outside.csv")) == 20


def test_access_ragged_line_and_empty_cell(tmp_path, capsys):
    (tmp_path / "s.csv").write_text("id,x,y,capacity\ns1,0,0,2\n")
    (tmp_path / "d.csv").write_text("id,x,y,demand\n001,0,0,100,extra\n")
    code, _, err = _run(["access", "--demand", str(tmp_path / "d.csv"), "--supply", str(tmp_path / "s.csv"),
                         "--method", "2sfca", "--radius-km", "10"], capsys)
    assert code == 2 and "line 2 has 5 fields, the header has 4" in err
    (tmp_path / "d.csv").write_text("id,x,y,demand\n001,0,0,100\n002,0,,50\n")
    code, _, err = _run(["access", "--demand", str(tmp_path / "d.csv"), "--supply", str(tmp_path / "s.csv"),
                         "--method", "2sfca", "--radius-km", "10"], capsys)
    assert code == 2 and "line 3, column 'y': expected a number, found an empty cell" in err
    assert "np.float64" not in err


@pytest.mark.parametrize(("text", "fragment"), [("variable,level,total\n", "no rows after the header"),
                                                ("variable,level,total\nsex,F,inf\n", "found inf.")])
def test_margins_without_rows_or_with_infinite_total(tidy, tmp_path, capsys, text, fragment):
    (tmp_path / "m.csv").write_text(text)
    code, _, err = _run(["estimate", str(tidy), "--vars", "need_health", "--rake-to", str(tmp_path / "m.csv")],
                        capsys)
    assert code == 2 and fragment in err
