"""Shared results: computed once per input state, recomputed when an input file changes."""

from __future__ import annotations

import os
import time

import pytest

from wecare_analysis.cache import CacheWarning, shared_result


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
    with pytest.warns(CacheWarning, match="no valid signature"):
        assert shared_result(tmp_path, "x", {}, lambda: [3]) == [3]


def test_recomputed_when_the_package_code_changes(tmp_path, monkeypatch):
    import shutil

    from wecare_analysis import provenance

    # a copy of the package stands in for an editable install that a researcher edits
    copy = tmp_path / "pkg"
    shutil.copytree(provenance.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_DIR", copy)
    provenance.code_digest.cache_clear()
    calls = []
    compute = lambda: calls.append(1) or len(calls)
    root = tmp_path / "root"
    try:
        assert shared_result(root, "needs", {}, compute) == 1
        assert shared_result(root, "needs", {}, compute) == 1
        with (copy / "disclosure.py").open("a", encoding="utf-8") as f:
            f.write("\n# edited\n")
        provenance.code_digest.cache_clear()  # a new process sees the edited file
        assert shared_result(root, "needs", {}, compute) == 2
    finally:
        provenance.code_digest.cache_clear()

