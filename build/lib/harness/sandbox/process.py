"""Start a sandboxed child process, drain its output, enforce the wall clock and clean up."""

from __future__ import annotations

import logging
import os
import selectors
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.sandbox.capture import StreamCapture
from harness.sandbox.cleanup import kill_group, kill_strays
from harness.sandbox.commands import SupervisorKind
from harness.sandbox.identity import popen_identity
from harness.sandbox.supervisor import (
    DISCOVERY_POLL_SECONDS,
    TEARDOWN_SECONDS,
    Supervisor,
    make_supervisor,
    open_pidfd,
)

logger = logging.getLogger(__name__)

_READ_CHUNK = 1 << 16
# Time allowed after the program ends for its output pipes to reach end of file.
_DRAIN_GRACE_SECONDS = 2.0
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class ProcessOutcome:
    """Exit status and timing of one child process.

    Attributes:
        exit_code: Exit code, or the negative signal number, as in `subprocess`.
        timed_out: Whether the wall-clock limit killed the process.
        duration_s: Seconds from start until the process was reaped.
        cpu_seconds: CPU time of the child and the descendants it reaped.
    """

    exit_code: int
    timed_out: bool
    duration_s: float
    cpu_seconds: float


def run_process(
    argv: list[str],
    *,
    workdir: Path,
    env: dict[str, str],
    drop: tuple[int, int] | None,
    preexec_fn: Callable[[], None] | None,
    wall_seconds: float,
    stdout: StreamCapture,
    stderr: StreamCapture,
    supervisor: SupervisorKind,
) -> ProcessOutcome:
    """Run `argv` in its own session in `workdir` and kill everything it left behind.

    Args:
        argv: Command line.
        workdir: Working directory. A process whose working directory or HOME is inside
            it counts as part of the run and is killed at the end.
        env: Complete environment of the child.
        drop: (uid, gid) to switch to before exec, or None.
        preexec_fn: Function run in the child before exec, or None.
        wall_seconds: Wall-clock limit.
        stdout: Capture for the standard output.
        stderr: Capture for the standard error.
        supervisor: Kind of process that `argv` starts, as in `Launch.supervisor`. The
            run ends only when the supervisor is gone, which happens after all the
            processes under it.
    """
    start = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        close_fds=True,
        preexec_fn=preexec_fn,
        **popen_identity(drop),
    )
    assert proc.stdout is not None and proc.stderr is not None
    drain = _Drain({proc.stdout.fileno(): stdout, proc.stderr.fileno(): stderr})
    keeper = make_supervisor(supervisor, proc.pid)
    try:
        timed_out = _wait_for_exit(proc.pid, drain, start + wall_seconds, keeper)
        # The group is killed before the leader is reaped: while the leader is a zombie
        # its pid, which is also the group id, cannot be reused by an unrelated process.
        kill_group(proc.pid)
        keeper.wait_gone(TEARDOWN_SECONDS)
        kill_strays(workdir)
        drain.until_closed(time.monotonic() + _DRAIN_GRACE_SECONDS)
    except BaseException:
        _kill_run(proc.pid, keeper)
        raise
    finally:
        keeper.close()
        drain.close()
        proc.stdout.close()
        proc.stderr.close()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return ProcessOutcome(
        exit_code=proc.returncode,
        timed_out=timed_out,
        duration_s=time.monotonic() - start,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )


class _Drain:
    """Non-blocking reads from the child's pipes into their captures."""

    def __init__(self, captures: dict[int, StreamCapture]) -> None:
        self._selector = selectors.DefaultSelector()
        for fd, capture in captures.items():
            os.set_blocking(fd, False)
            self._selector.register(fd, selectors.EVENT_READ, capture)

    def register_exit_fd(self, fd: int) -> None:
        """Wake `pump` when `fd`, a pidfd, becomes readable."""
        self._selector.register(fd, selectors.EVENT_READ, None)

    def unregister_exit_fd(self, fd: int) -> None:
        self._selector.unregister(fd)

    def pump(self, timeout: float) -> None:
        """Read whatever arrives within `timeout` seconds."""
        if not self._selector.get_map():
            time.sleep(timeout)
            return
        for key, _ in self._selector.select(timeout):
            if key.data is None:
                continue
            try:
                data = os.read(key.fd, _READ_CHUNK)
            except BlockingIOError:
                continue
            if data:
                key.data.feed(data)
            else:
                self._selector.unregister(key.fd)

    def until_closed(self, deadline: float) -> None:
        """Read until every pipe reaches end of file or `deadline` passes."""
        while self._has_pipes():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                logger.warning("sandbox output pipe still open after the program ended, so output may be incomplete")
                return
            self.pump(min(remaining, _POLL_SECONDS))

    def _has_pipes(self) -> bool:
        return any(key.data is not None for key in self._selector.get_map().values())

    def close(self) -> None:
        self._selector.close()


def _wait_for_exit(pid: int, drain: _Drain, deadline: float, keeper: Supervisor) -> bool:
    """Drain output until the process exits, and stop the run at `deadline`.

    Returns:
        True when the wall-clock limit was reached. The process is left unreaped.
    """
    pidfd = open_pidfd(pid)
    if pidfd is not None:
        drain.register_exit_fd(pidfd)
    try:
        while not _has_exited(pid):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _kill_run(pid, keeper)
                return True
            wait = remaining if pidfd is not None else min(remaining, _POLL_SECONDS)
            if not keeper.discover():
                wait = min(wait, DISCOVERY_POLL_SECONDS)
            drain.pump(wait)
        return False
    finally:
        if pidfd is not None:
            drain.unregister_exit_fd(pidfd)
            os.close(pidfd)


def _kill_run(pid: int, keeper: Supervisor) -> None:
    """Stop the run and wait until the started process `pid` has exited.

    The supervisor is asked first, so that it kills and reaps everything under it and
    then exits. Killing the whole group at once would leave orphans for the host's init
    to reap, and until it does, the zombies count against the sandbox user's
    RLIMIT_NPROC. The group is killed afterwards in case the supervisor did not exit.
    """
    if keeper.stop():
        deadline = time.monotonic() + TEARDOWN_SECONDS
        while not _has_exited(pid) and time.monotonic() < deadline:
            time.sleep(DISCOVERY_POLL_SECONDS)
    kill_group(pid)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)


def _has_exited(pid: int) -> bool:
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
