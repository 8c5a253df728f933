"""Run one untrusted Python program, or a solution with its tests, in the sandbox."""

from __future__ import annotations

import functools
import logging
import secrets

from harness.sandbox.capture import StreamCapture
from harness.sandbox.commands import build_launch
from harness.sandbox.config import SandboxConfig, SandboxUnavailableError, program_env
from harness.sandbox.identity import run_identity
from harness.sandbox.interpreter import select_interpreter
from harness.sandbox.isolation import resolve_isolation
from harness.sandbox.limits import SandboxLimits, limits_preexec, prlimit_prefix
from harness.sandbox.outcome import SandboxResult, classify, parse_error_type, signal_from_exit
from harness.sandbox.process import ProcessOutcome, run_process
from harness.sandbox.workdir import PROGRAM_NAME, private_workdir

logger = logging.getLogger(__name__)

_DEFAULT_LIMITS = SandboxLimits()
_TOKEN_PREFIX = "vb-sandbox-tests-done-"


def run_program(
    program: str,
    *,
    limits: SandboxLimits = _DEFAULT_LIMITS,
    isolation: str = "auto",
    config: SandboxConfig | None = None,
    warm: bool = False,
) -> SandboxResult:
    """Run a Python program in the sandbox.

    Args:
        program: Python source, run as `__main__` from a private working directory.
        limits: Time, memory, process, file and output limits.
        isolation: "auto" for the strongest available, or "bubblewrap", "unshare" or
            "none". A named isolation that does not work here gives an `unavailable`
            result instead of a weaker isolation.
        config: Host settings, or None for `SandboxConfig()`.
        warm: Run in a reused bubblewrap sandbox of this process's shared pool for
            `config` (see `harness.sandbox.pool.shared_pool`), which saves starting a
            sandbox and an interpreter. Other isolations run as without it.

    Returns:
        The result, where `passed` means exit code 0.

    Raises:
        ValueError: For an unknown isolation name.
    """
    return _dispatch(program, limits, isolation, config or SandboxConfig(), None, warm)


def run_tests(
    solution: str,
    tests: str,
    *,
    limits: SandboxLimits = _DEFAULT_LIMITS,
    isolation: str = "auto",
    config: SandboxConfig | None = None,
    warm: bool = False,
) -> SandboxResult:
    """Run `solution` followed by `tests` in the sandbox.

    A check appended after the tests prints a random token for this run. The result is
    `passed` only when the program exits with code 0 and printed the token, so a program
    that exits early with code 0 (`exit(0)`, `os._exit(0)`) is `failed`. The token line is
    removed from the returned stdout.

    NOTE: a program written to forge the check can read the token from its own source
    file. The check catches early exits, not deliberate cheating.

    Args:
        solution: Python source of the solution.
        tests: Python source of the tests, run after the solution in the same module.
        limits: See `run_program`.
        isolation: See `run_program`.
        config: See `run_program`.
        warm: See `run_program`.

    Raises:
        ValueError: For an unknown isolation name.
    """
    token = new_token()
    program = compose_test_program(solution, tests, token)
    return _dispatch(program, limits, isolation, config or SandboxConfig(), token, warm)


def new_token() -> str:
    """Return a fresh random token for the check that `compose_test_program` appends."""
    return _TOKEN_PREFIX + secrets.token_hex(16)


def compose_test_program(solution: str, tests: str, token: str) -> str:
    """Return the solution, the tests and a check that writes `token` on its own line."""
    check = f"import sys as _vb_sys\n_vb_sys.stdout.write('\\n{token}\\n')\n_vb_sys.stdout.flush()\n"
    return f"{solution}\n\n{tests}\n\n{check}"


def _dispatch(
    program: str, limits: SandboxLimits, isolation: str, config: SandboxConfig, token: str | None, warm: bool
) -> SandboxResult:
    if warm:
        # Imported here because the pool module builds on this one.
        from harness.sandbox.pool import shared_pool

        return shared_pool(config).run_prepared(program, limits, isolation, token)
    return _run(program, limits, isolation, config, token)


