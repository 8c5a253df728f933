"""A run's directory: `manifest.json` written atomically and `samples.jsonl` appended as samples finish.

Layout: `<results>/<run-id>/manifest.json`, `samples.jsonl`, `logs/`.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import secrets
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from pydantic import ValidationError

from harness.errors import StoreError
from harness.store.records import Manifest, Sample

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SAMPLES = "samples.jsonl"


def new_run_id(name: str) -> str:
    """Return a sortable, unique run id such as '20261204-213000-demo-3fa2'."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    slug = "".join(char if char.isalnum() or char in "-_" else "-" for char in name.lower())[:32].strip("-") or "run"
    return f"{stamp}-{slug}-{secrets.token_hex(2)}"


def utc_now() -> str:
    """Return the current UTC time in ISO-8601 with seconds."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Write a file so that readers see either the old or the new content, never a partial one.

    `text` is the whole content, or an iterable of its pieces (e.g. a Jinja template stream).
    The temporary file's name carries the writer's pid. A killed writer leaves its file
    behind, and the next write to the same path deletes it once no process has that pid.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(path)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            if isinstance(text, str):
                stream.write(text)
            else:
                stream.writelines(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _remove_orphans(path: Path) -> None:
    """Delete temporary files that killed writers of `path` left in its folder."""
    prefix = f".{path.name}."
    for candidate in path.parent.glob(f"{glob.escape(prefix)}*"):
        pid = candidate.name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and not _process_exists(int(pid)):
            logger.info("removing %s, left by a writer that was killed", candidate)
            candidate.unlink(missing_ok=True)


def _process_exists(pid: int) -> bool:
    """Tell whether a process with this pid exists; True where that cannot be checked."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the process exists but belongs to another user
        return True
    return True


def _fsync_folder(folder: Path) -> None:
    """Make a rename in the folder durable; a no-op where folders cannot be opened (Windows)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


class RunDir:
    """Reads and writes one run's files."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def run_id(self) -> str:
        """The run id, which is the folder name."""
        return self.path.name

    @property
    def samples_path(self) -> Path:
        """Path of the append-only samples file."""
        return self.path / SAMPLES

    @classmethod
    def create(cls, results_dir: Path, run_id: str) -> RunDir:
        """Create a new run folder; raise StoreError if it exists."""
        path = results_dir / run_id
        try:
            path.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            raise StoreError(f"run folder {path} already exists; use --resume {run_id} to continue it") from None
        (path / "logs").mkdir()
        return cls(path)

    @classmethod
    def open(cls, results_dir: Path, run: str) -> RunDir:
        """Open an existing run by id or by path; raise StoreError if it has no manifest."""
        candidate = Path(run)
        path = candidate if (candidate / MANIFEST).is_file() else results_dir / run
        if not (path / MANIFEST).is_file():
            raise StoreError(f"run {run!r} not found: no {MANIFEST} in {path}. List runs with 'verticalbench runs' or pass --output-dir.")
        return cls(path)

    def write_manifest(self, manifest: Manifest) -> None:
        """Replace the manifest atomically."""
        write_atomic(self.path / MANIFEST, manifest.model_dump_json(indent=2) + "\n")

    def read_manifest(self) -> Manifest:
        """Read and validate the manifest."""
        path = self.path / MANIFEST
        try:
            return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
        except (ValidationError, ValueError) as exc:
            raise StoreError(f"{path} is corrupt: {exc}. Restore it from a backup; the samples are untouched.") from None

    def iter_samples(self) -> Iterator[Sample]:
        """Yield stored samples in file order.

        A final line without its newline is the trace of a crash during a write and is
        skipped with a warning; a corrupt line elsewhere raises StoreError with its number.
        """
        path = self.samples_path
        if not path.exists():
            return
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    yield Sample.model_validate_json(raw)
                except (ValidationError, ValueError) as exc:
                    if not raw.endswith(b"\n"):
                        logger.warning("%s: skipping a partial last line %d left by an interrupted write", path, number)
                        return
                    text = raw.decode("utf-8", errors="replace").strip()
                    shown = text if len(text) <= 80 else text[:77] + "..."
                    raise StoreError(
                        f"{path} line {number} is corrupt ({str(exc).splitlines()[0]}): {shown!r}. "
                        "Remove or repair that line; the other samples are intact and --resume will redo the missing one."
                    ) from None

    def repair_tail(self) -> None:
        """Cut a partial last line left by a crash, so appends start on a fresh line."""
        path = self.samples_path
        if not path.exists() or path.stat().st_size == 0:
            return
        with path.open("rb+") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) == b"\n":
                return
            data = path.read_bytes()
            keep = data.rfind(b"\n") + 1
            logger.warning("%s: removing a partial last line (%d bytes) left by an interrupted write", path, len(data) - keep)
            handle.truncate(keep)


class SampleWriter:
    """Appends samples one line at a time, so a crash loses nothing finished.

    Each line goes to the operating system with a single write as soon as its sample is
    done, which a killed process cannot undo. The file is fsynced at most every
    `fsync_interval_s` seconds and on close. An fsync costs about 4 ms on the virtual disk
    we measured, more than a whole model call to a fast server, so syncing each line would
    cap a run near 250 samples per second. Only a power cut or kernel crash can lose the
    lines of that last interval, and `--resume` then requests those samples again.
    """

    def __init__(self, run_dir: RunDir, fsync_interval_s: float = 1.0) -> None:
        run_dir.repair_tail()
        self._handle = run_dir.samples_path.open("ab")
        self._fsync_interval_s = fsync_interval_s
        self._last_fsync = time.monotonic()
        self.written = 0

    def write(self, sample: Sample) -> None:
        """Append one sample as a single JSON line."""
        line = sample.model_dump_json().encode("utf-8") + b"\n"
        self._handle.write(line)
        self._handle.flush()
        self.written += 1
        if time.monotonic() - self._last_fsync >= self._fsync_interval_s:
            self.sync()

    def sync(self) -> None:
        """Force the lines written so far onto the disk."""
        os.fsync(self._handle.fileno())
        self._last_fsync = time.monotonic()

    def close(self) -> None:
        """Sync and close the file."""
        if not self._handle.closed:
            self._handle.flush()
            self.sync()
            self._handle.close()

    def __enter__(self) -> SampleWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_json(path: Path) -> dict:
    """Read a JSON file; raise StoreError naming the file when it is corrupt."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StoreError(f"cannot read {path}: {exc}") from None
