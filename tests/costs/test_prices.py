"""Price resolution (config, price file, LiteLLM's map, unpriced), price files and the cost formula."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from harness.config import ModelConfig, load_config
from harness.costs.price_file import PriceFileError, load_price_file
from harness.costs.prices import call_cost, resolve_price, sample_cost
from harness.store.records import ErrorInfo, PriceSnapshot, Sample, Usage

PRICE_FILE = """
source: "illustrative rates for tests, not a real price list"
as_of: "2027-04-01"
prices:
  legal-model:
    input_per_million: 0.5
    output_per_million: 1.5
  anthropic/claude-sonnet-4-5:
    input_per_million: 2.0
    output_per_million: 10.0
    reasoning_per_million: 12.0
    source: "entry source"
"""


def model(**fields: object) -> ModelConfig:
    base = {"id": "m", "model": "openai/unknown-model-xyz", "role": "frontier"}
    return ModelConfig.model_validate({**base, **fields})


@pytest.fixture
def price_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "prices.yaml"
    path.write_text(PRICE_FILE)
    return load_price_file(path)


def test_config_price_comes_first(price_file) -> None:  # type: ignore[no-untyped-def]
    configured = model(id="legal-model", price={"input_per_million": 9, "output_per_million": 9, "source": "page"})
    snapshot = resolve_price(configured, price_file)
    assert (snapshot.origin, snapshot.input_per_million, snapshot.source) == ("config", 9, "config: page")


def test_price_file_is_matched_by_model_id(price_file) -> None:  # type: ignore[no-untyped-def]
    snapshot = resolve_price(model(id="legal-model", api_base="http://127.0.0.1:9/v1"), price_file)
    assert snapshot.priced and snapshot.origin == "price_file"
    assert (snapshot.input_per_million, snapshot.output_per_million, snapshot.price_key) == (0.5, 1.5, "legal-model")
    assert snapshot.as_of == "2027-04-01"
    assert "illustrative rates" in snapshot.source
    assert price_file.path in snapshot.source


def test_price_file_matches_model_string(price_file) -> None:  # type: ignore[no-untyped-def]
    snapshot = resolve_price(model(id="sonnet", model="anthropic/claude-sonnet-4-5"), price_file)
    assert (snapshot.origin, snapshot.input_per_million, snapshot.reasoning_per_million) == ("price_file", 2.0, 12.0)
    assert snapshot.source.endswith("entry source")


def test_litellm_map_records_key_and_version() -> None:
    snapshot = resolve_price(model(id="sonnet", model="anthropic/claude-sonnet-4-5"))
    assert snapshot.origin == "litellm"
    assert snapshot.price_key == "claude-sonnet-4-5"
    assert snapshot.litellm_version == metadata.version("litellm")
    assert snapshot.source == f"LiteLLM {metadata.version('litellm')} bundled price map"
    # LiteLLM's map lists $3 / $15 per 1M with a $0.30 cache read and $3.75 cache write for this model.
    assert snapshot.input_per_million == pytest.approx(3.0)
    assert snapshot.cache_write_per_million == pytest.approx(3.75)
    assert "above_200k" in (snapshot.detail or "")


def test_custom_endpoint_skips_the_litellm_map() -> None:
    snapshot = resolve_price(model(model="openai/gpt-4o", api_base="http://127.0.0.1:9/v1"))
    assert not snapshot.priced and "api_base" in (snapshot.detail or "")


def test_unknown_model_is_unpriced_not_free() -> None:
    snapshot = resolve_price(model())
    assert not snapshot.priced
    assert snapshot.origin == "unpriced"
    assert call_cost(Usage(input_tokens=100, output_tokens=10), snapshot) is None


def test_cost_formula_rate_per_kind() -> None:
    price = PriceSnapshot(model_id="m", priced=True, source="t", input_per_million=2.0, cached_input_per_million=0.5,
                          cache_write_per_million=2.5, output_per_million=8.0, reasoning_per_million=10.0)
    usage = Usage(input_tokens=1000, cached_input_tokens=2000, cache_write_tokens=400, output_tokens=100, reasoning_tokens=300)
    # (1000*2 + 2000*0.5 + 400*2.5 + 100*8 + 300*10) / 1e6 = 7800 / 1e6.
    assert call_cost(usage, price) == pytest.approx(0.0078)


def test_missing_rates_fall_back_to_input_and_output() -> None:
    price = PriceSnapshot(model_id="m", priced=True, source="t", input_per_million=2.0, output_per_million=8.0)
    usage = Usage(input_tokens=1000, cached_input_tokens=2000, cache_write_tokens=400, output_tokens=100, reasoning_tokens=300)
    # (3400 * 2 + 400 * 8) / 1e6 = 10000 / 1e6.
    assert call_cost(usage, price) == pytest.approx(0.01)


def test_sample_cost_follows_the_runs_rule() -> None:
    price = PriceSnapshot(model_id="m", priced=True, source="t", input_per_million=1.0, output_per_million=1.0)
    base = {"run_id": "r", "model_id": "m", "suite": "legal/x", "vertical": "legal", "item_id": "1",
            "messages": [], "started_at": "2027-01-01T00:00:00+00:00", "usage": Usage(input_tokens=10, output_tokens=10)}
    failed = Sample(outcome="error", error=ErrorInfo(type="RateLimitError", message="slow down"), **base)
    scoring = Sample(outcome="error", error=ErrorInfo(type="ScoringError.KeyError", message="x"), **base)
    assert sample_cost(failed, price) is None
    assert sample_cost(scoring, price) == pytest.approx(20 / 1e6)


@pytest.mark.parametrize("text, message", [
    ("prices: {a: {input_per_million: 1, output_per_million: 1}}", "no 'source'"),
    ("source: s\ncurrency: EUR\nprices: {a: {input_per_million: 1, output_per_million: 1}}", "currency"),
    ("source: s\nprices: {a: {input_per_million: 1}}", "output_per_million"),
    ("source: s\nprices: {a: {input_per_million: -1, output_per_million: 1}}", "input_per_million"),
    ("source: s\nprices: {}", "prices"),
    ("[1, 2]", "top level"),
])
def test_invalid_price_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(PriceFileError, match=message):
        load_price_file(path)


def test_missing_price_file(tmp_path: Path) -> None:
    with pytest.raises(PriceFileError, match="not found"):
        load_price_file(tmp_path / "absent.yaml")


def test_config_price_file_relative_path(tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "run.yaml").write_text(
        "models: [{id: m, model: openai/x, role: frontier}]\nsuites: [legal/*]\nrun: {price_file: prices/q1.yaml}\n"
    )
    config = load_config(tmp_path / "cfg" / "run.yaml")
    assert config.run.price_file == str((tmp_path / "cfg" / "prices" / "q1.yaml").resolve())
