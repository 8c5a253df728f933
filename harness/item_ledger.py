"""Per-item and per-sample state of one aggregation, kept in a scratch SQLite database.

`harness.aggregate` keeps only counters per group and subtask in memory. Everything that
grows with the samples lives here instead: each item's repeat counts, the repeat-0 outcome
of each item for the paired comparisons, and every latency for the percentiles. Held in
Python objects that state cost about 0.5 KB per sample.

The figures read back are exact, with no approximation:
- pass@k needs only the histogram of (answered repeats, correct repeats) over a group's items;
- the paired comparison needs only the 2x2 table of the two models' repeat-0 outcomes;
- a percentile by linear interpolation needs only two order statistics, which an index
  on (group, latency) returns with LIMIT and OFFSET.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

from harness.compare.paired import PairedCounts
from harness.scratch_db import ScratchDatabase
from harness.stats import interpolate, percentile_position
from harness.store.records import Sample

logger = logging.getLogger(__name__)

Grouping = Literal["vertical", "suite"]
"""The two groupings of the aggregates: per (model, vertical) and per (model, suite)."""

BATCH_ROWS = 4096
"""Samples buffered in memory before they are written to the database in one transaction."""

_GROUP_COLUMN: Mapping[Grouping, str] = {"vertical": "vertical_group", "suite": "suite_group"}

_SCHEMA = (
    # One cell per (model, vertical, suite), with the ids of its two groups.
    """CREATE TABLE cells (
        cell INTEGER PRIMARY KEY, model_id TEXT NOT NULL, vertical TEXT NOT NULL, suite TEXT NOT NULL,
        vertical_group INTEGER NOT NULL, suite_group INTEGER NOT NULL)""",
    "CREATE UNIQUE INDEX cells_by_name ON cells (model_id, vertical, suite)",
    # repeat0_answered and repeat0_correct are NULL until a repeat-0 sample of the item is read.
    """CREATE TABLE items (
        cell INTEGER NOT NULL, item_id TEXT NOT NULL, samples INTEGER NOT NULL, answered INTEGER NOT NULL,
        correct INTEGER NOT NULL, repeat0_answered INTEGER, repeat0_correct INTEGER,
        PRIMARY KEY (cell, item_id)) WITHOUT ROWID""",
    "CREATE TABLE latencies (vertical_group INTEGER NOT NULL, suite_group INTEGER NOT NULL, latency_s REAL NOT NULL)",
)

_INDEXES = (
    "CREATE INDEX latencies_by_vertical ON latencies (vertical_group, latency_s)",
    "CREATE INDEX latencies_by_suite ON latencies (suite_group, latency_s)",
)

# A later repeat-0 record of an item replaces the earlier one, as a resumed run may store one twice.
_UPSERT_ITEM = """
    INSERT INTO items (cell, item_id, samples, answered, correct, repeat0_answered, repeat0_correct)
    VALUES (?, ?, 1, ?, ?, ?, ?)
    ON CONFLICT (cell, item_id) DO UPDATE SET
        samples = samples + 1,
        answered = answered + excluded.answered,
        correct = correct + excluded.correct,
        repeat0_answered = COALESCE(excluded.repeat0_answered, repeat0_answered),
        repeat0_correct = COALESCE(excluded.repeat0_correct, repeat0_correct)
"""

_REPEATS_BY_CELL = "SELECT cell, answered, correct, COUNT(*), MAX(samples) FROM items GROUP BY cell, answered, correct"

# For a suite whose samples name more than one vertical, which no run of the harness writes:
# each item's counts are summed over its cells first.
_REPEATS_OF_SPLIT_SUITE = """
    SELECT answered, correct, COUNT(*), MAX(samples)
    FROM (
        SELECT SUM(items.samples) AS samples, SUM(items.answered) AS answered, SUM(items.correct) AS correct
        FROM items JOIN cells USING (cell)
        WHERE cells.suite_group = ?
        GROUP BY items.item_id
    )
    GROUP BY answered, correct
