"""Offline replay of routing policies on a run's stored samples.

Each item is walked down its policy's chain with the stored outcome and confidence of every
model, and the decisions are those a live router would take. The calls made are summed: cost,
latency, and the classifier's own cost and time when the policy classifies. No model is called.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harness.routing.classify import Classification
from harness.routing.policies import PolicySpec, choose, decide
from harness.routing.results import PointResult
from harness.routing.table import ItemKey, RoutingTable, TableItem
from harness.stats import percentile

CASCADE_SWEEP: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25)
"""Confidence thresholds swept for a cascade: 0 escalates only failures, 1.25 escalates every reply."""
CLASSIFIER_SWEEP: tuple[float, ...] = tuple(step / 20 for step in range(21)) + (1.01,)
"""Minimum classifier probabilities swept; 1.01 sends every query to the generalist."""


@dataclass(frozen=True)
class ClassifierCost:
    """Cost and time that one classification adds to a routed item."""

    usd: float = 0.0
    latency_s: float = 0.0


@dataclass(frozen=True)
class ItemRoute:
    """The route of one item in the simulation."""

    called: tuple[str, ...]
    final: str
    correct: bool
    cost: float | None
    latency_s: float | None
    classified: bool
    to_generalist: bool
    review: bool


def route_item(spec: PolicySpec, item: TableItem, verdict: Classification | None, classifier: ClassifierCost) -> ItemRoute:
    """Walk one item down its chain, deciding after each stored reply as a live router would."""
    choice = choose(spec, item.vertical, verdict)
    chain = [model for model in choice.chain if model in item.steps]
    called: list[str] = []
    review = False
    for position, model in enumerate(chain):
        called.append(model)
        step = item.steps[model]
        decision = decide(spec, step.outcome, step.confidence, position + 1 < len(chain))
        if not decision.moves_on:
            review = decision.action in ("review", "exhausted")
            break
    classified = spec.kind == "classifier"
    extra = classifier if classified else ClassifierCost()
    costs = [item.steps[model].cost_usd for model in called]
    cost = None
    if all(value is not None for value in costs):
        cost = sum(costs) + extra.usd  # type: ignore[arg-type]
    latencies = [item.steps[model].latency_s for model in called if item.steps[model].latency_s is not None]
    latency = None
    if latencies:
        latency = sum(latencies) + extra.latency_s  # type: ignore[arg-type]
    final = called[-1]
    return ItemRoute(tuple(called), final, item.steps[final].correct, cost, latency, classified,
                     classified and "generalist" in choice.reason, review)


def evaluate(spec: PolicySpec, table: RoutingTable, verdicts: Mapping[ItemKey, Classification] | None = None,
             classifier: ClassifierCost = ClassifierCost(), parameter: float | None = None) -> PointResult:
    """Replay a policy on every item of the table and summarise the routes."""
    routes = [route_item(spec, item, verdicts.get(item.key) if verdicts else None, classifier) for item in table.items]
    return summarise(spec.label, spec.kind, routes, table.models, parameter)


def summarise(policy: str, kind: str, routes: Sequence[ItemRoute], models: Sequence[str], parameter: float | None = None) -> PointResult:
    """Turn item routes into one point: accuracy, cost, latency and the share of items per model."""
    count = len(routes)
    correct = sum(route.correct for route in routes)
    costs = [route.cost for route in routes]
    unpriced = sum(cost is None for cost in costs)
    total = None if unpriced or not count else sum(cost for cost in costs if cost is not None)
    latencies = [route.latency_s for route in routes if route.latency_s is not None]
    sent = Counter(model for route in routes for model in route.called)
    final = Counter(route.final for route in routes)
    return PointResult(
        policy=policy, kind=kind, parameter=parameter, items=count, correct=correct,
        accuracy=correct / count if count else 0.0,
        total_cost=total,
        cost_per_query=total / count if total is not None and count else None,
        cost_per_correct=total / correct if total is not None and correct else None,
        unpriced_items=unpriced,
        latency_p50=percentile(latencies, 50) if latencies else None,
        latency_p95=percentile(latencies, 95) if latencies else None,
        shares={model: sent[model] / count for model in models} if count else {},
        final_shares={model: final[model] / count for model in models} if count else {},
        escalated=sum(len(route.called) > 1 for route in routes),
        to_generalist=sum(route.to_generalist for route in routes),
        review=sum(route.review for route in routes),
    )


def sweep(spec: PolicySpec, table: RoutingTable, verdicts: Mapping[ItemKey, Classification] | None = None,
          classifier: ClassifierCost = ClassifierCost()) -> list[PointResult]:
    """Evaluate the policy at each threshold of its sweep, dropping points identical to a lower threshold's.

    Fixed and table policies have no threshold, so their sweep is their one point.
    """
    if spec.kind == "cascade":
        field, values = "confidence_threshold", CASCADE_SWEEP
    elif spec.kind == "classifier":
        field, values = "min_probability", CLASSIFIER_SWEEP
    else:
        return [evaluate(spec, table, verdicts, classifier)]
    points: list[PointResult] = []
    for value in values:
        point = evaluate(spec.model_copy(update={field: value}), table, verdicts, classifier, parameter=value)
        if not points or _figures(point) != _figures(points[-1]):
            points.append(point)
    return points


def _figures(point: PointResult) -> tuple[object, ...]:
    return (point.correct, point.total_cost, point.shares, point.final_shares, point.review)


def oracle(table: RoutingTable) -> PointResult:
    """Route each item to the cheapest model that answered it correctly (RouterBench's oracle).

    With no correct model the item goes to the cheapest model. When a cost is unknown the
    models are taken in config order instead, and the point is unpriced.
    """
    routes = []
    for item in table.items:
        steps = [item.steps[model] for model in table.models]
        pool = [step for step in steps if step.correct] or steps
        known = all(step.cost_usd is not None for step in pool)
        chosen = min(pool, key=lambda step: step.cost_usd) if known else pool[0]  # type: ignore[arg-type, return-value]
        routes.append(ItemRoute((chosen.model_id,), chosen.model_id, chosen.correct, chosen.cost_usd, chosen.latency_s,
                                False, False, False))
    return summarise("oracle", "oracle", routes, table.models)
