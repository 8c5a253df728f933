"""Figures of a live routed run from its samples' `route` records, and its comparison with a simulation.

A routed run stores one sample per call; the sample marked `final` carries the item's answer.
Its point uses the same definitions as a simulated one (harness.routing.simulate), so a live
run can be set against the same policy replayed on a run where every model answered every item.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.aggregate import is_priced
from harness.routing.classify import Classification
from harness.routing.policies import PolicySpec
from harness.routing.results import PointResult
from harness.routing.simulate import ClassifierCost, ItemRoute, route_item, summarise
from harness.routing.table import RoutingTable, step_cost
from harness.store.records import Manifest, Sample

if TYPE_CHECKING:
    from harness.routing.verdicts import ClassifierSetup

LiveKey = tuple[str, str, int]


def routed_samples(samples: Iterable[Sample]) -> list[Sample]:
    """Return the samples that a live router stored (those with a `route`)."""
    return [sample for sample in samples if sample.route is not None]


@dataclass(frozen=True)
class LiveItem:
    """The calls a live router made for one item, in step order."""

    key: LiveKey
    steps: tuple[Sample, ...]

    @property
    def final(self) -> Sample | None:
        """The sample marked final, or None for an item the run did not finish."""
        return next((step for step in self.steps if step.route and step.route.get("final")), None)


def live_items(samples: Iterable[Sample]) -> list[LiveItem]:
    """Group routed samples by item, each item's steps in order."""
    groups: dict[LiveKey, list[Sample]] = {}
    for sample in routed_samples(samples):
        groups.setdefault((sample.suite, sample.item_id, sample.repeat), []).append(sample)
    return [LiveItem(key, tuple(sorted(steps, key=lambda s: int(s.route["step"])))) for key, steps in sorted(groups.items())]  # type: ignore[index]


def live_point(items: Iterable[LiveItem], manifest: Manifest, policy: str) -> PointResult:
    """Summarise the finished items of a live run as one policy point."""
    routes = []
    models = [str(entry["id"]) for entry in manifest.config.get("models", [])]
    for item in items:
        final = item.final
        if final is None:
            continue
        costs = [step_cost(step, is_priced(manifest, step.model_id)) for step in item.steps]
        classifier_usd = sum(float(step.route.get("classifier_cost_usd", 0.0)) for step in item.steps if step.route)
        cost = None if any(value is None for value in costs) else sum(costs) + classifier_usd  # type: ignore[arg-type]
        latencies = [step.latency_s for step in item.steps if step.latency_s is not None]
        assert final.route is not None
        routes.append(ItemRoute(tuple(step.model_id for step in item.steps), final.model_id, final.outcome == "correct", cost,
                                sum(latencies) if latencies else None, "classified" in (item.steps[0].route or {}),
                                "generalist" in str(item.steps[0].route.get("reason", "")) if item.steps[0].route else False,
                                bool(final.route.get("review"))))
    return summarise(f"{policy} (live)", "live", routes, models)


@dataclass(frozen=True)
class LiveSummary:
    """A live routed run in figures."""

    point: PointResult
    unfinished: int
    """Items with stored steps but no final sample (an interrupted run)."""
    decisions: dict[str, int]
    """How often each decision ('accept', 'fallback', 'escalate', 'review', 'exhausted') was taken."""
    skipped: int
    """Models skipped because their circuit was open."""


def summarise_live(samples: Iterable[Sample], manifest: Manifest) -> LiveSummary:
    """Summarise a live routed run: its point, unfinished items, decisions and circuit skips."""
    items = live_items(samples)
    policy = str((manifest.config.get("router") or {}).get("kind", "router"))
    steps = [step.route for item in items for step in item.steps if step.route]
    return LiveSummary(
        point=live_point(items, manifest, policy),
        unfinished=sum(item.final is None for item in items),
        decisions=dict(sorted(Counter(str(route.get("decision")) for route in steps).items())),
        skipped=sum(len(route.get("skipped", [])) for route in steps),
    )


def agreement(items: Iterable[LiveItem], table: RoutingTable, spec: PolicySpec,
              verdicts: Mapping[tuple[str, str], Classification] | None = None) -> tuple[int, int]:
    """Count the finished live items whose final model matches the simulation of the same policy on a full run.

    Returns:
        (matching items, items compared): items of the live run that the table also holds.
    """
    by_key = {item.key: item for item in table.items}
    matched = compared = 0
    for item in items:
        final = item.final
        table_item = by_key.get(item.key[:2])
        if final is None or table_item is None:
            continue
        simulated = route_item(spec, table_item, (verdicts or {}).get(table_item.key), ClassifierCost())
        compared += 1
        matched += simulated.final == final.model_id
    return matched, compared


def simulate_live_policy(samples: Iterable[Sample], manifest: Manifest, baseline_samples: Iterable[Sample],
                         baseline_manifest: Manifest, setup: ClassifierSetup | None = None) -> tuple[PointResult, int, int]:
    """Replay a live run's router policy on a baseline run where every model answered, and compare final models.

    Returns:
        (the simulated point, live items whose final model matches the simulation, live items compared).

    Raises:
        RoutingError: the live run has no router section, or the baseline lacks the router's models.
    """
    from harness.routing.config import RouterConfig
    from harness.routing.simulate import evaluate
    from harness.routing.table import RoutingError, build_table
    from harness.routing.verdicts import ClassifierSetup, classify_run, load_corpus

    router = manifest.config.get("router")
    if not router:
        raise RoutingError(f"run {manifest.run_id} has no router section, so there is no live policy to simulate")
    spec = RouterConfig.model_validate(router)
    table = build_table(baseline_samples, baseline_manifest, spec.models())
    verdicts = None
    if spec.kind == "classifier":
        options = setup or ClassifierSetup()
        verdicts = classify_run(spec.classifier, table, load_corpus(options), options).verdicts
    point = evaluate(spec, table, verdicts)
    matched, compared = agreement(live_items(samples), table, spec, verdicts)
    return point.model_copy(update={"policy": f"{spec.label} (simulated on {baseline_manifest.run_id})"}), matched, compared
