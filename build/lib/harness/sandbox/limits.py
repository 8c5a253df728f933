"""Resource limits for sandboxed programs and how they are applied to the child process."""

from __future__ import annotations

import logging
import resource
import shutil
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# RLIMIT_CPU sends SIGXCPU at the soft limit. The hard limit, this many seconds later,
# sends SIGKILL to a program that ignores or handles SIGXCPU.
CPU_HARD_GRACE_SECONDS = 1


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one sandboxed run.

    Attributes:
        wall_seconds: Wall-clock time before the whole process tree is killed.
        cpu_seconds: CPU time per process (RLIMIT_CPU soft limit).
        memory_bytes: Address space per process (RLIMIT_AS).
        max_processes: Processes of the sandbox user (RLIMIT_NPROC).
        max_file_bytes: Size of any file the program writes (RLIMIT_FSIZE).
        max_output_bytes: Bytes of stdout and of stderr kept in the result, per stream.
    """

    wall_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_bytes: int = 1 << 30
    max_processes: int = 64
    max_file_bytes: int = 16 << 20
    max_output_bytes: int = 64 << 10

    def __post_init__(self) -> None:
        positive = {
            "wall_seconds": self.wall_seconds,
            "cpu_seconds": self.cpu_seconds,
            "memory_bytes": self.memory_bytes,
            "max_processes": self.max_processes,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"SandboxLimits.{name} must be positive, got {value!r}")
        for name in ("max_file_bytes", "max_output_bytes"):
            value = getattr(self, name)
            if value < 0:
                raise ValueError(f"SandboxLimits.{name} must not be negative, got {value!r}")


def clamp_to_host(resource_id: int, soft: int, hard: int) -> tuple[int, int]:
    """Lower a requested (soft, hard) pair to the hard limit this process has.

    An unprivileged process cannot raise its hard limit, so asking for more than the
    host allows would make setrlimit fail. The host's hard limit is used instead.
    """
    host_hard = resource.getrlimit(resource_id)[1]
    if host_hard == resource.RLIM_INFINITY:
        return soft, hard
    if hard > host_hard:
        logger.debug("rlimit %d: requested hard limit %d lowered to host hard limit %d", resource_id, hard, host_hard)
    return min(soft, host_hard), min(hard, host_hard)


def rlimit_values(limits: SandboxLimits) -> dict[int, tuple[int, int]]:
    """Return the clamped (soft, hard) pair per resource for a run under `limits`."""
    requested = {
        resource.RLIMIT_CPU: (limits.cpu_seconds, limits.cpu_seconds + CPU_HARD_GRACE_SECONDS),
        resource.RLIMIT_AS: (limits.memory_bytes, limits.memory_bytes),
        resource.RLIMIT_NPROC: (limits.max_processes, limits.max_processes),
        resource.RLIMIT_FSIZE: (limits.max_file_bytes, limits.max_file_bytes),
        resource.RLIMIT_CORE: (0, 0),
        # POSIX message queues outlive their creator inside an IPC namespace, which a
        # reused sandbox keeps from one program to the next; none may be created.
        resource.RLIMIT_MSGQUEUE: (0, 0),
    }
    return {rid: clamp_to_host(rid, soft, hard) for rid, (soft, hard) in requested.items()}


_PRLIMIT_OPTIONS = {
    resource.RLIMIT_CPU: "--cpu",
    resource.RLIMIT_AS: "--as",
    resource.RLIMIT_NPROC: "--nproc",
    resource.RLIMIT_FSIZE: "--fsize",
    resource.RLIMIT_CORE: "--core",
    resource.RLIMIT_MSGQUEUE: "--msgqueue",
}


def prlimit_prefix(limits: SandboxLimits) -> list[str] | None:
    """Return a util-linux `prlimit` command line that applies `limits`, or None without prlimit.

    prlimit sets the limits and then executes the rest of the command line, so no Python
    code has to run between fork and exec (see `limits_preexec`).
    """
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return None
    args = [prlimit]
    for rid, (soft, hard) in rlimit_values(limits).items():
        args.append(f"{_PRLIMIT_OPTIONS[rid]}={_prlimit_value(soft)}:{_prlimit_value(hard)}")
    return [*args, "--"]


def _prlimit_value(value: int) -> str:
    return "unlimited" if value == resource.RLIM_INFINITY else str(value)


def limits_preexec(limits: SandboxLimits) -> Callable[[], None]:
    """Return a `preexec_fn` that applies `limits` in the child, for hosts without prlimit.

    NOTE: CPython documents `preexec_fn` as unsafe when the parent has threads (the
    parallel pool does), because the child may deadlock before exec. It is used only
    when prlimit is missing.
    """
    values = rlimit_values(limits)

    def apply() -> None:
        for rid, pair in values.items():
            resource.setrlimit(rid, pair)

    return apply
