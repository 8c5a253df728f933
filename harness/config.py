"""Run configuration: the YAML file that names the models, the suites and the run settings.

A config is validated with pydantic. Every validation error is turned into a
`ConfigError` whose message names the key, the bad value and the fix.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_serializer, model_validator

from harness.errors import ConfigError
from harness.routing.config import RouterConfig

Role = Literal["specialized", "frontier"]
VERTICALS = ("code", "legal", "finance", "medical", "creative", "science")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComputePrice(_Strict):
    """Hourly machine rate for a local model, turned into per-token prices from measured throughput."""

    hourly_usd: float = Field(gt=0)
    """Cost of the machine per hour in US dollars."""
    source: str
    """Where the hourly rate comes from, e.g. a cloud price list and its date."""


class PriceConfig(_Strict):
    """Price of a model per million tokens, or a compute-time rate for a local model."""

    input_per_million: float | None = Field(default=None, ge=0)
    """US dollars per million uncached input tokens."""
    output_per_million: float | None = Field(default=None, ge=0)
    """US dollars per million output tokens (reasoning tokens bill as output)."""
    cached_input_per_million: float | None = Field(default=None, ge=0)
    """US dollars per million cached input tokens read; defaults to the input rate."""
    cache_write_per_million: float | None = Field(default=None, ge=0)
    """US dollars per million cache-write tokens; defaults to the input rate."""
    reasoning_per_million: float | None = Field(default=None, ge=0)
    """US dollars per million reasoning tokens; defaults to the output rate."""
    currency: Literal["USD"] = "USD"
    source: str | None = None
    """Where the price comes from: a price page and its date."""
    as_of: str | None = None
    """Date the price was read, ISO format."""
    compute: ComputePrice | None = None
    """Price a local model by machine time instead of per-token list prices."""

    @model_validator(mode="after")
    def _check_complete(self) -> PriceConfig:
        per_token = self.input_per_million is not None or self.output_per_million is not None
        if self.compute is not None and per_token:
            raise ValueError("set either 'compute' or the per-million rates, not both")
        if self.compute is None and (self.input_per_million is None or self.output_per_million is None):
            raise ValueError("a per-token price needs both 'input_per_million' and 'output_per_million'")
        if self.compute is None and not self.source:
            raise ValueError("a price needs a 'source' (the price page and date it was read from)")
        return self


class LocalServer(_Strict):
    """An embedded model that the harness starts on 127.0.0.1 with llama-cpp-python."""

    weights: Literal["smollm2-135m-instruct", "qwen2.5-coder-0.5b-instruct"]
    """Which bundled GGUF file to serve."""
    threads: int = Field(default=1, ge=1)
    """CPU threads for the server; one is the safe default on a shared 2-core machine."""
    context: int = Field(default=2048, ge=256)
    """Context window in tokens."""
    chat_format: str | None = None
    """llama.cpp chat format; None uses the template stored in the GGUF file."""


class ModelConfig(_Strict):
    """One model of a run: how to call it, what it is for and what it costs."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    """Short unique name used in results and reports."""
    model: str
    """LiteLLM model string, e.g. 'openai/gpt-4o' or 'anthropic/claude-sonnet-4-5'."""
    api_base: str | None = None
    """Endpoint URL for OpenAI-compatible servers."""
    api_key_env: str | None = None
    """Name of the environment variable holding the API key (never the key itself)."""
    role: Role
    """'specialized' for a domain model, 'frontier' for the general baseline."""
    verticals: list[str] = Field(default_factory=list)
    """Verticals a specialized model targets."""
    description: str | None = None
    """What the model is, printed in reports."""
    params: dict[str, Any] = Field(default_factory=dict)
    """Generation parameters passed to the model (temperature, max_tokens, top_p, seed, ...)."""
    price: PriceConfig | None = None
    """Price override; without it LiteLLM's bundled price map is used, else the model is unpriced."""
    max_concurrency: int = Field(default=4, ge=1, le=1024)
    """Maximum requests in flight to this model."""
    local: LocalServer | None = None
    """Start this model locally instead of calling a remote endpoint."""

    @field_validator("api_key_env")
    @classmethod
    def _key_env_is_a_name(cls, value: str | None) -> str | None:
        if value is not None and (value.startswith("sk-") or len(value) > 64 or " " in value):
            raise ValueError("must be the NAME of an environment variable, not the key itself")
        return value

    @model_validator(mode="after")
    def _check_role(self) -> ModelConfig:
        if self.role == "specialized" and not self.verticals:
            raise ValueError(f"specialized model '{self.id}' needs 'verticals', e.g. verticals: [code]")
        if self.role == "frontier" and self.verticals:
            raise ValueError(f"frontier model '{self.id}' must not list 'verticals'; it is the baseline for all")
        return self


