"""Fixtures for the sandbox tests: the isolations this host supports and process checks."""

from __future__ import annotations

import os

import pytest

from harness.sandbox.config import SandboxConfig
from harness.sandbox.isolation import unavailable_reason

# Isolations that contain the network and the file system; "none" applies limits only.
CONTAINING = ("bubblewrap", "unshare")
ALL = ("bubblewrap", "unshare", "none")


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


def assert_nothing_left(*, home: str | None = None, cmdline_marker: str | None = None) -> None:
    """Fail when a process of a finished run is still alive.

    Args:
        home: The run's HOME, which every process it started inherited.
        cmdline_marker: Text that the run put in a command line.
    """
    checks = []
    if home:
        checks.append((b"HOME=" + home.encode() + b"\0", "environ"))
    if cmdline_marker:
        checks.append((cmdline_marker.encode(), "cmdline"))
    assert checks, "give home or cmdline_marker"
    for needle, source in checks:
        left = processes_matching(needle, source=source)
        assert left == [], f"processes left behind: {left} ({needle!r} in /proc/PID/{source})"
