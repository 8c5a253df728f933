"""Price resolution and the cost of a call.

A model's price comes, in this order, from its `price` in the run config, a user price file,
LiteLLM's bundled price map, else the model is unpriced. Prices are looked up by the
config's model entry, never by the model name a reply carries, so a provider alias cannot
change the bill. Every snapshot records where it came from and under which key.
"""

from __future__ import annotations

import logging
from importlib import metadata
from typing import Any

from harness.config import ModelConfig
from harness.costs.price_file import PriceFile
from harness.store.records import PriceSnapshot, Sample, Usage

logger = logging.getLogger(__name__)

PER_MILLION = 1_000_000
SCORING_ERROR_PREFIX = "ScoringError."
"""Error type prefix of a reply that was paid for but failed in scoring (see harness.executor)."""


def price_from_config(model: ModelConfig) -> PriceSnapshot | None:
    """Return the config's per-token price, or None when the config sets no price or a compute rate."""
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
        reasoning_per_million=price.reasoning_per_million,
        currency=price.currency,
        source=f"config: {price.source}",
        as_of=price.as_of,
        origin="config",
        price_key=model.id,
    )


def price_from_file(model: ModelConfig, prices: PriceFile | None) -> PriceSnapshot | None:
    """Return the model's price from a user price file, or None when the file has no entry for it."""
    found = prices.lookup(model) if prices is not None else None
    if found is None:
        return None
    assert prices is not None
    key, entry = found
    return PriceSnapshot(
        model_id=model.id,
        priced=True,
        input_per_million=entry.input_per_million,
        output_per_million=entry.output_per_million,
        cached_input_per_million=entry.cached_input_per_million,
        cache_write_per_million=entry.cache_write_per_million,
        reasoning_per_million=entry.reasoning_per_million,
        currency=prices.currency,
        source=f"price file {prices.path}: {prices.entry_source(entry)}",
        as_of=prices.entry_as_of(entry),
        origin="price_file",
        price_key=key,
    )


def litellm_map_entry(model_string: str) -> tuple[str, dict[str, Any]] | None:
    """Return (key, entry) of a model string in LiteLLM's bundled price map, or None.

    The full string is tried first, then the part after the provider prefix, which is how
    the map lists most first-party models (e.g. 'anthropic/claude-sonnet-4-5' is 'claude-sonnet-4-5').
    """
    import litellm  # deferred: importing LiteLLM takes seconds

    for key in (model_string, model_string.split("/", 1)[-1]):
        entry = litellm.model_cost.get(key)
        if entry and entry.get("input_cost_per_token") is not None and entry.get("output_cost_per_token") is not None:
            return key, entry
    return None


def price_from_litellm(model: ModelConfig) -> PriceSnapshot | None:
    """Look the model string up in LiteLLM's bundled price map, or return None when it is not listed."""
    found = litellm_map_entry(model.model)
    if found is None:
        return None
    key, entry = found
    version = metadata.version("litellm")

    def per_million(name: str) -> float | None:
        value = entry.get(name)
        return None if value is None else float(value) * PER_MILLION

    tiers = sorted(name for name in entry if "_above_" in name and name.endswith("tokens"))
    detail = f"the map also lists {', '.join(tiers)}; the base rates are used" if tiers else None
    return PriceSnapshot(
        model_id=model.id,
        priced=True,
        input_per_million=per_million("input_cost_per_token"),
        output_per_million=per_million("output_cost_per_token"),
        cached_input_per_million=per_million("cache_read_input_token_cost"),
        cache_write_per_million=per_million("cache_creation_input_token_cost"),
        reasoning_per_million=per_million("output_cost_per_reasoning_token"),
        source=f"LiteLLM {version} bundled price map",
        detail=detail,
        origin="litellm",
        price_key=key,
        litellm_version=version,
    )


def unpriced(model: ModelConfig, why: str) -> PriceSnapshot:
    """Return the snapshot of a model with no known price."""
    return PriceSnapshot(model_id=model.id, priced=False, source="unpriced", detail=why, origin="unpriced")


def resolve_price(model: ModelConfig, prices: PriceFile | None = None) -> PriceSnapshot:
    """Return the price to use for a model: config, price file, LiteLLM's map, else unpriced.

    Local models priced by compute time are resolved after their server is calibrated.
    """
    configured = price_from_config(model)
    if configured is not None:
        return configured
    if model.price is not None and model.price.compute is not None:
        return unpriced(model, "compute-time price not calibrated yet")
    from_file = price_from_file(model, prices)
    if from_file is not None:
        return from_file
    if model.api_base is not None and model.local is None:
        # A custom endpoint may serve anything under a familiar name; its list price would be a guess.
        return unpriced(model, f"custom api_base {model.api_base} and no price in the config or price file")
    listed = price_from_litellm(model)
    if listed is not None:
        return listed
    return unpriced(model, f"{model.model} is not in LiteLLM's price map and neither the config nor a price file prices it")


def call_cost(usage: Usage, price: PriceSnapshot) -> float | None:
    """Return the cost of one call in the price's currency, or None when unpriced or usage is unknown.

    cost = (uncached input x input rate + cached input x cached rate + cache writes x write rate
    + visible output x output rate + reasoning x reasoning rate) / 1e6, where a missing cached or
    write rate is the input rate and a missing reasoning rate is the output rate.
    """
    if not price.priced or not usage.reported or usage.input_tokens is None or usage.output_tokens is None:
        return None
    assert price.input_per_million is not None and price.output_per_million is not None
    cached_rate = _or(price.cached_input_per_million, price.input_per_million)
    write_rate = _or(price.cache_write_per_million, price.input_per_million)
    reasoning_rate = _or(price.reasoning_per_million, price.output_per_million)
    total = (
        usage.input_tokens * price.input_per_million
        + usage.cached_input_tokens * cached_rate
        + usage.cache_write_tokens * write_rate
        + usage.output_tokens * price.output_per_million
        + usage.reasoning_tokens * reasoning_rate
    )
    return total / PER_MILLION


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def was_billed(sample: Sample) -> bool:
    """Tell whether a sample's call reached the provider and returned a reply, so it has a cost.

    A provider error leaves no reply to bill, but a reply that only failed in scoring was paid for.
    """
    return sample.error is None or sample.error.type.startswith(SCORING_ERROR_PREFIX)


def sample_cost(sample: Sample, price: PriceSnapshot) -> float | None:
    """Return a stored sample's cost under a price, by the same rule the run used."""
    return call_cost(sample.usage, price) if was_billed(sample) else None
