"""Persisted records: one sample per (model, suite, item, repeat), and the run manifest."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["correct", "incorrect", "unparseable", "truncated", "refused", "error"]
ANSWER_OUTCOMES: frozenset[str] = frozenset({"correct", "incorrect"})
OUTCOMES: tuple[str, ...] = ("correct", "incorrect", "unparseable", "truncated", "refused", "error")


class Usage(BaseModel):
    """Token usage of one call, split by kind."""

    model_config = ConfigDict(extra="forbid")

    input_tokens: int | None = None
    """Uncached input (prompt) tokens."""
    cached_input_tokens: int = 0
    """Input tokens read from the provider's prompt cache."""
    cache_write_tokens: int = 0
    """Input tokens written to the provider's prompt cache."""
    output_tokens: int | None = None
    """Visible output tokens."""
    reasoning_tokens: int = 0
    """Hidden reasoning tokens, billed as output."""
    reported: bool = True
    """False when the provider returned no usage; the token counts are then unknown, not zero."""
    convention: str | None = None
    """How the provider's totals were split, e.g. 'prompt includes cache; completion includes reasoning'."""
    raw: dict[str, Any] | None = None
    """The usage block as LiteLLM returned it, numeric fields only, so no text can carry a secret."""

    @property
    def total_tokens(self) -> int:
        """All tokens of the call; 0 when usage was not reported."""
        parts = (self.input_tokens, self.cached_input_tokens, self.cache_write_tokens, self.output_tokens)
        return sum(part or 0 for part in parts) + self.reasoning_tokens


class ErrorInfo(BaseModel):
    """A provider or harness error recorded instead of an answer."""

    type: str
    """Exception class name, e.g. 'RateLimitError'."""
    message: str
    """Error message with any secret removed."""


class Sample(BaseModel):
    """The record of one model's reply to one item, scored."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    model_id: str
    suite: str
    """Suite id, '<vertical>/<name>'."""
    vertical: str
    item_id: str
    repeat: int = 0
    group: str | None = None
    """Subtask of the item, e.g. an MMLU subject."""
    messages: list[dict[str, Any]]
    """Messages as sent to the model."""
    params: dict[str, Any] = Field(default_factory=dict)
    """Generation parameters as sent."""
    reply: str | None = None
    finish_reason: str | None = None
    usage: Usage = Field(default_factory=Usage)
    latency_s: float | None = None
    """Wall-clock seconds of the successful call (excluding earlier failed attempts)."""
    attempts: int = 1
    """Calls made for this sample, retries included."""
    cost_usd: float | None = None
    """Cost of the call; None when the model is unpriced or usage was not reported."""
    reference: Any = None
    extracted: Any = None
    """The answer read from the reply."""
    score: float | None = None
    """1.0 correct, 0.0 incorrect; None for non-answer outcomes."""
    outcome: Outcome
    error: ErrorInfo | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    """Scorer details, e.g. per-instruction IFEval results or the sandbox status."""
    response_model: str | None = None
    """Model name the provider reported in its reply (informational; pricing uses the config id)."""
    started_at: str
    """ISO-8601 UTC time the first call for this sample started."""
    route: dict[str, Any] | None = None
    """Set by a routed run: the policy, this step of the item's model chain, why the model was
    chosen, and whether this sample is the item's final answer (see docs/routing.md)."""

    @property
    def key(self) -> tuple[str, str, str, int]:
        """Identity of the sample within a run."""
        return (self.model_id, self.suite, self.item_id, self.repeat)


class PriceSnapshot(BaseModel):
    """The price used for one model in a run, per million tokens."""

    model_config = ConfigDict(extra="forbid")

    model_id: str
    priced: bool
    input_per_million: float | None = None
    output_per_million: float | None = None
    cached_input_per_million: float | None = None
    cache_write_per_million: float | None = None
    currency: str = "USD"
    source: str
    """'config', 'litellm' (with the LiteLLM version), 'compute' (with rate and throughput) or 'unpriced'."""
    as_of: str | None = None
    detail: str | None = None
    """How the price was derived, e.g. the measured throughput of a local model."""
    reasoning_per_million: float | None = None
    """US dollars per million reasoning tokens; None bills them at the output rate."""
    origin: str | None = None
    """Which source supplied the price: 'config', 'price_file', 'litellm', 'compute' or 'unpriced'."""
    price_key: str | None = None
    """The key the price was found under: the config's model id or model string, or the LiteLLM map key."""
    litellm_version: str | None = None
    """LiteLLM version whose bundled price map supplied the price."""


class SuiteSnapshot(BaseModel):
    """What a run read for one suite."""

    suite: str
    vertical: str
    kind: str
    source: str
    """'hub:<path>[/<name>]@<revision>' or 'local:<files>'."""
    fingerprint: str
    """SHA-256 over the rows used, so a changed dataset is visible."""
    items: int
    scorer: str
    description: str


class Manifest(BaseModel):
    """Everything needed to reproduce and re-render a run."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    name: str
    config: dict[str, Any]
    """The run config as loaded."""
    config_hash: str
    prices: dict[str, PriceSnapshot] = Field(default_factory=dict)
    suites: dict[str, SuiteSnapshot] = Field(default_factory=dict)
    planned_samples: int = 0
    versions: dict[str, str] = Field(default_factory=dict)
    """Versions of verticalbench, Python, LiteLLM, datasets and the local server."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Command-line options of the run (limit, suite pattern, data dir)."""
    sandbox: str | None = None
    """Isolation used for model-written code."""
    started_at: str
    finished_at: str | None = None
    status: Literal["running", "finished", "interrupted"] = "running"
    cost_analysis: dict[str, Any] = Field(default_factory=dict)
    """Cost inputs kept with the run for its report: 'estimate' (the dry-run estimate made before
    the first call), 'roi' and 'readiness' (the last inputs of those commands), 'repriced' (set on
    a repriced copy: the price file and the original prices)."""
    routing: dict[str, Any] = Field(default_factory=dict)
    """The last `verticalbench route` analysis of this run, kept for its report (see docs/routing.md)."""
