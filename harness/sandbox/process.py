"""Start a sandboxed child process, drain its output, enforce the wall clock and clean up."""

from __future__ import annotations

import logging
import os
import select
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.sandbox.capture import StreamCapture

logger = logging.getLogger(__name__)

_READ_CHUNK = 1 << 16
# Time allowed after the program ends for its output pipes to reach end of file.
_DRAIN_GRACE_SECONDS = 2.0
_POLL_SECONDS = 0.05
_STRAY_SWEEPS = 50
# Poll interval while looking for a wrapper's namespace init right after the start.
_DISCOVERY_POLL_SECONDS = 0.005
# Time allowed for the kernel to kill and reap every process of a PID namespace.
_TEARDOWN_SECONDS = 10.0


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
    namespace_init: bool,
) -> ProcessOutcome:
    """Run `argv` in its own session in `workdir` and kill everything it left behind.

    Args:
        argv: Command line.
        workdir: Working directory; a process whose working directory or HOME is inside it
            counts as part of the run and is killed at the end.
        env: Complete environment of the child.
        drop: (uid, gid) to switch to before exec, or None.
        preexec_fn: Function run in the child before exec, or None.
        wall_seconds: Wall-clock limit.
        stdout: Capture for the standard output.
        stderr: Capture for the standard error.
        namespace_init: Whether the child is a wrapper whose only child is the init of a
            new PID namespace (bubblewrap, unshare). The run ends only when that init is
            gone, because the kernel kills the namespace's other processes first.
    """
    drop_kwargs = {} if drop is None else {"user": drop[0], "group": drop[1], "extra_groups": []}
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
        **drop_kwargs,
    )
    assert proc.stdout is not None and proc.stderr is not None
    drain = _Drain({proc.stdout.fileno(): stdout, proc.stderr.fileno(): stderr})
    init = _NamespaceInit(proc.pid) if namespace_init else None
    try:
        timed_out = _wait_for_exit(proc.pid, drain, start + wall_seconds, init)
        # The group is killed before the leader is reaped: while the leader is a zombie
        # its pid, which is also the group id, cannot be reused by an unrelated process.
        kill_group(proc.pid)
        if init is not None:
            init.wait_gone(_TEARDOWN_SECONDS)
        kill_strays(workdir)
        drain.until_closed(time.monotonic() + _DRAIN_GRACE_SECONDS)
    except BaseException:
        _kill_run(proc.pid, init)
        raise
    finally:
        if init is not None:
            init.close()
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

    @property
    def is_open(self) -> bool:
        return bool(self._selector.get_map())

    def register_exit_fd(self, fd: int) -> None:
        self._selector.register(fd, selectors.EVENT_READ, None)

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
                logger.warning("sandbox output pipe still open after the program ended; output may be incomplete")
                return
            self.pump(min(remaining, _POLL_SECONDS))

    def _has_pipes(self) -> bool:
        return any(key.data is not None for key in self._selector.get_map().values())

    def close(self) -> None:
        self._selector.close()


def _wait_for_exit(pid: int, drain: _Drain, deadline: float, init: _NamespaceInit | None) -> bool:
    """Drain output until the process exits; kill it and its namespace at `deadline`.

    Returns:
        True when the wall-clock limit was reached. The process is left unreaped.
    """
    pidfd = _open_pidfd(pid)
    if pidfd is not None:
        drain.register_exit_fd(pidfd)
    try:
        while not _has_exited(pid):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _kill_run(pid, init)
                return True
            wait = remaining if pidfd is not None else min(remaining, _POLL_SECONDS)
            if init is not None and not init.discover():
                wait = min(wait, _DISCOVERY_POLL_SECONDS)
            drain.pump(wait)
        return False
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _kill_run(pid: int, init: _NamespaceInit | None) -> None:
    """Kill the run at its deadline and wait until the wrapper `pid` has exited.

    The namespace init is killed first, so the wrapper reaps it and then exits; killing
    the wrapper first would leave the init as a zombie for the host's init to reap, and
    such zombies still count against the sandbox user's RLIMIT_NPROC.
    """
    if init is not None and init.kill():
        deadline = time.monotonic() + _TEARDOWN_SECONDS
        while not _has_exited(pid) and time.monotonic() < deadline:
            time.sleep(_DISCOVERY_POLL_SECONDS)
    kill_group(pid)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)


