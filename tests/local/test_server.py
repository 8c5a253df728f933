"""Tests of harness.local.server and harness.local.calibrate.

The fast tests replace the llama.cpp command with small Python scripts to check
start-up errors, port retries and process-group clean-up. The slow tests start
each bundled model's real server, call it through LiteLLM and calibrate its price.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.config import ComputePrice, LocalServer
from harness.errors import ModelSetupError
from harness.local import server
from harness.local.calibrate import Throughput, calibrate_price, price_from_throughput
from harness.local.server import LocalServerHandle, build_command, start_server

# Responds to GET /v1/models, starts a grandchild that only SIGKILL of the group removes,
# writes that grandchild's pid to a file and, with "stubborn", ignores SIGTERM.
FAKE_SERVER = textwrap.dedent(
    """
    import http.server, signal, subprocess, sys
    port, pid_file, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    child = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"])
    open(pid_file, "w").write(str(child.pid))
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b'{"object": "list", "data": []}'
            self.send_response(200 if self.path == "/v1/models" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args):
            pass
    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
    """
)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # Signal 0 still succeeds for a zombie, which has exited but was not reaped by its parent.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _live_group_members(pgid: int) -> list[int]:
    """Return the pids of processes in a process group that have not exited (zombies excluded)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # Fields after the command name: state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def _wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _process_exists(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def fake_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Skip the install and weights checks so fake commands can stand in for llama.cpp."""
    monkeypatch.setattr(server, "check_server_installed", lambda: None)
    monkeypatch.setattr(server, "prepare_weights", lambda name, cache=None: tmp_path / "model.gguf")
    return tmp_path


def _use_command(monkeypatch: pytest.MonkeyPatch, make_command: object) -> None:
    monkeypatch.setattr(server, "build_command", make_command)


LOCAL = LocalServer(weights="smollm2-135m-instruct")


def test_build_command_flags() -> None:
    command = build_command(Path("/models/m.gguf"), "smol", 8123, LocalServer(weights="smollm2-135m-instruct", threads=2))

    assert command[:3] == [sys.executable, "-m", "llama_cpp.server"]
    pairs = dict(zip(command[3::2], command[4::2], strict=True))
    assert pairs["--model"] == "/models/m.gguf"
    assert pairs["--model_alias"] == "smol"
    assert pairs["--host"] == "127.0.0.1"
    assert pairs["--port"] == "8123"
    assert pairs["--n_threads"] == "2"
    assert pairs["--n_threads_batch"] == "2"
    assert pairs["--n_ctx"] == "2048"
    assert pairs["--logits_all"] == "False"
    assert pairs["--interrupt_requests"] == "False"
    assert "--chat_format" not in pairs


def test_build_command_chat_format_override() -> None:
    local = LocalServer(weights="qwen2.5-coder-0.5b-instruct", chat_format="chatml")

    command = build_command(Path("m.gguf"), "coder", 8000, local)

    assert command[command.index("--chat_format") + 1] == "chatml"


def test_find_free_port_is_bindable() -> None:
    import socket

    port = server.find_free_port()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))
    assert 1024 <= port <= 65535


def test_start_and_stop_fake_server(monkeypatch: pytest.MonkeyPatch, fake_setup: Path) -> None:
    script = fake_setup / "fake_server.py"
    script.write_text(FAKE_SERVER, encoding="utf-8")
    pid_file = fake_setup / "child.pid"
    _use_command(monkeypatch, lambda path, name, port, local: [sys.executable, str(script), str(port), str(pid_file), "polite"])

    with start_server(LOCAL, model_name="fake", log_dir=fake_setup / "logs") as handle:
        assert handle.running()
        assert handle.api_base == f"http://127.0.0.1:{handle.port}/v1"
        assert handle.litellm_model == "openai/fake"
        assert os.getpgid(handle.process.pid) == handle.process.pid
        child = int(pid_file.read_text())
        assert _process_exists(child)

    assert handle.process.returncode is not None
    assert _wait_gone(child)
    assert _live_group_members(handle.process.pid) == []
    assert (fake_setup / "logs" / "server-fake.log").is_file()


