"""All 164 HumanEval problems through the parallel pool: canonical solutions pass, stubs do not.

Reads the local copy of HumanEval from the data dir, as the suite tests do, and skips
when it is missing.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from harness.sandbox import SandboxConfig, SandboxJob, SandboxLimits, run_many
from harness.sandbox.isolation import unavailable_reason
from tests.suites.test_suite_files import default_data_dir

# HumanEval's own evaluator allows 3 seconds per problem; a loaded CI machine gets more.
LIMITS = SandboxLimits(wall_seconds=20, cpu_seconds=10)
HUMANEVAL_ROWS = 164


@pytest.fixture(scope="module")
def problems() -> list[dict[str, Any]]:
    path = default_data_dir() / "humaneval" / "test.jsonl"
    if not path.is_file():
        pytest.skip(f"HumanEval not found at {path}")
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == HUMANEVAL_ROWS
    return rows


def job(problem: dict[str, Any], completion: str) -> SandboxJob:
    """The program HumanEval runs: prompt and completion, then the tests and the check call."""
    return SandboxJob(
        problem["prompt"] + completion,
        tests=f"{problem['test']}\ncheck({problem['entry_point']})\n",
        limits=LIMITS,
    )


def test_canonical_solutions_all_pass(problems: list[dict[str, Any]]) -> None:
    isolation = "bubblewrap" if unavailable_reason("bubblewrap", SandboxConfig()) is None else "auto"
    results = run_many([job(problem, problem["canonical_solution"]) for problem in problems], workers=2)
    failures = {
        problem["task_id"]: (result.status, result.stderr[-300:])
        for problem, result in zip(problems, results)
        if result.status != "passed"
    }
    assert failures == {}
    if isolation == "bubblewrap":
        assert {result.isolation for result in results} == {"bubblewrap"}


def test_stub_solutions_never_pass(problems: list[dict[str, Any]]) -> None:
    results = run_many([job(problem, "    return None\n") for problem in problems], workers=2)
    statuses = Counter(result.status for result in results)
    assert statuses["passed"] == 0, statuses
    assert set(statuses) <= {"failed", "error"}, statuses