MAX_CALL_WORKERS = 32
"""Largest `run.call_workers` accepted."""


class RunSettings(_Strict):
    """Settings that apply to every model and suite of a run."""

    seed: int = 1234
    """Seed for item sampling and for models that accept one."""
    limit: int | None = Field(default=None, ge=1)
    """Maximum items per suite; None runs every item."""
    timeout_s: float = Field(default=120.0, gt=0)
    """Timeout of one model call in seconds."""
    retries: int = Field(default=3, ge=0, le=20)
    """Retries after a rate limit, server error or timeout (exponential back-off)."""
    code_timeout_s: float = Field(default=10.0, gt=0)
    """Wall-clock limit for running one model-written program."""
    price_file: str | None = None
    """A user price file (YAML or JSON, see docs/costs.md) consulted after the models' own `price`
    and before LiteLLM's price map. A relative path is read from the config file's folder."""
    openai_sdk: bool = False
    """true sends OpenAI and OpenAI-compatible requests through the OpenAI Python SDK, LiteLLM's
    own default. false, the default, sets LiteLLM's EXPERIMENTAL_OPENAI_BASE_LLM_HTTP_HANDLER
    switch, so LiteLLM sends them with its own HTTP handler, which costs less CPU per call
    (docs/benchmarks.md). That handler would resend a request once, silently, when the
    connection ends after sending. The harness gives it a client that raises the error
    instead, so the harness's own retry makes and counts the next call
    (harness/models/http_client.py). The setting applies to the whole process."""
    call_workers: int | Literal["auto"] = "auto"
    """Processes that make the model calls, so LiteLLM's CPU per call is spread over the cores
    (harness/models/call_pool.py). `auto` starts one per core, or one per 4 calls allowed at
    once if that is more, at most 4, when there are 2 or more cores and the run's API models
    allow 4 or more calls at once. 0 makes every call in
    the main process, as happens on other platforms than Linux."""

    @field_validator("call_workers", mode="before")
    @classmethod
    def _workers_in_range(cls, value: Any) -> int | str:
        # Checked before pydantic's own coercion, so true, 2.0 and "2" are rejected rather than read as numbers.
        if value == "auto" or (type(value) is int and 0 <= value <= MAX_CALL_WORKERS):
            return value
        raise ValueError(f"{json.dumps(value, default=str)} is invalid; write auto, 0 to make every call in the main process, "
                         f"or a whole number of workers up to {MAX_CALL_WORKERS}, without quotes (docs/config.md)")


