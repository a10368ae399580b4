"""The pipeline's papermill engine: one write per notebook, normalised; no kernel client left listening."""

from __future__ import annotations

import gc

import nbformat
import papermill as pm
import papermill.engines
import pytest

from wecare_analysis.pipeline import kernels
from wecare_analysis.pipeline.engine import registered_engine
from wecare_analysis.pipeline.province_run import KERNEL_ARGUMENTS, kernel_environment


def _notebook(path, fail: bool = False) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("n = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print(n * 2)"),
                nbformat.v4.new_code_cell("raise ValueError('guasto voluto')" if fail else "n + 1")]
    nbformat.write(nb, path)


def _listening_clients() -> int:
    from jupyter_client.client import KernelClient

    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, KernelClient) and o.channels_running)


def test_warm_kernel_runs_write_once_normalised_and_close_their_clients(tmp_path, monkeypatch) -> None:
    kernel_environment()
    _notebook(tmp_path / "nb.ipynb")
    writes: list[str] = []
    original = papermill.engines.write_ipynb
    monkeypatch.setattr(papermill.engines, "write_ipynb", lambda nb, path: (writes.append(path), original(nb, path)))
    try:
        for run in (1, 2):
            km = kernels.warm_kernel(str(tmp_path), KERNEL_ARGUMENTS)
            out = tmp_path / f"out{run}.ipynb"
            pm.execute_notebook(kernels.with_reset_cell(tmp_path / "nb.ipynb"), out, parameters={"n": 20 + run},
                                kernel_name="python3", progress_bar=False, km=km, engine_name=registered_engine(),
                                extra_arguments=KERNEL_ARGUMENTS)
            assert writes.count(str(out)) == 1  # the engine's own write, once, at the end (papermill adds its final one)
            executed = nbformat.read(out, as_version=4)
            assert kernels.RESET_TAG not in str([c.metadata for c in executed.cells])
            counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
            assert counts == [1, 2, 3, 4]  # parameters, injected parameters, two cells: from 1 on a warm kernel too
            assert executed.cells[2].outputs[0]["text"] == f"{2 * (20 + run)}\n"
            assert _listening_clients() == 0
    finally:
        kernels.discard_kernel()


def test_a_failing_notebook_is_still_written_with_its_error(tmp_path) -> None:
    kernel_environment()
    _notebook(tmp_path / "nb.ipynb", fail=True)
    out = tmp_path / "out.ipynb"
    try:
        with pytest.raises(pm.PapermillExecutionError, match="guasto voluto"):
            pm.execute_notebook(tmp_path / "nb.ipynb", out, kernel_name="python3", progress_bar=False,
                                km=kernels.warm_kernel(str(tmp_path), KERNEL_ARGUMENTS),
                                engine_name=registered_engine(), extra_arguments=KERNEL_ARGUMENTS)
    finally:
        kernels.discard_kernel()
    executed = nbformat.read(out, as_version=4)
    assert executed.metadata.papermill["exception"] is True
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))
