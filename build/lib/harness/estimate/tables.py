"""Estimate cells shared by the dry run's terminal output and the report's estimate-against-actual table."""

from __future__ import annotations

from collections import defaultdict

from harness.costs.tables import UNPRICED, money
from harness.estimate.actual import EstimateCheck, ratio
from harness.estimate.estimate import EstimateRow, RunEstimate

DRY_RUN_HEADERS = ["model", "suite", "requests", "prompt tokens", "output tokens (expected)",
                   "output tokens (max_tokens)", "$ expected", "$ at max_tokens"]


def _tokens(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def dry_run_rows(estimate: RunEstimate) -> list[list[str]]:
    """Format one row per (model, suite), then one subtotal row per model."""
    rows = [_row(r.model_id, r.suite, r) for r in estimate.rows]
    by_model: dict[str, list[EstimateRow]] = defaultdict(list)
    for row in estimate.rows:
        by_model[row.model_id].append(row)
    for model_id, model_rows in by_model.items():
        if len(model_rows) > 1:
            rows.append(_subtotal(model_id, model_rows))
    return rows


def _row(model: str, suite: str, row: EstimateRow) -> list[str]:
    return [model, suite, f"{row.requests:,}", f"{row.prompt_tokens:,}", _tokens(row.output_expected),
            _tokens(row.output_bound), money(row.cost_expected, row.priced), money(row.cost_bound, row.priced)]


def _subtotal(model_id: str, rows: list[EstimateRow]) -> list[str]:
    merged = RunEstimate(made_at="", rows=rows)
    priced = rows[0].priced
    return [model_id, "all suites", f"{sum(r.requests for r in rows):,}", _tokens(merged.total("prompt_tokens")),
            _tokens(merged.total("output_expected")), _tokens(merged.total("output_bound")),
            money(merged.total("cost_expected"), priced), money(merged.total("cost_bound"), priced)]


def total_text(estimate: RunEstimate) -> str:
    """Format the run's estimated total, naming the requests of unpriced models it leaves out."""
    expected, bound = estimate.total("cost_expected"), estimate.total("cost_bound")
    requests = sum(row.requests for row in estimate.rows)
    text = f"Total: {requests:,} requests, {estimate.total('prompt_tokens') or 0:,} prompt tokens, "
    if expected is None:
        text += f"{UNPRICED}"
    else:
        text += f"{money(expected)} expected, {money(bound)} if every reply reaches max_tokens"
    unpriced = estimate.unpriced_requests()
    if unpriced:
        text += f" (excludes {unpriced:,} requests of unpriced models)"
    return text


def basis_lines(estimate: RunEstimate) -> list[str]:
    """List per model the tokenizer, the output basis per suite and the price source."""
    by_model: dict[str, list[EstimateRow]] = defaultdict(list)
    for row in estimate.rows:
        by_model[row.model_id].append(row)
    lines = []
    for model_id, rows in by_model.items():
        price = estimate.prices.get(model_id, UNPRICED)
        lines.append(f"{model_id}: prompt tokens by {rows[0].tokenizer}; price: {price}")
        lines += [f"  {row.suite}: output {row.output_basis}" for row in rows]
    return lines


def check_cells(check: EstimateCheck) -> dict[str, str]:
    """Estimate and actual side by side for one (model, suite) of a finished run."""
    row = check.estimate
    spent = ratio(check.actual_cost, row.cost_expected)
    return {
        "model": check.model_id,
        "suite": check.suite,
        "requests": f"{row.requests:,} / {check.actual_requests:,}",
        "input": f"{row.prompt_tokens:,} / {check.actual_input:,}",
        "output": f"{_tokens(row.output_expected)} / {check.actual_output:,}",
        "cost": f"{money(row.cost_expected, row.priced)} / {money(check.actual_cost, check.priced)}",
        "ratio": "n/a" if spent is None else f"{spent:.2f}",
        "basis": f"{row.tokenizer}; output {row.output_basis}",
    }
