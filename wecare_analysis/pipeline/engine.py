"""The papermill engine of the pipeline: notebooks written once, kernel clients closed after each run.

Two departures from papermill's default nbclient engine, both for long runs on warm kernels:

- **One write.** Papermill's default engine rewrites the whole output notebook before and
  after every cell, so that a reader can follow a long run. A report notebook carries
  megabytes of embedded figures: twenty cells cost forty JSON writes of a growing file
  (up to 35 ms each). The pipeline's readers only want the final notebook (published
  atomically, or kept in ``reports/.runs/`` when it fails), so this engine, registered
  as :data:`ENGINE_NAME`, writes it once, when execution ends, successful or not
  (papermill's ``notebook_complete`` runs in a ``finally``), after
  :func:`~wecare_analysis.pipeline.kernels.normalise_executed`.
- **Closed clients.** nbclient leaves the channels of its kernel client open when the
  kernel manager is the caller's (a warm kernel, :mod:`~wecare_analysis.pipeline.kernels`):
  every finished run kept a subscriber to the kernel's output stream, which then
  buffered every later run's figures. A worker grew by 20-30 MiB per province, about
  1.5 GiB over a national run. :class:`ChannelClosingClient` stops them.
"""

from __future__ import annotations

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.log import logger

from wecare_analysis.pipeline.kernels import normalise_executed

ENGINE_NAME = "wecare"


class FinalWriteManager(NotebookExecutionManager):
    """Execution bookkeeping of papermill that writes the notebook only once execution has ended."""

    def save(self, **kwargs: object) -> None:
        """Write the normalised notebook if execution has ended (``end_time`` set), else nothing."""
        if self.end_time is not None:
            normalise_executed(self.nb)
            super().save(**kwargs)


class ChannelClosingClient(PapermillNotebookClient):
    """Papermill's notebook client that stops its kernel client's channels when it is done."""

    def execute(self, **kwargs: object) -> object:
        """Execute the notebook; then close the channels even if the kernel (not ours) stays alive."""
        try:
            return super().execute(**kwargs)
        finally:
            if getattr(self, "kc", None) is not None:
                self.kc.stop_channels()
                self.kc = None


class FinalWriteEngine(NBClientEngine):
    """Papermill's nbclient engine with :class:`FinalWriteManager` and :class:`ChannelClosingClient`."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                         autosave_cell_every=30, **kwargs):
        """Execute ``nb`` as :meth:`papermill.engines.Engine.execute_notebook` does, writing it once."""
        nb_man = FinalWriteManager(nb, output_path=output_path, progress_bar=progress_bar,
                                   log_output=log_output, autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        """Execute the cells as papermill's engine does, with a :class:`ChannelClosingClient`."""
        for unused in ("input_path", "timeout", "startup_timeout"):
            kwargs.pop(unused, None)
        return ChannelClosingClient(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                                    kernel_name=kernel_name, log=logger, log_output=log_output,
                                    stdout_file=stdout_file, stderr_file=stderr_file, **kwargs).execute()


def registered_engine() -> str:
    """Register :class:`FinalWriteEngine` with papermill (idempotent) and return its name."""
    papermill_engines.register(ENGINE_NAME, FinalWriteEngine)
    return ENGINE_NAME
