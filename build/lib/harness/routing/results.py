"""Results of a routing analysis, as stored in the run manifest and rendered in the report."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PointResult(_Result):
    """One policy at one threshold, replayed on a set of items."""

    policy: str
    kind: str
    """'fixed', 'table', 'classifier', 'cascade' or 'oracle'."""
    parameter: float | None = None
    """The swept threshold: minimum classifier probability, or confidence threshold of a cascade."""
    items: int
    correct: int
    accuracy: float
    """correct / items; an item whose last call failed counts as not correct."""
    total_cost: float | None
    """US dollars over all calls and classifications; None when some call is unpriced."""
    cost_per_query: float | None
    cost_per_correct: float | None
    unpriced_items: int = 0
    """Items whose route includes a call without a cost."""
    latency_p50: float | None = None
    latency_p95: float | None = None
    """Seconds per item: the known latencies of its calls plus the classifier's time."""
    shares: dict[str, float] = Field(default_factory=dict)
    """Share of items sent to each model; in a cascade one item can go to several models."""
    final_shares: dict[str, float] = Field(default_factory=dict)
    """Share of items whose final answer came from each model."""
    escalated: int = 0
    """Items that went to more than one model."""
    to_generalist: int = 0
    """Items a classifier sent to the generalist (unclassified, cross-domain or below the minimum probability)."""
    review: int = 0
    """Items flagged for human review."""


class CurveResult(_Result):
    """A policy's default point, its threshold sweep, hull and summary metrics."""

    policy: str
    kind: str
    description: str
    point: PointResult | None
    """The policy at its configured threshold; None for the random mix, which is only a hull."""
    sweep: list[PointResult] = Field(default_factory=list)
    hull: list[tuple[float, float]] = Field(default_factory=list)
    """(cost per query, accuracy) vertices of the non-decreasing convex hull of the priced points."""
    aiq: float | None = None
    apgr: float | None = None


class ClassifierResult(_Result):
    """Accuracy, confusion matrix, latency and cost of one query classifier."""

    kind: str
    method: str
    items: int
    correct: int
    accuracy: float | None
    per_vertical: dict[str, float | None]
    """Share of each true vertical's queries labelled with it."""
    confusion: dict[str, dict[str, int]]
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    cost_per_query_usd: float
    training_items: int = 0
    cross_domain: int = 0
    notes: list[str] = Field(default_factory=list)


class ChoiceResult(_Result):
    """The policy chosen for one vertical (or 'all') under the user's constraints."""

    scope: str
    point: PointResult | None
    note: str


class RoutingAnalysis(_Result):
    """Everything `verticalbench route` computed for a run."""

    run_id: str
    created_at: str
    models: list[str]
    items: int
    dropped_items: int
    cost_range: tuple[float, float] | None
    """(cheapest, most expensive) cost per query of the fixed models: the range AIQ is normalised over."""
    apgr_pair: tuple[str, str] | None = None
    """(weak, strong) models APGR is computed for; None unless exactly two models are compared."""
    apgr_note: str = ""
    constraints: dict[str, Any] = Field(default_factory=dict)
    classifiers: list[ClassifierResult] = Field(default_factory=list)
    curves: list[CurveResult] = Field(default_factory=list)
    """Every policy on all items, the oracle and the random mix of fixed models included."""
    per_vertical: dict[str, list[PointResult]] = Field(default_factory=dict)
    """Every policy's default point on each vertical's items."""
    choices: list[ChoiceResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
