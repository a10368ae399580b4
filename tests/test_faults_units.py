"""Fault injection without notebooks (fast): a dead pool worker, orphaned workers, staging ownership,
the lock check before publication, per-file hashes of a report."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from wecare_analysis.catalog import Catalog
from wecare_analysis.pipeline import integrity, lifecycle, staging, state
from wecare_analysis.pipeline.pool import BROKEN_MESSAGE, run_on_local_pool
from wecare_analysis.pipeline.province_run import ProvinceResult, RunSpec


def _task(spec: RunSpec) -> ProvinceResult:
    """Stands for run_province: records that it started, then the report ``DIE`` kills its own worker."""
    cat = Catalog(spec.root)
    state.write_status(cat, spec.province, "running")
    if spec.province == "DIE":
        deadline = time.time() + 20
        while not state.runs_dir(cat).joinpath("SLOW.json").read_text().count('"running"') \
                and time.time() < deadline:  # SLOW runs beside it when it dies
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(5 if spec.province == "SLOW" else 0.05)
    return ProvinceResult(spec.province, "ok", 0.1)


def test_a_dead_worker_fails_what_was_running_and_the_queue_runs_on_a_new_pool(tmp_path):
    cat = Catalog(tmp_path)
    names = ["DIE", "SLOW", "Q1", "Q2", "Q3"]
    specs = [RunSpec(p, 2023, "01", str(tmp_path), "") for p in names]
    for p in names:
        state.write_status(cat, p, "queued")  # as run_all does before submitting
    results = {r.province: r for r in run_on_local_pool(specs, 2, task=_task)}
    assert sorted(results) == sorted(names)
    # the killed one and the one running beside it (the broken pool stops it) are failed, with the reason
    assert results["DIE"].status == results["SLOW"].status == "failed"
    assert results["DIE"].error == BROKEN_MESSAGE
    # those still queued when the pool broke ran on a new one
    assert [results[p].status for p in ("Q1", "Q2", "Q3")] == ["ok", "ok", "ok"]
    # and --only-failed picks exactly the failed ones once run_all has recorded them
    for r in results.values():
        state.write_status(cat, r.province, r.status, r.error)
    assert state.failed_provinces(cat, names) == ["DIE", "SLOW"]


@pytest.mark.parametrize("status", ["queued", "running", "interrupted", "failed"])
def test_only_failed_includes_attempts_cut_short(tmp_path, status):
    cat = Catalog(tmp_path)
    (tmp_path / "reports" / "VB").mkdir(parents=True)  # an older published report does not make it done
    state.write_status(cat, "VB", status)
    state.write_status(cat, "BI", "ok")
    (tmp_path / "reports" / "BI").mkdir()
    assert state.failed_provinces(cat, ["VB", "BI"]) == ["VB"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_only_dead_owners_staging_is_removed(tmp_path):
    cat = Catalog(tmp_path)
    mine = staging.new_staging(cat, "VB")
    host = staging.host_name()
    dead = cat.reports / f".staging-BI-{_dead_pid()}-123-abcdef12-{host}"
    reused = cat.reports / f".staging-AT-{os.getpid()}-1-abcdef12-{host}"  # our pid, another start time
    legacy = cat.reports / ".staging-CN-0a1b2c3d"
    foreign_new = cat.reports / ".staging-TO-42-7-abcdef12-another-host.example"
    foreign_old = cat.reports / ".staging-NO-42-7-abcdef12-another-host.example"
    for folder in (dead, reused, legacy, foreign_new, foreign_old):
        (folder / "figures").mkdir(parents=True)
    os.utime(foreign_old, (time.time() - 2 * staging.FOREIGN_STALE_SECONDS,) * 2)
    assert staging.staging_owner(foreign_new) == ("another-host.example", 42, "7")
    removed = staging.remove_stale_staging(cat)
    assert sorted(p.name for p in removed) == sorted(p.name for p in (dead, reused, legacy, foreign_old))
    assert mine.is_dir() and foreign_new.is_dir()
    staging.discard_staging(mine)
    assert not mine.exists()


def test_publication_needs_the_run_to_hold_the_lock(tmp_path):
    cat = Catalog(tmp_path)
    owner = lifecycle.run_owner()
    with state.run_lock(cat):
        lifecycle.ensure_run_alive(cat, owner)  # our own run: fine
        host = staging.host_name()
        with pytest.raises(lifecycle.RunAbandoned, match="no longer holds the lock"):
            lifecycle.ensure_run_alive(cat, f"{host}:{_dead_pid()}:5")  # the lock belongs to another run
    with pytest.raises(lifecycle.RunAbandoned, match="no longer holds the lock"):
        lifecycle.ensure_run_alive(cat, owner)  # the run ended
    # a run killed by kill -9 leaves its owner file, naming a dead process
    dead = _dead_pid()
    (cat.reports / lifecycle.OWNER_NAME).write_text(f"pid {dead} on {staging.host_name()} since now")
    with pytest.raises(lifecycle.RunAbandoned, match="has ended"):
        lifecycle.ensure_run_alive(cat, f"{staging.host_name()}:{dead}:0")


ORPHAN_PARENT = textwrap.dedent("""
    import os, subprocess, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from wecare_analysis.catalog import Catalog
    from wecare_analysis.pipeline import lifecycle, staging

    def work(root):
        folder = staging.new_staging(Catalog(root), "VB")
        kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
        print(os.getpid(), kernel.pid, folder, flush=True)
        time.sleep(120)

    if __name__ == "__main__":
        pid = os.getpid()
        with ProcessPoolExecutor(1, initializer=lifecycle.worker_init,
                                 initargs=(pid, staging.process_start_time(pid))) as pool:
            pool.submit(work, sys.argv[1]).result()
