"""A reusable bubblewrap sandbox whose pid 1 forks one fresh interpreter per program.

Starting bwrap, a shell and a Python interpreter costs most of a short program's run.
A `WarmWorker` pays it once: its sandbox keeps running `harness.sandbox.zygote` as pid 1,
which never runs a program itself and forks a child for each one. See that module for
what is cleaned between programs, and docs/sandbox.md for what is shared.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import select
import socket
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from harness.sandbox import zygote
from harness.sandbox.capture import StreamCapture
from harness.sandbox.cleanup import kill_group
from harness.sandbox.commands import bwrap_sandbox_argv
from harness.sandbox.config import SandboxConfig, SandboxUnavailableError, program_env
from harness.sandbox.identity import popen_identity, run_identity
from harness.sandbox.limits import SandboxLimits, rlimit_values
from harness.sandbox.process import ProcessOutcome, _Drain
from harness.sandbox.supervisor import TEARDOWN_SECONDS, NamespaceInit
from harness.sandbox.workdir import PROGRAM_NAME, remove_tree

logger = logging.getLogger(__name__)

# Time allowed for a new sandbox to report that it is ready.
START_SECONDS = 30.0
# Time allowed after the program ended for its output pipes to reach end of file. Every
# process that held them is dead by then, so this is only a safety bound.
_DRAIN_GRACE_SECONDS = 2.0
# Bytes of the sandbox's own standard error kept for the message when it fails to start.
_STARTUP_ERROR_BYTES = 4096


class WorkerBrokenError(RuntimeError):
    """The worker could not take a program; nothing of the program ran."""


class WarmWorker:
    """One long-lived bubblewrap sandbox that runs programs one at a time.

    Not thread-safe: a pool hands each worker to one thread at a time.
    """

    def __init__(self, interpreter: str, config: SandboxConfig) -> None:
        """Start the sandbox and wait until its pid 1 is ready.

        Raises:
            SandboxUnavailableError: When the sandbox does not start.
        """
        self._stack = ExitStack()
        self._proc: subprocess.Popen[bytes] | None = None
        self._init: NamespaceInit | None = None
        self._channel: socket.socket | None = None
        try:
            self._start(interpreter, config)
        except BaseException:
            self.close()
            raise

    def _start(self, interpreter: str, config: SandboxConfig) -> None:
        started = time.monotonic()
        self.drop = self._stack.enter_context(run_identity(config))
        base = Path(tempfile.mkdtemp(prefix="vb-sandbox-pool-", dir=config.temp_root)).resolve()
        self._stack.callback(remove_tree, base)
        # The sandbox user cannot write here or list the directory, but may pass through
        # it to the run directory that it owns.
        base.chmod(0o711)
        self.base = base

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._channel = ours
        argv = bwrap_sandbox_argv(interpreter, base, config, die_with_parent=False)
        # --die-with-parent would kill an idle sandbox when the thread that started it
        # exits. Instead pid 1 exits when this end of the socket closes, which also
        # happens when the harness dies.
        argv += ["--as-pid-1", "--", interpreter, "-s", "-c", _zygote_source(), str(theirs.fileno())]
        try:
            self._proc = subprocess.Popen(
                argv,
                cwd=base,
                env=program_env(str(base)),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
                pass_fds=(theirs.fileno(),),
                **popen_identity(self.drop),
            )
        except OSError as exc:
            raise SandboxUnavailableError(f"warm sandbox did not start: {exc}") from exc
        finally:
            theirs.close()

        ready, _, _ = select.select([ours], [], [], START_SECONDS)
        message = ours.recv(zygote.MESSAGE_BYTES) if ready else b""
        if not message or not json.loads(message).get("ready"):
            raise SandboxUnavailableError(f"warm sandbox did not start: {self._startup_error()}")
        self._init = NamespaceInit(self._proc.pid)
        self._init.discover()
        ours.setblocking(False)
        seconds = time.monotonic() - started
        # A slow start delays the pool's next program, so it is worth seeing in the log.
        logger.log(logging.INFO if seconds > 1 else logging.DEBUG, "warm sandbox started in %.2f s", seconds)

    def _startup_error(self) -> str:
        assert self._proc is not None and self._proc.stderr is not None
        self._kill()
        text = self._proc.stderr.read()[-_STARTUP_ERROR_BYTES:].decode("utf-8", errors="replace").strip()
        return text.splitlines()[-1] if text else f"exit code {self._proc.returncode}"

    @property
    def alive(self) -> bool:
        """Whether the sandbox can take another program."""
        return self._proc is not None and self._channel is not None and self._proc.poll() is None

    def run(
        self, program: str, limits: SandboxLimits, stdout: StreamCapture, stderr: StreamCapture
    ) -> ProcessOutcome:
        """Run `program` in a fresh child of the sandbox's pid 1.

        A program still running at `limits.wall_seconds` is stopped by killing the whole
        sandbox, which this worker then no longer accepts programs in.

        Raises:
            WorkerBrokenError: When the sandbox did not take the program; the captures are
                untouched and the program can run elsewhere.
        """
        if not self.alive:
            raise WorkerBrokenError("the warm sandbox has exited")
        assert self._channel is not None
        start = time.monotonic()
        run_dir = self.base / f"vb-sandbox-{secrets.token_hex(8)}"
        run_dir.mkdir(mode=0o700)
        try:
            (run_dir / PROGRAM_NAME).write_text(program, encoding="utf-8")
            if self.drop is not None:
                os.chown(run_dir, *self.drop)
            return self._run_in(run_dir, limits, stdout, stderr, start)
        finally:
            remove_tree(run_dir)

    def _run_in(
        self, run_dir: Path, limits: SandboxLimits, stdout: StreamCapture, stderr: StreamCapture, start: float
    ) -> ProcessOutcome:
        assert self._channel is not None
        request = {
            "dir": str(run_dir),
            "env": program_env(str(run_dir)),
            "rlimits": [[rid, soft, hard] for rid, (soft, hard) in rlimit_values(limits).items()],
        }
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        try:
            try:
                socket.send_fds(self._channel, [json.dumps(request).encode()], [out_write, err_write])
            except OSError as exc:
                self._kill()
                raise WorkerBrokenError(f"the warm sandbox did not take the program: {exc}") from exc
            finally:
                os.close(out_write)
                os.close(err_write)
            drain = _Drain({out_read: stdout, err_read: stderr})
            try:
                channel_fd = self._channel.fileno()
                drain.register_exit_fd(channel_fd)
                try:
                    reply = self._wait_for_reply(drain, start + limits.wall_seconds)
                finally:
                    drain.unregister_exit_fd(channel_fd)
                if reply is None or not reply:
                    # Past the wall clock, or pid 1 is gone: end the whole sandbox.
                    self._kill()
                drain.until_closed(time.monotonic() + _DRAIN_GRACE_SECONDS)
            finally:
                drain.close()
        finally:
            os.close(out_read)
            os.close(err_read)
        duration = time.monotonic() - start
        if reply is None:
            return ProcessOutcome(exit_code=-9, timed_out=True, duration_s=duration, cpu_seconds=0.0)
        if "error" in reply:
            raise WorkerBrokenError(f"the warm sandbox did not start the program: {reply['error']}")
        if "status" not in reply:
            # The sandbox died under the program: count it as killed.
            return ProcessOutcome(exit_code=-9, timed_out=False, duration_s=duration, cpu_seconds=0.0)
        if not reply.get("reusable", False):
            logger.debug("stopping a warm sandbox that a program left unclean")
            self._kill()
        return ProcessOutcome(
            exit_code=os.waitstatus_to_exitcode(reply["status"]),
            timed_out=False,
            duration_s=duration,
            cpu_seconds=float(reply["cpu"]),
        )

    def _wait_for_reply(self, drain: _Drain, deadline: float) -> dict[str, Any] | None:
        """Drain output until pid 1 reports the program's end; None when `deadline` passed.

        An empty dict means the sandbox ended without a report.
        """
        assert self._channel is not None
        while True:
            try:
                message = self._channel.recv(zygote.MESSAGE_BYTES)
            except ConnectionError:
                return {}
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                drain.pump(remaining)
                continue
            if not message:
                return {}
            reply: dict[str, Any] = json.loads(message)
            return reply

    def _kill(self) -> None:
        """Kill the sandbox's pid 1, and with it every process of the sandbox, and reap bwrap."""
        if self._init is not None:
            self._init.stop()
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._proc is None:
            return
        try:
            self._proc.wait(timeout=TEARDOWN_SECONDS)
        except subprocess.TimeoutExpired:
            kill_group(self._proc.pid)
            self._proc.wait()
        kill_group(self._proc.pid)

    def close(self) -> None:
        """Stop the sandbox, delete its directory and release its user id."""
        if self._channel is not None:
            # End of file on the socket makes pid 1 kill everything and exit.
            self._channel.close()
            self._channel = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=TEARDOWN_SECONDS)
            except subprocess.TimeoutExpired:
                self._kill()
            kill_group(self._proc.pid)
            if self._proc.stderr is not None:
                self._proc.stderr.close()
        if self._init is not None:
            self._init.close()
            self._init = None
        self._stack.close()


def _zygote_source() -> str:
    return Path(zygote.__file__).read_text(encoding="utf-8")
