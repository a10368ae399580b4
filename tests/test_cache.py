"""Shared results: computed once per input state, recomputed when an input file changes."""

from __future__ import annotations

import os
import time

from wecare_analysis.cache import shared_result


def test_computed_once_then_shared(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"value": 42}

    assert shared_result(tmp_path, "answer", {"a": 1}, compute) == {"value": 42}
    assert shared_result(tmp_path, "answer", {"a": 1}, compute) == {"value": 42}
    assert len(calls) == 1
    shared_result(tmp_path, "answer", {"a": 2}, compute)  # other arguments, other result
    assert len(calls) == 2


def test_recomputed_when_an_input_file_changes(tmp_path):
    data = tmp_path / "input.csv"
    data.write_text("a\n1\n")
    read = lambda: data.read_text()
    assert shared_result(tmp_path, "content", {}, read, files=[data]) == "a\n1\n"
    data.write_text("a\n2\n")
    os.utime(data, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert shared_result(tmp_path, "content", {}, read, files=[data]) == "a\n2\n"


def test_damaged_cache_file_is_recomputed(tmp_path):
    shared_result(tmp_path, "x", {}, lambda: [1, 2])
    (stored,) = (tmp_path / "data" / "processed" / "cache").glob("x-*.pkl")
    stored.write_bytes(b"not a pickle")
    assert shared_result(tmp_path, "x", {}, lambda: [3]) == [3]
