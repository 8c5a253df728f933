"""Start and stop one llama-cpp-python OpenAI-compatible server per local model.

Each server runs ``python -m llama_cpp.server`` in its own process group on a
free 127.0.0.1 port and serves one request at a time, so callers should send
it one request at a time as well. LiteLLM reaches it like any other
OpenAI-compatible endpoint: ``model="openai/<model_name>"``, ``api_base=handle.api_base``.

Server flags, measured with llama-cpp-python 0.3.36 on a 2-core x86-64 machine:

* ``--logits_all False``: keeping the logits of every prompt token made prompts about 3x slower.
* ``--interrupt_requests False``: otherwise a second request cuts the reply that is running.
* one thread for both prompt and generation by default (``LocalServer.threads``), because
  two threads per server slowed down sharply whenever anything else used the CPU.
"""

from __future__ import annotations

import atexit
import importlib.util
import logging
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path
from types import TracebackType

import httpx

from harness.config import LocalServer
from harness.errors import ModelSetupError
from harness.local.weights import get_spec, prepare_weights

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

_SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")
_INSTALL_FIX = "run scripts/setup.sh, or install the extra: pip install -e '.[local]'"
_PORT_ATTEMPTS = 3
_LOG_TAIL_LINES = 25

_running: set[LocalServerHandle] = set()
_running_lock = threading.Lock()


def server_version() -> str | None:
    """Return the installed llama-cpp-python version, or None when it is not installed."""
    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        return None


def check_server_installed() -> None:
    """Check that llama-cpp-python and its server extra can be imported by the child process.

    Raises:
        ModelSetupError: a module is missing; the message names it and the install command.
    """
    missing = [name for name in _SERVER_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise ModelSetupError(
            f"the local model server needs llama-cpp-python[server]==0.3.36, but these modules are missing: "
            f"{', '.join(missing)}; {_INSTALL_FIX}"
        )


def find_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago.

    Another process can take the port before the server binds it, so
    `start_server` retries with a new port when the bind fails.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build_command(model_path: Path, model_name: str, port: int, local: LocalServer) -> list[str]:
    """Return the argument list that starts a llama-cpp-python server for one model."""
    spec = get_spec(local.weights)
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path),
        "--model_alias", model_name,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_threads", str(local.threads),
        # Without this the prompt pass uses every core and two servers compete for them.
        "--n_threads_batch", str(local.threads),
        "--n_ctx", str(local.context),
        "--logits_all", "False",
        "--interrupt_requests", "False",
    ]  # fmt: skip
    chat_format = local.chat_format or spec.chat_format
    if chat_format:
        command += ["--chat_format", chat_format]
    return command


