"""A bounded pool that runs many sandboxed programs in parallel, in reused sandboxes.

Each worker of a pool is a `WarmWorker`: a bubblewrap sandbox started once, whose pid 1
forks a fresh interpreter for each program. Programs of other isolations ("unshare",
"none") run in a sandbox of their own per program, as `run_program` does.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from harness.sandbox.capture import StreamCapture
from harness.sandbox.config import SandboxConfig, SandboxUnavailableError
from harness.sandbox.interpreter import select_interpreter
from harness.sandbox.isolation import resolve_isolation
from harness.sandbox.limits import SandboxLimits
from harness.sandbox.outcome import SandboxResult
from harness.sandbox.process import ProcessOutcome
from harness.sandbox.runner import (
    build_result,
    compose_test_program,
    execute,
    new_captures,
    new_token,
    unavailable_result,
)
from harness.sandbox.warm import WarmWorker, WorkerBrokenError

logger = logging.getLogger(__name__)

_DEFAULT_LIMITS = SandboxLimits()


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


class SandboxPool:
    """At most `workers` sandboxed programs at a time, in reused bubblewrap sandboxes.

    Thread-safe: any number of threads may call `run_program` and `run_tests`; beyond
    `workers` of them wait. Idle sandboxes stay alive, each holding its user id, until
    `close`. Use it as a context manager.
    """

    def __init__(self, *, workers: int | None = None, config: SandboxConfig | None = None) -> None:
        """Create an empty pool; sandboxes start when the first programs need them.

        Args:
            workers: Maximum parallel runs, and of live sandboxes; None uses the number of CPUs.
            config: Host settings of every run.

        Raises:
            ValueError: When `workers` is less than 1.
        """
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        self.config = config or SandboxConfig()
        self._slots = threading.BoundedSemaphore(self.workers)
        self._lock = threading.Lock()
        self._idle: list[WarmWorker] = []
        self._live = 0
        self._closed = False
        self._warm_unavailable: str | None = None

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def run_program(
        self, program: str, *, limits: SandboxLimits = _DEFAULT_LIMITS, isolation: str = "auto"
    ) -> SandboxResult:
        """Run a program as `harness.sandbox.run_program` does."""
        return self.run_prepared(program, limits, isolation, None)

    def run_tests(
        self, solution: str, tests: str, *, limits: SandboxLimits = _DEFAULT_LIMITS, isolation: str = "auto"
    ) -> SandboxResult:
        """Run a solution and its tests as `harness.sandbox.run_tests` does, token check included."""
        token = new_token()
        return self.run_prepared(compose_test_program(solution, tests, token), limits, isolation, token)

    def run_many(self, jobs: Iterable[SandboxJob]) -> list[SandboxResult]:
        """Run `jobs`, `workers` at a time, and return their results in the order of `jobs`."""
        job_list = list(jobs)
        if not job_list:
            return []
        logger.debug("running %d sandbox jobs with %d workers", len(job_list), self.workers)
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="sandbox") as executor:
            return list(executor.map(self._run_job, job_list))

    def _run_job(self, job: SandboxJob) -> SandboxResult:
        if job.tests is None:
            return self.run_program(job.source, limits=job.limits, isolation=job.isolation)
        return self.run_tests(job.source, job.tests, limits=job.limits, isolation=job.isolation)

    def run_prepared(self, program: str, limits: SandboxLimits, isolation: str, token: str | None) -> SandboxResult:
        """Run a program already composed by `run_program` or `run_tests`.

        Raises:
            ValueError: For an unknown isolation name.
        """
        with self._slots:
            try:
                chosen = resolve_isolation(isolation, self.config)
                interpreter = select_interpreter(self.config)
            except SandboxUnavailableError as exc:
                return unavailable_result(exc, isolation)
            stdout, stderr = new_captures(limits, token)
            outcome = None
            if chosen == "bubblewrap":
                outcome = self._run_warm(program, limits, interpreter, stdout, stderr)
            if outcome is None:
                try:
                    outcome = self._run_cold(program, limits, chosen, interpreter, stdout, stderr)
                except SandboxUnavailableError as exc:
                    return unavailable_result(exc, isolation)
            return build_result(outcome, limits, chosen, stdout, stderr, token)

    def _run_warm(
        self, program: str, limits: SandboxLimits, interpreter: str, stdout: StreamCapture, stderr: StreamCapture
    ) -> ProcessOutcome | None:
        """Run in a reused sandbox; None when none could take the program."""
        # A second try covers a sandbox that died while idle.
        for _ in range(2):
            worker = self._checkout(interpreter)
            if worker is None:
                return None
            try:
                outcome = worker.run(program, limits, stdout, stderr)
            except WorkerBrokenError as exc:
                logger.info("replacing a warm sandbox: %s", exc)
                self._retire(worker)
                continue
            except BaseException:
                self._retire(worker)
                raise
            self._checkin(worker)
            return outcome
        return None

    def _run_cold(
        self,
        program: str,
        limits: SandboxLimits,
        isolation: str,
        interpreter: str,
        stdout: StreamCapture,
        stderr: StreamCapture,
    ) -> ProcessOutcome:
        """Run in a sandbox of its own, as `run_program` does.

        Raises:
            SandboxUnavailableError: When a tool the isolation needs is missing.
        """
        # A cold run takes a user id of its own. An idle sandbox gives its id back first,
        # so the pool never holds more ids than `workers`, and a small uid_range cannot
        # make this run wait for ids that idle sandboxes keep.
        self._retire_idle_when_full()
        return execute(program, limits, isolation, interpreter, self.config, stdout, stderr)

    def _checkout(self, interpreter: str) -> WarmWorker | None:
        with self._lock:
            # A closed pool still runs programs, each in a sandbox of its own.
            if self._closed or self._warm_unavailable is not None:
                return None
            if self._idle:
                return self._idle.pop()
            self._live += 1
        try:
            return WarmWorker(interpreter, self.config)
        except SandboxUnavailableError as exc:
            with self._lock:
                self._live -= 1
                if self._warm_unavailable is None:
                    self._warm_unavailable = str(exc)
                    logger.warning("warm sandboxes unavailable, starting a sandbox per program: %s", exc)
            return None
        except BaseException:
            with self._lock:
                self._live -= 1
            raise

    def _checkin(self, worker: WarmWorker) -> None:
        with self._lock:
            if worker.alive and not self._closed:
                self._idle.append(worker)
                return
        self._retire(worker)

    def _retire(self, worker: WarmWorker) -> None:
        worker.close()
        with self._lock:
            self._live -= 1

    def _retire_idle_when_full(self) -> None:
        with self._lock:
            if self._live < self.workers or not self._idle:
                return
            worker = self._idle.pop()
        self._retire(worker)

    def close(self) -> None:
        """Stop every idle sandbox; sandboxes in use stop when their program ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            self._retire(worker)


