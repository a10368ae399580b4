"""Fault injection on real ``wecare run`` processes (issue 18): kill -9 of the parent mid-run then another
run, kill of one worker, Ctrl-C and SIGTERM, corrupted outputs then ``--resume``.

The run mechanics do not depend on the notebook: every run executes :data:`SLOW_WRITER`, a notebook
that writes eight figures a quarter of a second apart into its output folder, so that a fault always
strikes while a staging folder is being written (and a test takes seconds). Each test kills every
process it started, kernels included, in its teardown.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from wecare_analysis.catalog import Catalog
from wecare_analysis.pipeline import integrity, state

pytestmark = pytest.mark.slow

LIGHT_CLI = ["--notebooks", "slow_writer.ipynb", "--no-pdf", "--no-overview", "--no-progress"]
SLOW_WRITER = [
    'province, year, region, root, output_dir = "TO", 2023, "01", ".", "out"',
    ("import pathlib, time\n"
     "figures = pathlib.Path(output_dir) / 'figures'\n"
     "figures.mkdir(parents=True, exist_ok=True)\n"
     "for i in range(8):\n"
     "    (figures / f'figura_{i}.png').write_bytes(bytes(range(256)) * (i + 1))\n"
     "    time.sleep(0.25)\n"
     "print(f'{province}: 8 figure')"),
]


def _write_notebook(folder: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in SLOW_WRITER]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "slow_writer.ipynb")


@pytest.fixture(scope="module")
def prepared(project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's territory layer with the shared inputs every run prepares (demo survey and services)."""
    from wecare_analysis.pipeline import prepare_shared_inputs

    data = tmp_path_factory.mktemp("faults") / "data"
    shutil.copytree(project_root / "data", data, ignore=shutil.ignore_patterns("*.lock"))
    prepare_shared_inputs(data.parent, 2023, "01")
    return data


@pytest.fixture
def root(tmp_path: Path, prepared: Path) -> Path:
    """A project root of its own, with a fresh raw input."""
    root = tmp_path / "proj"
    shutil.copytree(prepared, root / "data", ignore=shutil.ignore_patterns("*.lock"))
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    (root / "data" / "raw" / "k").write_text("x\n")  # the recipe's new input: every report must run
    _write_notebook(root / "notebooks")
    return root


