"""Price resolution and cost of a call.

A model's price comes from the run config, else LiteLLM's bundled price map, else the
model is unpriced. Prices are looked up by the config's model entry, never by the model
name a reply carries, so a provider alias cannot change the bill.
"""

from __future__ import annotations

import logging
from importlib import metadata

from harness.config import ModelConfig
from harness.store.records import PriceSnapshot, Usage

logger = logging.getLogger(__name__)

PER_MILLION = 1_000_000


def price_from_config(model: ModelConfig) -> PriceSnapshot | None:
    """Return the config's per-token price, or None when the config sets none (or a compute rate)."""
    price = model.price
    if price is None or price.compute is not None:
        return None
    return PriceSnapshot(
        model_id=model.id,
        priced=True,
        input_per_million=price.input_per_million,
        output_per_million=price.output_per_million,
        cached_input_per_million=price.cached_input_per_million,
        cache_write_per_million=price.cache_write_per_million,
        currency=price.currency,
        source=f"config: {price.source}",
        as_of=price.as_of,
    )


def price_from_litellm(model: ModelConfig) -> PriceSnapshot | None:
    """Look the model string up in LiteLLM's bundled price map; None when it is not listed."""
    import litellm  # deferred: importing LiteLLM takes seconds

    entry = litellm.model_cost.get(model.model) or litellm.model_cost.get(model.model.split("/", 1)[-1])
    if not entry or entry.get("input_cost_per_token") is None or entry.get("output_cost_per_token") is None:
        return None
    version = metadata.version("litellm")

    def per_million(key: str) -> float | None:
        value = entry.get(key)
        return None if value is None else float(value) * PER_MILLION

    return PriceSnapshot(
        model_id=model.id,
        priced=True,
        input_per_million=per_million("input_cost_per_token"),
        output_per_million=per_million("output_cost_per_token"),
        cached_input_per_million=per_million("cache_read_input_token_cost"),
        cache_write_per_million=per_million("cache_creation_input_token_cost"),
        source=f"litellm {version} bundled price map",
    )


def unpriced(model: ModelConfig, why: str) -> PriceSnapshot:
    """Return the snapshot of a model with no known price."""
    return PriceSnapshot(model_id=model.id, priced=False, source="unpriced", detail=why)


def resolve_price(model: ModelConfig) -> PriceSnapshot:
    """Return the price to use for a remote model: config, then LiteLLM's map, else unpriced.

    Local models priced by compute time are resolved after their server is calibrated.
    """
    configured = price_from_config(model)
    if configured is not None:
        return configured
    if model.price is not None and model.price.compute is not None:
        return unpriced(model, "compute-time price not calibrated yet")
    if model.api_base is not None and model.local is None:
        # A custom endpoint may serve anything under a familiar name; its list price would be a guess.
        return unpriced(model, f"custom api_base {model.api_base} and no price in the config")
    listed = price_from_litellm(model)
    if listed is not None:
        return listed
    return unpriced(model, f"{model.model} is not in LiteLLM's price map and the config sets no price")


def call_cost(usage: Usage, price: PriceSnapshot) -> float | None:
    """Return the cost of one call in the price's currency; None when unpriced or usage is unknown."""
    if not price.priced or not usage.reported or usage.input_tokens is None or usage.output_tokens is None:
        return None
    assert price.input_per_million is not None and price.output_per_million is not None
    cached_rate = price.cached_input_per_million if price.cached_input_per_million is not None else price.input_per_million
    write_rate = price.cache_write_per_million if price.cache_write_per_million is not None else price.input_per_million
    total = (
        usage.input_tokens * price.input_per_million
        + usage.cached_input_tokens * cached_rate
        + usage.cache_write_tokens * write_rate
        + (usage.output_tokens + usage.reasoning_tokens) * price.output_per_million
    )
    return total / PER_MILLION
