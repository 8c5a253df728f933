"""Token usage read from a LiteLLM reply and split into uncached input, cached input, cache writes,
visible output and reasoning.

LiteLLM turns every provider's usage into one `litellm.types.utils.Usage` object, but the
meaning of its totals depends on the provider. What LiteLLM 1.83.14 does, read in its source:

- OpenAI, Azure and OpenAI-compatible servers (vLLM, llama.cpp, Ollama) pass the provider's
  usage through (`litellm/types/utils.py`, `Usage.__init__`). `prompt_tokens` includes
  `prompt_tokens_details.cached_tokens`; `completion_tokens` includes
  `completion_tokens_details.reasoning_tokens`.
- DeepSeek reports `prompt_cache_hit_tokens` and `prompt_cache_miss_tokens`; `Usage.__init__`
  copies the hit count into `prompt_tokens_details.cached_tokens`, and `prompt_tokens` is
  hit + miss.
- Anthropic (`litellm/llms/anthropic/chat/transformation.py`, `calculate_usage`) and Bedrock
  Converse (`litellm/llms/bedrock/chat/converse_transformation.py`, `_transform_usage`):
  LiteLLM adds the cache-read and cache-write counts to the provider's uncached
  `input_tokens`, so `prompt_tokens` includes both. The write count is in
  `cache_creation_input_tokens` and `prompt_tokens_details.cache_creation_tokens`. The
  provider's output count already includes thinking, and LiteLLM estimates
  `reasoning_tokens` by counting the thinking text.
- Gemini and Vertex AI (`litellm/llms/vertex_ai/gemini/vertex_and_google_ai_studio_gemini.py`,
  `_calculate_usage`): `promptTokenCount` includes `cachedContentTokenCount`; LiteLLM adds
  `thoughtsTokenCount` to `candidatesTokenCount` unless the provider already did, so
  `completion_tokens` includes reasoning.
- xAI passes its usage through, and its `completion_tokens` exclude `reasoning_tokens`:
  LiteLLM's own xAI cost calculator adds them back (`litellm/llms/xai/cost_calculator.py`).
  The total shows it: `total_tokens = prompt + completion + reasoning`.

So the split is decided from the numbers rather than from a provider name: reasoning sits
beside the completion count when the total says so or when it exceeds that count, and
cached tokens sit beside the prompt count when they exceed it or the total says so.
A reply without usage yields `Usage(reported=False)`, never zeros. A streamed reply carries
usage only in a final chunk when the provider sends one; LiteLLM's `stream_chunk_builder`
would otherwise fill in a token-counter estimate, which is why streams are read here chunk
by chunk instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from harness.store.records import Usage

logger = logging.getLogger(__name__)

CACHE_IN_PROMPT = "prompt includes cache"
CACHE_BESIDE_PROMPT = "prompt excludes cache"
REASONING_IN_COMPLETION = "completion includes reasoning"
REASONING_BESIDE_COMPLETION = "completion excludes reasoning"
NO_USAGE = "no usage in the reply"
NO_STREAM_USAGE = "streamed reply without usage"


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _field(obj: Any, name: str) -> Any:
    """Read an attribute or a mapping key, because LiteLLM objects support both and raw dicts only keys."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def usage_from_response(response: Any) -> Usage:
    """Split the usage of a LiteLLM reply by token kind.

    Returns `Usage(reported=False)` when the reply has no usage or a zero prompt count.
    """
    usage = _field(response, "usage")
    if not _has_counts(usage):
        return Usage(reported=False, convention=NO_USAGE)
    return normalise_usage(usage)


def _has_counts(usage: Any) -> bool:
    """Tell whether a usage block carries real counts.

    When a provider sends no usage, LiteLLM still attaches `Usage(prompt_tokens=0, ...)`
    (seen with LiteLLM 1.83.14 on an OpenAI-compatible reply without a `usage` key). Every
    request sends at least one prompt token, so a zero prompt count means "not reported".
    """
    return usage is not None and _int(_field(usage, "prompt_tokens")) > 0


def usage_from_stream(chunks: Iterable[Any]) -> Usage:
    """Split the usage of a streamed reply, read from the last chunk that carries usage.

    A stream without any usage chunk is flagged as not reported, not counted as zero.
    """
    found = None
    for chunk in chunks:
        usage = _field(chunk, "usage")
        if _has_counts(usage):
            found = usage
    if found is None:
        return Usage(reported=False, convention=NO_STREAM_USAGE)
    return normalise_usage(found)


def normalise_usage(usage: Any) -> Usage:
    """Split one LiteLLM usage object (or a mapping of the same shape) by token kind."""
    prompt = _int(_field(usage, "prompt_tokens"))
    completion = _int(_field(usage, "completion_tokens"))
    total = _int(_field(usage, "total_tokens"))
    cached, cache_write = _cache_counts(usage)
    reasoning = _int(_field(_field(usage, "completion_tokens_details"), "reasoning_tokens"))

    reasoning_beside = reasoning > 0 and (reasoning > completion or total == prompt + completion + reasoning)
    billed_output = completion + reasoning if reasoning_beside else completion
    cache = cached + cache_write
    cache_beside = cache > 0 and (cache > prompt or total == prompt + cache + billed_output)
    if cache_beside and cache <= prompt:
        logger.warning("usage total %d counts %d cached tokens beside %d prompt tokens; billing them separately",
                       total, cache, prompt)
    return Usage(
        input_tokens=prompt if cache_beside else max(prompt - cache, 0),
        cached_input_tokens=cached,
        cache_write_tokens=cache_write,
        output_tokens=completion if reasoning_beside else max(completion - reasoning, 0),
        reasoning_tokens=reasoning,
        convention="; ".join((
            CACHE_BESIDE_PROMPT if cache_beside else CACHE_IN_PROMPT,
            REASONING_BESIDE_COMPLETION if reasoning_beside else REASONING_IN_COMPLETION,
        )),
        raw=raw_usage(usage),
    )


def _cache_counts(usage: Any) -> tuple[int, int]:
    """Return (cache reads, cache writes) from whichever of LiteLLM's fields carries them."""
    details = _field(usage, "prompt_tokens_details")
    cached = _int(_field(details, "cached_tokens")) or _int(_field(usage, "cache_read_input_tokens"))
    cached = cached or _int(_field(usage, "prompt_cache_hit_tokens"))
    write = _int(_field(usage, "cache_creation_input_tokens")) or _int(_field(details, "cache_creation_tokens"))
    return cached, write


def raw_usage(usage: Any) -> dict[str, Any]:
    """Convert a usage block to plain data with numbers only, nested as the provider nests them."""
    if isinstance(usage, dict):
        data: Any = usage
    elif hasattr(usage, "model_dump"):
        data = usage.model_dump()
    else:
        data = dict(getattr(usage, "__dict__", {}))
    return _numbers_only(data)


def _numbers_only(data: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            nested = _numbers_only(value)
            if nested:
                kept[str(key)] = nested
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            kept[str(key)] = value
    return kept
