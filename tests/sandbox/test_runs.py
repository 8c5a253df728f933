"""Ordinary programs: passing, failing and broken solutions, and the environment they get."""

from __future__ import annotations

import json
import os
import resource

import pytest

from harness.sandbox import SandboxLimits, run_program, run_tests
from harness.sandbox.config import NOBODY_ID

SOLUTION = "def add(a, b):\n    return a + b\n"
TESTS = "assert add(1, 2) == 3\nassert add(-1, 1) == 0\n"
LIMITS = SandboxLimits(wall_seconds=10, cpu_seconds=5)


def test_correct_solution_passes(any_isolation: str, warm: bool) -> None:
    result = run_tests(SOLUTION, TESTS, limits=LIMITS, isolation=any_isolation, warm=warm)
    assert result.status == "passed", result
    assert result.exit_code == 0
    assert result.isolation == any_isolation
    assert result.error_type is None


def test_wrong_solution_fails_with_assertion(any_isolation: str, warm: bool) -> None:
    wrong = "def add(a, b):\n    return a - b\n"
    result = run_tests(wrong, TESTS, limits=LIMITS, isolation=any_isolation, warm=warm)
    assert result.status == "failed", result
    assert result.error_type == "AssertionError"
    assert result.exit_code == 1


def test_name_error_is_error(any_isolation: str, warm: bool) -> None:
    broken = "def add(a, b):\n    return a + c\n"
    result = run_tests(broken, TESTS, limits=LIMITS, isolation=any_isolation, warm=warm)
    assert result.status == "error", result
    assert result.error_type == "NameError"


def test_syntax_error_is_error(any_isolation: str, warm: bool) -> None:
    broken = "def add(a, b)\n    return a + b\n"
    result = run_tests(broken, TESTS, limits=LIMITS, isolation=any_isolation, warm=warm)
    assert result.status == "error", result
    assert result.error_type == "SyntaxError"


def test_token_line_removed_from_stdout(any_isolation: str, warm: bool) -> None:
    result = run_tests('print("hello")\n' + SOLUTION, TESTS, limits=LIMITS, isolation=any_isolation, warm=warm)
    assert result.status == "passed", result
    assert result.stdout == "hello\n"


def test_program_stdout_and_exit_code(any_isolation: str, warm: bool) -> None:
    program = "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)\n"
    result = run_program(program, isolation=any_isolation, warm=warm)
    assert result.status == "error"
    assert result.exit_code == 3
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"
    assert result.error_type is None


def test_program_sees_minimal_environment(any_isolation: str, warm: bool) -> None:
    result = run_program("import json, os\nprint(json.dumps(dict(os.environ)))\n", isolation=any_isolation, warm=warm)
    assert result.status == "passed", result
    environment = json.loads(result.stdout)
    # bubblewrap sets PWD to the directory given by --chdir, the working directory.
    if "PWD" in environment:
        assert environment.pop("PWD") == environment["HOME"]
    assert set(environment) == {"PATH", "LANG", "HOME", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED"}
    assert environment["PYTHONHASHSEED"] == "0"
    assert environment["HOME"].startswith("/")


def test_program_runs_in_private_workdir_removed_afterwards(any_isolation: str, warm: bool) -> None:
    program = "import os\nopen('scratch.txt', 'w').write('x')\nprint(os.getcwd())\n"
    result = run_program(program, isolation=any_isolation, warm=warm)
    assert result.status == "passed", result
    workdir = result.stdout.strip()
    assert "vb-sandbox-" in workdir
    assert not os.path.exists(workdir)


@pytest.mark.skipif(os.geteuid() != 0, reason="privileges are dropped only when the harness runs as root")
def test_root_harness_drops_privileges(any_isolation: str, warm: bool) -> None:
    program = "import os\nprint(os.getuid(), os.geteuid(), os.getgid(), os.getegid(), os.getgroups())\n"
    result = run_program(program, isolation=any_isolation, warm=warm)
    assert result.status == "passed", result
    assert result.stdout.split(maxsplit=4)[:4] == [str(NOBODY_ID)] * 4
    assert result.stdout.strip().endswith("[]")


def test_limits_applied_inside(any_isolation: str, warm: bool) -> None:
    limits = SandboxLimits(cpu_seconds=7, memory_bytes=512 << 20, max_processes=33, max_file_bytes=1 << 20)
    program = (
        "import resource as r\n"
        "for name in ('RLIMIT_CPU', 'RLIMIT_AS', 'RLIMIT_NPROC', 'RLIMIT_FSIZE', 'RLIMIT_CORE', 'RLIMIT_MSGQUEUE'):\n"
        "    print(name, *r.getrlimit(getattr(r, name)))\n"
    )
    result = run_program(program, limits=limits, isolation=any_isolation, warm=warm)
    assert result.status == "passed", result
    seen = {line.split()[0]: tuple(int(v) for v in line.split()[1:]) for line in result.stdout.splitlines()}
    assert seen["RLIMIT_CPU"] == (7, 8)
    assert seen["RLIMIT_AS"] == (512 << 20, 512 << 20)
    assert seen["RLIMIT_NPROC"] == (33, 33)
    assert seen["RLIMIT_FSIZE"] == (1 << 20, 1 << 20)
    assert seen["RLIMIT_CORE"] == (0, 0)
    assert seen["RLIMIT_MSGQUEUE"] == (0, 0)


def test_limit_above_host_hard_limit_is_clamped(any_isolation: str, warm: bool) -> None:
    host_hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    requested = 10**9
    result = run_program("print('ok')", limits=SandboxLimits(max_processes=requested), isolation=any_isolation, warm=warm)
    assert result.status == "passed", result
    if host_hard != resource.RLIM_INFINITY:
        assert requested > host_hard
