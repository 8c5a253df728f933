"""Hostile programs: each must be contained, classified and leave no process behind.

The programs attack only the sandbox itself and servers these tests start on 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import stat
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.sandbox import SandboxConfig, SandboxLimits, run_program, run_tests
from tests.sandbox.conftest import assert_nothing_left

REPO_ROOT = Path(__file__).resolve().parents[2]
SHORT = SandboxLimits(wall_seconds=2, cpu_seconds=10)
# Wall-clock bound for a run with SHORT limits; generous so a loaded CI machine passes.
UPPER_BOUND_SECONDS = 20
# The first line a program prints: its HOME and its PID namespace, for the leftover checks.
PRINT_HOME = "import os, sys\nprint(os.environ['HOME'], os.readlink('/proc/self/ns/pid'), flush=True)\n"
# Fork bombs run as a uid unique to this test process, because RLIMIT_NPROC counts per
# uid. As uid 65534, a bomb would make forks fail in any other test suite that runs
# sandboxes on this machine at the same time.
BOMB_ID = 2_000_000_000 + os.getpid()
BOMB_CONFIG = SandboxConfig(uid=BOMB_ID, gid=BOMB_ID)


def assert_run_left_nothing(stdout: str, cmdline_marker: str | None = None) -> None:
    """Check for leftovers of a run whose program started with PRINT_HOME."""
    home, namespace = stdout.splitlines()[0].split(" ", 1)
    assert_nothing_left(home=home, pid_namespace=namespace, cmdline_marker=cmdline_marker)


def test_fork_bomb_contained(any_isolation: str, warm: bool) -> None:
    program = PRINT_HOME + "while True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    result = run_program(program, limits=SHORT, isolation=any_isolation, config=BOMB_CONFIG, warm=warm)
    assert result.status == "timeout", result
    assert result.duration_s < UPPER_BOUND_SECONDS
    assert_run_left_nothing(result.stdout)


def test_fork_bomb_hits_process_limit(any_isolation: str, warm: bool) -> None:
    program = (
        PRINT_HOME + "children = 0\n"
        "for _ in range(1000):\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        "            import time; time.sleep(30)\n"
        "        children += 1\n"
        "    except OSError:\n"
        "        break\n"
        "print(children, flush=True)\n"
    )
    limits = SandboxLimits(wall_seconds=5, max_processes=20)
    result = run_program(program, limits=limits, isolation=any_isolation, config=BOMB_CONFIG, warm=warm)
    assert result.status == "passed", result
    assert int(result.stdout.splitlines()[1]) < 20
    assert_run_left_nothing(result.stdout)


def test_fork_bomb_leaving_its_session_contained(any_isolation: str, warm: bool) -> None:
    program = (
        PRINT_HOME + "while True:\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        "            os.setsid()\n"
        "    except OSError:\n"
        "        pass\n"
    )
    result = run_program(program, limits=SHORT, isolation=any_isolation, config=BOMB_CONFIG, warm=warm)
    assert result.status == "timeout", result
    assert result.duration_s < UPPER_BOUND_SECONDS
    assert_run_left_nothing(result.stdout)
    # Zombies left for the host's init would still count against the process limit.
    follow_up_limits = SandboxLimits(max_processes=8)
    follow_up = run_program("print('ok')", limits=follow_up_limits, isolation=any_isolation, config=BOMB_CONFIG, warm=warm)
    assert follow_up.status == "passed", follow_up


def test_memory_bomb_is_oom(any_isolation: str, warm: bool) -> None:
    program = "chunks = []\nwhile True:\n    chunks.append(bytearray(10 ** 7))\n"
    limits = SandboxLimits(wall_seconds=10, memory_bytes=256 << 20)
    result = run_program(program, limits=limits, isolation=any_isolation, warm=warm)
    assert result.status == "oom", result
    assert result.error_type == "MemoryError"


def test_infinite_loop_times_out(any_isolation: str, warm: bool) -> None:
    result = run_program(PRINT_HOME + "while True:\n    pass\n", limits=SHORT, isolation=any_isolation, warm=warm)
    assert result.status == "timeout", result
    assert 1.5 < result.duration_s < UPPER_BOUND_SECONDS
    assert_run_left_nothing(result.stdout)


IGNORE_SIGNALS = (
    "import signal\n"
    "for name in ('SIGTERM', 'SIGINT', 'SIGHUP', 'SIGXCPU', 'SIGALRM', 'SIGUSR1'):\n"
    "    signal.signal(getattr(signal, name), signal.SIG_IGN)\n"
)
# deque(maxlen=0) consumes the endless iterator inside C code, which never returns to
# the interpreter loop, so not even Python-level signal handlers would run.
C_BUSY_LOOP = "import collections, itertools\ncollections.deque(itertools.count(), maxlen=0)\n"


def test_c_busy_loop_ignoring_signals_times_out(any_isolation: str, warm: bool) -> None:
    result = run_program(PRINT_HOME + IGNORE_SIGNALS + C_BUSY_LOOP, limits=SHORT, isolation=any_isolation, warm=warm)
    assert result.status == "timeout", result
    assert result.duration_s < UPPER_BOUND_SECONDS
    assert_run_left_nothing(result.stdout)


def test_itertools_product_is_stopped(any_isolation: str, warm: bool) -> None:
    program = PRINT_HOME + IGNORE_SIGNALS + "import itertools\nlist(itertools.product(range(10 ** 6), repeat=3))\n"
    limits = SandboxLimits(wall_seconds=3, cpu_seconds=10, memory_bytes=512 << 20)
    result = run_program(program, limits=limits, isolation=any_isolation, warm=warm)
    # Whether the list outgrows the address space before the wall clock runs out depends
    # on the machine's speed. Either way the run must be stopped and counted as such.
    assert result.status in ("timeout", "oom"), result
    assert result.duration_s < UPPER_BOUND_SECONDS
    assert_run_left_nothing(result.stdout)


def test_cpu_limit_ignoring_sigxcpu_is_timeout(any_isolation: str, warm: bool) -> None:
    limits = SandboxLimits(wall_seconds=15, cpu_seconds=1)
    result = run_program(IGNORE_SIGNALS + C_BUSY_LOOP, limits=limits, isolation=any_isolation, warm=warm)
    assert result.status == "timeout", result
    assert result.duration_s < UPPER_BOUND_SECONDS


def test_cpu_limit_sigxcpu_is_timeout(any_isolation: str, warm: bool) -> None:
    limits = SandboxLimits(wall_seconds=15, cpu_seconds=1)
    result = run_program("while True:\n    pass\n", limits=limits, isolation=any_isolation, warm=warm)
    assert result.status == "timeout", result
    assert result.duration_s < UPPER_BOUND_SECONDS


@pytest.fixture
def local_server() -> Iterator[tuple[int, list[object]]]:
    """A TCP server on 127.0.0.1 that records every connection it accepts."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                connection, address = server.accept()
            except OSError:
                continue
            accepted.append(address)
            connection.close()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_network_is_unreachable(containing_isolation: str, warm: bool, local_server: tuple[int, list[object]]) -> None:
    port, accepted = local_server
    program = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
        "    print('CONNECTED')\n"
        "except OSError as exc:\n"
        "    print('BLOCKED', type(exc).__name__)\n"
    )
    result = run_program(program, limits=SHORT, isolation=containing_isolation, warm=warm)
    assert result.status == "passed", result
    assert result.stdout.startswith("BLOCKED"), result.stdout
    assert accepted == []


