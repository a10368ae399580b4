"""Runs that survive faults: resume, only-failed, the run lock, kill -9, the Dask path."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wecare_analysis import pipeline
from wecare_analysis.catalog import Catalog
from wecare_analysis.cli import main
from wecare_analysis.errors import EXIT_LOCKED, WecareError
from wecare_analysis.pipeline import state

pytestmark = pytest.mark.slow

#: The run mechanics do not depend on the notebook: the light territory notebook keeps these tests quick.
LIGHT = {"notebooks": ("01_territory_profile.ipynb",), "pdf": False}
LIGHT_CLI = ["--notebooks", "01_territory_profile.ipynb", "--no-pdf"]


def _fresh_root(tmp_path: Path, project_root: Path) -> Path:
    """A project root sharing the session's processed territory layer (copied, it is small)."""
    import shutil

    root = tmp_path / "proj"
    shutil.copytree(project_root / "data", root / "data")
    return root


def _valid_report(folder: Path) -> bool:
    manifest = json.loads((folder / "manifest.json").read_text())
    return manifest["status"] == "ok" and all((folder / f).is_file() for f in manifest["outputs"])


def test_resume_skips_up_to_date_and_reruns_changed_inputs(tmp_path, project_root):
    root = _fresh_root(tmp_path, project_root)
    first = pipeline.run_all(["VB"], root=root, jobs=1, progress=False, **LIGHT)
    assert [r.status for r in first] == ["ok"]
    again = pipeline.run_all(["VB"], root=root, jobs=1, progress=False, resume=True, **LIGHT)
    assert [r.status for r in again] == ["skipped"]
    # files the report does not read change nothing (issue 19): another year's and another region's
    # processed data, an unrelated raw file, a restricted file
    processed = root / "data" / "processed"
    (processed / "territory_2022_r01.manifest.json").write_text('{"inputs": {"x": "1"}}')
    (processed / "territory_2023_r02.manifest.json").write_text('{"inputs": {"x": "2"}}')
    (root / "data" / "raw" / "restricted").mkdir(parents=True, exist_ok=True)
    (root / "data" / "raw" / "note.csv").write_text("a\n1\n")
    (root / "data" / "raw" / "restricted" / "other_free_text.csv").write_text("id,text\n1,x\n")
    untouched = pipeline.run_all(["VB"], root=root, jobs=1, progress=False, resume=True, **LIGHT)
    assert [r.status for r in untouched] == ["skipped"]
    # an edited ingested survey re-runs the report, and its log names the changed input
    import pandas as pd

    needs_file = processed / "survey" / "needs.parquet"
    needs = pd.read_parquet(needs_file)
    needs.loc[needs.index[0], "need_eldercare"] = 1 - needs["need_eldercare"].iloc[0]
    needs.to_parquet(needs_file)
    changed = pipeline.run_all(["VB"], root=root, jobs=1, progress=False, resume=True, **LIGHT)
    assert [r.status for r in changed] == ["ok"]
    log = (root / "reports" / ".runs" / "VB.log").read_text()
    assert log.startswith("VB: ran because input changed: data/processed/survey/needs.parquet"), log
    manifest = json.loads((root / "reports" / "VB" / "manifest.json").read_text())
    assert "data/processed/survey/needs.parquet" in manifest["inputs"]
    assert not any("territory_2022" in k or "r02" in k or "restricted" in k or "note.csv" in k
                   for k in manifest["inputs"])
    # a damaged report (an output deleted) is not up to date either
    (root / "reports" / "VB" / "territorio.xlsx").unlink()
    repaired = pipeline.run_all(["VB"], root=root, jobs=1, progress=False, resume=True, **LIGHT)
    assert [r.status for r in repaired] == ["ok"] and _valid_report(root / "reports" / "VB")


def test_only_failed_reruns_just_the_failed_province(tmp_path, project_root):
    root = _fresh_root(tmp_path, project_root)
    cat = Catalog(root)
    state.write_status(cat, "BI", "failed", "injected")
    state.write_status(cat, "VB", "ok")
    (root / "reports" / "VB").mkdir(parents=True)
    results = pipeline.run_all(["BI", "VB"], root=root, jobs=1, progress=False, only_failed=True, **LIGHT)
    assert [(r.province, r.status) for r in results] == [("BI", "ok")]


