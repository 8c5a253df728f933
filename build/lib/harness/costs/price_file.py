"""User price files: per-million rates for some models, with their source and date.

A price file is YAML or JSON:

    source: "vendor price pages, read 2027-01-05"   # default source of every entry
    as_of: "2027-01-05"
    currency: USD
    prices:
      legal-specialist:                 # a model id of the run config ...
        input_per_million: 0.50
        output_per_million: 1.50
      anthropic/claude-sonnet-4-5:      # ... or a config's LiteLLM model string
        input_per_million: 3.00
        output_per_million: 15.00
        cached_input_per_million: 0.30
        cache_write_per_million: 3.75
        source: "anthropic.com/pricing, read 2027-01-05"

Entries are matched to the run config's models by model id first, then by model string,
never by the model name a reply carries.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harness.config import ModelConfig, format_validation_error
from harness.errors import ConfigError


class PriceFileError(ConfigError):
    """A price file is missing, unreadable or invalid."""


class PriceEntry(BaseModel):
    """The price of one model in a price file, in US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input_per_million: float = Field(ge=0)
    """Uncached input tokens."""
    output_per_million: float = Field(ge=0)
    """Visible output tokens, and reasoning tokens unless `reasoning_per_million` is set."""
    cached_input_per_million: float | None = Field(default=None, ge=0)
    """Cached input tokens read; defaults to the input rate."""
    cache_write_per_million: float | None = Field(default=None, ge=0)
    """Input tokens written to the cache; defaults to the input rate."""
    reasoning_per_million: float | None = Field(default=None, ge=0)
    """Reasoning tokens; defaults to the output rate."""
    source: str | None = None
    """Source of this price, e.g. a price page and its date; defaults to the file's `source`."""
    as_of: str | None = None
    """Date the price was read; defaults to the file's `as_of`."""


class PriceFile(BaseModel):
    """A whole price file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str | None = None
    """Default source of every entry, e.g. the price pages and the date they were read."""
    as_of: str | None = None
    """Default date of every entry, ISO format."""
    currency: Literal["USD"] = "USD"
    """Currency of every rate; only US dollars are supported, so totals never mix currencies."""
    prices: dict[str, PriceEntry] = Field(min_length=1)
    """Entries keyed by a config model id or a LiteLLM model string."""
    path: str = ""
    """Path the file was read from, set by `load_price_file`."""

    @model_validator(mode="after")
    def _every_entry_has_a_source(self) -> PriceFile:
        missing = [key for key, entry in self.prices.items() if not (entry.source or self.source)]
        if missing:
            raise ValueError(f"entries {missing} have no 'source'; add a top-level 'source' or one per entry")
        return self

    def lookup(self, model: ModelConfig) -> tuple[str, PriceEntry] | None:
        """Return (key, entry) for a model, matched by its config id, then its model string."""
        for key in (model.id, model.model):
            entry = self.prices.get(key)
            if entry is not None:
                return key, entry
        return None

    def entry_source(self, entry: PriceEntry) -> str:
        """Return the source of an entry, falling back to the file's."""
        return str(entry.source or self.source)

    def entry_as_of(self, entry: PriceEntry) -> str | None:
        """Return the date of an entry, falling back to the file's."""
        return entry.as_of or self.as_of


def load_price_file(path: str | Path) -> PriceFile:
    """Read and validate a price file.

    Raises:
        PriceFileError: the file is missing, is not YAML or JSON, or fails validation;
            the message names the key and the fix.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise PriceFileError(f"price file not found: {path}. Pass the path of a YAML or JSON price file (see docs/costs.md).")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise PriceFileError(f"{path}: cannot parse the price file: {exc}. Fix the syntax at the line shown.") from None
    if not isinstance(data, dict):
        raise PriceFileError(f"{path}: the top level must be a mapping with a 'prices' key, got {type(data).__name__}")
    data = {**data, "path": str(path.resolve())}
    try:
        return PriceFile.model_validate(data)
    except ValidationError as exc:
        message = format_validation_error(exc, str(path)).replace("invalid run config", "invalid price file")
        raise PriceFileError(message) from None
