"""The estimate made before a run set against what the run measured, per model and suite.

Actual input tokens are uncached + cached + cache-write tokens, and actual output tokens are
visible + reasoning tokens, both over the samples with reported usage. Actual dollars are
the suite's total cost, and a ratio is actual / expected estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from harness.estimate.estimate import EstimateRow, RunEstimate


@dataclass(frozen=True)
class EstimateCheck:
    """One (model, suite): the estimate and the measurement side by side."""

    model_id: str
    suite: str
    estimate: EstimateRow
    actual_requests: int
    actual_input: int
    actual_output: int
    actual_cost: float | None
    """None when the model is unpriced or no sample of the suite has a cost."""
    priced: bool


def stored_estimate(cost_analysis: dict[str, Any]) -> RunEstimate | None:
    """Read the estimate kept in a manifest's `cost_analysis`; None when absent or unreadable."""
    data = cost_analysis.get("estimate")
    if not data:
        return None
    try:
        return RunEstimate.model_validate(data)
    except ValidationError:
        return None


def check_estimate(estimate: RunEstimate, by_suite: tuple[Any, ...]) -> list[EstimateCheck]:
    """Pair each estimate row with the run's figures of the same model and suite.

    Args:
        estimate: the stored estimate.
        by_suite: `Aggregates.by_suite` (per model and suite `GroupStats`).
    """
    stats = {(group.model_id, group.group): group for group in by_suite}
    checks = []
    for row in estimate.rows:
        group = stats.get((row.model_id, row.suite))
        if group is None:
            continue
        checks.append(EstimateCheck(
            model_id=row.model_id, suite=row.suite, estimate=row, actual_requests=group.items,
            actual_input=group.input_tokens, actual_output=group.output_tokens,
            actual_cost=group.total_cost, priced=group.priced,
        ))
    return checks


def ratio(actual: float | None, estimated: float | None) -> float | None:
    """Return actual / estimated, or None when either is missing or the estimate is 0."""
    if actual is None or estimated is None or estimated == 0:
        return None
    return actual / estimated
