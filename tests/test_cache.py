"""Shared results: computed once per input state, recomputed when an input file changes."""

from __future__ import annotations

import os
import pickle
import stat
import time
import warnings

import pytest

from wecare_analysis import cache
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


class _Payload:
    """A pickle whose loading creates ``marker`` (what a planted cache entry would do)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _entry(root, name, arguments, suffix=cache.SUFFIX):
    return root / "data" / "processed" / "cache" / f"{name}-{cache.cache_key(name, arguments)}{suffix}"


@pytest.mark.parametrize("form", ["plain", "magic", "legacy"])
def test_planted_pickle_is_never_executed(tmp_path, form):
    """Whoever can write the shared cache folder cannot run code: a planted pickle (bare, behind the magic
    bytes with a forged tag, or under the old ``.pkl`` name) is not loaded; the result is computed."""
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Payload(marker))
    target = _entry(tmp_path, "needs", {"a": 1}, ".pkl" if form == "legacy" else cache.SUFFIX)
    target.parent.mkdir(parents=True)
    target.write_bytes({"plain": evil, "legacy": evil,
                        "magic": cache.MAGIC + b"\0" * 32 + evil}[form])
    calls = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert shared_result(tmp_path, "needs", {"a": 1}, lambda: calls.append(1) or {"value": 7}) == {"value": 7}
    assert not marker.exists()
    assert calls == [1]
    assert any(issubclass(w.category, CacheWarning) for w in caught) == (form != "legacy")
    # the recomputed entry is signed and served from then on, still without running anything
    assert shared_result(tmp_path, "needs", {"a": 1}, lambda: calls.append(1) or {"value": 8}) == {"value": 7}
    assert calls == [1] and not marker.exists()


def test_entry_signed_with_another_key_or_name_is_refused(tmp_path, monkeypatch):
    shared_result(tmp_path, "x", {}, lambda: {"v": 1})
    stored = _entry(tmp_path, "x", {})
    signed = stored.read_bytes()
    # a valid entry of another name copied over this one: the tag binds the name
    other = _entry(tmp_path, "y", {})
    other.write_bytes(signed)
    with pytest.warns(CacheWarning):
        assert shared_result(tmp_path, "y", {}, lambda: {"v": 2}) == {"v": 2}
    # another key (another user, a planted forgery): refused
    monkeypatch.setenv(cache.KEY_ENV, str(tmp_path / "other.key"))
    with pytest.warns(CacheWarning):
        assert shared_result(tmp_path, "x", {}, lambda: {"v": 3}) == {"v": 3}


def test_key_is_private_and_an_exposed_key_bypasses_the_cache(tmp_path, monkeypatch):
    key_file = tmp_path / "conf" / "wecare" / "cache.key"
    monkeypatch.setenv(cache.KEY_ENV, str(key_file))
    shared_result(tmp_path, "x", {}, lambda: 1)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(key_file.read_bytes()) == 32
    assert not key_file.is_relative_to(tmp_path / "data")
    key_file.chmod(0o644)
    calls = []
    with pytest.warns(CacheWarning, match="other users"):
        assert shared_result(tmp_path, "x", {}, lambda: calls.append(1) or 2) == 2
    assert calls == [1]


def test_tag_is_hmac_sha256_of_magic_name_and_payload():
    import hashlib
    import hmac

    key, payload = b"k" * 32, b"payload"
    expected = hmac.new(key, cache.MAGIC + b"n\0" + payload, hashlib.sha256).digest()
    assert cache.sign(key, "n", payload) == cache.MAGIC + expected + payload
    assert cache.verified_payload(key, "n", cache.MAGIC + expected + payload + b"x") is None
