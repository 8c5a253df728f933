"""One attempt at a model call through LiteLLM, reduced to a plain, picklable outcome.

An attempt is a single `litellm.acompletion` call with every hidden resend turned off. Its
outcome records whether a reply came back. For a failure it also records how to handle
it: whether to retry, whether it was a rate limit, and the wait the provider requested. Because the
outcome holds only plain values, the attempt can run in this process or in a call worker
process (`harness.models.call_pool`) and be handled the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import logging
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from harness.models.usage import usage_from_response
from harness.store.records import Usage

logger = logging.getLogger(__name__)

DIRECT_HTTP_ENV = "EXPERIMENTAL_OPENAI_BASE_LLM_HTTP_HANDLER"
"""LiteLLM 1.83 reads this variable on every OpenAI-type call (litellm/main.py, `completion`)."""


@dataclass(frozen=True)
class AttemptRequest:
    """Everything one call sends, as plain values."""

    model: str
    """LiteLLM model string."""
    messages: list[dict[str, Any]]
    params: dict[str, Any]
    api_base: str | None
    api_key: str | None
    timeout_s: float

    def __repr__(self) -> str:  # the key must never reach a log line or a traceback
        return f"AttemptRequest(model={self.model!r}, api_base={self.api_base!r}, messages={len(self.messages)})"


@dataclass(frozen=True)
class Attempt:
    """The outcome of one call: a reply, or a failure with how to handle it."""

    reply: str | None = None
    finish_reason: str | None = None
    usage: Usage | None = None
    """None when the call failed."""
    response_model: str | None = None
    empty_choices: bool = False
    """True when the provider's reply had an empty `choices` list."""
    failure: str | None = None
    """Exception class name of a failed call; None when a reply came back."""
    message: str = ""
    """The failure's text, not yet redacted."""
    retryable: bool = False
    rate_limited: bool = False
    retry_after: float | None = None
    """Seconds the provider asked to wait, from Retry-After or retry-after-ms."""

    @property
    def ok(self) -> bool:
        """True when the provider replied (possibly with no choices)."""
        return self.failure is None


def litellm_module():  # type: ignore[no-untyped-def]
    """Import LiteLLM on first use (it takes seconds) and silence its console banners."""
    import litellm

    litellm.suppress_debug_info = True
    # On the OpenAI SDK path with max_retries=0 neither transport resends a request after a
    # reset or a close without reply (measured with LiteLLM 1.83.14; tests/reliability checks
    # the call counts). aiohttp, LiteLLM's default, costs about three fifths of httpx's CPU per
    # call at concurrency 64 and a fifth at 256 (docs/benchmarks.md). LiteLLM's own HTTP
    # handler would resend with either transport, so `attempt_call` passes it a client that
    # does not (harness.models.http_client).
    litellm.disable_aiohttp_transport = False
    return litellm


def configure_litellm(openai_sdk: bool) -> None:
    """Apply the run's LiteLLM switch: `openai_sdk=False` routes OpenAI-type calls past the OpenAI SDK."""
    os.environ[DIRECT_HTTP_ENV] = "false" if openai_sdk else "true"


@functools.cache
def retryable_errors() -> tuple[type[BaseException], ...]:
    """Return the exception classes worth another attempt (built once: every attempt checks them)."""
    litellm = litellm_module()
    return (
        litellm.RateLimitError,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
        litellm.BadGatewayError,
        litellm.Timeout,
        litellm.APIConnectionError,
        # LiteLLM's generic error for an unmapped failure, e.g. a reply body that is not JSON
        # on its own HTTP handler; the mapped 4xx errors are other classes.
        litellm.APIError,
        asyncio.TimeoutError,
    )


async def attempt_call(request: AttemptRequest) -> Attempt:
    """Make one call and return its outcome; a provider failure is returned as the outcome, not raised."""
    litellm = litellm_module()
    from harness.models.http_client import client_for  # imports LiteLLM

    # LiteLLM's own HTTP handler resends a request once after a lost connection; this client does not.
    client = client_for(request.model, request.api_base)
    try:
        response = await litellm.acompletion(
            model=request.model,
            messages=request.messages,
            api_base=request.api_base,
            api_key=request.api_key,
            timeout=request.timeout_s,
            num_retries=0,
            # LiteLLM's OpenAI path lets the SDK retry twice on its own by default. Those hidden
            # calls would be billed but never logged, so the harness makes every retry itself.
            max_retries=0,
            **({"client": client} if client is not None else {}),
            **request.params,
        )
    except retryable_errors() as exc:
        return Attempt(failure=type(exc).__name__, message=str(exc), retryable=True,
                       rate_limited=isinstance(exc, litellm.RateLimitError), retry_after=retry_after(exc))
    except Exception as exc:  # any other provider failure is the sample's outcome, not a crash
        return Attempt(failure=type(exc).__name__, message=str(exc))
    return from_response(response)


async def close_http_client() -> None:
    """Close the HTTP handler that `attempt_call` created for the running event loop, if any."""
    # The first `attempt_call` in this process loads the module. Importing it here would load
    # LiteLLM, which takes seconds, only to find nothing to close.
    http_client = sys.modules.get("harness.models.http_client")
    if http_client is not None:
        await http_client.close_http_handler()


def from_response(response: Any) -> Attempt:
    """Reduce a LiteLLM response to the fields a sample keeps."""
    choices = getattr(response, "choices", None) or []
    if not choices:
        return Attempt(empty_choices=True, usage=Usage(reported=False), response_model=getattr(response, "model", None))
    choice = choices[0]
    message = getattr(choice, "message", None)
    return Attempt(
        reply=getattr(message, "content", None),
        finish_reason=getattr(choice, "finish_reason", None),
        usage=usage_from_response(response),
        response_model=getattr(response, "model", None),
    )


def retry_after(exc: BaseException) -> float | None:
    """Return the wait a rate-limited reply asked for, in seconds, or None.

    LiteLLM 1.83 keeps the provider's headers in `litellm_response_headers`; the exception's
    `response` is often a stand-in without them. Reads `retry-after-ms`, then `retry-after`
    as seconds or as an HTTP date.
    """
    for headers in (getattr(exc, "litellm_response_headers", None), getattr(getattr(exc, "response", None), "headers", None)):
        if not headers:
            continue
        value = headers.get("retry-after-ms")
        if value is not None:
            with contextlib.suppress(ValueError):
                return max(0.0, float(value) / 1000)
        value = headers.get("retry-after")
        if value is not None:
            return parse_retry_after(value)
    return None


def parse_retry_after(value: str) -> float | None:
    """Read a Retry-After value given in seconds or as an HTTP date; None when it is neither."""
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are in GMT
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