def test_host_server_reachable_without_sandbox(local_server: tuple[int, list[object]]) -> None:
    """Guard for test_network_is_unreachable: the server does accept connections."""
    port, accepted = local_server
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    for _ in range(50):
        if accepted:
            break
        threading.Event().wait(0.05)
    assert len(accepted) == 1


WRITE_ATTEMPT = (
    "import sys\n"
    "for path in sys.argv_paths:\n"
    "    try:\n"
    "        with open(path, 'w') as handle:\n"
    "            handle.write('escaped')\n"
    "        print('WROTE', path)\n"
    "    except OSError as exc:\n"
    "        print('DENIED', path, type(exc).__name__)\n"
)


def test_writes_outside_workdir_fail(containing_isolation: str, warm: bool) -> None:
    name = f"vb-sandbox-escape-{uuid.uuid4().hex}"
    targets = [Path("/tmp") / name, Path("/var/tmp") / name, Path("/dev/shm") / name, REPO_ROOT / name]
    program = f"import sys\nsys.argv_paths = {[str(path) for path in targets]!r}\n" + WRITE_ATTEMPT
    try:
        result = run_program(program, limits=SHORT, isolation=containing_isolation, warm=warm)
        assert result.status == "passed", result
        for path in targets:
            assert f"DENIED {path}" in result.stdout, result.stdout
            assert not path.exists()
    finally:
        for path in targets:
            path.unlink(missing_ok=True)


