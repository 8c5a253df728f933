"""The `router` section of a run config: a policy plus what live routing needs (circuit breaker, classifier set-up)."""

from __future__ import annotations

from pydantic import Field

from harness.routing.policies import PolicySpec


class RouterConfig(PolicySpec):
    """Route each item to one model at run time, with fallbacks, escalation and a circuit breaker per model.

    The policy fields are those of `PolicySpec`. With a router, a run stores one sample per
    model an item was sent to, each with a `route` record, instead of every model on every item.
    """

    circuit_errors: int = Field(default=3, ge=1)
    """Consecutive failed calls (after the client's own retries) that open a model's circuit."""
    circuit_cooldown_s: float = Field(default=60.0, gt=0)
    """Seconds an open circuit stays open; then one call probes the model again."""
    rules: str | None = None
    """Keyword rules file for a 'keyword' classifier; None uses the shipped rules."""
    classifier_cost_usd: float = Field(default=0.0, ge=0)
    """US dollars charged per classification; both classifiers run in-process, so 0 unless you price the CPU time."""
    training_per_suite: int = Field(default=200, ge=1)
    """Items per suite that train a 'trained' classifier (a seeded sample)."""