class LocalServerHandle:
    """A running llama-cpp-python server; a context manager that stops it on exit."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        model_name: str,
        port: int,
        log_path: Path,
        model_path: Path,
        local: LocalServer,
        log_offset: int = 0,
    ) -> None:
        self.process = process
        """The server process; it leads its own process group."""
        self.model_name = model_name
        """Model alias that the server serves; LiteLLM calls it as ``openai/<model_name>``."""
        self.port = port
        self.log_path = log_path
        """File that receives the server's stdout and stderr."""
        self.model_path = model_path
        self.local = local
        self._log_offset = log_offset

    @property
    def api_base(self) -> str:
        """OpenAI-compatible base URL, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def litellm_model(self) -> str:
        """Model string for LiteLLM calls."""
        return f"openai/{self.model_name}"

    @property
    def setup_summary(self) -> str:
        """One line naming the server software, the weights and the thread and context settings."""
        threads = "thread" if self.local.threads == 1 else "threads"
        return (
            f"llama-cpp-python {server_version() or 'unknown'} on 127.0.0.1, weights {self.local.weights}, "
            f"{self.local.threads} {threads}, context {self.local.context}"
        )

    def running(self) -> bool:
        """Return True while the server process has not exited."""
        return self.process.poll() is None

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """Return the last lines this server wrote to its log, or an empty string when it cannot be read."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(self._log_offset)
                text = log.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 3.0) -> None:
        """Stop the server: SIGTERM to its process group, then SIGKILL after ``timeout`` seconds.

        Safe to call more than once. Returns when the server process has been reaped.
        """
        with _running_lock:
            _running.discard(self)
        pgid = self.process.pid
        if self.running():
            logger.info("stopping local server %s (pid %d)", self.model_name, pgid)
            _signal_group(pgid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                logger.warning(
                    "local server %s (pid %d) ignored SIGTERM for %.0f s; sending SIGKILL", self.model_name, pgid, timeout
                )
        # SIGKILL also reaches any child the server started, even when the leader already exited.
        _signal_group(pgid, signal.SIGKILL)
        self.process.wait()

    def __enter__(self) -> LocalServerHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LocalServerHandle(model_name={self.model_name!r}, api_base={self.api_base!r}, pid={self.process.pid})"


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


@atexit.register
def _stop_all_at_exit() -> None:
    # Normal exits and uncaught exceptions; a SIGKILL of the harness is covered by the
    # parent-death signal each server asks for at start.
    with _running_lock:
        handles = list(_running)
    for handle in handles:
        handle.stop()


def start_server(
    local: LocalServer,
    model_name: str | None = None,
    log_dir: Path | None = None,
    startup_timeout: float = 120.0,
    cache: Path | None = None,
) -> LocalServerHandle:
    """Prepare the model's weights, start its server and wait until ``/v1/models`` responds.

    Args:
        local: which weights to serve and the thread, context and chat-format settings.
        model_name: model alias for the server; defaults to the weights name.
        log_dir: directory for the server log (e.g. the run directory); None uses a new temporary directory.
        startup_timeout: seconds to wait for the server to respond.
        cache: cache directory for assembled weights; None uses `harness.local.weights.cache_dir()`.

    Returns:
        A handle to use as a context manager, or to stop with `LocalServerHandle.stop`.

    Raises:
        ModelSetupError: the server software or weights are missing or invalid, or the
            server exited or did not respond in time; the message includes the log tail.
    """
    check_server_installed()
    model_path = prepare_weights(local.weights, cache=cache)
    name = model_name or local.weights
    if log_dir is None:
        log_dir = Path(tempfile.mkdtemp(prefix="verticalbench-server-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"server-{name}.log"

    for attempt in range(1, _PORT_ATTEMPTS + 1):
        port = find_free_port()
        handle = _launch(local, name, port, model_path, log_path)
        try:
            _wait_until_ready(handle, startup_timeout)
        except _PortTaken:
            logger.warning("port %d was taken before local server %s bound it (attempt %d)", port, name, attempt)
            continue
        except BaseException:
            # Ctrl-C or any other error while waiting must not leave the server running.
            handle.stop()
            raise
        logger.info("local server %s ready at %s (pid %d, log %s)", name, handle.api_base, handle.process.pid, log_path)
        return handle
    raise ModelSetupError(
        f"local server {name} could not bind a free port on 127.0.0.1 in {_PORT_ATTEMPTS} attempts; "
        f"check what is using the ports, log: {log_path}"
    )


def _launch(local: LocalServer, name: str, port: int, model_path: Path, log_path: Path) -> LocalServerHandle:
    command = build_command(model_path, name, port, local)
    logger.info("starting local server %s on 127.0.0.1:%d: %s", name, port, " ".join(command))
    with log_path.open("ab") as log:
        log_offset = log.tell()
        log.write(f"\n$ {' '.join(command)}\n".encode())
        log.flush()
        # A new session makes the server lead its own process group, so stop() can signal
        # the whole group, and Ctrl-C in the terminal reaches only the harness, which then stops it.
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    handle = LocalServerHandle(process, name, port, log_path, model_path, local, log_offset)
    with _running_lock:
        _running.add(handle)
    return handle


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL the server when the thread that started it dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the exit hook still stops servers on normal exits


class _PortTaken(Exception):
    pass


def _wait_until_ready(handle: LocalServerHandle, timeout: float) -> None:
    url = f"{handle.api_base}/models"
    deadline = time.monotonic() + timeout
    # trust_env=False keeps a configured HTTP proxy from receiving loopback traffic.
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            code = handle.process.poll()
            if code is not None:
                handle.stop()
                tail = handle.log_tail()
                if "address already in use" in tail.lower():
                    raise _PortTaken()
                raise ModelSetupError(
                    f"local server {handle.model_name} exited with status {code} while starting; "
                    f"log {handle.log_path} ends with:\n{tail}"
                )
            try:
                response = client.get(url)
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                handle.stop()
                raise ModelSetupError(
                    f"local server {handle.model_name} timed out: {url} did not respond within {timeout:.0f} s; "
                    f"raise the startup timeout on a slow machine. Log {handle.log_path} ends with:\n{handle.log_tail()}"
                )
            time.sleep(0.2)
