"""Live routing: the executor asks the router which model answers each item and hands failures down the chain.

Before the run, `LiveRouter.prepare` classifies every item (when the policy classifies) and
keeps one planned request per item, for the first model of its chain. During the run the
executor passes each of those to `run_item`, which calls the chain's models in order with the
same decision rule as the offline simulation (`harness.routing.policies.decide`). A model whose
calls keep failing has its circuit opened for a cool-down, so items skip it. Every call is
stored as a sample with a `route` record saying which step it was, why, and whether it is final.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from harness.config import RunConfig
from harness.errors import ConfigError
from harness.plan import PlannedSample
from harness.routing.classify import Classification, LabelledText
from harness.routing.confidence import reply_confidence
from harness.routing.config import RouterConfig
from harness.routing.corpus import merge, query_text, suite_corpus
from harness.routing.policies import Choice, Decision, choose, decide
from harness.routing.verdicts import ClassifierSetup, StrippedClassifier, build_classifier
from harness.store.records import Sample

logger = logging.getLogger(__name__)

ItemKey = tuple[str, str, int]
"""(suite id, item id, repeat)."""
Call = Callable[[PlannedSample], Awaitable[Sample]]
Emit = Callable[[Sample], None]


class CircuitBreaker:
    """Opens a model's circuit after `errors` consecutive failed calls, for `cooldown_s` seconds."""

    def __init__(self, errors: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.errors = errors
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._open_until: dict[str, float] = {}

    def is_open(self, model_id: str) -> bool:
        """Return whether calls to the model are skipped now."""
        return self._clock() < self._open_until.get(model_id, 0.0)

    def record(self, model_id: str, failed: bool) -> None:
        """Count one call's result; a success closes the circuit."""
        if not failed:
            self._failures[model_id] = 0
            return
        self._failures[model_id] = self._failures.get(model_id, 0) + 1
        if self._failures[model_id] >= self.errors:
            self._open_until[model_id] = self._clock() + self.cooldown_s
            self._failures[model_id] = 0
            logger.warning("router: circuit of model %s opened for %.0f s after %d failed calls", model_id, self.cooldown_s, self.errors)


@dataclasses.dataclass
class _ItemPlan:
    choice: Choice
    verdict: Classification | None
    requests: dict[str, PlannedSample]
    """The planned request of each model of the chain."""


class LiveRouter:
    """Routes the items of one run; created once per run by `prepare`."""

    def __init__(self, spec: RouterConfig, classifier: StrippedClassifier | None, classifier_latency_s: float,
                 stored: dict[tuple[str, str, str, int], Sample]) -> None:
        self.spec = spec
        self.classifier = classifier
        self.classifier_latency_s = classifier_latency_s
        self.stored = stored
        self.breaker = CircuitBreaker(spec.circuit_errors, spec.circuit_cooldown_s)
        self.items: dict[ItemKey, _ItemPlan] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}

    @classmethod
    def prepare(cls, config: RunConfig, plan: list[PlannedSample], stored: Iterable[Sample], data_dir: str | None,
                config_dir: Path | None = None) -> tuple[LiveRouter, list[PlannedSample], set[tuple[str, str, str, int]]]:
        """Build the router and return it with one planned request per item (its first model) and the finished keys.

        Raises:
            ConfigError: the router's classifier cannot be built.
        """
        spec = config.router
        assert spec is not None
        samples = {sample.key: sample for sample in stored}
        classifier = _classifier(spec, plan, data_dir, config.run.seed) if spec.kind == "classifier" else None
        router = cls(spec, classifier, 0.0, samples)
        primary: list[PlannedSample] = []
        finished: set[tuple[str, str, str, int]] = set()
        for key, requests in _group(plan).items():
            first = next(iter(requests.values()))
            verdict, elapsed = router._classify(first)
            router.classifier_latency_s = max(router.classifier_latency_s, elapsed)
            choice = choose(spec, first.suite.spec.vertical, verdict)
            router.items[key] = _ItemPlan(choice, verdict, requests)
            request = requests[choice.chain[0]]
            primary.append(request)
            if any(_is_final(samples.get((model, *key))) for model in requests):
                finished.add(request.key)
        for model in config.models:
            router._slots[model.id] = asyncio.Semaphore(1 if model.local is not None else model.max_concurrency)
        return router, primary, finished

    def _classify(self, planned: PlannedSample) -> tuple[Classification | None, float]:
        if self.classifier is None:
            return None, 0.0
        started = time.perf_counter()
        verdict = self.classifier.classify(query_text(planned.messages))
        return verdict, time.perf_counter() - started

    async def run_item(self, planned: PlannedSample, call: Call, emit: Emit) -> None:
        """Send one item down its chain: call, judge, and move on until a reply is accepted or the chain ends."""
        key = (planned.suite.spec.id, planned.item.id, planned.repeat)
        item = self.items[key]
        chain = item.choice.chain
        reason = item.choice.reason
        skipped: list[dict[str, str]] = []
        for position, model in enumerate(chain):
            is_last = position + 1 == len(chain)
            if self.breaker.is_open(model) and not is_last:
                skipped.append({"model": model, "reason": "circuit open"})
                reason = f"{model} skipped: circuit open"
                continue
            sample = await self._answer(item.requests[model], call)
            confidence = reply_confidence(sample.reply, sample.outcome, planned.suite.spec.scorer)
            decision = decide(self.spec, sample.outcome, confidence, not is_last)
            if sample.route is None:
                emit(sample.model_copy(update={"route": self._record(item, position, model, reason, decision, confidence, skipped)}))
            if not decision.moves_on:
                return
            reason = f"{decision.action} from {model}: {decision.reason}"
            skipped = []

    async def _answer(self, request: PlannedSample, call: Call) -> Sample:
        """Return the stored sample of an earlier attempt of the run, or call the model."""
        stored = self.stored.get(request.key)
        if stored is not None:
            return stored
        async with self._slots[request.model.id]:
            sample = await call(request)
        self.breaker.record(request.model.id, sample.outcome == "error")
        return sample

    def _record(self, item: _ItemPlan, position: int, model: str, reason: str, decision: Decision, confidence: float,
                skipped: list[dict[str, str]]) -> dict[str, Any]:
        record: dict[str, Any] = {
            "policy": self.spec.label, "kind": self.spec.kind, "step": position, "model": model,
            "chain": list(item.choice.chain), "reason": reason, "decision": decision.action,
            "decision_reason": decision.reason, "final": not decision.moves_on,
            "review": decision.action in ("review", "exhausted"), "confidence": confidence, "skipped": skipped,
        }
        if item.verdict is not None and position == 0:
            record["classified"] = dataclasses.asdict(item.verdict)
            record["classifier_cost_usd"] = self.spec.classifier_cost_usd
        return record


