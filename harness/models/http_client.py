"""LiteLLM's own HTTP handler with its hidden resend turned off.

With `run.openai_sdk: false` (the default), LiteLLM 1.83.14 sends OpenAI-type requests
through its own `AsyncHTTPHandler` (litellm/llms/custom_httpx/http_handler.py), and it
always does so for providers such as `hosted_vllm` and `ollama_chat`. Its `post` catches
`httpx.RemoteProtocolError` and `httpx.ConnectError` and sends the request once more on a
new client. Both can mean that the connection ended after the request went out, so the
provider may bill that resend, and no sample's `attempts` would count it.

`http_handler` returns an `AsyncHTTPHandler` whose transports raise `httpx.ReadError`
instead whenever the request may have reached the server. `post` raises a ReadError
without a resend, LiteLLM reports it as a server error, and the harness retries it as one
counted attempt. A `ConnectError` from a connection that was never opened stays as it is,
so LiteLLM still resends it once, because nothing was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import AsyncIterator, Iterator

import aiohttp
import httpx
import litellm
from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler
from litellm.llms.openai_like.json_loader import JSONProviderRegistry
from litellm.secret_managers.main import get_secret_bool

from harness.models.attempt import DIRECT_HTTP_ENV

logger = logging.getLogger(__name__)

_handlers: dict[asyncio.AbstractEventLoop, AsyncHTTPHandler] = {}
"""One handler per event loop, because an aiohttp session serves only the loop it was made in.
Each call worker process runs its own loop (harness.models.call_pool)."""


def lost_after_sending(exc: httpx.TransportError) -> bool:
    """Return True when `exc` means the connection ended after the request may have reached the server.

    httpx raises RemoteProtocolError when the server closes or resets the connection before
    it replies. LiteLLM's aiohttp transport maps any `aiohttp.ClientOSError`, such as a reset
    while waiting for the reply, to ConnectError. Only its subclass `ClientConnectorError`
    means that the connection was never opened.
    """
    if isinstance(exc, httpx.RemoteProtocolError):
        return True
    if isinstance(exc, httpx.ConnectError):
        cause = exc.__cause__
        return isinstance(cause, aiohttp.ClientOSError) and not isinstance(cause, aiohttp.ClientConnectorError)
    return False


@contextlib.contextmanager
def _no_resend(request: httpx.Request) -> Iterator[None]:
    """Re-raise a connection lost after sending as `httpx.ReadError`, which `AsyncHTTPHandler.post` does not resend."""
    try:
        yield
    except (httpx.RemoteProtocolError, httpx.ConnectError) as exc:
        if not lost_after_sending(exc):
            raise
        logger.debug("connection to %s lost after sending (%s: %s); raised as ReadError", request.url.host,
                     type(exc).__name__, exc)
        raise httpx.ReadError(f"the connection ended after the request was sent ({type(exc).__name__}: {exc})",
                              request=request) from exc


class _NoResendStream(httpx.AsyncByteStream):
    """A response body whose read errors are re-raised like the transport's own (see `_no_resend`)."""

    def __init__(self, stream: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _no_resend(self._request):
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        with _no_resend(self._request):
            await self._stream.aclose()


class NoResendTransport(httpx.AsyncBaseTransport):
    """A transport around another that turns a connection lost after sending into `httpx.ReadError`."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self.transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with _no_resend(request):
            response = await self.transport.handle_async_request(request)
        if not isinstance(response.stream, httpx.AsyncByteStream):
            return response
        # httpx reads the body after this method returns, so a connection lost mid-body
        # surfaces while the stream is read.
        return httpx.Response(status_code=response.status_code, headers=response.headers,
                              stream=_NoResendStream(response.stream, request), extensions=response.extensions,
                              request=request)

    async def aclose(self) -> None:
        await self.transport.aclose()


class NoResendHTTPHandler(AsyncHTTPHandler):
    """LiteLLM's `AsyncHTTPHandler` with every transport of its httpx clients wrapped in `NoResendTransport`.

    The client is the one `AsyncHTTPHandler.create_client` builds, so LiteLLM's default headers,
    timeout, redirects, TLS settings and aiohttp transport stay as they are. `post` also calls
    `create_client` for its resend after a ConnectError, so that client is wrapped too.
    """

    def create_client(self, timeout: float | httpx.Timeout | None, event_hooks: object,
                      ssl_verify: object = None, shared_session: object = None) -> httpx.AsyncClient:
        client = super().create_client(timeout=timeout, event_hooks=event_hooks,  # type: ignore[arg-type]
                                       ssl_verify=ssl_verify, shared_session=shared_session)  # type: ignore[arg-type]
        wrap_transports(client)
        return client


def wrap_transports(client: httpx.AsyncClient) -> None:
    """Wrap the client's transport, and those httpx mounts for proxies from the environment, in `NoResendTransport`.

    httpx 0.28 keeps them in the private `_transport` and `_mounts` attributes and offers no
    public way to replace them after the client is built.

    Raises:
        RuntimeError: this httpx version keeps its transports elsewhere; resends could not be turned off.
    """
    if not isinstance(getattr(client, "_transport", None), httpx.AsyncBaseTransport) or not isinstance(
            getattr(client, "_mounts", None), dict):
        raise RuntimeError(f"httpx {httpx.__version__} keeps no _transport or _mounts on AsyncClient; "
                           "LiteLLM's resend after a lost connection cannot be turned off. Set run.openai_sdk: true.")
    client._transport = NoResendTransport(client._transport)
    client._mounts = {pattern: None if transport is None else NoResendTransport(transport)
                      for pattern, transport in client._mounts.items()}


def http_handler() -> AsyncHTTPHandler:
    """Return the running event loop's `NoResendHTTPHandler`, creating it on first use.

    Call `close_http_handler` before the loop ends. A handler whose loop ended without that is
    dropped here, unclosed, when the next handler is created.
    """
    loop = asyncio.get_running_loop()
    handler = _handlers.get(loop)
    if handler is None:
        for ended in [other for other in _handlers if other.is_closed()]:
            logger.debug("dropping the HTTP handler of an event loop that ended without closing it")
            del _handlers[ended]
        handler = _handlers[loop] = NoResendHTTPHandler()
    return handler


async def close_http_handler() -> None:
    """Close the running event loop's handler and its connections, if one was created."""
    handler = _handlers.pop(asyncio.get_running_loop(), None)
    if handler is not None:
        await handler.close()


# The branches of `completion` in litellm/main.py (LiteLLM 1.83.14) that come before the
# OpenAI-type branch, which reads EXPERIMENTAL_OPENAI_BASE_LLM_HTTP_HANDLER (lines 1666 to
# 2571). A provider listed here never reaches that branch.
_EARLIER_BRANCH_PROVIDERS = frozenset({
    "azure", "azure_text", "deepseek", "azure_ai", "text-completion-openai", "fireworks_ai", "heroku", "ragflow",
    "xai", "groq", "bedrock_mantle", "a2a", "gigachat", "sap", "aiohttp_openai", "cometapi", "minimax", "hosted_vllm",
})
# Providers that the OpenAI-type branch names one by one (litellm/main.py, lines 2572 to 2593).
_NAMED_BRANCH_PROVIDERS = frozenset({
    "custom_openai", "deepinfra", "perplexity", "nvidia_nim", "cerebras", "baseten", "sambanova", "volcengine",
    "anyscale", "openai", "together_ai", "nebius", "wandb", "clarifai",
})


# Providers whose branch of `completion` always sends a chat call through LiteLLM's own
# handler with the caller's `client`. The branches are in litellm/main.py of LiteLLM 1.83.14:
# deepseek 1866, fireworks_ai 2124, xai 2215, groq 2246, minimax 2513, hosted_vllm 2545,
# mistral 2718, huggingface 3111, databricks 3206, openrouter 3280, ollama 3978,
# ollama_chat 4007, lemonade 4206. They get the client whatever the value of `run.openai_sdk`.
# NOTE: other providers keep LiteLLM's resend after a lost connection. Examples are anthropic,
# whose branch uses its own handler class, and every SDK-based provider (azure, bedrock).
_OWN_HANDLER_PROVIDERS = frozenset({
    "deepseek", "fireworks_ai", "xai", "groq", "minimax", "hosted_vllm", "mistral", "huggingface", "databricks",
    "openrouter", "ollama", "ollama_chat", "lemonade",
})


def reaches_openai_branch(model: str, provider: str) -> bool:
    """Return True when LiteLLM 1.83.14's `completion` sends a chat call for `model` through its OpenAI-type branch.

    `model` and `provider` are what `litellm.get_llm_provider` returns for the model string.
    The conditions follow the `if`/`elif` chain of `completion` in litellm/main.py. The
    text-completion branch before it also takes every provider of
    `openai_text_completion_compatible_providers` when `text_completion=True`, which the
    harness never passes. A model that LiteLLM bridges to the Responses API leaves
    `completion` before that chain, whatever this function returns.
    """
    if provider in _EARLIER_BRANCH_PROVIDERS or "ft:babbage-002" in model or "ft:davinci-002" in model:
        return False
    return (model in litellm.open_ai_chat_completion_models
            or provider in _NAMED_BRANCH_PROVIDERS
            or provider in litellm.openai_compatible_providers
            or JSONProviderRegistry.exists(provider)
            or "ft:gpt-3.5-turbo" in model)


@functools.lru_cache(maxsize=256)
def handler_route(model: str, api_base: str | None) -> str:
    """Return how LiteLLM sends a chat call to the model string `model` at `api_base`.

    "openai" means the call reaches the OpenAI-type branch, whose path depends on
    DIRECT_HTTP_ENV. "own" means its provider's branch always uses LiteLLM's own handler, and
    "other" covers every other case. Cached, because LiteLLM resolves the provider the same way for every
    call with this model string and endpoint. A model string LiteLLM cannot resolve is
    "other", and the call then fails in LiteLLM with its usual error.
    """
    try:
        name, provider, _, _ = litellm.get_llm_provider(model=model, api_base=api_base)
    except Exception as exc:  # LiteLLM raises BadRequestError, or ValueError for some malformed strings
        logger.debug("LiteLLM resolves no provider for %s: %s", model, exc)
        return "other"
    if reaches_openai_branch(name, provider):
        return "openai"
    return "own" if provider in _OWN_HANDLER_PROVIDERS else "other"


def client_for(model: str, api_base: str | None) -> AsyncHTTPHandler | None:
    """Return the handler to pass as `litellm.acompletion(client=...)`, or None to pass no client.

    A call gets one when LiteLLM sends it through its own HTTP handler: a provider whose
    branch always does, or the OpenAI-type branch when LiteLLM reads DIRECT_HTTP_ENV as true
    (the same way `completion` does). The OpenAI SDK path and SDK-based providers such as
    azure expect an SDK client instead. A model that LiteLLM bridges to the Responses API gets
    the handler as well, which `async_response_api_handler` in
    litellm/llms/custom_httpx/llm_http_handler.py accepts.
    """
    route = handler_route(model, api_base)
    if route == "own" or (route == "openai" and get_secret_bool(DIRECT_HTTP_ENV)):
        return http_handler()
    return None
