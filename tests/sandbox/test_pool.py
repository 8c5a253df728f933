"""The bounded parallel pool."""

from __future__ import annotations

import pytest

from harness.sandbox import SandboxJob, SandboxLimits, run_many

LIMITS = SandboxLimits(wall_seconds=20)
# Each job prints when it started and ended, from the host clock.
TIMED_JOB = "import time\nstart = time.time()\ntime.sleep(1)\nprint({index}, start, time.time())\n"


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """Return the largest number of intervals that share one instant."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    current = best = 0
    for _, step in events:
        current += step
        best = max(best, current)
    return best


def test_run_many_keeps_order_and_bound() -> None:
    jobs = [SandboxJob(TIMED_JOB.format(index=index), limits=LIMITS) for index in range(6)]
    results = run_many(jobs, workers=2)
    assert [result.status for result in results] == ["passed"] * 6
    fields = [result.stdout.split() for result in results]
    assert [int(field[0]) for field in fields] == list(range(6))
    intervals = [(float(field[1]), float(field[2])) for field in fields]
    assert max_overlap(intervals) <= 2
    assert max_overlap(intervals) == 2


def test_run_many_mixes_programs_and_tests() -> None:
    jobs = [
        SandboxJob("print('alone')", limits=LIMITS),
        SandboxJob("def f():\n    return 1\n", tests="assert f() == 1\n", limits=LIMITS),
        SandboxJob("def f():\n    return 2\n", tests="assert f() == 1\n", limits=LIMITS),
    ]
    results = run_many(jobs)
    assert [result.status for result in results] == ["passed", "passed", "failed"]
    assert results[0].stdout == "alone\n"


def test_run_many_empty() -> None:
    assert run_many([]) == []


def test_run_many_rejects_zero_workers() -> None:
    with pytest.raises(ValueError, match="workers"):
        run_many([SandboxJob("pass")], workers=0)
