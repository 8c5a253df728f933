"""Atomic writes: readers see the old or the new file, and a killed writer's leftovers are cleared."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from harness.store.run_dir import write_atomic

REPO = Path(__file__).resolve().parents[1]


def test_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "report.md"
    write_atomic(target, "old\n")

    write_atomic(target, (piece for piece in ["new ", "text\n"]))

    assert target.read_text(encoding="utf-8") == "new text\n"
    assert sorted(path.name for path in target.parent.iterdir()) == ["report.md"]


def test_killed_writer_leftover_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    write_atomic(target, "finished report\n")
    # The child writes its first piece, then kills itself mid-write, as a SIGKILL during a report would.
    code = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "from harness.store.run_dir import write_atomic\n"
        "def pieces():\n"
        "    yield 'half a report'\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        f"write_atomic(Path({str(target)!r}), pieces())\n"
    )
    finished = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert finished.returncode == -signal.SIGKILL, finished.stderr
    leftovers = [path for path in tmp_path.iterdir() if path.name.startswith(".report.html.")]
    assert len(leftovers) == 1
    assert target.read_text(encoding="utf-8") == "finished report\n"

    write_atomic(target, "next report\n")

    assert sorted(path.name for path in tmp_path.iterdir()) == ["report.html"]
    assert target.read_text(encoding="utf-8") == "next report\n"


def test_live_writer_file_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    # A temporary file named after this process belongs to a writer that is still running.
    ours = tmp_path / f".report.md.{os.getpid()}.abc123"
    ours.write_text("in progress", encoding="utf-8")
    other = tmp_path / ".notes.md.1.abc"
    other.write_text("another file's", encoding="utf-8")

    write_atomic(target, "report\n")

    assert ours.exists()
    assert other.exists()