class Runs:
    """``wecare run`` subprocesses, each in its own session; every process they started is killed at the end."""

    def __init__(self, root: Path) -> None:
        self.root, self.procs, self.seen = root, [], set()

    def start(self, *args: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-m", "wecare_analysis.cli", "run", "--root", str(self.root),
                                 *LIGHT_CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def run(self, *args: str) -> subprocess.CompletedProcess:
        proc = self.start(*args)
        out, err = proc.communicate(timeout=240)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def tree(self, proc: subprocess.Popen) -> list[psutil.Process]:
        """The live descendants of ``proc`` (workers, kernels), remembered for the teardown."""
        with contextlib.suppress(psutil.Error):
            kids = psutil.Process(proc.pid).children(recursive=True)
            self.seen |= {k.pid for k in kids}
            return kids
        return []

    def wait_for_kernels(self, proc: subprocess.Popen, count: int, timeout: float = 90) -> list[psutil.Process]:
        """Wait until ``count`` kernels run under ``proc`` and a staging folder holds a figure."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            tree = self.tree(proc)
            kernels = [k for k in tree if _is_kernel(k)]
            if len(kernels) >= count and list((self.root / "reports").glob(".staging-*")):
                return tree
            time.sleep(0.05)
        raise AssertionError("the run never started its kernels")

    def wait_for_figures(self, proc: subprocess.Popen, count: int, timeout: float = 90) -> list[psutil.Process]:
        """Wait until a staging folder holds ``count`` PNG figures (the recipe of issue 18)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.tree(proc)  # remembered for the teardown
            if any(len(list(folder.glob("figures/*.png"))) >= count
                   for folder in (self.root / "reports").glob(".staging-*")):
                return self.tree(proc)
            time.sleep(0.05)
        raise AssertionError(f"no staging folder reached {count} figures")

    def close(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                proc.communicate(timeout=10)
        for pid in self.seen:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def runs(root: Path):
    r = Runs(root)
    yield r
    r.close()


def _is_kernel(p: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return "ipykernel" in " ".join(p.cmdline())
    return False


def _alive(procs: list[psutil.Process]) -> list[int]:
    out = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p.pid)
    return out


def _wait_gone(procs: list[psutil.Process], seconds: float) -> list[int]:
    deadline = time.time() + seconds
    while time.time() < deadline and _alive(procs):
        time.sleep(0.05)
    return _alive(procs)


def _status(root: Path, report: str) -> str:
    return json.loads((root / "reports" / ".runs" / f"{report}.json").read_text())["status"]


def _rows(stdout: str) -> dict[str, str]:
    """Report -> status from the closing table of ``wecare run``."""
    return {line.split()[0]: line.split()[1] for line in stdout.splitlines()[1:-1]}


def _published(root: Path) -> list[Path]:
    return [p for p in (root / "reports").iterdir() if p.is_dir() and not p.name.startswith(".")]


def test_kill_9_of_the_parent_then_another_run(root, runs):
    proc = runs.start("--province", "AT", "BI", "--jobs", "2")
    tree = runs.wait_for_figures(proc, 4)  # the notebooks are writing their staging folders
    os.kill(proc.pid, signal.SIGKILL)  # the parent alone, as `kill -9 PID`
    proc.communicate()
    assert _wait_gone(tree, 5) == [], "workers or kernels outlived their run"
    assert not list((root / "reports").glob(".staging-*")), "the dying workers remove their staging"
    again = runs.run("--province", "VB", "--resume")
    assert again.returncode == 0, again.stderr
    for folder in _published(root):
        assert integrity.report_problems(folder) == [], folder  # nothing broken is published
    assert integrity.report_is_intact(root / "reports" / "VB")
    # the killed run's reports are recorded as cut short: --only-failed runs them, not VB
    assert {_status(root, "AT"), _status(root, "BI")} <= {"queued", "running"}
    assert state.failed_provinces(Catalog(root), ["AT", "BI", "VB"]) == ["AT", "BI"]


def test_kill_of_one_worker_fails_what_it_ran_and_only_failed_reruns_it(root, runs):
    proc = runs.start("--province", "VB", "BI", "AT", "--jobs", "2")
    tree = runs.wait_for_kernels(proc, 2)
    worker = next(p for p in psutil.Process(proc.pid).children() if any(_is_kernel(k) for k in p.children()))
    worker.kill()
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 1 and "Traceback" not in err
    statuses = {p: _status(root, p) for p in ("VB", "BI", "AT")}
    failed = sorted(p for p, s in statuses.items() if s == "failed")
    assert failed and set(statuses.values()) <= {"ok", "failed"}, statuses  # every outcome recorded
    assert all("worker process died" in line for line in out.splitlines() if " failed " in line)
    assert _wait_gone(tree, 5) == []
    rerun = runs.run("--province", "VB", "BI", "AT", "--only-failed")
    assert rerun.returncode == 0, rerun.stderr
    assert _rows(rerun.stdout) == dict.fromkeys(failed, "ok")
    assert all(integrity.report_is_intact(root / "reports" / p) for p in ("VB", "BI", "AT"))


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupt_stops_everything_within_5_seconds(root, runs, how):
    proc = runs.start("--province", "VB", "BI", "AT", "--jobs", "2")
    tree = runs.wait_for_kernels(proc, 2)
    time.sleep(0.5)
    t0 = time.perf_counter()
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole foreground group
    else:
        os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 130 and elapsed < 5, (proc.returncode, elapsed)
    assert "Traceback" not in err and err.strip() == "wecare: interrupted.", err
    assert _wait_gone(tree, 1) == []
    assert not list((root / "reports").glob(".staging-*"))
    assert not (root / "reports" / "AT").exists()  # the queued province never ran
    assert {_status(root, p) for p in ("VB", "BI", "AT")} == {"interrupted"}


def test_corrupted_outputs_are_rebuilt_by_resume(root, runs):
    first = runs.run("--province", "VB", "BI", "--jobs", "2")
    assert first.returncode == 0, first.stderr
    vb, bi = root / "reports" / "VB", root / "reports" / "BI"
    manifest = json.loads((vb / "manifest.json").read_text())
    assert set(manifest["files"]) == set(manifest["outputs"]) - {"manifest.json"}
    (vb / "report.html").write_text("")  # emptied
    size = (vb / "figures" / "figura_3.png").stat().st_size
    (vb / "figures" / "figura_3.png").write_bytes(b"\0" * size)  # garbage of the same size
    before_bi = (bi / "manifest.json").read_text()
    resumed = runs.run("--province", "VB", "BI", "--resume", "--jobs", "2")
    assert resumed.returncode == 0, resumed.stderr
    assert _rows(resumed.stdout) == {"VB": "ok", "BI": "skipped"}
    assert integrity.report_problems(vb) == [] and (vb / "report.html").stat().st_size > 1000
    assert (bi / "manifest.json").read_text() == before_bi


def test_run_with_quarantined_service_rows_exits_1(root, runs, tmp_path):
    from test_cli_robustness import _services_csv

    services = _services_csv(tmp_path / "servizi.csv", extra="s99,farmacia,Farmacia senza coordinate,,\n")
    done = runs.run("--province", "VB", "--services", str(services))
    assert done.returncode == 1, done.stderr  # as the README says: some rows quarantined
    assert _rows(done.stdout) == {"VB": "ok"}
    assert "servizi.csv: 1 rows quarantined, 0 outside the region, of 21" in done.stderr
    assert (tmp_path / "servizi.csv.quarantine.csv").is_file()
