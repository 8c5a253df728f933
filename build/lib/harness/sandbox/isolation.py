"""Detection of the isolation this host supports, checked by running a trivial program."""

from __future__ import annotations

import functools
import logging
import subprocess

from harness.sandbox.commands import build_launch
from harness.sandbox.config import SandboxConfig, SandboxUnavailableError, program_env
from harness.sandbox.identity import drop_target, popen_identity
from harness.sandbox.interpreter import select_interpreter
from harness.sandbox.workdir import private_workdir

logger = logging.getLogger(__name__)

# Strongest first, because "auto" picks the first that works.
ISOLATIONS = ("bubblewrap", "unshare", "none")
_PROBE_TIMEOUT_SECONDS = 30


def detect_isolation(config: SandboxConfig | None = None) -> str:
    """Return the strongest isolation that works here: "bubblewrap", "unshare" or "none".

    Each candidate is checked by running a trivial program under it once per process.
    "none" is returned also when no isolation works (for example without a usable
    interpreter); runs then return `unavailable`.
    """
    config = config or SandboxConfig()
    for name in ISOLATIONS:
        if unavailable_reason(name, config) is None:
            return name
    return "none"


def resolve_isolation(requested: str, config: SandboxConfig) -> str:
    """Return the isolation to use for a run that asked for `requested`.

    Raises:
        ValueError: For a name other than "auto" and the `ISOLATIONS`.
        SandboxUnavailableError: When the requested isolation does not work here; a
            weaker one is never substituted.
    """
    if requested == "auto":
        requested = detect_isolation(config)
    elif requested not in ISOLATIONS:
        raise ValueError(f"unknown isolation {requested!r}: expected 'auto' or one of {', '.join(ISOLATIONS)}")
    reason = unavailable_reason(requested, config)
    if reason is not None:
        raise SandboxUnavailableError(f"isolation {requested!r} is not available on this host: {reason}")
    return requested


@functools.lru_cache(maxsize=16)
def unavailable_reason(isolation: str, config: SandboxConfig) -> str | None:
    """Return why `isolation` cannot run programs here, or None when it can."""
    try:
        _probe(isolation, config)
    except SandboxUnavailableError as exc:
        logger.info("sandbox isolation %s is not available: %s", isolation, exc)
        return str(exc)
    return None


def _probe(isolation: str, config: SandboxConfig) -> None:
    interpreter = select_interpreter(config)
    drop = drop_target(config)
    with private_workdir("", owner=drop, temp_root=config.temp_root) as workdir:
        launch = build_launch(isolation, [interpreter, "-c", "pass"], workdir, config, drop)
        try:
            completed = subprocess.run(
                launch.argv,
                cwd=workdir,
                env=program_env(str(workdir)),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=_PROBE_TIMEOUT_SECONDS,
                start_new_session=True,
                check=False,
                **popen_identity(launch.drop),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise SandboxUnavailableError(f"test run failed: {exc}") from exc
    if completed.returncode != 0:
        detail = completed.stderr.strip().splitlines()[-1:] or [f"exit code {completed.returncode}"]
        raise SandboxUnavailableError(f"test run failed: {detail[0]}")
