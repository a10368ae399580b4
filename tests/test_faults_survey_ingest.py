"""Fault injection: `wecare survey validate` publishes its outputs as one set (issue 18, item 9).

A process killed (``os._exit``, no cleanup) just before any of the renames or removals of an ingestion
leaves, once the next start has recovered, the previous set or the new one, file for file; never
``validation.json`` of one export with ``needs.parquet`` of another. Two exports with the same file name
keep two free-text files.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis.survey.ingest import PUBLISHED, default_output_dir, ingest_survey

BASE = Path(__file__).parent / "data" / "survey" / "base_kobo.csv"

CRASHING = textwrap.dedent("""
    import os, shutil, sys
    from wecare_analysis import atomic
    from wecare_analysis.survey.ingest import ingest_survey

    crash_at, export, root, exchange = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "exchange"
    steps = [0]

    def step(call):
        def counted(*args, **kwargs):
            steps[0] += 1
            if steps[0] == crash_at:
                os._exit(9)  # killed: no finally block, no cleanup
            return call(*args, **kwargs)
        return counted

    os.replace, os.rename, shutil.rmtree = step(os.replace), step(os.rename), step(shutil.rmtree)
    atomic._exchange = step(atomic._exchange if exchange else (lambda a, b: False))
    ingest_survey(export, root=root)
    print(steps[0])
""")


def _export(folder: Path, rows: int, comment: str) -> Path:
    base = pd.read_csv(BASE, sep=";", dtype=str, keep_default_na=False).head(rows)
    base["contatti/comments"] = comment
    folder.mkdir(parents=True, exist_ok=True)
    base.to_csv(folder / "export.csv", sep=";", index=False)
    return folder / "export.csv"


def _published(root: Path) -> dict[str, bytes]:
    out = default_output_dir(root)  # a reader's first call: recovers what a crash left
    return {name: (out / name).read_bytes() for name in PUBLISHED if (out / name).is_file()}


def _crash(k: int, export: Path, root: Path, mode: str) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, "-c", CRASHING, str(k), str(export), str(root), mode],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 9), proc.stderr
    return proc.returncode, proc.stdout.strip()


@pytest.fixture(scope="module")
def waves(tmp_path_factory):
    root = tmp_path_factory.mktemp("ingest")
    old = _export(root / "data" / "raw" / "wave1", 12, "testo della prima ondata")
    new = _export(root / "data" / "raw" / "wave2", 7, "testo della seconda ondata")
    ingest_survey(new, root=root)
    new_set = _published(root)
    ingest_survey(old, root=root)
    old_set = _published(root)
    assert json.loads(old_set["validation.json"])["rows_read"] == 12
    assert json.loads(new_set["validation.json"])["rows_read"] == 7
    return root, old, new, old_set, new_set


@pytest.mark.parametrize("mode", ["exchange", "backup"])
def test_kill_between_renames_leaves_one_whole_set(waves, mode):
    """``exchange``: Linux renameat2(RENAME_EXCHANGE); ``backup``: rename old aside, new in, remove old."""
    root, old, new, old_set, new_set = waves
    seen, k = [], 1
    while True:
        ingest_survey(old, root=root)
        assert _published(root) == old_set  # deterministic: the same export gives the same bytes
        code, steps = _crash(k, new, root, mode)
        published = _published(root)
        assert published in (old_set, new_set), (mode, k, sorted(published))
        seen.append("new" if published == new_set else "old")
        summary = json.loads(published["validation.json"])
        assert Path(summary["outputs"]["restricted_free_text"]).is_file()
        leftovers = sorted(p.name for p in (root / "data" / "processed").glob(".survey*")
                           if not p.name.endswith(".lock"))
        assert leftovers == [], (mode, k, leftovers)  # cleaned or restored at the next start
        if code == 0:
            break
        k += 1
    # the free text, then: the exchange and the removal of the old set; or two renames and the removal
    assert int(steps) == k - 1 == (3 if mode == "exchange" else 5)
    assert seen[0] == "old" and seen[-1] == "new" and "old" in seen[:-1]


def test_crash_recovery_restores_a_backup_left_without_live_folder(tmp_path):
    from wecare_analysis.atomic import staged_directory

    live = tmp_path / "data" / "processed" / "survey"
    with staged_directory(live) as staging:
        (staging / "validation.json").write_text("old")
    backup = live.with_name(".survey.old")
    live.rename(backup)  # a kill between "live -> backup" and "staging -> live"
    (live.with_name(".survey.staging-123-abcd")).mkdir()
    (live.with_name(".survey.staging-123-abcd") / "validation.json").write_text("half")
    assert (default_output_dir(tmp_path) / "validation.json").read_text() == "old"
    assert not backup.exists() and not live.with_name(".survey.staging-123-abcd").exists()


def test_user_files_in_the_output_folder_are_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "note.txt").write_text("mia nota")
    export = _export(tmp_path / "in", 5, "un commento")
    summary = ingest_survey(export, out_dir=out)
    assert (out / "note.txt").read_text() == "mia nota"
    assert Path(summary["outputs"]["restricted_free_text"]).parent == out / "restricted"
    from wecare_analysis.survey.pseudonymise import SALT_FILE

    # the salt of a folder outside any project lives there too, and survives every swap
    assert sorted(p.name for p in out.iterdir()) == sorted([*PUBLISHED, "note.txt", "restricted", SALT_FILE])
    salt = (out / SALT_FILE).read_bytes()
    ingest_survey(export, out_dir=out)
    assert (out / SALT_FILE).read_bytes() == salt and (out / "note.txt").read_text() == "mia nota"


def test_two_exports_with_the_same_name_keep_two_free_text_files(tmp_path):
    first = _export(tmp_path / "data" / "raw" / "gennaio", 6, "testo di gennaio")
    second = _export(tmp_path / "data" / "raw" / "febbraio", 6, "testo di febbraio")
    a = ingest_survey(first, root=tmp_path)["outputs"]["restricted_free_text"]
    b = ingest_survey(second, root=tmp_path)["outputs"]["restricted_free_text"]
    assert a != b
    files = sorted((tmp_path / "data" / "raw" / "restricted").glob("export_*_free_text.csv"))
    assert [str(f) for f in files] == sorted([a, b])
    texts = {pd.read_csv(f)["comments"].iloc[0] for f in files}
    assert texts == {"testo di gennaio", "testo di febbraio"}
