"""Reused sandboxes: one program must never see what an earlier one left, nor reach pid 1.

The hostile corpus in test_hostile.py runs through reused sandboxes too (its "warm"
variants). These tests run several programs in one pool worker on purpose, and check
that a warm run gives the same result as a fresh one.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import pytest

from harness.sandbox import (
    SandboxConfig,
    SandboxJob,
    SandboxLimits,
    SandboxPool,
    SandboxUnavailableError,
    run_program,
)
from harness.sandbox import pool as pool_module
from harness.sandbox.isolation import unavailable_reason
from tests.sandbox.conftest import assert_nothing_left

LIMITS = SandboxLimits(wall_seconds=10, cpu_seconds=5)
# Prints which sandbox runs the program: its PID namespace and when its pid 1 started
# (namespace numbers are reused once a namespace is gone).
PID_NAMESPACE = (
    "import os\n"
    "print(os.readlink('/proc/self/ns/pid'), open('/proc/1/stat').read().rsplit(')', 1)[1].split()[19])\n"
)


@pytest.fixture
def pool() -> Iterator[SandboxPool]:
    """A one-worker pool, so that consecutive programs share one reused sandbox."""
    reason = unavailable_reason("bubblewrap", SandboxConfig())
    if reason is not None:
        pytest.skip(f"bubblewrap not available here: {reason}")
    with SandboxPool(workers=1) as one_worker:
        yield one_worker


def namespace_of(pool: SandboxPool) -> str:
    result = pool.run_program(PID_NAMESPACE, limits=LIMITS, isolation="bubblewrap")
    assert result.status == "passed", result
    return result.stdout.strip()


# Leaves behind what would outlive the program were it not cleaned: a file, SysV shared
# memory, semaphores and a message queue, and a background process. POSIX message queues
# must not even be creatable.
LEAVE_STATE = r"""
import ctypes, os, subprocess
libc = ctypes.CDLL(None, use_errno=True)
print(os.getcwd())
open('left.txt', 'w').write('state')
IPC_CREAT = 0o1000
print('shm', libc.shmget(0x5eed, 4096, IPC_CREAT | 0o600) >= 0)
print('sem', libc.semget(0x5eed, 1, IPC_CREAT | 0o600) >= 0)
print('msg', libc.msgget(0x5eed, IPC_CREAT | 0o600) >= 0)
libc.mq_open.restype = ctypes.c_int
print('mq', libc.mq_open(b'/vb-left', os.O_CREAT | os.O_RDWR, 0o600, None) >= 0)
subprocess.Popen(['sleep', '{marker}'], start_new_session=True)
"""

# Adds keys to the user, user-session and persistent keyrings, which outlive the program.
LEAVE_KEYS = r"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
add_key, keyctl = 248, 250  # x86_64 syscall numbers
for keyring in (-4, -5):  # the user and user-session keyrings
    print('key', libc.syscall(add_key, b'user', b'vb-left-key', b'state', 5, keyring) > 0)
persistent = libc.syscall(keyctl, 22, -1, -2)  # KEYCTL_GET_PERSISTENT into the process keyring
print('key', libc.syscall(add_key, b'user', b'vb-left-key', b'state', 5, persistent) > 0)
"""

FIND_STATE = r"""
import os, sys
previous = sys.argv_previous
print('file', os.path.exists(os.path.join(previous, 'left.txt')))
for kind in ('shm', 'sem', 'msg'):
    print(kind, len(open('/proc/sysvipc/' + kind).read().splitlines()) - 1)
print('keys', open('/proc/keys').read().count('vb-left'))
"""
NOTHING_FOUND = ["file False", "shm 0", "sem 0", "msg 0", "keys 0"]


def find_state(pool: SandboxPool, previous_dir: str) -> list[str]:
    program = f"import sys\nsys.argv_previous = {previous_dir!r}\n" + FIND_STATE
    result = pool.run_program(program, limits=LIMITS, isolation="bubblewrap")
    assert result.status == "passed", result
    return result.stdout.splitlines()


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the program uses x86_64 syscall numbers")
def test_reused_sandbox_keeps_no_leftovers(pool: SandboxPool) -> None:
    marker = f"{os.getpid()}.{id(pool) % 10**6}"
    before = namespace_of(pool)
    left = pool.run_program(LEAVE_STATE.replace("{marker}", marker), limits=LIMITS, isolation="bubblewrap")
    assert left.status == "passed", left
    previous_dir, *created = left.stdout.splitlines()
    # The program did create every object that the next one must not find, but not a
    # POSIX message queue (RLIMIT_MSGQUEUE is 0).
    assert created == ["shm True", "sem True", "msg True", "mq False"], left.stdout
    assert find_state(pool, previous_dir) == NOTHING_FOUND
    assert namespace_of(pool) == before, "the programs did not share one reused sandbox"
    assert_nothing_left(cmdline_marker=marker, pid_namespace=before.split()[0])
    assert not os.path.exists(previous_dir)


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the program uses x86_64 syscall numbers")
def test_program_that_leaves_keys_gets_sandbox_replaced(pool: SandboxPool) -> None:
    before = namespace_of(pool)
    left = pool.run_program(PID_NAMESPACE + LEAVE_KEYS, limits=LIMITS, isolation="bubblewrap")
    assert left.status == "passed", left
    assert left.stdout.splitlines() == [before, "key True", "key True", "key True"]
    assert find_state(pool, "/nonexistent") == NOTHING_FOUND
    assert namespace_of(pool) != before


