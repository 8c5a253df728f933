"""The response cache: one SQLite file of successful replies keyed by `cache_key`.

Modes, chosen per run with `verticalbench run --cache MODE`:

- `record` (the default): store every successful reply, and read back only replies that
  this same run stored. A resumed run then never pays twice for a reply that arrived just
  before a crash but whose sample was not yet written.
- `use`: read any stored reply before calling the model, and store new ones.
- `replay`: read only, never call a model; a run with any request missing from the cache
  stops before it starts.
- `off`: neither read nor write.

Only the reply, finish reason, token usage, reported model name and latency are stored:
never the API key, the messages or a request header.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Literal

from harness.errors import VerticalbenchError
from harness.store.run_dir import utc_now

logger = logging.getLogger(__name__)

CacheMode = Literal["off", "record", "use", "replay"]
CACHE_MODES: tuple[str, ...] = ("off", "record", "use", "replay")
CACHE_DIR_ENV = "VERTICALBENCH_CACHE_DIR"
CACHE_FILE = "responses.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    model_id TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    payload TEXT NOT NULL
)
"""


class CacheMissError(VerticalbenchError):
    """A replay needs replies that the cache does not hold, or the cache file is unreadable."""


@dataclass(frozen=True)
class CachedReply:
    """The stored part of a successful model call."""

    reply: str | None
    finish_reason: str | None
    usage: dict[str, Any]
    """The `Usage` record as stored in samples.jsonl."""
    response_model: str | None
    latency_s: float | None
    """Seconds the original call took."""
    system_folded: bool = False
    """True when the reply was generated for messages whose system message was folded into the user turn."""


def default_cache_dir(output_dir: Path) -> Path:
    """Return $VERTICALBENCH_CACHE_DIR when set, else `<output-dir>/cache`."""
    value = os.environ.get(CACHE_DIR_ENV)
    return Path(value).expanduser() if value else output_dir / "cache"


class ResponseCache:
    """Reads and writes the cache file of one run in one mode.

    Raises:
        CacheMissError: in replay mode the cache file does not exist, or the file is not a
            readable SQLite database.
    """

    def __init__(self, directory: Path, mode: CacheMode, run_id: str) -> None:
        self.mode = mode
        self.run_id = run_id
        self.path = directory / CACHE_FILE
        self.hits = 0
        self.stored = 0
        self._db: sqlite3.Connection | None = None
        if mode == "off":
            return
        if mode == "replay" and not self.path.is_file():
            raise CacheMissError(f"replay needs the response cache {self.path}, which does not exist. "
                                 "Pass the --cache-dir of the run to replay, or run with --cache use to fill it.")
        self._db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            # WAL with synchronous=NORMAL survives a killed process; only a power cut may drop
            # the last entries, which then cost one more call.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise CacheMissError(f"response cache {self.path} is unreadable ({exc}). "
                                 "Delete the file to start an empty cache, or pass --cache off.") from None
        return db

    def lookup(self, key: str) -> CachedReply | None:
        """Return the stored reply for a key that this mode may read, else None."""
        if self._db is None:
            return None
        query = "SELECT payload FROM responses WHERE key = ?"
        args: tuple[str, ...] = (key,)
        if self.mode == "record":
            query += " AND run_id = ?"
            args = (key, self.run_id)
        row = self._db.execute(query, args).fetchone()
        if row is None:
            return None
        self.hits += 1
        return CachedReply(**json.loads(row[0]))

    def store(self, key: str, model_id: str, reply: CachedReply) -> None:
        """Store a successful reply (in record and use modes; other modes store nothing)."""
        if self._db is None or self.mode not in ("record", "use"):
            return
        payload = json.dumps(asdict(reply), ensure_ascii=False)
        self._db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)",
                         (key, self.run_id, model_id, utc_now(), payload))
        self.stored += 1

    def missing(self, keys: Iterable[str]) -> list[str]:
        """Return the keys that have no entry, in the given order."""
        if self._db is None:
            return list(keys)
        keys = list(keys)
        present: set[str] = set()
        for start in range(0, len(keys), 500):  # SQLite allows at most 999 parameters per statement
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            present.update(row[0] for row in self._db.execute(f"SELECT key FROM responses WHERE key IN ({marks})", chunk))
        return [key for key in keys if key not in present]

    def close(self) -> None:
        """Close the database file."""
        if self._db is not None:
            logger.info("response cache %s (%s): %d repl(ies) read, %d stored", self.path, self.mode, self.hits, self.stored)
            self._db.close()
            self._db = None
