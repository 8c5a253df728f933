"""An OpenAI-compatible chat completions server on 127.0.0.1 that scripts replies and injects faults.

The server runs on asyncio, in a thread of the test process (`FakeOpenAIServer` as a context
manager) or in a process of its own (`python -m tests.support.openai_server`). A responder
decides each reply. `FaultInjector` is a responder that injects HTTP errors, connection
resets, hangs, trickled bodies, malformed JSON, an empty `choices` list and a missing `usage`
at configured rates. The choice is a hash of (seed, request key, attempt), so the same
request gets the same fault whatever the order of arrival, and a test can work out each
sample's expected outcome. Every request is logged with its key, attempt and fault.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

FAULTS = ("429", "500", "503", "reset", "close", "timeout", "trickle", "malformed", "empty_choices", "no_usage")
"""Fault names accepted by `FaultInjector` rates and `ScriptedReply.fault`."""


@dataclass
class ScriptedReply:
    """What the server returns for one request."""

    content: str | None = "ok"
    finish_reason: str = "stop"
    prompt_tokens: int = 10
    completion_tokens: int = 5
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    status: int = 200
    retry_after: float | None = None
    fault: str | None = None
    """'reset', 'close', 'timeout', 'trickle', 'malformed', 'empty_choices', 'no_usage' or None."""
    delay_s: float = 0.0
    """Seconds to wait before the reply is sent (the server's latency)."""
    error_message: str | None = None
    """Message of an error reply; defaults to 'injected <status>'."""


@dataclass
class RequestLog:
    """One request the server received."""

    body: dict[str, Any]
    status: int
    at: float
    """Wall-clock time the request arrived (time.time())."""
    key: str = ""
    """Identity of the request: model and messages, hashed (see `request_key`)."""
    attempt: int = 1
    """1 for the first request with this key, 2 for its first retry, and so on."""
    fault: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    finished_at: float | None = None
    """Wall-clock time the reply was sent (None for a reset or an abandoned hang)."""

    @property
    def retry(self) -> bool:
        """True when an earlier request had the same key."""
        return self.attempt > 1


def request_key(body: dict[str, Any]) -> str:
    """Return the identity of a request: a hash of its model and messages."""
    text = json.dumps([body.get("model"), body.get("messages")], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class FaultInjector:
    """A responder that returns `content(body)` or a fault drawn at the configured rates.

    Args:
        rates: probability of each fault per request, e.g. {"429": 0.05, "reset": 0.02};
            the sum must not exceed 1.
        content: the reply text for a request body.
        seed: changes which requests get which fault.
        retry_after: seconds sent in the Retry-After header of a 429.
        hang_s: how long a 'timeout' fault waits before closing without a reply; set it
            above the client's timeout.
        latency_s: delay before every reply.
    """

    def __init__(self, rates: dict[str, float], content: Callable[[dict[str, Any]], str], seed: int = 0,
                 retry_after: float = 0.05, hang_s: float = 5.0, latency_s: float = 0.0) -> None:
        unknown = set(rates) - set(FAULTS)
        if unknown or sum(rates.values()) > 1:
            raise ValueError(f"rates must use {FAULTS} and sum to at most 1, got {rates}")
        self.rates = dict(rates)
        self.content = content
        self.seed = seed
        self.retry_after = retry_after
        self.hang_s = hang_s
        self.latency_s = latency_s

    def fault_for(self, key: str, attempt: int) -> str | None:
        """Return the fault for this request key and attempt, or None for a normal reply."""
        digest = hashlib.sha256(f"{self.seed}|{key}|{attempt}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        total = 0.0
        for name in FAULTS:
            total += self.rates.get(name, 0.0)
            if draw < total:
                return name
        return None

    def __call__(self, body: dict[str, Any], key: str, attempt: int) -> ScriptedReply:
        fault = self.fault_for(key, attempt)
        reply = ScriptedReply(content=self.content(body), delay_s=self.latency_s)
        if fault in ("429", "500", "503"):
            reply.status = int(fault)
            reply.retry_after = self.retry_after if fault == "429" else None
        elif fault == "timeout":
            reply.fault, reply.delay_s = "timeout", self.hang_s
        else:
            reply.fault = fault
        return reply


Responder = Callable[..., ScriptedReply]
"""Called with the request body, or with (body, key, attempt) when it has a `fault_for` method."""


@dataclass
class FakeOpenAIServer:
    """The server; use as a context manager to start it in a background thread and stop it."""

    responder: Responder
    model_name: str = "fake-model"
    requests: list[RequestLog] = field(default_factory=list)
    port: int = 0
    log_path: str | None = None
    """Also append each request as a JSON line to this file when it arrives (for a server in its own process)."""
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.AbstractServer | None = None
    _thread: threading.Thread | None = None
    _seen: dict[str, int] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def api_base(self) -> str:
        """Base URL ending in /v1."""
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run_loop, args=(ready,), daemon=True, name="fake-openai-server")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake OpenAI server did not start within 10 s")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._thread is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def retries(self) -> list[RequestLog]:
        """Return the logged requests that repeat an earlier request's key."""
        return [log for log in self.requests if log.retry]

    def _run_loop(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self.start())
        ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self.stop())
            self._loop.close()

    async def start(self) -> None:
        """Listen on 127.0.0.1 (port 0 picks a free port, stored in `port`)."""
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and end every open connection."""
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one HTTP/1.1 request; return False when the connection is to be closed."""
        request_line = await reader.readline()
        if not request_line:
            return False
        method, path, _ = request_line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
        if method == "GET":
            await _send(writer, 200, {"object": "list", "data": [{"id": self.model_name, "object": "model"}]})
            return True
        if not path.rstrip("/").endswith("/chat/completions"):
            await _send(writer, 404, {"error": {"message": f"no route {path}", "type": "not_found"}})
            return True
        body = json.loads(raw or b"{}")
        return await self._reply(writer, body, headers)

    async def _reply(self, writer: asyncio.StreamWriter, body: dict[str, Any], headers: dict[str, str]) -> bool:
        key = request_key(body)
        attempt = self._seen[key] = self._seen.get(key, 0) + 1
        reply = self.responder(body, key, attempt) if hasattr(self.responder, "fault_for") else self.responder(body)
        log = RequestLog(body=body, status=reply.status, at=time.time(), key=key, attempt=attempt,
                         fault=reply.fault or (str(reply.status) if reply.status != 200 else None), headers=headers)
        self.requests.append(log)
        self._append_log_file(log)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        keep_open = await self._write_reply(writer, reply)
        if keep_open:
            log.finished_at = time.time()
        return keep_open

    async def _write_reply(self, writer: asyncio.StreamWriter, reply: ScriptedReply) -> bool:
        if reply.fault in ("reset", "timeout"):
            _reset(writer)
            return False
        if reply.fault == "close":  # an orderly close (FIN) with no reply at all
            writer.close()
            return False
        if reply.status != 200:
            extra = {"Retry-After": f"{reply.retry_after:g}"} if reply.retry_after is not None else {}
            message = reply.error_message or f"injected {reply.status}"
            await _send(writer, reply.status, {"error": {"message": message, "type": "server_error"}}, extra)
            return True
        if reply.fault == "malformed":
            await _send_raw(writer, 200, b'{"id": "chatcmpl-x", "choices": [{"index": 0, "mess')
            return True
        data = json.dumps(_completion(self, reply)).encode()
        if reply.fault == "trickle":
            await _trickle(writer, data)
            return True
        await _send_raw(writer, 200, data)
        return True

    def _append_log_file(self, log: RequestLog) -> None:
        if self.log_path is None:
            return
        entry = {"at": log.at, "status": log.status, "key": log.key,
                 "attempt": log.attempt, "fault": log.fault, "model": log.body.get("model")}
        with open(self.log_path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\n")


def _completion(server: FakeOpenAIServer, reply: ScriptedReply) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"chatcmpl-{len(server.requests)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": server.model_name,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.content}, "finish_reason": reply.finish_reason}],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": reply.cached_tokens},
            "completion_tokens_details": {"reasoning_tokens": reply.reasoning_tokens},
        },
    }
    if reply.fault == "empty_choices":
        body["choices"] = []
    if reply.fault == "no_usage":
        del body["usage"]
    return body


