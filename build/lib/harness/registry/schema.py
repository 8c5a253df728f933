"""The SQLite schema of the run index, and opening a connection to it.

The index is a cache of the run directories: every row can be rebuilt from
`manifest.json` and `samples.jsonl`, so a schema change only bumps `SCHEMA_VERSION`
and the next open rebuilds the file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

INDEX_FILE = "index.sqlite"
"""File name of the index inside the results directory."""

SCHEMA_VERSION = 1
"""Stored in SQLite's `user_version`; an index with another version is rebuilt."""

BUSY_TIMEOUT_S = 30.0
"""Seconds a writer waits for another process's lock, e.g. two runs finishing at once."""

SCHEMA = """
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    samples INTEGER NOT NULL,
    verticalbench_version TEXT,
    path TEXT NOT NULL,
    source_stamp TEXT NOT NULL,
    indexed_at TEXT NOT NULL
);
CREATE TABLE run_models (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    model TEXT NOT NULL,
    role TEXT NOT NULL,
    verticals TEXT NOT NULL,
    response_models TEXT NOT NULL,
    priced INTEGER NOT NULL,
    PRIMARY KEY (run_id, model_id)
);
CREATE TABLE run_suites (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    suite TEXT NOT NULL,
    vertical TEXT NOT NULL,
    items INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (run_id, suite)
);
CREATE TABLE figures (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('vertical', 'suite')),
    grp TEXT NOT NULL,
    samples INTEGER NOT NULL,
    answered INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    excluded INTEGER NOT NULL,
    accuracy REAL,
    accuracy_low REAL,
    accuracy_high REAL,
    subtasks INTEGER NOT NULL,
    subtask_accuracy REAL,
    subtask_low REAL,
    subtask_high REAL,
    priced INTEGER NOT NULL,
    total_cost REAL,
    cost_per_item REAL,
    cost_per_1k_tokens REAL,
    cost_per_correct REAL,
    latency_p50 REAL,
    latency_p95 REAL,
    PRIMARY KEY (run_id, model_id, level, grp)
);
CREATE INDEX figures_by_model ON figures (model_id, level, grp);
"""
"""Tables: one row per run, per (run, model), per (run, suite) and per (run, model, vertical or suite).

`runs.source_stamp` records the size and modification time of the run's files when it was
indexed, so a later change to them is noticed. `run_models.response_models` is a JSON list of the model names the provider reported, most
frequent first; `verticals` is a comma-separated list. Money is in US dollars, latency in seconds.
"""


def connect(path: Path) -> sqlite3.Connection:
    """Open an index file with foreign keys on, rows readable by column name, and a busy timeout."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def create_schema(connection: sqlite3.Connection) -> None:
    """Create the tables in an empty database and stamp the schema version."""
    connection.executescript(SCHEMA)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def schema_version(connection: sqlite3.Connection) -> int:
    """Return the schema version stamped in the file; 0 for a file this code did not create."""
    return int(connection.execute("PRAGMA user_version").fetchone()[0])
