"""Read the run index: the list of runs, and one model's figures across its runs."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from harness.registry.index import RegistryError, index_path
from harness.registry.schema import connect


@dataclass(frozen=True)
class ModelRecord:
    """One model of an indexed run."""

    model_id: str
    model: str
    """LiteLLM model string from the run config."""
    role: str
    response_models: tuple[str, ...]
    """Model names the provider reported in its replies, most frequent first."""


@dataclass(frozen=True)
class RunRecord:
    """One indexed run."""

    run_id: str
    name: str
    status: str
    started_at: str
    finished_at: str | None
    samples: int
    config_hash: str
    models: tuple[ModelRecord, ...]
    suites: tuple[str, ...]


@dataclass(frozen=True)
class HistoryRecord:
    """A model's figures on one vertical or suite in one run."""

    run_id: str
    started_at: str
    model_id: str
    model: str
    response_models: tuple[str, ...]
    group: str
    samples: int
    answered: int
    excluded: int
    accuracy: float | None
    accuracy_interval: tuple[float, float] | None
    subtasks: int
    subtask_accuracy: float | None
    subtask_interval: tuple[float, float] | None
    priced: bool
    total_cost: float | None
    """US dollars."""
    cost_per_item: float | None
    latency_p50: float | None
    """Seconds."""
    latency_p95: float | None


def list_runs(results_dir: Path, model: str | None = None) -> list[RunRecord]:
    """Return the indexed runs, oldest first; with model, only runs that have that model id or LiteLLM string."""
    with _reader(results_dir) as connection:
        query = "SELECT * FROM runs"
        parameters: tuple[str, ...] = ()
        if model is not None:
            query += " WHERE run_id IN (SELECT run_id FROM run_models WHERE model_id = ? OR model = ?)"
            parameters = (model, model)
        runs = connection.execute(query + " ORDER BY started_at, run_id", parameters).fetchall()
        return [_run_record(connection, row) for row in runs]


def model_history(
    results_dir: Path,
    model: str,
    *,
    level: str = "vertical",
    group: str | None = None,
    finished_only: bool = True,
) -> list[HistoryRecord]:
    """Return a model's figures per vertical (or suite) and run, ordered by group and then run start.

    Args:
        results_dir: the results directory that contains the index.
        model: a model id of the run configs, or a LiteLLM model string.
        level: 'vertical' or 'suite'.
        group: only this vertical or suite.
        finished_only: leave out runs that did not finish, whose figures are partial.
    """
    query = """
        SELECT f.*, r.started_at, m.model, m.response_models
        FROM figures f
        JOIN runs r ON r.run_id = f.run_id
        JOIN run_models m ON m.run_id = f.run_id AND m.model_id = f.model_id
        WHERE (m.model_id = ? OR m.model = ?) AND f.level = ?
    """
    parameters: list[str] = [model, model, level]
    if group is not None:
        query += " AND f.grp = ?"
        parameters.append(group)
    if finished_only:
        query += " AND r.status = 'finished'"
    with _reader(results_dir) as connection:
        rows = connection.execute(query + " ORDER BY f.grp, r.started_at, r.run_id", parameters).fetchall()
    return [_history_record(row) for row in rows]


def indexed_models(results_dir: Path) -> list[str]:
    """Return the distinct model ids of the index, for error messages that list the choices."""
    with _reader(results_dir) as connection:
        return [row[0] for row in connection.execute("SELECT DISTINCT model_id FROM run_models ORDER BY model_id")]


def _reader(results_dir: Path) -> closing[sqlite3.Connection]:
    path = index_path(results_dir)
    if not path.is_file():
        raise RegistryError(f"no run index at {path}; create it with 'verticalbench index --rebuild'")
    return closing(connect(path))


def _run_record(connection: sqlite3.Connection, row: sqlite3.Row) -> RunRecord:
    models = connection.execute("SELECT * FROM run_models WHERE run_id = ? ORDER BY model_id", (row["run_id"],))
    suites = connection.execute("SELECT suite FROM run_suites WHERE run_id = ? ORDER BY suite", (row["run_id"],))
    return RunRecord(
        run_id=row["run_id"],
        name=row["name"],
        status=row["status"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        samples=row["samples"],
        config_hash=row["config_hash"],
        models=tuple(
            ModelRecord(m["model_id"], m["model"], m["role"], tuple(json.loads(m["response_models"]))) for m in models
        ),
        suites=tuple(suite[0] for suite in suites),
    )


def _history_record(row: sqlite3.Row) -> HistoryRecord:
    return HistoryRecord(
        run_id=row["run_id"],
        started_at=row["started_at"],
        model_id=row["model_id"],
        model=row["model"],
        response_models=tuple(json.loads(row["response_models"])),
        group=row["grp"],
        samples=row["samples"],
        answered=row["answered"],
        excluded=row["excluded"],
        accuracy=row["accuracy"],
        accuracy_interval=_interval(row["accuracy_low"], row["accuracy_high"]),
        subtasks=row["subtasks"],
        subtask_accuracy=row["subtask_accuracy"],
        subtask_interval=_interval(row["subtask_low"], row["subtask_high"]),
        priced=bool(row["priced"]),
        total_cost=row["total_cost"],
        cost_per_item=row["cost_per_item"],
        latency_p50=row["latency_p50"],
        latency_p95=row["latency_p95"],
    )


def _interval(low: float | None, high: float | None) -> tuple[float, float] | None:
    return None if low is None or high is None else (low, high)
