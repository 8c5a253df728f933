"""Routing policies: which models an item goes to, in what order, and when to move down the chain.

A policy turns an item into a chain of models before any reply is seen: a fixed model, a
vertical-to-model table, a classifier's choice, or a cascade (cheap model first). Then
`decide` judges each reply. A failed call falls back to the next model. With a confidence
threshold, a non-answer or a reply below the threshold escalates, or is flagged for human
review. Anything else is accepted. The offline simulation and live routing share both steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.routing.classify import OTHER, Classification

PolicyKind = Literal["fixed", "table", "classifier", "cascade"]
ESCALATING_OUTCOMES = frozenset({"unparseable", "truncated"})
"""Outcomes that escalate like a low-confidence answer whenever a policy has a confidence threshold."""
ANY_VERTICAL = "*"
"""Table key of the model for verticals the table does not list."""


class PolicySpec(BaseModel):
    """One routing policy, as written in a run config's `router` section or on the command line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: PolicyKind
    name: str | None = None
    """Label in tables and plots; defaults to a description of the policy."""
    model: str | None = None
    """The model of a 'fixed' policy."""
    table: dict[str, str] = Field(default_factory=dict)
    """Vertical to model, for 'table' and 'classifier'; the key '*' covers every other vertical."""
    generalist: str | None = None
    """Model for unclassified and cross-domain queries, and the end of every fallback chain."""
    chain: list[str] = Field(default_factory=list)
    """Models of a 'cascade', cheapest first."""
    classifier: Literal["keyword", "trained"] = "keyword"
    """Query classifier of a 'classifier' policy."""
    min_probability: float = Field(default=0.0, ge=0)
    """A classification below this score goes to the generalist ('classifier' only)."""
    confidence_threshold: float | None = Field(default=None, ge=0)
    """Escalate a reply whose confidence is below this, or a non-answer; None never escalates on replies."""
    on_low_confidence: Literal["escalate", "review"] = "escalate"
    """'escalate' sends a low-confidence reply to the next model; 'review' keeps it and flags it for a person."""
    fallbacks: list[str] = Field(default_factory=list)
    """Models tried in order after the chosen one when a call fails."""

    @model_validator(mode="after")
    def _complete(self) -> PolicySpec:
        if self.kind == "fixed" and not self.model:
            raise ValueError("a 'fixed' policy needs 'model'")
        if self.kind in ("table", "classifier") and not (self.table or self.generalist):
            raise ValueError(f"a '{self.kind}' policy needs a 'table' of vertical: model, a 'generalist', or both")
        if self.kind == "cascade" and len(self.chain) < 2:
            raise ValueError("a 'cascade' policy needs a 'chain' of at least two models, cheapest first")
        return self

    @property
    def label(self) -> str:
        """The policy's name, or a description built from its settings."""
        if self.name:
            return self.name
        if self.kind == "fixed":
            return f"fixed:{self.model}"
        if self.kind == "cascade":
            return "cascade:" + ">".join(self.chain)
        if self.kind == "classifier":
            return f"classifier:{self.classifier}"
        return "table"

    def models(self) -> list[str]:
        """Return every model the policy may call."""
        named = [self.model, *self.table.values(), self.generalist, *self.chain, *self.fallbacks]
        return list(dict.fromkeys(model for model in named if model))


@dataclass(frozen=True)
class Choice:
    """The chain of models for one item, and why its first model was chosen."""

    chain: tuple[str, ...]
    reason: str


def choose(spec: PolicySpec, vertical: str, verdict: Classification | None = None) -> Choice:
    """Return the model chain of an item of the given vertical (true for 'table', predicted for 'classifier').

    Raises:
        ValueError: a 'classifier' policy got no verdict, or no model covers the vertical.
    """
    if spec.kind == "fixed":
        assert spec.model is not None
        return _with_fallbacks(spec, spec.model, "fixed model")
    if spec.kind == "cascade":
        return Choice(tuple(spec.chain), "cascade: cheapest model first")
    if spec.kind == "table":
        model, reason = _table_model(spec, vertical)
        return _with_fallbacks(spec, model, f"table: {reason}")
    if verdict is None:
        raise ValueError("a classifier policy needs the query's classification")
    return _classified(spec, verdict)


def _classified(spec: PolicySpec, verdict: Classification) -> Choice:
    generalist = spec.generalist or spec.table.get(ANY_VERTICAL)
    shown = f"{verdict.label} (p={verdict.probability:.2f})"
    if verdict.label == OTHER:
        reason = "unclassified query"
    elif verdict.cross_domain:
        reason = f"cross-domain query, best guess {shown}"
    elif verdict.probability < spec.min_probability:
        reason = f"{shown} below the minimum {spec.min_probability:.2f}"
    elif verdict.label in spec.table:
        return _with_fallbacks(spec, spec.table[verdict.label], f"classified {shown} -> {spec.table[verdict.label]}")
    else:
        reason = f"classified {shown}, a vertical without a table entry"
    if generalist is None:
        raise ValueError(f"classifier policy {spec.label}: {reason}, and it has no generalist; set 'generalist'")
    return _with_fallbacks(spec, generalist, f"{reason} -> generalist {generalist}")


def _table_model(spec: PolicySpec, vertical: str) -> tuple[str, str]:
    if vertical in spec.table:
        return spec.table[vertical], f"{vertical} -> {spec.table[vertical]}"
    fallback = spec.table.get(ANY_VERTICAL) or spec.generalist
    if fallback is None:
        raise ValueError(f"policy {spec.label} has no model for vertical '{vertical}'; add it to 'table' or set 'generalist'")
    return fallback, f"{vertical} not in the table -> {fallback}"


def _with_fallbacks(spec: PolicySpec, first: str, reason: str) -> Choice:
    tail = [*spec.fallbacks, *([spec.generalist] if spec.generalist else [])]
    return Choice(tuple(dict.fromkeys([first, *tail])), reason)


Action = Literal["accept", "fallback", "escalate", "review", "exhausted"]


@dataclass(frozen=True)
class Decision:
    """The action after one model's reply, with its reason."""

    action: Action
    reason: str

    @property
    def moves_on(self) -> bool:
        """Whether the item goes to the next model of the chain."""
        return self.action in ("fallback", "escalate")


def decide(spec: PolicySpec, outcome: str, confidence: float, has_next: bool) -> Decision:
    """Judge one reply: accept it, hand the item on, flag it for review, or stop at the end of the chain."""
    if outcome == "error":
        return Decision("fallback", "the call failed") if has_next else Decision("exhausted", "the call failed and no model is left")
    threshold = spec.confidence_threshold
    if threshold is None:
        return Decision("accept", "answer accepted")
    if outcome in ESCALATING_OUTCOMES:
        why = f"the reply was {outcome}"
    elif confidence < threshold:
        why = f"confidence {confidence:.2f} < {threshold:.2f}"
    else:
        return Decision("accept", f"confidence {confidence:.2f} >= {threshold:.2f}")
    if spec.on_low_confidence == "review":
        return Decision("review", f"{why}; flagged for human review")
    if not has_next:
        return Decision("exhausted", f"{why}, and no model is left; flagged for human review")
    return Decision("escalate", why)
