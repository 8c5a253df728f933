"""Unit tests for outcome classification, output capture and limit handling."""

from __future__ import annotations

import resource
import signal

import pytest

from harness.sandbox import limits as limits_module
from harness.sandbox.capture import ERROR_TAIL_BYTES, StreamCapture
from harness.sandbox.limits import SandboxLimits, clamp_to_host, rlimit_values
from harness.sandbox.outcome import classify, parse_error_type, signal_from_exit

ASSERTION_TRACEBACK = """Traceback (most recent call last):
  File "/tmp/w/program.py", line 3, in <module>
    assert f(1) == 3
AssertionError
"""

SYNTAX_ERROR = """  File "/tmp/w/program.py", line 1
    def f(x) return y
             ^^^^^^
SyntaxError: expected ':'
"""

FRAME = 'Traceback (most recent call last):\n  File "p.py", line 1, in <module>\n'

CHAINED = """Traceback (most recent call last):
  File "program.py", line 2, in <module>
    {}["k"]
KeyError: 'k'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "program.py", line 4, in <module>
    raise ValueError("bad")
ValueError: bad
"""


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (ASSERTION_TRACEBACK, "AssertionError"),
        (SYNTAX_ERROR, "SyntaxError"),
        (CHAINED, "ValueError"),
        (FRAME + "pkg.mod.Custom: why\n", "pkg.mod.Custom"),
        (FRAME + "ValueError: x\na note added with add_note\n", "ValueError"),
        ("some message from sys.exit\n", None),
        ("", None),
    ],
)
def test_parse_error_type(stderr: str, expected: str | None) -> None:
    assert parse_error_type(stderr) == expected


def test_signal_from_exit_negative_code() -> None:
    assert signal_from_exit(-9) == signal.SIGKILL


def test_signal_from_exit_supervisor_code() -> None:
    assert signal_from_exit(137) == signal.SIGKILL
    assert signal_from_exit(128 + signal.SIGXCPU) == signal.SIGXCPU
    assert signal_from_exit(1) is None
    assert signal_from_exit(0) is None


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"exit_code": 0}, "passed"),
        ({"exit_code": 1, "error_type": "AssertionError"}, "failed"),
        ({"exit_code": 1, "error_type": "NameError"}, "error"),
        ({"exit_code": 1}, "error"),
        ({"exit_code": 1, "error_type": "MemoryError"}, "oom"),
        ({"exit_code": -9, "signal_number": signal.SIGKILL, "timed_out": True}, "timeout"),
        ({"exit_code": -24, "signal_number": signal.SIGXCPU}, "timeout"),
        ({"exit_code": -9, "signal_number": signal.SIGKILL, "cpu_limit_hit": True}, "timeout"),
        ({"exit_code": -9, "signal_number": signal.SIGKILL}, "killed"),
        ({"exit_code": -11, "signal_number": signal.SIGSEGV}, "killed"),
    ],
)
def test_classify(kwargs: dict, expected: str) -> None:
    arguments = {"signal_number": None, "timed_out": False, "cpu_limit_hit": False, "error_type": None, **kwargs}
    assert classify(**arguments) == expected


def test_capture_keeps_short_stream_whole() -> None:
    capture = StreamCapture(100)
    capture.feed(b"hello ")
    capture.feed(b"world\n")
    assert capture.text() == "hello world\n"
    assert capture.tail_text() == "hello world\n"


def test_capture_bounds_long_stream() -> None:
    capture = StreamCapture(1000)
    for index in range(10_000):
        capture.feed(f"line {index}\n".encode())
    text = capture.text()
    assert text.startswith("line 0\n")
    assert text.endswith("line 9999\n")
    assert "bytes of output omitted" in text
    assert len(text) < 1000 + 100


def test_capture_error_tail_with_zero_budget() -> None:
    capture = StreamCapture(0)
    capture.feed(b"x" * 100_000 + ASSERTION_TRACEBACK.encode())
    assert capture.tail_text().endswith("AssertionError\n")
    assert len(capture.tail_text()) <= 2 * ERROR_TAIL_BYTES


def test_capture_finds_marker_split_across_chunks() -> None:
    capture = StreamCapture(10, marker=b"TOKEN-123")
    capture.feed(b"a" * 5000 + b"TOK")
    capture.feed(b"EN-1")
    assert not capture.marker_seen
    capture.feed(b"23\n")
    assert capture.marker_seen


def test_capture_removes_marker_line() -> None:
    capture = StreamCapture(1000, marker=b"TOKEN")
    capture.feed(b"out\n\nTOKEN\n")
    assert capture.text(remove_line="TOKEN") == "out\n"


@pytest.mark.parametrize(
    "field",
    ["wall_seconds", "cpu_seconds", "memory_bytes", "max_processes"],
)
def test_limits_reject_non_positive(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        SandboxLimits(**{field: 0})


def test_limits_reject_negative_output() -> None:
    with pytest.raises(ValueError, match="max_output_bytes"):
        SandboxLimits(max_output_bytes=-1)


def test_clamp_lowers_to_host_hard_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits_module.resource, "getrlimit", lambda _rid: (100, 200))
    assert clamp_to_host(resource.RLIMIT_AS, 500, 1000) == (200, 200)
    assert clamp_to_host(resource.RLIMIT_AS, 50, 150) == (50, 150)


def test_clamp_keeps_request_under_unlimited_host(monkeypatch: pytest.MonkeyPatch) -> None:
    unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
    monkeypatch.setattr(limits_module.resource, "getrlimit", lambda _rid: unlimited)
    assert clamp_to_host(resource.RLIMIT_AS, 500, 1000) == (500, 1000)


def test_rlimit_values_cpu_hard_limit_after_soft() -> None:
    values = rlimit_values(SandboxLimits(cpu_seconds=3))
    soft, hard = values[resource.RLIMIT_CPU]
    assert soft <= 3
    assert hard >= soft
    assert values[resource.RLIMIT_CORE] == (0, 0)
