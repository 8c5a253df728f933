"""Private working directories for sandboxed runs."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

PROGRAM_NAME = "program.py"


@contextmanager
def private_workdir(program: str, *, owner: tuple[int, int] | None, temp_root: str | None) -> Iterator[Path]:
    """Create a temporary directory holding `program` and remove it afterwards.

    Args:
        program: Source written to `PROGRAM_NAME` inside the directory.
        owner: (uid, gid) that receives the directory, so a program running as that user
            can write there; None keeps the current user.
        temp_root: Parent directory; None uses the `tempfile` default.

    Yields:
        The directory's resolved path.
    """
    workdir = Path(tempfile.mkdtemp(prefix="vb-sandbox-", dir=temp_root)).resolve()
    try:
        (workdir / PROGRAM_NAME).write_text(program, encoding="utf-8")
        if owner is not None:
            os.chown(workdir, *owner)
        yield workdir
    finally:
        remove_tree(workdir)


def remove_tree(path: Path) -> None:
    """Delete `path` even where the program removed permissions from its own files."""

    def make_writable_and_retry(function: Callable[[str], object], failed_path: str, _error: object) -> None:
        parent = os.path.dirname(failed_path)
        try:
            os.chmod(parent, stat.S_IRWXU)
            if os.path.isdir(failed_path) and not os.path.islink(failed_path):
                os.chmod(failed_path, stat.S_IRWXU)
            function(failed_path)
        except OSError as exc:
            logger.warning("could not remove %s from sandbox directory: %s", failed_path, exc)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(path, onerror=make_writable_and_retry)
