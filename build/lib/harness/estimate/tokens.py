"""Counting the prompt tokens of a request before it is sent.

`litellm.token_counter` picks a tokenizer from the model name (LiteLLM 1.83.14,
`litellm/litellm_core_utils/token_counter.py` and `litellm/utils.py`, `_select_tokenizer_helper`):

- OpenAI models it lists in `open_ai_chat_completion_models` get their tiktoken encoding
  (the encoding files ship with LiteLLM, so counting needs no network);
- Anthropic models it lists, except Claude 3, get the tokenizer file bundled with LiteLLM,
  which Anthropic published for Claude 1 and 2, so later models are only approximated;
- Llama 2 and 3 and Cohere Command R would be fetched from the Hugging Face hub, which a
  dry run must not do;
- everything else gets tiktoken's `cl100k_base`, which is not the model's own tokenizer.

So only the first case is labelled as the model's tokenizer, and every other count names
its approximation. When LiteLLM cannot count at all, characters / 4 is used and said so.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from harness.config import ModelConfig

logger = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4
"""Characters per token of the last-resort approximation (a common rule of thumb for English text)."""


@dataclass(frozen=True)
class Tokenizer:
    """Tokenizer choice for the prompt tokens of one model."""

    label: str
    """Label shown with the count, e.g. 'tiktoken o200k_base (LiteLLM)' or 'approximation: characters / 4'."""
    approximate: bool
    """True unless the count uses the model's own tokenizer."""
    litellm_model: str | None
    """Model name given to `litellm.token_counter`; None counts characters instead."""


CHARACTERS = Tokenizer(f"approximation: characters / {CHARS_PER_TOKEN}", True, None)
DEFAULT_ENCODING = Tokenizer("approximation: tiktoken cl100k_base (LiteLLM's default)", True, "")


def choose_tokenizer(model: ModelConfig) -> Tokenizer:
    """Pick LiteLLM's tokenizer for a model's string, or a stated approximation."""
    try:
        import litellm  # deferred: importing LiteLLM takes seconds
    except ImportError:  # pragma: no cover - LiteLLM is a dependency
        return CHARACTERS
    provider, _, name = model.model.rpartition("/")
    custom_endpoint = model.api_base is not None or model.local is not None
    if not custom_endpoint and provider in ("", "openai", "azure") and name in litellm.open_ai_chat_completion_models:
        encoding = _tiktoken_encoding(name)
        if encoding is not None:
            return Tokenizer(f"tiktoken {encoding} (LiteLLM)", False, name)
    if not custom_endpoint and name in litellm.anthropic_models and "claude-3" not in name:
        return Tokenizer("approximation: LiteLLM's bundled Anthropic tokenizer (published for Claude 1 and 2)", True, name)
    # An empty name selects LiteLLM's default encoding and never triggers a tokenizer download.
    return DEFAULT_ENCODING


def _tiktoken_encoding(name: str) -> str | None:
    """Return the encoding LiteLLM uses for an OpenAI model, or None when tiktoken does not know it."""
    import tiktoken

    if "gpt-4o" in name:
        return "o200k_base"  # LiteLLM's own rule, ahead of tiktoken's lookup
    try:
        return tiktoken.encoding_name_for_model(name)
    except KeyError:
        return None


def count_prompt_tokens(tokenizer: Tokenizer, messages: list[dict[str, Any]]) -> tuple[int, Tokenizer]:
    """Count the prompt tokens of a request; fall back to characters / 4 if LiteLLM fails.

    Returns the count and the tokenizer actually used.
    """
    if tokenizer.litellm_model is not None:
        try:
            import litellm

            return int(litellm.token_counter(model=tokenizer.litellm_model, messages=messages)), tokenizer
        except Exception as exc:  # any tokenizer failure falls back to the stated approximation
            logger.warning("token counting with %s failed (%s: %s); using characters / %d",
                           tokenizer.label, type(exc).__name__, exc, CHARS_PER_TOKEN)
    return count_characters(messages), CHARACTERS


def count_characters(messages: list[dict[str, Any]]) -> int:
    """Approximate the tokens of messages as characters / 4, rounded up."""
    characters = sum(len(str(message.get("content") or "")) for message in messages)
    return math.ceil(characters / CHARS_PER_TOKEN)