class _NamespaceInit:
    """The init of the sandbox's PID namespace, found as the only child of the wrapper.

    A pidfd refers to that exact process, so a recycled pid is never signalled.
    """

    def __init__(self, wrapper_pid: int) -> None:
        self._children_file = f"/proc/{wrapper_pid}/task/{wrapper_pid}/children"
        self._pidfd: int | None = None
        self._searching = True

    def discover(self) -> bool:
        """Look for the init once; return whether it is known (or can never be)."""
        if not self._searching:
            return True
        try:
            with open(self._children_file, encoding="ascii") as handle:
                children = handle.read().split()
        except OSError:
            # The wrapper has exited, or this kernel has no children file.
            self._searching = False
            return True
        if children:
            self._pidfd = _open_pidfd(int(children[0]))
            self._searching = False
        return not self._searching

    def kill(self) -> bool:
        """Send SIGKILL to the init, which makes the kernel kill the whole namespace.

        Returns:
            Whether the init was known and signalled.
        """
        if self._pidfd is None:
            return False
        try:
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    def wait_gone(self, timeout: float) -> None:
        """Wait until the init has exited, which happens after all its namespace's processes."""
        if self._pidfd is None:
            return
        ready, _, _ = select.select([self._pidfd], [], [], timeout)
        if not ready:
            logger.warning("sandbox PID namespace still alive %.0f s after the program ended", timeout)

    def close(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


def _open_pidfd(pid: int) -> int | None:
    """Return a pidfd that becomes readable when `pid` exits, or None on kernels without one."""
    open_pidfd = getattr(os, "pidfd_open", None)
    if open_pidfd is None:
        return None
    try:
        return open_pidfd(pid)
    except OSError:
        return None


def _has_exited(pid: int) -> bool:
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def kill_group(pgid: int) -> None:
    """Send SIGKILL to every process in group `pgid`; a group with no members is fine."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError as exc:
        logger.warning("could not kill sandbox process group %d: %s", pgid, exc)


def kill_strays(workdir: Path) -> int:
    """Kill processes that belong to the run but left its process group.

    A process belongs to the run when its working directory is inside `workdir` or its
    initial environment has HOME set to `workdir`. Inside a PID namespace the kernel kills
    such processes anyway; without one this catches background processes that called
    setsid(). NOTE: a process that changed both its working directory and its
    environment (a classic daemon) escapes this check when no PID namespace is used.

    Returns:
        The number of processes killed.
    """
    killed = 0
    for _ in range(_STRAY_SWEEPS):
        strays = [pid for pid in _process_ids() if _belongs_to_run(pid, workdir)]
        if not strays:
            return killed
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
            killed += 1
        time.sleep(_POLL_SECONDS / 5)
    logger.warning("processes of sandbox run in %s kept appearing after %d sweeps", workdir, _STRAY_SWEEPS)
    return killed


def _process_ids() -> list[int]:
    own = os.getpid()
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    return [int(name) for name in names if name.isdigit() and int(name) != own]


def _belongs_to_run(pid: int, workdir: Path) -> bool:
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
        if cwd == str(workdir) or cwd.startswith(f"{workdir}/"):
            return True
        with open(f"/proc/{pid}/environ", "rb") as handle:
            environ = b"\0" + handle.read()
    except OSError:
        # Zombies and processes of other users have no readable cwd or environment.
        return False
    return b"\0HOME=" + os.fsencode(workdir) + b"\0" in environ
