"""A server on 127.0.0.1 that replies to every POST with one recorded provider reply.

LiteLLM is pointed at it with `api_base`, so a recorded reply goes through the same provider
transformation as a live one. A list of chunks is sent as server-sent events.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPLIES = Path(__file__).parent / "replies"


def recorded(name: str) -> Any:
    """Load a recorded reply from tests/costs/replies/."""
    return json.loads((REPLIES / name).read_text(encoding="utf-8"))


class ReplayServer:
    """Reply to every POST with `body`. Use it as a context manager."""

    def __init__(self, body: Any) -> None:
        self.body = body
        self.paths: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT, without a path."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ReplayServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def _handler(replay: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            replay.paths.append(self.path)
            if isinstance(replay.body, list):
                events = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in replay.body) + "data: [DONE]\n\n"
                self._send(events.encode(), "text/event-stream")
            else:
                self._send(json.dumps(replay.body).encode(), "application/json")

        def _send(self, data: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
