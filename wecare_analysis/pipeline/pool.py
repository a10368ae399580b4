"""The local process pool of ``wecare run``: a dead worker fails only what it was running.

When a worker dies (``kill -9``, the out-of-memory killer), :class:`~concurrent.futures.ProcessPoolExecutor`
breaks: every pending future fails with ``BrokenProcessPool`` and the other workers are
stopped. :func:`run_on_local_pool` then looks at each affected report's last status
(``reports/.runs/<REPORT>.json``, written ``queued`` by the parent before submission and
``running`` by the worker when it starts): those that were running are returned as failed,
with the reason (so ``--only-failed`` runs them again); those still queued go to a new pool.
Ctrl-C (KeyboardInterrupt) or SIGTERM stops the pool at once (:func:`~wecare_analysis.pipeline.lifecycle.stop_pool`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from wecare_analysis.catalog import Catalog
from wecare_analysis.pipeline import lifecycle, staging, state
from wecare_analysis.pipeline.province_run import ProvinceResult, RunSpec, run_province

#: New pools started after breakages before the remaining reports are failed too.
MAX_POOL_RESTARTS = 3
BROKEN_MESSAGE = ("its worker process died (killed, or out of memory) and the process pool broke; "
                  "rerun with --only-failed")


def _last_status(spec: RunSpec) -> dict[str, str]:
    path = state.runs_dir(Catalog(spec.root)) / f"{spec.province}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _one_pool(specs: list[RunSpec], jobs: int, task: Callable[[RunSpec], ProvinceResult],
              broken: list[RunSpec]) -> Iterator[ProvinceResult]:
    """Run ``specs`` on one pool; append to ``broken`` those whose future the pool's breakage failed."""
    pid = os.getpid()
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=lifecycle.worker_init,
                               initargs=(pid, staging.process_start_time(pid)))
    try:
        pending = {pool.submit(task, spec): spec for spec in specs}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                spec = pending.pop(fut)
                exc = fut.exception()
                if exc is None:
                    yield fut.result()
                elif isinstance(exc, BrokenProcessPool):
                    broken.append(spec)
                else:
                    yield ProvinceResult(spec.province, "failed", 0.0, error=f"worker crashed: {exc!r}")
    except BaseException:  # Ctrl-C, SIGTERM, or the consumer closing the generator
        lifecycle.stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def run_on_local_pool(specs: list[RunSpec], jobs: int,
                      task: Callable[[RunSpec], ProvinceResult] = run_province) -> Iterator[ProvinceResult]:
    """Yield the result of every spec as it finishes (see the module docstring)."""
    queue, restarts = list(specs), 0
    while queue:
        broken: list[RunSpec] = []
        yield from _one_pool(queue, min(jobs, len(queue)), task, broken)
        queue = []
        for spec in broken:
            record = _last_status(spec)
            if record.get("status") == "queued" and restarts < MAX_POOL_RESTARTS:
                queue.append(spec)  # never started: it runs on the next pool
            elif record.get("status") in ("ok", "failed"):  # finished, its result lost with the pool
                yield ProvinceResult(spec.province, record["status"], 0.0, error=record.get("error", ""))
            else:
                yield ProvinceResult(spec.province, "failed", 0.0, error=BROKEN_MESSAGE)
        restarts += 1
