"""Fixtures for the sandbox tests: the isolations this host supports and process checks."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from harness.sandbox.config import SandboxConfig
from harness.sandbox.isolation import unavailable_reason
from harness.sandbox.pool import close_shared_pools

# Isolations that contain the network and the file system; "none" applies limits only.
CONTAINING = ("bubblewrap", "unshare")
ALL = ("bubblewrap", "unshare", "none")


@pytest.fixture(autouse=True)
def _stop_shared_sandboxes() -> Iterator[None]:
    """Stop the reused sandboxes a test started, so none outlives it with its settings."""
    yield
    close_shared_pools()


def _skip_unless_available(name: str) -> None:
    reason = unavailable_reason(name, SandboxConfig())
    if reason is not None:
        pytest.skip(f"isolation {name} not available here: {reason}")


@pytest.fixture(params=CONTAINING)
def containing_isolation(request: pytest.FixtureRequest) -> str:
    """Each isolation that contains network and file system access and works here."""
    _skip_unless_available(request.param)
    return request.param


@pytest.fixture(params=ALL)
def any_isolation(request: pytest.FixtureRequest) -> str:
    """Each isolation that works here, "none" included."""
    _skip_unless_available(request.param)
    return request.param


@pytest.fixture(params=[False, True], ids=["fresh", "warm"])
def warm(request: pytest.FixtureRequest) -> bool:
    """Whether the run goes to a reused sandbox of the shared pool instead of a new one.

    Only bubblewrap has reused sandboxes; the warm variant of other isolations would
    repeat the fresh one, so it is skipped.
    """
    if request.param:
        for name in ("any_isolation", "containing_isolation"):
            if name in request.fixturenames and request.getfixturevalue(name) != "bubblewrap":
                pytest.skip("only bubblewrap sandboxes are reused")
    return request.param


def processes_matching(needle: bytes, *, source: str) -> list[int]:
    """Return live (non-zombie) pids whose /proc/PID/`source` contains `needle`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/{source}", "rb") as handle:
                content = handle.read()
            with open(f"/proc/{name}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in content and state != b"Z":
            found.append(int(name))
    return found


def processes_in_pid_namespace(namespace: str) -> list[int]:
    """Return live pids in PID namespace `namespace` ("pid:[N]") other than its pid 1.

    A reused sandbox keeps its pid 1 between programs; any other process is left over.
    """
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{name}/ns/pid") != namespace:
                continue
            with open(f"/proc/{name}/status", encoding="ascii", errors="replace") as handle:
                status = dict(line.split(":", 1) for line in handle if ":" in line)
        except OSError:
            continue
        if status["State"].split()[0] != "Z" and status["NSpid"].split()[-1] != "1":
            found.append(int(name))
    return found


def assert_nothing_left(
    *, home: str | None = None, cmdline_marker: str | None = None, pid_namespace: str | None = None
) -> None:
    """Fail when a process of a finished run is still alive.

    Args:
        home: The run's HOME, which every process it started inherited. A program forked
            in a reused sandbox shows its pid 1's start-up environment in /proc instead,
            so this check finds nothing there; `pid_namespace` covers it.
        cmdline_marker: Text that the run put in a command line.
        pid_namespace: The run's PID namespace as /proc/PID/ns/pid names it. Ignored when
            it is the test's own, as under isolation "none".
    """
    checks = []
    if home:
        checks.append((b"HOME=" + home.encode() + b"\0", "environ"))
    if cmdline_marker:
        checks.append((cmdline_marker.encode(), "cmdline"))
    assert checks or pid_namespace, "give home, cmdline_marker or pid_namespace"
    for needle, source in checks:
        left = processes_matching(needle, source=source)
        assert left == [], f"processes left behind: {left} ({needle!r} in /proc/PID/{source})"
    if pid_namespace and pid_namespace != os.readlink("/proc/self/ns/pid"):
        left = processes_in_pid_namespace(pid_namespace)
        assert left == [], f"processes left behind in {pid_namespace}: {left}"
