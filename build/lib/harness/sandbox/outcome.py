"""Result types of a sandboxed run and the rules that turn an exit status into an outcome."""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from typing import Literal

SandboxStatus = Literal["passed", "failed", "error", "timeout", "oom", "killed", "unavailable"]

# The last line of a traceback is "Name: message" or a bare "Name", at column 0, and
# exceptions outside builtins carry their module path ("pkg.mod.Name").
_EXCEPTION_LINE = re.compile(r"([A-Za-z_][\w.]*)(?::(?: .*)?)?")
_FRAME_LINE = re.compile(r'^\s*File ".*", line \d+')


@dataclass(frozen=True)
class SandboxResult:
    """Outcome of one sandboxed run.

    Attributes:
        status: Outcome class; see `classify`.
        error_type: Exception name from the traceback's last line (for example
            "AssertionError" or "SyntaxError"), or None when there is none.
        exit_code: Exit code of the program, the negative signal number when a signal
            ended it, or None when it did not run.
        stdout: Captured standard output, at most `max_output_bytes` of it; a longer
            stream keeps its start and end around a one-line omission marker.
        stderr: Captured standard error, bounded the same way.
        duration_s: Wall-clock seconds from start to the end of cleanup of the process.
        isolation: Isolation the run used: "bubblewrap", "unshare" or "none". For an
            `unavailable` result, the isolation that was requested.
    """

    status: SandboxStatus
    error_type: str | None
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    isolation: str


def parse_error_type(stderr: str) -> str | None:
    """Return the exception name that ends a Python traceback in `stderr`, or None.

    Looks at the first unindented line after the last `File "...", line N` frame, so
    notes printed after the exception line and text printed before the traceback do not
    count. Output with no frame line (for example `sys.exit("message")`) gives None.
    """
    lines = stderr.splitlines()
    last_frame = None
    for index, line in enumerate(lines):
        if _FRAME_LINE.match(line):
            last_frame = index
    if last_frame is None:
        return None
    for line in lines[last_frame + 1 :]:
        if not line or line[0].isspace():
            continue
        match = _EXCEPTION_LINE.fullmatch(line)
        return match.group(1) if match else None
    return None


def signal_from_exit(exit_code: int) -> int | None:
    """Return the signal that ended the program, or None when it exited normally.

    `exit_code` follows `subprocess`, negative for a signal, but the supervisor between
    the harness and the program reports the program's death by signal N as 128 + N.
    NOTE: a program that itself exits with a code in 129..128+NSIG is therefore read as
    killed by a signal.
    """
    if exit_code < 0:
        return -exit_code
    if 128 < exit_code < 128 + signal.NSIG:
        return exit_code - 128
    return None


def classify(
    *,
    exit_code: int,
    signal_number: int | None,
    timed_out: bool,
    cpu_limit_hit: bool,
    error_type: str | None,
) -> SandboxStatus:
    """Return the status for a finished program.

    The first rule that matches decides:

    1. a wall-clock timeout, SIGXCPU, or SIGKILL after the CPU limit: `timeout`
    2. MemoryError: `oom`
    3. any other signal: `killed`
    4. exit code 0: `passed`
    5. AssertionError: `failed`
    6. any other non-zero exit code: `error`
    """
    if timed_out:
        return "timeout"
    if signal_number == signal.SIGXCPU or (signal_number == signal.SIGKILL and cpu_limit_hit):
        return "timeout"
    if error_type == "MemoryError":
        return "oom"
    if signal_number is not None:
        return "killed"
    if exit_code == 0:
        return "passed"
    if error_type == "AssertionError":
        return "failed"
    return "error"
