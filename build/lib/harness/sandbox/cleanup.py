"""Killing what is left of a sandboxed run: its process group and processes that left it."""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

logger = logging.getLogger(__name__)

_STRAY_SWEEPS = 50
_SWEEP_PAUSE_SECONDS = 0.01


def kill_group(pgid: int) -> None:
    """Send SIGKILL to every process in group `pgid`, which may have no members left."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError as exc:
        logger.warning("could not kill sandbox process group %d: %s", pgid, exc)


def kill_strays(workdir: Path) -> int:
    """Kill processes that belong to the run but left its process group.

    A process belongs to the run when its working directory is inside `workdir` or its
    initial environment has HOME set to `workdir`. Normally the supervisor has killed
    them all already. This is the fallback for a supervisor that was killed itself, which
    only a program running as the harness's own user can do under isolation "none".
    NOTE: in that case a process that changed both its working directory and its
    environment (a classic daemon) escapes this check.

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
        time.sleep(_SWEEP_PAUSE_SECONDS)
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