def _is_final(sample: Sample | None) -> bool:
    return sample is not None and sample.route is not None and bool(sample.route.get("final"))


def _group(plan: list[PlannedSample]) -> dict[ItemKey, dict[str, PlannedSample]]:
    groups: dict[ItemKey, dict[str, PlannedSample]] = {}
    for planned in plan:
        groups.setdefault((planned.suite.spec.id, planned.item.id, planned.repeat), {})[planned.model.id] = planned
    return groups


def _classifier(spec: RouterConfig, plan: list[PlannedSample], data_dir: str | None, seed: int) -> StrippedClassifier:
    """Build the router's classifier; a trained one learns from the run's items and every local suite."""
    setup = ClassifierSetup(rules_path=Path(spec.rules) if spec.rules else None, data_dir=Path(data_dir) if data_dir else None,
                            per_suite=spec.training_per_suite, seed=seed, cost_per_query_usd=spec.classifier_cost_usd)
    run_items = [LabelledText((p.suite.spec.id, p.item.id), query_text(p.messages), p.suite.spec.vertical) for p in plan]
    examples = merge(run_items)
    if spec.classifier == "trained":
        examples = merge(examples, suite_corpus(setup.data_dir, per_suite=setup.per_suite, seed=seed).examples)
    try:
        return build_classifier(spec.classifier, examples, setup)
    except ValueError as exc:
        raise ConfigError(f"router: cannot build the {spec.classifier} classifier: {exc}. Use classifier: keyword, or add suites of other verticals.") from None
