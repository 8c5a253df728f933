"""Model calls through LiteLLM's async API, with bounded, classified retries.

Rate limits, server errors, timeouts and dropped connections are retried with
exponential back-off (honouring Retry-After); every other failure is recorded as an
`error` outcome at once. A call never raises: it returns a `CallResult`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator

from harness.config import ModelConfig, RunSettings
from harness.errors import ConfigError
from harness.models.attempt import Attempt, AttemptRequest, attempt_call, litellm_module
from harness.models.limiter import AdaptiveLimiter, Slot
from harness.models.secrets import redact
from harness.models.system_fold import fold_system_message, rejects_system_message
from harness.store.records import ErrorInfo, Usage

if TYPE_CHECKING:
    from harness.models.call_pool import CallPool

logger = logging.getLogger(__name__)

REASON_CHARS = 80
"""Maximum length of the reason in a retry line of `details.retries`."""
MAX_BACKOFF_S = 60.0


@dataclass
class CallResult:
    """What one sample's call produced, after any retries."""

    reply: str | None = None
    finish_reason: str | None = None
    usage: Usage = field(default_factory=lambda: Usage(reported=False))
    latency_s: float | None = None
    attempts: int = 0
    error: ErrorInfo | None = None
    response_model: str | None = None
    retries: list[str] = field(default_factory=list)
    """One line per retried failure: its class and the wait."""
    messages: list[dict[str, Any]] | None = None
    """The messages as sent when they differ from the planned ones (a folded system message)."""
    system_folded: bool = False
    """True when the provider rejected the system message and it was folded into the user turn."""


@dataclass(frozen=True)
class Endpoint:
    """Where and how to call a model: resolved once per run."""

    model: ModelConfig
    litellm_model: str
    """LiteLLM model string to call; a local server's alias replaces the config's string."""
    api_base: str | None
    api_key: str | None


def resolve_endpoint(model: ModelConfig, api_base: str | None = None, litellm_model: str | None = None) -> Endpoint:
    """Return the endpoint of a model, reading its key from the named environment variable.

    Raises:
        KeyError: the model names an API key variable that is not set.
    """
    key = None
    if model.api_key_env:
        key = os.environ.get(model.api_key_env)
        if not key:
            raise KeyError(model.api_key_env)
    base = api_base or model.api_base
    if key is None and base is not None:
        # OpenAI-compatible local servers need no key, but the client library insists on one.
        key = "not-needed"
    return Endpoint(model=model, litellm_model=litellm_model or model.model, api_base=base, api_key=key)


def backoff_delay(attempt: int, retry_after: float | None) -> float:
    """Return the wait before retry number `attempt` (1-based): Retry-After, else jittered 2^n."""
    if retry_after is not None:
        return min(retry_after, MAX_BACKOFF_S)
    base = min(MAX_BACKOFF_S, 0.5 * 2 ** (attempt - 1))
    return base * (0.5 + random.random() / 2)


async def call_model(endpoint: Endpoint, messages: list[dict[str, Any]], params: dict[str, Any], settings: RunSettings,
                     limiter: AdaptiveLimiter | None = None, pool: CallPool | None = None) -> CallResult:
    """Call the model with retries (see `_call_with_retries`).

    When the provider rejects the system message, call once more with its text folded into the
    first user turn, and record the messages sent and the fold in the result. With a `pool`,
    each attempt runs in whichever of its processes has the fewest calls in flight.
    """
    result = await _call_with_retries(endpoint, messages, params, settings, limiter, pool)
    if not rejects_system_message(result.error, messages):
        return result
    assert result.error is not None
    logger.warning("model %s rejected the system message (%s); sending it in the user turn", endpoint.model.id, result.error.type)
    folded = fold_system_message(messages)
    retried = await _call_with_retries(endpoint, folded, params, settings, limiter, pool)
    retried.attempts += result.attempts
    retried.retries = [*result.retries, f"{result.error.type}: system message rejected, folded into the user turn", *retried.retries]
    retried.messages, retried.system_folded = folded, True
    return retried