def test_stop_kills_server_ignoring_sigterm(monkeypatch: pytest.MonkeyPatch, fake_setup: Path) -> None:
    script = fake_setup / "fake_server.py"
    script.write_text(FAKE_SERVER, encoding="utf-8")
    pid_file = fake_setup / "child.pid"
    _use_command(
        monkeypatch, lambda path, name, port, local: [sys.executable, str(script), str(port), str(pid_file), "stubborn"]
    )
    handle = start_server(LOCAL, model_name="stubborn", log_dir=fake_setup)
    child = int(pid_file.read_text())

    started = time.monotonic()
    handle.stop(timeout=1.0)

    assert time.monotonic() - started < 5
    assert handle.process.returncode == -signal.SIGKILL
    assert _wait_gone(child)
    handle.stop()


def test_server_exiting_at_start_raises_with_log_tail(monkeypatch: pytest.MonkeyPatch, fake_setup: Path) -> None:
    _use_command(
        monkeypatch,
        lambda path, name, port, local: [sys.executable, "-c", "import sys; print('model file is corrupt'); sys.exit(3)"],
    )

    with pytest.raises(ModelSetupError) as caught:
        start_server(LOCAL, model_name="broken", log_dir=fake_setup)

    message = str(caught.value)
    assert "exited with status 3" in message
    assert "model file is corrupt" in message


def test_server_not_answering_times_out(monkeypatch: pytest.MonkeyPatch, fake_setup: Path) -> None:
    pids: list[int] = []
    real_launch = server._launch

    def recording_launch(*args: object) -> LocalServerHandle:
        handle = real_launch(*args)  # type: ignore[arg-type]
        pids.append(handle.process.pid)
        return handle

    monkeypatch.setattr(server, "_launch", recording_launch)
    _use_command(monkeypatch, lambda path, name, port, local: [sys.executable, "-c", "import time; time.sleep(60)"])

    with pytest.raises(ModelSetupError) as caught:
        start_server(LOCAL, model_name="silent", log_dir=fake_setup, startup_timeout=1.0)

    assert "timed out" in str(caught.value)
    assert len(pids) == 1
    assert not _process_exists(pids[0])


def test_port_taken_retries_then_raises(monkeypatch: pytest.MonkeyPatch, fake_setup: Path) -> None:
    ports: list[int] = []

    def taken_command(path: Path, name: str, port: int, local: LocalServer) -> list[str]:
        ports.append(port)
        message = f"ERROR: [Errno 98] error while attempting to bind on address ('127.0.0.1', {port}): address already in use"
        return [sys.executable, "-c", f"import sys; print({message!r}); sys.exit(1)"]

    _use_command(monkeypatch, taken_command)

    with pytest.raises(ModelSetupError) as caught:
        start_server(LOCAL, model_name="busy", log_dir=fake_setup)

    assert "could not bind a free port" in str(caught.value)
    assert len(ports) == 3


def test_port_taken_once_then_starts(monkeypatch: pytest.MonkeyPatch, fake_setup: Path) -> None:
    script = fake_setup / "fake_server.py"
    script.write_text(FAKE_SERVER, encoding="utf-8")
    attempts: list[int] = []

    def flaky_command(path: Path, name: str, port: int, local: LocalServer) -> list[str]:
        attempts.append(port)
        if len(attempts) == 1:
            return [sys.executable, "-c", "import sys; print('address already in use'); sys.exit(1)"]
        return [sys.executable, str(script), str(port), str(fake_setup / "child.pid"), "polite"]

    _use_command(monkeypatch, flaky_command)

    with start_server(LOCAL, model_name="flaky", log_dir=fake_setup) as handle:
        assert handle.running()
    assert len(attempts) == 2


def test_missing_server_package_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = server.importlib.util.find_spec
    monkeypatch.setattr(
        server.importlib.util, "find_spec", lambda name: None if name == "sse_starlette" else real_find_spec(name)
    )

    with pytest.raises(ModelSetupError) as caught:
        server.check_server_installed()

    assert "sse_starlette" in str(caught.value)
    assert "scripts/setup.sh" in str(caught.value)