"""

_PAIRED_COUNTS = """
    SELECT
        COALESCE(SUM(first_item.repeat0_correct AND second_item.repeat0_correct), 0),
        COALESCE(SUM(first_item.repeat0_correct AND NOT second_item.repeat0_correct), 0),
        COALESCE(SUM(NOT first_item.repeat0_correct AND second_item.repeat0_correct), 0),
        COUNT(*)
    FROM cells AS first_cell
    JOIN cells AS second_cell
        ON second_cell.model_id = :second AND second_cell.vertical = first_cell.vertical
        AND second_cell.suite = first_cell.suite
    JOIN items AS first_item ON first_item.cell = first_cell.cell
    JOIN items AS second_item ON second_item.cell = second_cell.cell AND second_item.item_id = first_item.item_id
    WHERE first_cell.model_id = :first AND first_cell.vertical = :vertical
        AND first_item.repeat0_answered = 1 AND second_item.repeat0_answered = 1
"""


@dataclass(frozen=True)
class RepeatCounts:
    """Repeat counts over the items of one group."""

    max_samples: int
    """Largest number of samples of one item, `error` samples included."""
    histogram: Mapping[tuple[int, int], int]
    """(answered repeats, correct repeats) -> number of items, over items with at least one answered repeat."""


class ItemLedger:
    """Collect the per-item and per-sample state of one aggregation on disk, and read figures back from it.

    Call `add` for every sample, then the query methods. A ledger is used by one thread at a
    time and must be closed, best with `with`, to delete its database file.

    Args:
        database: an empty scratch database, for example with another cache size or folder;
            None opens one with the defaults. `close` closes and deletes it either way.
    """

    def __init__(self, database: ScratchDatabase | None = None) -> None:
        self._database = database or ScratchDatabase()
        try:
            with self._database.statements() as connection:
                for statement in _SCHEMA:
                    connection.execute(statement)
        except BaseException:
            self._database.close()
            raise
        self._groups: dict[tuple[Grouping, str, str], int] = {}
        # (model, vertical, suite) -> (cell id, vertical group id, suite group id). Cell ids count from 0,
        # so _cell_latencies, the number of latencies recorded per cell, is indexed by them.
        self._cells: dict[tuple[str, str, str], tuple[int, int, int]] = {}
        self._cell_latencies: list[int] = []
        self._item_rows: list[tuple[int, str, int, int, int | None, int | None]] = []
        self._latency_rows: list[tuple[int, int, float]] = []
        self._indexed = False

    def add(self, sample: Sample) -> None:
        """Record one sample: its item's repeat counts, its repeat-0 outcome and its latency."""
        key = (sample.model_id, sample.vertical, sample.suite)
        cell, vertical_group, suite_group = self._cells.get(key) or self._new_cell(key)
        answered = int(sample.outcome != "error")
        correct = int(sample.outcome == "correct")
        first_repeat = sample.repeat == 0
        self._item_rows.append((
            cell, sample.item_id, answered, correct,
            answered if first_repeat else None, correct if first_repeat else None,
        ))
        if sample.latency_s is not None:
            self._latency_rows.append((vertical_group, suite_group, sample.latency_s))
            self._cell_latencies[cell] += 1
        if len(self._item_rows) >= BATCH_ROWS:
            self._flush()

    def repeat_counts(self, grouping: Grouping) -> dict[tuple[str, str], RepeatCounts]:
        """Return the repeat counts of every (model, vertical) or (model, suite) group that has samples."""
        self._prepare_queries()
        result = {}
        with self._database.statements() as connection:
            rows_by_cell: dict[int, list[tuple[int, int, int, int]]] = {}
            for cell, *row in connection.execute(_REPEATS_BY_CELL):
                rows_by_cell.setdefault(cell, []).append(tuple(row))
            for (model_id, name), cells in self._cells_by_group(grouping).items():
                if grouping == "suite" and len(cells) > 1:
                    group_id = self._groups[("suite", model_id, name)]
                    rows = list(connection.execute(_REPEATS_OF_SPLIT_SUITE, (group_id,)))
                else:
                    # Each item of a vertical lies in exactly one of its cells, so the cells' rows add up.
                    rows = [row for cell in cells for row in rows_by_cell.get(cell, ())]
                result[(model_id, name)] = _repeat_counts(rows)
        return result

    def latency_percentiles(
        self, grouping: Grouping, model_id: str, group: str, qs: Sequence[float]
    ) -> tuple[float, ...] | None:
        """Return the q-th latency percentiles of a group, equal to `harness.stats.percentile` of its latencies.

        Returns None when no sample of the group has a latency.

        Raises:
            ValueError: a q is outside [0, 100].
        """
        group_id = self._groups.get((grouping, model_id, group))
        cells = self._cells_by_group(grouping).get((model_id, group), [])
        count = sum(self._cell_latencies[cell] for cell in cells)
        if group_id is None or count == 0:
            return None
        self._prepare_queries()
        column = _GROUP_COLUMN[grouping]
        query = f"SELECT latency_s FROM latencies WHERE {column} = ? ORDER BY latency_s LIMIT ? OFFSET ?"
        results = []
        for q in qs:
            below, above, weight = percentile_position(count, q)
            with self._database.statements() as connection:
                values = [value for (value,) in connection.execute(query, (group_id, above - below + 1, below))]
            results.append(interpolate(values[0], values[-1], weight))
        return tuple(results)

    def paired_counts(self, vertical: str, first_model: str, second_model: str) -> PairedCounts:
        """Count the 2x2 table of two models' repeat-0 outcomes on the items of a vertical that both answered.

        An item is identified by (suite, item id). The latest repeat-0 record of an item counts.
        """
        self._prepare_queries()
        with self._database.statements() as connection:
            both, first_only, second_only, items = connection.execute(
                _PAIRED_COUNTS, {"first": first_model, "second": second_model, "vertical": vertical}
            ).fetchone()
        return PairedCounts(
            both_correct=both,
            first_only_correct=first_only,
            second_only_correct=second_only,
            neither_correct=items - both - first_only - second_only,
        )

    def close(self) -> None:
        """Delete the database; the ledger cannot be used afterwards."""
        self._item_rows.clear()
        self._latency_rows.clear()
        self._database.close()

    def __enter__(self) -> ItemLedger:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()

    def _new_cell(self, key: tuple[str, str, str]) -> tuple[int, int, int]:
        """Create the ids of a new (model, vertical, suite) cell and of its groups where they are new."""
        model_id, vertical, suite = key
        vertical_group = self._group_id("vertical", model_id, vertical)
        suite_group = self._group_id("suite", model_id, suite)
        ids = (len(self._cells), vertical_group, suite_group)
        with self._database.statements() as connection:
            connection.execute("INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?)", (ids[0], *key, vertical_group, suite_group))
        self._cells[key] = ids
        self._cell_latencies.append(0)
        return ids

    def _group_id(self, grouping: Grouping, model_id: str, name: str) -> int:
        return self._groups.setdefault((grouping, model_id, name), len(self._groups))

    def _cells_by_group(self, grouping: Grouping) -> dict[tuple[str, str], list[int]]:
        """Return the cell ids of each (model, vertical) or (model, suite) group."""
        cells: dict[tuple[str, str], list[int]] = {}
        for (model_id, vertical, suite), (cell, _, _) in self._cells.items():
            cells.setdefault((model_id, vertical if grouping == "vertical" else suite), []).append(cell)
        return cells

    def _flush(self) -> None:
        """Write the buffered samples in one transaction."""
        with self._database.statements() as connection, connection:
            connection.executemany(_UPSERT_ITEM, self._item_rows)
            connection.executemany("INSERT INTO latencies VALUES (?, ?, ?)", self._latency_rows)
        self._item_rows.clear()
        self._latency_rows.clear()

    def _prepare_queries(self) -> None:
        """Write what is buffered and build the latency indexes once, after the bulk of the inserts."""
        self._flush()
        if not self._indexed:
            with self._database.statements() as connection:
                for statement in _INDEXES:
                    connection.execute(statement)
            self._indexed = True
            logger.debug("ledger contains %d cells and %d latencies", len(self._cells), sum(self._cell_latencies))


def _repeat_counts(rows: Iterable[tuple[int, int, int, int]]) -> RepeatCounts:
    """Merge (answered, correct, items, max samples) rows of one group, one row per (answered, correct) and cell."""
    max_samples = 0
    histogram: dict[tuple[int, int], int] = {}
    for answered, correct, items, item_max_samples in rows:
        max_samples = max(max_samples, item_max_samples)
        if answered > 0:
            histogram[(answered, correct)] = histogram.get((answered, correct), 0) + items
    return RepeatCounts(max_samples=max_samples, histogram=histogram)
