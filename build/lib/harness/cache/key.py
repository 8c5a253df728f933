"""The cache key: a SHA-256 over every input that changes a model's reply, and nothing secret."""

from __future__ import annotations

import hashlib
import json
from typing import Any

KEY_VERSION = 1
"""Bumped when the key's inputs change, so old entries stop matching instead of matching wrongly."""


def cache_key(model: str, endpoint: str | None, messages: list[dict[str, Any]], params: dict[str, Any],
              seed: int, repeat: int) -> str:
    """Return the hex key of one request.

    Args:
        model: the LiteLLM model string as called, e.g. 'openai/gpt-4o'.
        endpoint: the API base URL, or a stable name for a local model whose port changes
            between runs; None for the provider's default endpoint.
        messages: the messages as sent.
        params: the generation parameters as sent (max_tokens, temperature, seed, ...).
        seed: the run's seed, included even when the model does not take a `seed` parameter.
        repeat: the repeat index, so each repeat of an item is its own entry.

    The API key is never part of the key: the same request with another key is the same request.
    """
    payload = {
        "version": KEY_VERSION,
        "model": model,
        "endpoint": endpoint.rstrip("/") if endpoint else None,
        "messages": messages,
        "params": params,
        "seed": seed,
        "repeat": repeat,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
