"""Settings of a model that changed between two runs, besides the model itself: price, parameters, endpoint.

A comparison of two runs reads as a comparison of models. When the same model ran with other
generation parameters or at another price, the accuracy or cost difference may come from
that change instead, so the comparison names it.
"""

from __future__ import annotations

import json
from typing import Any

from harness.store.records import Manifest, PriceSnapshot


def setting_changes(base: Manifest, new: Manifest, base_id: str, new_id: str) -> tuple[str, ...]:
    """Return one line per setting of the model pair that differs between the runs, empty when none does."""
    base_entry, new_entry = _model_entry(base, base_id), _model_entry(new, new_id)
    changes: list[str] = []

    base_params, new_params = base_entry.get("params") or {}, new_entry.get("params") or {}
    if base_params != new_params:
        changes.append(f"params {_compact(base_params)} → {_compact(new_params)}")

    if base_entry.get("api_base") != new_entry.get("api_base"):
        changes.append(f"api_base {base_entry.get('api_base') or 'default'} → {new_entry.get('api_base') or 'default'}")

    base_price, new_price = _price_text(base.prices.get(base_id)), _price_text(new.prices.get(new_id))
    if base_price != new_price:
        changes.append(f"price {base_price} → {new_price}")

    base_seed, new_seed = (base.config.get("run") or {}).get("seed"), (new.config.get("run") or {}).get("seed")
    if base_seed != new_seed:
        changes.append(f"run seed {base_seed} → {new_seed}")
    return tuple(changes)


def _model_entry(manifest: Manifest, model_id: str) -> dict[str, Any]:
    return next((entry for entry in manifest.config.get("models", []) if str(entry.get("id")) == model_id), {})


def _compact(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, default=str) if value else "{}"


def _price_text(price: PriceSnapshot | None) -> str:
    """Describe a price per million tokens, input / output; 'unpriced' when there is none."""
    if price is None or not price.priced:
        return "unpriced"
    rates = ["?" if rate is None else f"{rate:g}" for rate in (price.input_per_million, price.output_per_million)]
    return f"{rates[0]} / {rates[1]} {price.currency} per 1M tokens"