def test_second_concurrent_run_is_refused_at_once(tmp_path, project_root):
    root = _fresh_root(tmp_path, project_root)
    cat = Catalog(root)
    with state.run_lock(cat):
        t0 = time.perf_counter()
        with pytest.raises(WecareError) as err:
            pipeline.run_all(["VB"], root=root, jobs=1, progress=False, **LIGHT)
        assert time.perf_counter() - t0 < 5
        assert err.value.exit_code == EXIT_LOCKED
        assert "another 'wecare run'" in err.value.message and f"pid {os.getpid()}" in err.value.message
    # and through the CLI: exit 3, no traceback
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from wecare_analysis.catalog import Catalog; from wecare_analysis.pipeline import state\n"
        f"with state.run_lock(Catalog({str(root)!r})):\n    print('locked', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        proc = subprocess.run([sys.executable, "-m", "wecare_analysis.cli", "run", "--province", "VB", "--root",
                               str(root), "--no-progress", *LIGHT_CLI], check=False, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 3 and "Traceback" not in proc.stderr and "already writing" in proc.stderr
    finally:
        holder.kill()  # kill -9: the lock must not stay stuck
        holder.wait()
    results = pipeline.run_all(["VB"], root=root, jobs=1, progress=False, **LIGHT)
    assert results[0].status == "ok"


def test_kill_9_mid_run_keeps_published_reports_and_resume_completes(tmp_path, project_root):
    root = _fresh_root(tmp_path, project_root)
    assert pipeline.run_all(["VB"], root=root, jobs=1, progress=False, **LIGHT)[0].status == "ok"
    before = (root / "reports" / "VB" / "manifest.json").read_text()
    # force VB to run again (new input), together with BI and AT, and kill the run while it works
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    (root / "data" / "raw" / "new.csv").write_text("x\n1\n")
    proc = subprocess.Popen([sys.executable, "-m", "wecare_analysis.cli", "run", "--province", "VB", "BI", "AT",
                             "--root", str(root), "--no-progress", "--jobs", "2", *LIGHT_CLI],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not list((root / "reports").glob(".staging-*")):
        time.sleep(0.1)
    time.sleep(1.5)  # let papermill write part of a staging folder
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (root / "reports" / "VB" / "manifest.json").read_text() == before or _valid_report(root / "reports" / "VB")
    for folder in (root / "reports").iterdir():
        if folder.is_dir() and not folder.name.startswith("."):
            assert _valid_report(folder), folder  # whatever is published is complete
    results = pipeline.run_all(["VB", "BI", "AT"], root=root, jobs=2, progress=False, resume=True, **LIGHT)
    assert all(r.status in ("ok", "skipped") for r in results)
    assert all(_valid_report(root / "reports" / p) for p in ("VB", "BI", "AT"))
    assert not list((root / "reports").glob(".staging-*"))


def test_dask_cluster_gives_the_same_reports_as_the_local_pool(tmp_path, project_root):
    from distributed import LocalCluster

    local_root, dask_root = _fresh_root(tmp_path / "a", project_root), _fresh_root(tmp_path / "b", project_root)
    local = pipeline.run_all(["VB", "BI"], root=local_root, jobs=2, progress=False, **LIGHT)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = pipeline.run_all(["VB", "BI"], root=dask_root, progress=False, scheduler=cluster.scheduler_address,
                                **LIGHT)
    assert [r.status for r in local] == [r.status for r in remote] == ["ok", "ok"]
    for sigla in ("VB", "BI"):
        a, b = local_root / "reports" / sigla, dask_root / "reports" / sigla
        files_a = sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file())
        files_b = sorted(str(p.relative_to(b)) for p in b.rglob("*") if p.is_file())
        assert files_a == files_b
        ma, mb = (json.loads((d / "manifest.json").read_text()) for d in (a, b))
        assert ma["outputs"] == mb["outputs"] and ma["notebooks"] == mb["notebooks"]
        assert ma["fingerprint"] != "" and ma["parameters"]["province"] == mb["parameters"]["province"]
        # same content, not only the same file names: the HTML report (figures embedded) is identical
        # but for the random element ids pandas' Styler draws for its tables
        html_a, html_b = ((d / "report.html").read_text(encoding="utf-8") for d in (a, b))
        assert re.sub(r"T_[0-9a-f]{5}", "T_", html_a) == re.sub(r"T_[0-9a-f]{5}", "T_", html_b)


def test_cli_unreachable_scheduler_is_a_clear_error(capsys, project_root):
    code = main(["run", "--province", "VB", "--root", str(project_root), "--no-progress",
                 "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and "Dask scheduler" in err and "Traceback" not in err
