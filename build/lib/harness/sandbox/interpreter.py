"""Choice of the Python interpreter that runs sandboxed programs."""

from __future__ import annotations

import functools
import logging
import subprocess
import sys

from harness.sandbox.config import MINIMAL_PATH, SandboxConfig, SandboxUnavailableError
from harness.sandbox.identity import drop_target, popen_identity

logger = logging.getLogger(__name__)

SYSTEM_PYTHON = "/usr/bin/python3"
_PROBE_TIMEOUT_SECONDS = 30


def select_interpreter(config: SandboxConfig) -> str:
    """Return the interpreter for sandboxed programs.

    An interpreter under /root, such as a pyenv build, cannot be executed by the
    unprivileged sandbox user. So the running interpreter is used only when that user can
    start it, and the system interpreter is tried next.

    Raises:
        SandboxUnavailableError: When no candidate starts as the sandbox user.
    """
    if config.python is not None:
        return config.python
    target = drop_target(config)
    candidates = [path for path in (sys.executable, SYSTEM_PYTHON) if path]
    for candidate in candidates:
        if _starts_as(candidate, target):
            return candidate
    user = "the current user" if target is None else f"uid {target[0]}"
    raise SandboxUnavailableError(
        f"no Python interpreter that {user} can run: tried {', '.join(candidates)}; set SandboxConfig.python"
    )


@functools.lru_cache(maxsize=16)
def _starts_as(interpreter: str, target: tuple[int, int] | None) -> bool:
    """Check that `interpreter` starts and imports its standard library as `target`."""
    try:
        completed = subprocess.run(
            [interpreter, "-c", "import encodings, json"],
            env={"PATH": MINIMAL_PATH},
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=_PROBE_TIMEOUT_SECONDS,
            check=False,
            **popen_identity(target),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        logger.debug("interpreter %s cannot start as %s: %s", interpreter, target, exc)
        return False
    return completed.returncode == 0