""")


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_kill_9_of_the_parent_takes_its_workers_kernels_and_staging_with_it(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(ORPHAN_PARENT)
    parent = subprocess.Popen([sys.executable, str(script), str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    pids: list[int] = []
    try:
        worker, kernel, folder = parent.stdout.readline().split()
        pids = [int(worker), int(kernel)]
        assert Path(folder).is_dir()
        parent.kill()  # kill -9 of the parent alone
        parent.wait()
        deadline = time.time() + 5
        while time.time() < deadline and not all(_gone(p) for p in pids):
            time.sleep(0.05)
        assert all(_gone(p) for p in pids), "a worker or its kernel outlived the run"
        assert not Path(folder).exists()
    finally:
        for pid in pids:  # never leave a process behind, even when the test fails
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        parent.kill()


def _report(folder: Path) -> dict:
    (folder / "figures").mkdir(parents=True)
    (folder / "report.html").write_text("<p>rapporto</p>", encoding="utf-8")
    (folder / "figures" / "a.png").write_bytes(b"\x89PNG" + bytes(range(200)))
    files = integrity.file_records(folder)
    manifest = {"status": "ok", "outputs": [*files, "manifest.json"], "files": files}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return files


def test_per_file_hashes_catch_emptied_garbled_and_missing_outputs(tmp_path):
    import hashlib

    files = _report(tmp_path / "VB")
    assert files["report.html"] == {"size": 15, "sha256": hashlib.sha256(b"<p>rapporto</p>").hexdigest()}
    assert integrity.report_problems(tmp_path / "VB") == []
    (tmp_path / "VB" / "notes.txt").write_text("a note of the user")  # tolerated in a published report
    assert integrity.report_is_intact(tmp_path / "VB")
    assert integrity.verify_files(tmp_path / "VB", files) == ["notes.txt: not in the manifest"]  # not at publication
    (tmp_path / "VB" / "report.html").write_text("", encoding="utf-8")
    assert integrity.report_problems(tmp_path / "VB") == ["report.html: 0 bytes, the manifest says 15"]
    (tmp_path / "VB" / "report.html").write_text("<p>RAPPORTO</p>", encoding="utf-8")  # same size
    assert integrity.report_problems(tmp_path / "VB") == ["report.html: content differs from the manifest (SHA-256)"]
    (tmp_path / "VB" / "figures" / "a.png").unlink()
    assert "figures/a.png: missing" in integrity.report_problems(tmp_path / "VB")
    # a manifest without per-file records (an older version) or unreadable is not trusted
    (tmp_path / "VB" / "manifest.json").write_text(json.dumps({"status": "ok", "outputs": ["manifest.json"]}))
    assert "no per-file sizes and hashes" in integrity.report_problems(tmp_path / "VB")[0]
    (tmp_path / "VB" / "manifest.json").write_text("{garbage")
    assert not integrity.report_is_intact(tmp_path / "VB")