def _head(status: int, length: int, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}", "Content-Type: application/json",
             f"Content-Length: {length}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _send(writer: asyncio.StreamWriter, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    await _send_raw(writer, status, json.dumps(payload).encode(), headers)


async def _send_raw(writer: asyncio.StreamWriter, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
    writer.write(_head(status, len(data), headers) + data)
    await writer.drain()


async def _trickle(writer: asyncio.StreamWriter, data: bytes, pieces: int = 8, pause_s: float = 0.01) -> None:
    """Send the head at once, then the body in small pieces with pauses between them."""
    writer.write(_head(200, len(data)))
    step = max(1, len(data) // pieces)
    for start in range(0, len(data), step):
        writer.write(data[start:start + step])
        await writer.drain()
        await asyncio.sleep(pause_s)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close the connection with a TCP reset (SO_LINGER 0) instead of an orderly close."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class ServerProcess:
    """The server in a process of its own, so its work does not compete with the client's for the GIL.

    Use as a context manager; `requests()` reads the request log written so far.
    """

    def __init__(self, log_path: Path, *, rates: dict[str, float] | None = None, seed: int = 0, retry_after: float = 0.05,
                 hang_s: float = 5.0, latency_s: float = 0.0, reply: str = "Answer: Yes") -> None:
        self.log_path = log_path
        self.injector = FaultInjector(rates or {}, lambda body: reply, seed=seed, retry_after=retry_after, hang_s=hang_s)
        self._argv = [sys.executable, "-m", "tests.support.openai_server", "--log", str(log_path), "--seed", str(seed),
                      "--retry-after", str(retry_after), "--hang", str(hang_s), "--latency", str(latency_s), "--reply", reply]
        self._argv += [f"--fault={name}={rate}" for name, rate in (rates or {}).items()]
        self._process: subprocess.Popen[str] | None = None
        self.api_base = ""

    def __enter__(self) -> ServerProcess:
        root = Path(__file__).resolve().parents[2]
        self._process = subprocess.Popen(self._argv, cwd=root, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        self.api_base = self._process.stdout.readline().strip()
        if not self.api_base.startswith("http://127.0.0.1:"):
            self._process.kill()
            raise RuntimeError(f"the fake OpenAI server process did not start: {self.api_base!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._process is not None
        self._process.terminate()
        self._process.wait(10)

    def requests(self) -> list[RequestLog]:
        """Return the requests logged so far (bodies are not logged, only their keys)."""
        if not self.log_path.exists():
            return []
        logs = []
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            logs.append(RequestLog(body={"model": entry["model"]}, status=entry["status"], at=entry["at"], key=entry["key"],
                                   attempt=entry["attempt"], fault=entry["fault"]))
        return logs


def main(argv: list[str] | None = None) -> None:
    """Serve fixed replies with a fixed latency and optional faults until stopped (for benchmarks)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each reply")
    parser.add_argument("--reply", default="Answer: Yes", help="reply text")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME=RATE", help=f"inject a fault at a rate, e.g. 429=0.05; names: {', '.join(FAULTS)}")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault schedule")
    parser.add_argument("--retry-after", type=float, default=0.05, help="Retry-After seconds of a 429")
    parser.add_argument("--hang", type=float, default=5.0, help="seconds a 'timeout' fault waits before it resets")
    parser.add_argument("--log", help="append one JSON line per request to this file")
    args = parser.parse_args(argv)
    rates: dict[str, float] = {}
    for item in args.fault:
        name, _, rate = item.partition("=")
        try:
            rates[name] = float(rate)
        except ValueError:
            parser.error(f"--fault {item!r} is invalid; use NAME=RATE with a rate from 0 to 1, e.g. 429=0.05")
    unknown = sorted(set(rates) - set(FAULTS))
    if unknown:
        parser.error(f"unknown --fault name(s) {', '.join(unknown)}; use {', '.join(FAULTS)}")
    if sum(rates.values()) > 1:
        parser.error(f"--fault rates sum to {sum(rates.values()):g}; lower them to 1 or less in total")
    injector = FaultInjector(rates, lambda body: args.reply, seed=args.seed, retry_after=args.retry_after,
                             hang_s=args.hang, latency_s=args.latency)
    server = FakeOpenAIServer(injector, port=args.port, log_path=args.log)

    async def serve() -> None:
        await server.start()
        # The first line of output is the base URL, which a parent process waits for.
        print(server.api_base, flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
