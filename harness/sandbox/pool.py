"""A bounded pool that runs many sandboxed programs in parallel."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from harness.sandbox.config import SandboxConfig
from harness.sandbox.limits import SandboxLimits
from harness.sandbox.outcome import SandboxResult
from harness.sandbox.runner import run_program, run_tests

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SandboxJob:
    """One program for `run_many`.

    Attributes:
        source: The program, or the solution when `tests` is set.
        tests: Tests run after `source` as in `run_tests`; None runs `source` alone as in
            `run_program`.
        limits: Limits of this run.
        isolation: Isolation requested for this run.
    """

    source: str
    tests: str | None = None
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    isolation: str = "auto"


def run_many(
    jobs: Iterable[SandboxJob],
    *,
    workers: int | None = None,
    config: SandboxConfig | None = None,
) -> list[SandboxResult]:
    """Run `jobs` with at most `workers` programs at a time.

    Threads only wait on the child processes, so the number of workers bounds the number
    of sandboxed programs running at once.

    Args:
        jobs: Programs to run.
        workers: Maximum parallel runs; None uses the number of CPUs.
        config: Host settings shared by all jobs.

    Returns:
        One result per job, in the order of `jobs`.

    Raises:
        ValueError: When `workers` is less than 1, or a job names an unknown isolation.
    """
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    job_list = list(jobs)
    logger.debug("running %d sandbox jobs with %d workers", len(job_list), workers)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sandbox") as executor:
        return list(executor.map(lambda job: _run_job(job, config), job_list))


def _run_job(job: SandboxJob, config: SandboxConfig | None) -> SandboxResult:
    if job.tests is None:
        return run_program(job.source, limits=job.limits, isolation=job.isolation, config=config)
    return run_tests(job.source, job.tests, limits=job.limits, isolation=job.isolation, config=config)
