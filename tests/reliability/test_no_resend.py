"""LiteLLM's own HTTP handler (`run.openai_sdk: false`) sends each attempt exactly once.

Without the harness's transport wrapper (harness/models/http_client.py), LiteLLM 1.83.14
resends a request once after a reset or a close without reply, and the server counts more
calls than the record's `attempts`.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from harness.config import parse_config
from harness.models.attempt import DIRECT_HTTP_ENV
from harness.models.http_client import (NoResendHTTPHandler, NoResendTransport, client_for, close_http_handler,
                                        lost_after_sending, reaches_openai_branch)
from harness.run import RunOptions, start_run
from tests.reliability.support import REPLY, config, expected, sent_key, write_suite
from tests.support.openai_server import ServerProcess

SAMPLES = 40
RETRIES = 3
RATES = {"reset": 0.3, "close": 0.3}


@pytest.fixture()
def tasks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_suite(tmp_path / "tasks", SAMPLES)
    monkeypatch.setenv("VERTICALBENCH_TASKS_DIR", str(root))
    # The run sets this process-wide variable; monkeypatch restores it for the tests that follow.
    monkeypatch.setenv(DIRECT_HTTP_ENV, "false")
    return root


@pytest.mark.parametrize(("provider", "openai_sdk", "call_workers"), [
    ("openai", False, 0),
    ("openai", False, 2),
    # hosted_vllm always goes through LiteLLM's own handler, whatever the value of run.openai_sdk.
    ("hosted_vllm", True, 0),
])
def test_own_handler_attempts_match_server(tasks_dir: Path, tmp_path: Path, provider: str, openai_sdk: bool,
                                           call_workers: int) -> None:
    with ServerProcess(tmp_path / "requests.jsonl", rates=RATES, seed=11, reply=REPLY) as server:
        raw = config(server.api_base, concurrency=8, retries=RETRIES, timeout_s=10.0)
        raw["run"].update({"openai_sdk": openai_sdk, "call_workers": call_workers})
        raw["models"][0]["model"] = f"{provider}/spec"
        outcome = start_run(parse_config(raw), RunOptions(cache="off"), tmp_path / "results")
    injector, requests = server.injector, server.requests()

    samples = list(outcome.run_dir.iter_samples())
    assert len(samples) == SAMPLES
    calls = Counter(log.key for log in requests)
    faults = Counter(log.fault for log in requests)
    assert faults["reset"] > 0, faults
    assert faults["close"] > 0, faults
    assert sum(sample.attempts for sample in samples) > SAMPLES, "no sample was retried; the faults did not fire"
    for sample in samples:
        key = sent_key(sample.model_id, sample.messages)
        assert calls[key] == sample.attempts, f"{sample.item_id}: the server saw {calls[key]} calls, the record says {sample.attempts}"
        outcome_expected, attempts, error_type = expected(injector, key, RETRIES, int(sample.item_id[1:]))
        assert (sample.outcome, sample.attempts) == (outcome_expected, attempts), (sample.item_id, sample.details, sample.error)
        assert (sample.error.type if sample.error else None) == error_type, sample.item_id
    assert sum(calls.values()) == sum(sample.attempts for sample in samples)
    lines = [line for sample in samples for line in sample.details.get("retries", [])]
    assert any("(Server disconnected)" in line for line in lines), lines[:5]
    assert any("(the connection ended after the request was sent" in line for line in lines), lines[:5]


class _FailingTransport(httpx.AsyncBaseTransport):
    """A transport that raises a given error, or replies with a body whose read raises it."""

    def __init__(self, error: Exception, in_body: bool = False) -> None:
        self.error = error
        self.in_body = in_body
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.in_body:
            raise self.error
        error = self.error

        class _Body(httpx.AsyncByteStream):
            async def __aiter__(self) -> Any:
                yield b'{"id": '
                raise error

        return httpx.Response(200, stream=_Body(), request=request)

    async def aclose(self) -> None:
        self.closed = True


def _mapped(httpx_error: type[httpx.TransportError], cause: BaseException) -> httpx.TransportError:
    """Return `httpx_error` raised from `cause`, as LiteLLM's aiohttp transport maps aiohttp errors."""
    try:
        raise httpx_error(str(cause)) from cause
    except httpx.TransportError as exc:
        return exc


