"""Token usage read from a LiteLLM response and split by kind."""

from __future__ import annotations

from typing import Any

from harness.store.records import Usage


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) else 0


def usage_from_response(response: Any) -> Usage:
    """Split a response's usage into uncached input, cached input, cache writes, output and reasoning.

    LiteLLM reports usage in OpenAI's convention: `prompt_tokens` includes cached tokens and
    `completion_tokens` includes reasoning tokens, so both are subtracted out here.
    A response without usage yields `Usage(reported=False)`, never zeros.
    """
    usage = getattr(response, "usage", None)
    if usage is None or getattr(usage, "prompt_tokens", None) is None:
        return Usage(reported=False)
    prompt = _int(usage.prompt_tokens)
    completion = _int(getattr(usage, "completion_tokens", 0))
    prompt_details = getattr(usage, "prompt_tokens_details", None)
    completion_details = getattr(usage, "completion_tokens_details", None)
    cached = _int(getattr(prompt_details, "cached_tokens", 0))
    cache_write = _int(getattr(usage, "cache_creation_input_tokens", 0))
    reasoning = _int(getattr(completion_details, "reasoning_tokens", 0))
    return Usage(
        input_tokens=max(prompt - cached - cache_write, 0),
        cached_input_tokens=cached,
        cache_write_tokens=cache_write,
        output_tokens=max(completion - reasoning, 0),
        reasoning_tokens=reasoning,
    )