def _run(
    program: str, limits: SandboxLimits, isolation: str, config: SandboxConfig, token: str | None
) -> SandboxResult:
    try:
        chosen = resolve_isolation(isolation, config)
        interpreter = select_interpreter(config)
        stdout, stderr = new_captures(limits, token)
        outcome = execute(program, limits, chosen, interpreter, config, stdout, stderr)
    except SandboxUnavailableError as exc:
        return unavailable_result(exc, isolation)
    return build_result(outcome, limits, chosen, stdout, stderr, token)


def new_captures(limits: SandboxLimits, token: str | None) -> tuple[StreamCapture, StreamCapture]:
    """Return the (stdout, stderr) captures of one run; stdout looks for `token`."""
    stdout = StreamCapture(limits.max_output_bytes, token.encode() if token else None)
    return stdout, StreamCapture(limits.max_output_bytes)


def unavailable_result(error: SandboxUnavailableError, isolation: str) -> SandboxResult:
    """Return the `unavailable` result of a run that asked for `isolation`."""
    _log_unavailable(str(error))
    return SandboxResult("unavailable", None, None, "", str(error), 0.0, isolation)


def execute(
    program: str,
    limits: SandboxLimits,
    isolation: str,
    interpreter: str,
    config: SandboxConfig,
    stdout: StreamCapture,
    stderr: StreamCapture,
) -> ProcessOutcome:
    """Run `program` in a sandbox of its own, started for this run alone."""
    with run_identity(config) as drop, private_workdir(program, owner=drop, temp_root=config.temp_root) as workdir:
        launch = build_launch(isolation, [interpreter, "-s", PROGRAM_NAME], workdir, config, drop)
        prefix = prlimit_prefix(limits)
        return run_process(
            [*(prefix or []), *launch.argv],
            workdir=workdir,
            env=program_env(str(workdir)),
            drop=launch.drop,
            preexec_fn=limits_preexec(limits) if prefix is None else None,
            wall_seconds=limits.wall_seconds,
            stdout=stdout,
            stderr=stderr,
            supervisor=launch.supervisor,
        )


@functools.lru_cache(maxsize=32)
def _log_unavailable(message: str) -> None:
    """Log each distinct reason once, since every later run returns the same result."""
    logger.warning("sandbox runs not started: %s", message)


def build_result(
    outcome: ProcessOutcome,
    limits: SandboxLimits,
    isolation: str,
    stdout: StreamCapture,
    stderr: StreamCapture,
    token: str | None,
) -> SandboxResult:
    """Classify a finished run and return its result; `token` is None for `run_program`."""
    signal_number = signal_from_exit(outcome.exit_code)
    error_type = None
    if signal_number is None and outcome.exit_code != 0 and not outcome.timed_out:
        error_type = parse_error_type(stderr.tail_text())
    status = classify(
        exit_code=outcome.exit_code,
        signal_number=signal_number,
        timed_out=outcome.timed_out,
        cpu_limit_hit=_cpu_limit_hit(outcome, limits),
        error_type=error_type,
    )
    if token is not None and status == "passed" and not stdout.marker_seen:
        status = "failed"
    exit_code = -signal_number if signal_number is not None else outcome.exit_code
    logger.debug("sandbox run finished: status=%s exit_code=%s isolation=%s", status, exit_code, isolation)
    return SandboxResult(
        status=status,
        error_type=error_type,
        exit_code=exit_code,
        stdout=stdout.text(remove_line=token),
        stderr=stderr.text(),
        duration_s=outcome.duration_s,
        isolation=isolation,
    )


def _cpu_limit_hit(outcome: ProcessOutcome, limits: SandboxLimits) -> bool:
    """Tell whether a SIGKILL came from the RLIMIT_CPU hard limit, by the CPU time used."""
    return outcome.cpu_seconds >= limits.cpu_seconds
