"""Harness-side handles on the supervisor process that owns a sandboxed program's tree."""

from __future__ import annotations

import logging
import os
import select
import signal
from typing import Protocol

logger = logging.getLogger(__name__)

# Poll interval while looking for a wrapper's namespace init right after the start.
DISCOVERY_POLL_SECONDS = 0.005
# Time allowed for a supervisor to kill and reap every process under it.
TEARDOWN_SECONDS = 10.0


class Supervisor(Protocol):
    """The process between the harness and the program that outlives every other one."""

    def discover(self) -> bool:
        """Look for the supervisor once and return whether the search is over."""

    def stop(self) -> bool:
        """Ask the supervisor to kill everything under it and return whether it was asked."""

    def wait_gone(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the supervisor to exit."""

    def close(self) -> None:
        """Release what the handle holds."""


def make_supervisor(kind: str, started_pid: int) -> Supervisor:
    """Return the handle for a launch whose `Launch.supervisor` is `kind`."""
    if kind == "namespace-init":
        return NamespaceInit(started_pid)
    if kind == "reaper":
        return Reaper(started_pid)
    raise ValueError(f"unknown supervisor kind {kind!r}")


class NamespaceInit:
    """The init of the sandbox's PID namespace, found as the only child of the wrapper.

    When the init exits, the kernel has already killed and reaped every other process in
    its namespace. A pidfd refers to that exact process, so a recycled pid is never
    signalled.
    """

    def __init__(self, wrapper_pid: int) -> None:
        self._children_file = f"/proc/{wrapper_pid}/task/{wrapper_pid}/children"
        self._pidfd: int | None = None
        self._searching = True

    def discover(self) -> bool:
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
            self._pidfd = open_pidfd(int(children[0]))
            self._searching = False
        return not self._searching

    def stop(self) -> bool:
        if self._pidfd is None:
            return False
        try:
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    def wait_gone(self, timeout: float) -> None:
        if self._pidfd is None:
            return
        ready, _, _ = select.select([self._pidfd], [], [], timeout)
        if not ready:
            logger.warning("sandbox PID namespace still alive %.0f s after the program ended", timeout)

    def close(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


class Reaper:
    """`harness.sandbox.reaper` running as the started process itself.

    The harness reaps this process last, so its pid cannot be recycled while the handle
    is in use. SIGTERM makes it kill and reap everything under it and exit.
    """

    def __init__(self, pid: int) -> None:
        self._pid = pid

    def discover(self) -> bool:
        return True

    def stop(self) -> bool:
        try:
            os.kill(self._pid, signal.SIGTERM)
        except ProcessLookupError:
            return False
        return True

    def wait_gone(self, timeout: float) -> None:
        # The harness waits for the started process itself.
        return None

    def close(self) -> None:
        return None


def open_pidfd(pid: int) -> int | None:
    """Return a pidfd that becomes readable when `pid` exits, or None on kernels without one."""
    open_function = getattr(os, "pidfd_open", None)
    if open_function is None:
        return None
    try:
        return open_function(pid)
    except OSError:
        return None