def run_many(
    jobs: Iterable[SandboxJob],
    *,
    workers: int | None = None,
    config: SandboxConfig | None = None,
) -> list[SandboxResult]:
    """Run `jobs` with at most `workers` programs at a time, in a pool closed afterwards.

    Args:
        jobs: Programs to run.
        workers: Maximum parallel runs; None uses the number of CPUs.
        config: Host settings shared by all jobs.

    Returns:
        One result per job, in the order of `jobs`.

    Raises:
        ValueError: When `workers` is less than 1, or a job names an unknown isolation.
    """
    with SandboxPool(workers=workers, config=config) as pool:
        return pool.run_many(jobs)


_shared_lock = threading.Lock()
_shared: dict[SandboxConfig, SandboxPool] = {}


def shared_pool(config: SandboxConfig | None = None) -> SandboxPool:
    """Return this process's pool for `config`, with one worker per CPU, created on first use.

    Its idle sandboxes stay alive until `close_shared_pools` or the end of the process.
    """
    config = config or SandboxConfig()
    with _shared_lock:
        pool = _shared.get(config)
        if pool is None:
            pool = _shared[config] = SandboxPool(config=config)
        return pool


@atexit.register
def close_shared_pools() -> None:
    """Stop the idle sandboxes of every shared pool; later calls create new pools."""
    with _shared_lock:
        pools = list(_shared.values())
        _shared.clear()
    for pool in pools:
        pool.close()