@pytest.fixture
def victim_file() -> Iterator[Path]:
    """A file that any user could delete without a sandbox: mode 0666 in a 0777 directory."""
    directory = Path(tempfile.mkdtemp(prefix="vb-sandbox-victim-", dir="/tmp"))
    directory.chmod(stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)
    victim = directory / "keep.txt"
    victim.write_text("keep")
    victim.chmod(0o666)
    yield victim
    victim.unlink(missing_ok=True)
    directory.rmdir()


def test_deleting_outside_workdir_fails(containing_isolation: str, warm: bool, victim_file: Path) -> None:
    program = (
        "import os, shutil\n"
        f"victim = {str(victim_file)!r}\n"
        "for action in (lambda: os.remove(victim), lambda: shutil.rmtree(os.path.dirname(victim))):\n"
        "    try:\n"
        "        action()\n"
        "        print('DELETED')\n"
        "    except OSError as exc:\n"
        "        print('DENIED', type(exc).__name__)\n"
    )
    result = run_program(program, limits=SHORT, isolation=containing_isolation, warm=warm)
    assert result.status == "passed", result
    assert "DELETED" not in result.stdout
    assert victim_file.read_text() == "keep"


def test_secret_environment_variable_not_visible(any_isolation: str, warm: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"sk-fake-{uuid.uuid4().hex}"
    monkeypatch.setenv("VB_SANDBOX_FAKE_API_KEY", secret)
    program = (
        "import os\n"
        "print(os.environ.get('VB_SANDBOX_FAKE_API_KEY'))\n"
        "print(open('/proc/self/environ', 'rb').read())\n"
        "print(open('/proc/1/environ', 'rb').read() if os.access('/proc/1/environ', os.R_OK) else '')\n"
    )
    result = run_program(program, limits=SHORT, isolation=any_isolation, warm=warm)
    assert result.status == "passed", result
    assert secret not in result.stdout
    assert result.stdout.startswith("None\n")


@pytest.mark.parametrize(
    "early_exit",
    ["exit(0)", "import sys; sys.exit(0)", "raise SystemExit", "import os; os._exit(0)"],
)
def test_early_exit_before_tests_fails(any_isolation: str, warm: bool, early_exit: str) -> None:
    solution = f"def add(a, b):\n    return a - b\n\n{early_exit}\n"
    result = run_tests(solution, "assert add(1, 2) == 3\n", limits=SHORT, isolation=any_isolation, warm=warm)
    assert result.status == "failed", result
    assert result.exit_code == 0


def test_early_exit_with_passing_tests_still_fails(any_isolation: str, warm: bool) -> None:
    solution = "import os\ndef add(a, b):\n    return a + b\nos._exit(0)\n"
    result = run_tests(solution, "assert add(1, 2) == 3\n", limits=SHORT, isolation=any_isolation, warm=warm)
    assert result.status == "failed", result


def test_killing_parent_before_tests_fails(any_isolation: str, warm: bool) -> None:
    if any_isolation == "none" and os.geteuid() != 0:
        pytest.skip("without root, isolation none runs the supervisor as the program's own user")
    solution = (
        "import os, signal\n"
        "for target in (os.getppid(), 1):\n"
        "    try:\n"
        "        os.kill(target, signal.SIGKILL)\n"
        "    except OSError:\n"
        "        pass\n"
        "def add(a, b):\n"
        "    return a - b\n"
    )
    result = run_tests(solution, "assert add(1, 2) == 3\n", limits=SHORT, isolation=any_isolation, warm=warm)
    assert result.status == "failed", result
    assert result.error_type == "AssertionError"


def test_megabytes_of_output_are_bounded(any_isolation: str, warm: bool) -> None:
    program = (
        "import sys\n"
        "line = 'x' * 999 + '\\n'\n"
        "for _ in range(5000):\n"
        "    sys.stdout.write(line)\n"
        "    sys.stderr.write(line)\n"
        "print('END', flush=True)\n"
    )
    limits = SandboxLimits(wall_seconds=20, max_output_bytes=32 << 10)
    result = run_program(program, limits=limits, isolation=any_isolation, warm=warm)
    assert result.status == "passed", result
    assert len(result.stdout) <= (32 << 10) + 100
    assert len(result.stderr) <= (32 << 10) + 100
    assert result.stdout.endswith("END\n")
    assert "bytes of output omitted" in result.stdout


def test_endless_output_times_out_with_bounded_capture(any_isolation: str, warm: bool) -> None:
    program = "import sys\nwhile True:\n    sys.stdout.write('y' * 4096)\n"
    result = run_program(program, limits=SHORT, isolation=any_isolation, warm=warm)
    assert result.status == "timeout", result
    assert len(result.stdout) <= SHORT.max_output_bytes + 100
    assert result.duration_s < UPPER_BOUND_SECONDS


def test_background_process_is_killed(any_isolation: str, warm: bool) -> None:
    marker = f"{uuid.uuid4().int % 10**6}.{uuid.uuid4().int % 10**6}"
    program = (
        PRINT_HOME + "import subprocess\n"
        f"subprocess.Popen(['sleep', '{marker}'], start_new_session=True,\n"
        "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        f"subprocess.Popen(['sleep', '{marker}'])\n"
        "print('spawned', flush=True)\n"
    )
    result = run_program(program, limits=SHORT, isolation=any_isolation, warm=warm)
    assert result.status == "passed", result
    assert "spawned" in result.stdout
    assert result.duration_s < UPPER_BOUND_SECONDS
    assert_run_left_nothing(result.stdout, cmdline_marker=marker)


def test_double_forked_daemon_is_killed(containing_isolation: str, warm: bool) -> None:
    """A daemon that leaves the working directory and clears its environment.

    Only a PID namespace catches it, so "none" is not tested here.
    """
    marker = f"{uuid.uuid4().int % 10**6}.{uuid.uuid4().int % 10**6}"
    program = (
        "import os\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        os.chdir('/')\n"
        f"        os.execve('/bin/sleep', ['sleep', '{marker}'], {{}})\n"
        "    os._exit(0)\n"
        "os.wait()\n"
        "print('daemonized', flush=True)\n"
    )
    result = run_program(program, limits=SHORT, isolation=containing_isolation, warm=warm)
    assert result.status == "passed", result
    assert_nothing_left(cmdline_marker=marker)


def test_large_file_is_stopped(any_isolation: str, warm: bool) -> None:
    program = "with open('big.bin', 'wb') as handle:\n    handle.write(b'x' * (4 << 20))\n"
    limits = SandboxLimits(wall_seconds=10, max_file_bytes=1 << 20)
    result = run_program(program, limits=limits, isolation=any_isolation, warm=warm)
    assert result.status in ("killed", "error"), result
    assert result.status != "passed"


def test_root_and_results_paths_hidden(containing_isolation: str, warm: bool) -> None:
    program = (
        "import os\n"
        "for path in ('/root', '/home'):\n"
        "    try:\n"
        "        print(path, sorted(os.listdir(path)))\n"
        "    except OSError as exc:\n"
        "        print(path, type(exc).__name__)\n"
    )
    result = run_program(program, limits=SHORT, isolation=containing_isolation, warm=warm)
    assert result.status == "passed", result
    for line in result.stdout.splitlines():
        assert line.endswith("[]") or line.endswith("PermissionError"), line
    assert os.path.isdir("/root")
