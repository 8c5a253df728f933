"""The unprivileged user and group that sandboxed programs run as."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from harness.sandbox.config import SandboxConfig

_lock = threading.Condition()
_uids_in_use: set[int] = set()


def drop_target(config: SandboxConfig) -> tuple[int, int] | None:
    """Return the (uid, gid) a program runs as, or None when no privileges are dropped.

    Only root drops privileges: root ignores RLIMIT_NPROC and file permissions, and an
    unprivileged harness already runs as an ordinary user. With `uid_range` set, this
    is the range's first id, which stands for all of them in checks of file access.
    """
    if os.geteuid() != 0:
        return None
    if config.uid_range is not None:
        first = config.uid_range[0]
        return first, first
    return config.uid, config.gid


@contextmanager
def run_identity(config: SandboxConfig) -> Iterator[tuple[int, int] | None]:
    """Hold the (uid, gid) for one run, or None when no privileges are dropped.

    With `SandboxConfig.uid_range`, each concurrent run in this process gets its own id,
    so RLIMIT_NPROC counts only that run's processes and runs cannot signal each other.
    A run waits while every id of the range is in use.
    """
    target = drop_target(config)
    if target is None or config.uid_range is None:
        yield target
        return
    uid = _acquire(range(*config.uid_range))
    try:
        yield uid, uid
    finally:
        with _lock:
            _uids_in_use.discard(uid)
            _lock.notify_all()


def _acquire(candidates: range) -> int:
    if not candidates:
        raise ValueError(f"SandboxConfig.uid_range is empty: {candidates}")
    with _lock:
        while True:
            for uid in candidates:
                if uid not in _uids_in_use:
                    _uids_in_use.add(uid)
                    return uid
            _lock.wait()


def popen_identity(drop: tuple[int, int] | None) -> dict[str, Any]:
    """Return the `subprocess.Popen` arguments that switch to `drop` with no supplementary groups."""
    if drop is None:
        return {}
    return {"user": drop[0], "group": drop[1], "extra_groups": []}