ATTACK_PID_1 = r"""
import ctypes, os, signal
results = []
for number in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGSTOP, signal.SIGCHLD):
    try:
        os.kill(1, number)
        results.append('sent')
    except OSError as exc:
        results.append(type(exc).__name__)
for path in ('/proc/1/mem', '/proc/1/environ'):
    try:
        open(path, 'rb').read(1)
        results.append('read ' + path)
    except OSError as exc:
        results.append(type(exc).__name__)
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH = 16
results.append('traced' if libc.ptrace(PTRACE_ATTACH, 1, None, None) == 0 else 'not traced')
print(results)
"""


def test_program_cannot_stop_trace_or_read_pid_1(pool: SandboxPool) -> None:
    before = namespace_of(pool)
    result = pool.run_program(ATTACK_PID_1, limits=LIMITS, isolation="bubblewrap")
    assert result.status == "passed", result
    assert "read /proc" not in result.stdout
    assert "'traced'" not in result.stdout
    # Signals sent from inside the namespace to its pid 1 are dropped, so the same
    # sandbox, with the same pid 1, runs the next program.
    assert namespace_of(pool) == before


def test_timeout_replaces_the_sandbox(pool: SandboxPool) -> None:
    before = namespace_of(pool)
    result = pool.run_program("while True:\n    pass\n", limits=SandboxLimits(wall_seconds=1), isolation="bubblewrap")
    assert result.status == "timeout", result
    assert_nothing_left(pid_namespace=before.split()[0])
    after = namespace_of(pool)
    assert after != before


PROGRAMS = {
    "passes": "print('hello')\n",
    "exit code": "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)\n",
    "exit message": "import sys\nsys.exit('bad input')\n",
    "assertion": "def f():\n    return 1\n\nassert f() == 2\n",
    "name error": "x = 1\nprint(y)\n",
    "syntax error": "def f(:\n    pass\n",
    "main guard": "import sys\nif __name__ == '__main__':\n    print(sys.argv, __file__.endswith('/program.py'))\n",
    "atexit and threads": (
        "import atexit, threading, time\n"
        "atexit.register(print, 'at exit')\n"
        "threading.Thread(target=lambda: (time.sleep(0.2), print('thread done'))).start()\n"
        "print('main done')\n"
    ),
    "unflushed output": "import sys\nsys.stdout.write('no newline, no flush')\n",
    "os exit": "import os\nprint('lost in the buffer')\nos._exit(4)\n",
    "coding cookie": "# -*- coding: latin-1 -*-\nprint(len('\xe9'))\n".encode("latin-1").decode("utf-8", "replace"),
    "module state": "import sys\nprint(sorted(k for k in sys.modules if k.startswith('harness')))\n",
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_warm_result_matches_fresh(pool: SandboxPool, name: str) -> None:
    program = PROGRAMS[name]
    fresh = run_program(program, limits=LIMITS, isolation="bubblewrap")
    warm = pool.run_program(program, limits=LIMITS, isolation="bubblewrap")

    def comparable(result: object) -> dict[str, object]:
        fields = json.loads(json.dumps(result.__dict__))
        fields.pop("duration_s")
        # The working directories differ from run to run.
        for stream in ("stdout", "stderr"):
            fields[stream] = re.sub(r"/[^\s\"']*vb-sandbox-[^/\s\"']*", "WORKDIR", fields[stream])
        return fields

    assert comparable(warm) == comparable(fresh)


def test_warm_program_killed_by_signal_matches_fresh(pool: SandboxPool) -> None:
    program = "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n"
    fresh = run_program(program, limits=LIMITS, isolation="bubblewrap")
    warm = pool.run_program(program, limits=LIMITS, isolation="bubblewrap")
    # Only stderr differs: the shell that is pid 1 of a fresh sandbox reports "Terminated".
    assert (warm.status, warm.exit_code, warm.stdout) == (fresh.status, fresh.exit_code, fresh.stdout)
    assert (warm.status, warm.exit_code) == ("killed", -15)


def test_sandbox_dead_while_idle_is_replaced(pool: SandboxPool) -> None:
    before = namespace_of(pool)
    idle = pool._idle[0]
    idle._kill()
    assert not idle.alive
    result = pool.run_program("print('ran')", limits=LIMITS, isolation="bubblewrap")
    assert result.status == "passed", result
    assert result.stdout == "ran\n"
    assert namespace_of(pool) != before


def test_pool_falls_back_when_reuse_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    if unavailable_reason("bubblewrap", SandboxConfig()) is not None:
        pytest.skip("bubblewrap not available here")

    def no_warm_sandbox(*_args: object, **_kwargs: object) -> None:
        raise SandboxUnavailableError("simulated start failure")

    monkeypatch.setattr(pool_module, "WarmWorker", no_warm_sandbox)
    with SandboxPool(workers=2) as fallback:
        results = fallback.run_many([SandboxJob(PID_NAMESPACE, limits=LIMITS, isolation="bubblewrap")] * 3)
    assert [result.status for result in results] == ["passed"] * 3
    assert {result.isolation for result in results} == {"bubblewrap"}
    # Each program had a sandbox of its own.
    assert len({result.stdout for result in results}) == 3
