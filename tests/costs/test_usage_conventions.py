"""Token usage of recorded provider replies, parsed by LiteLLM 1.83.14 and split by `harness.models.usage`.

Each reply in tests/costs/replies/ is served from 127.0.0.1 and fetched with
`litellm.completion`, so it goes through the provider's own LiteLLM transformation. The
expected split is worked out by hand from the provider's fields in each test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.costs.prices import call_cost
from harness.models.usage import (
    CACHE_IN_PROMPT,
    NO_STREAM_USAGE,
    NO_USAGE,
    REASONING_BESIDE_COMPLETION,
    REASONING_IN_COMPLETION,
    normalise_usage,
    usage_from_response,
    usage_from_stream,
)
from harness.store.records import PriceSnapshot, Usage
from tests.costs.replay import ReplayServer, recorded

MESSAGES = [{"role": "user", "content": "Is the statement hearsay? End with 'Answer: Yes' or 'Answer: No'."}]


def replay(reply: str, model: str, path: str = "", **kwargs: Any) -> Any:
    """Serve a recorded reply and return what `litellm.completion` makes of it."""
    import litellm

    with ReplayServer(recorded(reply)) as server:
        return litellm.completion(model=model, messages=MESSAGES, api_base=server.base + path,
                                  api_key="test-key", num_retries=0, **kwargs)


def split(usage: Usage) -> tuple[int | None, int, int, int | None, int]:
    return (usage.input_tokens, usage.cached_input_tokens, usage.cache_write_tokens, usage.output_tokens,
            usage.reasoning_tokens)


def price(**rates: float) -> PriceSnapshot:
    return PriceSnapshot(model_id="m", priced=True, source="test", **rates)


def test_openai_prompt_includes_cached_and_completion_includes_reasoning() -> None:
    # prompt 2006 of which 1920 cached -> 86 uncached; completion 300 of which 256 reasoning -> 44 visible.
    usage = usage_from_response(replay("openai_cached_reasoning.json", "openai/o4-mini", "/v1"))
    assert split(usage) == (86, 1920, 0, 44, 256)
    assert usage.convention == f"{CACHE_IN_PROMPT}; {REASONING_IN_COMPLETION}"
    assert usage.raw is not None and usage.raw["prompt_tokens"] == 2006
    assert usage.raw["prompt_tokens_details"]["cached_tokens"] == 1920
    # $1.10 input, $0.275 cached, $4.40 output per 1M: (86*1.1 + 1920*0.275 + 300*4.4) / 1e6 = 0.0019426.
    cost = call_cost(usage, price(input_per_million=1.10, cached_input_per_million=0.275, output_per_million=4.40))
    assert cost == pytest.approx(0.0019426)


def test_anthropic_cache_reads_and_writes() -> None:
    # Anthropic reports input 21 uncached, 3000 read, 1800 written; LiteLLM's prompt_tokens is their sum, 4821.
    response = replay("anthropic_cache.json", "anthropic/claude-sonnet-4-5")
    assert response.usage.prompt_tokens == 4821
    usage = usage_from_response(response)
    assert split(usage) == (21, 3000, 1800, 40, 0)
    assert usage.convention == f"{CACHE_IN_PROMPT}; {REASONING_IN_COMPLETION}"
    # $3 input, $0.30 read, $3.75 write, $15 output per 1M: (63 + 900 + 6750 + 600) / 1e6 = 0.008313.
    cost = call_cost(usage, price(input_per_million=3.0, cached_input_per_million=0.30,
                                  cache_write_per_million=3.75, output_per_million=15.0))
    assert cost == pytest.approx(0.008313)


def test_anthropic_thinking_is_inside_the_output_count() -> None:
    # Anthropic's output_tokens (118) already include thinking; LiteLLM estimates the thinking part by
    # counting its text, so the split is an estimate but the billed output stays 118.
    usage = usage_from_response(replay("anthropic_thinking.json", "anthropic/claude-sonnet-4-5"))
    assert usage.input_tokens == 312
    assert usage.reasoning_tokens > 0
    assert usage.output_tokens + usage.reasoning_tokens == 118


def test_gemini_thoughts_and_cached_content() -> None:
    # promptTokenCount 1200 includes cachedContentTokenCount 1024 -> 176 uncached;
    # candidatesTokenCount 30 excludes thoughtsTokenCount 200, and LiteLLM adds them: completion 230.
    response = replay("gemini_thinking_cached.json", "gemini/gemini-2.5-flash")
    assert response.usage.completion_tokens == 230
    usage = usage_from_response(response)
    assert split(usage) == (176, 1024, 0, 30, 200)


def test_deepseek_cache_hit_tokens_become_cached_input() -> None:
    # prompt 1500 = 1280 cache hits + 220 misses; LiteLLM copies the hits into cached_tokens.
    usage = usage_from_response(replay("deepseek_cache_hit.json", "deepseek/deepseek-chat"))
    assert split(usage) == (220, 1280, 0, 12, 0)
    assert usage.raw is not None and usage.raw["prompt_cache_hit_tokens"] == 1280


def test_deepseek_reasoner_completion_includes_reasoning() -> None:
    # completion 400 includes 350 reasoning; total 490 = 90 + 400.
    usage = usage_from_response(replay("deepseek_reasoner.json", "deepseek/deepseek-reasoner"))
    assert split(usage) == (26, 64, 0, 50, 350)


def test_xai_reasoning_sits_beside_the_completion_count() -> None:
    # xAI: total 450 = prompt 120 + completion 10 + reasoning 320, so the 10 are visible output only
    # (LiteLLM's own xAI cost calculator adds reasoning to completion for the same reason).
    usage = usage_from_response(replay("xai_reasoning.json", "xai/grok-3-mini", "/v1"))
    assert split(usage) == (56, 64, 0, 10, 320)
    assert REASONING_BESIDE_COMPLETION in (usage.convention or "")
    # Billed output = 330 tokens at $0.50 per 1M, input 56 at $0.30, cached 64 at $0.075.
    cost = call_cost(usage, price(input_per_million=0.30, cached_input_per_million=0.075, output_per_million=0.50))
    assert cost == pytest.approx((56 * 0.30 + 64 * 0.075 + 330 * 0.50) / 1e6)


def test_bedrock_converse_cache_tokens_are_split_out() -> None:
    from litellm.llms.bedrock.chat.converse_transformation import AmazonConverseConfig

    # Bedrock reports inputTokens 21 uncached, cacheReadInputTokens 3000, cacheWriteInputTokens 1800.
    litellm_usage = AmazonConverseConfig()._transform_usage(
        {"inputTokens": 21, "outputTokens": 40, "totalTokens": 4861, "cacheReadInputTokens": 3000,
         "cacheWriteInputTokens": 1800}
    )
    assert split(normalise_usage(litellm_usage)) == (21, 3000, 1800, 40, 0)


def test_reply_without_usage_is_flagged_not_zero() -> None:
    # LiteLLM attaches Usage(prompt_tokens=0, ...) to a reply that carried none.
    response = replay("openai_without_usage.json", "openai/qwen2.5-coder-0.5b", "/v1")
    assert response.usage.prompt_tokens == 0
    usage = usage_from_response(response)
    assert usage.reported is False
    assert usage.input_tokens is None
    assert usage.output_tokens is None
    assert usage.convention == NO_USAGE
    assert call_cost(usage, price(input_per_million=1.0, output_per_million=1.0)) is None


def test_stream_without_usage_is_flagged_not_zero() -> None:
    chunks = list(replay("openai_stream_without_usage.json", "openai/gpt-4o-mini", "/v1", stream=True))
    usage = usage_from_stream(chunks)
    assert usage.reported is False
    assert usage.convention == NO_STREAM_USAGE
    assert call_cost(usage, price(input_per_million=0.15, output_per_million=0.60)) is None


def test_litellm_would_invent_usage_for_that_stream() -> None:
    """Why streams are read chunk by chunk: LiteLLM's chunk builder fills in token-counter estimates."""
    import litellm

    chunks = list(replay("openai_stream_without_usage.json", "openai/gpt-4o-mini", "/v1", stream=True))
    built = litellm.stream_chunk_builder(chunks, messages=MESSAGES)
    assert built.usage.prompt_tokens > 0