def test_price_from_throughput_formula() -> None:
    compute = ComputePrice(hourly_usd=0.36, source="example price list, 2026-01-01")
    throughput = Throughput(prompt_tokens=300, prompt_seconds=2.0, output_tokens=64, generation_seconds=2.0)

    snapshot = price_from_throughput("coder", compute, throughput, setup="1 thread")

    # 0.36 USD/h = 0.0001 USD/s; 150 prompt tokens/s -> 0.0001 / 150 * 1e6 = 0.6667 USD per million.
    assert snapshot.input_per_million == pytest.approx(0.0001 / 150 * 1e6)
    # 32 output tokens/s -> 0.0001 / 32 * 1e6 = 3.125 USD per million.
    assert snapshot.output_per_million == pytest.approx(3.125)
    assert snapshot.source == "compute"
    assert snapshot.priced is True
    assert snapshot.model_id == "coder"
    assert "0.36 USD/hour" in snapshot.detail
    assert "example price list, 2026-01-01" in snapshot.detail
    assert "150.00 tokens/s" in snapshot.detail
    assert "32.00 tokens/s" in snapshot.detail
    assert "1 thread" in snapshot.detail


# --- real servers ------------------------------------------------------------------

REAL_MODELS = ("smollm2-135m-instruct", "qwen2.5-coder-0.5b-instruct")


@pytest.fixture(scope="module", params=REAL_MODELS)
def real_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServerHandle]:
    if os.environ.get("VERTICALBENCH_SKIP_LOCAL") == "1":
        pytest.skip("VERTICALBENCH_SKIP_LOCAL=1: the local models were not installed")
    log_dir = tmp_path_factory.mktemp("server-logs")
    handle = start_server(LocalServer(weights=request.param), log_dir=log_dir)
    try:
        yield handle
    finally:
        handle.stop()


def _chat(handle: LocalServerHandle, prompt: str, max_tokens: int) -> tuple[str, object]:
    import litellm

    async def call() -> object:
        return await litellm.acompletion(
            model=handle.litellm_model,
            api_base=handle.api_base,
            api_key="none",
            messages=[{"role": "user", "content": prompt}],
            max_tokens=max_tokens,
            temperature=0.0,
            timeout=300,
        )

    response = asyncio.run(call())
    return response.choices[0].message.content or "", response.usage  # type: ignore[attr-defined]


@pytest.mark.slow
def test_real_server_chat_through_litellm(real_server: LocalServerHandle) -> None:
    if real_server.model_name.startswith("qwen"):
        prompt = "Write a Python function add(a, b) that returns the sum of a and b. Reply with code only."
    else:
        prompt = "What is the capital of France? Answer in one sentence."

    reply, usage = _chat(real_server, prompt, max_tokens=96)

    assert reply.strip()
    assert usage.prompt_tokens > 0  # type: ignore[attr-defined]
    assert usage.completion_tokens > 0  # type: ignore[attr-defined]
    if real_server.model_name.startswith("qwen"):
        assert "def add" in reply
    else:
        assert "Paris" in reply


@pytest.mark.slow
def test_real_server_calibration(real_server: LocalServerHandle) -> None:
    compute = ComputePrice(hourly_usd=0.10, source="test rate")

    snapshot = calibrate_price(
        real_server.model_name, compute, real_server.api_base, real_server.model_name, setup=real_server.setup_summary
    )

    assert snapshot.source == "compute"
    assert snapshot.input_per_million is not None and snapshot.input_per_million > 0
    assert snapshot.output_per_million is not None and snapshot.output_per_million > 0
    # Generating a token costs more time than reading one, on any CPU.
    assert snapshot.output_per_million > snapshot.input_per_million
    assert "test rate" in (snapshot.detail or "")
    assert "llama-cpp-python" in (snapshot.detail or "")


@pytest.mark.slow
@pytest.mark.parametrize("name", REAL_MODELS)
def test_real_server_stop_leaves_no_process(name: str, tmp_path: Path) -> None:
    if os.environ.get("VERTICALBENCH_SKIP_LOCAL") == "1":
        pytest.skip("VERTICALBENCH_SKIP_LOCAL=1: the local models were not installed")

    with start_server(LocalServer(weights=name), log_dir=tmp_path) as handle:
        pid = handle.process.pid
        assert handle.running()

    assert handle.process.returncode is not None
    assert not _process_exists(pid)
    assert _live_group_members(pid) == []
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    assert f"--port {handle.port} " not in listing
