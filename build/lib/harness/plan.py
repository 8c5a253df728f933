"""Planning: the list of (model, suite, item, repeat) samples a run will produce."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from harness.config import ModelConfig
from harness.suites.items import Item
from harness.suites.loader import LoadedSuite
from harness.suites.prompt import build_messages


@dataclass(frozen=True)
class PlannedSample:
    """One request to make: which model, which suite and item, and the messages to send."""

    model: ModelConfig
    suite: LoadedSuite
    item: Item
    repeat: int
    messages: list[dict[str, str]]
    params: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, str, int]:
        """Identity of the sample within a run, as stored."""
        return (self.model.id, self.suite.spec.id, self.item.id, self.repeat)


def generation_params(model: ModelConfig, suite: LoadedSuite, seed: int) -> dict[str, Any]:
    """Merge the suite's output limit with the model's own parameters (the model wins)."""
    params: dict[str, Any] = {"max_tokens": suite.spec.max_tokens, "temperature": 0.0, "seed": seed}
    params.update(model.params)
    return params


def build_plan(models: Iterable[ModelConfig], suites: Iterable[LoadedSuite], seed: int, repeats: int = 1) -> list[PlannedSample]:
    """Return every sample of a run, ordered by suite, item, model so models progress together."""
    models = list(models)
    plan: list[PlannedSample] = []
    for suite in suites:
        for item in suite.items:
            messages = build_messages(suite.spec, item)
            for model in models:
                params = generation_params(model, suite, seed)
                for repeat in range(repeats):
                    plan.append(PlannedSample(model, suite, item, repeat, messages, params))
    return plan
