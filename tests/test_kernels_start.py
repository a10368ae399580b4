"""A warm kernel that dies at start-up (a TCP port taken by a kernel started at the same moment) is retried."""

from __future__ import annotations

from typing import ClassVar

import jupyter_client
import pytest

from wecare_analysis.pipeline import kernels


class _FlakyManager:
    """Stands in for AsyncKernelManager: the first ``failures`` kernels die before replying."""

    made: ClassVar[list[_FlakyManager]] = []
    failures = 1

    def __init__(self, kernel_name: str) -> None:
        self.started = self.stopped = False
        _FlakyManager.made.append(self)

    async def start_kernel(self, **kwargs) -> None:
        if len(_FlakyManager.made) <= _FlakyManager.failures:
            raise RuntimeError("Kernel died before replying to kernel_info")
        self.started = True

    async def shutdown_kernel(self, now: bool = False) -> None:
        self.stopped = True

    async def is_alive(self) -> bool:
        return self.started and not self.stopped


@pytest.fixture
def flaky(monkeypatch):
    monkeypatch.setattr(jupyter_client, "AsyncKernelManager", _FlakyManager)
    monkeypatch.setattr(kernels, "_wait_ready", lambda km: None)
    _FlakyManager.made = []
    kernels._local.km = None
    yield _FlakyManager
    kernels._local.km = None


def test_a_kernel_that_dies_at_start_is_retried(flaky) -> None:
    flaky.failures = 1
    km = kernels.warm_kernel("/tmp", [])
    assert len(flaky.made) == 2 and km is flaky.made[1] and km.started
    assert flaky.made[0].stopped  # the dead one was shut down, not leaked


def test_start_gives_up_after_the_last_attempt(flaky) -> None:
    flaky.failures = kernels.START_ATTEMPTS
    with pytest.raises(RuntimeError, match="died"):
        kernels.warm_kernel("/tmp", [])
    assert len(flaky.made) == kernels.START_ATTEMPTS and all(m.stopped for m in flaky.made)