async def _call_with_retries(endpoint: Endpoint, messages: list[dict[str, Any]], params: dict[str, Any], settings: RunSettings,
                             limiter: AdaptiveLimiter | None = None, pool: CallPool | None = None) -> CallResult:
    """Call the model, retrying transient failures up to `settings.retries` times.

    Each attempt holds a slot of `limiter` (when given) while it is in flight, and tells it
    about rate limits and successes; the back-off wait between attempts holds no slot.
    """
    request = AttemptRequest(model=endpoint.litellm_model, messages=messages, params=params, api_base=endpoint.api_base,
                             api_key=endpoint.api_key, timeout_s=settings.timeout_s)
    result = CallResult()
    for attempt_number in range(1, settings.retries + 2):
        result.attempts = attempt_number
        started = time.perf_counter()
        async with _slot(limiter) as slot:
            attempt = await (pool.attempt(request) if pool is not None else attempt_call(request))
            slot.rate_limited = attempt.rate_limited
            slot.retry_after = attempt.retry_after
            slot.succeeded = attempt.ok
        if attempt.ok:
            result.latency_s = time.perf_counter() - started
            return _fill_from_attempt(result, attempt)
        if not attempt.retryable:  # any other provider failure is this sample's outcome, not a crash
            result.error = _error_info(attempt, endpoint)
            logger.warning("model %s: %s: %s", endpoint.model.id, attempt.failure, result.error.message[:200])
            return result
        if attempt_number > settings.retries:
            result.error = _error_info(attempt, endpoint)
            return result
        delay = backoff_delay(attempt_number, slot.retry_after)
        failure = f"{attempt.failure} ({reason})" if (reason := short_reason(attempt.message)) else attempt.failure
        result.retries.append(f"{failure} after {time.perf_counter() - started:.2f}s, waited {delay:.2f}s")
        logger.warning("model %s: %s, retry %d/%d in %.2fs", endpoint.model.id, failure, attempt_number, settings.retries, delay)
        await asyncio.sleep(delay)
    return result


@contextlib.asynccontextmanager
async def _slot(limiter: AdaptiveLimiter | None) -> AsyncIterator[Slot]:
    """Hold a slot of the limiter, or a slot of nothing when there is no limiter."""
    if limiter is None:
        yield Slot(started=0.0)
        return
    async with limiter.slot() as slot:
        yield slot


def _fill_from_attempt(result: CallResult, attempt: Attempt) -> CallResult:
    if attempt.empty_choices:
        result.error = ErrorInfo(type="EmptyChoices", message="the provider returned no choices")
        return result
    result.reply = attempt.reply
    result.finish_reason = attempt.finish_reason
    result.usage = attempt.usage or Usage(reported=False)
    result.response_model = attempt.response_model
    return result


def short_reason(message: str, limit: int = REASON_CHARS) -> str:
    """Return the gist of a failed call's message on one line, secrets removed, e.g. "Server disconnected".

    LiteLLM prefixes the provider's text with its class names and a " - "; a JSON error body
    is reduced to its `error.message`.
    """
    text = message.split(" - ", 1)[1] if " - " in message else message
    with contextlib.suppress(ValueError, TypeError, KeyError):
        text = str(json.loads(text)["error"]["message"])
    text = redact(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_info(attempt: Attempt, endpoint: Endpoint) -> ErrorInfo:
    """Describe a failed call, naming the model and endpoint so an outage can be traced."""
    where = endpoint.api_base or "the provider's default endpoint"
    message = f"{endpoint.litellm_model} at {where}: {attempt.message}"
    return ErrorInfo(type=attempt.failure or "Error", message=redact(message)[:2000])


def check_model_strings(models: list[ModelConfig], source: str = "the run config") -> None:
    """Raise ConfigError naming the key, the value and the fix for a model string LiteLLM cannot route.

    Local models are skipped: the harness picks their model string when it starts them.
    """
    litellm = litellm_module()
    for index, model in enumerate(models):
        if model.local is not None:
            continue
        try:
            litellm.get_llm_provider(model=model.model, api_base=model.api_base)
        except Exception:  # LiteLLM raises BadRequestError, or ValueError for some malformed strings
            raise ConfigError(
                f"{source}: models.{index}.model = {model.model!r} (model '{model.id}') names no provider LiteLLM knows. "
                "Write it as 'provider/model', e.g. 'openai/gpt-4o', 'anthropic/claude-sonnet-4-5', or 'openai/NAME' "
                "with api_base for an OpenAI-compatible server."
            ) from None
