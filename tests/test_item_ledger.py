"""Tests of the per-item ledger and of the scratch SQLite database behind it."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness import item_ledger
from harness.compare.paired import PairedCounts
from harness.errors import ScratchError
from harness.item_ledger import ItemLedger, RepeatCounts
from harness.scratch_db import CACHE_KIB, ScratchDatabase
from harness.stats import percentile
from harness.store.records import Sample

REPO = Path(__file__).resolve().parents[1]


def make_sample(model: str, item: str, outcome: str, **fields: Any) -> Sample:
    suite = fields.pop("suite", "legal/a")
    return Sample(run_id="r", model_id=model, suite=suite, vertical=fields.pop("vertical", suite.split("/")[0]),
                  item_id=item, messages=[], outcome=outcome, started_at="2026-01-01T00:00:00Z", **fields)  # type: ignore[arg-type]


def ledger_of(samples: list[Sample]) -> ItemLedger:
    ledger = ItemLedger()
    for sample in samples:
        ledger.add(sample)
    return ledger


# --- scratch database --------------------------------------------------------------


def test_scratch_file_has_no_name_while_open(tmp_path: Path) -> None:
    database = ScratchDatabase(directory=tmp_path)
    database.connection.execute("CREATE TABLE t (x)")
    database.connection.executemany("INSERT INTO t VALUES (?)", [(str(n) * 20,) for n in range(20_000)])
    assert database.path.parent == tmp_path
    assert database.unlinked
    assert list(tmp_path.iterdir()) == []
    assert database.connection.execute("SELECT count(*) FROM t").fetchone() == (20_000,)

    database.close()
    database.close()  # a second close does nothing

    assert database.closed
    assert list(tmp_path.iterdir()) == []


def test_scratch_context_manager(tmp_path: Path) -> None:
    with ScratchDatabase(directory=tmp_path) as database:
        database.connection.execute("CREATE TABLE t (x)")
    assert database.closed
    assert list(tmp_path.iterdir()) == []


def test_killed_process_leaves_no_scratch_file(tmp_path: Path) -> None:
    code = (
        "import os, signal\n"
        "from harness.scratch_db import ScratchDatabase\n"
        f"database = ScratchDatabase(directory={str(tmp_path)!r})\n"
        "database.connection.execute('CREATE TABLE t (x)')\n"
        "database.connection.executemany('INSERT INTO t VALUES (?)', [(str(n),) for n in range(1000)])\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    finished = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)

    assert finished.returncode == -signal.SIGKILL, finished.stderr
    assert list(tmp_path.iterdir()) == []


def test_scratch_cache_is_capped(tmp_path: Path) -> None:
    with ScratchDatabase(directory=tmp_path, cache_kib=512) as small, ScratchDatabase(directory=tmp_path) as default:
        assert small.connection.execute("PRAGMA cache_size").fetchone() == (-512,)
        assert default.connection.execute("PRAGMA cache_size").fetchone() == (-CACHE_KIB,)
        assert small.connection.execute("PRAGMA journal_mode").fetchone() == ("off",)


def test_scratch_rejects_empty_cache() -> None:
    with pytest.raises(ValueError, match="cache_kib"):
        ScratchDatabase(cache_kib=0)


def test_ledger_close_closes_database() -> None:
    ledger = ledger_of([make_sample("a", "i1", "correct")])
    database = ledger._database
    assert not database.closed
    ledger.close()
    assert database.closed
    assert not database.path.exists()


# --- paired counts -----------------------------------------------------------------


def test_later_repeat0_record_replaces_earlier() -> None:
    samples = [
        make_sample("a", "i1", "correct"),
        make_sample("b", "i1", "correct"),
        make_sample("a", "i1", "incorrect"),  # a resumed run stored i1 again: this record counts
        make_sample("a", "i2", "correct"),
        make_sample("b", "i2", "incorrect"),
        make_sample("a", "i2", "incorrect", repeat=1),  # a later repeat leaves the repeat-0 outcome alone
    ]
    with ledger_of(samples) as ledger:
        assert ledger.paired_counts("legal", "a", "b") == PairedCounts(
            both_correct=0, first_only_correct=1, second_only_correct=1, neither_correct=0)
        # Both records of i1 count as repeats: 2 samples, 2 answered, 1 correct.
        counts = ledger.repeat_counts("vertical")[("a", "legal")]
        assert counts.histogram == {(2, 1): 2}
        assert counts.max_samples == 2


def test_later_error_drops_item_from_pairs() -> None:
    samples = [make_sample("a", "i1", "correct"), make_sample("b", "i1", "correct"), make_sample("a", "i1", "error")]
    with ledger_of(samples) as ledger:
        assert ledger.paired_counts("legal", "a", "b").items == 0


def test_pairs_match_suite_and_vertical() -> None:
    samples = [
        make_sample("a", "i1", "correct", suite="legal/a"),
        make_sample("b", "i1", "incorrect", suite="legal/b"),  # same item id, other suite: not a pair
        make_sample("a", "i2", "correct", suite="legal/a"),
        make_sample("b", "i2", "correct", suite="legal/a"),
        make_sample("b", "i3", "correct", suite="legal/a"),  # no sample of model a
    ]
    with ledger_of(samples) as ledger:
        assert ledger.paired_counts("legal", "a", "b") == PairedCounts(1, 0, 0, 0)
        assert ledger.paired_counts("medical", "a", "b").items == 0
        assert ledger.paired_counts("legal", "a", "missing").items == 0


# --- repeat counts -----------------------------------------------------------------


def test_repeat_counts_leave_out_unanswered_items() -> None:
    samples = [
        make_sample("a", "i1", "correct"),
        make_sample("a", "i1", "error", repeat=1),
        make_sample("a", "i1", "error", repeat=2),
        make_sample("a", "i2", "error"),
    ]
    with ledger_of(samples) as ledger:
        # i1 has 3 samples of which 1 answered; i2 none answered, so it is only in max_samples.
        assert ledger.repeat_counts("suite") == {("a", "legal/a"): RepeatCounts(max_samples=3, histogram={(1, 1): 1})}


def test_vertical_counts_sum_cells() -> None:
    samples = [make_sample("a", "i1", "correct", suite="legal/a", repeat=r) for r in range(3)]
    samples += [make_sample("a", "i1", "incorrect", suite="legal/b", repeat=r) for r in range(3)]
    samples += [make_sample("a", "i2", "correct", suite="legal/b")]
    with ledger_of(samples) as ledger:
        vertical = ledger.repeat_counts("vertical")
        suites = ledger.repeat_counts("suite")
    # legal/a:i1 and legal/b:i1 are different items of the vertical.
    assert vertical == {("a", "legal"): RepeatCounts(3, {(3, 3): 1, (3, 0): 1, (1, 1): 1})}
    assert suites[("a", "legal/b")] == RepeatCounts(3, {(3, 0): 1, (1, 1): 1})


def test_split_suite_sums_items_over_verticals() -> None:
    # The same suite item named under two verticals is one item of the suite with all its repeats.
    samples = [
        make_sample("a", "i1", "correct", vertical="legal"),
        make_sample("a", "i1", "incorrect", vertical="medical", repeat=1),
        make_sample("a", "i2", "correct", vertical="legal"),
    ]
    with ledger_of(samples) as ledger:
        assert ledger.repeat_counts("suite") == {("a", "legal/a"): RepeatCounts(2, {(2, 1): 1, (1, 1): 1})}
        vertical = ledger.repeat_counts("vertical")
    assert vertical[("a", "legal")] == RepeatCounts(1, {(1, 1): 2})
    assert vertical[("a", "medical")] == RepeatCounts(1, {(1, 0): 1})


def test_counts_survive_batch_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(item_ledger, "BATCH_ROWS", 3)
    samples = [make_sample("a", "i1", "correct" if r % 2 else "incorrect", repeat=r) for r in range(10)]
    samples += [make_sample("b", "i1", "correct"), make_sample("a", "i1", "correct")]
    with ledger_of(samples) as ledger:
        assert ledger.repeat_counts("vertical")[("a", "legal")] == RepeatCounts(11, {(11, 6): 1})
        assert ledger.paired_counts("legal", "a", "b") == PairedCounts(1, 0, 0, 0)


# --- latency percentiles -----------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 5, 101])
def test_latency_percentiles_equal_percentile(count: int) -> None:
    chance = random.Random(count)
    # Two suites make the vertical span two cells; repeated values test ties.
    latencies = [chance.choice((0.5, 1.25, chance.uniform(0.01, 9.0))) for _ in range(count)]
    samples = [
        make_sample("a", f"i{n}", "correct", suite=chance.choice(("legal/a", "legal/b")), latency_s=value)
        for n, value in enumerate(latencies)
    ]
    qs = (0, 2.5, 50, 95, 99.9, 100)
    with ledger_of(samples) as ledger:
        assert ledger.latency_percentiles("vertical", "a", "legal", qs) == tuple(percentile(latencies, q) for q in qs)
        for suite in ("legal/a", "legal/b"):
            values = [s.latency_s for s in samples if s.suite == suite and s.latency_s is not None]
            expected = tuple(percentile(values, q) for q in qs) if values else None
            assert ledger.latency_percentiles("suite", "a", suite, qs) == expected


def test_latency_percentiles_none_without_latencies() -> None:
    with ledger_of([make_sample("a", "i1", "correct")]) as ledger:
        assert ledger.latency_percentiles("vertical", "a", "legal", (50,)) is None
        assert ledger.latency_percentiles("vertical", "unknown", "legal", (50,)) is None


def test_latency_percentile_rejects_bad_q() -> None:
    with ledger_of([make_sample("a", "i1", "correct", latency_s=1.0)]) as ledger:
        with pytest.raises(ValueError, match="out of range"):
            ledger.latency_percentiles("vertical", "a", "legal", (101,))


# --- errors ------------------------------------------------------------------------


def test_scratch_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(ScratchError, match="cannot create a scratch database in .*missing.*TMPDIR"):
        ScratchDatabase(directory=tmp_path / "missing")


def test_full_disk_raises_scratch_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(item_ledger, "BATCH_ROWS", 50)
    database = ScratchDatabase(directory=tmp_path)
    with ItemLedger(database) as ledger:
        # Capping the file at its current size makes the next write fail as a full disk would.
        pages = database.connection.execute("PRAGMA page_count").fetchone()[0]
        database.connection.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(ScratchError, match="scratch database .* failed: database or disk is full. Free space in"):
            for number in range(50):
                ledger.add(make_sample("a", f"item-{number:04d}-" + "x" * 60, "correct", latency_s=1.0))
    assert not database.path.exists()
