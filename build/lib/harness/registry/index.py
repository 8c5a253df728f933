"""Write the run index: add one run, rebuild from the run directories, or bring it up to date.

The index lives at `<results>/index.sqlite`. It only caches what the run directories
contain, so deleting it loses nothing. `rebuild` recreates it. `sync`, which every reading
command calls first, rebuilds a missing, corrupt or outdated file and indexes the run
directories that are new or changed since they were indexed.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import StoreError
from harness.registry.schema import INDEX_FILE, SCHEMA_VERSION, connect, create_schema, schema_version
from harness.registry.summary import RunSummary, source_stamp, summarize_run
from harness.store.run_dir import MANIFEST, RunDir, utc_now

logger = logging.getLogger(__name__)


class RegistryError(StoreError):
    """The run index cannot be read or written."""


@dataclass
class IndexReport:
    """Outcome of a rebuild or a sync."""

    indexed: list[str] = field(default_factory=list)
    """Run ids added or updated."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(run folder, reason) of run folders that could not be read."""
    removed: list[str] = field(default_factory=list)
    """Run ids dropped because their folder is gone."""
    rebuilt: bool = False
    """True when the index file was created from scratch."""


def index_path(results_dir: Path) -> Path:
    """Return where the index of a results directory lives."""
    return results_dir / INDEX_FILE


def run_dirs(results_dir: Path) -> Iterator[RunDir]:
    """Yield every folder of the results directory that has a manifest, in name order."""
    if not results_dir.is_dir():
        return
    for path in sorted(results_dir.iterdir()):
        if path.is_dir() and (path / MANIFEST).is_file():
            yield RunDir(path)


def rebuild_index(results_dir: Path) -> IndexReport:
    """Create the index anew from every run directory, replacing the old file atomically.

    Raises:
        RegistryError: the results directory is missing or the index cannot be written.
    """
    if not results_dir.is_dir():
        raise RegistryError(
            f"results directory {results_dir} not found; run 'verticalbench run' first, or pass --output-dir "
            "with the folder that contains results/"
        )
    report = IndexReport(rebuilt=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{INDEX_FILE}.", suffix=".tmp", dir=results_dir)
    os.close(handle)
    temp = Path(temp_name)
    try:
        with closing(connect(temp)) as connection:
            create_schema(connection)
            for run_dir in run_dirs(results_dir):
                _index_into(connection, run_dir, report)
            connection.commit()
        os.replace(temp, index_path(results_dir))
    except sqlite3.Error as exc:
        raise RegistryError(f"cannot write the run index in {results_dir}: {exc}; check the folder's permissions and free space") from None
    finally:
        temp.unlink(missing_ok=True)
    logger.info("rebuilt the run index of %s: %d runs, %d skipped", results_dir, len(report.indexed), len(report.skipped))
    return report


def sync_index(results_dir: Path) -> IndexReport:
    """Bring the index up to date with the run directories, rebuilding it when it is unusable.

    Raises:
        RegistryError: the results directory is missing or the index cannot be written.
    """
    path = index_path(results_dir)
    if not _usable(path):
        return rebuild_index(results_dir)
    report = IndexReport()
    try:
        with closing(connect(path)) as connection:
            rows = connection.execute("SELECT run_id, path, source_stamp FROM runs").fetchall()
            stamps = {row["path"]: (row["run_id"], row["source_stamp"]) for row in rows}
            current_ids: set[str] = set()
            for run_dir in run_dirs(results_dir):
                known = stamps.get(str(run_dir.path.resolve()))
                if known is not None and known[1] == source_stamp(run_dir):
                    current_ids.add(known[0])
                    continue
                _index_into(connection, run_dir, report)
            current_ids.update(report.indexed)
            for run_id in sorted({run_id for run_id, _ in stamps.values()} - current_ids):
                connection.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
                report.removed.append(run_id)
            connection.commit()
    except sqlite3.Error as exc:
        raise RegistryError(f"cannot update the run index {path}: {exc}; rebuild it with 'verticalbench index --rebuild'") from None
    return report


def index_run(run_dir: RunDir) -> IndexReport:
    """Add or update one run in the index of its results directory.

    Raises:
        RegistryError: the index cannot be written.
        StoreError: the run's manifest or samples are corrupt.
    """
    results_dir = run_dir.path.parent
    if not _usable(index_path(results_dir)):
        return rebuild_index(results_dir)
    report = IndexReport()
    summary = summarize_run(run_dir, utc_now())
    try:
        with closing(connect(index_path(results_dir))) as connection:
            _write(connection, summary)
            connection.commit()
    except sqlite3.Error as exc:
        raise RegistryError(f"cannot add run {run_dir.run_id} to the run index: {exc}; retry with 'verticalbench index'") from None
    report.indexed.append(summary.run["run_id"])
    return report


def index_finished_run(run_dir: RunDir) -> None:
    """Index a run that just finished, logging a warning instead of raising on failure.

    A run's results are complete without the index, and the next `verticalbench runs`,
    `history` or `index` adds whatever is missing, so a failure here must not fail the run.
    """
    try:
        index_run(run_dir)
    except (StoreError, OSError) as exc:
        logger.warning("run %s finished but was not added to the run index: %s", run_dir.run_id, exc)


def _usable(path: Path) -> bool:
    """Tell whether the index file exists, is an SQLite database and has the current schema."""
    if not path.is_file():
        return False
    try:
        with closing(connect(path)) as connection:
            version = schema_version(connection)
    except sqlite3.DatabaseError as exc:
        logger.warning("run index %s is unreadable (%s); rebuilding it from the run directories", path, exc)
        return False
    if version != SCHEMA_VERSION:
        logger.info("run index %s has schema version %d, not %d; rebuilding it", path, version, SCHEMA_VERSION)
        return False
    return True


def _index_into(connection: sqlite3.Connection, run_dir: RunDir, report: IndexReport) -> None:
    """Summarize one run into the open index, recording a corrupt run as skipped."""
    try:
        summary = summarize_run(run_dir, utc_now())
    except StoreError as exc:
        logger.warning("not indexing %s: %s", run_dir.path, exc)
        report.skipped.append((run_dir.path.name, str(exc)))
        return
    _write(connection, summary)
    report.indexed.append(summary.run["run_id"])


def _write(connection: sqlite3.Connection, summary: RunSummary) -> None:
    """Replace every row of one run; the caller commits."""
    connection.execute("DELETE FROM runs WHERE run_id = ?", (summary.run["run_id"],))
    _insert(connection, "runs", [summary.run])
    _insert(connection, "run_models", summary.models)
    _insert(connection, "run_suites", summary.suites)
    _insert(connection, "figures", summary.figures)


def _insert(connection: sqlite3.Connection, table: str, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    # Table and column names come from this package's own row builders, never from user input.
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    connection.executemany(statement, [tuple(row[column] for column in columns) for row in rows])
