"""Policy chains, the decision after each reply, policy specs from the command line, and constraints."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from harness.errors import ConfigError
from harness.routing.classify import OTHER, Classification
from harness.routing.policies import PolicySpec, choose, decide
from harness.routing.results import PointResult
from harness.routing.select import Constraints, parse_constraints, pick, violations
from harness.routing.specs import parse_policy

TABLE = PolicySpec(kind="classifier", table={"legal": "lawyer", "finance": "banker"}, generalist="big", min_probability=0.5)


def test_fixed_chain_with_fallbacks() -> None:
    spec = PolicySpec(kind="fixed", model="a", fallbacks=["b"], generalist="c")
    assert choose(spec, "legal").chain == ("a", "b", "c")


def test_table_falls_back_to_star() -> None:
    spec = PolicySpec(kind="table", table={"legal": "a", "*": "b"})
    assert choose(spec, "medical").chain == ("b",)
    assert choose(spec, "medical").reason == "table: medical not in the table -> b"


@pytest.mark.parametrize(
    ("verdict", "model", "reason"),
    [
        (Classification("legal", 0.9, False), "lawyer", "classified legal (p=0.90) -> lawyer"),
        (Classification(OTHER, 0.0, False), "big", "unclassified query -> generalist big"),
        (Classification("legal", 0.9, True), "big", "cross-domain query, best guess legal (p=0.90) -> generalist big"),
        (Classification("legal", 0.4, False), "big", "legal (p=0.40) below the minimum 0.50 -> generalist big"),
        (Classification("code", 0.9, False), "big", "classified code (p=0.90), a vertical without a table entry -> generalist big"),
    ],
)
def test_classifier_choice(verdict: Classification, model: str, reason: str) -> None:
    choice = choose(TABLE, "legal", verdict)
    assert choice.chain[0] == model
    assert choice.reason == reason


def test_decide_without_threshold() -> None:
    spec = PolicySpec(kind="fixed", model="a")
    assert decide(spec, "unparseable", 0.0, True).action == "accept"
    assert decide(spec, "error", 0.0, True).action == "fallback"
    assert decide(spec, "error", 0.0, False).action == "exhausted"


def test_decide_with_threshold() -> None:
    spec = PolicySpec(kind="cascade", chain=["a", "b"], confidence_threshold=0.75)
    assert decide(spec, "correct", 1.0, True).action == "accept"
    assert decide(spec, "correct", 0.5, True).reason == "confidence 0.50 < 0.75"
    assert decide(spec, "truncated", 0.0, True).reason == "the reply was truncated"
    assert decide(spec, "incorrect", 0.5, False).action == "exhausted"


def test_decide_review_mode() -> None:
    spec = PolicySpec(kind="cascade", chain=["a", "b"], confidence_threshold=0.75, on_low_confidence="review")
    decision = decide(spec, "correct", 0.5, True)
    assert decision.action == "review"
    assert not decision.moves_on


def test_threshold_zero_escalates_failures_only() -> None:
    spec = PolicySpec(kind="cascade", chain=["a", "b"], confidence_threshold=0.0)
    assert decide(spec, "refused", 0.0, True).action == "accept"
    assert decide(spec, "unparseable", 0.0, True).action == "escalate"


def test_spec_validation() -> None:
    with pytest.raises(ValidationError, match="needs 'model'"):
        PolicySpec(kind="fixed")
    with pytest.raises(ValidationError, match="at least two models"):
        PolicySpec(kind="cascade", chain=["a"])


def test_parse_policies() -> None:
    default = {"legal": "lawyer", "*": "big"}
    assert parse_policy("fixed:big", default, "big").model == "big"
    assert parse_policy("table:legal=lawyer,*=big", default, "big").table == {"legal": "lawyer", "*": "big"}
    classifier = parse_policy("classifier:trained", default, "big")
    assert (classifier.classifier, classifier.table) == ("trained", default)
    assert parse_policy("classifier:legal=lawyer", default, "big").table == {"legal": "lawyer"}
    cascade = parse_policy("cascade:small,big@0.5", default, "big")
    assert (cascade.chain, cascade.confidence_threshold) == (["small", "big"], 0.5)


@pytest.mark.parametrize("text", ["magic:x", "table:legal", "cascade:one", "fixed:"])
def test_parse_policy_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_policy(text, {}, "big")


def _point(policy: str, accuracy: float, cost: float | None, p95: float | None = 1.0, kind: str = "fixed") -> PointResult:
    return PointResult(policy=policy, kind=kind, items=10, correct=round(accuracy * 10), accuracy=accuracy,
                       total_cost=None if cost is None else cost * 10, cost_per_query=cost, cost_per_correct=None, latency_p95=p95)


def test_constraints_parse() -> None:
    parsed = parse_constraints("min_accuracy=0.8, cost=0.002,p95=3")
    assert parsed == Constraints(min_accuracy=0.8, max_cost_per_query=0.002, max_p95_latency_s=3)
    with pytest.raises(ConfigError, match="unknown constraint"):
        parse_constraints("speed=1")
    with pytest.raises(ConfigError, match="not a number"):
        parse_constraints("min_accuracy=high")


def test_violations_name_each_miss() -> None:
    constraints = Constraints(min_accuracy=0.8, max_cost_per_query=0.01, max_p95_latency_s=2)
    assert violations(_point("a", 0.9, 0.005), constraints) == []
    assert violations(_point("a", 0.7, None, None), constraints) == ["accuracy 70.0% < 80.0%", "cost unpriced", "p95 latency unknown"]


def test_pick_most_accurate_then_cheapest() -> None:
    points = [_point("cheap", 0.8, 0.001), _point("same", 0.8, 0.002), _point("best", 0.9, 0.02),
              _point("oracle", 1.0, 0.0001, kind="oracle")]
    assert pick("all", points, Constraints(max_cost_per_query=0.01)).point.policy == "cheap"  # type: ignore[union-attr]
    assert pick("all", points, Constraints()).point.policy == "best"  # type: ignore[union-attr]
    none = pick("legal", points, Constraints(min_accuracy=0.95))
    assert none.point is None
    assert "no policy meets" in none.note
