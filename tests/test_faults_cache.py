"""Fault injection: a planted or forged entry in the shared cache never runs code (issue 18, item 12).

Whoever can write ``data/processed/cache/`` (a shared file system for Dask workers) could plant a pickle;
entries are signed with HMAC-SHA256 under a private key and verified before anything is unpickled.
"""

from __future__ import annotations

import pickle
import stat
import warnings

import pytest

from wecare_analysis import cache
from wecare_analysis.cache import CacheWarning, shared_result


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