class RunConfig(_Strict):
    """A whole run: models, suites and settings."""

    name: str = "run"
    """Label for the run, used in report titles."""
    description: str | None = None
    models: list[ModelConfig] = Field(min_length=1)
    suites: list[str] = Field(min_length=1)
    """Suite names or glob patterns, e.g. 'legal/*' or 'starter/*'."""
    run: RunSettings = Field(default_factory=RunSettings)
    router: RouterConfig | None = None
    """Route each item to one model at run time instead of running every model (see docs/routing.md)."""

    @model_serializer(mode="wrap")
    def _omit_unset_router(self, handler: Any) -> Any:
        # Without a router the dump, and so the config hash, stays what it was before routing existed.
        data = handler(self)
        if isinstance(data, dict) and data.get("router") is None:
            data.pop("router", None)
        return data

    @model_validator(mode="after")
    def _router_models_known(self) -> RunConfig:
        if self.router is not None:
            known = {model.id for model in self.models}
            unknown = [model for model in self.router.models() if model not in known]
            if unknown:
                raise ValueError(f"router names model(s) {', '.join(unknown)} that are not in 'models'; use ids from {sorted(known)}")
        return self

    @model_validator(mode="after")
    def _unique_ids(self) -> RunConfig:
        seen: set[str] = set()
        for model in self.models:
            if model.id in seen:
                raise ValueError(f"model id '{model.id}' appears twice; give each model a unique id")
            seen.add(model.id)
        return self

    def model(self, model_id: str) -> ModelConfig:
        """Return the model with this id; raise KeyError if absent."""
        for model in self.models:
            if model.id == model_id:
                return model
        raise KeyError(model_id)

    def fingerprint(self) -> str:
        """Return a short hash of the config, stable across key order.

        `run.call_workers` is left out: it changes how fast calls are made, not what is asked.
        """
        data = self.model_dump(mode="json")
        data["run"].pop("call_workers", None)
        text = json.dumps(data, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_config(path: str | Path) -> RunConfig:
    """Read and validate a YAML run config.

    Raises:
        ConfigError: the file is missing, is not valid YAML, or fails validation;
            the message names the key, the bad value and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}. Pass the path of a YAML run config, e.g. configs/demo.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}. Fix the syntax at the line shown.") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping with 'models' and 'suites', got {type(data).__name__}")
    _anchor_price_file(data, path.parent)
    return parse_config(data, source=str(path))


def _anchor_price_file(data: dict[str, Any], folder: Path) -> None:
    """Make a relative `run.price_file` relative to the config's folder, as users write it."""
    run = data.get("run")
    value = run.get("price_file") if isinstance(run, dict) else None
    if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
        run["price_file"] = str((folder / value).resolve())


def parse_config(data: dict[str, Any], source: str = "<config>") -> RunConfig:
    """Validate a config given as a mapping; raise ConfigError on the first problems found."""
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source)) from None


def format_validation_error(exc: ValidationError, source: str) -> str:
    """Turn a pydantic error into lines that name the key, the value and the fix."""
    lines = [f"{source}: invalid run config ({exc.error_count()} problem(s)):"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        value = error.get("input")
        shown = json.dumps(value, default=str)[:120] if error["type"] != "missing" else "(missing)"
        if key.endswith("api_key_env") and error["type"] == "value_error":
            shown = "(not shown: it may be the key itself)"
        lines.append(f"  - {key} = {shown}: {_fix_hint(error)}")
    return "\n".join(lines)


def _closest_key(error: Any) -> str | None:
    """Suggest the allowed key nearest to a misspelt one, using the model that rejected it."""
    import difflib

    name = str(error["loc"][-1])
    allowed = {key for model in _ALL_MODELS for key in model.model_fields}
    matches = difflib.get_close_matches(name, sorted(allowed), n=1, cutoff=0.8)
    return matches[0] if matches else None


def _fix_hint(error: Any) -> str:
    kind = error["type"]
    message = error["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        suggestion = _closest_key(error)
        hint = f" (did you mean '{suggestion}'?)" if suggestion else ""
        return f"unknown key; remove it or check its spelling against docs/config.md{hint}"
    if kind == "missing":
        return "required key is missing; add it"
    if kind == "literal_error":
        return f"{message}"
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type"):
        return f"{message}; write a plain number such as 0.5, without a currency sign, unit or quotes"
    return message


# Every schema of a run config, whose keys a misspelt key is compared with.
_ALL_MODELS: tuple[type[BaseModel], ...] = (RunConfig, ModelConfig, RunSettings, PriceConfig, ComputePrice, LocalServer)
