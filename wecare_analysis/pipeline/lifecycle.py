"""Lifetime of a run's processes: workers and kernels die with the run, stop on Ctrl-C, never publish for a dead run.

- **Workers** of the local pool start with :func:`worker_init`: they ignore SIGINT (Ctrl-C in
  a terminal reaches the whole process group; the parent alone decides what to do), and on
  SIGTERM, or when a watchdog thread sees the run's parent process gone (even by ``kill -9``),
  they kill their Jupyter kernels (each in its own session, :func:`kill_children`), delete the
  staging folder they were building and exit at once. Kernels also watch their parent
  themselves (ipykernel's parent poller), so a killed worker leaves no kernel behind.
- **The parent** stops a pool with :func:`stop_pool`: queued work cancelled, workers sent
  SIGTERM, killed if still alive after a grace period.
- **Before publishing**, a worker checks with :func:`ensure_run_alive` that the run it
  belongs to still holds the run lock: a task that outlived its run (a Dask worker, an
  orphan) fails instead of swapping an unverified folder into ``reports/``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

from wecare_analysis.catalog import Catalog
from wecare_analysis.errors import EXIT_INTERRUPTED
from wecare_analysis.pipeline import kernels, staging, state

#: Seconds between two checks of the worker's watchdog.
WATCHDOG_SECONDS = 0.2
#: Seconds a worker has to stop after SIGTERM before it is killed.
STOP_GRACE_SECONDS = 2.0
#: Exit code of a worker whose run died.
EXIT_ORPHANED = 1
OWNER_NAME = ".wecare-run.owner"


class RunAbandoned(RuntimeError):
    """The run a task belongs to has ended or was taken over: its report must not be published."""


def run_owner() -> str:
    """Identity of this process as a run owner: ``host:pid:start``."""
    pid = os.getpid()
    return f"{staging.host_name()}:{pid}:{staging.process_start_time(pid)}"


def _parse_owner(owner: str) -> tuple[str, int, str]:
    host, pid, start = owner.rsplit(":", 2)
    return host, int(pid), start


def ensure_run_alive(cat: Catalog, owner: str) -> None:
    """Raise :class:`RunAbandoned` unless the run ``owner`` (see :func:`run_owner`) still holds the run lock.

    The lock's owner file must name that process, and the process must be alive (same host) or
    the lock held (another host). An empty ``owner`` (a direct call, no run) is not checked.
    """
    if not owner:
        return
    host, pid, start = _parse_owner(owner)
    try:
        text = (cat.reports / OWNER_NAME).read_text(encoding="utf-8")
    except OSError:
        text = ""
    if f"pid {pid} on {host} " not in f"{text} ":
        raise RunAbandoned(f"the run (pid {pid} on {host}) no longer holds the lock of {cat.reports}: "
                           "the report is not published")
    alive = staging.process_alive(pid, start) if host == staging.host_name() else _lock_held(cat)
    if not alive:
        raise RunAbandoned(f"the run (pid {pid} on {host}) has ended: the report is not published")


def _lock_held(cat: Catalog) -> bool:
    from filelock import FileLock, Timeout

    lock = FileLock(str(cat.reports / state.LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return True
    lock.release()
    return False


def _proc_stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def child_pids(parent: int | None = None) -> list[int]:
    """Processes whose parent is ``parent`` (default: this one), from Linux ``/proc``; [] elsewhere."""
    parent = os.getpid() if parent is None else parent
    out = []
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    if int(_proc_stat(int(entry.name))[1]) == parent:
                        out.append(int(entry.name))
    return out


def kill_children() -> None:
    """Kill this process's children (its kernels) with their process groups, and reap them."""

    children = child_pids()
    for pid in children:
        with contextlib.suppress(OSError):
            if os.getpgid(pid) == pid:  # a kernel leads its own session: kill whatever it started too
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
    for pid in children:
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)
    if not children:
        kernels.discard_kernel()  # no /proc: ask the warm kernel to stop


def _stop_now(code: int) -> None:
    """Kill the kernels, delete the staging folder being built, exit without clean-up handlers."""
    try:
        kill_children()
        staging.discard_current_staging()
    finally:
        os._exit(code)


def _on_sigterm(signum: int, frame: object) -> None:
    _stop_now(EXIT_INTERRUPTED)


def _watch_parent(run_pid: int, run_start: str, parent_pid: int) -> None:
    while True:
        time.sleep(WATCHDOG_SECONDS)
        if os.getppid() != parent_pid or not staging.process_alive(run_pid, run_start):
            _stop_now(EXIT_ORPHANED)


def worker_init(run_pid: int, run_start: str = "0") -> None:
    """Initialiser of a pool worker of the run ``run_pid`` (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    if not staging.process_alive(run_pid, run_start):
        _stop_now(EXIT_ORPHANED)
    threading.Thread(target=_watch_parent, args=(run_pid, run_start, os.getppid()), daemon=True,
                     name="wecare-parent-watchdog").start()


def stop_pool(pool: object, grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop a :class:`~concurrent.futures.ProcessPoolExecutor` now: cancel queued work, SIGTERM its
    workers (they kill their kernels and delete their staging), SIGKILL those alive after ``grace`` s."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(max(0.0, deadline - time.monotonic()))
    for proc in processes:
        with contextlib.suppress(Exception):
            if proc.is_alive():
                proc.kill()
                proc.join(1.0)


@contextlib.contextmanager
def ignoring_interrupts() -> Iterator[None]:
    """Ignore SIGINT while cleaning up after one (a second Ctrl-C must not cut the clean-up short)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def record_unfinished(cat: Catalog, unfinished: list[str], exc: BaseException) -> None:
    """After a run stopped by ``exc`` (Ctrl-C, SIGTERM, an error): record the reports not finished as
    ``interrupted`` or ``failed`` (so that ``--only-failed`` runs them) and remove the staging folders
    whose owners are gone."""
    interrupted = isinstance(exc, KeyboardInterrupt)
    status = "interrupted" if interrupted else "failed"
    reason = "the run was interrupted (Ctrl-C or SIGTERM)" if interrupted else f"the run stopped: {exc}"
    with ignoring_interrupts():
        for report in unfinished:
            with contextlib.suppress(Exception):
                state.write_status(cat, report, status, reason[:500])
        staging.remove_stale_staging(cat)
        sys.stderr.flush()
