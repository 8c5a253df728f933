"""Choosing a policy under the user's constraints: minimum accuracy, maximum cost per query, maximum p95 latency."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import ConfigError
from harness.routing.results import ChoiceResult, PointResult

_KEYS = {"min_accuracy": "min_accuracy", "accuracy": "min_accuracy", "max_cost_per_query": "max_cost_per_query",
         "cost": "max_cost_per_query", "max_p95_latency_s": "max_p95_latency_s", "p95": "max_p95_latency_s"}


class Constraints(BaseModel):
    """Limits a chosen policy must meet. None leaves a figure free."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_accuracy: float | None = Field(default=None, ge=0, le=1)
    """Lowest acceptable accuracy, as a fraction (0.8 = 80%)."""
    max_cost_per_query: float | None = Field(default=None, ge=0)
    """Highest acceptable mean cost per query in US dollars."""
    max_p95_latency_s: float | None = Field(default=None, gt=0)
    """Highest acceptable 95th-percentile latency per query in seconds."""

    def describe(self) -> str:
        """Return the constraints as a short sentence."""
        parts = []
        if self.min_accuracy is not None:
            parts.append(f"accuracy >= {self.min_accuracy * 100:.1f}%")
        if self.max_cost_per_query is not None:
            parts.append(f"cost per query <= ${self.max_cost_per_query:g}")
        if self.max_p95_latency_s is not None:
            parts.append(f"p95 latency <= {self.max_p95_latency_s:g} s")
        return ", ".join(parts) or "none"


def parse_constraints(text: str | None) -> Constraints:
    """Parse 'min_accuracy=0.8,max_cost_per_query=0.002,max_p95_latency_s=3' (short keys: accuracy, cost, p95).

    Raises:
        ConfigError: a key is unknown or a value is not a number in range.
    """
    if not text:
        return Constraints()
    values: dict[str, float] = {}
    for part in (piece.strip() for piece in text.split(",") if piece.strip()):
        key, _, raw = part.partition("=")
        name = _KEYS.get(key.strip())
        if name is None:
            raise ConfigError(f"unknown constraint {key.strip()!r} in --constraints; use min_accuracy, max_cost_per_query or max_p95_latency_s")
        try:
            values[name] = float(raw)
        except ValueError:
            raise ConfigError(f"constraint {key.strip()}={raw!r} is not a number; write e.g. {key.strip()}=0.8") from None
    try:
        return Constraints(**values)
    except ValueError as exc:
        raise ConfigError(f"invalid --constraints {text!r}: {exc}") from None


def violations(point: PointResult, constraints: Constraints) -> list[str]:
    """Return why the point misses the constraints; empty when it meets them all."""
    missed = []
    if constraints.min_accuracy is not None and point.accuracy < constraints.min_accuracy:
        missed.append(f"accuracy {point.accuracy * 100:.1f}% < {constraints.min_accuracy * 100:.1f}%")
    if constraints.max_cost_per_query is not None:
        if point.cost_per_query is None:
            missed.append("cost unpriced")
        elif point.cost_per_query > constraints.max_cost_per_query:
            missed.append(f"cost per query ${point.cost_per_query:.6g} > ${constraints.max_cost_per_query:g}")
    if constraints.max_p95_latency_s is not None:
        if point.latency_p95 is None:
            missed.append("p95 latency unknown")
        elif point.latency_p95 > constraints.max_p95_latency_s:
            missed.append(f"p95 latency {point.latency_p95:.2f} s > {constraints.max_p95_latency_s:g} s")
    return missed


def pick(scope: str, points: Sequence[PointResult], constraints: Constraints) -> ChoiceResult:
    """Choose the most accurate point that meets the constraints; ties go to the cheaper, then the faster.

    The oracle is never chosen: it needs the answers before routing.
    """
    candidates = [point for point in points if point.kind != "oracle" and not violations(point, constraints)]
    if not candidates:
        return ChoiceResult(scope=scope, point=None, note=f"no policy meets the constraints ({constraints.describe()})")
    best = max(candidates, key=_rank)
    threshold = "" if best.parameter is None else f" at threshold {best.parameter:g}"
    return ChoiceResult(scope=scope, point=best, note=f"{best.policy}{threshold}: most accurate of {len(candidates)} point(s) that meet the constraints")


def _rank(point: PointResult) -> tuple[float, float, float]:
    cost = point.cost_per_query if point.cost_per_query is not None else float("inf")
    latency = point.latency_p95 if point.latency_p95 is not None else float("inf")
    return (point.accuracy, -cost, -latency)
