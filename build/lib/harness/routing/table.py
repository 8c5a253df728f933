"""The routing table: for each item, every model's stored outcome, cost, latency and confidence.

A simulation replays a policy on this table, so it needs the samples of two or more models
on the same items. Items that some model lacks are left out and counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harness.aggregate import is_priced
from harness.errors import VerticalbenchError
from harness.routing.confidence import reply_confidence
from harness.routing.corpus import query_text
from harness.store.records import Manifest, Sample

ItemKey = tuple[str, str]
"""(suite id, item id)."""


class RoutingError(VerticalbenchError):
    """A routing analysis or a router cannot be built from the run's samples or the requested options."""


@dataclass(frozen=True)
class Step:
    """One model's stored answer to one item."""

    model_id: str
    outcome: str
    cost_usd: float | None
    """US dollars; 0 for a failed call of a priced model (providers do not bill it); None when unpriced or usage is missing."""
    latency_s: float | None
    """Seconds of the successful call; None for a failed call, whose time is not stored."""
    confidence: float

    @property
    def correct(self) -> bool:
        """Whether the answer was correct."""
        return self.outcome == "correct"


@dataclass(frozen=True)
class TableItem:
    """One item with every model's step."""

    suite: str
    item_id: str
    vertical: str
    text: str
    """The query as the router sees it."""
    steps: dict[str, Step]

    @property
    def key(self) -> ItemKey:
        """(suite id, item id)."""
        return (self.suite, self.item_id)


@dataclass(frozen=True)
class RoutingTable:
    """The items every model answered, in a stable order."""

    models: tuple[str, ...]
    """Model ids in config order."""
    items: tuple[TableItem, ...]
    dropped: int
    """Items left out because at least one model has no sample for them."""
    priced: dict[str, bool]

    @property
    def verticals(self) -> tuple[str, ...]:
        """The verticals of the items, sorted."""
        return tuple(sorted({item.vertical for item in self.items}))

    def subset(self, vertical: str) -> RoutingTable:
        """Return the table restricted to one vertical's items."""
        items = tuple(item for item in self.items if item.vertical == vertical)
        return RoutingTable(self.models, items, 0, self.priced)


def step_cost(sample: Sample, priced: bool) -> float | None:
    """Return the cost of a stored sample for routing: its cost, 0 for a failed call of a priced model, else None."""
    if sample.cost_usd is not None:
        return sample.cost_usd
    if sample.outcome == "error" and priced:
        return 0.0
    return None


def build_table(samples: Iterable[Sample], manifest: Manifest, models: Sequence[str] | None = None) -> RoutingTable:
    """Collect repeat-0 samples of the run's models into a routing table.

    Samples of a live routed run (those with a `route`) are left out: they answer only the
    items the router sent to each model. A later record of the same (model, suite, item)
    replaces an earlier one, as a resumed run may store both.

    Raises:
        RoutingError: fewer than two models have samples, or no item was answered by all of them.
    """
    scorers = {suite.suite: suite.scorer for suite in manifest.suites.values()}
    config_order = [str(entry["id"]) for entry in manifest.config.get("models", [])]
    by_item: dict[ItemKey, dict[str, Sample]] = {}
    for sample in samples:
        if sample.repeat != 0 or sample.route is not None:
            continue
        by_item.setdefault((sample.suite, sample.item_id), {})[sample.model_id] = sample
    present = {model for answers in by_item.values() for model in answers}
    chosen = [model for model in (models or config_order) if model in present] or sorted(present)
    if models:
        missing = sorted(set(models) - present)
        if missing:
            raise RoutingError(f"model(s) {', '.join(missing)} have no samples in run {manifest.run_id}; known: {', '.join(sorted(present))}")
    if len(chosen) < 2:
        raise RoutingError(
            f"routing needs the samples of at least two models on the same items; run {manifest.run_id} has "
            f"{', '.join(sorted(present)) or 'no samples'}. Run the config with two or more models first."
        )
    priced = {model: is_priced(manifest, model) for model in chosen}
    items = []
    for (suite, item_id), answers in sorted(by_item.items()):
        if not all(model in answers for model in chosen):
            continue
        first = answers[chosen[0]]
        steps = {model: _step(answers[model], priced[model], scorers.get(suite)) for model in chosen}
        items.append(TableItem(suite, item_id, first.vertical, query_text(first.messages), steps))
    if not items:
        raise RoutingError(f"no item of run {manifest.run_id} was answered by every one of {', '.join(chosen)}")
    return RoutingTable(tuple(chosen), tuple(items), len(by_item) - len(items), priced)


def _step(sample: Sample, priced: bool, scorer: str | None) -> Step:
    return Step(
        model_id=sample.model_id,
        outcome=sample.outcome,
        cost_usd=step_cost(sample, priced),
        latency_s=sample.latency_s,
        confidence=reply_confidence(sample.reply, sample.outcome, scorer),
    )
