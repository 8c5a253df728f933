"""The token and dollar estimate of a planned run, per model and suite.

- prompt tokens: counted for every request (see `harness.estimate.tokens`);
- output tokens, bound: requests x the `max_tokens` each request sends;
- output tokens, expected: requests x the mean output measured on the same model string and
  suite in earlier runs, capped at `max_tokens`. Without earlier runs it is the bound;
- dollars: prompt tokens at the uncached input rate (prompt caching can only lower this),
  output tokens at the output rate, by the same `call_cost` a run uses.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from harness.costs.prices import call_cost
from harness.estimate.history import HistoryKey, OutputHistory
from harness.estimate.tokens import Tokenizer, choose_tokenizer, count_prompt_tokens
from harness.plan import PlannedSample
from harness.store.records import PriceSnapshot, Usage
from harness.store.run_dir import utc_now

logger = logging.getLogger(__name__)


class EstimateRow(BaseModel):
    """Estimated tokens and dollars of one model on one suite."""

    model_id: str
    suite: str
    requests: int
    prompt_tokens: int
    output_bound: int | None
    """requests x max_tokens; None when a request sets no max_tokens."""
    output_expected: int | None
    output_basis: str
    """Basis of the expected output: earlier runs or max_tokens."""
    tokenizer: str
    """Tokenizer or approximation that counted the prompt tokens."""
    approximate: bool
    priced: bool
    cost_bound: float | None
    """US dollars with every output at max_tokens; None when unpriced."""
    cost_expected: float | None


class RunEstimate(BaseModel):
    """The estimate of a whole run, made before any call."""

    made_at: str
    rows: list[EstimateRow] = Field(default_factory=list)
    prices: dict[str, str] = Field(default_factory=dict)
    """Model id -> source of the price used, or why it is unpriced."""

    def unpriced_requests(self) -> int:
        """Requests of models without a price, left out of every dollar total."""
        return sum(row.requests for row in self.rows if not row.priced)

    def total(self, field: str) -> float | None:
        """Sum a numeric field over the rows that have it; None when no row has it."""
        values = [getattr(row, field) for row in self.rows if getattr(row, field) is not None]
        return sum(values) if values else None


def estimate_plan(plan: Sequence[PlannedSample], prices: Mapping[str, PriceSnapshot],
                  history: Mapping[HistoryKey, OutputHistory]) -> RunEstimate:
    """Estimate tokens and dollars of every planned request, grouped by model and suite; call no model."""
    groups: dict[tuple[str, str], list[PlannedSample]] = {}
    for planned in plan:
        groups.setdefault((planned.model.id, planned.suite.spec.id), []).append(planned)
    tokenizers: dict[str, Tokenizer] = {}
    rows = []
    for (model_id, suite_id), requests in groups.items():
        model = requests[0].model
        tokenizer = tokenizers.setdefault(model_id, choose_tokenizer(model))
        rows.append(_row(model_id, suite_id, requests, tokenizer, prices.get(model_id),
                         history.get((model.model, suite_id))))
    price_notes = {model_id: _price_note(price) for model_id, price in prices.items()}
    return RunEstimate(made_at=utc_now(), rows=rows, prices=price_notes)


def _row(model_id: str, suite_id: str, requests: list[PlannedSample], tokenizer: Tokenizer,
         price: PriceSnapshot | None, earlier: OutputHistory | None) -> EstimateRow:
    prompt, used = _count(requests, tokenizer)
    limits = [_max_tokens(planned.params) for planned in requests]
    known = [limit for limit in limits if limit is not None]
    bound = sum(known) if len(known) == len(limits) else None
    expected, basis = _expected_output(limits, bound, earlier)
    priced = price is not None and price.priced
    return EstimateRow(
        model_id=model_id, suite=suite_id, requests=len(requests), prompt_tokens=prompt,
        output_bound=bound, output_expected=expected, output_basis=basis,
        tokenizer=used.label, approximate=used.approximate, priced=priced,
        cost_bound=_cost(prompt, bound, price), cost_expected=_cost(prompt, expected, price),
    )


def _count(requests: list[PlannedSample], tokenizer: Tokenizer) -> tuple[int, Tokenizer]:
    """Count every request's prompt; the plan shares one messages list across models, so cache by it."""
    total = 0
    used = tokenizer
    seen: dict[int, int] = {}
    for planned in requests:
        key = id(planned.messages)
        if key not in seen:
            seen[key], counted_with = count_prompt_tokens(tokenizer, planned.messages)
            if counted_with is not tokenizer:
                used = counted_with
        total += seen[key]
    return total, used


def _max_tokens(params: Mapping[str, Any]) -> int | None:
    value = params.get("max_tokens", params.get("max_completion_tokens"))
    return int(value) if isinstance(value, (int, float)) and value > 0 else None


def _expected_output(limits: list[int | None], bound: int | None, earlier: OutputHistory | None) -> tuple[int | None, str]:
    if earlier is not None and earlier.samples:
        per_request = [earlier.mean if limit is None else min(earlier.mean, limit) for limit in limits]
        runs = len(earlier.runs)
        basis = f"measured: mean {earlier.mean:,.1f} tokens over {earlier.samples:,} samples in {runs} earlier run(s)"
        return round(sum(per_request)), basis
    if bound is None:
        return None, "unknown: no max_tokens and no earlier run"
    return bound, "max_tokens (no earlier run of this model on this suite)"


def _cost(prompt: int, output: int | None, price: PriceSnapshot | None) -> float | None:
    if price is None or output is None:
        return None
    return call_cost(Usage(input_tokens=prompt, output_tokens=output), price)


def _price_note(price: PriceSnapshot) -> str:
    if price.priced:
        return price.source
    return f"unpriced ({price.detail})" if price.detail else "unpriced"
