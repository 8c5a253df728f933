"""A temporary SQLite database on disk, for state that would otherwise grow in memory with a run.

The page cache is capped at `CACHE_KIB`, so memory stays flat while the file grows. SQLite
caps the in-memory buffer of its sorter (GROUP BY, ORDER BY, CREATE INDEX) at the same size and
writes larger sorts to temporary files (doc/vdbesort-memory.md in the SQLite sources).
On POSIX systems the file's name is removed as soon as SQLite has it open, so the space is
returned when the connection closes, even when the process is killed. Where an open file cannot
be removed (Windows), `close`, garbage collection or interpreter exit deletes it, and a killed
process leaves it in the temporary folder.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from harness.errors import ScratchError

logger = logging.getLogger(__name__)

CACHE_KIB = 512
"""Page cache of a scratch database in KiB, a quarter of SQLite's default. An `ItemLedger` of
200,000 samples took 1.98 s with it and 1.95 s with 2,048 KiB (one run each, 2-core virtual machine)."""


class ScratchDatabase:
    """A private SQLite database in a temporary file, deleted on `close`.

    Durability is switched off (no journal, no fsync) because nothing reads the file after
    the process that fills it ends.

    Args:
        cache_kib: page cache size in KiB.
        directory: folder of the file; None uses `tempfile.gettempdir()`.

    Attributes:
        path: the file's name while it has one.
        unlinked: True when the name was removed right after opening (POSIX systems).
    """

    def __init__(self, *, cache_kib: int = CACHE_KIB, directory: str | Path | None = None) -> None:
        if cache_kib < 1:
            raise ValueError(f"cache_kib={cache_kib} is invalid; use at least 1")
        folder = Path(directory) if directory is not None else Path(tempfile.gettempdir())
        try:
            handle, name = tempfile.mkstemp(prefix="verticalbench-scratch-", suffix=".sqlite3", dir=folder)
        except OSError as exc:
            raise ScratchError(
                f"cannot create a scratch database in {folder}: {exc}. Set TMPDIR to a writable folder with free space."
            ) from exc
        os.close(handle)
        self.path = Path(name)
        try:
            # The finalizer may close the connection from another thread, and only one thread uses it at a time.
            self.connection = sqlite3.connect(self.path, check_same_thread=False)
        except sqlite3.Error as exc:
            self.path.unlink(missing_ok=True)
            raise ScratchError(f"cannot open the scratch database {self.path}: {exc}") from exc
        self._finalizer = weakref.finalize(self, _close_and_delete, self.connection, self.path)
        try:
            self.connection.execute("PRAGMA journal_mode = OFF")
            self.connection.execute("PRAGMA synchronous = OFF")
            self.connection.execute("PRAGMA locking_mode = EXCLUSIVE")
            self.connection.execute("PRAGMA temp_store = FILE")
            self.connection.execute(f"PRAGMA cache_size = {-int(cache_kib)}")
            # Reading the header opens the file and takes the exclusive lock, so the name can go.
            self.connection.execute("PRAGMA schema_version").fetchone()
        except sqlite3.Error as exc:
            self.close()
            raise ScratchError(f"cannot set up the scratch database {self.path}: {exc}") from exc
        self.unlinked = _unlink_open_file(self.path)
        logger.debug("opened scratch database %s%s", self.path, " (name removed)" if self.unlinked else "")

    @contextmanager
    def statements(self) -> Iterator[sqlite3.Connection]:
        """Yield the connection, and turn a failed statement into a ScratchError that names the file and its folder.

        Raises:
            ScratchError: a statement failed, for example because the disk is full.
        """
        try:
            yield self.connection
        except sqlite3.Error as exc:
            raise ScratchError(
                f"scratch database {self.path} failed: {exc}. Free space in {self.path.parent} or set TMPDIR to another folder."
            ) from exc

    def close(self) -> None:
        """Close the connection and delete the file; calling it again does nothing."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        """Whether `close` has run."""
        return not self._finalizer.alive

    def __enter__(self) -> ScratchDatabase:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


def _unlink_open_file(path: Path) -> bool:
    """Remove the name of a file that is held open; False where the system refuses (Windows)."""
    if os.name != "posix":
        return False
    try:
        path.unlink()
    except OSError as exc:
        logger.debug("kept the name of scratch database %s: %s", path, exc)
        return False
    return True


def _close_and_delete(connection: sqlite3.Connection, path: Path) -> None:
    """Close a scratch connection and delete its file; a module function so the finalizer holds no reference to the owner."""
    connection.close()
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        logger.warning("could not delete scratch database %s: %s; delete it by hand", path, exc)
    logger.debug("closed and deleted scratch database %s", path)
