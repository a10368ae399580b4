"""``--out`` onto special files (issue 18, item 7) and a full disk: a FIFO or a device is written into, a
symbolic link is kept, a socket is refused with exit 2, ENOSPC names the path. Every special file is
made in the test's own folder (a link to ``/dev/full``, never ``/dev`` itself), so that even a regression
could not replace a system file."""

from __future__ import annotations

import errno
import os
import socket
import stat
import sys
import threading

import pytest

from wecare_analysis.atomic import atomic_path, is_stream, write_text_atomic
from wecare_analysis.cli import main
from wecare_analysis.errors import InputError
from wecare_analysis.survey.codebook import load_codebook
from wecare_analysis.survey.export import questionnaire_markdown

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="FIFOs and /dev/full")


def _export(out, capsys) -> tuple[int, str]:
    code = main(["codebook", "export", "--format", "markdown", "--out", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def test_out_onto_a_fifo_writes_into_it(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code, _ = _export(fifo, capsys)
    reader.join(10)
    assert code == 0 and not reader.is_alive()
    assert received[0].decode("utf-8") == questionnaire_markdown(load_codebook())
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, not replaced by a regular file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary file left beside it


def test_out_onto_a_symlink_keeps_the_link(tmp_path, capsys):
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    code, _ = _export(link, capsys)
    assert code == 0 and link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") == questionnaire_markdown(load_codebook())
    # a link to a FIFO is written into as well
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "to_pipe").symlink_to(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert _export(tmp_path / "to_pipe", capsys)[0] == 0
    reader.join(10)
    assert received[0].startswith(b"#") and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_out_onto_a_socket_is_refused_with_exit_2(tmp_path, capsys):
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        code, err = _export(path, capsys)
    finally:
        server.close()
    assert code == 2 and f"cannot write {path}: it is a special file" in err
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_full_device_gives_a_message_naming_the_path(tmp_path, capsys):
    full = tmp_path / "full"
    full.symlink_to("/dev/full")
    assert is_stream(full)
    code, err = _export(full, capsys)
    assert code == 2 and f"cannot write {full}: no space left on device" in err
    assert full.is_symlink()


def test_enospc_while_writing_the_temporary_file_names_the_target(tmp_path):
    target = tmp_path / "tabella.csv"
    target.write_text("a\n1\n")

    def writer(path):
        path.write_text("a\n")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # what a full disk raises, without a file name

    with pytest.raises(InputError) as err, atomic_path(target) as tmp:
        writer(tmp)
    assert err.value.message == f"cannot write {target}: no space left on device." and err.value.exit_code == 2
    assert target.read_text() == "a\n1\n" and sorted(p.name for p in tmp_path.iterdir()) == ["tabella.csv"]
    # an error about another file (an input) is not relabelled
    with pytest.raises(FileNotFoundError), atomic_path(target) as tmp:
        (tmp_path / "missing.csv").read_text()


def test_regular_targets_stay_atomic(tmp_path):
    target = write_text_atomic(tmp_path / "sub" / "a.txt", "uno")
    assert target.read_text() == "uno" and not is_stream(target)
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("due")
        raise RuntimeError("the writer failed half-way")
    assert target.read_text() == "uno"