def test_stream_with_a_usage_chunk() -> None:
    chunks = list(replay("openai_stream_with_usage.json", "openai/gpt-4o-mini", "/v1", stream=True,
                         stream_options={"include_usage": True}))
    assert split(usage_from_stream(chunks)) == (170, 1280, 0, 3, 0)


def test_cache_beside_prompt_count() -> None:
    # A provider that counts cached tokens outside prompt_tokens (Anthropic's own convention, passed
    # through unchanged) shows it in its total: 21 + 3000 + 40 = 3061.
    usage = normalise_usage({"prompt_tokens": 21, "completion_tokens": 40, "total_tokens": 3061,
                             "cache_read_input_tokens": 3000})
    assert split(usage) == (21, 3000, 0, 40, 0)


def test_raw_usage_keeps_numbers_only() -> None:
    usage = normalise_usage({"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12,
                             "service_tier": "sk-not-a-number", "details": {"note": "text", "cached": 0}})
    assert usage.raw == {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12, "details": {"cached": 0}}
    assert "sk-" not in json.dumps(usage.model_dump())


def test_client_stores_the_split_and_raw_usage() -> None:
    """The harness's own call path: harness.models.client.call_model on a recorded Anthropic reply."""
    import asyncio

    from harness.config import ModelConfig, RunSettings
    from harness.models.client import Endpoint, call_model

    model = ModelConfig(id="sonnet", model="anthropic/claude-sonnet-4-5", role="frontier")
    with ReplayServer(recorded("anthropic_cache.json")) as server:
        endpoint = Endpoint(model=model, litellm_model=model.model, api_base=server.base, api_key="test-key")
        result = asyncio.run(call_model(endpoint, MESSAGES, {"max_tokens": 64}, RunSettings(retries=0, timeout_s=10)))
    assert result.error is None
    assert split(result.usage) == (21, 3000, 1800, 40, 0)
    assert result.usage.raw is not None and result.usage.raw["cache_creation_input_tokens"] == 1800
