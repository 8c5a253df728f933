"""Cost tables shared by the terminal and the report: prices used, spend per model, and repriced totals.

Every cell is a formatted string. A model without a price shows 'unpriced', never $0; a
total names how many samples it leaves out because their model is unpriced or their usage
was not reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from harness.aggregate import Aggregates, GroupStats
from harness.report.formatting import format_money
from harness.store.records import PriceSnapshot

UNPRICED = "unpriced"
NOT_PRICED_RATIO = "n/a (unpriced)"


def money(value: float | None, priced: bool = True) -> str:
    """Format dollars; 'unpriced' for a model without a price, 'n/a' for a missing figure."""
    return format_money(value) if priced else UNPRICED


def rate(value: float | None, fallback: str) -> str:
    """Format a per-million rate, or name the rate that applies when it is not set."""
    return fallback if value is None else format_money(value)


def price_rows(prices: dict[str, PriceSnapshot]) -> list[dict[str, str]]:
    """Format one row per model: every per-million rate, its origin, key, source and date."""
    rows = []
    for model_id, price in prices.items():
        if not price.priced:
            rows.append({"model": model_id, "input": UNPRICED, "cached": UNPRICED, "write": UNPRICED,
                         "output": UNPRICED, "reasoning": UNPRICED, "origin": "unpriced",
                         "source": price.detail or "no price found"})
            continue
        source = price.source + (f", as of {price.as_of}" if price.as_of else "")
        if price.price_key and price.price_key != model_id:
            source += f"; key {price.price_key}"
        if price.detail:
            source += f"; {price.detail}"
        rows.append({
            "model": model_id, "input": rate(price.input_per_million, "n/a"),
            "cached": rate(price.cached_input_per_million, "input rate"),
            "write": rate(price.cache_write_per_million, "input rate"),
            "output": rate(price.output_per_million, "n/a"),
            "reasoning": rate(price.reasoning_per_million, "output rate"),
            "origin": origin_of(price), "source": source,
        })
    return rows


def origin_of(price: PriceSnapshot) -> str:
    """Return where a price came from, read from its source text for runs stored before `origin` was kept."""
    if price.origin:
        return price.origin
    source = price.source.lower()
    for prefix, origin in (("config", "config"), ("price file", "price_file"), ("litellm", "litellm"),
                           ("compute", "compute"), ("unpriced", "unpriced")):
        if source.startswith(prefix):
            return origin
    return "not recorded"


@dataclass
class _Spend:
    samples: int = 0
    answered: int = 0
    cost: float = 0.0
    usage_missing: int = 0
    priced: bool = True


def spend_rows(aggregates: Aggregates) -> tuple[list[dict[str, str]], str]:
    """Per model: samples, total cost and what the total leaves out; plus the run total line."""
    per_model: dict[str, _Spend] = defaultdict(_Spend)
    for stats in aggregates.by_vertical:
        _add(per_model[stats.model_id], stats)
    rows = [_spend_row(model_id, spend) for model_id, spend in per_model.items()]
    return rows, total_line(per_model.values())


def _add(spend: _Spend, stats: GroupStats) -> None:
    spend.samples += stats.items
    spend.answered += stats.answered
    spend.priced = stats.priced
    spend.usage_missing += stats.cost_missing if stats.priced else 0
    if stats.total_cost is not None:
        spend.cost += stats.total_cost


def _spend_row(model_id: str, spend: _Spend) -> dict[str, str]:
    if not spend.priced:
        excluded = f"{spend.answered:,} unpriced samples"
    elif spend.usage_missing:
        excluded = f"{spend.usage_missing:,} samples without reported usage"
    else:
        excluded = "none"
    return {"model": model_id, "samples": f"{spend.samples:,}", "cost": money(spend.cost, spend.priced),
            "excluded": excluded}


def total_line(spends: Iterable[_Spend], label: str = "Total") -> str:
    """Format the run's total cost, naming the unpriced samples and those without usage it excludes."""
    spends = list(spends)
    total = sum(spend.cost for spend in spends if spend.priced)
    unpriced = sum(spend.answered for spend in spends if not spend.priced)
    missing = sum(spend.usage_missing for spend in spends if spend.priced)
    notes = []
    if unpriced:
        notes.append(f"excludes {unpriced:,} unpriced samples")
    if missing:
        notes.append(f"excludes {missing:,} samples without reported usage")
    if not any(spend.priced for spend in spends):
        return f"{label}: {UNPRICED} ({'; '.join(notes) or 'no samples'})"
    return f"{label}: {format_money(total)}" + (f" ({'; '.join(notes)})" if notes else "")


def reprice_rows(tallies: dict[tuple[str, str], Any], before: dict[str, PriceSnapshot],
                 after: dict[str, PriceSnapshot]) -> tuple[list[list[str]], list[str]]:
    """Rows (model, vertical, samples, cost before, cost after, change) and the two total lines.

    Args:
        tallies: `harness.costs.reprice.CostTally` per (model id, vertical).
        before: the run's prices.
        after: the repriced copy's prices.
    """
    rows = []
    for (model_id, vertical), tally in sorted(tallies.items()):
        priced_before, priced_after = _is_priced(before, model_id), _is_priced(after, model_id)
        change = NOT_PRICED_RATIO
        if priced_before and priced_after:
            change = "n/a" if not tally.original else f"{(tally.repriced / tally.original - 1) * 100:+,.1f}%"
        rows.append([model_id, vertical, f"{tally.samples:,}", money(tally.original, priced_before),
                     money(tally.repriced, priced_after), change])
    totals = [
        _reprice_total(tallies, before, "original", "original_missing", "Total at the run's prices"),
        _reprice_total(tallies, after, "repriced", "repriced_missing", "Total at the new prices"),
    ]
    return rows, totals


def _is_priced(prices: dict[str, PriceSnapshot], model_id: str) -> bool:
    price = prices.get(model_id)
    return price is not None and price.priced


def _reprice_total(tallies: dict[tuple[str, str], Any], prices: dict[str, PriceSnapshot], cost: str, missing: str,
                   label: str) -> str:
    spends = []
    for (model_id, _), tally in tallies.items():
        priced = _is_priced(prices, model_id)
        spends.append(_Spend(samples=tally.samples, answered=tally.billed, cost=getattr(tally, cost),
                             usage_missing=getattr(tally, missing) if priced else 0, priced=priced))
    return total_line(spends, label)