def _send(transport: httpx.AsyncBaseTransport, url: str = "http://127.0.0.1:9/v1/chat/completions") -> BaseException:
    """Post through `transport` and return the error it raised."""

    async def send() -> BaseException:
        async with httpx.AsyncClient(transport=transport) as client:
            try:
                await client.post(url, content=b"{}")
            except httpx.TransportError as exc:
                return exc
        raise AssertionError("the request did not fail")

    return asyncio.run(send())


def test_transport_reraises_remote_protocol_error() -> None:
    original = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    raised = _send(NoResendTransport(_FailingTransport(original)))
    assert type(raised) is httpx.ReadError
    assert raised.__cause__ is original


def test_transport_reraises_error_in_body() -> None:
    original = httpx.RemoteProtocolError("peer closed connection without sending complete message body")
    raised = _send(NoResendTransport(_FailingTransport(original, in_body=True)))
    assert type(raised) is httpx.ReadError
    assert raised.__cause__ is original


def test_transport_reraises_aiohttp_reset() -> None:
    reset = _mapped(httpx.ConnectError, aiohttp.ClientOSError(104, "Connection reset by peer"))
    raised = _send(NoResendTransport(_FailingTransport(reset)))
    assert type(raised) is httpx.ReadError
    assert raised.__cause__ is reset


def test_transport_keeps_connect_failure() -> None:
    from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler

    with socket.socket() as probe:  # a port on 127.0.0.1 that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = AsyncHTTPHandler._create_async_transport()
    assert transport is not None
    refused = _send(NoResendTransport(transport), f"http://127.0.0.1:{port}/v1/chat/completions")
    assert type(refused) is httpx.ConnectError
    assert isinstance(refused.__cause__, aiohttp.ClientConnectorError)
    plain = httpx.ConnectError("[Errno 111] Connection refused")
    assert _send(NoResendTransport(_FailingTransport(plain))) is plain


def test_transport_keeps_other_errors() -> None:
    timeout = httpx.ReadTimeout("timed out")
    assert _send(NoResendTransport(_FailingTransport(timeout))) is timeout


def test_transport_closes_inner_transport() -> None:
    inner = _FailingTransport(httpx.ReadError("x"))
    asyncio.run(NoResendTransport(inner).aclose())
    assert inner.closed


def test_handler_client_keeps_litellm_settings() -> None:
    from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler

    async def clients() -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
        ours, theirs = NoResendHTTPHandler(), AsyncHTTPHandler()
        try:
            return ours.client, theirs.client
        finally:
            await ours.close()
            await theirs.close()

    ours, theirs = asyncio.run(clients())
    assert isinstance(ours._transport, NoResendTransport)
    assert type(ours._transport.transport) is type(theirs._transport)
    assert ours.headers == theirs.headers
    assert ours.timeout == theirs.timeout
    assert ours.follow_redirects is theirs.follow_redirects is True


@pytest.mark.parametrize(("model", "provider", "reaches"), [
    ("spec", "openai", True),
    ("meta-llama/Llama-3-8b", "together_ai", True),
    ("llama3", "deepinfra", True),
    ("gpt-4o", "mistral", True),  # an OpenAI model name takes the OpenAI-type branch first
    ("ft:babbage-002:org", "openai", False),
    ("gpt-4o", "azure", False),
    ("llama3", "groq", False),
    ("qwen", "hosted_vllm", False),
    ("mistral-large", "mistral", False),
    ("claude-sonnet-4-5", "anthropic", False),
])
def test_openai_branch_providers(model: str, provider: str, reaches: bool) -> None:
    assert reaches_openai_branch(model, provider) is reaches


def test_client_only_on_own_handler_path(monkeypatch: pytest.MonkeyPatch) -> None:
    async def client(model: str) -> object:
        handler = client_for(model, "http://127.0.0.1:9/v1")
        await close_http_handler()
        return handler

    monkeypatch.setenv(DIRECT_HTTP_ENV, "false")
    assert asyncio.run(client("openai/spec")) is None
    for always_own in ("hosted_vllm/spec", "ollama_chat/llama3", "groq/llama3", "openrouter/some/model"):
        assert isinstance(asyncio.run(client(always_own)), NoResendHTTPHandler), always_own
    monkeypatch.setenv(DIRECT_HTTP_ENV, "true")
    assert isinstance(asyncio.run(client("openai/spec")), NoResendHTTPHandler)
    assert asyncio.run(client("azure/spec")) is None
    assert asyncio.run(client("anthropic/claude-sonnet-4-5")) is None
