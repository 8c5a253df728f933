"""The example configs: one specialized-against-frontier pair per vertical, each price with its source and date."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import VERTICALS, load_config
from harness.costs.prices import PER_MILLION, litellm_map_entry, resolve_price

EXAMPLES = Path(__file__).resolve().parents[2] / "configs" / "examples"
RATES = {
    "input_per_million": "input_cost_per_token",
    "output_per_million": "output_cost_per_token",
    "cached_input_per_million": "cache_read_input_token_cost",
    "cache_write_per_million": "cache_creation_input_token_cost",
}


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.yaml"))


def test_one_example_per_vertical() -> None:
    covered = []
    for path in example_files():
        config = load_config(path)
        roles = sorted(model.role for model in config.models)
        assert roles == ["frontier", "specialized"], path.name
        special = next(model for model in config.models if model.role == "specialized")
        covered += special.verticals
        assert all(suite.startswith(tuple(special.verticals)) for suite in config.suites), path.name
    assert sorted(covered) == sorted(VERTICALS)


@pytest.mark.parametrize("path", example_files(), ids=lambda path: path.name)
def test_example_prices_match_litellm_map(path: Path) -> None:
    for model in load_config(path).models:
        if model.price is None:
            # Only a self-hosted endpoint goes without a price, and it must then resolve to unpriced.
            assert model.api_base is not None, f"{path.name}: {model.id} has no price"
            assert not resolve_price(model).priced
            continue
        assert model.price.source and model.price.as_of, f"{path.name}: {model.id}"
        found = litellm_map_entry(model.model)
        assert found is not None, f"{path.name}: {model.model} is not in LiteLLM's map"
        key, entry = found
        assert f"key {key}" in model.price.source
        for field, map_key in RATES.items():
            expected = entry.get(map_key)
            stated = getattr(model.price, field)
            if stated is None:
                continue
            assert stated == pytest.approx(float(expected) * PER_MILLION), f"{path.name}: {model.id} {field}"
