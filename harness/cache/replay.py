"""Replay: run a config from the response cache alone, with no model server and no API key."""

from __future__ import annotations

import contextlib
from typing import Iterator

from harness.cache.store import CacheMissError, ResponseCache
from harness.config import RunConfig
from harness.costs.price_file import PriceFile
from harness.costs.prices import resolve_price
from harness.models.client import Endpoint
from harness.plan import PlannedSample
from harness.store.records import PriceSnapshot


@contextlib.contextmanager
def replay_endpoints(config: RunConfig, price_file: PriceFile | None = None) -> Iterator[tuple[dict[str, Endpoint], dict[str, PriceSnapshot]]]:
    """Yield endpoints and prices without starting a local model or reading an API key.

    A local model priced by compute time is recorded as unpriced: its price comes from
    measuring its server, which a replay does not start.
    """
    endpoints = {model.id: Endpoint(model=model, litellm_model=model.model, api_base=model.api_base, api_key=None)
                 for model in config.models}
    yield endpoints, {model.id: resolve_price(model, price_file) for model in config.models}


def check_replayable(plan: list[PlannedSample], cache: ResponseCache, keys: list[str]) -> None:
    """Raise CacheMissError naming the first missing request when any planned request is not cached."""
    missing = set(cache.missing(keys))
    if not missing:
        return
    first = next(planned for planned, key in zip(plan, keys) if key in missing)
    raise CacheMissError(
        f"replay: {len(missing)} of {len(plan)} request(s) are not in the response cache {cache.path} "
        f"(first: model {first.model.id}, suite {first.suite.spec.id}, item {first.item.id}, repeat {first.repeat}). "
        "The cache keeps successful replies only, so a sample that ended in an error (or was never run) has none. "
        "Replay with the same config, --limit, --suites and data as the cached run, or run with --cache use to call "
        "the model for the missing ones."
    )
