"""Warm Jupyter kernels: one per worker thread, reused across province runs.

Starting a kernel and importing the scientific stack costs seconds per notebook,
more than most notebooks' own work. A worker therefore keeps its kernel alive
between runs and clears it before each one: the notebook is executed with a
first cell (tagged :data:`RESET_TAG`, removed from the saved notebook) that runs
``%reset -f`` (the user namespace is emptied; imported modules stay loaded, which
is the point) and closes every matplotlib figure. Any failure discards the
kernel, so the next run starts on a fresh one. ``RunSpec.fresh_kernels``
(``wecare run --fresh-kernels``) gives every notebook a new kernel instead.
"""

from __future__ import annotations

import contextlib
import os
import threading
from multiprocessing.util import Finalize
from pathlib import Path

import nbformat

RESET_TAG = "wecare-kernel-reset"
RESET_SOURCE = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt"

_local = threading.local()
#: Attempts to start a kernel: two processes starting kernels at the same moment can pick the same free
#: TCP port (jupyter_client chooses ports before the kernel binds them), and the loser dies at start-up.
START_ATTEMPTS = 3


def _shutdown(km: object) -> None:
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(km.shutdown_kernel)(now=True)


def discard_kernel() -> None:
    """Shut down this thread's warm kernel (after a failure, or at exit)."""
    km = getattr(_local, "km", None)
    _local.km = None
    if km is not None:
        _shutdown(km)


def warm_kernel(cwd: str, extra_arguments: list[str]) -> object:
    """This thread's live kernel manager for ``cwd``, started if needed."""
    from jupyter_client import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = getattr(_local, "km", None)
    if km is not None and (getattr(_local, "cwd", None) != cwd or not run_sync(km.is_alive)()):
        discard_kernel()
        km = None
    if km is None:
        for attempt in range(1, START_ATTEMPTS + 1):
            km = AsyncKernelManager(kernel_name="python3")
            try:
                run_sync(km.start_kernel)(cwd=cwd, extra_arguments=extra_arguments)
                _wait_ready(km)
                break
            except RuntimeError:  # e.g. "Kernel died before replying to kernel_info": a port taken meanwhile
                _shutdown(km)
                if attempt == START_ATTEMPTS:
                    raise
        Finalize(km, _shutdown, args=(km,), exitpriority=10)
        _local.km, _local.cwd = km, cwd
    return km


def kernel_cpu_seconds(km: object) -> float | None:
    """CPU seconds (user + system) the kernel process of ``km`` has used so far, read from ``/proc``
    (None where there is no ``/proc``, or the kernel's process is unknown or gone)."""
    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    if not isinstance(pid, int):
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15)


def _wait_ready(km: object, timeout: float = 60) -> None:
    """Wait until the new kernel answers ``kernel_info``; raise RuntimeError if it died first."""
    from jupyter_core.utils import run_sync

    client = km.client()
    client.start_channels()
    try:
        run_sync(client.wait_for_ready)(timeout=timeout)
    finally:
        client.stop_channels()


def with_reset_cell(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` with the reset cell prepended."""
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(RESET_SOURCE)
    cell.metadata["tags"] = [RESET_TAG, "remove_cell"]
    nb.cells.insert(0, cell)
    return nb


def normalise_executed(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Make an executed notebook independent of the kernel's history and of papermill's random ids.

    Removes the reset cell, renumbers executions from 1 (a warm kernel's counter goes on
    across runs) and gives papermill's injected-parameters cell a fixed id, so the saved
    notebook is the same whichever worker, kernel or machine ran it. ``nb`` is changed in
    place and returned.
    """
    nb.cells = [c for c in nb.cells if RESET_TAG not in c.get("metadata", {}).get("tags", [])]
    count = 0
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for output in cell.get("outputs", []):
                if "execution_count" in output:
                    output["execution_count"] = count
    return nb
