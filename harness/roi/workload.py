"""Workload files for the readiness check: a query log, or stated volumes per vertical.

- A query log, CSV (with a header) or JSONL: one row per query with a `vertical` column,
  optionally `count` (queries the row stands for, default 1) and `timestamp` (ISO 8601).
  The monthly volume is the log's count scaled from the days it covers: `--days`, else
  the span of its timestamps, else an assumed 30 days, which the output states.
- Stated volumes, YAML or JSON: `volumes: {legal: 40000, code: 8000}` per month, optionally
  with `cost_per_error`, `value_per_correct`, `budget_monthly` and `fixed_monthly` in US dollars.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import VerticalbenchError
from harness.json_lines import JsonLineError, read_objects

DAYS_PER_MONTH = 365.25 / 12
"""Mean days in a month (30.44), used to scale a log's period to a month."""
ASSUMED_LOG_DAYS = 30.0
"""Days a query log is taken to cover when neither --days nor its timestamps give the period."""
SECONDS_PER_DAY = 86_400


class WorkloadError(VerticalbenchError):
    """A workload file is missing, malformed or has no queries."""


class StatedWorkload(BaseModel):
    """A workload given as volumes per vertical, with optional stakes and budget."""

    model_config = ConfigDict(extra="forbid")

    volumes: dict[str, float] = Field(min_length=1)
    """Queries per month per vertical."""
    cost_per_error: float | None = Field(default=None, ge=0)
    value_per_correct: float | None = Field(default=None, ge=0)
    budget_monthly: float | None = Field(default=None, ge=0)
    """US dollars a month available for a separate specialized model."""
    fixed_monthly: float | None = Field(default=None, ge=0)
    """US dollars a month to host or contract the specialized model, routing included."""


@dataclass(frozen=True)
class Workload:
    """Monthly queries per vertical and what the user stated about them."""

    source: str
    monthly: dict[str, float]
    basis: str
    """Origin of the monthly volumes, e.g. 'query log: 1,200 queries over 7 days'."""
    cost_per_error: float | None = None
    value_per_correct: float | None = None
    budget_monthly: float | None = None
    fixed_monthly: float | None = None

    @property
    def total(self) -> float:
        """Queries per month over all verticals."""
        return sum(self.monthly.values())

    def ranked(self) -> list[tuple[str, float]]:
        """Verticals by monthly volume, largest first (ties by name)."""
        return sorted(self.monthly.items(), key=lambda item: (-item[1], item[0]))


def load_workload(path: str | Path, days: float | None = None) -> Workload:
    """Read a workload file; the suffix decides the format (.csv, .jsonl, .yaml/.yml, .json).

    Raises:
        WorkloadError: the file is missing, malformed, or has no queries.
    """
    path = Path(path)
    if not path.is_file():
        raise WorkloadError(f"workload file not found: {path}. Pass a CSV or JSONL query log, or a YAML file of volumes.")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".jsonl"):
        rows = _csv_rows(path) if suffix == ".csv" else _jsonl_rows(path)
        return _from_log(path, rows, days)
    if suffix in (".yaml", ".yml", ".json"):
        return _from_stated(path)
    raise WorkloadError(f"{path}: unknown workload format {suffix!r}; use .csv or .jsonl (a query log) or .yaml/.json (volumes)")


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "vertical" not in reader.fieldnames:
            raise WorkloadError(f"{path}: the header needs a 'vertical' column, found {reader.fieldnames}")
        yield from reader


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    try:
        for _, row in read_objects(path):
            yield row
    except JsonLineError as exc:
        raise WorkloadError(f"{path} {exc}; each line must be one query object with a 'vertical' key") from None


def _from_log(path: Path, rows: Iterator[dict[str, Any]], days: float | None) -> Workload:
    counts: dict[str, float] = defaultdict(float)
    stamps: list[datetime] = []
    for number, row in enumerate(rows, start=1):
        vertical = str(row.get("vertical") or "").strip()
        if not vertical:
            raise WorkloadError(f"{path} row {number}: empty 'vertical'; every query needs one")
        counts[vertical] += _count(row.get("count"), path, number)
        if row.get("timestamp"):
            stamps.append(_timestamp(row["timestamp"], path, number))
    queries = sum(counts.values())
    if queries == 0:
        raise WorkloadError(f"{path}: the log has no queries")
    period, how = _period(days, stamps)
    scale = DAYS_PER_MONTH / period
    basis = f"query log: {queries:,} queries over {period:g} days ({how}), scaled to {DAYS_PER_MONTH:.2f} days a month"
    return Workload(source=str(path), monthly={v: c * scale for v, c in counts.items()}, basis=basis)


def _count(value: Any, path: Path, number: int) -> float:
    if value in (None, ""):
        return 1.0
    try:
        count = float(value)
    except (TypeError, ValueError):
        raise WorkloadError(f"{path} row {number}: count {value!r} is not a number") from None
    if count < 0:
        raise WorkloadError(f"{path} row {number}: count {value!r} is negative")
    return count


def _timestamp(value: Any, path: Path, number: int) -> datetime:
    try:
        stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise WorkloadError(f"{path} row {number}: timestamp {value!r} is not ISO 8601, e.g. 2027-01-05T10:00:00Z") from None
    return stamp.replace(tzinfo=None) if stamp.utcoffset() is None else stamp


def _period(days: float | None, stamps: list[datetime]) -> tuple[float, str]:
    """Return the days a log covers and how that was decided."""
    if days is not None:
        if days <= 0:
            raise WorkloadError(f"--days {days} must be positive: the number of days the query log covers")
        return days, "from --days"
    if len(stamps) >= 2:
        try:
            span = (max(stamps) - min(stamps)).total_seconds() / SECONDS_PER_DAY
        except TypeError:
            raise WorkloadError("timestamps mix time zones and naive times; "
                                "give every timestamp an offset, or pass --days") from None
        return max(span, 1.0), "span of its timestamps, at least 1 day"
    return ASSUMED_LOG_DAYS, "assumed; pass --days to state it"


def _from_stated(path: Path) -> Workload:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        stated = StatedWorkload.model_validate(data)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise WorkloadError(f"{path}: cannot parse: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise WorkloadError(f"{path}: invalid workload ({problems}). "
                            "Expected 'volumes: {VERTICAL: queries a month}'.") from None
    return Workload(source=str(path), monthly=dict(stated.volumes), basis="stated volumes per month",
                    cost_per_error=stated.cost_per_error, value_per_correct=stated.value_per_correct,
                    budget_monthly=stated.budget_monthly, fixed_monthly=stated.fixed_monthly)
