"""Call workers: forked processes that make LiteLLM calls, so its per-call CPU uses every core.

LiteLLM spends 2 to 4 ms of CPU on each call (docs/benchmarks.md). In one process that
caps a run at a few hundred calls per second, and at high concurrency the calls queue for the
interpreter instead of waiting on the network. A `CallPool` forks worker processes once
LiteLLM is imported. Each worker runs an event loop, makes the calls it receives (one
attempt each) and sends back the plain `Attempt`. Retries, the adaptive limit, scoring and
storage stay in the main process, so accounting is the same with or without workers.

Each attempt goes to the worker with the fewest calls in flight. The main process makes
no calls while a worker is alive, because that measured faster on 2 cores. There, two
workers and a main process that only plans, scores and stores finished 2,000 calls at
concurrency 64 in 10.6 s. When the main process also made calls, the same job took 12.1
to 12.4 s (docs/benchmarks.md).

Workers die with the main process (PR_SET_PDEATHSIG), so a killed run leaves no process
that could still send a request. A worker that dies early fails its calls in flight as a
retryable `CallWorkerLost` and gets no more work.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import math
import os
import pickle
import signal
import socket
import struct
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from harness.models.attempt import (Attempt, AttemptRequest, attempt_call, close_http_client, configure_litellm,
                                    litellm_module)

logger = logging.getLogger(__name__)

MAX_WORKERS = 4
"""Maximum number of workers that `auto` starts. The main process spends about 0.4 ms of CPU per
sample on its own work (docs/benchmarks.md), so beyond a few workers it becomes the limit."""
MIN_CONCURRENCY = 4
"""`auto` starts workers only when the run's API models allow at least this many calls at once."""
CALLS_PER_WORKER = 4
"""`auto` starts enough workers for about this many calls in flight each, when the cores allow
fewer. Each reply waits in its worker's event loop behind the other calls' LiteLLM work. At
concurrency 16 with 50 ms replies on 2 cores, 4 workers reached 270 requests per second and 2
workers 233; at concurrency 64 and 256 the two counts were within 7% (docs/benchmarks.md)."""
_GRACE_S = 30.0
"""Seconds beyond the call's own timeout before the main process gives up on a worker's reply."""
_HEADER = struct.Struct("!I")
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def usable_cores() -> int:
    """Return the number of cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def auto_workers(concurrency: int) -> int:
    """Return the workers `run.call_workers: auto` starts for a run allowing `concurrency` API calls at once.

    One per core this process may use, or one per `CALLS_PER_WORKER` calls if that is more, and
    at most `MAX_WORKERS`. None on a single core, on a platform other than Linux, or when the
    run has fewer than `MIN_CONCURRENCY` calls in flight.
    """
    if not sys.platform.startswith("linux") or concurrency < MIN_CONCURRENCY:
        return 0
    cores = usable_cores()
    if cores < 2:
        return 0
    return min(MAX_WORKERS, max(cores, math.ceil(concurrency / CALLS_PER_WORKER)))


@dataclass
class _Worker:
    pid: int
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    sock: socket.socket | None = None
    in_flight: dict[int, asyncio.Future[Attempt]] = field(default_factory=dict)
    alive: bool = True
    reaped: bool = False

    def reap(self) -> None:
        """Wait for the process to exit, once; its pid may be reused afterwards."""
        if self.reaped:
            return
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.reaped = True


class CallPool:
    """Worker processes that make calls; create with `CallPool.fork`, then `connect` inside the event loop."""

    def __init__(self, workers: list[_Worker]) -> None:
        self._workers = workers
        self._next_id = 0
        self._readers: list[asyncio.Task[None]] = []

    @property
    def size(self) -> int:
        """Worker processes still alive."""
        return sum(worker.alive for worker in self._workers)

    @classmethod
    def fork(cls, workers: int, openai_sdk: bool) -> CallPool | None:
        """Import LiteLLM, then fork `workers` call workers; None when no worker could start.

        Forking must happen before this process starts any thread: a child of a
        multi-threaded process can inherit a lock that no thread will release. When a thread
        is already running, no worker starts and every call runs in this process.
        """
        if workers <= 0:
            return None
        if threading.active_count() > 1:
            logger.warning("call workers not started: threads %s are running; every call runs in this process",
                           ", ".join(thread.name for thread in threading.enumerate()))
            return None
        litellm_module()
        configure_litellm(openai_sdk)
        started: list[_Worker] = []
        parent_ends: list[socket.socket] = []
        # Objects the collector never visits in a worker stay shared with this process instead of being copied.
        gc.freeze()
        try:
            for _ in range(workers):
                parent_end, child_end = socket.socketpair()
                try:
                    pid = os.fork()
                except OSError as exc:  # e.g. a process limit: run with the workers already started
                    logger.warning("could not start call worker %d of %d: %s", len(started) + 1, workers, exc)
                    parent_end.close()
                    child_end.close()
                    break
                if pid == 0:  # the worker
                    parent_end.close()
                    for other in parent_ends:
                        other.close()
                    _serve_forever(child_end)
                child_end.close()
                parent_ends.append(parent_end)
                started.append(_Worker(pid=pid, sock=parent_end))
        finally:
            gc.unfreeze()
        if not started:
            return None
        logger.info("started %d call worker(s): %s", len(started), ", ".join(str(worker.pid) for worker in started))
        return cls(started)

    async def connect(self) -> None:
        """Attach the workers' sockets to the running event loop."""
        for worker in self._workers:
            assert worker.sock is not None
            worker.reader, worker.writer = await asyncio.open_connection(sock=worker.sock)
            self._readers.append(asyncio.create_task(self._read_replies(worker)))

    async def attempt(self, request: AttemptRequest) -> Attempt:
        """Make one attempt in the least busy process and return its outcome."""
        worker = min((w for w in self._workers if w.alive and w.writer is not None),
                     key=lambda w: len(w.in_flight), default=None)
        if worker is None:  # every worker has died: the main process makes the call itself
            return await attempt_call(request)
        self._next_id += 1
        call_id = self._next_id
        future: asyncio.Future[Attempt] = asyncio.get_running_loop().create_future()
        worker.in_flight[call_id] = future
        try:
            assert worker.writer is not None
            worker.writer.write(_frame((call_id, request)))
            await worker.writer.drain()
        except (ConnectionError, OSError) as exc:
            self._lose(worker, f"could not send to call worker {worker.pid}: {exc}")
        try:
            # The worker's own call times out after timeout_s; this guards against a stuck worker.
            return await asyncio.wait_for(future, request.timeout_s + _GRACE_S)
        except asyncio.TimeoutError:
            return Attempt(failure="Timeout", message=f"call worker {worker.pid} sent no outcome within "
                           f"{request.timeout_s + _GRACE_S:g}s", retryable=True)
        finally:
            worker.in_flight.pop(call_id, None)

    async def _read_replies(self, worker: _Worker) -> None:
        assert worker.reader is not None
        try:
            while True:
                call_id, attempt = pickle.loads(await _read_frame(worker.reader))
                future = worker.in_flight.get(call_id)
                if future is not None and not future.done():
                    future.set_result(attempt)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # EOF, a reset, or a frame that does not unpickle: the worker is gone
            self._lose(worker, f"call worker {worker.pid} stopped (its connection ended: {type(exc).__name__})")

    def _lose(self, worker: _Worker, reason: str) -> None:
        if not worker.alive:
            return
        worker.alive = False
        logger.warning("%s; its %d call(s) in flight will be retried", reason, len(worker.in_flight))
        if self.size == 0:
            logger.warning("no call worker is left; the main process makes the remaining calls")
        for future in worker.in_flight.values():
            if not future.done():
                future.set_result(Attempt(failure="CallWorkerLost", message=reason, retryable=True))

    async def close(self) -> None:
        """Stop the workers and wait for them to exit."""
        for task in self._readers:
            task.cancel()
        for worker in self._workers:
            if worker.writer is not None:
                worker.writer.close()
            elif worker.sock is not None:
                worker.sock.close()
        for worker in self._workers:
            await asyncio.to_thread(worker.reap)

    def kill(self) -> None:
        """Stop the workers at once, without an event loop; does nothing for workers already reaped."""
        for worker in self._workers:
            if worker.reaped:
                continue
            try:
                os.kill(worker.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            worker.reap()


def _frame(value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(payload)) + payload


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    return await reader.readexactly(size)


def _serve_forever(sock: socket.socket) -> None:
    """Serve call requests in a forked worker until the main process closes the socket."""
    code = 0
    try:
        parent = os.getppid()
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the main process died before the line above
            os._exit(0)
        # Ctrl-C reaches the whole process group; the main process decides what happens.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        asyncio.run(_serve(sock))
    except BaseException as exc:  # noqa: BLE001 - a worker must never run the main process's code after fork
        logger.error("call worker %d stopped: %s: %s", os.getpid(), type(exc).__name__, exc)
        code = 1
    finally:
        os._exit(code)


async def _serve(sock: socket.socket) -> None:
    reader, writer = await asyncio.open_connection(sock=sock)
    pending: set[asyncio.Task[None]] = set()

    async def answer(call_id: int, request: AttemptRequest) -> None:
        try:
            attempt = await attempt_call(request)
        except Exception as exc:  # a harness bug in the worker becomes that call's failure
            logger.exception("call worker %d: call %d to %s failed", os.getpid(), call_id, request.model)
            attempt = Attempt(failure=f"CallWorkerError.{type(exc).__name__}", message=str(exc))
        try:
            writer.write(_frame((call_id, attempt)))
            await writer.drain()
        except (ConnectionError, OSError) as exc:
            logger.warning("call worker %d: could not return call %d, the main process is gone (%s)", os.getpid(), call_id, exc)

    while True:
        try:
            frame = await _read_frame(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            await close_http_client()
            return
        call_id, request = pickle.loads(frame)
        task = asyncio.create_task(answer(call_id, request))
        pending.add(task)
        task.add_done_callback(pending.discard)
