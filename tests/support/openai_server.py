"""An OpenAI-compatible chat completions server on 127.0.0.1 for tests.

Replies come from a function of the request, so a test can script exact answers
(for example the reference answer, or a wrong one). Faults can be injected per
request: an HTTP status with optional Retry-After, a dropped connection, malformed
JSON, an empty `choices` list, missing `usage` or a delay. Every request is logged.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


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
    """'reset', 'malformed', 'empty_choices', 'no_usage' or None."""
    delay_s: float = 0.0


@dataclass
class RequestLog:
    """One request the server received."""

    body: dict[str, Any]
    status: int
    at: float


@dataclass
class FakeOpenAIServer:
    """A threaded server; use as a context manager to start and stop it."""

    responder: Callable[[dict[str, Any]], ScriptedReply]
    model_name: str = "fake-model"
    requests: list[RequestLog] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_base(self) -> str:
        """Base URL ending in /v1."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def record(self, body: dict[str, Any], status: int) -> None:
        with self._lock:
            self.requests.append(RequestLog(body=body, status=status, at=time.time()))


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


def _make_handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
            return

        def do_GET(self) -> None:
            self._send(200, {"object": "list", "data": [{"id": server.model_name, "object": "model"}]})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            reply = server.responder(body)
            server.record(body, reply.status)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.fault == "reset":
                self.connection.shutdown(2)
                self.connection.close()
                return
            if reply.status != 200:
                headers = {"Retry-After": str(reply.retry_after)} if reply.retry_after is not None else {}
                self._send(reply.status, {"error": {"message": f"injected {reply.status}", "type": "server_error"}}, headers)
                return
            if reply.fault == "malformed":
                self._send_raw(200, b'{"id": "x", "choices": [')
                return
            self._send(200, _completion(server, reply))

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            self._send_raw(status, json.dumps(payload).encode(), headers)

        def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
