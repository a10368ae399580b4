"""The lock file of the resolved environment (issue 18, item 14) is in step with pyproject.toml and
environment.yml, pins every package with hashes, and is what ``make`` installs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-lock.txt"


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _locked() -> dict[str, list[tuple[Version, str, int]]]:
    """Package -> [(version, marker, number of hashes)] of the lock file (a package may be pinned per Python)."""
    out: dict[str, list[tuple[Version, str, int]]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text(encoding="utf-8")):
        match = re.match(r"([A-Za-z0-9_.\-\[\]]+)==(\S+)(?:\s*;\s*([^\\\n]+))?", entry)
        if match:
            name = _name(match[1].split("[")[0])
            out.setdefault(name, []).append((Version(match[2]), (match[3] or "").strip(),
                                             entry.count("--hash=sha256:")))
    return out


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return [Requirement(r) for r in reqs]


def test_every_dependency_is_locked_within_its_bounds_with_hashes():
    locked = _locked()
    assert len(locked) > 100  # the whole resolved environment, not only the direct dependencies
    for req in _requirements():
        pins = locked.get(_name(req.name))
        assert pins, f"{req.name} is not in {LOCK.name}: run `make lock`"
        for version, marker, _ in pins:
            assert req.specifier.contains(version, prereleases=True), (req, version, marker)
    unhashed = [name for name, pins in locked.items() if any(hashes == 0 for *_, hashes in pins)]
    assert unhashed == []


def test_environment_yml_has_the_same_lower_bounds():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    bounds = {}
    for dep in env["dependencies"]:
        for text in dep["pip"] if isinstance(dep, dict) else [dep]:
            if not text.startswith("-") and ">=" in text:
                name, bound = text.split(">=")
                bounds[_name(name)] = bound.strip()
    bounds.pop("python", None)
    expected = {_name(r.name): str(next(iter(r.specifier)).version) for r in _requirements()}
    assert bounds == expected


def test_make_installs_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "LOCK   := requirements-lock.txt" in makefile
    assert "$(STAMP): pyproject.toml $(LOCK)" in makefile
    assert "pip install --quiet -r $(LOCK)" in makefile and "--no-deps -e ." in makefile
    assert "pip-audit --strict" in makefile and "-r $(LOCK)" in makefile
